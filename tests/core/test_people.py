"""The people directory's core: adding and updating people (all or none, never twice), the
reads other features use (look-up by name, handle, e-mail; a person's e-mail), and the
directory shared by a team's consoles through the op log."""

from datetime import datetime, timedelta, timezone

import pytest

from console.errors import InputError
from console.people import Person, uid_for
from tests.conftest import FakeClock
from tests.core.test_ops import replicas  # noqa: F401 - the fixture
from tests.team.memory_exchange import MemoryExchange

ANA = {"name": "Ana Alvarez", "email": "ana@example.com", "handle": "@ana", "team": "payments",
       "on_call": "yes", "phone": "+44 20 7946 0001"}
BEN = {"name": "Ben Okafor", "email": "ben@example.com", "handle": "ben", "team": "database", "on_call": "no"}


def people_rows(service) -> list[tuple]:
    return service.ledger.execute("SELECT * FROM people ORDER BY id").fetchall()


def test_people_are_added_then_updated_never_twice(service):
    first = service.people.put([ANA, BEN])
    assert [p.name for p in first.added] == ["Ana Alvarez", "Ben Okafor"] and first.text == "2 added, 0 updated, 0 unchanged"
    ana = service.read.people.by_name("ana alvarez")
    assert ana == Person(uid_for({"email": "ana@example.com"}), "Ana Alvarez", "ana@example.com", "ana",
                         "payments", True, "+44 20 7946 0001")
    # The same file again: nothing changes, no op is recorded.
    ops = service.ledger.execute("SELECT count(*) FROM ops").fetchone()[0]
    again = service.people.put([ANA, BEN])
    assert again.text == "0 added, 0 updated, 2 unchanged"
    assert service.ledger.execute("SELECT count(*) FROM ops").fetchone()[0] == ops
    # Matched on e-mail (the name changed), then on name (no e-mail given): updated in place.
    moved = service.people.put([{**ANA, "name": "Ana Alvarez-Ruiz", "on_call": "no"},
                                {"name": "Ben Okafor", "team": "storage"}])
    assert moved.text == "0 added, 2 updated, 0 unchanged"
    assert [(p.name, p.team, p.on_call, p.email) for p in service.read.people.all()] == [
        ("Ana Alvarez-Ruiz", "payments", False, "ana@example.com"),
        ("Ben Okafor", "storage", False, "ben@example.com")]  # a field not given keeps its value
    assert len(people_rows(service)) == 2


def test_a_person_with_the_same_name_but_another_address_is_someone_else(service):
    service.people.put([{"name": "Sam Lee", "email": "sam@payments.example"}])
    service.people.put([{"name": "Sam Lee", "email": "sam.lee@db.example"}])
    assert [p.email for p in service.read.people.all()] == ["sam@payments.example", "sam.lee@db.example"]
    # A name on its own updates the first of that name; an address given later is kept.
    service.people.put([{"name": "Cy"}])
    service.people.put([{"name": "Cy", "email": "cy@example.com"}])
    assert service.read.people.by_name("Cy").email == "cy@example.com" and service.read.people.count() == 3


@pytest.mark.parametrize("row, message", [
    ({"email": "x@example.com"}, "person 2: the name is missing"),
    ({"name": "  "}, "person 2: name is empty"),
    ({"name": "x" * 101}, "person 2: name is too long"),
    ({"name": "Dee", "email": "dee.example.com"}, "person 2: e-mail 'dee.example.com' is not an address"),
    ({"name": "Dee", "email": "dee@localhost"}, "is not an address"),
    ({"name": "Dee", "handle": "dee patel"}, "person 2: chat handle 'dee patel' is not one word"),
    ({"name": "Dee", "on_call": "maybe"}, "person 2: on call 'maybe' is not yes or no"),
    ({"name": "Dee", "pager": "123"}, "person 2: unknown field 'pager'"),
    ({"name": "Ana", "email": "ANA@example.com"}, "person 2: ana@example.com is also person 1"),
])
def test_one_bad_person_refuses_the_whole_import(service, row, message):
    service.people.put([BEN])
    before = people_rows(service)
    with pytest.raises(InputError) as refused:
        service.people.put([ANA, row])
    assert message in str(refused.value)
    assert people_rows(service) == before


def test_the_reads_other_features_use(service):
    service.people.put([ANA, BEN, {"name": "Cy Chen", "handle": "cy", "team": "payments", "on_call": "1"}])
    read = service.read.people
    assert read.lookup("@ana").name == read.lookup("ANA@example.com").name == read.lookup("ana alvarez").name == "Ana Alvarez"
    assert read.lookup("nobody") is None and read.lookup("") is None
    assert read.email_of("Ana Alvarez") == read.email_of("ana") == "ana@example.com"
    assert read.email_of("Cy Chen") is None and read.email_of("Nobody") is None
    assert [p.name for p in read.find("pay")] == ["Ana Alvarez", "Cy Chen"]
    assert [p.name for p in read.find("payments cy")] == ["Cy Chen"]
    assert [p.name for p in read.find("payments", on_call=True)] == ["Ana Alvarez", "Cy Chen"]
    assert [p.name for p in read.find("ben")] == ["Ben Okafor"]
    assert [p.name for p in read.find("")] == ["Ana Alvarez", "Ben Okafor", "Cy Chen"]
    assert [(p.team, p.name) for p in read.on_call()] == [("payments", "Ana Alvarez"), ("payments", "Cy Chen")]
    assert read.teams() == ["database", "payments"]
    assert read.by_handle("@CY").name == "Cy Chen"
    assert read.lookup("Ana Alvarez").summary == "Ana Alvarez (payments, on call) @ana ana@example.com +44 20 7946 0001"


