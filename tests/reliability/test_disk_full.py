"""A full disk: the write is refused in one line (exit 1), nothing acknowledged is lost, and
writing works again once there is room. On a real, tiny tmpfs (needs root to mount it)."""

import os
import sqlite3
import subprocess
import sys

import pytest

from console import paths
from console.clock import SystemClock
from console.errors import StorageUnavailable
from console.service import IncidentService
from tests.reliability.trials import ROOT


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(folder) -> object:
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        for size in (65536, 4096, 512, 1):  # to the last byte
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def _notes(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [t for (t,) in conn.execute("SELECT text FROM entries WHERE kind = 'note' ORDER BY id")]
    finally:
        conn.close()


def test_a_full_disk_refuses_cleanly_and_loses_nothing(small_disk):
    where = paths.resolve(small_disk / "home")
    service = IncidentService.open(where.db_path, SystemClock())
    incident = service.incidents.declare("Disk full drill", by="Ana").incident
    acknowledged = []
    for n in range(5):
        service.timeline.log(incident.id, f"before {n}", by="Ana")
        acknowledged.append(f"before {n}")
    filler = _fill(small_disk)

    refused = 0
    for n in range(50):  # the first few may still fit in pages SQLite already has
        try:
            service.timeline.log(incident.id, f"while full {n} " + "x" * 2000, by="Ana")
            acknowledged.append(f"while full {n} " + "x" * 2000)
        except StorageUnavailable as exc:
            assert "disk is full" in str(exc) and "nothing was changed" in str(exc)
            refused += 1
    assert refused > 0

    cli = subprocess.run(
        [sys.executable, "-m", "console", "--home", str(small_disk / "home"), "log", incident.ref,
         "from the CLI " + "y" * 4000],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert cli.returncode == 1, cli.stderr
    assert "Traceback" not in cli.stderr and len(cli.stderr.strip().splitlines()) == 1
    assert "full" in cli.stderr

    filler.unlink()
    service.timeline.log(incident.id, "after", by="Ana")  # the same open service recovers
    acknowledged.append("after")
    service.close()
    assert _notes(where.db_path) == acknowledged
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
