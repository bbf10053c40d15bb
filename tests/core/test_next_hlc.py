"""The next HLC without an index of every op's HLC (migration 0020): `Ledger.next_hlc` follows
the greatest HLC of an op here up to the ceiling, exactly as reading every op would, whatever the
clock, the server's offset, the ops received and the pushes did before; and a file from before
0020 gives the same answers once migrated."""

import shutil
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from console import hlc
from console.service import IncidentService
from console.store import connect
from tests.conftest import FakeClock
from tests.core.earlier_schema import migrated_before

START = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)


def read_every_op(service) -> str:
    """The next HLC as the definition says: after the greatest HLC of every op here up to the
    ceiling (read one by one; the question the index used to answer)."""
    ledger = service.ledger
    now = ledger.now()
    (offset,) = ledger.execute("SELECT server_offset_ms FROM sync_state").fetchone()
    if offset is not None and offset < 0:
        now += timedelta(milliseconds=offset)
    (last,) = ledger.execute("SELECT max(hlc) FROM ops WHERE hlc <= ?", (hlc.ceiling(now),)).fetchone()
    return hlc.following(last, now, ledger.replica)


def next_hlc(service) -> str:
    with service.ledger.writing():  # read where an op reads it: in the write transaction
        return service.ledger.next_hlc()


