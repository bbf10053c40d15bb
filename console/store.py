"""Opening the one SQLite file: privacy, durability, schema version, and storage errors.

Durability: WAL with `synchronous=FULL`, so a commit that has returned survives a power cut
(NORMAL can lose the last commits on an OS crash, which would break "never lose an
acknowledged note"). A busy timeout lets the window and the CLI write to the same file.
Privacy: the folder is created 0700 and the file 0600 (SQLite gives its -wal and -shm files
the same mode as the database).
Compatibility: a file that has applied a migration this build does not know was written by
a newer version; it is refused before anything is written to it.
"""

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from console.errors import ConsoleError, DatabaseTooNew, StorageUnavailable
from console.migrations import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS
from console.paths import ensure_private_dir

BUSY_TIMEOUT_MS = 10_000  # a writer waits its turn this long (8 racing processes: worst ~2 s)
MIGRATIONS_TABLE = "_sqlite_migrations"
# The writer's automatic checkpoint comes after this many WAL pages (SQLite's default: 1,000,
# sized for commits of a page or two). A note commits ~8.4 pages, so at 1,000 one note in ~110
# carried a checkpoint; at 4,000 one in ~450 does, and it costs about as much (most of a note's
# pages are the same growing edges of its b-trees, written again). 10,000 notes a side at
# 100,000 entries: notes over 1.8 ms 46-50 against 111-119, p99 1.16-1.29 ms against 2.02-2.17,
# mean 0.67-0.68 ms against 0.68-0.70, p99.9 5.0-5.3 ms against 4.5-4.7. The WAL grows to
# ~16 MB at most instead of ~4. The window checkpoints when idle instead (service.checkpoint_when_idle).
CHECKPOINT_PAGES = 4000

# SQLite result codes that mean "the environment", each with what we tell the person.
_ENVIRONMENT = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_IOERR": "the disk could not be read or written",
    "SQLITE_BUSY": "another program is holding the database locked",
    "SQLITE_LOCKED": "another program is holding the database locked",
    "SQLITE_READONLY": "the database file or its folder is read-only",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
    "SQLITE_NOTADB": "the file is not an Incident Console database (or it is damaged)",
    "SQLITE_CORRUPT": "the database file is damaged",
    "SQLITE_PERM": "permission denied",
    "SQLITE_AUTH": "permission denied",
}


def describe_sqlite_error(exc: sqlite3.Error, path: Path) -> ConsoleError | None:
    """Map an SQLite error caused by the environment to a calm message; None means our bug."""
    code = getattr(exc, "sqlite_errorname", "") or ""
    base = code.split("_")[0] + "_" + code.split("_")[1] if code.count("_") >= 2 else code
    reason = _ENVIRONMENT.get(code) or _ENVIRONMENT.get(base)
    if reason is None:
        text = str(exc).lower()
        for needle, code_name in (
            ("database or disk is full", "SQLITE_FULL"),
            ("disk i/o error", "SQLITE_IOERR"),
            ("database is locked", "SQLITE_BUSY"),
            ("readonly database", "SQLITE_READONLY"),
            ("unable to open database", "SQLITE_CANTOPEN"),
            ("file is not a database", "SQLITE_NOTADB"),
            ("malformed", "SQLITE_CORRUPT"),
        ):
            if needle in text:
                reason = _ENVIRONMENT[code_name]
                break
    if reason is None:
        return None
    return StorageUnavailable(f"{path}: {reason} ({exc}); nothing was changed")


class _StorageErrors:
    """`storage_errors`: a class rather than a generator, because every statement of every note
    runs in one or two of these (a generator-based context manager costs ~2 us more a use)."""

    __slots__ = ("_path",)

    def __init__(self, path: Path) -> None:
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, traceback) -> bool:
        if kind is not None and issubclass(kind, sqlite3.Error):
            mapped = describe_sqlite_error(exc, self._path)
            if mapped is not None:
                raise mapped from exc
        return False


def storage_errors(path: Path) -> _StorageErrors:
    """Turn environment failures inside the block into `StorageUnavailable`."""
    return _StorageErrors(path)


