"""An entry's history: its corrections, its retraction and its pins.

Changes to an entry are not new timeline entries: they are rows in the entry's own
append-only history (`entry_revisions`, `entry_retractions`, `pins`), which is their record.
The entry keeps its place and its original text; what it says now is read from here
(console.timeline's columns).
"""

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, Entry, Incident, Retraction, Revision, format_entry_ref
from console.errors import InputError, NotFound
from console.ops import Applied, operation
from console.store import storage_errors
from console.timeline import ENTRY_COLUMNS, entry_from_row

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger


class EntryHistory:
    """Correct, retract, pin and unpin entries; each change is a row of the entry's history."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def revise(self, incident_id: int, entry_id: int, text: str, *, by: str) -> Change:
        """Correct what an entry says, keeping what it said before.

        The correction is a row in the entry's history (`entry_revisions`), not a new
        timeline entry: the entry keeps its place and its original text, and the history
        is the record of who changed it and when. The returned Change holds the entry in
        its new state, for a view to replace the row it shows.
        """
        text = domain.clean_text(text, "entry text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident, entry = self._correctable(incident_id, entry_id, "edited")
        if entry.retracted:
            raise InputError(f"{entry.ref} is retracted; it cannot be edited")
        if text == entry.current_text:
            raise InputError(f"nothing changed: {entry.ref} already says that")
        ledger = self._ledger
        body = {"target": ledger.entry_ref(entry.id), "text": text, "by": author,
                "at": times.to_text(ledger.now())}
        with _retracted_meanwhile(entry.ref, "edited"):
            with ledger.writing():
                ledger.record(self._revised, incident, body)
        return Change(incident, (ledger.read.timeline.entry(incident_id, entry.id),))

    @operation("entry.revise")
    def _revised(self, op: Applied) -> None:
        body = op.body
        self._ledger.insert("entry_revisions", {
            "entry_id": self._ledger.entry_of(body["target"]), "text": body["text"],
            "by": body["by"], "at": body["at"], "hlc": op.hlc})

    def retract(
        self, incident_id: int, entry_id: int, *, by: str, reason: str | None = None
    ) -> Change:
        """Withdraw an entry from the record: it stays, marked retracted, with why and by whom.

        A retraction is final (one per entry) and a retracted entry can no longer be edited
        or pinned; a pinned entry is unpinned in the same transaction, so the pins never
        show something withdrawn. Entries the console wrote for a change to the incident
        (status, severity, roles) are refused: retracting one would leave the timeline
        disagreeing with the incident; the fix is a new change.
        """
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        why = None
        if reason is not None and reason.strip():
            why = domain.clean_text(reason, "reason", domain.MAX_TEXT)
        incident, entry = self._correctable(incident_id, entry_id, "retracted")
        if entry.retracted:
            raise InputError(f"{entry.ref} is already retracted")
        ledger = self._ledger
        body = {"target": ledger.entry_ref(entry.id), "reason": why, "by": author,
                "at": times.to_text(ledger.now())}
        try:
            with ledger.writing():
                # Read inside the transaction (it holds the write lock), so a pin another
                # writer added since we looked is undone too.
                body["unpin"] = bool(ledger.execute(
                    "SELECT pinned FROM pins WHERE entry_id = ? ORDER BY hlc DESC, id DESC LIMIT 1",
                    (entry.id,),
                ).fetchone() in ((1,),))
                ledger.record(self._retracted, incident, body)
        except sqlite3.IntegrityError as exc:
            # Another writer retracted it between our look and our insert.
            if "retracted only once" not in str(exc):
                raise
            raise InputError(f"{entry.ref} is already retracted") from exc
        return Change(incident, (ledger.read.timeline.entry(incident_id, entry.id),))

    @operation("entry.retract")
    def _retracted(self, op: Applied) -> None:
        """The retraction, and the unpin its writer saw was needed (a retracted entry never
        reads as pinned, whatever pins arrive later)."""
        ledger = self._ledger
        body = op.body
        entry_id = ledger.entry_of(body["target"])
        ledger.insert("entry_retractions", {"entry_id": entry_id, "reason": body["reason"],
                                            "by": body["by"], "at": body["at"], "hlc": op.hlc})
        if body["unpin"]:
            ledger.insert("pins", {"entry_id": entry_id, "pinned": 0, "by": body["by"],
                                   "at": body["at"], "hlc": op.hlc})

    def set_pin(self, incident_id: int, entry_id: int, pinned: bool, *, by: str) -> Change:
        """Pin an entry (keep it in view above the timeline) or unpin it; every change is kept."""
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        pinned = bool(pinned)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        entry = ledger.read.timeline.entry(incident_id, entry_id)
        if pinned and entry.retracted:
            raise InputError(f"{entry.ref} is retracted; it cannot be pinned")
        if entry.pinned == pinned:
            raise InputError(f"{entry.ref} is already {'pinned' if pinned else 'not pinned'}")
        body = {"target": ledger.entry_ref(entry.id), "pinned": pinned, "by": author,
                "at": times.to_text(ledger.now())}
        with _retracted_meanwhile(entry.ref, "pinned"):
            with ledger.writing():
                ledger.record(self._pinned, incident, body)
        return Change(incident, (ledger.read.timeline.entry(incident_id, entry.id),))

    @operation("entry.pin")
    def _pinned(self, op: Applied) -> None:
        body = op.body
        self._ledger.insert("pins", {"entry_id": self._ledger.entry_of(body["target"]),
                                     "pinned": int(body["pinned"]), "by": body["by"],
                                     "at": body["at"], "hlc": op.hlc})

    def _correctable(self, incident_id: int, entry_id: int, verb: str) -> tuple[Incident, Entry]:
        """The incident and entry, refusing entries the console wrote for a change to the
        incident (status, severity, roles): correcting one would leave the timeline
        disagreeing with the incident; the fix is a new change."""
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        entry = ledger.read.timeline.entry(incident_id, entry_id)
        if entry.kind in ledger.vocabulary.derived_kinds:
            raise InputError(f"entries the console writes itself cannot be {verb}; add a note instead")
        return incident, entry


@contextlib.contextmanager
def _retracted_meanwhile(ref: str, what: str) -> Iterator[None]:
    """Another writer retracted the entry between our look and our insert: the store's
    trigger refused the insert; say so as we would have."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "a retracted entry cannot be" not in str(exc):
            raise
        raise InputError(f"{ref} is retracted; it cannot be {what}") from exc


