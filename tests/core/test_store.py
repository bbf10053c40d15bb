"""The file: private, durable settings, versioned schema, calm errors for bad files."""

import shutil
import sqlite3
import stat
import uuid
from pathlib import Path

import pytest

from console import migrations
from console.errors import DatabaseTooNew, StorageUnavailable
from console.service import IncidentService
from console.store import applied_migrations, connect, open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_new_store_is_private_wal_and_fully_synchronous(where):
    db = open_store(where.db_path)
    try:
        assert stat.S_IMODE(where.db_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(where.data_dir.stat().st_mode) == 0o700
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        db.execute("INSERT INTO incidents (title, started_at, declared_at) VALUES ('t', 'x', 'x')")
        db.commit()
        wal = where.db_path.with_name(where.db_path.name + "-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
        assert applied_migrations(db) == list(migrations.MIGRATION_NAMES)
    finally:
        db.close()


def test_reopening_applies_nothing_twice(where):
    open_store(where.db_path).close()
    db = open_store(where.db_path)
    try:
        count = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert count == len(migrations.MIGRATION_NAMES)
    finally:
        db.close()


def test_writing_to_an_up_to_date_file_never_imports_sqlite_utils(where):
    """sqlite-utils (~60 ms to import) is for applying migrations; a write needs sqlite3 only."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys; from pathlib import Path; from console.clock import SystemClock; "
        "from console.service import IncidentService; "
        "service = IncidentService.open(Path(sys.argv[1]), SystemClock()); "
        "incident = service.incidents.declare('x', by='Ana').incident; "
        "service.timeline.log(incident.id, 'a note', by='Ana'); service.close(); "
        "print('sqlite_utils' in sys.modules)"
    )
    run = lambda: subprocess.run([sys.executable, "-c", code, str(where.db_path)],  # noqa: E731
                                 cwd=root, capture_output=True, text=True, timeout=60)
    first, second = run(), run()
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert first.stdout.strip() == "True"  # a new file: its migrations were applied
    assert second.stdout.strip() == "False"


def _copy_fixture(name: str, where) -> Path:
    where.data_dir.mkdir(parents=True, exist_ok=True)
    target = where.db_path
    shutil.copyfile(FIXTURES / name, target)
    return target


def test_a_database_from_version_0001_is_migrated_and_keeps_its_data(where, clock):
    """`schema_0001.sqlite3` was written by the first schema (see make_fixtures.py)."""
    path = _copy_fixture("schema_0001.sqlite3", where)
    raw = sqlite3.connect(path)
    assert applied_migrations(raw) == ["0001_initial"]
    raw.close()
    service = IncidentService.open(path, clock)
    try:
        assert applied_migrations(service.ledger.conn) == list(migrations.MIGRATION_NAMES)
        (incident,) = service.read.incidents.all()
        assert incident.title == "Checkout returns errors"
        texts = [e.text for e in service.read.timeline.all(incident.id)]
        assert "replica lag on db-2 is 40 s" in texts
        # the new search index covers the entries that were there before it existed
        assert [e.text for e in service.read.search.find("replica")] == ["replica lag on db-2 is 40 s"]
        service.timeline.log(incident.id, "replica caught up", by="Ana")
        assert len(service.read.search.find("replica")) == 2
        # the board (0003) works on the migrated file
        task = service.tasks.add(incident.id, "Ben", 10, "Check replicas", by="Ana").task
        service.tasks.extend(incident.id, task.id, 5, by="Ana")
        service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label="Announce")
        service.updates.send(incident.id, "responders", "Rolling back", by="Ana")
        assert [x.minutes for x in service.read.tasks.all(incident.id)[0].extensions] == [5]
        assert service.read.checklist.state(incident.id)["ic-during-01"].checked
        assert service.read.updates.last(incident.id, "responders").text == "Rolling back"
        # the timeline's history (0004) works on entries written before it existed
        old = next(e for e in service.read.timeline.all(incident.id) if e.text.startswith("replica lag"))
        service.history.revise(incident.id, old.id, "replica lag on db-2 was 45 s", by="Ana")
        service.history.set_pin(incident.id, old.id, True, by="Ana")
        assert [h.entry.current_text for h in service.read.search.find("45")] == ["replica lag on db-2 was 45 s"]
        assert service.read.timeline.pinned(incident.id)[0].id == old.id
        service.drafts.save("Ana", incident.id, "half a note")
        assert service.read.drafts.get("Ana", incident.id) == "half a note"
    finally:
        service.close()


def test_the_board_migration_creates_its_tables_and_indexes(where):
    db = open_store(where.db_path)
    try:
        assert "0003_board" in migrations.MIGRATION_NAMES
        assert {"tasks", "task_extensions", "checks", "updates"} <= {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        indexes = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"tasks_board", "checks_latest", "updates_by_audience"} <= indexes
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute(
                "INSERT INTO tasks (uid, incident_id, owner, text, assigned_at, due_at, created_by)"
                " VALUES ('u', 42, 'Ben', 't', 'x', 'y', 'Ana')"
            )
        db.execute("INSERT INTO incidents (title, severity, started_at, declared_at) VALUES ('t', 1, 'x', 'x')")
        # The audiences are the process's (0015_updates_any_audience): any word but none at all.
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            db.execute(
                "INSERT INTO updates (incident_id, audience, text, \"by\", sent_at) "
                "VALUES (1, '', 't', 'Ana', 'x')"
            )
    finally:
        db.close()


def test_a_newer_database_is_refused_and_left_untouched(where):
    path = _copy_fixture("schema_0001.sqlite3", where)
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        (migrations.MIGRATION_SET, "9999_from_the_future", "2030-01-01"),
    )
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer Incident Console.*9999_from_the_future"):
        open_store(path)
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()


def test_the_writer_checkpoints_every_few_thousand_pages_not_every_thousand(where, clock):
    """A note commits ~8 pages; at SQLite's default of 1,000 one note in ~110 carried a
    checkpoint (store.CHECKPOINT_PAGES). The WAL grows past 1,000 pages and no further than the
    writer's threshold and one commit: SQLite checkpointed there and wrote on from its start."""
    from console.store import CHECKPOINT_PAGES

    service = IncidentService.open(where.db_path, clock)
    wal = where.db_path.with_name(where.db_path.name + "-wal")
    incident = service.incidents.declare("Busy", by="Ana").incident
    frames = []
    for n in range(CHECKPOINT_PAGES // 5):  # ~8 pages a note: past the threshold once
        service.timeline.log(incident.id, f"note {n} about replica lag", by="Ana")
        frames.append((wal.stat().st_size - 32) // (4096 + 24))
    service.close()
    assert max(frames) > 1_100
    assert CHECKPOINT_PAGES <= max(frames) <= CHECKPOINT_PAGES + 50, max(frames)
    assert frames[-1] == max(frames)  # the file is reused from its start, not grown


def test_a_file_that_is_not_a_database_gets_a_calm_message(where):
    where.data_dir.mkdir(parents=True)
    where.db_path.write_bytes(b"this is a text file, not SQLite\n" * 200)
    before = where.db_path.read_bytes()
    with pytest.raises(StorageUnavailable, match="not an Incident Console database"):
        open_store(where.db_path)
    assert where.db_path.read_bytes() == before


def test_someone_elses_sqlite_file_is_refused(where):
    where.data_dir.mkdir(parents=True)
    other = sqlite3.connect(where.db_path)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.commit()
    other.close()
    with pytest.raises(StorageUnavailable, match="not an Incident Console one.*recipes"):
        open_store(where.db_path)


def test_a_read_only_connection_cannot_write(where):
    open_store(where.db_path).close()
    conn = connect(where.db_path, read_only=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("INSERT INTO incidents (title, started_at, declared_at) VALUES ('x','y','z')")


def test_a_new_uid_is_a_time_ordered_uuid7_without_the_uuid_module():
    import subprocess
    import sys
    import time

    from console.ledger import Ledger

    before = time.time_ns() // 1_000_000
    made = [Ledger.new_uid() for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == 2000
    for uid in made:
        parsed = uuid.UUID(hex=uid)
        assert parsed.hex == uid and parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert before <= int(uid[:12], 16) <= after  # its first 48 bits: when it was made, in ms
    # In time order from one millisecond to the next (within one, random): a new uid goes in at
    # the growing end of the uid indexes.
    stamps = [uid[:12] for uid in made]
    assert stamps == sorted(stamps)
    # Made without the uuid module (it imports `platform`, ~5 ms on the CLI's write path).
    probe = "import sys; from console.uids import new_uid; new_uid(); print('uuid' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_a_read_only_connection_changes_no_mode(tmp_path):
    """Reading a file a person points at (a backup in /tmp, say) leaves its folder and the file
    as they were; the console's own store, opened to write, is made private."""
    import os
    import stat

    from console.store import connect

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o1777)  # like /tmp
    path = shared / "someone.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    connect(path, read_only=True).close()
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    connect(path).close()
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
