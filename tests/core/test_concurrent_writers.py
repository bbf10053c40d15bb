"""Several processes writing to one file each wait their turn: no acknowledged write is refused.

Every write transaction begins IMMEDIATE (store.write_transaction), so a writer that finds
another holding the lock waits for it under the busy timeout instead of failing at once with
`SQLITE_BUSY_SNAPSHOT` (what a deferred transaction that read first got: 20-80% refused).
"""

import sqlite3

import pytest

from console.clock import SystemClock
from console.service import IncidentService
from tests.concurrency.race import race


@pytest.fixture
def incident(where):
    service = IncidentService.open(where.db_path, SystemClock())
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    service.close()
    return incident


def _notes(where, incident_id: int) -> int:
    conn = sqlite3.connect(where.db_path)
    try:
        return conn.execute(
            "SELECT count(*) FROM entries WHERE incident_id = ? AND kind = 'note'", (incident_id,)
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("processes", [2, 4, 8])
def test_core_writers_all_succeed(home, where, incident, processes):
    count = 40
    reports = race(home, incident.id, incident.ref, processes, count)
    refused = [reason for r in reports for reason in r["reasons"]]
    assert sum(r["refused"] for r in reports) == 0, refused
    assert sum(r["acknowledged"] for r in reports) == processes * count
    assert _notes(where, incident.id) == processes * count


@pytest.mark.parametrize("processes", [2, 4, 8])
def test_cli_writers_all_succeed(home, where, incident, processes):
    count = 3
    reports = race(home, incident.id, incident.ref, processes, count, cli=True)
    refused = [reason for r in reports for reason in r["reasons"]]
    assert sum(r["refused"] for r in reports) == 0, refused
    assert _notes(where, incident.id) == processes * count


def test_processes_opening_a_new_file_together_migrate_it_once(tmp_path):
    """The first open of a new file migrates it under the write lock: racers wait, then see it done."""
    import subprocess
    import sys

    from tests.concurrency.race import ROOT

    db = tmp_path / "new" / "incidents.sqlite3"
    code = (
        "import sys; from pathlib import Path; from console.store import open_store; "
        "open_store(Path(sys.argv[1])).close()"
    )
    children = [subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT,
                                 stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [c.communicate(timeout=60)[1] for c in children]
    assert [c.returncode for c in children] == [0] * 6, errors
    conn = sqlite3.connect(db)
    names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    assert len(names) == len(set(names)) > 0
