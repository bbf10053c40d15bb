"""`evidence export REF --to DIR`: the kept copies written out with a manifest of their hashes.

DIR is a new folder (made 0700) or an empty one: nothing there is ever overwritten. It gets one
file per piece of evidence, `V<n>-<name>` (0400), `manifest.json` (format
`incident-console-evidence/1`: a security incident's marking first, the incident's ref - never
its title -, each file's SHA-256, size
and where it came from, and the chain of custody up to this export) and `SHA256SUMS`, which
`sha256sum -c SHA256SUMS` checks in DIR. Each copy is re-hashed as it is copied: a kept copy
that changed stops the export (exit 1) and what was written is removed.
"""

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import NamedTuple

from console import evidence_files
from console.errors import InputError, StorageUnavailable

FORMAT = "incident-console-evidence/1"


class Written(NamedTuple):
    """An export on disk: its folder (and whether the export made it), its files, and the
    SHA-256 of its manifest."""

    folder: Path
    made: bool
    files: tuple[Path, ...]
    manifest: str


def export(ref: str, items, custody, folder: Path, to, by: str, at: str, marking: str | None = None) -> Written:
    """The folder `to` checked (or made), then the copies, manifest and sums written into it;
    on any failure nothing is left (the folder too, if this made it). Touches no database.
    `marking`: a security incident's (console.security.marking), at the head of the manifest."""
    target_folder, made = target(to)
    try:
        files, manifest = write(ref, items, custody, folder, target_folder, by, at, marking)
    except BaseException:
        remove((), target_folder if made else None)
        raise
    return Written(target_folder, made, files, manifest)


def undo(written: Written) -> None:
    """Remove an export whose record could not be written."""
    remove(written.files, written.folder if written.made else None)


def target(to) -> tuple[Path, bool]:
    """The export's folder, and whether this made it: made if missing (its parent must
    exist), else an empty folder."""
    text = evidence_files.check_name(to, "export folder")
    folder = Path(os.path.abspath(text))
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        if not folder.parent.is_dir():
            raise InputError(f"export folder {folder}: {folder.parent} is not a folder") from None
        try:
            folder.mkdir(mode=0o700)
        except OSError as exc:
            raise StorageUnavailable(f"export folder {folder}: cannot be made ({exc.strerror or exc})") from None
        return folder, True
    except OSError as exc:
        raise StorageUnavailable(f"export folder {folder}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"export folder {folder}: not a folder")
    try:
        if any(folder.iterdir()):
            raise InputError(f"export folder {folder}: not empty; export into a new or empty folder")
    except OSError as exc:
        raise StorageUnavailable(f"export folder {folder}: {exc.strerror or exc}") from None
    return folder, False


def file_name(item) -> str:
    return f"{item.ref}-{item.name}"


def write(ref: str, items, custody, folder: Path, to: Path, by: str, at: str,
          marking: str | None = None) -> tuple[tuple[Path, ...], str]:
    """Write the copies, the manifest and SHA256SUMS into `to`; (the files, the manifest's
    SHA-256). On any failure what was written is removed."""
    written: list[Path] = []
    try:
        for item in items:
            source = folder / item.sha256
            if not source.exists():
                where = "is kept on another console of the team" if not item.here else "is missing"
                raise StorageUnavailable(f"{item.ref} {item.name}: the kept copy {where}; nothing was exported")
            path = to / file_name(item)
            written.append(path)
            evidence_files.copy_out(source, path, item.sha256)
        manifest = {
            **({"marking": marking} if marking else {}),
            "format": FORMAT, "incident": ref, "exported_by": by, "exported_at": at,
            "files": [{"id": item.ref, "file": file_name(item), "sha256": item.sha256, "size": item.size,
                       "name": item.name, "added_by": item.added_by, "added_at": item.added_at,
                       "sources": [path for path, _ in item.sources]} for item in items],
            "custody": [{"action": e.action, "by": e.by, "at": e.at, "path": e.path, "note": e.note,
                         "evidence": next((i.ref for i in items if i.uid == e.evidence_uid), None)}
                        for e in custody],
        }
        data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        written.append(to / "manifest.json")
        evidence_files.write_new(to / "manifest.json", data)
        sums = "".join(f"{item.sha256}  {file_name(item)}\n" for item in items)
        written.append(to / "SHA256SUMS")
        evidence_files.write_new(to / "SHA256SUMS", sums.encode())
    except OSError as exc:
        remove(written)
        raise StorageUnavailable(f"export folder {to}: {exc.strerror or exc}; nothing was exported") from None
    except BaseException:
        remove(written)
        raise
    return tuple(written), hashlib.sha256(data).hexdigest()


def remove(files, folder: Path | None = None) -> None:
    """Remove what an export wrote (and its folder, when the export made it)."""
    for path in files:
        try:
            os.chmod(path, 0o600)
            os.unlink(path)
        except OSError:
            pass
    if folder is not None:
        try:
            folder.rmdir()
        except OSError:
            pass
