"""The IC's board: tasks with check-back times, checklist ticks and status updates.

Every operation writes its change and its timeline entry in one transaction, like the rest of
the incident; these tests read both back from the real file.
"""

import sqlite3
from datetime import timedelta

import pytest

from console import domain, times
from console.errors import InputError, NotFound
from console.service import IncidentService
from console.store import connect


def last_entry(service, incident_id):
    return service.read.timeline.all(incident_id)[-1]


def stamp(moment) -> str:
    return times.to_text(moment)


@pytest.fixture
def incident(service):
    return service.incidents.declare("Checkout down", by="Ana", severity=1).incident


# -- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [("5", 5), ("5m", 5), (" 15M ", 15), (1440, 1440), ("1", 1)])
def test_minutes_are_whole_minutes(text, expected):
    assert domain.parse_minutes(text) == expected


@pytest.mark.parametrize("text", ["0", "1441", "90s", "1h", "2.5", "-5", "", "m", "five"])
def test_bad_minutes_are_refused(text):
    with pytest.raises(InputError, match="bad minutes"):
        domain.parse_minutes(text)


@pytest.mark.parametrize("text, expected", [("T3", 3), ("t3", 3), ("3", 3), (" T12 ", 12)])
def test_task_refs(text, expected):
    assert domain.parse_task_ref(text) == expected


@pytest.mark.parametrize("text", ["T", "T0", "TX", "INC-3", "", "-1"])
def test_bad_task_refs(text):
    with pytest.raises(InputError, match="bad task reference"):
        domain.parse_task_ref(text)


# -- tasks ---------------------------------------------------------------------------------


def test_add_task_sets_the_check_back_time_and_writes_its_entry(service, clock, incident):
    change = service.tasks.add(incident.id, "Ben", "10m", "Roll back deploy 4121", by="Ana")
    task = change.task
    assert task.ref == "T1"
    assert (task.owner, task.text, task.created_by) == ("Ben", "Roll back deploy 4121", "Ana")
    assert task.assigned_at == stamp(clock.now())
    assert task.due_at == stamp(clock.now() + timedelta(minutes=10))
    assert task.done_at is None and task.extensions == ()
    assert service.read.tasks.get(incident.id, task.number) == task
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text, entry.author) == (
        "task", "Ben: Roll back deploy 4121 (check back in 10 min)", "Ana"
    )


def test_add_task_counts_from_a_given_time(service, clock, incident):
    earlier = clock.now() - timedelta(minutes=3)
    change = service.tasks.add(incident.id, "Ben", 5, "Page the DBA", by="Ana", at=earlier)
    assert change.task.assigned_at == stamp(earlier)
    assert change.task.due_at == stamp(earlier + timedelta(minutes=5))
    (entry,) = change.entries
    assert (entry.occurred_at, entry.recorded_at) == (stamp(earlier), stamp(clock.now()))
    assert service.read.timeline.by_uid(entry.uid) == entry


def test_a_resent_task_is_recorded_once(service, incident):
    first = service.tasks.add(incident.id, "Ben", 5, "Check replicas", by="Ana", uid="u-1")
    again = service.tasks.add(incident.id, "Ben", 5, "Check replicas", by="Ana", uid="u-1")
    assert again.task == first.task and again.entries == first.entries
    assert len(service.read.tasks.all(incident.id)) == 1
    assert len(service.read.timeline.all(incident.id)) == 2
    other = service.incidents.declare("Other", by="Ana").incident
    with pytest.raises(InputError, match="another incident"):
        service.tasks.add(other.id, "Ben", 5, "Check replicas", by="Ana", uid="u-1")
    note = service.timeline.log(incident.id, "a note", by="Ana", uid="u-2").entries[0]
    with pytest.raises(InputError, match="already used by a timeline entry"):
        service.tasks.add(incident.id, "Ben", 5, "x", by="Ana", uid=note.uid)


@pytest.mark.parametrize("owner, minutes, text, message", [
    ("", 5, "x", "owner is empty"),
    ("Ben", 0, "x", "bad minutes"),
    ("Ben", "2h", "x", "bad minutes"),
    ("Ben", 5, "  ", "task text is empty"),
    ("Ben", 5, "x" * 201, "task text is too long"),
])
def test_bad_tasks_are_refused_and_write_nothing(service, incident, owner, minutes, text, message):
    with pytest.raises(InputError, match=message):
        service.tasks.add(incident.id, owner, minutes, text, by="Ana")
    assert service.read.tasks.all(incident.id) == []
    assert len(service.read.timeline.all(incident.id)) == 1


