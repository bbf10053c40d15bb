"""Restore (issue 15): a round trip, the current database kept first, never in place, refused
while another program has the database open; and a damaged database at start-up in the CLI."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from console import backups, restore
from console.service import IncidentService
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[2]


def _titles(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [t for (t,) in conn.execute("SELECT title FROM incidents ORDER BY id")]
    finally:
        conn.close()


def _declare(where, clock, *titles):
    service = IncidentService.open(where.db_path, clock)
    try:
        for title in titles:
            service.incidents.declare(title, by="Ana")
    finally:
        service.close()


def test_round_trip_keeps_the_replaced_database_as_a_backup(capsys, where, clock):
    _declare(where, clock, "Before")
    backup = backups.take(where.db_path, where.backup_dir)
    _declare(where, clock, "After the backup")
    code, out, err = run(capsys, "restore", str(backup.path))
    assert code == 0, err
    assert "restored" in out and "kept at" in out
    assert _titles(where.db_path) == ["Before"]
    kept = [b for b in backups.listing(where.backup_dir) if b.kind == "before-restore"]
    assert len(kept) == 1 and kept[0].verified and _titles(kept[0].path) == ["Before", "After the backup"]
    assert not list(where.data_dir.glob("*.restoring*"))
    # the restored file works for writing, in WAL mode, and its old log is gone
    _declare(where, clock, "After the restore")
    assert _titles(where.db_path) == ["Before", "After the restore"]
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    # the backup restored from was only read
    assert backups.read_backup(backup.path).verified


def test_a_backup_made_by_sqlite3s_own_backup_is_restored_in_wal_mode(where, clock, tmp_path):
    _declare(where, clock, "One")
    copy = tmp_path / "by-sqlite.db"
    source = sqlite3.connect(where.db_path)
    target = sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode = DELETE")
    target.close()
    source.close()
    _declare(where, clock, "Two")
    done = restore.restore(copy, where.db_path, where.backup_dir)
    assert done.checked.incidents == 1 and _titles(where.db_path) == ["One"]
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_restore_refuses_while_another_program_has_the_database_open(capsys, where, clock):
    _declare(where, clock, "Open elsewhere")
    backup = backups.take(where.db_path, where.backup_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT count(*) FROM incidents').fetchone(); print('open', flush=True); sys.stdin.read()",
         str(where.db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"open\n"
        assert restore.in_use(where.db_path)
        before = where.db_path.read_bytes()
        code, out, err = run(capsys, "restore", str(backup.path))
        assert code == 1 and "open in another program" in err and err.count("\n") == 1
        assert where.db_path.read_bytes() == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not restore.in_use(where.db_path)
    code, out, err = run(capsys, "restore", str(backup.path))
    assert code == 0, err


def test_a_damaged_database_is_reported_kept_aside_and_replaced_on_restore(capsys, where, clock):
    _declare(where, clock, "Kept")
    backup = backups.take(where.db_path, where.backup_dir)
    # committed but not yet checkpointed: the WAL holds it, as after a crash
    conn = sqlite3.connect(where.db_path)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE incidents SET title = 'in the log' WHERE id = 1")
    conn.commit()
    wal = Path(f"{where.db_path}-wal").read_bytes()
    assert wal
    os.truncate(where.db_path, 3000)  # the file itself cut short
    damaged = where.db_path.read_bytes()
    code, out, err = run(capsys, "list")
    conn.close()
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "damaged" in err and f"incident-console restore {backup.path}" in err
    kept = [d for d in where.damaged_dir.iterdir() if d.is_dir()]
    assert len(kept) == 1 and str(kept[0]) in err
    assert (kept[0] / "incidents.sqlite3").read_bytes() == damaged
    assert (kept[0] / "incidents.sqlite3-wal").read_bytes()[:len(wal)] == wal
    assert where.db_path.read_bytes() == damaged  # never written
    code, out, err = run(capsys, "list")  # a second look keeps nothing twice
    assert len([d for d in where.damaged_dir.iterdir() if d.is_dir()]) == 1

    code, out, err = run(capsys, "restore", str(backup.path))
    assert code == 0, err
    assert _titles(where.db_path) == ["Kept"]
    code, out, err = run(capsys, "list")
    assert code == 0 and "Kept" in out


def test_restore_of_a_backup_over_no_database_at_all(where, clock, tmp_path):
    _declare(where, clock, "Only")
    copy = tmp_path / "copy.sqlite3"
    backups.take_to(where.db_path, copy)
    for extra in ("", "-wal", "-shm"):
        Path(f"{where.db_path}{extra}").unlink(missing_ok=True)
    done = restore.restore(copy, where.db_path, where.backup_dir)
    assert done.kept is None and _titles(where.db_path) == ["Only"]


def test_restore_over_an_empty_file_left_by_a_start_cut_short(where, clock, tmp_path):
    _declare(where, clock, "Only")
    copy = tmp_path / "copy.sqlite3"
    backups.take_to(where.db_path, copy)
    for extra in ("-wal", "-shm"):
        Path(f"{where.db_path}{extra}").unlink(missing_ok=True)
    where.db_path.write_bytes(b"")
    done = restore.restore(copy, where.db_path, where.backup_dir)
    assert done.kept is None and _titles(where.db_path) == ["Only"]
