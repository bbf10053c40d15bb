"""Follow-ups as people type them: due dates in several forms, a new item's incident first,
and the owner, due date and ticket changed (or cleared) one at a time."""

from datetime import date

import pytest

from console import domain
from console.errors import InputError
from console.followups import parse_due, take_incident

TODAY = date(2026, 3, 27)  # a Friday


@pytest.mark.parametrize(
    "typed, due",
    [
        ("2026-04-10", date(2026, 4, 10)),
        (" 2026-04-10 ", date(2026, 4, 10)),
        ("+7d", date(2026, 4, 3)),
        ("7d", date(2026, 4, 3)),
        ("7 days", date(2026, 4, 3)),
        ("in 3 days", date(2026, 3, 30)),
        ("+1 day", date(2026, 3, 28)),
        ("2w", date(2026, 4, 10)),
        ("+1 week", date(2026, 4, 3)),
        ("today", TODAY),
        ("Tomorrow", date(2026, 3, 28)),
        ("mon", date(2026, 3, 30)),
        ("Monday", date(2026, 3, 30)),
        ("fri", date(2026, 4, 3)),  # today is Friday: the next one
        ("thu", date(2026, 4, 2)),
    ],
)
def test_due_dates_as_typed(typed, due):
    assert parse_due(typed, TODAY) == due


@pytest.mark.parametrize("typed", ["", "  ", "-", "none", "None"])
def test_an_empty_due_date_clears_it(typed):
    assert parse_due(typed, TODAY) is None


@pytest.mark.parametrize(
    "typed, fragment",
    [
        ("next sprint", r"\+7d"),
        ("2026-02-30", "no such day"),
        ("2026-4-1", r"\+7d"),
        ("fr", r"\+7d"),  # too short to be a day's name
        ("+1000d", r"\+7d"),
        ("７d", r"\+7d"),  # full-width digits
        (None, r"\+7d"),
    ],
)
def test_bad_due_dates_say_why_in_one_line(typed, fragment):
    with pytest.raises(InputError, match=fragment) as caught:
        parse_due(typed, TODAY)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("INC-2 add a replica-lag alert", (2, "add a replica-lag alert")),
        ("inc-12: runbook for failover", (12, "runbook for failover")),
        ("INC3 page the DBA", (3, "page the DBA")),
        ("add a replica-lag alert", (None, "add a replica-lag alert")),
        ("INCident review", (None, "INCident review")),
        ("  INC-2  ", (2, "")),
    ],
)
def test_a_new_item_may_start_with_its_incident(typed, expected):
    assert take_incident(typed) == expected


def test_inc_0_is_no_incident():
    with pytest.raises(InputError, match="bad incident reference"):
        take_incident("INC-0 nothing")


def test_owner_due_and_ticket_change_one_at_a_time_and_clear(service):
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    item = service.followups.add(incident.id, "add a replica-lag alert", by="Ana")
    assert (item.owner, item.due_on, item.ticket) == (None, None, None)
    item = service.followups.update(item.id, owner="Dee", by="Ana")
    item = service.followups.update(item.id, due_on=parse_due("+7d", TODAY), by="Ana")
    item = service.followups.update(item.id, ticket="OPS-123", by="Ana")
    assert (item.owner, item.due_on, item.ticket) == ("Dee", "2026-04-03", "OPS-123")
    item = service.followups.update(item.id, due_on=parse_due("", TODAY), by="Ana")
    assert (item.owner, item.due_on, item.ticket) == ("Dee", None, "OPS-123")
    item = service.followups.update(item.id, owner=" ", by="Ana")
    assert item.owner is None
    with pytest.raises(InputError, match="ticket is too long"):
        service.followups.update(item.id, ticket="x" * (domain.MAX_TICKET + 1), by="Ana")
    assert service.read.followups.get(item.id).ticket == "OPS-123"


@pytest.mark.parametrize("typed, clears", [("", True), (" - ", True), ("None", True), ("Dee", False), ("--", False)])
def test_a_dash_or_none_clears_a_field(typed, clears):
    from console.followups import cleared

    assert cleared(typed) is clears
