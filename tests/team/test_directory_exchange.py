"""The people directory and a Slack import through the real team server (issue 13): ops that
belong to no incident (`people.put`) are pushed, numbered as nothing, pulled and applied; an
imported channel's entries arrive once each."""

from console.commands import Language
from console.service import IncidentService
from console.slack_export import SlackExport
from console.team.exchange import sync_once
from tests.conftest import FakeClock
from tests.core.test_slack_import import AFTER
from tests.slack_fixture import realistic


def test_the_directory_and_an_import_travel_through_the_server(team_db, tmp_path):
    ana = IncidentService.open(tmp_path / "ana" / "incidents.sqlite3", FakeClock(AFTER))
    ben = IncidentService.open(tmp_path / "ben" / "incidents.sqlite3", FakeClock(AFTER))
    try:
        for console in (ana, ben):
            console.sync.join(team_db.url())
        ana.people.put([{"name": "Ana Alvarez", "email": "ana@example.com", "handle": "ana", "team": "payments",
                         "on_call": True}])
        incident = ana.incidents.declare("Checkout down", by="Ana", severity=2).incident
        with SlackExport.open(realistic(tmp_path)) as export:
            ana.chat_import.write(ana.chat_import.plan(incident.id, export, "inc-checkout", Language.default()))
        with team_db.connect() as server:
            pushed = sync_once(ana, server)
            assert pushed.numbered == 1  # the incident; the directory's op names none
            sync_once(ben, server)
        assert team_db.sql("SELECT count(*) FROM ops WHERE incident IS NULL").strip() == "1"
        assert ben.read.people.all() == ana.read.people.all()
        assert ben.sync.held() == 0 and ben.sync.waiting() == 0
        [here] = ben.read.incidents.all()
        imported = [(e.occurred_at, e.author, e.text) for e in ben.read.timeline.all(here.id) if e.uid.startswith("slack:")]
        assert imported == [(e.occurred_at, e.author, e.text) for e in ana.read.timeline.all(incident.id)
                            if e.uid.startswith("slack:")]
        assert imported[0][1] == "Ana Alvarez"  # the directory's name, on both consoles
    finally:
        ana.close()
        ben.close()
