"""The post-mortem meeting: its deadline from the real process, the invitation, the reminder.

Deadlines are computed from the bundled process (data/severities.yaml), so a change to the
numbers there shows up here. Invitations are read back with the `icalendar` library, which the
app itself does not use: it checks the hand-written RFC 5545 against an independent parser.
"""

from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest

from console import meeting
from console.errors import InputError
from console.process import load_process

NEW_YEAR_2027 = frozenset({date(2027, 1, 1)})


@pytest.fixture(scope="module")
def process():
    return load_process()


# --- when the meeting is due -----------------------------------------------------------------

def test_the_process_says_three_calendar_days_for_sev1_and_five_business_days_for_sev2(process):
    assert process.severity(1)["postmortem"] == {
        "required": True, "meeting_within": 3, "day_kind": "calendar"}
    assert process.severity(2)["postmortem"] == {
        "required": True, "meeting_within": 5, "day_kind": "business"}


def test_sev2_skips_the_weekend(process):
    friday = date(2026, 11, 27)
    assert friday.weekday() == 4
    # Mon 30, Tue 1, Wed 2, Thu 3, Fri 4.
    assert meeting.meeting_due(process, 2, friday) == date(2026, 12, 4)
    # Resolved on a Saturday: day 0 is the Saturday, the count starts on Monday.
    assert meeting.meeting_due(process, 2, date(2026, 11, 28)) == date(2026, 12, 4)
    # Resolved on a Monday: Tue to Fri, then the next Monday.
    assert meeting.meeting_due(process, 2, date(2026, 11, 30)) == date(2026, 12, 7)


def test_sev2_over_the_year_end_skips_a_configured_new_years_day(process):
    new_years_eve = date(2026, 12, 31)
    assert new_years_eve.weekday() == 3  # a Thursday; 1 January 2027 is a Friday
    # Without holidays: Fri 1, Mon 4, Tue 5, Wed 6, Thu 7.
    assert meeting.meeting_due(process, 2, new_years_eve) == date(2027, 1, 7)
    # New Year's Day configured: Mon 4 to Fri 8.
    due = meeting.meeting_due(process, 2, new_years_eve, holidays=NEW_YEAR_2027)
    assert due == date(2027, 1, 8)


def test_sev2_declared_on_a_friday_new_years_eve_with_the_monday_off(process):
    # 31 December 2027 is a Friday; 1 January 2028 a Saturday, so the holiday moves to Monday 3.
    holidays = meeting.holidays_from("2028-01-03  # New Year's Day (observed)\n")
    # Tue 4, Wed 5, Thu 6, Fri 7, Mon 10.
    due = meeting.meeting_due(process, 2, date(2027, 12, 31), holidays=holidays)
    assert due == date(2028, 1, 10)
    assert meeting.meeting_due(process, 2, date(2027, 12, 31)) == date(2028, 1, 7)


def test_a_business_deadline_never_lands_on_a_weekend_or_holiday(process):
    holidays = frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28)})
    start = date(2026, 11, 1)
    for offset in range(80):
        due = meeting.meeting_due(process, 2, start + timedelta(days=offset), holidays=holidays)
        assert due.weekday() < 5 and due not in holidays


def test_sev1_counts_calendar_days_across_a_month_and_a_year_end(process):
    assert meeting.meeting_due(process, 1, date(2026, 11, 29)) == date(2026, 12, 2)
    assert meeting.meeting_due(process, 1, date(2026, 12, 30)) == date(2027, 1, 2)
    assert meeting.meeting_due(process, 1, date(2028, 2, 27)) == date(2028, 3, 1)  # leap year


def test_a_sev1_deadline_on_a_weekend_or_holiday_stays_there(process):
    due = meeting.meeting_due(process, 1, date(2026, 12, 29), holidays=NEW_YEAR_2027)
    assert due == date(2027, 1, 1)  # a holiday: calendar days, so it stays
    due = meeting.meeting_due(process, 1, date(2026, 11, 25))
    assert due == date(2026, 11, 28) and due.weekday() == 5  # a Saturday


@pytest.mark.parametrize("level", [3, 4, 5])
def test_no_meeting_is_required_below_sev2(process, level):
    assert meeting.meeting_due(process, level, date(2026, 11, 27)) is None


def test_an_unknown_severity_is_refused(process):
    with pytest.raises(InputError, match="severity 9"):
        meeting.meeting_due(process, 9, date(2026, 11, 27))


def test_the_deadline_counts_from_resolution_else_declaration_on_the_organisations_calendar():
    assert meeting.counting_day(
        declared_at="2026-11-27T09:00:00.000Z", resolved_at="2026-11-30T10:00:00.000Z"
    ) == date(2026, 11, 30)
    assert meeting.counting_day(
        declared_at="2026-11-27T09:00:00.000Z", resolved_at=None
    ) == date(2026, 11, 27)
    # 23:30 UTC on New Year's Eve is already New Year's Day an hour east of Greenwich.
    assert meeting.counting_day(
        declared_at="2026-12-31T20:00:00.000Z", resolved_at="2026-12-31T23:30:00.000Z",
        tz=timezone(timedelta(hours=1)),
    ) == date(2027, 1, 1)


# --- the holiday list ------------------------------------------------------------------------

