"""The command line in a team: refs are the server's numbers (NEW-<id> until then, old refs still
found), and `show` says which values consoles changed concurrently."""

import json
from datetime import datetime, timezone

from console.service import IncidentService
from tests.conftest import FakeClock
from tests.helpers import assert_refused, run
from tests.team.memory_exchange import MemoryExchange


def test_show_solo(capsys, clock):
    run(capsys, "declare", "Checkout down", "--sev", "2", clock=clock)
    run(capsys, "role", "INC-1", "ic", "Ana", clock=clock)
    code, out, err = run(capsys, "show", "INC-1", clock=clock)
    assert code == 0 and err == ""
    assert out.splitlines() == ["INC-1 SEV-2 active  Checkout down",
                                "  ic: Ana (since 2026-03-29T14:00:00.000Z)"]
    code, out, _ = run(capsys, "show", "INC-1", "--json", clock=clock)
    document = json.loads(out)
    assert document["ref"] == "INC-1" and document["concurrent"] == []
    assert document["roles"] == [{"role": "ic", "person": "Ana", "from": "2026-03-29T14:00:00.000Z"}]


def test_refs_in_a_team(capsys, where, clock):
    run(capsys, "declare", "Before the team", clock=clock)
    service = IncidentService.open(where.db_path, clock)
    try:
        service.sync.join("memory")
        old = service.read.incidents.all()[0]
        service.sync.set_numbers({old.uid: 5})
    finally:
        service.close()
    code, out, _ = run(capsys, "declare", "Offline", clock=clock)
    assert out == "NEW-2\n"
    assert run(capsys, "log", "NEW-2", "first note", clock=clock)[0] == 0
    assert run(capsys, "log", "INC-5", "numbered", clock=clock)[1].startswith("INC-5 ")
    assert run(capsys, "log", "INC-1", "by its old ref", clock=clock)[1].startswith("INC-5 ")
    code, out, err = run(capsys, "log", "INC-9", "nowhere", clock=clock)
    assert code == 2 and "no incident INC-9" in err
    assert_refused(capsys, where.db_path, ["log", "NEW-x", "bad"], "bad incident reference", clock=clock)


def test_show_says_what_was_changed_concurrently(capsys, where, clock, tmp_path):
    exchange = MemoryExchange()
    ana = IncidentService.open(where.db_path, clock)
    ben = IncidentService.open(tmp_path / "ben" / "incidents.sqlite3",
                               FakeClock(datetime(2026, 3, 29, 14, 0, 1, tzinfo=timezone.utc)))
    try:
        for console in (ana, ben):
            console.sync.join("memory")
        incident = ana.incidents.declare("Checkout down", by="Ana", severity=3).incident
        exchange.sync("ana", ana)
        exchange.sync("ben", ben)
        ana.incidents.set_severity(incident.id, 1, by="Ana")
        ben.incidents.set_severity(ben.read.incidents.all()[0].id, 2, by="Ben")
        for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
            exchange.sync(name, console)
    finally:
        ana.close()
        ben.close()
    code, out, err = run(capsys, "show", "INC-1", clock=clock)
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "INC-1 SEV-2 active  Checkout down",
        "  severity changed concurrently: Ana set SEV-1, Ben set SEV-2 - SEV-2 kept",
    ]
    document = json.loads(run(capsys, "show", "INC-1", "--json", clock=clock)[1])
    assert document["concurrent"] == [{
        "value": "severity", "kept": {"by": "Ben", "set": "SEV-2"},
        "others": [{"by": "Ana", "set": "SEV-1"}],
        "text": "changed concurrently: Ana set SEV-1, Ben set SEV-2 - SEV-2 kept",
    }]
