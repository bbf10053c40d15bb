"""Operations on incidents: each change and its timeline entry commit together."""

import sqlite3
from datetime import timedelta

import pytest

from console import times
from console.errors import InputError, NotFound


def kinds_and_texts(service, incident_id):
    return [(e.kind, e.text) for e in service.read.timeline.all(incident_id)]


def test_declare_writes_the_incident_and_its_first_entry(service, clock):
    change = service.incidents.declare("Checkout returns errors", by="Ana", severity=2)
    incident = change.incident
    assert incident.ref == "INC-1"
    assert (incident.severity, incident.status) == (2, "active")
    assert incident.started_at == incident.declared_at == times.to_text(clock.now())
    assert kinds_and_texts(service, incident.id) == [
        ("status", "Incident declared: Checkout returns errors (SEV-2)")
    ]
    assert change.entries[0].author == "Ana"


def test_impact_start_can_be_back_dated_but_not_after_declaration(service, clock):
    earlier = clock.now() - timedelta(minutes=20)
    incident = service.incidents.declare("x", by="Ana", started_at=earlier).incident
    assert incident.started_at == times.to_text(earlier)
    with pytest.raises(InputError, match="after the declaration"):
        service.incidents.declare("y", by="Ana", started_at=clock.now() + timedelta(minutes=1))
    assert len(service.read.incidents.all()) == 1


def test_severity_is_optional_at_declaration(service):
    incident = service.incidents.declare("Unclear yet", by="Ana", security=True, drill=True).incident
    assert incident.severity is None and incident.security and incident.drill
    assert "severity not set, security, drill" in service.read.timeline.all(incident.id)[0].text


def test_log_sets_recorded_at_itself_and_allows_back_dating(service, clock):
    incident = service.incidents.declare("x", by="Ana").incident
    clock.advance(minutes=5)
    back = clock.now() - timedelta(minutes=3)
    entry = service.timeline.log(incident.id, "db-2 restarted", by="Ben", kind="action", occurred_at=back).entries[0]
    assert entry.occurred_at == times.to_text(back)
    assert entry.recorded_at == times.to_text(clock.now())
    late = service.timeline.log(incident.id, "earlier finding", by="Ben", kind="finding",
                                occurred_at=clock.now() - timedelta(minutes=4)).entries[0]
    order = [e.id for e in service.read.timeline.all(incident.id)]
    assert order.index(late.id) < order.index(entry.id)


def test_a_resent_note_is_recorded_once(service):
    incident = service.incidents.declare("x", by="Ana").incident
    first = service.timeline.log(incident.id, "hello", by="Ana", uid="abc").entries[0]
    written = [service.ledger.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
               for table in ("ops", "chain_links", "entries")]
    again = service.timeline.log(incident.id, "hello", by="Ana", uid="abc")
    assert again.entries == (first,) and again.incident == service.read.incidents.get(incident.id)
    assert len(service.read.timeline.all(incident.id)) == 2
    # The resend's insert was refused and its transaction rolled back: no op, no link.
    assert [service.ledger.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("ops", "chain_links", "entries")] == written


def test_unknown_incidents_and_kinds_are_refused(service):
    with pytest.raises(NotFound, match="no incident INC-4"):
        service.timeline.log(4, "x", by="Ana")
    incident = service.incidents.declare("x", by="Ana").incident
    with pytest.raises(InputError, match="bad entry kind"):
        service.timeline.log(incident.id, "x", by="Ana", kind="gossip")


def test_severity_and_status_changes_are_audited(service, clock):
    incident = service.incidents.declare("x", by="Ana", severity=3).incident
    clock.advance(minutes=10)
    service.incidents.set_severity(incident.id, 1, by="Ana")
    with pytest.raises(InputError, match="already SEV-1"):
        service.incidents.set_severity(incident.id, 1, by="Ana")
    clock.advance(minutes=10)
    mitigated = service.incidents.set_status(incident.id, "mitigated", by="Ana").incident
    assert mitigated.mitigated_at == times.to_text(clock.now())
    clock.advance(minutes=10)
    resolved = service.incidents.set_status(incident.id, "resolved", by="Ana").incident
    assert resolved.resolved_at == times.to_text(clock.now())
    assert resolved.mitigated_at == mitigated.mitigated_at
    reopened = service.incidents.set_status(incident.id, "active", by="Ana").incident
    assert reopened.resolved_at is None and reopened.mitigated_at is None
    assert kinds_and_texts(service, incident.id)[1:] == [
        ("severity", "Severity SEV-3 -> SEV-1"),
        ("status", "Status active -> mitigated"),
        ("status", "Status mitigated -> resolved"),
        ("status", "Reopened: resolved -> active"),
    ]


