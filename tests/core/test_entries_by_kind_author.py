"""One index of entries by (incident, kind, author) for what two answered (migration 0020): /pin's
newest entry of a person, the authors for the filter, the author and kind filters, on one
incident or all; the same answers as reading every entry, on a new file and on one from
before 0020."""

import random

from console.service import IncidentService
from tests.core.earlier_schema import migrated_before

AUTHORS = ("Ana", "ben", "Cy", "Dee")
KINDS = ("note", "finding", "action", "decision")


def _fill(conn, incidents: int = 3, entries: int = 400, seed: int = 7) -> None:
    """Entries of a few authors and kinds on a few incidents, some retracted (the newest of
    an author among them), as plain rows."""
    rng = random.Random(seed)
    for i in range(1, incidents + 1):
        conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) VALUES (?, 'x', 'x', ?)",
                     (f"i{i}", f"inc{i}"))
    for n in range(entries):
        incident = rng.randint(1, incidents)
        author = AUTHORS[n % 3] if incident == 3 else rng.choice(AUTHORS)  # Dee never on 3
        conn.execute(
            "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (f"e{n}", incident, rng.choice(KINDS), f"entry {n} about the replica", author,
             f"2026-03-29T{10 + n // 60:02}:{n % 60:02}:00.000Z", "x", f"{n:013d}.0000.r1"))
    newest = conn.execute("SELECT max(id) FROM entries WHERE incident_id = 1 AND author = 'Ana'").fetchone()[0]
    for entry_id in (newest, *rng.sample(range(1, entries + 1), 40)):
        conn.execute('INSERT INTO entry_retractions (entry_id, reason, "by", at) VALUES (?, NULL, \'x\', \'x\')',
                     (entry_id,))


def _every_entry(conn) -> dict:
    """The answers, read from every entry one by one."""
    retracted = {i for (i,) in conn.execute("SELECT entry_id FROM entry_retractions")}
    rows = conn.execute("SELECT id, incident_id, kind, author FROM entries").fetchall()
    answers = {}
    for incident in (1, 2, 3):
        mine = [r for r in rows if r[1] == incident]
        answers["authors", incident] = sorted({r[3] for r in mine}, key=str.casefold)
        for author in (*AUTHORS, "Nobody"):
            ids = [r[0] for r in mine if r[3] == author and r[0] not in retracted]
            answers["latest", incident, author] = max(ids) if ids else None
            answers["filter author", incident, author] = sorted(r[0] for r in mine if r[3] == author)
        for kind in KINDS:
            answers["filter kind", incident, kind] = sorted(r[0] for r in mine if r[2] == kind)
    for author in AUTHORS:
        answers["everywhere", author] = sorted(r[0] for r in rows if r[3] == author)
    return answers


def _read(service) -> dict:
    reader = service.read
    answers = {}
    for incident in (1, 2, 3):
        answers["authors", incident] = reader.timeline.authors(incident)
        for author in (*AUTHORS, "Nobody"):
            found = reader.timeline.latest_by(incident, author)
            answers["latest", incident, author] = found.id if found else None
            answers["filter author", incident, author] = sorted(
                e.id for e in reader.search.filter(incident, author=author, limit=-1))
        for kind in KINDS:
            answers["filter kind", incident, kind] = sorted(
                e.id for e in reader.search.filter(incident, kinds=(kind,), limit=-1))
    for author in AUTHORS:
        answers["everywhere", author] = sorted(
            hit.id for hit in reader.search.find("replica", incident_id=None, author=author, limit=1000))
    return answers


def test_the_reads_give_what_every_entry_read_one_by_one_gives(where, clock):
    service = IncidentService.open(where.db_path, clock)
    try:
        with service.ledger.writing():
            _fill(service.ledger.conn)
        from console import search_index

        with service.ledger.writing():
            search_index.catch_up(service.ledger.conn)
        expected = _every_entry(service.ledger.conn)
        assert expected["authors", 3] == ["Ana", "ben", "Cy"] and expected["latest", 3, "Dee"] is None
        assert _read(service) == expected
        plan = " ".join(row[3] for row in service.ledger.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE incident_id = 1 AND kind = 'note' AND author = 'Cy'"))
        assert "entries_by_kind_author" in plan
    finally:
        service.close()


def test_a_file_from_before_0020_answers_as_before(where, clock):
    conn = migrated_before(where.db_path, "0020_lighter_appends_2")
    _fill(conn)
    conn.execute("UPDATE search_indexed SET entries_through = 0")
    conn.commit()
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"entries_by_author", "entries_by_kind"} <= names
    expected = _every_entry(conn)
    conn.close()

    service = IncidentService.open(where.db_path, clock)
    try:
        names = {name for (name,) in service.ledger.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "entries_by_kind_author" in names and not {"entries_by_author", "entries_by_kind"} & names
        service.index_for_search()
        assert _read(service) == expected
    finally:
        service.close()
