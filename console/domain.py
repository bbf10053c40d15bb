"""The incident, its roles and its timeline: values and the rules that check input.

The rules here are those the store relies on whatever process an organisation defines:
severity is 1..5, status moves active -> mitigated -> resolved (and may reopen). Roles, entry
kinds and audiences come from the process definition (console.vocabulary).
"""

import re
from typing import NamedTuple
from datetime import date, datetime

from console.errors import InputError
from console.patterns import LazyPattern

SEVERITIES = (1, 2, 3, 4, 5)
STATUSES = ("active", "mitigated", "resolved")
MAX_TITLE = 200
MAX_TEXT = 10_000
# A draft is what a seat is typing; it may run past an entry's limit (the note box says so
# when sending), but not without bound.
MAX_DRAFT = 10 * MAX_TEXT
MAX_NAME = 100
MAX_TASK_TEXT = 200  # one line on the board; the detail belongs in the timeline
# A check-back timer is whole minutes, at most a day: a longer wait is not a check-back.
MAX_MINUTES = 1440

# Numbers people type (references, minutes, severities) are ASCII digits 0-9 only, everywhere,
# and have a bounded length. Python's `\d` and `int()` would also take "١٢" (Arabic-Indic),
# "１２" (fullwidth) or "߁" (N'Ko): digits that look like others, or like nothing, are a way to
# make one reference read as another, and the command language (console.commands) has always
# been ASCII. Each pattern is compiled with re.ASCII so `\d` cannot widen again.
_DIGITS = "[0-9]"
_REF = LazyPattern(rf"^\s*(?:inc-?)?({_DIGITS}{{1,9}})\s*$", re.IGNORECASE | re.ASCII)
_TASK_REF = LazyPattern(rf"^\s*t?({_DIGITS}{{1,9}})\s*$", re.IGNORECASE | re.ASCII)
_ENTRY_REF = LazyPattern(rf"^\s*e?({_DIGITS}{{1,12}})\s*$", re.IGNORECASE | re.ASCII)
_ACTION_ITEM_REF = LazyPattern(rf"^\s*a?({_DIGITS}{{1,9}})\s*$", re.IGNORECASE | re.ASCII)
_MINUTES = LazyPattern(rf"^\s*({_DIGITS}{{1,5}})\s*m?\s*$", re.IGNORECASE | re.ASCII)
_SEVERITY = LazyPattern(rf"^\s*(?:sev-?)?({_DIGITS}{{1,3}})\s*$", re.IGNORECASE | re.ASCII)


class Incident(NamedTuple):
    id: int
    title: str
    severity: int | None
    status: str
    security: bool
    drill: bool
    started_at: str
    declared_at: str
    mitigated_at: str | None = None
    resolved_at: str | None = None
    uid: str | None = None  # the same on every console of a team
    # In a team, the ref every console shows: INC-<server number>, or NEW-<id> until the server
    # has numbered it (console.sync); None when solo, where the ref is INC-<id>.
    name: str | None = None
    codename: str | None = None  # a security incident's: the name others see (console.security)
    cleared_at: str | None = None  # when forensics showed a security incident's attack was not internal

    @property
    def ref(self) -> str:
        return self.name or format_ref(self.id)

    @property
    def shown_title(self) -> str:
        """The incident's name wherever someone other than its responders may see it (window
        title, list, notifications, messages, exports): a security incident's codename. The
        real title is shown on its board only."""
        if self.security:
            return self.codename or "Security incident"
        return self.title


class RoleAssignment(NamedTuple):
    id: int
    incident_id: int
    role: str
    person: str
    from_at: str
    to_at: str | None = None


class Entry(NamedTuple):
    id: int
    uid: str
    incident_id: int
    kind: str
    text: str
    author: str
    occurred_at: str
    recorded_at: str
    # The entry's state, read from its append-only history (entry_revisions,
    # entry_retractions, pins); the row above never changes.
    revised_text: str | None = None  # the newest correction, None if never corrected
    retracted: bool = False
    pinned: bool = False

    @property
    def sort_key(self) -> tuple[str, int]:
        """The timeline's order: when it happened, then when it was written."""
        return (self.occurred_at, self.id)

    @property
    def current_text(self) -> str:
        """What the entry says now: its newest correction, else what was first written."""
        return self.revised_text if self.revised_text is not None else self.text

    @property
    def ref(self) -> str:
        return format_entry_ref(self.id)


class Revision(NamedTuple):
    """One correction of an entry's text: the whole new text, who wrote it and when."""

    text: str
    by: str
    at: str


class Retraction(NamedTuple):
    """An entry withdrawn from the record (it stays visible, struck through); final."""

    reason: str | None
    by: str
    at: str


