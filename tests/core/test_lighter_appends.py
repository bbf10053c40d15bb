"""Migration 0018 (fewer pages a note): a file from before it keeps its search index and its
unpushed ops; the ops waiting to go out are found after the pushed watermark."""

from console import doctor
from console.service import IncidentService
from console.store import connect
from tests.core.earlier_schema import migrated_before


def _before_0018(where) -> None:
    """A file made by migrations 0001-0017: the trigger indexes each entry as it is written."""
    migrated_before(where.db_path, "0018_lighter_appends").close()


def test_a_file_from_before_0018_keeps_its_index_and_its_unpushed_ops(where, clock):
    """Written as a console of that version writes (the trigger indexing each entry, every op
    into `ops_outgoing`), some of its ops pushed. Migrated, every entry is found, the watermark
    is its newest, new notes wait for the index, and the ops not pushed are the ones going out."""
    _before_0018(where)
    conn = connect(where.db_path)
    conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) VALUES ('old', 'x', 'x', 'i1')")
    for n in range(30):
        at = f"2026-03-29T13:{n:02}:00.000Z"
        conn.execute("INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
                     "VALUES (?, 1, 'note', ?, 'Ana', ?, ?, ?)",
                     (f"e{n}", f"old note {n} about the replica", at, at, f"{n:013d}.0000.r1"))
        conn.execute("INSERT INTO ops (uid, replica, hlc, incident, verb, body, pushed) "
                     "VALUES (?, 'r1', ?, 'i1', 'entry.log', '{}', ?)",
                     (f"op{n}", f"{n:013d}.0000.r1", int(n < 10 or n == 12)))
    conn.commit()
    assert conn.execute("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'replica'").fetchone() == (30,)
    conn.close()

    service = IncidentService.open(where.db_path, clock)
    try:
        conn = service.ledger.conn
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "entries_fts_insert" not in names and "ops_outgoing" not in names
        assert conn.execute("SELECT entries_through, pushed_through FROM search_indexed, sync_state"
                            ).fetchone() == (30, 10)
        unpushed = [f"op{n}" for n in range(10, 30) if n != 12]
        assert [op.uid for op in service.sync.outgoing(1000)] == unpushed
        new = service.timeline.log(1, "a new replica note", by="Ben").entries[0]
        assert conn.execute("SELECT entries_through FROM search_indexed").fetchone() == (30,)
        found = service.read.search.find("replica", limit=100)
        assert new.id == 31 and sorted(hit.id for hit in found) == list(range(1, 32))
        assert service.sync.waiting() == len(unpushed) + 1
    finally:
        service.close()
    checks = {check.name: check for check in doctor.run(where, where.db_path.parent)}
    assert checks["search index"].status == doctor.OK, checks["search index"]


def test_the_ops_going_out_are_the_unpushed_ones_whatever_order_they_are_marked_in(where, clock, tmp_path):
    ana = IncidentService.open(where.db_path, clock)
    ben = IncidentService.open(tmp_path / "ben.sqlite3", clock)
    try:
        incident = ana.incidents.declare("Checkout down", by="Ana").incident
        for n in range(5):
            ana.timeline.log(incident.id, f"note {n}", by="Ana")
        ops = [op.uid for op in ana.sync.outgoing()]
        assert len(ops) == 6 and ana.sync.waiting() == 6
        ana.sync.mark_pushed([ops[0], ops[1], ops[3]])  # the third has not reached the server
        assert [op.uid for op in ana.sync.outgoing()] == [ops[2], ops[4], ops[5]]
        assert ana.sync.waiting() == 3
        assert ana.ledger.execute("SELECT pushed_through FROM sync_state").fetchone() == (2,)
        # Ben's ops arrive: they came from the server, they never go out again.
        theirs = ben.incidents.declare("Login slow", by="Ben").incident
        ben.timeline.log(theirs.id, "from Ben", by="Ben")
        assert ana.sync.apply(ben.sync.outgoing()) == 2
        assert [op.uid for op in ana.sync.outgoing()] == [ops[2], ops[4], ops[5]]
        ana.sync.mark_pushed([ops[2], ops[4], ops[5]])
        assert ana.sync.outgoing() == [] and ana.sync.waiting() == 0
        (through,) = ana.ledger.execute("SELECT pushed_through FROM sync_state").fetchone()
        assert through == ana.ledger.execute("SELECT max(seq) FROM ops").fetchone()[0] == 8
        mine = ana.timeline.log(incident.id, "after", by="Ana")
        assert [op.verb for op in ana.sync.outgoing()] == ["entry.log"] and ana.sync.waiting() == 1
        assert mine.entries[0].text == "after"
    finally:
        ana.close()
        ben.close()
