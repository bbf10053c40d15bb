"""Backups of the one SQLite file: taken online, verified, listed and rotated.

A backup is made with SQLite's online backup API from a connection of its own, in one step:
one read transaction, so it is a consistent snapshot of the committed data (what is in the
write-ahead log included) and, in WAL mode, writers go on meanwhile. It is never a file copy
of a live database, which can catch the file halfway through a checkpoint.

Each backup is written aside (`NAME.partial`, created 0600 in a 0700 folder), then opened
again and checked with `PRAGMA quick_check`, its schema and incidents read, synced to disk and
renamed into place; last a manifest `NAME.json` records what the check found. Only a backup
with a manifest that matches its file is listed as verified. Anything that fails on the way
(a full disk, say) removes the partial file and says so in one line; the database itself is
only ever read.

Rotation keeps, of the automatic backups, the newest in each of the last `keep_hourly` hours
and in each of the last `keep_daily` days that have one (the process's `backups.yaml`); the
copies kept before a restore and backups written with `--to` are never rotated away.
"""

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from console.errors import StorageUnavailable
from console.files import sync_folder
from console.paths import ensure_private_dir
from console.store import MIGRATIONS_TABLE, connect, describe_sqlite_error

SUFFIX = ".sqlite3"
MANIFEST_SUFFIX = ".json"
PARTIAL_SUFFIX = ".partial"
AUTOMATIC = "incidents-"  # name prefixes, by the kind of backup
BEFORE_RESTORE = "before-restore-"
STAMP = "%Y%m%dT%H%M%SZ"
SQLITE_HEADER = b"SQLite format 3\x00"


class Policy(NamedTuple):
    """When to back up while writing and what rotation keeps (the process's `backups.yaml`)."""

    every_minutes: int = 30
    keep_hourly: int = 24
    keep_daily: int = 14

    @classmethod
    def from_process(cls, process) -> "Policy":
        item = process.by_id("backups", "automatic")
        return cls(item["every_minutes"], item["keep_hourly"], item["keep_daily"])


class Backup(NamedTuple):
    path: Path
    taken_at: datetime
    size: int
    incidents: int | None
    entries: int | None
    schema: str | None  # the newest migration it has applied
    verified: bool
    kind: str  # "automatic", "before-restore" or "other"

    def to_plain(self) -> dict:
        return {"file": str(self.path), "taken_at": self.taken_at.isoformat(timespec="seconds"),
                "size": self.size, "incidents": self.incidents, "entries": self.entries,
                "schema": self.schema, "verified": self.verified, "kind": self.kind}


class Checked(NamedTuple):
    """What opening a copy and checking it found."""

    schema: str | None
    incidents: int
    entries: int


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_source(path: Path) -> sqlite3.Connection:
    """A connection that only reads the database, for backing it up; StorageUnavailable when
    there is none."""
    if not Path(path).is_file():
        raise StorageUnavailable(f"{path}: there is no database to back up yet")
    return connect(path, read_only=True)


def check_copy(path: Path) -> Checked:
    """Open a copy and check it: `quick_check` ok and an Incident Console schema, or
    sqlite3.Error / ValueError saying what is wrong. Leaves the file as it found it (WAL mode
    set by the backup is kept; its -wal is folded in and removed on close)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise ValueError(f"the copy is damaged: quick_check found {len(rows)} problem(s), first: {rows[0][0]}")
        return counts(conn)
    finally:
        conn.close()


def counts(conn: sqlite3.Connection) -> Checked:
    """The schema and counts of an Incident Console database (ValueError when it is not one)."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (MIGRATIONS_TABLE,)).fetchone()
    if not has:
        raise ValueError("not an Incident Console database")
    from console.migrations import MIGRATION_SET

    schema = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? "
                          "ORDER BY id DESC LIMIT 1", (MIGRATION_SET,)).fetchone()
    incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    return Checked(schema[0] if schema else None, incidents, entries)


def copy_database(source: sqlite3.Connection, target: Path, label: str) -> Checked:
    """Write a verified copy of `source` at `target` (written aside, checked, synced, renamed).

    Any failure removes what was written and raises StorageUnavailable naming `label`; the
    source is only read."""
    target = Path(target)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    _remove_partial(partial)
    dest = None
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        dest = sqlite3.connect(partial)
        source.backup(dest)  # one step: one read transaction, a consistent snapshot
        dest.close()
        dest = None
        checked = check_copy(partial)
        sync_file(partial)
        os.replace(partial, target)
        sync_folder(target.parent)
    except (sqlite3.Error, OSError, ValueError) as exc:
        if dest is not None:
            dest.close()
        _remove_partial(partial)
        raise StorageUnavailable(f"{label}: {_reason(exc, partial)}; the partial copy was removed "
                                 "and the database was not changed") from None
    return checked


