"""The timeline: logging an entry, and reading entries back in their current state.

Reads are keyed by index: the timeline is read in pages from its newest end so an incident
with a million entries opens as fast as one with ten. An entry's state (its newest
correction, a retraction, a pin) lives in its history (console.entry_history) and is read
with it, by the columns below.
"""

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain
from console.domain import Change, Entry, format_entry_ref, format_ref
from console.errors import NotFound
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

# An entry with its state read from its history: three probes of small indexed tables per
# row (the newest revision, a retraction, the newest pin), so a page of 500 costs 1,500
# index lookups whatever the timeline's length. "Newest" is by HLC (then row id), which is the
# order of writing on one console and the same order on every console of a team. A retracted
# entry is never pinned. Every query names the entries table `e`.
ENTRY_COLUMNS = (
    "e.id, e.uid, e.incident_id, e.kind, e.text, e.author, e.occurred_at, e.recorded_at, "
    "(SELECT r.text FROM entry_revisions r WHERE r.entry_id = e.id "
    "ORDER BY r.hlc DESC, r.id DESC LIMIT 1), "
    "EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = e.id), "
    "NOT EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = e.id) AND coalesce(("
    "SELECT p.pinned FROM pins p WHERE p.entry_id = e.id ORDER BY p.hlc DESC, p.id DESC LIMIT 1), 0)"
)
# The ids of entries pinned now (their newest pin row says pinned). Pins are few - a person
# pins by hand - so reading them all is cheaper than any index over the timeline.
PINNED_NOW = (
    "SELECT p.entry_id FROM pins p WHERE p.pinned = 1 "
    "AND p.id = (SELECT q.id FROM pins q WHERE q.entry_id = p.entry_id "
    "ORDER BY q.hlc DESC, q.id DESC LIMIT 1) "
    "AND NOT EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = p.entry_id)"
)
# The kinds written on the incident `:incident` (column `kind` of `k`, and a NULL row to skip):
# a skip scan of the (incident, kind, author) index, one seek per kind (migration 0020). Kinds
# are few, so an author's entries are read by index as one seek per kind, `kind IN` these.
KINDS_OF = (
    "WITH RECURSIVE k(kind) AS ("
    " SELECT (SELECT min(kind) FROM entries WHERE incident_id = :incident)"
    " UNION ALL"
    " SELECT (SELECT min(kind) FROM entries WHERE incident_id = :incident AND kind > k.kind)"
    " FROM k WHERE k.kind IS NOT NULL) "
)
# The order every console of a team shows a timeline in (its JSON export): when it happened,
# then the HLC of the op that wrote it, then its uid.
TEAM_ORDER = "e.occurred_at, e.hlc, e.uid"


def entry_from_row(row: tuple) -> Entry:
    """An `Entry` from the `ENTRY_COLUMNS` of one row."""
    return Entry(*row[:9], retracted=bool(row[9]), pinned=bool(row[10]))


