"""The search index filled in batches (console.search_index, migration 0018): an entry is
found by search from the moment it is committed, before and after the index has it, by this
process or another, exactly once; doctor checks the index. An older file migrating:
tests/core/test_lighter_appends.py."""

import sqlite3

from console import doctor, ledger
from console.queries import Reader
from console.service import IncidentService
from console.store import connect


def _indexed(conn: sqlite3.Connection) -> tuple[int, int]:
    """(the watermark, how many entries the index itself holds)."""
    (through,) = conn.execute("SELECT entries_through FROM search_indexed").fetchone()
    (held,) = conn.execute("SELECT count(*) FROM entries_fts_docsize").fetchone()
    return through, held


def _reader(where) -> Reader:
    return Reader(connect(where.db_path, read_only=True), where.db_path)


def test_a_note_is_found_before_and_after_it_is_indexed_and_only_once(service, where):
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    note = service.timeline.log(incident.id, "replica lag on db-2", by="Ben").entries[0]
    conn = service.ledger.conn
    assert _indexed(conn) == (0, 0)  # the commit wrote nothing into the index
    reader = _reader(where)
    assert [hit.id for hit in reader.search.find("replica")] == [note.id]
    service.checkpoint()  # the window's writer, idle
    assert _indexed(conn) == (note.id, 2)  # the declaration's entry and the note
    assert [hit.id for hit in reader.search.find("replica")] == [note.id]
    later = service.timeline.log(incident.id, "replica caught up", by="Ben").entries[0]
    hits = {hit.id: hit.snippet_marked() for hit in reader.search.find("replica")}
    assert hits == {note.id: "[replica] lag on db-2", later.id: "[replica] caught up"}


def test_what_another_process_writes_is_found_at_once(service, where, clock):
    """A second writer on the file (the command line's `log`) never idles: its notes wait for
    the index until this console's writer catches up, and search finds them meanwhile."""
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    service.checkpoint()
    reader = _reader(where)
    assert reader.search.find("failover") == []
    other = IncidentService.open(where.db_path, clock)
    try:
        theirs = [other.timeline.log(incident.id, f"failover step {n}", by="Cy").entries[0].id
                  for n in range(3)]
    finally:
        other.close()
    assert sorted(hit.id for hit in reader.search.find("failover")) == theirs
    service.checkpoint()
    assert _indexed(service.ledger.conn)[0] == theirs[-1]
    assert sorted(hit.id for hit in reader.search.find("failover")) == theirs


def _found(reader: Reader, incident_id: int) -> list:
    queries = [("replica", {}), ("repl*", {}), ("db 2", {}), ("unicode", {}), ("ünïcödé", {}),
               ("replica", {"author": "Ben"}), ("replica", {"kinds": ["decision"]}),
               ("replica", {"pinned_only": True}), ("corrected", {}), ("retracted", {}),
               ('"AND (NEAR* OR', {}), ("replica", {"incident_id": None})]
    return [[(hit.id, hit.snippet) for hit in reader.search.find(text, **{"incident_id": incident_id, **options})]
            for text, options in queries]


def test_the_backlog_matches_exactly_as_the_index_does(service, where, clock):
    """The same queries (words, prefixes, accents, filters, corrections, pins, hostile input)
    find the same entries, in the same order, with the same snippets, waiting or indexed."""
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    made = []
    for n, (text, kind, by) in enumerate([
        ("replica lag on db-2 is 40 s", "finding", "Ben"), ("replicas: we roll back", "decision", "Ana"),
        ("Ünïcödé name in the replica alert", "note", "Dee"), ("a typo to be corrected", "note", "Ben"),
        ("replica note retracted later", "note", "Cy"), ("replica replica replica", "note", "Ben"),
    ]):
        clock.advance(seconds=10)
        made.append(service.timeline.log(incident.id, text, by=by, kind=kind).entries[0].id)
    service.history.revise(incident.id, made[3], "corrected: replica typo", by="Ben")
    service.history.retract(incident.id, made[4], by="Cy", reason="wrong incident")
    service.history.set_pin(incident.id, made[0], True, by="Ana")
    reader = _reader(where)
    waiting = _found(reader, incident.id)
    assert sum(map(len, waiting)) > 15
    service.checkpoint()
    assert _indexed(service.ledger.conn)[0] == max(made)
    assert _found(_reader(where), incident.id) == waiting  # a fresh reader: the index alone
    assert _found(reader, incident.id) == waiting  # the reader that had them in memory


def test_a_write_indexes_the_backlog_once_it_passes_the_limit(service, monkeypatch):
    """A script or the command line never idle: the write that finds more than the limit
    waiting indexes it in its own transaction."""
    monkeypatch.setattr(ledger, "SEARCH_BACKLOG_MAX", 4)
    incident = service.incidents.declare("Checkout down", by="Ana").incident  # its entry: E1
    conn = service.ledger.conn
    ids = [service.timeline.log(incident.id, f"note {n}", by="Ben").entries[0].id for n in range(3)]
    assert ids == [2, 3, 4] and _indexed(conn) == (0, 0)  # four waiting, none indexed
    ids.append(service.timeline.log(incident.id, "note 3", by="Ben").entries[0].id)
    assert _indexed(conn) == (5, 5)
    ids.append(service.timeline.log(incident.id, "note 4", by="Ben").entries[0].id)
    assert _indexed(conn) == (5, 5)
    assert sorted(hit.id for hit in service.read.search.find("note")) == ids


def test_doctor_checks_the_index_with_what_waits_for_it_and_writes_nothing(service, where, tmp_path):
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    service.timeline.log(incident.id, "replica lag", by="Ben")
    conn = service.ledger.conn
    before = _indexed(conn)
    checks = {check.name: check for check in doctor.run(where, tmp_path)}
    assert checks["search index"].status == doctor.OK, checks["search index"]
    assert _indexed(conn) == before == (0, 0)
    # An index that holds an entry twice no longer matches its table.
    with service.ledger.writing():
        conn.execute("INSERT INTO entries_fts (rowid, text) SELECT id, text FROM entries WHERE id = 1")
    checks = {check.name: check for check in doctor.run(where, tmp_path)}
    assert checks["search index"].status == doctor.FAIL