def test_resolving_without_mitigating_marks_both(service, clock):
    incident = service.incidents.declare("x", by="Ana").incident
    clock.advance(minutes=3)
    resolved = service.incidents.set_status(incident.id, "resolved", by="Ana").incident
    assert resolved.mitigated_at == resolved.resolved_at == times.to_text(clock.now())


def test_status_time_before_impact_start_is_refused(service, clock):
    incident = service.incidents.declare("x", by="Ana").incident
    with pytest.raises(InputError, match="before the impact started"):
        service.incidents.set_status(incident.id, "mitigated", by="Ana", at=clock.now() - timedelta(hours=1))
    assert service.read.incidents.get(incident.id).status == "active"


def test_roles_keep_their_history_and_ic_changes_are_handovers(service, clock):
    incident = service.incidents.declare("x", by="Ana").incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    service.roster.assign(incident.id, "deputy", "Ben", by="Ana")
    service.roster.assign(incident.id, "deputy", "Cy", by="Ana")
    service.roster.assign(incident.id, "cl", "Dee", by="Ana")
    clock.advance(minutes=50)
    service.roster.assign(incident.id, "ic", "Ben", by="Ana")
    with pytest.raises(InputError, match="already Incident Commander"):
        service.roster.assign(incident.id, "ic", "ben", by="Ana")
    service.roster.relieve(incident.id, "deputy", "Cy", by="Ben")
    with pytest.raises(InputError, match="does not hold"):
        service.roster.relieve(incident.id, "sme", "Cy", by="Ben")
    history = [(a.role, a.person, a.to_at is None) for a in service.read.roster.all(incident.id)]
    assert history == [
        ("ic", "Ana", False), ("deputy", "Ben", True), ("deputy", "Cy", False),
        ("customer_liaison", "Dee", True), ("ic", "Ben", True),
    ]
    current = {(a.role, a.person) for a in service.read.roster.current(incident.id)}
    assert current == {("ic", "Ben"), ("deputy", "Ben"), ("customer_liaison", "Dee")}
    assert kinds_and_texts(service, incident.id)[1:] == [
        ("handover", "Ana is Incident Commander"),
        ("roster", "Deputy: Ben"),
        ("roster", "Deputy: Cy"),
        ("roster", "Customer Liaison: Dee"),
        ("handover", "Command passed from Ana to Ben"),
        ("roster", "Cy is no longer Deputy"),
    ]


def test_a_failed_change_writes_neither_the_change_nor_its_entry(service, where):
    incident = service.incidents.declare("x", by="Ana").incident
    # Make the timeline insert fail inside the transaction: the severity must not change.
    service.ledger.execute(
        "CREATE TRIGGER fail_severity_entries BEFORE INSERT ON entries WHEN new.kind = 'severity' "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        service.incidents.set_severity(incident.id, 1, by="Ana")
    assert service.read.incidents.get(incident.id).severity is None


def test_entries_can_never_be_changed_or_deleted(service):
    incident = service.incidents.declare("x", by="Ana").incident
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        service.ledger.execute("UPDATE entries SET text = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        service.ledger.execute("DELETE FROM entries")
    assert service.read.timeline.count(incident.id) == 1


def test_timeline_pages_come_from_the_newest_end(service, clock):
    incident = service.incidents.declare("x", by="Ana").incident
    for i in range(25):
        clock.advance(seconds=1)
        service.timeline.log(incident.id, f"note {i}", by="Ana")
    newest = service.read.timeline.page(incident.id, limit=10)
    assert [e.text for e in newest] == [f"note {i}" for i in range(15, 25)]
    older = service.read.timeline.page(incident.id, before=newest[0].sort_key, limit=10)
    assert [e.text for e in older] == [f"note {i}" for i in range(5, 15)]
    oldest = service.read.timeline.page(incident.id, before=older[0].sort_key, limit=10)
    assert len(oldest) == 6 and oldest[0].kind == "status"
