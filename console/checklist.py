"""The checklist: which of the process's checklist items are ticked on an incident.

Every tick and untick is a row of the item's append-only history; the newest row (by HLC, the
same on every console of a team) is its state.
"""

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, CheckState
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger


class Checklist:
    """Tick and untick checklist items (each with its timeline entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def set(self, incident_id: int, item_id: str, checked: bool, *, by: str, label: str) -> Change:
        """Tick or untick one checklist item, adding a row to its history.

        The caller checks `item_id` against the process (the core stores any id, so a tick
        survives an organisation later renaming or removing the item); `label` is the item's
        text, written into the timeline so the entry reads on its own.
        """
        item = domain.clean_text(item_id, "checklist item", domain.MAX_NAME)
        label = domain.clean_text(label, "checklist item text", domain.MAX_TEXT)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        checked = bool(checked)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        current = ledger.read.checklist.state(incident_id).get(item)
        if checked and current is not None and current.checked:
            raise InputError(f"{label!r} is already checked")
        if not checked and (current is None or not current.checked):
            raise InputError(f"{label!r} is not checked")
        now = ledger.now()
        text = f"{'Checked' if checked else 'Unchecked'}: {label}"
        body = {"item": item, "checked": checked, "by": author, "at": times.to_text(now),
                "entry": ledger.entry("action", text, author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._set, incident, body)
        return Change(incident, (entry,))

    @operation("check.set")
    def _set(self, op: Applied):
        body = op.body
        self._ledger.insert(
            "checks",
            {"incident_id": op.incident_id, "item_id": body["item"], "checked": int(body["checked"]),
             "by": body["by"], "at": body["at"], "hlc": op.hlc},
        )
        return self._ledger.put_entry(op, body["entry"])


class ChecklistReads:
    """Checklist ticks as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def state(self, incident_id: int) -> dict[str, CheckState]:
        """Each ticked item's current state (its latest row), by item id; unticked items absent."""
        with storage_errors(self._path):
            # SQLite takes the other columns from the row holding max(): the newest tick.
            rows = self._conn.execute(
                'SELECT item_id, checked, "by", at, max(hlc || printf(\'/%012d\', id)) FROM checks '
                "WHERE incident_id = ? GROUP BY item_id ORDER BY item_id",
                (incident_id,),
            ).fetchall()
        return {row[0]: CheckState(row[0], bool(row[1]), row[2], row[3]) for row in rows}
