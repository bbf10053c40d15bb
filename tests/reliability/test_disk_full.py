"""A full disk: the write is refused in one line (exit 1), nothing acknowledged is lost, and
writing works again once there is room. On a real, tiny tmpfs (needs root to mount it)."""

import sqlite3
import subprocess
import sys

from console import paths
from console.clock import SystemClock
from console.errors import StorageUnavailable
from console.service import IncidentService
from tests.helpers import full_tmpfs
from tests.reliability.trials import ROOT


def _notes(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [t for (t,) in conn.execute("SELECT text FROM entries WHERE kind = 'note' ORDER BY id")]
    finally:
        conn.close()


def test_a_full_disk_refuses_cleanly_and_loses_nothing(tmp_path):
    disk = tmp_path / "disk"
    where = paths.resolve(disk / "home")
    acknowledged: list[str] = []
    opened: dict = {}

    def before_filling(_folder) -> None:
        service = opened["service"] = IncidentService.open(where.db_path, SystemClock())
        opened["incident"] = service.incidents.declare("Disk full drill", by="Ana").incident
        for n in range(5):
            service.timeline.log(opened["incident"].id, f"before {n}", by="Ana")
            acknowledged.append(f"before {n}")

    with full_tmpfs(disk, "3m", before_filling) as filler:
        _refuses_then_recovers(opened["service"], opened["incident"], where, disk, filler, acknowledged)


def _refuses_then_recovers(service, incident, where, disk, filler, acknowledged) -> None:
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
        [sys.executable, "-m", "console", "--home", str(disk / "home"), "log", incident.ref,
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
