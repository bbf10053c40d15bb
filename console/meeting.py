"""The post-mortem meeting: when it is due, the calendar invitation, the review reminder.

The handbook (section 8; after/post_mortem_process) asks the post-mortem owner to book the
meeting on the shared calendar *before* writing anything: within 3 calendar days of a SEV-1,
within 5 business days of a SEV-2. Those numbers are not written here: they come from each
severity's `postmortem` block in the process (`data/severities.yaml`, `meeting_within` and
`day_kind`), so an organisation that overrides its process changes them in one place.

Everything here is pure: dates, datetimes and text in, dates, booleans and text out. Nothing
reads a clock, a file or the network, so the rules can be tested on any day of the year and
the window and the command line share them.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote

from console import times
from console.errors import InputError

# The handbook asks for the draft to be shared for review "about 24 hours before" the meeting.
REVIEW_LEAD = timedelta(hours=24)
# How far ahead a post-mortem meeting may be booked (the CLI and the editor both allow this).
MEETING_AHEAD = timedelta(days=3650)
# An attendee the console knows only by name has no address; RFC 5545 wants a URI for every
# calendar user, so such a person is written as this URN followed by the percent-encoded name
# (`urn:x-incident-console:person:Ana%20Lima`). Calendars show the CN; nobody is mailed.
PERSON_URN = "urn:x-incident-console:person:"
PRODID = "-//Incident Console//Post-mortem meeting//EN"


def counting_day(*, declared_at: str, resolved_at: str | None, tz: tzinfo = timezone.utc) -> date:
    """The day the meeting deadline counts from: the day the incident was resolved.

    The handbook counts "after the incident", and an incident is over when it is resolved; an
    incident not resolved yet (or resolved without a time) falls back to its declaration, which
    gives the earliest - the safest - deadline. Stored times are UTC; `tz` is the organisation's
    time zone, because "the day" is a day on its calendar, not in Greenwich.
    """
    return times.from_text(resolved_at or declared_at).astimezone(tz).date()


def meeting_due(
    process: Any, severity: int, declared_or_resolved: date, *,
    holidays: frozenset[date] = frozenset(),
) -> date | None:
    """The last day the post-mortem meeting may be held, or None where none is required.

    `declared_or_resolved` is day 0 (see `counting_day`: the resolution day, else the
    declaration day); the deadline is `meeting_within` days after it:

    - `day_kind: calendar` (SEV-1, 3 days) counts every day. A deadline that falls on a
      Saturday, a Sunday or a holiday stays there: the handbook says calendar days, and a
      SEV-1 is worth a weekend meeting - moving it would quietly stretch the promise.
    - `day_kind: business` (SEV-2, 5 days) counts only Monday to Friday days that are not in
      `holidays`, so the deadline itself is always a working day. Day 0 never counts, whatever
      day of the week it is.

    `process` is the loaded process (`console.process.load_process()`); anything with a
    `severity(level)` returning the severity's item will do.
    """
    try:
        block = process.severity(severity)["postmortem"]
    except StopIteration:
        raise InputError(f"severity {severity} is not defined in the process") from None
    within = block.get("meeting_within")
    if not block.get("required") or within is None:
        return None
    if block.get("day_kind") == "calendar":
        return declared_or_resolved + timedelta(days=within)
    day, counted = declared_or_resolved, 0
    while counted < within:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day


def holidays_from(text: str, *, source: str = "holidays") -> frozenset[date]:
    """Parse an organisation's holiday list: one ISO date (`2027-01-01`) per line.

    `#` starts a comment, on its own line or after a date (`2027-01-01  # New Year's Day`);
    blank lines are ignored. The list is plain text so whoever keeps the company calendar can
    edit it without knowing YAML. A line that is not a date is refused, naming the line: a
    holiday silently dropped would move a SEV-2 deadline without anyone noticing.
    """
    days = set()
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            days.add(date.fromisoformat(value))
        except ValueError:
            raise InputError(
                f"{source}:{number}: {value!r} is not a date (write it as YYYY-MM-DD)"
            ) from None
    return frozenset(days)


def reminder_due(
    meeting_at: datetime, shared_for_review_at: datetime | None, now: datetime
) -> bool:
    """Whether to remind the owner to share the draft for review.

    True when the draft has not been shared and the meeting is less than 24 hours away. Once
    the meeting has started the reminder stops: sharing "before the meeting" can no longer
    happen, and the post-mortem's status moves on from there.
    """
    if shared_for_review_at is not None:
        return False
    return timedelta(0) < meeting_at - now < REVIEW_LEAD


# --- the calendar invitation (RFC 5545, written by hand) -----------------------------------
#
# Written by hand rather than with the `icalendar` library: one event with a dozen properties
# is a page of code, and the app then needs no extra runtime dependency. The tests read every
# invitation back with `icalendar` to keep this honest.


def _utc(moment: datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _clean(value: str) -> str:
    """Line breaks as \\n; other control characters, which RFC 5545 forbids, dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if c in "\n\t" or (ord(c) >= 0x20 and ord(c) != 0x7F))


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        _clean(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _param(value: str) -> str:
    """A parameter value, always quoted; a double quote, caret or newline per RFC 6868.

    Quoting keeps a name like `Lima, Ana; SRE` from ending the parameter early.
    """
    value = _clean(value).replace("^", "^^").replace('"', "^'").replace("\n", "^n")
    return f'"{value}"'


def _mailto(email: str) -> str:
    """A mailto URI; anything but letters, digits and `@.+-_~` percent-encoded, so an address
    typed with a stray space, quote or line break can never end the content line early."""
    return "mailto:" + quote(email.strip(), safe="@+")


def _address(name: str, email: str | None) -> str:
    if email and email.strip():
        return _mailto(email)
    return PERSON_URN + quote(name, safe="")


def fold(line: str) -> str:
    """One content line folded to at most 75 octets per physical line (RFC 5545 3.1).

    Continuation lines start with a space, which counts towards their 75. A line is only ever
    split between characters, never inside a UTF-8 sequence, so every piece is valid UTF-8.
    """
    pieces, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def ics_invitation(
    *, uid: str, title: str, start: datetime, duration_minutes: int = 30, organizer: str,
    attendees: Iterable[tuple[str, str | None]], description: str, now: datetime,
) -> str:
    """An iCalendar file with one event: the post-mortem meeting.

    Meant to be imported into the shared calendar ("Incident Postmortem Meetings"), whose
    calendar app sends the invitations; hence no METHOD, which would make it an iTIP message.
    Times are written in UTC (`...Z`), so the file needs no time-zone definitions and every
    calendar shows the meeting in its own zone. `start` and `now` must be timezone-aware.

    `organizer` is an e-mail address when it contains an `@` (written `mailto:`), otherwise a
    person's name (written as CN with the `urn:x-incident-console:person:` address). Each
    attendee is `(name, email or None)`: CN is the name, the address is `mailto:` when the
    e-mail is known and the person URN otherwise. Lines end in CRLF and are folded at 75
    octets; text is escaped as RFC 5545 requires.
    """
    if duration_minutes < 1:
        raise ValueError(f"duration_minutes must be at least 1, got {duration_minutes}")
    organizer = organizer.strip()
    if "@" in organizer and " " not in organizer:
        organizer_line = f"ORGANIZER:{_mailto(organizer)}"
    else:
        organizer_line = f"ORGANIZER;CN={_param(organizer)}:{_address(organizer, None)}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{_utc(now, 'now')}",
        f"DTSTART:{_utc(start, 'start')}",
        f"DTEND:{_utc(start + timedelta(minutes=duration_minutes), 'start')}",
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(description)}",
        organizer_line,
    ]
    for name, email in attendees:
        lines.append(
            f"ATTENDEE;CN={_param(name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:"
            f"{_address(name, email)}"
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