class Extension(NamedTuple):
    """One push of a task's check-back time: `minutes` more, given at `at` by `by`."""

    minutes: int
    at: str
    by: str


class Task(NamedTuple):
    """Work the IC handed to someone, with the moment the IC checks back on it.

    `number` counts the incident's tasks from 1 and makes its reference (`T1`, `T2`…: INC-2's
    first task is T1 whatever other incidents hold); `id` is the row's, across incidents.
    `due_at` is the current check-back time (extensions included); `extensions` keeps how it
    got there. Reassignments change `owner`; who held it before is in the timeline.
    """

    id: int
    uid: str
    incident_id: int
    number: int
    owner: str
    text: str
    assigned_at: str
    due_at: str
    done_at: str | None
    created_by: str
    extensions: tuple[Extension, ...] = ()

    @property
    def ref(self) -> str:
        return format_task_ref(self.number)


class CheckState(NamedTuple):
    """The current tick of one checklist item: the latest of its append-only history."""

    item_id: str
    checked: bool
    by: str
    at: str


class Update(NamedTuple):
    """A status update as sent to one audience."""

    id: int
    incident_id: int
    audience: str
    text: str
    by: str
    sent_at: str


class Change(NamedTuple):
    """What one operation changed, so a view can refresh just that.

    `entries` holds new entries, or, after a correction, retraction or (un)pin, the entry
    in its new state: an entry whose id the view already shows replaces that row in place.
    `findings` are what the process's message rules found in a status update as sent
    (console.lint.Finding): it was recorded all the same, and whoever sent it is told.
    """

    incident: Incident
    entries: tuple[Entry, ...] = ()
    roles_changed: bool = False
    task: Task | None = None
    findings: tuple = ()


def format_ref(incident_id: int) -> str:
    return f"INC-{incident_id}"


def parse_ref(text: str) -> int:
    """`INC-12`, `inc-12` or `12` -> 12."""
    match = _REF.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad incident reference {text!r}: expected INC-<number>, e.g. INC-3")
    return int(match.group(1))


def format_entry_ref(entry_id: int) -> str:
    return f"E{entry_id}"


def parse_entry_ref(text: str | int) -> int:
    """`E12`, `e12` or `12` -> 12."""
    match = _ENTRY_REF.match(str(text) if text is not None else "")
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad entry reference {text!r}: expected E<number>, e.g. E12")
    return int(match.group(1))


def format_task_ref(number: int) -> str:
    """A task's reference from its number within the incident: 3 -> `T3`."""
    return f"T{number}"


def parse_task_ref(text: str | int) -> int:
    """`T3`, `t3` or `3` -> 3: a task's number within its incident."""
    match = _TASK_REF.match(str(text) if text is not None else "")
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad task reference {text!r}: expected T<number>, e.g. T3")
    return int(match.group(1))


def parse_minutes(text: str | int) -> int:
    """`5` or `5m` -> 5: whole minutes from 1 to a day (seconds and hours are refused)."""
    match = _MINUTES.match(str(text) if text is not None else "")
    if not match or not 1 <= int(match.group(1)) <= MAX_MINUTES:
        raise InputError(
            f"bad minutes {text!r}: expected whole minutes from 1 to {MAX_MINUTES}, e.g. 15 or 15m"
        )
    return int(match.group(1))


def parse_severity(text: str | int) -> int:
    """`SEV-2`, `sev2` or `2` -> 2 (ASCII digits only, like every number typed)."""
    match = _SEVERITY.match(str(text) if text is not None else "")
    if match and int(match.group(1)) in SEVERITIES:
        return int(match.group(1))
    raise InputError(f"bad severity {text!r}: expected 1 to 5 (1 is the most severe)")


def parse_status(text: str) -> str:
    state = (text or "").strip().lower()
    if state not in STATUSES:
        raise InputError(f"bad status {text!r}: expected one of {', '.join(STATUSES)}")
    return state


# Characters that change how a line is shown without being seen: the Unicode bidi controls
# (embeddings, overrides, isolates and marks) and the zero-width ones. In a name they are a
# spoof: "Ana" and "A<U+200B>na" look the same and are two people, and U+202E makes
# "Ana<U+202E>nimda" show as "Anaadmin".
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")  # ZWSP ZWNJ ZWJ WJ BOM
INVISIBLE = BIDI_CONTROLS | ZERO_WIDTH
# What clean_text drops, as str.translate tables (one C pass, not a Python loop per character:
# a note is cleaned on every append): the C0 controls and DEL, but tab and, in multi-line text,
# the line break; one-line text also loses INVISIBLE.
_CONTROLS = {code: None for code in (*range(0x20), 0x7F) if code not in (0x09, 0x0A)}
_DROPPED_MULTILINE = _CONTROLS
_DROPPED_ONE_LINE = {**_CONTROLS, 0x0A: None, **{ord(ch): None for ch in INVISIBLE}}


