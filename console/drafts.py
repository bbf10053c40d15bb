"""Drafts: what a seat is typing on an incident, kept so a crash or a closed window loses nothing.

A draft is not part of the record: it is overwritten on every pause in typing, and cleared
once the note is sent.
"""

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.errors import InputError
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger


class Drafts:
    """Keep and forget each seat's draft on an incident."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def save(self, seat: str, incident_id: int, text: str) -> None:
        """Keep what `seat` is typing on an incident.

        Called on every pause in typing, so it is one statement in its own transaction: an
        upsert of one row, committed with the same durability as a note (the point of a
        draft is to survive a power cut) and as cheap as one. The text is kept exactly as
        typed; text with nothing but spaces deletes the draft.
        """
        seat = domain.clean_text(seat, "seat", domain.MAX_NAME)
        if text is None or not text.strip():
            self.clear(seat, incident_id)
            return
        if len(text) > domain.MAX_DRAFT:
            raise InputError(
                f"draft is too long: {len(text)} characters, the limit is {domain.MAX_DRAFT}"
            )
        ledger = self._ledger
        ledger.read.incidents.get(incident_id)
        with ledger.writing():
            ledger.execute(
                "INSERT INTO drafts (seat, incident_id, text, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (seat, incident_id) "
                "DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
                (seat, incident_id, text, times.to_text(ledger.now())),
            )

    def clear(self, seat: str, incident_id: int) -> None:
        """Forget `seat`'s draft on an incident (the note was sent, or the box emptied)."""
        seat = domain.clean_text(seat, "seat", domain.MAX_NAME)
        with self._ledger.writing():
            self._ledger.execute(
                "DELETE FROM drafts WHERE seat = ? AND incident_id = ?", (seat, incident_id)
            )


class DraftReads:
    """Drafts as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def get(self, seat: str, incident_id: int) -> str | None:
        """What `seat` was typing on this incident when it last paused, if anything."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT text FROM drafts WHERE seat = ? AND incident_id = ?", (seat, incident_id)
            ).fetchone()
        return row[0] if row else None
