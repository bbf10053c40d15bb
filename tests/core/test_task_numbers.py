"""Tasks are numbered within their incident: INC-2's first task is T1, whatever INC-1 holds.

Every way in names a task by that number - the core's operations, the command language, the CLI
and the exports - and a file from before the numbering opens with its tasks renumbered, its
timeline untouched, and one entry per incident saying which old reference is which new one.
"""

import json
import sqlite3

import pytest
import sqlite_utils

from console import migrations
from console.errors import NotFound
from console.incident_json import to_document
from console.service import IncidentService
from console.store import MIGRATION_SET, connect
from tests.helpers import run


@pytest.fixture
def two(service):
    """INC-1 with two tasks, then INC-2 with two of its own."""
    first = service.incidents.declare("Checkout down", by="Ana", severity=1).incident
    second = service.incidents.declare("Search slow", by="Ana", severity=3).incident
    service.tasks.add(first.id, "Ben", 5, "check replicas", by="Ana")
    service.tasks.add(first.id, "Cy", 10, "page the DBA", by="Ana")
    service.tasks.add(second.id, "Dee", 5, "look at the index", by="Ana")
    service.tasks.add(second.id, "Eve", 15, "draft the status post", by="Ana")
    return first, second


def test_each_incident_counts_its_own_tasks_from_one(service, two):
    first, second = two
    assert [t.ref for t in service.read.tasks.all(first.id)] == ["T1", "T2"]
    assert [(t.ref, t.owner) for t in service.read.tasks.all(second.id)] == [("T1", "Dee"), ("T2", "Eve")]
    assert service.tasks.add(second.id, "Fay", 5, "x", by="Ana").task.ref == "T3"
    assert service.tasks.add(first.id, "Gus", 5, "y", by="Ana").task.ref == "T3"


def test_an_operation_on_t1_touches_only_that_incident_s_t1(service, two):
    first, second = two
    change = service.tasks.done(second.id, 1, by="Ana")
    assert (change.task.owner, change.task.ref) == ("Dee", "T1")
    assert service.read.tasks.get(first.id, 1).done_at is None
    service.tasks.extend(second.id, 2, 5, by="Ana")
    service.tasks.reassign(second.id, 2, "Hal", by="Ana")
    assert service.read.tasks.get(second.id, 2).owner == "Hal"
    assert [t.owner for t in service.read.tasks.all(first.id)] == ["Ben", "Cy"]
    with pytest.raises(NotFound, match="no task T3 on INC-2"):
        service.tasks.done(second.id, 3, by="Ana")


def test_the_command_language_reads_the_incident_s_number(service, clock, two):
    from console.commands import Language

    _, second = two
    change = Language.default().run(service, second.id, "/done T2", by="Ana")
    assert (change.task.ref, change.task.owner, change.task.incident_id) == ("T2", "Eve", second.id)
    assert service.read.tasks.get(1, 2).done_at is None  # INC-1's T2 untouched


def test_two_tasks_of_one_incident_cannot_share_a_number(service, two):
    first, _ = two
    with pytest.raises(sqlite3.IntegrityError):  # the unique index, under the service's counting
        service.ledger.conn.execute(
            "INSERT INTO tasks (uid, incident_id, number, owner, text, assigned_at, due_at, created_by) "
            "VALUES ('dup', ?, 1, 'X', 'x', 'a', 'b', 'Ana')", (first.id,))


def test_the_cli_prints_and_takes_the_incident_s_number(capsys, clock):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    assert run(capsys, "declare", "Search slow", clock=clock)[0] == 0
    assert run(capsys, "task", "INC-1", "Ben", "5", "check replicas", clock=clock)[1] == "T1\n"
    assert run(capsys, "task", "INC-1", "Cy", "5", "page the DBA", clock=clock)[1] == "T2\n"
    assert run(capsys, "task", "INC-2", "Dee", "5", "look at the index", clock=clock)[1] == "T1\n"
    code, out, _ = run(capsys, "done", "INC-2", "T1", clock=clock)
    assert code == 0 and "Done: look at the index (Dee)" in out
    code, _, err = run(capsys, "done", "INC-2", "T2", clock=clock)
    assert code == 2 and "no task T2 on INC-2" in err