def clean_text(text: str, what: str, limit: int, *, multiline: bool = False) -> str:
    """Strip, refuse empty or oversized text, and drop control characters (NUL included).

    One-line text (names of people: author, role holder, task or post-mortem owner, seat; and
    titles, task texts, references, links) also loses the bidi controls and zero-width
    characters in `INVISIBLE`, silently, as it loses other control characters: they are what a
    spoofed name is made of, and a name pasted from a chat client often carries a stray
    U+200E that nobody meant. They are dropped rather than refused because the person can do
    nothing about a character they cannot see. Multi-line text (notes, updates, the
    post-mortem) keeps them: it is prose, where right-to-left scripts and emoji sequences
    need them, and it names nobody.

    Text that cannot be stored (lone surrogates, from bytes that were not UTF-8) is refused.
    """
    if text is None:
        raise InputError(f"{what} is empty")
    cleaned = text.translate(_DROPPED_MULTILINE if multiline else _DROPPED_ONE_LINE)
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text") from None
    cleaned = cleaned.strip()
    if not cleaned or all(ch in INVISIBLE or ch.isspace() for ch in cleaned):
        raise InputError(f"{what} is empty")  # nothing anyone could see
    if len(cleaned) > limit:
        raise InputError(f"{what} is too long: {len(cleaned)} characters, the limit is {limit}")
    return cleaned


# -- the post-mortem ------------------------------------------------------------------------

# A post-mortem's statuses, as the store's CHECK constraint knows them. Which moves are allowed
# (`next`) and what each is called come from the process (`postmortem.yaml`); these ids are the
# ones the store will accept whatever an organisation writes there.
POSTMORTEM_STATUSES = ("draft", "in_review", "reviewed", "closed")
# A post-mortem is a document, not a note: long, but not without bound (a pasted log belongs
# behind a data link, not in the text).
MAX_POSTMORTEM = 200_000
MAX_TICKET = 500
MAX_LINK = 2_000


class PostmortemRecord(NamedTuple):
    """The post-mortem's header as stored: who owns it, by when, the meeting and its status.

    `deadline` is a date (`YYYY-MM-DD`); `acknowledged_at` is when the owner confirmed, and is
    cleared when someone else is named (the new owner must confirm in turn); `ack_typed_by`
    is who typed that confirmation on the owner's behalf (None when the owner typed it).
    """

    incident_id: int
    owner: str | None
    deadline: str | None
    acknowledged_at: str | None
    meeting_at: str | None
    recording: str | None
    status: str = "draft"
    ack_typed_by: str | None = None  # who typed the acknowledgement, when not the owner


class PostmortemVersion(NamedTuple):
    """One saved text of the post-mortem; every save is kept, the newest is the draft."""

    id: int
    incident_id: int
    text: str
    by: str
    at: str


class ActionItem(NamedTuple):
    """Follow-up work from an incident, tracked until done (its ticket holds the detail).

    `source_entry_id` is the scribe's `todo` entry it came from, if any; an entry becomes at
    most one action item, so importing the TODOs twice adds nothing.
    """

    id: int
    incident_id: int
    text: str
    owner: str | None
    due_on: str | None
    ticket: str | None
    done_at: str | None
    created_at: str
    source_entry_id: int | None = None

    @property
    def ref(self) -> str:
        return format_action_item_ref(self.id)


def format_action_item_ref(item_id: int) -> str:
    return f"A{item_id}"


def parse_action_item_ref(text: str | int) -> int:
    """`A3`, `a3` or `3` -> 3."""
    match = _ACTION_ITEM_REF.match(str(text) if text is not None else "")
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad action item {text!r}: expected A<number>, e.g. A3")
    return int(match.group(1))


def as_date(value: object, what: str) -> date:
    """A calendar date (a datetime is refused: a deadline is a day, not a moment)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InputError(f"bad {what} {value!r}: expected a date, e.g. 2026-04-01")
    return value


def parse_postmortem_status(text: str) -> str:
    """`in_review`, `In review` or `in-review` -> `in_review`."""
    status = (text or "").strip().lower().replace("-", "_").replace(" ", "_")
    if status not in POSTMORTEM_STATUSES:
        raise InputError(
            f"bad postmortem status {text!r}: expected one of {', '.join(POSTMORTEM_STATUSES)}"
        )
    return status

# "Leave this as it is", for the keyword arguments of an update where None means "clear it".
UNCHANGED: object = object()
