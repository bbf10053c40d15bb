"""Putting a backup back in place of the database: `incident-console restore FILE`.

FILE is refused in one line, and nothing is changed, when it is not a regular file (a folder,
a symlink: name the file itself), not an SQLite database, damaged or truncated (`quick_check`),
an SQLite database that is not an Incident Console one, or one written by a newer version.

It is never written over the database in place. FILE is copied beside the database
(`incidents.sqlite3.restoring`; FILE itself is only read) and the copy is checked, set to WAL
and synced. The current database is kept first: backed up (verified) into the backup folder
as `before-restore-…`, or, when it is damaged, copied aside as it is with its write-ahead log
(console/damage.py). Then its log is emptied into it and removed, and the copy is renamed over
it, and the folder synced: at any moment a power cut leaves either the old database or the
new one, never a mix.

While another program has the database open (a window, a CLI command), restore refuses: that
program would go on with the file it opened and its writes would be lost. It is found by the
lock every SQLite connection in WAL mode holds on the database's -shm file while it is open.
"""

import os
import shutil
import sqlite3
import stat
import struct
import sys
from pathlib import Path
from typing import NamedTuple

from console import backups
from console.errors import DatabaseTooNew, InputError, StorageUnavailable
from console.files import sync_folder
from console.store import connect, pending_migrations

ASIDE_SUFFIX = ".restoring"
_SHM_DMS_BYTE = 128  # SQLite's unix VFS: every open connection holds a read lock on this byte


class Restored(NamedTuple):
    source: Path
    checked: backups.Checked
    kept: Path | None  # the backup of the database that was replaced (or the damaged copy)


def in_use(db_path: Path) -> bool:
    """Whether another process has the database open (Linux: asks the kernel who holds the
    -shm file's lock without taking it; elsewhere: takes and releases it)."""
    shm = Path(f"{db_path}-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot even look: treat it as held
    try:
        import fcntl

        if sys.platform.startswith("linux"):
            query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, _SHM_DMS_BYTE, 1, 0)
            answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
            return struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


def check_file(file: str | os.PathLike[str]) -> Path:
    """FILE as restore reads it, or InputError in one line (nothing is read past its header)."""
    path = Path(file)
    label = f"restore {os.fsdecode(file)}"
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except OSError as exc:
        raise InputError(f"{label}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(mode):
        raise InputError(f"{label}: is a symlink; name the backup file itself")
    if stat.S_ISDIR(mode):
        raise InputError(f"{label}: is a folder, not a backup file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{label}: not a regular file")
    try:
        with open(path, "rb") as data:
            header = data.read(len(backups.SQLITE_HEADER))
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    if header != backups.SQLITE_HEADER:
        raise InputError(f"{label}: not an SQLite database, so not an Incident Console backup")
    return path


def _check_aside(aside: Path, label: str) -> backups.Checked:
    """Check the copy: whole, ours, not newer; and leave it in WAL mode, synced."""
    try:
        conn = sqlite3.connect(aside)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if rows != [("ok",)]:
                raise InputError(f"{label}: the file is damaged (quick_check: {rows[0][0]})")
            try:
                pending_migrations(conn, aside)
            except DatabaseTooNew as exc:
                text = str(exc).removeprefix(f"{aside}: ").split(". It has not")[0]
                raise InputError(f"{label}: {text}; nothing was restored") from None
            except StorageUnavailable as exc:
                text = str(exc).removeprefix(f"{aside}: ").split("; it has not")[0]
                raise InputError(f"{label}: {text}") from None
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'incidents'").fetchone():
                raise InputError(f"{label}: an empty SQLite database, not an Incident Console backup")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageUnavailable(f"{label}: cannot switch the copy to WAL (got {mode})")
            checked = backups.counts(conn)  # the quick_check above was the whole file's
        finally:
            conn.close()
        backups.sync_file(aside)
    except sqlite3.DatabaseError as exc:
        from console import damage

        if damage.is_damage(exc):
            raise InputError(f"{label}: the file is damaged or truncated ({exc})") from None
        raise StorageUnavailable(f"{label}: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{label}: {exc}") from None
    return checked


def restore(file: str | os.PathLike[str], db_path: Path, backup_dir: Path) -> Restored:
    """Replace the database at `db_path` with the backup FILE (see the module's text)."""
    source = check_file(file)
    label = f"restore {os.fsdecode(file)}"
    db_path = Path(db_path)
    if in_use(db_path):
        raise StorageUnavailable(f"{label}: {db_path} is open in another program (a window, or a "
                                 "command still running); close it and run restore again")
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise InputError(f"{label}: that is the database itself")
    from console.paths import ensure_private_dir

    ensure_private_dir(db_path.parent)
    aside = db_path.with_name(db_path.name + ASIDE_SUFFIX)
    _remove(aside)
    try:
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out)  # a backup file is no live database: its bytes are it
        checked = _check_aside(aside, label)
        kept = _keep_current(db_path, backup_dir) if _has_data(db_path) else None
        _empty_log(db_path)
        os.replace(aside, db_path)
        sync_folder(db_path.parent)
    except OSError as exc:
        _remove(aside)
        reason = "the disk is full" if exc.errno == 28 else (exc.strerror or str(exc))
        raise StorageUnavailable(f"{label}: {reason}; the database was not changed") from None
    except BaseException:
        _remove(aside)
        raise
    return Restored(source, checked, kept)


def _has_data(db_path: Path) -> bool:
    """Whether there is a database worth keeping (an empty file, left by a start cut short,
    holds nothing)."""
    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    return size(db_path) + size(Path(f"{db_path}-wal")) > 0


def _keep_current(db_path: Path, backup_dir: Path) -> Path:
    """Back the current database up before it is replaced (a damaged one: copied aside)."""
    from console import damage

    try:
        return backups.take(db_path, backup_dir, prefix=backups.BEFORE_RESTORE).path
    except damage.DatabaseDamaged as exc:
        if exc.kept is None:
            raise StorageUnavailable(f"{db_path}: damaged, and it could not be copied aside; "
                                     "nothing was restored") from None
        return exc.kept
    except StorageUnavailable as exc:
        if "damaged" not in str(exc):
            raise
        kept = damage.keep_aside(db_path)
        if kept is None:
            raise StorageUnavailable(f"{db_path}: damaged, and it could not be copied aside; "
                                     "nothing was restored") from None
        return kept


def _empty_log(db_path: Path) -> None:
    """Fold the write-ahead log into the old file (when it can be read) and remove it and the
    -shm: a log left beside the new file would be replayed onto it."""
    if db_path.exists():
        try:
            conn = connect(db_path)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except (sqlite3.Error, StorageUnavailable):
            pass  # damaged: its log is already copied aside
    for extra in ("-wal", "-shm"):
        try:
            os.unlink(f"{db_path}{extra}")
        except FileNotFoundError:
            pass


def _remove(aside: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{aside}{extra}")
        except FileNotFoundError:
            pass
