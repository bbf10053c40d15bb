"""Corrections, retractions, pins and drafts: the entry's history is kept, never overwritten."""

import json
import sqlite3
from importlib.resources import files

import jsonschema
import pytest

from console import incident_json, migrations
from console.domain import Entry, Retraction, Revision
from console.errors import InputError, NotFound
from console.store import connect

HISTORY_TABLES = ("entries", "entry_revisions", "entry_retractions", "pins")


def raw(where, table):
    conn = sqlite3.connect(where.db_path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


def rows(where):
    return {table: raw(where, table) for table in HISTORY_TABLES}


@pytest.fixture
def incident(service):
    return service.incidents.declare("Checkout down", by="Ana", severity=2).incident


@pytest.fixture
def note(service, incident, clock):
    clock.advance(minutes=1)
    return service.timeline.log(incident.id, "db-3 is lagging", by="Ben", kind="finding").entries[0]


def test_a_correction_keeps_the_original_and_every_earlier_text(service, incident, note, clock, where):
    before = raw(where, "entries")
    clock.advance(minutes=1)
    change = service.history.revise(incident.id, note.id, "db-2 is lagging", by="Ben")
    (updated,) = change.entries
    assert (updated.id, updated.text, updated.revised_text) == (note.id, "db-3 is lagging", "db-2 is lagging")
    assert updated.current_text == "db-2 is lagging" and not updated.retracted
    assert change.incident.id == incident.id
    clock.advance(minutes=1)
    service.history.revise(incident.id, note.id, "db-2 is lagging by 40 s", by="Cy")
    original, revisions, retraction = service.read.history.of(note.id)
    assert original.text == "db-3 is lagging"
    assert revisions == [
        Revision("db-2 is lagging", "Ben", "2026-03-29T14:02:00.000Z"),
        Revision("db-2 is lagging by 40 s", "Cy", "2026-03-29T14:03:00.000Z"),
    ]
    assert retraction is None
    # the entry row itself never changed, and no timeline entry was added
    assert raw(where, "entries") == before
    assert [e.current_text for e in service.read.timeline.all(incident.id)][-1] == "db-2 is lagging by 40 s"


def test_a_correction_must_change_something_and_be_valid(service, incident, note, where):
    other = service.incidents.declare("Other", by="Ana").incident
    before = rows(where)
    with pytest.raises(InputError, match="nothing changed"):
        service.history.revise(incident.id, note.id, "  db-3 is lagging ", by="Ben")
    with pytest.raises(InputError, match="entry text is empty"):
        service.history.revise(incident.id, note.id, "   ", by="Ben")
    with pytest.raises(InputError, match="author is empty"):
        service.history.revise(incident.id, note.id, "x", by="")
    with pytest.raises(NotFound, match=f"no entry E99 on {incident.ref}"):
        service.history.revise(incident.id, 99, "x", by="Ben")
    with pytest.raises(NotFound, match=f"no entry E{note.id} on {other.ref}"):
        service.history.revise(other.id, note.id, "x", by="Ben")
    with pytest.raises(NotFound, match="no incident INC-9"):
        service.history.revise(9, note.id, "x", by="Ben")
    assert rows(where) == before


@pytest.mark.parametrize("make", [
    lambda s, i: s.incidents.set_severity(i, 1, by="Ana"),
    lambda s, i: s.incidents.set_status(i, "mitigated", by="Ana"),
    lambda s, i: s.roster.assign(i, "ic", "Ana", by="Ana"),
    lambda s, i: s.roster.assign(i, "sme", "Dee", by="Ana"),
])
def test_entries_the_console_writes_cannot_be_edited_or_retracted(service, incident, where, make):
    (entry,) = make(service, incident.id).entries
    before = rows(where)
    with pytest.raises(InputError, match="entries the console writes itself cannot be edited; add a note instead"):
        service.history.revise(incident.id, entry.id, "something else", by="Ana")
    with pytest.raises(InputError, match="cannot be retracted; add a note instead"):
        service.history.retract(incident.id, entry.id, by="Ana")
    assert rows(where) == before
    # a derived entry can still be pinned: "when we went to SEV-1" is worth keeping in view
    assert service.history.set_pin(incident.id, entry.id, True, by="Ana").entries[0].pinned


def test_a_retraction_is_final_and_kept_with_its_reason(service, incident, note, clock, where):
    clock.advance(minutes=2)
    (updated,) = service.history.retract(incident.id, note.id, by="Ana", reason="wrong incident").entries
    assert (updated.id, updated.retracted, updated.text) == (note.id, True, "db-3 is lagging")
    assert service.read.history.of(note.id)[2] == Retraction("wrong incident", "Ana", "2026-03-29T14:03:00.000Z")
    before = rows(where)
    with pytest.raises(InputError, match=f"E{note.id} is already retracted"):
        service.history.retract(incident.id, note.id, by="Ben")
    with pytest.raises(InputError, match=f"E{note.id} is retracted; it cannot be edited"):
        service.history.revise(incident.id, note.id, "db-2", by="Ben")
    with pytest.raises(InputError, match=f"E{note.id} is retracted; it cannot be pinned"):
        service.history.set_pin(incident.id, note.id, True, by="Ben")
    assert rows(where) == before
    # still on the timeline, marked
    assert [e.retracted for e in service.read.timeline.all(incident.id)] == [False, True]


def test_a_retraction_needs_no_reason(service, incident, note):
    service.history.retract(incident.id, note.id, by="Ana", reason="   ")
    assert service.read.history.of(note.id)[2].reason is None


def test_a_retraction_from_another_writer_in_between_is_still_one_retraction(service, incident, note, where):
    other = connect(where.db_path)
    other.execute('INSERT INTO entry_retractions (entry_id, reason, "by", at) VALUES (?, NULL, ?, ?)',
                  (note.id, "Cy", "2026-03-29T14:01:30.000Z"))
    other.commit()
    other.close()
    with pytest.raises(InputError, match="already retracted"):
        service.history.retract(incident.id, note.id, by="Ana")
    assert len(raw(where, "entry_retractions")) == 1


def test_pins_keep_who_pinned_and_unpinned(service, incident, note, clock, where):
    (pinned,) = service.history.set_pin(incident.id, note.id, True, by="Ana").entries
    assert pinned.pinned and pinned.id == note.id
    assert [e.id for e in service.read.timeline.pinned(incident.id)] == [note.id]
    with pytest.raises(InputError, match=f"E{note.id} is already pinned"):
        service.history.set_pin(incident.id, note.id, True, by="Ana")
    clock.advance(minutes=1)
    assert not service.history.set_pin(incident.id, note.id, False, by="Ben").entries[0].pinned
    with pytest.raises(InputError, match=f"E{note.id} is already not pinned"):
        service.history.set_pin(incident.id, note.id, False, by="Ben")
    assert service.read.timeline.pinned(incident.id) == []
    assert [row[1:5] for row in raw(where, "pins")] == [
        (note.id, 1, "Ana", "2026-03-29T14:01:00.000Z"),
        (note.id, 0, "Ben", "2026-03-29T14:02:00.000Z"),
    ]


def test_retracting_a_pinned_entry_unpins_it_in_the_same_change(service, incident, note, where):
    service.history.set_pin(incident.id, note.id, True, by="Ana")
    (updated,) = service.history.retract(incident.id, note.id, by="Ben").entries
    assert updated.retracted and not updated.pinned
    assert [row[2:4] for row in raw(where, "pins")] == [(1, "Ana"), (0, "Ben")]
    assert service.read.timeline.pinned(incident.id) == []


def test_pinned_lists_only_this_incidents_pins_in_timeline_order(service, incident, clock):
    other = service.incidents.declare("Other", by="Ana").incident
    clock.advance(minutes=1)
    late = service.timeline.log(incident.id, "late", by="Ben").entries[0]
    early = service.timeline.log(incident.id, "early", by="Ben", occurred_at=clock.now().replace(minute=0, second=30)).entries[0]
    elsewhere = service.timeline.log(other.id, "elsewhere", by="Ben").entries[0]
    for entry, inc in ((late, incident), (early, incident), (elsewhere, other)):
        service.history.set_pin(inc.id, entry.id, True, by="Ana")
    assert [e.text for e in service.read.timeline.pinned(incident.id)] == ["early", "late"]
    assert [e.text for e in service.read.timeline.pinned(other.id)] == ["elsewhere"]


def test_every_read_fills_the_entry_state(service, incident, note):
    service.history.revise(incident.id, note.id, "db-2 is lagging", by="Ben")
    service.history.set_pin(incident.id, note.id, True, by="Ana")
    service.history.retract(incident.id, note.id, by="Ana")  # unpins it
    second = service.timeline.log(incident.id, "second", by="Ben", uid="u-2").entries[0]
    service.history.set_pin(incident.id, second.id, True, by="Ana")
    read = service.read
    expected_first = (note.id, "db-2 is lagging", True, False)
    expected_second = (second.id, None, False, True)

    def state(entry: Entry):
        return (entry.id, entry.revised_text, entry.retracted, entry.pinned)

    assert [state(e) for e in read.timeline.all(incident.id)[1:]] == [expected_first, expected_second]
    assert [state(e) for e in read.timeline.page(incident.id, limit=2)] == [expected_first, expected_second]
    assert [state(e) for e in read.timeline.after(incident.id, note.id - 1)] == [expected_first, expected_second]
    assert state(read.timeline.by_uid("u-2")) == expected_second
    assert state(read.timeline.entry(incident.id, note.id)) == expected_first
    assert state(read.history.of(note.id)[0]) == expected_first
    assert [state(h.entry) for h in read.search.find("lagging", incident_id=incident.id)] == [expected_first]
    assert state(read.timeline.latest_by(incident.id, "Ben")) == expected_second


def test_latest_entry_by_skips_retracted_entries_and_other_people(service, incident, clock):
    assert service.read.timeline.latest_by(incident.id, "Ben") is None
    first = service.timeline.log(incident.id, "first", by="Ben").entries[0]
    clock.advance(minutes=1)
    second = service.timeline.log(incident.id, "second", by="Ben", occurred_at=clock.now().replace(minute=0, second=10)).entries[0]
    service.timeline.log(incident.id, "not Ben's", by="Cy")
    assert service.read.timeline.latest_by(incident.id, "Ben").id == second.id  # newest written, not occurred
    service.history.retract(incident.id, second.id, by="Ben")
    assert service.read.timeline.latest_by(incident.id, "Ben").id == first.id
    assert service.read.timeline.latest_by(incident.id, "Nobody") is None


def test_authors_for_the_filter(service, incident):
    service.timeline.log(incident.id, "x", by="ben")
    service.timeline.log(incident.id, "y", by="Cy")
    service.timeline.log(incident.id, "z", by="Cy")
    other = service.incidents.declare("Other", by="Zed").incident
    service.timeline.log(other.id, "elsewhere", by="Yan")
    assert service.read.timeline.authors(incident.id) == ["Ana", "ben", "Cy"]
    assert service.read.timeline.authors(other.id) == ["Yan", "Zed"]
    assert service.read.timeline.authors(99) == []


def test_history_of_an_unknown_entry(service):
    with pytest.raises(NotFound, match="no entry E42"):
        service.read.history.of(42)


def test_the_history_tables_refuse_updates_and_deletes(service, incident, note, where):
    service.history.revise(incident.id, note.id, "db-2", by="Ben")
    service.history.set_pin(incident.id, note.id, True, by="Ben")
    service.history.retract(incident.id, note.id, by="Ben")
    conn = sqlite3.connect(where.db_path)
    try:
        for table, what in (("entry_revisions", "entry revisions"), ("entry_retractions", "entry retractions"),
                            ("pins", "pins"), ("entries", "timeline entries")):
            with pytest.raises(sqlite3.IntegrityError, match=f"{what} are append-only"):
                conn.execute(f'UPDATE {table} SET "by" = \'x\'' if table != "entries" else
                             "UPDATE entries SET text = 'x'")
            with pytest.raises(sqlite3.IntegrityError, match=f"{what} are append-only"):
                conn.execute(f"DELETE FROM {table}")
    finally:
        conn.close()


def test_nothing_is_ever_overwritten_or_deleted(service, incident, note, clock, where):
    """Every operation only adds rows: each table's rows before are a prefix of its rows after."""
    seen = rows(where)
    steps = [
        lambda: service.history.revise(incident.id, note.id, "db-2 is lagging", by="Ben"),
        lambda: service.history.set_pin(incident.id, note.id, True, by="Ana"),
        lambda: service.history.revise(incident.id, note.id, "db-2 lags 40 s", by="Cy"),
        lambda: service.timeline.log(incident.id, "rolled back", by="Ben", kind="action"),
        lambda: service.history.set_pin(incident.id, note.id, False, by="Ana"),
        lambda: service.history.set_pin(incident.id, note.id, True, by="Ana"),
        lambda: service.history.retract(incident.id, note.id, by="Ana", reason="duplicate"),
    ]
    for step in steps:
        clock.advance(seconds=30)
        step()
        now = rows(where)
        for table in HISTORY_TABLES:
            assert now[table][:len(seen[table])] == seen[table], table
        seen = now
    assert [len(seen[t]) for t in HISTORY_TABLES] == [3, 2, 1, 4]


def test_the_export_shows_corrections_retractions_and_pins(service, incident, note, clock):
    schema = json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))
    clock.advance(minutes=1)
    service.history.revise(incident.id, note.id, "db-2 is lagging", by="Ben")
    clock.advance(minutes=1)
    service.history.revise(incident.id, note.id, "db-2 lags 40 s", by="Cy")
    kept = service.timeline.log(incident.id, "rolled back", by="Ben", kind="action").entries[0]
    service.history.set_pin(incident.id, kept.id, True, by="Ana")
    gone = service.timeline.log(incident.id, "wrong room", by="Ben").entries[0]
    service.history.retract(incident.id, gone.id, by="Ana", reason="wrong incident")
    document = json.loads(incident_json.to_json(service.read, incident.id))
    jsonschema.validate(document, schema)
    timeline = {item["id"]: item for item in document["timeline"]}
    assert timeline[f"E{note.id}"] == {
        "id": f"E{note.id}", "kind": "finding", "text": "db-3 is lagging", "author": "Ben",
        "occurred_at": "2026-03-29T14:01:00.000Z", "recorded_at": "2026-03-29T14:01:00.000Z",
        "pinned": False, "retracted": None,
        "revisions": [
            {"text": "db-2 is lagging", "by": "Ben", "at": "2026-03-29T14:02:00.000Z"},
            {"text": "db-2 lags 40 s", "by": "Cy", "at": "2026-03-29T14:03:00.000Z"},
        ],
    }
    assert (timeline[f"E{kept.id}"]["pinned"], timeline[f"E{kept.id}"]["revisions"]) == (True, [])
    assert timeline[f"E{gone.id}"]["retracted"] == {
        "reason": "wrong incident", "by": "Ana", "at": "2026-03-29T14:03:00.000Z"}
    assert timeline["E1"]["id"] == "E1" and timeline["E1"]["retracted"] is None
    broken = json.loads(json.dumps(document))
    broken["timeline"][0]["revisions"] = [{"text": "x", "by": "Ana"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


# -- drafts ----------------------------------------------------------------------------------


def test_a_draft_is_saved_replaced_and_cleared(service, incident, clock, where):
    assert service.read.drafts.get("Ana", incident.id) is None
    service.drafts.save("Ana", incident.id, "db-2 is lag")
    clock.advance(seconds=2)
    service.drafts.save("Ana", incident.id, "  db-2 is lagging\tby 40 s  ")  # kept exactly as typed
    service.drafts.save("Ben", incident.id, "Ben's own")
    assert service.read.drafts.get("Ana", incident.id) == "  db-2 is lagging\tby 40 s  "
    assert service.read.drafts.get("Ben", incident.id) == "Ben's own"
    assert raw(where, "drafts") == [
        ("Ana", incident.id, "  db-2 is lagging\tby 40 s  ", "2026-03-29T14:00:02.000Z"),
        ("Ben", incident.id, "Ben's own", "2026-03-29T14:00:02.000Z"),
    ]
    service.drafts.save("Ana", incident.id, "   ")  # emptied the box: no draft
    assert service.read.drafts.get("Ana", incident.id) is None
    service.drafts.clear("Ben", incident.id)
    service.drafts.clear("Ben", incident.id)  # clearing nothing is fine
    assert raw(where, "drafts") == []


def test_a_draft_is_per_incident_and_checked(service, incident, where):
    other = service.incidents.declare("Other", by="Ana").incident
    service.drafts.save("Ana", incident.id, "one")
    service.drafts.save("Ana", other.id, "two")
    assert (service.read.drafts.get("Ana", incident.id), service.read.drafts.get("Ana", other.id)) == ("one", "two")
    with pytest.raises(NotFound, match="no incident INC-9"):
        service.drafts.save("Ana", 9, "x")
    with pytest.raises(InputError, match="seat is empty"):
        service.drafts.save(" ", incident.id, "x")
    with pytest.raises(InputError, match="draft is too long"):
        service.drafts.save("Ana", incident.id, "x" * 100_001)
    assert len(raw(where, "drafts")) == 2


def test_a_saved_draft_survives_the_writer_going_away(service, incident, where, clock):
    """Each save is its own committed transaction: another connection sees it at once."""
    service.drafts.save("Ana", incident.id, "half a thought")
    conn = sqlite3.connect(where.db_path)
    try:
        assert conn.execute("SELECT text FROM drafts").fetchall() == [("half a thought",)]
    finally:
        conn.close()
    assert not service.ledger.conn.in_transaction


def test_the_history_migration_creates_its_tables_and_indexes(service, where):
    assert "0004_timeline_history" in migrations.MIGRATION_NAMES
    conn = sqlite3.connect(where.db_path)
    try:
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert {"entry_revisions", "entry_retractions", "pins", "drafts", "entry_revisions_fts",
                "entry_revisions_entry", "pins_entry", "entries_by_kind_author"} <= names  # 0020's
        conn.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("INSERT INTO pins (entry_id, pinned, \"by\", at) VALUES (999, 1, 'A', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute("INSERT INTO pins (entry_id, pinned, \"by\", at) VALUES (1, 2, 'A', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            conn.execute("INSERT INTO entry_revisions (entry_id, text, \"by\", at) VALUES (1, NULL, 'A', 'x')")
    finally:
        conn.close()


def test_the_store_itself_refuses_to_edit_or_pin_a_retracted_entry(service, incident, note, where):
    """Whichever writer comes second (a window, the CLI), a retraction stays final."""
    service.history.retract(incident.id, note.id, by="Ana")
    conn = sqlite3.connect(where.db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="a retracted entry cannot be edited"):
            conn.execute('INSERT INTO entry_revisions (entry_id, text, "by", at) VALUES (?, ?, ?, ?)',
                         (note.id, "x", "Cy", "t"))
        with pytest.raises(sqlite3.IntegrityError, match="a retracted entry cannot be pinned"):
            conn.execute('INSERT INTO pins (entry_id, pinned, "by", at) VALUES (?, 1, ?, ?)', (note.id, "Cy", "t"))
        conn.execute('INSERT INTO pins (entry_id, pinned, "by", at) VALUES (?, 0, ?, ?)', (note.id, "Cy", "t"))
    finally:
        conn.close()
