"""Follow-ups: the action items an incident leaves, tracked until done.

An item may come from one of the scribe's `todo` entries (`source_entry_id`); an entry becomes
at most one item, which the store's unique index holds even against another writer.

People type a due date as a date, a count of days or weeks ahead, or a day's name
(`parse_due`), and a new item may start with the incident it belongs to (`take_incident`).
"""

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import ActionItem, format_action_item_ref, format_entry_ref
from console.errors import InputError, NotFound
from console.patterns import LazyPattern
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

_COLUMNS = "id, incident_id, text, owner, due_on, ticket, done_at, created_at, source_entry_id"
_AHEAD = LazyPattern(r"^(?:\+|in\s+)?([0-9]{1,3})\s*(d|days?|w|weeks?)$", re.ASCII | re.IGNORECASE)
_ISO_DATE = LazyPattern(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLEAR = ("", "-", "—", "none")
DUE_FORMS = "2026-04-10, +7d, 2w, tomorrow or friday (empty: no date)"
_INCIDENT_FIRST = LazyPattern(r"^\s*(INC-?[0-9]+)\b\s*:?\s*(.*)$", re.ASCII | re.IGNORECASE | re.DOTALL)


def parse_due(text: str, today: date) -> date | None:
    """A due date as typed: `2026-04-10`, `+7d`, `7 days`, `2w`, `in 3 days`, `today`,
    `tomorrow`, or a day's name (`fri`, `friday`: the next one after today). Empty, `-` or
    `none` is None: no due date."""
    if not isinstance(text, str):
        raise InputError(f"bad due date {text!r}: use {DUE_FORMS}")
    if cleared(text):
        return None
    raw = text.strip().casefold()
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    ahead = _AHEAD.match(raw)
    if ahead:
        count = int(ahead.group(1))
        return today + timedelta(days=count * (7 if ahead.group(2).startswith("w") else 1))
    if len(raw) >= 3 and raw.isalpha():
        day = next((i for i, name in enumerate(_WEEKDAYS) if name.startswith(raw)), None)
        if day is not None:
            return today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)
    if not _ISO_DATE.match(raw):
        raise InputError(f"bad due date {text!r}: use {DUE_FORMS}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"bad due date {text!r}: no such day") from None


def cleared(text: str) -> bool:
    """Whether what was typed for an owner, due date or ticket means "none": empty, `-` or
    `none` (an inline bar sends nothing for an empty line, so `-` is the way to clear)."""
    return (text or "").strip().casefold() in _CLEAR


def take_incident(text: str) -> tuple[int | None, str]:
    """`INC-2 add a lag alert` -> (2, "add a lag alert"); text without a leading reference
    -> (None, text)."""
    match = _INCIDENT_FIRST.match(text or "")
    if match is None:
        return None, (text or "").strip()
    return domain.parse_ref(match.group(1)), match.group(2).strip()


class Followups:
    """Add action items, change them, and make them from the timeline's TODOs."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def add(
        self,
        incident_id: int,
        text: str,
        *,
        owner: str | None = None,
        due_on: date | None = None,
        ticket: str | None = None,
        by: str,
        source_entry_id: int | None = None,
    ) -> ActionItem:
        """Add one follow-up; `source_entry_id` names the TODO entry it came from, if any."""
        ledger = self._ledger
        text = domain.clean_text(text, "action item text", domain.MAX_TEXT)
        domain.clean_text(by, "author", domain.MAX_NAME)
        body = {
            "uid": ledger.new_uid(),
            "text": text,
            "owner": _optional(owner, "action item owner", domain.MAX_NAME),
            "due_on": domain.as_date(due_on, "due date").isoformat() if due_on is not None else None,
            "ticket": _optional(ticket, "ticket", domain.MAX_TICKET),
            "created_at": times.to_text(ledger.now()),
            "source": None,
        }
        incident = ledger.read.incidents.get(incident_id)
        if source_entry_id is not None:
            ledger.read.timeline.entry(incident_id, source_entry_id)
            taken = ledger.read.followups.from_entry(source_entry_id)
            if taken is not None:
                raise InputError(
                    f"{format_entry_ref(source_entry_id)} is already action item {taken.ref}"
                )
            self._from_entry(body, source_entry_id)
        try:
            with ledger.writing():
                item_id = ledger.record(self._added, incident, body)
        except sqlite3.IntegrityError as exc:
            # Another writer made an item from the same entry between our look and our insert.
            taken = ledger.read.followups.from_entry(source_entry_id) if source_entry_id else None
            if taken is None:
                raise
            raise InputError(
                f"{format_entry_ref(source_entry_id)} is already action item {taken.ref}"
            ) from exc
        return ledger.read.followups.get(item_id)

    def _from_entry(self, body: dict, entry_id: int) -> None:
        """An item made from an entry has a uid made from the entry's: consoles that made it
        while apart made the same item, which arrives as one."""
        source = self._ledger.entry_ref(entry_id)
        body["source"] = source
        body["uid"] = f"todo:{source['uid']}:{source['hlc']}"

    @operation("followup.add")
    def _added(self, op: Applied) -> int:
        """The item; made twice from one entry (consoles apart), each field the newest by HLC."""
        ledger = self._ledger
        body = op.body
        source = body["source"]
        values = {
            "uid": body["uid"], "incident_id": op.incident_id, "text": body["text"],
            "owner": body["owner"], "due_on": body["due_on"], "ticket": body["ticket"],
            "created_at": body["created_at"],
            "source_entry_id": ledger.entry_of(source) if source is not None else None,
            "hlc": op.hlc, "owner_hlc": op.hlc, "due_hlc": op.hlc, "ticket_hlc": op.hlc,
        }
        newer = lambda column, stamp: (  # noqa: E731
            f"{column} = CASE WHEN excluded.{stamp} > {stamp} THEN excluded.{column} ELSE {column} END")
        ledger.execute(
            f"INSERT INTO action_items ({', '.join(values)}) VALUES ({', '.join('?' * len(values))}) "
            "ON CONFLICT (uid) DO UPDATE SET "
            f"{newer('text', 'hlc')}, {newer('created_at', 'hlc')}, {newer('owner', 'owner_hlc')}, "
            f"{newer('due_on', 'due_hlc')}, {newer('ticket', 'ticket_hlc')}, "
            "hlc = max(hlc, excluded.hlc), owner_hlc = max(owner_hlc, excluded.owner_hlc), "
            "due_hlc = max(due_hlc, excluded.due_hlc), ticket_hlc = max(ticket_hlc, excluded.ticket_hlc)",
            tuple(values.values()),
        )
        return ledger.row_of("action_items", body["uid"])

    def update(
        self,
        item_id: int,
        *,
        owner: "str | None | object" = domain.UNCHANGED,
        due_on: "date | None | object" = domain.UNCHANGED,
        ticket: "str | None | object" = domain.UNCHANGED,
        done: bool | None = None,
        by: str,
    ) -> ActionItem:
        """Change an item's owner, due date or ticket (None clears one), or mark it done/open.

        Only what is passed changes; passing nothing is refused.
        """
        domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        changes: dict[str, object] = {}
        if owner is not domain.UNCHANGED:
            changes["owner"] = _optional(owner, "action item owner", domain.MAX_NAME)
        if due_on is not domain.UNCHANGED:
            changes["due_on"] = (
                domain.as_date(due_on, "due date").isoformat() if due_on is not None else None
            )
        if ticket is not domain.UNCHANGED:
            changes["ticket"] = _optional(ticket, "ticket", domain.MAX_TICKET)
        item = ledger.read.followups.get(item_id)
        if done is not None:
            if bool(done) == (item.done_at is not None):
                raise InputError(f"{item.ref} is already {'done' if done else 'open'}")
            changes["done_at"] = times.to_text(ledger.now()) if done else None
        if not changes:
            raise InputError(f"nothing to change on {item.ref}")
        body = {"item": ledger.uid_of("action_items", item.id), "changes": changes}
        with ledger.writing():
            ledger.record(self._updated, ledger.read.incidents.get(item.incident_id), body)
        return ledger.read.followups.get(item.id)

    @operation("followup.update")
    def _updated(self, op: Applied) -> None:
        """Each field changed, unless a newer op (by HLC) set it."""
        ledger = self._ledger
        item = op.body["item"]
        ledger.row_of("action_items", item)  # the item must be here first
        for column, value in op.body["changes"].items():
            stamp = _STAMPS[column]
            ledger.execute(
                f"UPDATE action_items SET {column} = ?, {stamp} = ? WHERE uid = ? AND {stamp} < ?",
                (value, op.hlc, item, op.hlc),
            )

    def import_todos(self, incident_id: int, *, by: str) -> list[ActionItem]:
        """One action item for each TODO entry not yet imported (retracted ones skipped).

        Safe to run again: an entry already imported is passed over, and the store's unique
        index on `source_entry_id` holds even against another writer importing at once
        (the insert skips what is already there). The item takes the entry's current text.
        """
        domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        todos = [
            e for e in ledger.read.search.filter(incident_id, kinds=("todo",), limit=-1)
            if not e.retracted
        ]
        todos.sort(key=lambda e: e.sort_key)
        now = times.to_text(ledger.now())
        made: list[int] = []
        with ledger.writing():
            for entry in todos:
                # Looked at inside the transaction, which holds the only write lock.
                if ledger.read.followups.from_entry(entry.id) is not None:
                    continue
                body = {"text": entry.current_text, "owner": None, "due_on": None, "ticket": None,
                        "created_at": now}
                self._from_entry(body, entry.id)
                made.append(ledger.record(self._added, incident, body))
        return [ledger.read.followups.get(item_id) for item_id in made]


# The HLC column beside each field of an item more than one console can change.
_STAMPS = {"owner": "owner_hlc", "due_on": "due_hlc", "ticket": "ticket_hlc", "done_at": "done_hlc"}


def _optional(value: str | None, what: str, limit: int) -> str | None:
    """Clean optional text; None or blank means "none"."""
    if value is None or not str(value).strip():
        return None
    return domain.clean_text(str(value), what, limit)


class FollowupReads:
    """Action items as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self, incident_id: int | None = None, *, open_only: bool = False,
            team_order: bool = False) -> list[ActionItem]:
        """Action items of one incident, or of every incident (None), soonest due first.

        Items without a due date come last (a date nobody set is not "due now"); ties keep
        the order they were made in (with `team_order`, by when they were made and their uid,
        which every console of a team agrees on).
        """
        clauses, params = [], []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if open_only:
            clauses.append("done_at IS NULL")
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM action_items {where}ORDER BY due_on IS NULL, due_on, "
                f"{'created_at, uid' if team_order else 'id'}",
                params,
            ).fetchall()
        return [ActionItem(*row) for row in rows]

    def get(self, item_id: int) -> ActionItem:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM action_items WHERE id = ?", (item_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no action item {format_action_item_ref(item_id)}")
        return ActionItem(*row)

    def from_entry(self, entry_id: int) -> ActionItem | None:
        """The item made from a timeline entry, if one was."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM action_items WHERE source_entry_id = ?", (entry_id,)
            ).fetchone()
        return ActionItem(*row) if row else None