def test_tasks_on_an_unknown_incident_or_task_are_not_found(service, incident):
    with pytest.raises(NotFound, match="no incident INC-7"):
        service.tasks.add(7, "Ben", 5, "x", by="Ana")
    task = service.tasks.add(incident.id, "Ben", 5, "x", by="Ana").task
    other = service.incidents.declare("Other", by="Ana").incident
    with pytest.raises(NotFound, match="no task T9 on INC-1"):
        service.read.tasks.get(incident.id, 9)
    with pytest.raises(NotFound, match=f"no task T{task.number} on INC-2"):
        service.tasks.done(other.id, task.number, by="Ana")


def test_task_done_stamps_it_once(service, clock, incident):
    task = service.tasks.add(incident.id, "Ben", 5, "Check replicas", by="Ana").task
    clock.advance(minutes=4)
    change = service.tasks.done(incident.id, task.number, by="Ben")
    assert change.task.done_at == stamp(clock.now())
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text, entry.author) == ("task", "Done: Check replicas (Ben)", "Ben")
    count = len(service.read.timeline.all(incident.id))
    with pytest.raises(InputError, match="T1 is already done"):
        service.tasks.done(incident.id, task.number, by="Ben")
    with pytest.raises(InputError, match="already done"):
        service.tasks.extend(incident.id, task.number, 5, by="Ana")
    with pytest.raises(InputError, match="already done"):
        service.tasks.reassign(incident.id, task.number, "Cy", by="Ana")
    assert len(service.read.timeline.all(incident.id)) == count
    assert service.read.tasks.get(incident.id, task.number) == change.task


def test_extending_a_task_that_is_not_yet_due_adds_to_its_due_time(service, clock, incident):
    task = service.tasks.add(incident.id, "Ben", 10, "Check replicas", by="Ana").task
    clock.advance(minutes=4)  # 14:04, due 14:10
    change = service.tasks.extend(incident.id, task.number, "5m", by="Ana")
    assert change.task.due_at == "2026-03-29T14:15:00.000Z"
    assert change.task.extensions == (domain.Extension(5, stamp(clock.now()), "Ana"),)
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text) == (
        "task", "Extended by 5 min: Check replicas (Ben), now due 14:15Z"
    )


def test_extending_an_overdue_task_counts_from_now(service, clock, incident):
    task = service.tasks.add(incident.id, "Ben", 10, "Check replicas", by="Ana").task
    clock.advance(minutes=25)  # 14:25, it was due at 14:10
    first = service.tasks.extend(incident.id, task.number, 5, by="Ana").task
    assert first.due_at == "2026-03-29T14:30:00.000Z"
    clock.advance(minutes=1)  # not overdue now: the next extension adds to the due time
    second = service.tasks.extend(incident.id, task.number, 10, by="Cy").task
    assert second.due_at == "2026-03-29T14:40:00.000Z"
    assert [(x.minutes, x.by) for x in second.extensions] == [(5, "Ana"), (10, "Cy")]
    assert last_entry(service, incident.id).text.endswith("now due 14:40Z")
    with pytest.raises(InputError, match="bad minutes"):
        service.tasks.extend(incident.id, task.number, 0, by="Ana")
    assert service.read.tasks.get(incident.id, task.number) == second


def test_reassigning_keeps_the_previous_owner_in_the_timeline(service, incident):
    task = service.tasks.add(incident.id, "Ben", 10, "Check replicas", by="Ana").task
    change = service.tasks.reassign(incident.id, task.number, "Cy", by="Ana")
    assert change.task.owner == "Cy" and change.task.due_at == task.due_at
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text) == ("task", "Reassigned from Ben to Cy: Check replicas")
    with pytest.raises(InputError, match="T1 is already Cy's"):
        service.tasks.reassign(incident.id, task.number, "cy", by="Ana")


