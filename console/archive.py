"""An export's files, from a .zip or a folder, read without trusting them (the Slack import).

    files = open_export(path, label)     # InputError when it is neither a zip nor a folder
    files.has("users.json")
    files.day_files("inc-checkout")     # the names of `inc-checkout/*.json`, sorted
    files.json("users.json")            # parsed, or InputError naming the file and the line
    files.close()

Nothing is extracted: a zip's members are read in memory, each up to MAX_FILE_BYTES and all of
them up to MAX_TOTAL_BYTES, counted as they are inflated (a member's declared size can lie, and
zipfile then stops at it and fails the CRC check). A member whose name is absolute, has `..` or
a backslash or a drive letter, or comes twice, refuses the whole export; so does a file of a
folder export that resolves outside the folder. More than MAX_MEMBERS names is refused too.
"""

import json
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from console import paths
from console.errors import InputError

MAX_FILE_BYTES = 50_000_000  # one JSON file of the export
MAX_TOTAL_BYTES = 500_000_000  # everything read from one export
MAX_MEMBERS = 200_000  # names in a zip, or day files in a channel's folder
_DAY_FILE = re.compile(r"[^/]+\.json", re.ASCII)


def open_export(path: str | os.PathLike[str], label: str) -> "_Reader":
    """The files of the export at `path`: a folder, or a zip file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(f"Slack export {label}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return _FolderReader(Path(path), label)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"Slack export {label}: not a regular file or folder")
    return _ZipReader(Path(path), label)


class _Reader:
    """What a zip and a folder export share: each reads (`bytes`), lists (`day_files`) and finds
    (`has`) an export's files by their name inside it ('users.json', 'inc-x/2026-03-29.json'),
    the bytes read counted against MAX_TOTAL_BYTES."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._read = 0

    def close(self) -> None:
        """Let go of the file (a zip's)."""

    def _count(self, size: int) -> None:
        self._read += size
        if self._read > MAX_TOTAL_BYTES:
            raise InputError(f"Slack export {self.label}: more than {MAX_TOTAL_BYTES:,} bytes to read")

    def json(self, name: str) -> Any:
        data = self.bytes(name)
        text = paths.decode_utf8(data, f"{self.label}: {name}")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{self.label}: {name}: not JSON (line {exc.lineno}, column {exc.colno})") from None
        except RecursionError:
            raise InputError(f"{self.label}: {name}: nested too deeply") from None


class _ZipReader(_Reader):
    def __init__(self, path: Path, label: str) -> None:
        import zipfile  # only an import from a zip pays for it

        super().__init__(label)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"Slack export {label}: not a zip file ({' '.join(str(exc).split())[:100]})") from None
        try:
            self._index(infos)
        except BaseException:
            self._zip.close()
            raise

    def _index(self, infos: list) -> None:
        label = self.label
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"Slack export {label}: more than {MAX_MEMBERS:,} files")
        self._members: dict = {}  # name -> zipfile.ZipInfo
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name).parts
            if (name.startswith("/") or "\\" in name or ".." in parts or "\x00" in name
                    or re.match(r"[A-Za-z]:", name)):
                raise InputError(f"Slack export {label}: a file named {name[:60]!r} would leave the export")
            if info.is_dir():
                continue
            if name in self._members:
                raise InputError(f"Slack export {label}: {name[:60]!r} is in it twice")
            self._members[name] = info

    def close(self) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        return name in self._members

    def day_files(self, channel: str) -> list[str]:
        prefix = f"{channel}/"
        return sorted(n for n in self._members if n.startswith(prefix) and _DAY_FILE.fullmatch(n[len(prefix):]))

    def bytes(self, name: str) -> bytes:
        import zipfile
        import zlib

        info = self._members[name]
        if info.file_size > MAX_FILE_BYTES:
            raise InputError(f"{self.label}: {name}: too big ({info.file_size:,} bytes; at most {MAX_FILE_BYTES:,})")
        try:
            with self._zip.open(info) as member:
                chunks, size = [], 0
                while True:
                    chunk = member.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
                    self._count(len(chunk))
                    if size > MAX_FILE_BYTES:
                        raise InputError(f"{self.label}: {name}: inflates past {MAX_FILE_BYTES:,} bytes")
                    chunks.append(chunk)
        except InputError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise InputError(f"{self.label}: {name}: cannot be read ({' '.join(str(exc).split())[:100]})") from None
        return b"".join(chunks)


class _FolderReader(_Reader):
    def __init__(self, root: Path, label: str) -> None:
        super().__init__(label)
        self._root = root.resolve()

    def _inside(self, name: str) -> Path | None:
        path = (self._root / name).resolve()
        return path if path.is_relative_to(self._root) else None

    def has(self, name: str) -> bool:
        path = self._inside(name)
        return path is not None and path.exists()

    def day_files(self, channel: str) -> list[str]:
        folder = self._inside(channel)
        if folder is None:
            raise InputError(f"Slack export {self.label}: the folder of #{channel[:40]} is outside the export")
        if not folder.is_dir():
            return []
        names = sorted(entry.name for entry in os.scandir(folder) if _DAY_FILE.fullmatch(entry.name))
        if len(names) > MAX_MEMBERS:
            raise InputError(f"Slack export {self.label}: more than {MAX_MEMBERS:,} files in #{channel[:40]}")
        return [f"{channel}/{name}" for name in names]

    def bytes(self, name: str) -> bytes:
        path = self._inside(name)
        if path is None:
            raise InputError(f"Slack export {self.label}: {name[:60]} is a link to outside the export")
        data = paths.read_text(path, f"Slack export file {self.label}/{name}", max_bytes=MAX_FILE_BYTES)
        encoded = data.encode("utf-8")
        self._count(len(encoded))
        return encoded
