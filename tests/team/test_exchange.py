"""sync_once between real consoles (each a SQLite file and its IncidentService) through the real
server: pushes, numbers, pulls and applies until in step, and carries on where an interrupted
exchange stopped without losing or doubling anything."""

import pytest

from console.service import IncidentService
from console.team.exchange import pull_all, sync_once
from console.team.server import Unreachable
from tests.conftest import FakeClock


@pytest.fixture
def open_console(tmp_path):
    opened = []

    def make(name: str, team: str) -> IncidentService:
        service = IncidentService.open(tmp_path / name / "incidents.sqlite3", FakeClock())
        service.sync.join(team)
        opened.append(service)
        return service

    yield make
    for service in opened:
        service.close()


def _exports(service: IncidentService) -> list[str]:
    from console import incident_json

    return [incident_json.to_json(service.read, i.id) for i in service.read.incidents.all()]


def test_two_consoles_come_into_step_through_the_server(team_db, open_console):
    ana, ben = open_console("ana", team_db.url()), open_console("ben", team_db.url())
    declared = ana.incidents.declare("Checkout down", by="Ana", severity=2)
    ana.timeline.log(declared.incident.id, "rolled back", by="Ana")
    with team_db.connect() as server:
        first = sync_once(ana, server)
        assert first.pushed >= 2 and first.numbered == 1
        assert ana.sync.waiting() == 0
        got = sync_once(ben, server)
        assert got.applied == first.pushed and got.pushed == 0
        [incident] = ben.read.incidents.all()
        assert incident.title == "Checkout down" and incident.ref == "INC-1"
        assert ana.read.incidents.all()[0].ref == "INC-1"
        ben.timeline.log(incident.id, "error rate back to normal", by="Ben")
        sync_once(ben, server)
        again = sync_once(ana, server)
        assert again.applied == 1
        in_step = sync_once(ana, server)
        assert in_step.pushed == in_step.applied == 0
    texts = [e.text for e in ana.read.timeline.all(declared.incident.id)]
    assert "rolled back" in texts and "error rate back to normal" in texts
    assert _exports(ana) == _exports(ben)


def test_a_push_cut_off_before_it_was_marked_is_sent_again_and_kept_once(team_db, open_console):
    ana, ben = open_console("ana", team_db.url()), open_console("ben", team_db.url())
    declared = ana.incidents.declare("Half-sent", by="Ana")
    for n in range(30):
        ana.timeline.log(declared.incident.id, f"note {n}", by="Ana")
    with team_db.connect() as server:
        server.push(ana.sync.outgoing(10))  # reached the server; the console never heard back
        done = sync_once(ana, server, batch=7)
        assert ana.sync.waiting() == 0 and done.pushed == 31
        assert team_db.sql("SELECT count(*), count(DISTINCT uid) FROM ops").split() == ["31|31"]
        sync_once(ben, server, batch=5)  # many small pulls, each storing its cursor
    assert _exports(ana) == _exports(ben)


def test_an_exchange_interrupted_by_a_cut_link_carries_on_from_its_cursor(team_db, open_console, proxy):
    ana, ben = open_console("ana", team_db.url()), open_console("ben", team_db.url())
    declared = ana.incidents.declare("Cut mid-pull", by="Ana")
    for n in range(40):
        ana.timeline.log(declared.incident.id, f"note {n}", by="Ana")
    with team_db.connect() as server:
        sync_once(ana, server)
    server = team_db.connect(port=proxy.port)
    ops, cursor = server.pull(ben.sync.cursor(), 10)
    ben.sync.apply(ops)
    ben.sync.set_cursor(cursor)
    proxy.cut()
    with pytest.raises(Unreachable):
        pull_all(ben, server, batch=10)
    server.close()
    assert ben.sync.cursor() == cursor  # where the last stored batch ended
    proxy.heal()
    with team_db.connect(port=proxy.port) as again:
        rest = sync_once(ben, again, batch=10)
    assert rest.pulled == 41 - 10 and rest.applied == rest.pulled
    assert _exports(ana) == _exports(ben)
