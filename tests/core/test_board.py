"""The board's reasoning: role warnings, cadences, callouts, prompts, live-message rules."""

from datetime import timedelta

import pytest

from console import board, times
from console.process import load_process


@pytest.fixture(scope="module")
def process():
    return load_process()


def texts(warnings):
    return [w.text for w in warnings]


def test_role_warnings(service, clock, process):
    incident = service.incidents.declare("x", by="Ana", severity=1).incident
    roles = service.read.roster.all(incident.id)
    first = board.role_warnings(process, incident, roles, clock.now())
    assert first[0].level == "strong" and "Nobody is Incident Commander" in first[0].text
    assert any("No Deputy yet: SEV-1 needs one." == t for t in texts(first))
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    service.roster.assign(incident.id, "scribe", "ana", by="Ana")
    for role, person in (("deputy", "Ben"), ("sme", "Dee"), ("cl", "Eve"), ("il", "Fay")):
        service.roster.assign(incident.id, role, person, by="Ana")
    roles = service.read.roster.all(incident.id)
    now = clock.now()
    assert texts(board.role_warnings(process, incident, roles, now)) == [
        "Ana is IC and also Scribe: the IC holds no other role."]
    service.roster.assign(incident.id, "scribe", "Gus", by="Ana")
    roles = service.read.roster.all(incident.id)
    assert board.role_warnings(process, incident, roles, now) == []
    hour = board.role_warnings(process, incident, roles, now + timedelta(minutes=61))
    assert [w.level for w in hour] == ["suggest"] and "Ana has been IC for 1h 01m" in hour[0].text
    three = board.role_warnings(process, incident, roles, now + timedelta(hours=3))
    assert [w.level for w in three] == ["strong"]


def test_lower_severities_need_fewer_roles(service, clock, process):
    incident = service.incidents.declare("x", by="Ana", severity=4).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    roles = service.read.roster.all(incident.id)
    assert board.role_warnings(process, incident, roles, clock.now()) == []


def test_elapsed_marks_every_ten_minutes_for_major_incidents(service, clock, process):
    incident = service.incidents.declare("x", by="Ana", severity=2).incident
    start = times.from_text(incident.declared_at)
    assert board.elapsed_marks(process, incident, start + timedelta(minutes=9)) == (0, start + timedelta(minutes=10))
    assert board.elapsed_marks(process, incident, start + timedelta(minutes=25)) == (2, start + timedelta(minutes=30))
    minor = service.incidents.declare("y", by="Ana", severity=4).incident
    assert board.elapsed_marks(process, minor, start) == (0, None)


def test_updates_due_follow_the_severity_cadence(service, clock, process):
    incident = service.incidents.declare("x", by="Ana", severity=1).incident
    start = times.from_text(incident.declared_at)
    cadence = process.severity(1)["cadence"]
    due = {d.audience: d for d in board.updates_due(process, incident, {})}
    assert due["customers"].due_at == start + timedelta(minutes=cadence["customers"])
    sent = times.to_text(start + timedelta(minutes=12))
    due = {d.audience: d for d in board.updates_due(process, incident, {"executives": sent})}
    assert due["executives"].due_at == start + timedelta(minutes=12 + cadence["executives"])
    minor = service.incidents.declare("y", by="Ana", severity=5).incident
    assert all(d.due_at is None for d in board.updates_due(process, minor, {}))


def test_prompts_for_a_moment(process):
    before = board.prompts_for(process, "before_decision")
    assert any("strong" in p["text"].lower() for p in before)
    assert all(p["audience"] == "ic" for p in before)
    closing = board.prompts_for(process, "at_close", ("ic", "scribe"))
    assert {p["audience"] for p in closing} == {"ic", "scribe"}


def test_checklists_and_progress(process):
    during = board.checklists_for(process, "ic", "during", security=False)
    assert [c["id"] for c in during] == ["ic-during"]
    assert "security" in [c["id"] for c in board.checklists_for(process, "ic", "during", security=True)]
    items = during[0]["items"]
    done, total, upcoming = board.progress(items, {items[0]["id"], items[1]["id"]})
    assert (done, total, upcoming["id"]) == (2, 23, items[2]["id"])
    assert board.checklist_item(process, items[5]["id"])["text"] == items[5]["text"]


def test_templates_fill_what_they_know(process):
    body = process.by_id("update_templates", "responders-status")["body"]
    filled = board.fill_template(body, {"ref": "INC-3", "title": "Checkout", "severity": "SEV-1"})
    assert filled.startswith("Status update, INC-3 Checkout.")
    assert "{ic}" in filled  # unknown values stay visible


def test_a_moment_s_prompts_hold_only_while_what_they_speak_to_is_so(service, clock):
    incident = service.incidents.declare("x", by="Ana", severity=2).incident
    assert board.moment_holds("on_join", incident, commander=None, overdue=0)
    assert not board.moment_holds("on_join", incident, commander="Ana", overdue=0)
    assert board.moment_holds("timer_expired", incident, commander="Ana", overdue=1)
    assert not board.moment_holds("timer_expired", incident, commander="Ana", overdue=0)
    assert board.moment_holds("before_decision", incident, commander="Ana", overdue=0)
    assert not board.moment_holds("at_close", incident, commander="Ana", overdue=0)
    resolved = service.incidents.set_status(incident.id, "resolved", by="Ana").incident
    assert board.moment_holds("at_close", resolved, commander="Ana", overdue=0)
    for moment in ("on_join", "timer_expired", "before_decision", "on_assign", "lull"):
        assert not board.moment_holds(moment, resolved, commander=None, overdue=2)


def test_the_record_clock_stops_at_resolve_and_runs_again_on_reopen(service, clock):
    incident = service.incidents.declare("x", by="Ana", severity=2).incident
    record = board.RecordClock(clock)
    record.follow(incident)
    clock.advance(minutes=5)
    assert record.now() == clock.now()
    resolved = service.incidents.set_status(incident.id, "resolved", by="Ana").incident
    record.follow(resolved)
    at_resolve = clock.now()
    clock.advance(minutes=30)
    assert record.now() == at_resolve
    reopened = service.incidents.set_status(incident.id, "active", by="Ana").incident
    record.follow(reopened)
    assert record.now() == clock.now()