class Timeline:
    """Append entries to an incident's timeline."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def log(
        self,
        incident_id: int,
        text: str,
        *,
        by: str,
        kind: str = "note",
        occurred_at: datetime | None = None,
        uid: str | None = None,
    ) -> Change:
        """Append one entry. A `uid` made by the caller makes a resend harmless: the entry
        with that uid is there already (a resend after a crash, or two windows logging the same
        check-back), its insert is refused, nothing is written, and the entry is the answer. It
        is not looked up first: that read cost every note, for the rare resend."""
        ledger = self._ledger
        kind = ledger.vocabulary.kind(kind)
        text = domain.clean_text(text, "entry text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        now = ledger.now()
        body = {"entry": ledger.entry(kind, text, author, occurred_at or now, now, uid)}
        try:
            with ledger.writing():
                incident = ledger.read.incidents.get(incident_id)
                entry = ledger.record(self._logged, incident, body)
        except sqlite3.IntegrityError:
            existing = ledger.read.timeline.by_uid(uid) if uid else None
            if existing is None:
                raise
            return Change(ledger.read.incidents.get(incident_id), (existing,))
        return Change(incident, (entry,))

    @operation("entry.log")
    def _logged(self, op: Applied) -> Entry:
        return self._ledger.put_entry(op, op.body["entry"])


class TimelineReads:
    """Entries as they read now; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def _entries(self, where: str, params: tuple) -> list[Entry]:
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {ENTRY_COLUMNS} FROM entries e WHERE {where}", params
            ).fetchall()
        return [entry_from_row(row) for row in rows]

    def all(self, incident_id: int, *, team_order: bool = False) -> list[Entry]:
        """The whole timeline, oldest first (exports; the window pages instead); with
        `team_order`, in the order every console of a team agrees on (`TEAM_ORDER`)."""
        order = TEAM_ORDER if team_order else "e.occurred_at, e.id"
        return self._entries(f"e.incident_id = ? ORDER BY {order}", (incident_id,))

    def count(self, incident_id: int) -> int:
        with storage_errors(self._path):
            return self._conn.execute(
                "SELECT count(*) FROM entries WHERE incident_id = ?", (incident_id,)
            ).fetchone()[0]

    def page(
        self, incident_id: int, *, before: tuple[str, int] | None = None, limit: int = 500
    ) -> list[Entry]:
        """Up to `limit` entries older than `before` (or the newest ones), oldest first."""
        if before is None:
            rows = self._entries(
                "e.incident_id = ? ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                (incident_id, limit),
            )
        else:
            rows = self._entries(
                "e.incident_id = ? AND (e.occurred_at, e.id) < (?, ?) "
                "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                (incident_id, before[0], before[1], limit),
            )
        rows.reverse()
        return rows

    def after(self, incident_id: int, after_id: int) -> list[Entry]:
        """Entries written after a known row id (what another writer added), oldest first.

        Read by row id (`+e.incident_id` keeps SQLite off the incident's index, which would
        walk every entry of a long incident to find the few new ones).
        """
        return self._entries("e.id > ? AND +e.incident_id = ? ORDER BY e.id", (after_id, incident_id))

    def by_uid(self, uid: str) -> Entry | None:
        found = self._entries("e.uid = ?", (uid,))
        return found[0] if found else None

    def entry(self, incident_id: int, entry_id: int) -> Entry:
        """One entry of an incident, in its current state."""
        found = self._entries("e.id = ? AND e.incident_id = ?", (entry_id, incident_id))
        if not found:
            raise NotFound(f"no entry {format_entry_ref(entry_id)} on {format_ref(incident_id)}")
        return found[0]

    def latest_by(self, incident_id: int, author: str) -> Entry | None:
        """The newest entry (by when it was written) `author` wrote and has not retracted.

        What `/pin` with no entry named pins. Read from the (incident, kind, author) index
        newest first, kind by kind, so it is one short walk a kind however long the timeline.
        """
        found = self._entries(
            f"e.id = ({KINDS_OF}SELECT max(("
            " SELECT a.id FROM entries a"
            " WHERE a.incident_id = :incident AND a.kind = k.kind AND a.author = :author"
            " AND NOT EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = a.id)"
            " ORDER BY a.id DESC LIMIT 1)) FROM k WHERE k.kind IS NOT NULL)",
            {"incident": incident_id, "author": author},
        )
        return found[0] if found else None

    def pinned(self, incident_id: int) -> list[Entry]:
        """The entries pinned now, in timeline order."""
        return self._entries(
            f"e.id IN ({PINNED_NOW}) AND +e.incident_id = ? ORDER BY e.occurred_at, e.id",
            (incident_id,),
        )

    def authors(self, incident_id: int) -> list[str]:
        """Everyone who wrote on an incident's timeline, sorted (for a filter).

        A skip scan of the (incident, kind, author) index: one seek per kind and distinct
        author rather than a walk over every entry.
        """
        with storage_errors(self._path):
            kinds = [kind for (kind,) in self._conn.execute(
                f"{KINDS_OF}SELECT kind FROM k WHERE kind IS NOT NULL", {"incident": incident_id})]
            names: set[str] = set()
            for kind in kinds:
                names.update(name for (name,) in self._conn.execute(
                    "WITH RECURSIVE a(name) AS ("
                    " SELECT (SELECT min(author) FROM entries"
                    "         WHERE incident_id = :incident AND kind = :kind)"
                    " UNION ALL"
                    " SELECT (SELECT min(author) FROM entries"
                    "         WHERE incident_id = :incident AND kind = :kind AND author > a.name)"
                    " FROM a WHERE a.name IS NOT NULL"
                    ") SELECT name FROM a WHERE name IS NOT NULL",
                    {"incident": incident_id, "kind": kind},
                ))
        return sorted(names, key=str.casefold)
