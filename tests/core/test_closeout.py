"""Closing out in the core: the post-mortem owner holds the process's owner role, and an
acknowledgement typed for the owner keeps who typed it and for whom."""

import sqlite3
from datetime import date

import pytest

from console import migrations
from console.errors import InputError
from console.service import IncidentService
from console.vocabulary import POSTMORTEM_OWNER


@pytest.fixture
def incident(service):
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    service.roster.assign(incident.id, "scribe", "Sam", by="Ana")
    service.postmortem.name_owner(incident.id, "Dee", date(2026, 4, 5), by="Ana")
    return incident


def last_entry(service, incident):
    return service.read.timeline.all(incident.id)[-1]


def test_an_acknowledgement_typed_for_the_owner_names_both(service, incident, where):
    service.roster.hold(incident.id, POSTMORTEM_OWNER, "Dee", by="Ana")
    record = service.postmortem.acknowledge(incident.id, by="Sam", on_behalf_of="dee")
    assert (record.owner, record.ack_typed_by) == ("Dee", "Sam")
    assert record.acknowledged_at == "2026-03-29T14:00:00.000Z"
    entry = last_entry(service, incident)
    assert entry.author == "Sam"
    assert entry.text == "Sam (Scribe) for Dee (Owner): acknowledged the postmortem, due 2026-04-05"
    conn = sqlite3.connect(where.db_path)
    try:
        assert conn.execute("SELECT owner, ack_typed_by FROM postmortems").fetchall() == [("Dee", "Sam")]
    finally:
        conn.close()


def test_a_person_without_a_role_is_named_plainly(service, incident):
    service.postmortem.acknowledge(incident.id, by="Kim", on_behalf_of="Dee")
    assert last_entry(service, incident).text == "Kim for Dee: acknowledged the postmortem, due 2026-04-05"


def test_the_owner_typing_it_is_not_on_anyones_behalf(service, incident):
    record = service.postmortem.acknowledge(incident.id, by="Dee")
    assert record.ack_typed_by is None
    assert last_entry(service, incident).text == "Postmortem owner Dee acknowledged"
    assert last_entry(service, incident).author == "Dee"


def test_only_for_the_owner_and_only_once(service, incident, where):
    with pytest.raises(InputError, match=r"only the postmortem owner \(Dee\)"):
        service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="Eve")
    with pytest.raises(InputError, match="postmortem owner is empty"):
        service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="  ")
    assert service.read.postmortem.record(incident.id).acknowledged_at is None
    service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="Dee")
    with pytest.raises(InputError, match="already acknowledged"):
        service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="Dee")


def test_naming_someone_new_clears_the_acknowledgement_and_who_typed_it(service, incident):
    service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="Dee")
    record = service.postmortem.name_owner(incident.id, "Eve", date(2026, 4, 6), by="Ana")
    assert (record.acknowledged_at, record.ack_typed_by) == (None, None)
    # Same owner, new deadline: the acknowledgement and its typist stay.
    service.postmortem.acknowledge(incident.id, by="Ana", on_behalf_of="Eve")
    record = service.postmortem.name_owner(incident.id, "Eve", date(2026, 4, 7), by="Ana")
    assert record.ack_typed_by == "Ana" and record.acknowledged_at is not None


def test_hold_assigns_once_and_then_writes_nothing(service, incident):
    change = service.roster.hold(incident.id, POSTMORTEM_OWNER, "Dee", by="Ana")
    assert change is not None and change.roles_changed
    assert change.entries[0].text == "Postmortem Owner: Dee"
    count = len(service.read.timeline.all(incident.id))
    assert service.roster.hold(incident.id, POSTMORTEM_OWNER, "dee", by="Ana") is None
    assert len(service.read.timeline.all(incident.id)) == count
    # A new owner replaces the old one (the role has max 1).
    change = service.roster.hold(incident.id, POSTMORTEM_OWNER, "Eve", by="Ana")
    assert change.entries[0].text == "Postmortem Owner: Eve (was Dee)"
    holders = [a.person for a in service.read.roster.current(incident.id) if a.role == POSTMORTEM_OWNER]
    assert holders == ["Eve"]


def test_the_shipped_process_has_the_owner_role(service):
    assert service.vocabulary.role_by_id(POSTMORTEM_OWNER) is not None


def test_a_file_from_before_the_column_migrates_with_its_acknowledgement(where, clock):
    """A file made by migrations 0001-0005, with an acknowledged post-mortem, opens at 0006."""
    import sqlite_utils

    from console.store import MIGRATION_SET, connect

    conn = connect(where.db_path)
    before = sqlite_utils.Migrations(MIGRATION_SET)
    for name, fn in migrations.MIGRATIONS[:5]:
        before(name=name)(fn)
    before.apply(sqlite_utils.Database(conn, execute_plugins=False))
    conn.execute("INSERT INTO incidents (title, started_at, declared_at) VALUES ('old', 'x', 'x')")
    conn.execute("INSERT INTO postmortems (incident_id, owner, deadline, acknowledged_at) "
                 "VALUES (1, 'Dee', '2026-04-05', '2026-03-29T14:00:00.000Z')")
    conn.commit()
    conn.close()
    service = IncidentService.open(where.db_path, clock)
    try:
        record = service.read.postmortem.record(1)
    finally:
        service.close()
    assert (record.owner, record.acknowledged_at, record.ack_typed_by) == ("Dee", "2026-03-29T14:00:00.000Z", None)
