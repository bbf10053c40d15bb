"""The chain's links keyed by their position (migration 0020: incident id * SPAN + n, a row id)
rather than WITHOUT ROWID by (incident, n): a file from before keeps its chains, heads and
verify's answers; a backup from before is read as it is; tampering is still found."""

import shutil
import sqlite3

from console import heads
from console.chain import SPAN, Chain, ChainReads, layout
from console.service import IncidentService
from console.store import connect
from tests.core.earlier_schema import migrated_before


def _old_file(path) -> dict:
    """Two incidents with entries, a revision and a pin, chained as a console before 0020 chained
    them (keyed by (incident, n)); their heads and verify's answers then."""
    migrated_before(path, "0020_lighter_appends_2").close()
    conn = connect(path)
    for i in (1, 2):
        conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) VALUES (?, 'x', 'x', ?)",
                     (f"i{i}", f"inc{i}"))
    for n in range(12):
        conn.execute("INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
                     "VALUES (?, ?, 'note', ?, 'Ana', 'x', 'x', ?)",
                     (f"e{n}", 1 + n % 2, f"old {n}", f"{n:013d}.0000.r1"))
    conn.execute('INSERT INTO entry_revisions (entry_id, text, "by", at, hlc) VALUES (3, \'fixed\', \'Ana\', \'x\', ?)',
                 (f"{20:013d}.0000.r1",))
    conn.execute('INSERT INTO pins (entry_id, pinned, "by", at, hlc) VALUES (4, 1, \'Ana\', \'x\', ?)',
                 (f"{21:013d}.0000.r1",))
    assert not layout(conn).keyed
    chain = Chain(conn)
    for i in (1, 2):
        chain.build(i)
    conn.commit()
    reads = ChainReads(conn, path)
    before = {"heads": heads.heads_of(conn), "verify": [reads.verify(i) for i in (1, 2)],
              "head": [reads.head(i) for i in (1, 2)]}
    conn.close()
    return before


def test_a_file_from_before_0020_keeps_its_chains_and_heads(where, clock, tmp_path):
    before = _old_file(where.db_path)
    assert before["verify"] == [None, None] and [h.links for h in before["head"]] == [7, 7]
    backup = tmp_path / "incidents-before.sqlite3"
    shutil.copy(where.db_path, backup)

    service = IncidentService.open(where.db_path, clock)
    try:
        conn = service.ledger.conn
        assert layout(conn).keyed
        assert conn.execute("SELECT count(*) FROM chain_links WHERE position != incident_id * ? + n",
                            (SPAN,)).fetchone() == (0,)
        reads = service.read.chain
        assert [reads.verify(i) for i in (1, 2)] == [None, None]
        assert [reads.head(i) for i in (1, 2)] == before["head"]
        assert heads.heads_of(conn) == before["heads"]
        old = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)  # a backup from before, as it is
        try:
            assert heads.heads_of(old) == before["heads"]
        finally:
            old.close()
        written = [heads.Seen(uid, links, link, (0, 0, 0, 0), "x", "backup") for uid, links, link in before["heads"]]
        assert [heads.check(conn, i, written) for i in (1, 2)] == [None, None]

        service.timeline.log(1, "after 0020", by="Ben")
        assert reads.head(1).links == 8 and reads.verify(1) is None
        assert conn.execute("SELECT max(position) FROM chain_links WHERE incident_id = 1").fetchone() == (SPAN + 8,)
    finally:
        service.close()


def test_tampering_is_found_and_a_renumbered_chain_still_takes_writes(where, clock):
    _old_file(where.db_path)
    service = IncidentService.open(where.db_path, clock)
    service.close()
    conn = connect(where.db_path)
    conn.execute("DROP TRIGGER entries_are_append_only_update")
    conn.execute("UPDATE entries SET text = 'rewritten' WHERE id = 5")
    # A link taken out and the places after it renumbered (their positions left as they were).
    conn.execute("DELETE FROM chain_links WHERE incident_id = 2 AND n = 3")
    conn.execute("UPDATE chain_links SET n = n - 1 WHERE incident_id = 2 AND n > 3")
    conn.commit()
    conn.close()
    service = IncidentService.open(where.db_path, clock)
    try:
        found = service.read.chain.verify(1)
        assert found is not None and found.how == "changed" and found.n == 3
        assert service.read.chain.verify(2) is not None
        service.timeline.log(2, "written on", by="Ben")  # not refused: verify says what is wrong
        assert service.read.chain.head(2).links == 7
        assert service.read.chain.verify(2) is not None
    finally:
        service.close()