class EntryHistoryReads:
    """Entries' histories as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def of(self, entry_id: int) -> tuple[Entry, list[Revision], Retraction | None]:
        """An entry as first written, every correction oldest first, and its retraction."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.id = ?", (entry_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no entry {format_entry_ref(entry_id)}")
            revisions = self._conn.execute(
                'SELECT text, "by", at FROM entry_revisions WHERE entry_id = ? ORDER BY hlc, id',
                (entry_id,),
            ).fetchall()
            retraction = self._conn.execute(
                'SELECT reason, "by", at FROM entry_retractions WHERE entry_id = ? '
                "ORDER BY hlc, id LIMIT 1", (entry_id,)
            ).fetchone()
        return (
            entry_from_row(row),
            [Revision(*r) for r in revisions],
            Retraction(*retraction) if retraction else None,
        )

    def revisions(self, incident_id: int) -> dict[int, list[Revision]]:
        """Every correction on an incident's entries, by entry id, oldest first (exports)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT r.entry_id, r.text, r."by", r.at FROM entry_revisions r '
                "JOIN entries e ON e.id = r.entry_id WHERE e.incident_id = ? ORDER BY r.hlc, r.id",
                (incident_id,),
            ).fetchall()
        found: dict[int, list[Revision]] = {}
        for entry_id, text, by, at in rows:
            found.setdefault(entry_id, []).append(Revision(text, by, at))
        return found

    def retractions(self, incident_id: int) -> dict[int, Retraction]:
        """Every retracted entry of an incident, by entry id, with its retraction (exports):
        the first by HLC, where consoles apart both retracted it."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT x.entry_id, x.reason, x."by", x.at FROM entry_retractions x '
                "JOIN entries e ON e.id = x.entry_id WHERE e.incident_id = ? "
                "ORDER BY x.hlc DESC, x.id DESC",
                (incident_id,),
            ).fetchall()
        return {entry_id: Retraction(reason, by, at) for entry_id, reason, by, at in rows}
