"""A damaged database found at start-up: never written to, kept aside, a good backup offered.

The damage is found two ways. The command line trusts SQLite: the first read of a file that is
not a database (SQLITE_NOTADB) or is damaged where it reads (SQLITE_CORRUPT; a truncated file
fails so at once) raises `DatabaseDamaged` before anything is written (console/store.py). The
window also runs `quick_check` on its writer thread after the first paint, before the store is
opened for writing (`check`): a full read of the file, which would hold up the first paint of a
large database but not the list, which shows as soon as it can be read.

Either way the file and its write-ahead log (the commits not yet copied into the file) are
copied as they are into a folder of their own next to the backups (`Paths.damaged_dir`), and
the one line says so, names the newest verified backup and the command that restores it.
"""

import json
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from console.errors import StorageUnavailable

DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
STATE = "kept-from.json"  # the sizes and times of the files kept, to keep them once


class DatabaseDamaged(StorageUnavailable):
    """The database file is damaged or not a database; nothing was written to it."""

    def __init__(self, message: str, *, kept: Path | None, backup: Path | None) -> None:
        super().__init__(message)
        self.kept = kept
        self.backup = backup


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error says the file is damaged or not a database."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code.startswith(DAMAGE_CODES):
        return True
    text = str(exc).lower()
    return "malformed" in text or "file is not a database" in text


def folders(db_path: Path) -> tuple[Path, Path]:
    """(backups, damaged) for a database at `db_path` (as `Paths` has them)."""
    from console.paths import DB_NAME, Paths

    data = Path(db_path).parent
    if Path(db_path).name == DB_NAME:
        where = Paths(data, data, data, data)
        return where.backup_dir, where.damaged_dir
    return data / "backups", data / "damaged"


def keep_aside(db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Copy the damaged file and its -wal/-shm, as they are, into a new folder (0700, files
    0600) next to the backups; its path, or None when nothing could be copied."""
    from console.paths import ensure_private_dir

    _, damaged = folders(db_path)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    sources = [Path(f"{db_path}{extra}") for extra in ("", "-wal", "-shm")]
    try:
        state = json.dumps({p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in sources if p.is_file()})
        folder = ensure_private_dir(damaged)
        kept = sorted((d for d in folder.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime_ns)
        if kept and _read(kept[-1] / STATE) == state:
            return kept[-1]  # the same damaged files were kept already (another start, say)
        target = folder / stamp
        n = 2
        while target.exists():
            target = folder / f"{stamp}-{n}"
            n += 1
        target.mkdir(mode=0o700)
        for source in sources:
            if source.is_file():
                copy = target / source.name
                fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out, open(source, "rb") as data:
                    shutil.copyfileobj(data, out)
                    out.flush()
                    os.fsync(out.fileno())
        (target / STATE).write_text(state, encoding="utf-8")
        return target
    except (OSError, StorageUnavailable):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def report(db_path: Path, detail: str) -> DatabaseDamaged:
    """Keep the damaged file aside and make the one line that says what to do."""
    from console import backups

    kept = keep_aside(db_path)
    backup_dir, _ = folders(db_path)
    good = backups.newest_good(backup_dir)
    has_wal = Path(f"{db_path}-wal").is_file()
    kept_text = (f"it{' and its write-ahead log' if has_wal else ''} are copied to {kept}".replace("it are", "it is")
                 if kept is not None else "it could not be copied aside")
    if good is not None:
        offer = (f"the newest good backup is from {good.taken_at:%Y-%m-%d %H:%M} UTC: "
                 f"incident-console restore {good.path}")
    else:
        offer = f"there is no verified backup in {backup_dir}"
    what = ("the file is not an Incident Console database (or it is damaged)"
            if "not a database" in detail else "the database file is damaged")
    message = f"{db_path}: {what} ({detail}) and was not opened for writing; {kept_text}; {offer}"
    return DatabaseDamaged(message, kept=kept, backup=good.path if good is not None else None)


def check(db_path: Path) -> None:
    """`quick_check` the database (read only); DatabaseDamaged when it is not ok. A missing
    file is fine (it is created empty)."""
    from console.store import connect

    if not Path(db_path).exists():
        return
    try:
        conn = connect(db_path, read_only=True)
    except DatabaseDamaged:
        raise
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise report(db_path, str(exc)) from None
        raise
    finally:
        conn.close()
    if rows != [("ok",)]:
        raise report(db_path, f"quick_check: {rows[0][0]}" + (f" and {len(rows) - 1} more" if len(rows) > 1 else ""))
