"""Backups (issue 15): online, verified, private, listed and rotated; the process's settings."""

import json
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from console import backups
from console.errors import StorageUnavailable
from console.process import ProcessError, load_process
from console.search import Search
from tests.helpers import run


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _seed(service, notes: int = 20) -> int:
    incident = service.incidents.declare("Checkout fails", by="Ana").incident
    for n in range(notes):
        service.timeline.log(incident.id, f"note {n}", by="Ana")
    return incident.id


def test_a_backup_is_a_verified_private_copy_of_what_was_committed(service, where):
    _seed(service)
    backup = backups.take(where.db_path, where.backup_dir)
    assert backup.verified and backup.kind == "automatic"
    assert backup.incidents == 1 and backup.entries == 21  # the declaration and 20 notes
    assert _mode(backup.path) == 0o600 and _mode(where.backup_dir) == 0o700
    assert _mode(backup.path.with_name(backup.path.name + ".json")) == 0o600
    assert not list(where.backup_dir.glob("*.partial*"))
    conn = sqlite3.connect(backup.path)
    assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 21
    # Found by search (the notes may still wait for the index: console.search_index)
    assert len(Search(conn, backup.path).find("note", limit=100)) == 20
    conn.close()
    assert backups.listing(where.backup_dir) == [backup]
    assert backups.newest_good(where.backup_dir) == backup


def test_the_writer_goes_on_while_a_backup_is_taken_from_its_snapshot(service, where):
    """The backup's own connection holds a read snapshot; the service's writes commit meanwhile
    and are not in this backup but in the next."""
    incident_id = _seed(service, 5)
    source = backups.open_source(where.db_path)
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM entries").fetchone()  # the snapshot starts here
    service.timeline.log(incident_id, "written during the backup", by="Ana")  # not blocked
    first = backups.take(where.db_path, where.backup_dir, source=source)
    source.rollback()
    source.close()
    assert first.entries == 6
    second = backups.take(where.db_path, where.backup_dir)
    assert second.entries == 7 and second.path != first.path


def test_a_backup_without_its_check_is_not_listed_as_good(service, where):
    _seed(service, 1)
    good = backups.take(where.db_path, where.backup_dir, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    later = backups.take(where.db_path, where.backup_dir, now=datetime(2026, 3, 2, tzinfo=timezone.utc))
    manifest = later.path.with_name(later.path.name + ".json")
    manifest.unlink()
    assert not backups.read_backup(later.path).verified
    assert backups.newest_good(where.backup_dir).path == good.path
    # a file changed after it was checked is not verified either
    with open(good.path, "ab") as data:
        data.write(b"\0" * 4096)
    assert not backups.read_backup(good.path).verified
    assert backups.newest_good(where.backup_dir) is None


def _fake(folder: Path, when: datetime, prefix: str = backups.AUTOMATIC) -> backups.Backup:
    path = folder / f"{prefix}{when:%Y%m%dT%H%M%SZ}.sqlite3"
    return backups.Backup(path, when, 1, 1, 1, "x", True, backups._kind(path.name))


def test_rotation_keeps_the_newest_of_each_hour_and_day():
    now = datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc)
    folder = Path("/b")
    every_20_minutes = [_fake(folder, now - timedelta(minutes=20 * n)) for n in range(3 * 24 * 30)]  # 30 days
    kept_before_restore = _fake(folder, now - timedelta(days=60), backups.BEFORE_RESTORE)
    removed = {b.path for b in backups.to_rotate([*every_20_minutes, kept_before_restore],
                                                backups.Policy(30, keep_hourly=24, keep_daily=14))}
    kept = [b for b in every_20_minutes if b.path not in removed]
    hours = {b.taken_at.strftime("%Y%m%d%H") for b in kept if now - b.taken_at < timedelta(hours=24)}
    assert len(hours) == 24
    assert len({b.taken_at.date() for b in kept}) == 14
    assert len(kept) <= 24 + 14
    assert kept_before_restore.path not in removed
    assert every_20_minutes[0].path not in removed  # the newest is always kept
    # in each kept hour it is the newest of that hour
    for b in kept:
        same_hour = [o for o in every_20_minutes if o.taken_at.strftime("%Y%m%d%H") == b.taken_at.strftime("%Y%m%d%H")]
        same_day = [o for o in every_20_minutes if o.taken_at.date() == b.taken_at.date()]
        assert b.taken_at in (max(o.taken_at for o in same_hour), max(o.taken_at for o in same_day))


def test_rotate_removes_the_files_and_their_manifests(service, where):
    _seed(service, 1)
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for n in range(5):
        backups.take(where.db_path, where.backup_dir, now=start + timedelta(minutes=10 * n))
    removed = backups.rotate(where.backup_dir, backups.Policy(30, keep_hourly=1, keep_daily=1))
    assert len(removed) == 4
    assert sorted(p.name for p in where.backup_dir.iterdir()) == [
        "incidents-20260301T004000Z.sqlite3", "incidents-20260301T004000Z.sqlite3.json"]


def test_the_settings_come_from_the_process_and_are_checked(tmp_path):
    assert backups.Policy.from_process(load_process()) == backups.Policy(30, 24, 14)
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "backups.yaml").write_text("backups:\n- id: automatic\n  every_minutes: 5\n")
    assert backups.Policy.from_process(load_process(folder)).every_minutes == 5
    (folder / "backups.yaml").write_text("backups:\n- id: automatic\n  every_minutes: 0\n")
    with pytest.raises(ProcessError) as bad:
        load_process(folder)
    assert any("every_minutes" in str(p) for p in bad.value.problems)
    (folder / "backups.yaml").write_text("backups:\n- id: automatic\n  disabled: true\n")
    with pytest.raises(ProcessError) as bad:
        load_process(folder)
    assert any("'automatic'" in str(p) for p in bad.value.problems)


def test_the_cli_backs_up_lists_and_writes_to_a_named_file(capsys, service, where, tmp_path):
    _seed(service, 2)
    code, out, err = run(capsys, "backup")
    assert code == 0 and out.startswith("wrote ") and "verified" in out and err == ""
    code, out, err = run(capsys, "backup", "--to", str(tmp_path / "copy.sqlite3"))
    assert code == 0 and _mode(tmp_path / "copy.sqlite3") == 0o600
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    code, out, err = run(capsys, "backups", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 1 and listed[0]["verified"] and listed[0]["incidents"] == 1
    code, out, err = run(capsys, "backups")
    assert code == 0 and len(out.splitlines()) == 1 and "verified" in out
    code, out, err = run(capsys, "backup", "--to", str(tmp_path / "copy.sqlite3"))
    assert code == 2 and "already exists" in err
