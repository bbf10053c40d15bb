"""Backups and restore under stress (issue 15): a full disk while backing up, writers while
backing up, damaged and truncated files at start-up, restore round trips. Each ends with
nothing acknowledged lost. A short run in the normal suite; INCIDENT_CONSOLE_LONG=1 runs the
long one (more writers, notes, backups, damage and rounds)."""

import os
import random
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from console import backups, paths, restore
from console.clock import SystemClock
from console.errors import StorageUnavailable
from console.service import IncidentService
from tests.reliability.trials import ROOT

LONG = bool(os.environ.get("INCIDENT_CONSOLE_LONG"))


def _notes(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [t for (t,) in conn.execute("SELECT text FROM entries WHERE kind = 'note' ORDER BY id")]
    finally:
        conn.close()


def _digest(path: Path) -> str:
    """The file's SHA-256, read by another process: opening and closing the database file in
    this one would drop the POSIX locks its open connections hold (SQLite's documented trap)."""
    return subprocess.run([sys.executable, "-c", "import hashlib, sys; print(hashlib.sha256("
                           "open(sys.argv[1], 'rb').read()).hexdigest())", str(path)],
                          capture_output=True, text=True, check=True).stdout


def _mount(folder: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _leave_free(folder: Path, free: int) -> Path:
    """Fill the file system at `folder` until about `free` bytes are left."""
    filler = folder / "filler"
    room = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize - free
    with open(filler, "wb") as out:
        while room > 0:
            chunk = min(room, 1 << 20)
            out.write(b"\0" * chunk)
            room -= chunk
    return filler


def test_a_full_disk_while_backing_up_removes_the_partial_copy_and_keeps_the_database(tmp_path):
    disk = tmp_path / "disk"
    _mount(disk, "64m")
    try:
        where = paths.resolve(disk / "home")
        service = IncidentService.open(where.db_path, SystemClock())
        incident = service.incidents.declare("Backup on a full disk", by="Ana").incident
        acknowledged = []
        for n in range(400):
            text = f"note {n} " + "z" * 1000
            service.timeline.log(incident.id, text, by="Ana")
            acknowledged.append(text)
        service.checkpoint()
        size = where.db_path.stat().st_size
        backups.take(where.db_path, where.backup_dir)  # one good backup first
        filler = _leave_free(disk, size // 3)
        before = _digest(where.db_path)
        with pytest.raises(StorageUnavailable) as refused:
            backups.take(where.db_path, where.backup_dir)
        text = str(refused.value)
        assert "disk is full" in text and "partial copy was removed" in text and "\n" not in text
        assert not [p for p in where.backup_dir.iterdir() if ".partial" in p.name]
        assert _digest(where.db_path) == before
        assert len([b for b in backups.listing(where.backup_dir) if b.verified]) == 1
        # the CLI says it in one line, exit 1
        cli = subprocess.run([sys.executable, "-m", "console", "--home", str(where.home), "backup"],
                             cwd=ROOT, capture_output=True, text=True)
        assert cli.returncode == 1 and len(cli.stderr.strip().splitlines()) == 1 and "full" in cli.stderr, cli.stderr
        filler.unlink()
        service.timeline.log(incident.id, "after", by="Ana")
        acknowledged.append("after")
        made = backups.take(where.db_path, where.backup_dir)
        assert made.verified
        service.close()
        assert _notes(where.db_path) == acknowledged
        assert _notes(made.path) == acknowledged
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_writers_during_backups_lose_nothing_and_every_backup_is_a_consistent_snapshot(tmp_path):
    where = paths.resolve(tmp_path / "home")
    setup = IncidentService.open(where.db_path, SystemClock())
    incident_id = setup.incidents.declare("Writers and backups", by="Ana").incident.id
    setup.close()
    writers, notes, rounds = (4, 1500, 40) if LONG else (2, 120, 6)
    acknowledged: dict[int, list[str]] = {w: [] for w in range(writers)}
    problems: list[str] = []

    def write(w: int) -> None:
        service = IncidentService.open(where.db_path, SystemClock())
        try:
            for n in range(notes):
                text = f"w{w} n{n}"
                service.timeline.log(incident_id, text, by=f"writer {w}")
                acknowledged[w].append(text)
        except Exception as exc:  # noqa: BLE001 - reported below
            problems.append(f"writer {w}: {exc!r}")
        finally:
            service.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    made = []
    while any(t.is_alive() for t in threads) or len(made) < rounds:
        made.append(backups.take(where.db_path, where.backup_dir))
        if len(made) >= rounds and not any(t.is_alive() for t in threads):
            break
    for thread in threads:
        thread.join()
    assert problems == []
    final = _notes(where.db_path)
    assert sorted(final) == sorted(t for texts in acknowledged.values() for t in texts)
    previous = 0
    for backup in made:
        assert backup.verified
        seen = _notes(backup.path)
        for w in range(writers):  # each writer's notes in a backup are a prefix of what it wrote
            mine = [t for t in seen if t.startswith(f"w{w} ")]
            assert mine == acknowledged[w][: len(mine)]
        assert len(seen) >= previous  # later backups hold at least as much
        previous = len(seen)


DAMAGE = [
    ("truncated to half", lambda data, rng: data[: len(data) // 2]),
    ("truncated to one page", lambda data, rng: data[:4096]),
    ("truncated inside the header", lambda data, rng: data[:50]),
    ("header overwritten", lambda data, rng: os.urandom(100) + data[100:]),
    ("a random page scribbled", lambda data, rng: _scribble(data, rng)),
    ("not a database at all", lambda data, rng: b"PK\x03\x04" + os.urandom(len(data) - 4)),
]


def _scribble(data: bytes, rng: random.Random) -> bytes:
    pages = len(data) // 4096
    page = rng.randrange(1, pages)
    return data[: page * 4096] + os.urandom(4096) + data[(page + 1) * 4096:]


@pytest.mark.parametrize("name, spoil", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_file_at_start_up_is_never_written_and_the_backup_restores(tmp_path, name, spoil):
    home = tmp_path / "home"
    where = paths.resolve(home)
    service = IncidentService.open(where.db_path, SystemClock())
    incident = service.incidents.declare("Damaged at start-up", by="Ana").incident
    for n in range(300):
        service.timeline.log(incident.id, f"note {n} " + "q" * 200, by="Ana")
    service.close()
    good = backups.take(where.db_path, where.backup_dir)
    rng = random.Random(name)
    for attempt in range(5 if LONG else 1):
        where.db_path.write_bytes(spoil(where.db_path.read_bytes(), rng))
        damaged = where.db_path.read_bytes()
        for argv in (["doctor"], ["list"], ["log", "INC-1", "written to a damaged file?"]):
            cli = subprocess.run([sys.executable, "-m", "console", "--home", str(home), *argv],
                                 cwd=ROOT, capture_output=True, text=True)
            assert "Traceback" not in cli.stderr and "internal error" not in cli.stderr, cli.stderr
            if argv[0] == "doctor":  # a full integrity_check finds every kind
                assert cli.returncode == 1 and "FAIL  integrity" in cli.stdout
            elif cli.returncode == 0:
                # The CLI trusts SQLite's errors (no whole-file check per command): a scribbled
                # page that the command's reads never touch goes unnoticed, and a write may
                # then change the file. Every other kind is found at the first read.
                assert name == "a random page scribbled", (name, argv, cli.stdout)
                continue
            else:
                assert cli.returncode == 1 and len(cli.stderr.strip().splitlines()) == 1, cli.stderr
                assert f"incident-console restore {good.path}" in cli.stderr
            assert where.db_path.read_bytes() == damaged, (name, argv)
        done = restore.restore(good.path, where.db_path, where.backup_dir)
        assert done.kept is not None
        assert len(_notes(where.db_path)) == 300


def test_restore_round_trips_give_back_exactly_what_was_backed_up(tmp_path):
    where = paths.resolve(tmp_path / "home")
    rounds = 20 if LONG else 3
    service = IncidentService.open(where.db_path, SystemClock())
    incident_id = service.incidents.declare("Round trips", by="Ana").incident.id
    service.close()
    for r in range(rounds):
        service = IncidentService.open(where.db_path, SystemClock())
        service.timeline.log(incident_id, f"round {r}", by="Ana")
        service.close()
        expected = _notes(where.db_path)
        made = backups.take(where.db_path, where.backup_dir)
        service = IncidentService.open(where.db_path, SystemClock())
        service.timeline.log(incident_id, f"round {r}: after its backup", by="Ana")
        service.close()
        done = restore.restore(made.path, where.db_path, where.backup_dir)
        assert _notes(where.db_path) == expected
        assert backups.read_backup(done.kept).verified
        assert _notes(done.kept) == expected + [f"round {r}: after its backup"]