def test_holidays_are_read_one_iso_date_a_line_with_comments():
    text = (
        "# Elimu Informatics - public holidays\n"
        "\n"
        "2026-12-25   # Christmas Day\n"
        "  2026-12-26\n"
        "2027-01-01 # New Year's Day\r\n"
        "   # an indented comment\n"
    )
    assert meeting.holidays_from(text) == frozenset(
        {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)})
    assert meeting.holidays_from("") == frozenset()


def test_a_line_that_is_not_a_date_is_refused_naming_the_line():
    with pytest.raises(InputError, match=r"holidays.txt:3: '25/12/2026' is not a date"):
        meeting.holidays_from("2026-12-24\n\n25/12/2026\n", source="holidays.txt")


# --- the invitation --------------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 15, 30, 5, 123456, tzinfo=timezone.utc)
START = datetime(2026, 12, 1, 15, 0, tzinfo=timezone(timedelta(hours=1)))  # 14:00 UTC
DESCRIPTION = (
    'Post-mortem of INC-7, "checkout down"; see C:\\runbooks\\db\nAgenda: timeline, impact'
)


def invitation(**changes) -> str:
    arguments = dict(
        uid="postmortem-INC-7@incident-console", title="Post-mortem: INC-7 checkout down",
        start=START, organizer="ana.lima@example.org",
        attendees=[("Lima, Ana", "ana.lima@example.org"), ("Ben Okafor", None),
                   ('Chen "CJ" Jun', "cj@example.org")],
        description=DESCRIPTION, now=NOW,
    )
    arguments.update(changes)
    return meeting.ics_invitation(**arguments)


def the_event(text: str):
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0" and "Incident Console" in calendar["PRODID"]
    (event,) = calendar.walk("VEVENT")
    return event


def test_the_invitation_reads_back_with_utc_times_and_every_attendee():
    event = the_event(invitation())
    assert str(event["UID"]) == "postmortem-INC-7@incident-console"
    assert event["DTSTAMP"].dt == datetime(2026, 11, 27, 15, 30, 5, tzinfo=timezone.utc)
    assert event["DTSTART"].dt == datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
    assert event["DTEND"].dt == datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Post-mortem: INC-7 checkout down"
    assert str(event["ORGANIZER"]) == "mailto:ana.lima@example.org"
    attendees = [(a.params["CN"], str(a)) for a in event["ATTENDEE"]]
    assert attendees == [
        ("Lima, Ana", "mailto:ana.lima@example.org"),
        ("Ben Okafor", "urn:x-incident-console:person:Ben%20Okafor"),
        ('Chen "CJ" Jun', "mailto:cj@example.org"),
    ]


def test_text_is_escaped_and_comes_back_as_written():
    text = invitation()
    assert "DESCRIPTION:Post-mortem of INC-7\\, \"checkout down\"\\; see C:\\\\runbooks" in text
    assert str(the_event(text)["DESCRIPTION"]) == DESCRIPTION
    title = "a,b;c\\d\ne"
    assert str(the_event(invitation(title=title))["SUMMARY"]) == title


def test_lines_end_in_crlf_and_are_folded_at_75_octets():
    title = "Post-mortem: " + "checkout, payments; and the ledger \\ " * 6
    title = title[:200]
    assert len(title) == 200
    text = invitation(title=title, description="Ünïcode ✓ " * 40)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    summary_at = next(i for i, line in enumerate(physical) if line.startswith("SUMMARY:"))
    assert physical[summary_at + 1].startswith(" ")  # folded
    event = the_event(text)
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == "Ünïcode ✓ " * 40


def test_folding_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "✓" * 100
    folded = meeting.fold(line)
    for piece in folded.split("\r\n"):
        assert len(piece.encode("utf-8")) <= 75
        piece.encode("utf-8").decode("utf-8")
    assert folded.replace("\r\n ", "") == line


def test_an_organizer_known_only_by_name_gets_a_person_urn():
    event = the_event(invitation(organizer="Ana Lima"))
    assert str(event["ORGANIZER"]) == "urn:x-incident-console:person:Ana%20Lima"
    assert event["ORGANIZER"].params["CN"] == "Ana Lima"


def test_a_hostile_address_cannot_end_the_line():
    text = invitation(attendees=[("Eve", "eve@example.org\r\nATTENDEE:mailto:x@evil.example")])
    event = the_event(text)
    assert [str(a) for a in [event["ATTENDEE"]]] == [
        "mailto:eve@example.org%0D%0AATTENDEE%3Amailto%3Ax@evil.example"]


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(start=datetime(2026, 12, 1, 14, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(now=datetime(2026, 11, 27, 15, 30))


# --- the review reminder ---------------------------------------------------------------------

MEETING = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("hours_before", "shared", "expected"), [
    (48, False, False),   # two days away: not yet
    (24, False, False),   # exactly 24 h: not less than 24 h
    (23.99, False, True),
    (1, False, True),
    (0.01, False, True),
    (0, False, False),    # the meeting has started: too late to share for review
    (-2, False, False),   # and after it
    (48, True, False),
    (1, True, False),     # shared: nothing to remind
    (-2, True, False),
])
def test_reminder_due(hours_before, shared, expected):
    now = MEETING - timedelta(hours=hours_before)
    shared_at = now - timedelta(hours=3) if shared else None
    assert meeting.reminder_due(MEETING, shared_at, now) is expected
