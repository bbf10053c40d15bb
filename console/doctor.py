"""`incident-console doctor`: everything a person could worry about, one line per check.

Each check says ok, FAIL or note (worth knowing, not a fault: no keyring on a solo console).
The command exits 1 when any check fails. Nothing is written to the database: the integrity
checks read it (the FTS index checks run in a transaction that is rolled back).
"""

import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from console import backups
from console.errors import ConsoleError
from console.paths import Paths

OK, FAIL, NOTE = "ok", "FAIL", "note"
BACKUP_MAX_AGE = timedelta(hours=25)  # a day's use with no verified backup is a fault
FREE_FACTOR = 2  # room for a backup and a restore of the database


class Check(NamedTuple):
    name: str
    status: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name}: {self.detail}"


def run(where: Paths, process_dir: Path, now: datetime | None = None) -> list[Check]:
    now = now or datetime.now(timezone.utc)
    checks: list[Check] = []
    for name, check in _CHECKS:
        try:
            checks.extend(check(where, process_dir, now))
        except ConsoleError as exc:
            checks.append(Check(name, FAIL, str(exc)))
    return checks


def _integrity(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    db = where.db_path
    if not db.exists():
        yield Check("integrity", NOTE, f"no database yet at {db}")
        return
    from console.store import connect

    conn = connect(db)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if rows == [("ok",)]:
            yield Check("integrity", OK, f"{db} ({db.stat().st_size:,} bytes)")
        else:
            yield Check("integrity", FAIL, f"{db}: {rows[0][0]}" + (f" and {len(rows) - 1} more" if len(rows) > 1 else ""))
        fts = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")]
        bad = []
        conn.execute("BEGIN IMMEDIATE")  # it may index the newest entries (rolled back)
        try:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_indexed'").fetchone():
                from console.search_index import catch_up

                catch_up(conn)  # entries not indexed yet are checked as indexing them makes them
            for table in fts:
                try:
                    conn.execute(f'INSERT INTO "{table}"("{table}", rank) VALUES (\'integrity-check\', 1)')
                except sqlite3.DatabaseError as exc:
                    bad.append(f"{table}: {exc}")
        finally:
            conn.rollback()
        yield (Check("search index", FAIL, "; ".join(bad)) if bad
               else Check("search index", OK, f"{len(fts)} full-text indexes match their tables"))
    except sqlite3.DatabaseError as exc:
        yield Check("integrity", FAIL, f"{db}: {exc}")
    finally:
        conn.close()


def _chains(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    try:
        from console import chain
    except ImportError:
        yield Check("chains", NOTE, "this version keeps no record chains")
        return
    if not where.db_path.exists():
        return
    from console import heads
    from console.store import connect

    conn = connect(where.db_path, read_only=True)
    try:
        reads = chain.ChainReads(conn, where.db_path)  # console/chain.py (issue 15, the record chain)
        incidents = reads.incidents()
        written, problems = heads.witnesses(where.head_log, where.backup_dir)  # heads kept outside it
        broken = [b.line() for b in (reads.verify(i) or heads.check(conn, i, written) for i in incidents)
                  if b is not None] + heads.missing(conn, written)  # and incidents removed whole
    finally:
        conn.close()
    if problems:
        yield Check("head log", FAIL, "; ".join(problems[:3])
                    + (f" and {len(problems) - 3} more" if len(problems) > 3 else ""))
    if broken:
        yield Check("chains", FAIL, "; ".join(broken[:3])
                    + (f" and {len(broken) - 3} more" if len(broken) > 3 else "") + " (incident-console verify --all)")
    else:
        yield Check("chains", OK, f"{len(incidents)} incident chain(s) hold")


def _modes(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    wrong = []
    for folder in (where.data_dir, where.config_dir, where.backup_dir, where.damaged_dir, where.evidence_dir):
        mode = _mode(folder)
        if mode is not None and mode & 0o077:
            wrong.append(f"{folder} is {mode:04o} (should be 0700)")
    files = [Path(f"{where.db_path}{x}") for x in ("", "-wal", "-shm")]
    files += [b.path for b in backups.listing(where.backup_dir)]
    for file in files:
        mode = _mode(file)
        if mode is not None and mode & 0o077:
            wrong.append(f"{file} is {mode:04o} (should be 0600)")
    if wrong:
        yield Check("file modes", FAIL, "; ".join(wrong[:3]) + (f" and {len(wrong) - 3} more" if len(wrong) > 3 else "")
                    + " (chmod go= fixes it)")
    else:
        yield Check("file modes", OK, "the folders are 0700 and the files 0600, only yours")


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _space(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    folder = next((p for p in (where.data_dir, *where.data_dir.parents) if p.exists()), None)
    if folder is None:
        return
    free = shutil.disk_usage(folder).free
    size = sum(_size(Path(f"{where.db_path}{x}")) for x in ("", "-wal"))
    need = max(FREE_FACTOR * size, 64 * 1024 * 1024)
    text = f"{_mib(free)} free, the database takes {_mib(size)}"
    if free < need:
        yield Check("free space", FAIL, f"{text}; keep at least {_mib(need)} free for its backups")
    else:
        yield Check("free space", OK, text)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


def _backup_age(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    good = backups.newest_good(where.backup_dir)
    if good is None:
        status = FAIL if where.db_path.exists() else NOTE
        yield Check("backups", status, f"no verified backup in {where.backup_dir}: incident-console backup")
        return
    age = now - good.taken_at
    text = f"newest verified {good.path.name}, {_age(age)} old, {good.incidents} incident(s)"
    yield Check("backups", FAIL if age > BACKUP_MAX_AGE else OK,
                text + ("; run incident-console backup" if age > BACKUP_MAX_AGE else ""))


def _age(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def _process(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    from console.process import ProcessError, load_process

    try:
        process = load_process(process_dir)
    except ProcessError as exc:
        yield Check("process", FAIL, f"{len(exc.problems)} problem(s), first: {exc.problems[0]} "
                                     "(incident-console process check)")
        return
    yield Check("process", OK, f"{len(process.sources)} file(s) valid")


def _keyring(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    from console import secrets
    from console.team import config

    try:
        yield Check("keyring", OK, secrets.check())
    except ConsoleError as exc:
        joined = config.joined(where)
        yield Check("keyring", FAIL if joined else NOTE,
                    str(exc) + ("" if joined else " (needed only to join a team or sign exports)"))


def _team(where: Paths, process_dir: Path, now: datetime) -> Iterator[Check]:
    from console.team import config

    if not config.joined(where):
        yield Check("team server", NOTE, "solo: not in a team")
        return
    from console.team import commands

    team = config.load(where)
    with commands.connect(team.url, commands.keyring_password(where, team)):
        pass
    yield Check("team server", OK, f"{team.url} answers")


_CHECKS: tuple[tuple[str, Callable[[Paths, Path, datetime], Iterator[Check]]], ...] = (
    ("integrity", _integrity),
    ("chains", _chains),
    ("file modes", _modes),
    ("free space", _space),
    ("backups", _backup_age),
    ("process", _process),
    ("keyring", _keyring),
    ("team server", _team),
)