def test_the_export_names_tasks_by_their_number(service, two):
    _, second = two
    document = to_document(service.read, second.id)
    assert [t["id"] for t in document["tasks"]] == ["T1", "T2"]
    json.dumps(document)


# -- a file from before the numbering ---------------------------------------------------------


def _file_before_numbering(path):
    """A file made by the migrations before 0007: three incidents, tasks handed out in turn, and
    timeline entries that name tasks by their old (row id) references."""
    conn = connect(path)
    before = sqlite_utils.Migrations(MIGRATION_SET)
    for name, fn in migrations.MIGRATIONS:
        if name < "0007":
            before(name=name)(fn)
    before.apply(sqlite_utils.Database(conn, execute_plugins=False))
    for title in ("one", "two", "three"):
        conn.execute("INSERT INTO incidents (title, started_at, declared_at) "
                     "VALUES (?, '2026-03-29T14:00:00.000Z', '2026-03-29T14:00:00.000Z')", (title,))
    for n, incident_id in enumerate((1, 2, 1, 2, 2), start=1):  # row ids 1..5
        conn.execute("INSERT INTO tasks (uid, incident_id, owner, text, assigned_at, due_at, created_by) "
                     "VALUES (?, ?, ?, ?, '2026-03-29T14:00:00.000Z', '2026-03-29T14:05:00.000Z', 'Ana')",
                     (f"u{n}", incident_id, f"P{n}", f"task {n}"))
    conn.execute("INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at) "
                 "VALUES ('e1', 2, 'task', 'Check-back due: T4 P4: task 4', 'Ana', "
                 "'2026-03-29T14:05:00.000Z', '2026-03-29T14:05:00.000Z')")
    conn.commit()
    conn.close()


def test_an_older_file_is_renumbered_and_its_history_still_reads_right(where, clock):
    _file_before_numbering(where.db_path)
    service = IncidentService.open(where.db_path, clock)
    try:
        one = [(t.ref, t.owner, t.id) for t in sorted(service.read.tasks.all(1), key=lambda t: t.number)]
        two = [(t.ref, t.owner, t.id) for t in sorted(service.read.tasks.all(2), key=lambda t: t.number)]
        assert one == [("T1", "P1", 1), ("T2", "P3", 3)]
        assert two == [("T1", "P2", 2), ("T2", "P4", 4), ("T3", "P5", 5)]
        # The old entry is as written; the incident says what its old references mean now.
        texts = [e.text for e in service.read.timeline.all(2)]
        assert texts[0] == "Check-back due: T4 P4: task 4"
        assert texts[1] == ("Tasks are now numbered within this incident; in the entries before this one "
                            "T2 is now T1, T4 is now T2, T5 is now T3.")
        # INC-1's T1 stays T1, but its T3 became T2; INC-3 had no tasks and gets no entry.
        assert service.read.timeline.all(1)[-1].text.endswith("T3 is now T2.")
        assert service.read.timeline.all(3) == []
        # An old reference still finds its task, and the note is found by search.
        assert service.read.tasks.by_row_id(4).ref == "T2" and service.read.tasks.by_row_id(4).incident_id == 2
        assert service.read.tasks.by_row_id(99) is None
        assert any("T4 is now T2" in hit.text for hit in service.read.search.find("numbered within"))
        # New tasks carry on from the incident's highest number.
        assert service.tasks.add(2, "Zed", 5, "next", by="Ana").task.ref == "T4"
        assert service.tasks.done(2, 2, by="Ana").task.owner == "P4"
    finally:
        service.close()
