"""A console whose clock is fast, through the real team server (migrations/0002 and
console/ledger.py's next_hlc): the server refuses an op dated more than console.hlc.MAX_AHEAD
ahead of its clock, and a console that has measured the server's clock dates its ops by it, so
a laptop set a day ahead cannot keep a severity the Incident Commander changed after it."""

from datetime import datetime, timedelta, timezone

import pytest

from console import hlc
from console.ops import Op
from console.service import IncidentService
from console.team.exchange import sync_once
from console.team.server import ServerRefused
from tests.conftest import FakeClock


def _now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def open_console(tmp_path, team_db):
    opened = []

    def make(name: str, clock: FakeClock) -> IncidentService:
        service = IncidentService.open(tmp_path / name / "incidents.sqlite3", clock)
        service.sync.join(team_db.url())
        opened.append(service)
        return service

    yield make
    for service in opened:
        service.close()


def _op(uid: str, moment: datetime) -> Op:
    return Op(uid, "r-test", hlc.make(hlc.millis(moment), 0, "r-test"), "i-test", "timeline.log", '{"text":"x"}')


def test_the_server_takes_an_op_up_to_max_ahead_of_its_clock_and_refuses_one_beyond(team_db):
    margin = timedelta(seconds=20)
    with team_db.connect() as server:
        assert server.push([_op("near", _now() + hlc.MAX_AHEAD - margin)]) == 1
        with pytest.raises(ServerRefused) as refused:
            server.push([_op("early", _now()), _op("far", _now() + hlc.MAX_AHEAD + margin)])
        # The whole push is refused, in one line that says what and what to do.
        assert "ahead of the server's clock (event far)" in str(refused.value)
        assert "clock is fast" in str(refused.value) and "\n" not in str(refused.value)
        assert server.push([_op("near", _now() + timedelta(days=3))]) == 0  # had it: left to ON CONFLICT
    assert team_db.sql("SELECT string_agg(uid, ',' ORDER BY uid) FROM ops").strip() == "near"


def test_a_console_a_day_fast_dates_its_ops_by_the_server_and_cannot_hold_a_register(team_db, open_console):
    fast, right = FakeClock(_now() + timedelta(days=1)), FakeClock(_now())
    ana = open_console("ana", fast)  # her laptop is a day ahead
    ic = open_console("ic", right)
    with team_db.connect() as server:
        sync_once(ana, server)  # she has written nothing yet: the exchange measures the clocks
        assert ana.sync.server_offset_ms() < -(timedelta(hours=23).total_seconds() * 1000)
        assert "1d 00h ahead of the team server's" in ana.sync.clock_notice()
        incident = ana.incidents.declare("Checkout down", by="Ana", severity=3).incident
        [op] = ana.sync.outgoing(10)
        assert hlc.parse(op.hlc)[0] <= hlc.millis(_now()) + 1000  # dated by the server's clock, not hers
        sync_once(ana, server)
        sync_once(ic, server)
        assert ic.sync.clock_notice() is None
        [theirs] = ic.read.incidents.all()
        right.advance(minutes=2)
        ic.incidents.set_severity(theirs.id, 1, by="Ian")  # the IC, later, on a right clock
        sync_once(ic, server)
        sync_once(ana, server)
        # Without the server's clock, Ana's SEV-3 would be dated a day ahead and stay for that day.
        assert ana.read.incidents.get(incident.id).severity == 1
        assert ic.read.incidents.get(theirs.id).severity == 1
        fast.advance(minutes=3)
        ana.incidents.set_severity(incident.id, 2, by="Ana")  # and hers, after his, still counts
        sync_once(ana, server)
        sync_once(ic, server)
        assert ic.read.incidents.get(theirs.id).severity == 2


def test_an_op_dated_ahead_before_the_first_exchange_waits_and_the_console_still_hears_others(team_db,
                                                                                             open_console):
    fast = FakeClock(_now() + timedelta(days=1))
    ana = open_console("ana", fast)
    ben = open_console("ben", FakeClock(_now()))
    ana.incidents.declare("Written offline on a fast clock", by="Ana")
    ben.incidents.declare("Database slow", by="Ben")
    with team_db.connect() as server:
        sync_once(ben, server)
        with pytest.raises(ServerRefused, match="ahead of the server's clock"):
            sync_once(ana, server)
        assert ana.sync.waiting() == 1  # kept, not lost: the declaration waits
        assert [i.title for i in ana.read.incidents.all()].count("Database slow") == 1  # pulled all the same
        assert "ahead of the team server's" in ana.sync.clock_notice()


def test_leaving_the_team_forgets_the_servers_clock(team_db, open_console):
    ana = open_console("ana", FakeClock(_now() + timedelta(hours=2)))
    with team_db.connect() as server:
        sync_once(ana, server)
    assert ana.sync.clock_notice() is not None
    ana.sync.leave()
    assert ana.sync.server_offset_ms() is None and ana.sync.clock_notice() is None


def test_a_steady_offset_is_written_once(team_db, open_console):
    ana = open_console("ana", FakeClock(_now() - timedelta(minutes=10)))  # slow: nothing to correct
    with team_db.connect() as server:
        sync_once(ana, server)
        first = ana.sync.server_offset_ms()
        changes = ana.sync._ledger.conn.total_changes
        sync_once(ana, server)  # in step, the clocks as they were: nothing is written
        assert ana.sync._ledger.conn.total_changes == changes
    assert first > 9 * 60_000 and "behind the team server's" in ana.sync.clock_notice()
    assert ana.sync.server_offset_ms() == first