def test_tasks_are_listed_by_check_back_time_with_their_extensions(service, clock, incident):
    late = service.tasks.add(incident.id, "Ben", 30, "late", by="Ana").task
    soon = service.tasks.add(incident.id, "Cy", 5, "soon", by="Ana").task
    tie = service.tasks.add(incident.id, "Dee", 30, "tie", by="Ana").task
    service.tasks.extend(incident.id, soon.id, 10, by="Ana")
    service.tasks.extend(incident.id, soon.id, 20, by="Ana")  # now due 14:35
    service.tasks.extend(incident.id, late.id, 1, by="Ana")  # now due 14:31
    done = service.tasks.add(incident.id, "Eve", 1, "done", by="Ana").task
    service.tasks.done(incident.id, done.id, by="Eve")
    other = service.incidents.declare("Other", by="Ana").incident
    service.tasks.add(other.id, "Zed", 1, "elsewhere", by="Ana")
    tasks = service.read.tasks.all(incident.id)
    assert [t.text for t in tasks] == ["done", "tie", "late", "soon"]
    assert [x.minutes for x in tasks[3].extensions] == [10, 20]
    assert [x.minutes for x in tasks[2].extensions] == [1]
    assert tasks[1].extensions == ()
    assert [t.id for t in service.read.tasks.all(incident.id, open_only=True)] == [
        tie.id, late.id, soon.id
    ]
    assert service.read.tasks.all(99) == []


def test_a_failed_task_change_writes_neither_the_change_nor_its_entry(service, incident):
    task = service.tasks.add(incident.id, "Ben", 10, "Check replicas", by="Ana").task
    service.ledger.execute(
        "CREATE TRIGGER fail_task_entries BEFORE INSERT ON entries WHEN new.kind = 'task' "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        service.tasks.extend(incident.id, task.number, 5, by="Ana")
    with pytest.raises(sqlite3.IntegrityError):
        service.tasks.add(incident.id, "Cy", 5, "another", by="Ana")
    assert service.read.tasks.all(incident.id) == [task]


# -- checklist ticks -------------------------------------------------------------------------


def test_ticks_and_unticks_are_kept_as_history(service, clock, incident):
    label = "Announce the incident on the call"
    change = service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label=label)
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text) == ("action", f"Checked: {label}")
    assert service.read.checklist.state(incident.id) == {
        "ic-during-01": domain.CheckState("ic-during-01", True, "Ana", stamp(clock.now()))
    }
    with pytest.raises(InputError, match=f"{label!r} is already checked"):
        service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label=label)
    clock.advance(minutes=2)
    service.checklist.set(incident.id, "ic-during-01", False, by="Ben", label=label)
    assert last_entry(service, incident.id).text == f"Unchecked: {label}"
    with pytest.raises(InputError, match="is not checked"):
        service.checklist.set(incident.id, "ic-during-01", False, by="Ben", label=label)
    with pytest.raises(InputError, match="is not checked"):
        service.checklist.set(incident.id, "never-ticked", False, by="Ben", label="Other")
    service.checklist.set(incident.id, "ic-during-02", True, by="Ben", label="Second")
    state = service.read.checklist.state(incident.id)
    assert list(state) == ["ic-during-01", "ic-during-02"]
    assert state["ic-during-01"] == domain.CheckState(
        "ic-during-01", False, "Ben", stamp(clock.now())
    )
    history = service.ledger.execute(
        "SELECT item_id, checked, \"by\" FROM checks ORDER BY id"
    ).fetchall()
    assert history == [("ic-during-01", 1, "Ana"), ("ic-during-01", 0, "Ben"),
                       ("ic-during-02", 1, "Ben")]
    other = service.incidents.declare("Other", by="Ana").incident
    assert service.read.checklist.state(other.id) == {}


def test_checklist_ticks_are_append_only(service, incident, where):
    service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label="x")
    conn = connect(where.db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE checks SET checked = 0")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM checks")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute(
                "INSERT INTO checks (incident_id, item_id, checked, \"by\", at) "
                "VALUES (1, 'x', 2, 'Ana', 'now')"
            )
    finally:
        conn.close()
    assert service.read.checklist.state(incident.id)["ic-during-01"].checked


# -- status updates --------------------------------------------------------------------------


def test_updates_are_recorded_per_audience_with_their_entries(service, clock, incident):
    assert service.read.updates.last(incident.id, "executives") is None
    change = service.updates.send(incident.id, "Responders", "Rolling back.\nNext in 15 min.", by="Ana")
    entry = last_entry(service, incident.id)
    assert change.entries == (entry,)
    assert (entry.kind, entry.text) == ("status", "Update to responders: Rolling back.\nNext in 15 min.")
    clock.advance(minutes=5)
    service.updates.send(incident.id, "executives", "Checkout down, ETA unknown", by="Dee")
    assert last_entry(service, incident.id).kind == "comms"
    clock.advance(minutes=5)
    service.updates.send(incident.id, "customers", "We are investigating", by="Dee")
    assert (last_entry(service, incident.id).kind, last_entry(service, incident.id).text) == (
        "comms", "Update to customers: We are investigating"
    )
    clock.advance(minutes=5)
    service.updates.send(incident.id, "executives", "Mitigated", by="Dee")
    updates = service.read.updates.all(incident.id)
    assert [(u.audience, u.by) for u in updates] == [
        ("responders", "Ana"), ("executives", "Dee"), ("customers", "Dee"), ("executives", "Dee")
    ]
    last = service.read.updates.last(incident.id, "executives")
    assert (last.text, last.sent_at) == ("Mitigated", stamp(clock.now()))
    assert last == updates[-1]