@contextlib.contextmanager
def first_reads(path: Path) -> Iterator[None]:
    """`storage_errors` for the first reads of a file being opened: a file that is damaged or
    not a database is `DatabaseDamaged` (console/damage.py: kept aside, a backup offered)."""
    try:
        with storage_errors(path):
            yield
    except StorageUnavailable as exc:
        from console import damage

        if exc.__cause__ is not None and damage.is_damage(exc.__cause__):
            raise damage.report(path, str(exc.__cause__)) from None
        raise


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """One write transaction that takes the write lock first (`BEGIN IMMEDIATE`).

    A deferred transaction that reads before it writes holds a snapshot; when another
    process commits meanwhile, SQLite cannot let it write and fails at once with
    `SQLITE_BUSY_SNAPSHOT` - the busy timeout never applies. Taking the lock at BEGIN makes
    every writer wait its turn (up to the busy timeout) and read the newest data. Nested
    blocks are savepoints inside the outer transaction. Environment failures come out as
    `StorageUnavailable`; the transaction is rolled back on any error.
    """
    with storage_errors(path):
        if conn.in_transaction:
            name = f"nested_{id(conn)}_{os.urandom(4).hex()}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        conn.commit()


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A raw connection with the console's pragmas; creates a private file if needed.

    `read_only` connections still open the file read-write at the OS level (a WAL reader may
    need to create the -shm file) but refuse every write with `PRAGMA query_only`; they change
    no file's or folder's mode (they may read a file a person points at, in a folder such as
    /tmp, which a chmod to 0700 would take from everyone else).
    """
    ensure_private_dir(path.parent, tighten=not read_only)
    old_umask = os.umask(0o077)
    try:
        with storage_errors(path):
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    finally:
        os.umask(old_umask)
    if not read_only and path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o600)
    with first_reads(path):
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    return conn


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations this file has applied, oldest first (reads only)."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if not has_table:
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY id",
        (MIGRATION_SET,),
    )
    return [name for (name,) in rows]


def upgrades(pending: list[str]) -> bool:
    """Whether `pending` (pending_migrations) upgrades a file an earlier version wrote, rather
    than setting up a new one."""
    return 0 < len(pending) < len(MIGRATION_NAMES)


def pending_migrations(conn: sqlite3.Connection, path: Path) -> list[str]:
    """What this build would apply to the file; refuses files that are newer or not ours.

    The first read of the file: one that is damaged or not a database is `DatabaseDamaged`
    (console/damage.py), kept aside with a good backup offered, and nothing is written."""
    with first_reads(path):
        applied = applied_migrations(conn)
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    if unknown:
        raise DatabaseTooNew(
            f"{path}: this database was written by a newer Incident Console (it has schema "
            f"change {unknown[-1]!r}, which this version does not know). It has not been "
            "modified; open it with the newer version."
        )
    if tables and not applied:
        raise StorageUnavailable(
            f"{path}: this file is an SQLite database, but not an Incident Console one "
            f"(it has tables {', '.join(sorted(tables)[:5])}); it has not been modified"
        )
    return [name for name in MIGRATION_NAMES if name not in applied]


def open_store(path: Path, upgrading: Callable[[int], None] | None = None) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database; the single writer connection.

    A plain sqlite3 connection: sqlite-utils (~60 ms to import) is loaded only while
    migrations are pending, to apply them, so a write to an up-to-date file never imports it.
    `upgrading(n)` is called before `n` migrations are applied to a file an earlier version
    wrote (not to a new one): a large file takes seconds, which the caller can say.
    """
    conn = connect(path)
    try:
        pending = pending_migrations(conn, path)
        with storage_errors(path):
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageUnavailable(f"{path}: cannot switch the journal to WAL (got {mode})")
            # What sqlite-utils set on the writer when it wrapped it: kept, so the store's
            # triggers behave as they always have.
            conn.execute("PRAGMA recursive_triggers = ON")
            conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        if pending:
            # Under the write lock, and looked at again: another process opening the same new
            # file may have migrated it while we waited. All pending steps commit together.
            with write_transaction(conn, path):
                pending = pending_migrations(conn, path)
                if pending:
                    if upgrading is not None and upgrades(pending):
                        upgrading(len(pending))
                    _apply_migrations(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply what is pending through sqlite-utils' `Migrations` (its bookkeeping table)."""
    import sqlite_utils  # imported here: only a file with pending migrations needs it

    migrations = sqlite_utils.Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        migrations(name=name)(fn)
    migrations.apply(sqlite_utils.Database(conn, execute_plugins=False))