steps = st.lists(st.one_of(
    # seconds, forward or back: by more than the ceiling's five minutes too
    st.tuples(st.just("clock"), st.sampled_from([-1800, -600, -301, -60, 1, 60, 299, 301, 600, 1500])),
    st.tuples(st.just("note"), st.integers(1, 3)),
    st.tuples(st.just("theirs"), st.integers(-20 * 60, 20 * 60)),  # their clock against ours
    st.tuples(st.just("push"), st.lists(st.booleans(), max_size=12)),  # which to push, in order
    st.tuples(st.just("server"), st.integers(-15 * 60, 15 * 60)),  # the server's clock, seconds
), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
@example(steps=[("clock", -1800), ("note", 1), ("clock", 1500), ("note", 1)])
@example(steps=[("server", -900), ("note", 2), ("push", [False, True, True]), ("server", 0), ("note", 1)])
@example(steps=[("theirs", 1200), ("note", 1), ("clock", 600), ("note", 1), ("clock", 301)])
def test_the_next_hlc_is_the_one_every_op_read_one_by_one_gives(tmp_path_factory, steps):
    """Clocks going back past our own ops, ops from a console far ahead, pushes the server takes
    only in part (as when it refuses ops too far ahead), the server's clock behind ours."""
    base = tmp_path_factory.mktemp("hlc")
    ours_clock, theirs_clock = FakeClock(START), FakeClock(START)
    ours = IncidentService.open(base / "ours.sqlite3", ours_clock)
    theirs = IncidentService.open(base / "theirs.sqlite3", theirs_clock)
    try:
        ours.sync.join("memory")
        theirs.sync.join("memory")
        incident = ours.incidents.declare("x", by="Ana").incident
        theirs.sync.apply(ours.sync.outgoing())
        for step, arg in steps:
            if step == "clock":
                ours_clock.advance(seconds=arg)
            elif step == "note":
                for _ in range(arg):
                    ours.timeline.log(incident.id, "ours", by="Ana")
            elif step == "theirs":
                theirs_clock.current = ours_clock.now() + timedelta(seconds=arg)
                theirs_id = theirs.read.incidents.all()[0].id
                theirs.timeline.log(theirs_id, "theirs", by="Ben")
                ours.sync.apply(theirs.sync.outgoing())
                theirs.sync.mark_pushed([op.uid for op in theirs.sync.outgoing()])
            elif step == "push":
                waiting = ours.sync.outgoing()
                ours.sync.mark_pushed([op.uid for op, take in zip(waiting, arg) if take])
            else:
                ours.sync.note_server_clock(hlc.millis(ours_clock.now()) + arg * 1000)
            assert next_hlc(ours) == read_every_op(ours)
    finally:
        ours.close()
        theirs.close()


def test_ops_made_before_the_clock_went_back_still_bound_the_next_one(where, clock):
    """Our clock goes back half an hour after some notes, and forward again by 28 minutes: the
    notes made before are within the ceiling again, and the next op follows them (not the newer
    ones made at the earlier time, which the newest op alone would say)."""
    service = IncidentService.open(where.db_path, clock)
    try:
        incident = service.incidents.declare("x", by="Ana").incident
        service.timeline.log(incident.id, "before", by="Ana")
        before = service.ledger.execute("SELECT max(hlc) FROM ops").fetchone()[0]
        clock.advance(minutes=-30)
        service.timeline.log(incident.id, "after the clock went back", by="Ana")
        assert service.ledger.execute("SELECT unpushed_peak FROM sync_state").fetchone() == (before,)
        clock.advance(minutes=28)
        made = service.timeline.log(incident.id, "again", by="Ana").entries[0]
        stamp = service.ledger.execute("SELECT hlc FROM entries WHERE id = ?", (made.id,)).fetchone()[0]
        assert stamp > before and stamp == hlc.following(before, clock.now(), service.ledger.replica)
        # Once the server has them all, nothing is left to bound: the newest op alone says it.
        service.sync.join("memory")
        service.sync.mark_pushed([op.uid for op in service.sync.outgoing()])
        assert service.ledger.execute("SELECT unpushed_peak FROM sync_state").fetchone() == (None,)
    finally:
        service.close()


def test_the_note_path_writes_no_index_of_every_ops_hlc(service):
    """The op log's HLCs are indexed only where the server took the op or it came from it."""
    indexes = dict(service.ledger.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ops' AND sql IS NOT NULL"))
    assert "ops_hlc" not in indexes
    assert indexes["ops_hlc_pushed"].endswith("WHERE pushed = 1")


def test_a_file_from_before_0020_gives_the_same_next_hlc(where, clock, tmp_path):
    """Written as a console before 0020 writes: ops pushed, received and not pushed, some of the
    unpushed made before the clock went back (so newer ones sort under them). Migrated, the
    next HLC is the one that console makes, as the ops ahead come within the ceiling."""
    migrated_before(where.db_path, "0020_lighter_appends_2").close()
    conn = connect(where.db_path)
    conn.execute("UPDATE sync_state SET replica = 'r1', team = 'memory'")
    conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) VALUES ('old', 'x', 'x', 'i1')")
    now = hlc.millis(clock.now())
    stamps = [  # (ms from now, pushed): the fifth and sixth made before the clock went back 20 min
        (-60_000, 1), (-50_000, 1), (-40_000, 0), (-30_000, 0), (200_000, 0), (240_000, 0),
        (-20_000, 0), (-10_000, 0), (280_000, 1),
    ]
    for n, (ms, pushed) in enumerate(stamps):
        stamp = hlc.make(now + ms, 0, "r1" if n != 8 else "r2")
        conn.execute("INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
                     "VALUES (?, 1, 'note', ?, 'Ana', 'x', 'x', ?)", (f"e{n}", f"old {n}", stamp))
        conn.execute("INSERT INTO ops (uid, replica, hlc, incident, verb, body, pushed) "
                     "VALUES (?, ?, ?, 'i1', 'entry.log', '{}', ?)", (f"op{n}", stamp[-2:], stamp, pushed))
    conn.execute("UPDATE sync_state SET pushed_through = 2")
    conn.commit()
    conn.close()
    shutil.copy(where.db_path, tmp_path / "before.sqlite3")

    def answers(path, at: datetime) -> tuple[str, str]:
        clock.current = at
        service = IncidentService.open(path, clock)
        try:
            return read_every_op(service), next_hlc(service)
        finally:
            service.close()

    for minutes in (0, 1, 4):  # the ops ahead come within the ceiling one by one
        at = START + timedelta(minutes=minutes)
        expected, _ = answers_before(tmp_path / "before.sqlite3", at, clock)
        got, made = answers(where.db_path, at)
        assert expected == got == made
    conn = connect(where.db_path)
    try:
        assert conn.execute("SELECT unpushed_peak FROM sync_state").fetchone() == (hlc.make(now + 240_000, 0, "r1"),)
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "ops_hlc" not in names and "ops_hlc_pushed" in names
    finally:
        conn.close()


def answers_before(path, at: datetime, clock) -> tuple[str, None]:
    """The next HLC a console before 0020 makes on the file: read without opening the service
    (which would migrate it), as that console's Ledger.next_hlc read it."""
    conn = connect(path)
    try:
        replica = conn.execute("SELECT replica FROM sync_state").fetchone()[0]
        (last,) = conn.execute("SELECT max(hlc) FROM ops WHERE hlc <= ?", (hlc.ceiling(at),)).fetchone()
        return hlc.following(last, at, replica), None
    finally:
        conn.close()