def test_the_directory_is_shared_by_a_team_and_the_newest_change_wins(replicas):  # noqa: F811
    start = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
    ana, ben = replicas("ana", start), replicas("ben", start + timedelta(seconds=5))
    exchange = MemoryExchange()
    ana.people.put([ANA, {"name": "Dee"}])
    ben.people.put([{**ANA, "team": "checkout"}])  # the same person, added apart, later
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    exchange.sync("ana", ana)
    for console in (ana, ben):
        assert [(p.name, p.team) for p in console.read.people.all()] == [("Ana Alvarez", "checkout"), ("Dee", None)]
        assert console.sync.held() == 0
    ops = ana.ledger.execute("SELECT incident FROM ops WHERE verb = 'people.put'").fetchall()
    assert ops == [(None,), (None,)]  # the directory belongs to no incident


def test_an_older_change_arriving_later_does_not_undo_a_newer_one(tmp_path):
    from console.service import IncidentService

    start = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
    early = IncidentService.open(tmp_path / "early.sqlite3", FakeClock(start))
    late = IncidentService.open(tmp_path / "late.sqlite3", FakeClock(start + timedelta(minutes=1)))
    try:
        early.people.put([{**ANA, "on_call": "no"}])
        late.people.put([ANA])
        late.sync.apply(early.sync.outgoing())
        assert late.read.people.by_name("Ana Alvarez").on_call is True
    finally:
        early.close()
        late.close()


def test_completion_offers_the_incident_then_the_directory_and_teams_for_page(service):
    from console.commands import Language

    service.people.put([ANA, BEN, {"name": "ana", "team": "x"}])  # "ana": the incident's "Ana", any case
    names, notes = service.read.people.completion({"Cy", "Ana"})
    assert names == ["Ana", "Cy", "Ana Alvarez", "Ben Okafor"]  # "ana" is "Ana" already, once
    assert notes == {"Ana Alvarez": "payments, on call", "Ben Okafor": "database", "ana": "x"}
    language = Language.default()
    assert language.complete("/sme an", names) == ["/sme Ana", "/sme Ana Alvarez"]
    assert language.complete("/page d", names, service.read.people.teams()) == ["/page database"]
    assert language.complete("/page ", names, ["database", "payments"]) == ["/page database", "/page payments"]
    assert language.complete("/page d", names) == []  # no directory, no teams


def test_the_language_reads_a_kind_prefix_and_nothing_else(service):
    from console.commands import Language

    language = Language.default()
    assert language.entry_kind("d: roll back 4121") == ("decision", "roll back 4121")
    assert language.entry_kind("F: db-2 lags") == ("finding", "db-2 lags")
    assert language.entry_kind("/sev 1") == ("note", "/sev 1")
    assert language.entry_kind("@14:02 the time stays text") == ("note", "@14:02 the time stays text")
    assert language.entry_kind("d:") == ("note", "d:")
    assert language.entry_kind("http://x") == ("note", "http://x")


def test_completion_reads_the_directory_again_only_when_it_changed(tmp_path):
    from console.service import IncidentService

    start = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
    early = IncidentService.open(tmp_path / "early.sqlite3", FakeClock(start))
    late = IncidentService.open(tmp_path / "late.sqlite3", FakeClock(start + timedelta(minutes=1)))
    try:
        early.people.put([{"name": "Ben Okafor", "team": "database"}])
        late.people.put([{"name": "Ben Okafor", "team": "storage"}, ANA])
        read = late.read.people
        assert read.completion(())[1] == {"Ana Alvarez": "payments, on call", "Ben Okafor": "storage"}
        first = read._cached
        assert read.completion(())[1] and read._cached is first  # nothing changed: not read again
        # An older op from elsewhere that changes nothing here (newer wins), then one that adds.
        late.sync.apply(early.sync.outgoing())
        assert read.completion(())[1]["Ben Okafor"] == "storage"
        early.people.put([{"name": "Cy Chen", "on_call": "yes"}])  # older clock, new person
        late.sync.apply(early.sync.outgoing())
        assert read.completion(())[0] == ["Ana Alvarez", "Ben Okafor", "Cy Chen"]
        assert read.completion(())[1]["Cy Chen"] == "on call"
    finally:
        early.close()
        late.close()