def _reason(exc: BaseException, path: Path) -> str:
    if isinstance(exc, sqlite3.Error):
        mapped = describe_sqlite_error(exc, path)
        text = str(exc)
        if mapped is not None:
            text = str(mapped).removeprefix(f"{path}: ").split(" (")[0]
            if "full" not in text:
                text += f" ({getattr(exc, 'sqlite_errorname', '') or exc})"
        return text
    if isinstance(exc, OSError):
        import errno

        if exc.errno == errno.ENOSPC:
            return "the disk is full"
        return exc.strerror or str(exc)
    return str(exc)


def _remove_partial(partial: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{partial}{extra}")
        except FileNotFoundError:
            pass


def _write_manifest(target: Path, checked: Checked, taken_at: datetime) -> None:
    manifest = target.with_name(target.name + MANIFEST_SUFFIX)
    partial = manifest.with_name(manifest.name + PARTIAL_SUFFIX)
    data = {"taken_at": taken_at.isoformat(timespec="seconds"), "size": target.stat().st_size,
            "incidents": checked.incidents, "entries": checked.entries, "schema": checked.schema,
            "quick_check": "ok"}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(data, indent=1).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, manifest)


def take(db_path: Path, folder: Path, *, now: datetime | None = None, prefix: str = AUTOMATIC,
         source: sqlite3.Connection | None = None) -> Backup:
    """Back the database up into `folder` (0700), verified, and return it."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    ensure_private_dir(folder)
    target = _free_name(folder, prefix + now.strftime(STAMP))
    own = source is None
    try:
        if own:
            source = open_source(db_path)
        checked = copy_database(source, target, f"backup to {target}")
    finally:
        if own and source is not None:
            source.close()
    try:
        _write_manifest(target, checked, now)
    except OSError as exc:
        raise StorageUnavailable(f"backup {target}: its check could not be recorded "
                                 f"({_reason(exc, target)}); it is not listed as verified") from None
    return read_backup(target)


def take_to(db_path: Path, target: Path) -> Checked:
    """`backup --to FILE`: a verified copy at a file the person named (0600)."""
    source = open_source(db_path)
    try:
        return copy_database(source, target, f"backup to {target}")
    finally:
        source.close()


def _free_name(folder: Path, stem: str) -> Path:
    target = folder / f"{stem}{SUFFIX}"
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{SUFFIX}"
        n += 1
    return target


def _kind(name: str) -> str:
    if name.startswith(AUTOMATIC):
        return "automatic"
    if name.startswith(BEFORE_RESTORE):
        return "before-restore"
    return "other"


def read_backup(path: Path) -> Backup:
    """A backup file as listed: verified only when its manifest matches the file."""
    size = path.stat().st_size
    manifest = {}
    try:
        manifest = json.loads(path.with_name(path.name + MANIFEST_SUFFIX).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            manifest = {}
    except (OSError, ValueError):
        pass
    verified = manifest.get("quick_check") == "ok" and manifest.get("size") == size
    try:
        taken = datetime.fromisoformat(manifest["taken_at"])
    except (KeyError, TypeError, ValueError):
        taken = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    return Backup(path, taken, size, manifest.get("incidents"), manifest.get("entries"),
                  manifest.get("schema"), verified, _kind(path.name))


def listing(folder: Path) -> list[Backup]:
    """Every backup in the folder, newest first (an unreadable or missing folder: none)."""
    try:
        names = sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and p.is_file())
    except OSError:
        return []
    found = []
    for path in names:
        try:
            found.append(read_backup(path))
        except OSError:
            continue
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def newest_good(folder: Path) -> Backup | None:
    return next((b for b in listing(folder) if b.verified), None)


def to_rotate(backups: list[Backup], policy: Policy) -> list[Backup]:
    """The automatic backups rotation removes: all but the newest of each of the last
    `keep_hourly` hours and of the last `keep_daily` days that have one."""
    automatic = sorted((b for b in backups if b.kind == "automatic"), key=lambda b: b.taken_at,
                       reverse=True)
    keep: set[Path] = set()
    for width, count in ((13, policy.keep_hourly), (10, policy.keep_daily)):  # 2026-11-30T08 / 2026-11-30
        seen: set[str] = set()
        for backup in automatic:
            bucket = backup.taken_at.astimezone(timezone.utc).isoformat()[:width]
            if bucket not in seen and len(seen) < count:
                seen.add(bucket)
                keep.add(backup.path)
    if automatic:
        keep.add(automatic[0].path)
    return [b for b in automatic if b.path not in keep]


def rotate(folder: Path, policy: Policy) -> list[Path]:
    """Remove what rotation does not keep; returns the files removed."""
    removed = []
    for backup in to_rotate(listing(folder), policy):
        for path in (backup.path, backup.path.with_name(backup.path.name + MANIFEST_SUFFIX)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        removed.append(backup.path)
    if removed:
        sync_folder(folder)
    return removed


def automatic(db_path: Path, folder: Path, policy: Policy, *, now: datetime | None = None) -> Backup:
    """An automatic backup, then rotation."""
    backup = take(db_path, folder, now=now)
    rotate(folder, policy)
    return backup