@pytest.mark.parametrize("audience, text, message", [
    ("press", "x", "bad audience"),
    ("customers", " \n ", "update text is empty"),
    ("customers", "x" * (domain.MAX_TEXT + 1), "update text is too long"),
])
def test_bad_updates_are_refused_and_write_nothing(service, incident, audience, text, message):
    with pytest.raises(InputError, match=message):
        service.updates.send(incident.id, audience, text, by="Ana")
    assert service.read.updates.all(incident.id) == []
    assert len(service.read.timeline.all(incident.id)) == 1


# -- noticing other writers --------------------------------------------------------------------


def test_data_version_changes_when_another_connection_commits(service, where, clock, incident):
    before = service.read.data_version()
    service.tasks.add(incident.id, "Ben", 5, "ours", by="Ana")
    assert service.read.data_version() == before  # our own commits do not count
    other = IncidentService.open(where.db_path, clock)
    try:
        other.tasks.add(incident.id, "Cy", 5, "theirs", by="Cy")
    finally:
        other.close()
    after = service.read.data_version()
    assert after != before
    assert [t.text for t in service.read.tasks.all(incident.id)] == ["ours", "theirs"]
    assert service.read.data_version() == after


def test_listing_tasks_takes_two_queries_however_many_there_are(service, incident):
    for n in range(20):
        task = service.tasks.add(incident.id, "Ben", 5 + n, f"task {n}", by="Ana").task
        service.tasks.extend(incident.id, task.number, 5, by="Ana")
    statements: list[str] = []
    service.ledger.conn.set_trace_callback(statements.append)
    try:
        tasks = service.read.tasks.all(incident.id)
    finally:
        service.ledger.conn.set_trace_callback(None)
    assert len(tasks) == 20 and all(len(t.extensions) == 1 for t in tasks)
    assert len(statements) == 2


# -- open tasks when the incident is resolved --------------------------------------------------


def test_open_tasks_closed_at_resolve_leave_the_board_each_with_its_entry(service, clock, incident):
    service.tasks.add(incident.id, "Ben", 5, "check replicas", by="Ana")
    second = service.tasks.add(incident.id, "Cy", 5, "page the DBA", by="Ana").task
    service.tasks.add(incident.id, "Dee", 5, "draft the post", by="Ana")
    service.tasks.done(incident.id, second.number, by="Ana")
    clock.advance(minutes=2)
    change = service.tasks.close_open(incident.id, by="Ana")
    assert [e.text for e in change.entries] == [
        "Closed unfinished: T1 check replicas (Ben)", "Closed unfinished: T3 draft the post (Dee)"]
    assert change.entries == tuple(service.read.timeline.all(incident.id)[-2:])
    assert service.read.tasks.all(incident.id, open_only=True) == []
    assert service.read.tasks.get(incident.id, 1).done_at == stamp(clock.now())
    assert service.read.followups.all(incident.id) == []
    with pytest.raises(InputError, match="INC-1 has no open tasks"):
        service.tasks.close_open(incident.id, by="Ana")


def test_open_tasks_handed_to_follow_ups_keep_their_text_and_owner(service, incident):
    service.tasks.add(incident.id, "Ben", 5, "check replicas", by="Ana")
    service.tasks.add(incident.id, "Cy", 5, "page the DBA", by="Ana")
    change = service.tasks.close_open(incident.id, by="Ana", to_followups=True)
    items = service.read.followups.all(incident.id)
    assert [(i.text, i.owner) for i in items] == [("check replicas", "Ben"), ("page the DBA", "Cy")]
    assert [e.text for e in change.entries] == [
        f"Handed to follow-up {items[0].ref}: T1 check replicas (Ben)",
        f"Handed to follow-up {items[1].ref}: T2 page the DBA (Cy)"]
    assert service.read.tasks.all(incident.id, open_only=True) == []
