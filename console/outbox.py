"""The outbox (issue 13): every message an update or a page sends, one row per destination,
written in the same transaction as the timeline entry that records it.

    service.outbox.page(incident_id, team, by=)    /page TEAM: the entry and its messages
    service.outbox.release(row_id, by=)            a held message goes out (an override, in the timeline)
    service.outbox.resend(row_id, by=)             an unknown or failed message is tried again
    service.outbox.drop(row_id, by=)               ... or given up
    (status updates queue theirs in console.updates, through `queue`)

A row is queued by the op's effect (`queue`), so the op, its entry and its messages commit
together; but only on the console that made the op: rows are local state keyed by the op's
uid and the destination (UNIQUE), so an op that runs again queues nothing twice, and an op
that arrives from another console of a team sends nothing here (docs/design/outbound.md).

States: `waiting` (due at `next_at`, or now), `sending` (claimed by a process, see
console/sender.py), `sent`, `failed` (given up after MAX_ATTEMPTS, or refused for good),
`unknown` (the service may have it and cannot tell us; the person resends or drops it),
`held` (the message rules found something; it waits for an override), `dropped`.

Whoever sends (console/sender.py) claims a row, sends, then records the attempt with
`finish`; a final outcome also writes a timeline entry (an op, so a team sees it).
"""

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.domain import Change, Incident
from console.errors import InputError, NotFound
from console.ops import Applied, operation
from console.security import HOLD_REASON, held_until_cleared, marking
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

# After this many tries that did not get through (refused, offline, rate-limited, a failure a
# retry is safe for), a message is `failed` and shown: with the backoff of console/sender.py
# (30 s doubling to 15 min) eight tries span about 45 minutes - long enough to ride out a
# network blip or a service's bad minute, short enough that a stuck page is seen while the
# incident is still on.
MAX_ATTEMPTS = 8
STATES = ("waiting", "sending", "sent", "failed", "unknown", "held", "dropped")
# States the person may need to act on, and the ones still going out.
ATTENTION = ("failed", "unknown", "held")
PENDING = ("waiting", "sending")
NOTE_KIND = "comms"  # the entry kind of the outbox's own timeline entries (entry_kinds.yaml)

_COLUMNS = ("id, uid, op, incident_id, destination_id, destination, audience, title, body, attach, "
            "state, attempts, next_at, last_error, claim, created_at, done_at, recipients")


class OutboxRow(NamedTuple):
    id: int
    uid: str  # the idempotency key a service that can dedupe is given
    op: str
    incident_id: int
    destination_id: int
    destination: str
    audience: str
    title: str
    body: str
    attach: str | None
    state: str
    attempts: int
    next_at: str | None
    last_error: str | None
    claim: str | None
    created_at: str
    done_at: str | None
    recipients: str = ""  # the one address an e-mail goes to (an invitation); '' the destination's own

    @property
    def ref(self) -> str:
        return f"M{self.id}"

    @property
    def shown_state(self) -> str:
        return "unknown - may have been sent" if self.state == "unknown" else self.state


class Attempt(NamedTuple):
    at: str
    outcome: str
    reason: str | None


def fate(audience: str, rows: list[OutboxRow], *, drill: bool = False) -> str:
    """What became of an update's messages, in one line for the person who sent it: recorded,
    and going out, held (and why), or reaching no one."""
    recorded = f"Update to {audience} recorded"
    if drill:
        return f"{recorded}; a drill's messages reach no one."
    if not rows:
        return f"{recorded}; no destination takes {audience} messages (incident-console notify add)."
    held = [r for r in rows if r.state == "held"]
    if not held:
        return f"{recorded}; going out to {', '.join(r.destination for r in rows)}."
    why = (held[0].last_error or "held").removeprefix("held: ")
    return f"{recorded}; its messages are held ({why}). Outbox: F7."


def parse_row_ref(text: str) -> int:
    """`M12`, `m12` or `12` -> 12."""
    raw = (text or "").strip()
    digits = raw[1:] if raw[:1] in ("M", "m") else raw
    if not (digits.isascii() and digits.isdigit()) or int(digits) == 0 or len(digits) > 12:
        raise InputError(f"bad message reference {raw[:40]!r}: expected M<number> as `outbox` lists it")
    return int(digits)


def row_uid(op_uid: str, destination_id: int, recipient: str = "") -> str:
    """The same op, destination (and recipient) give the same uid, wherever and however often
    it runs."""
    import hashlib  # only when a message is queued: OpenSSL's module costs a command ~4 ms

    key = f"{op_uid}/{destination_id}" + (f"/{recipient}" if recipient else "")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


# A claim older than this is abandoned even if its pid is alive again (a reused pid): one send
# takes at most console/sender.py's SEND_TIMEOUT (10 s).
CLAIM_LEASE = timedelta(minutes=10)


def claim_token(now: datetime) -> str:
    """Who claims a row: this process, and when (`pid@time`)."""
    return f"{os.getpid()}@{times.to_text(now)}"


def claim_alive(claim: str | None, now: datetime) -> bool:
    """Whether the process that claimed a row may still be sending it: it is running (rows are
    in a file on this machine, so the claimer is a process here) and the claim is recent."""
    pid, _, when = (claim or "").partition("@")
    if not pid.isdigit() or not when:
        return False
    try:
        if now - times.from_text(when) > CLAIM_LEASE:
            return False
    except (ValueError, InputError):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Outbox:
    """Queue messages with the ops that make them, and keep each one's state."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    # -- queued by ops ---------------------------------------------------------------------------

    def queue(self, op: Applied, audience: str, title: str, body: str, *, held: tuple = (),
              attach: str | None = None, security_hold: bool = False) -> int:
        """Inside an op's effect: one row per destination of `audience` (a security incident's
        only to destinations marked for it, and never to a phone). Nothing on a console that
        did not make the op. The number of rows queued."""
        ledger = self._ledger
        if op.op.replica != ledger.replica:
            return 0
        incident = ledger.read.incidents.get(op.incident_id)
        if incident.drill:  # a drill's updates and pages are practice: they reach no one
            return 0
        if incident.security:
            title, body = self.security_message(body)
        state = "held" if held or security_hold else "waiting"
        reason = f"held: the message rules found {', '.join(held)}" if held else None
        if security_hold:  # console.security: what waits for /forensics-clear says so first
            reason = HOLD_REASON + (f"; the message rules found {', '.join(held)}" if held else "")
        count = 0
        for dest_id, name, security, phone in ledger.execute(
                "SELECT id, name, security, phone FROM destinations WHERE audience = ? ORDER BY id",
                (audience,)).fetchall():
            if incident.security and (not security or phone):
                continue
            count += self._insert(op, dest_id, name, audience, title, body, state, reason, attach, "")
        return count

    def _insert(self, op: Applied, dest_id: int, name: str, audience: str, title: str, body: str, state: str,
                reason: str | None, attach: str | None, recipient: str) -> int:
        cursor = self._ledger.execute(
            "INSERT OR IGNORE INTO outbox (uid, op, incident_id, destination_id, destination, audience, title, body, "
            "attach, recipients, state, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row_uid(op.op.uid, dest_id, recipient), op.op.uid, op.incident_id, dest_id, name, audience, title, body,
             attach, recipient, state, reason, times.to_text(self._ledger.now())))
        return cursor.rowcount

    # -- the post-mortem invitation ------------------------------------------------------------------

    def invite(self, incident_id: int, destination: str, addresses: list[str], *, by: str,
               ics: str, when: str) -> Change:
        """E-mail the post-mortem meeting's invitation (`ics`, console.postmortem.invitation) to
        `addresses` through the e-mail destination `destination`: an entry and one message, in
        one op. A security incident's is not e-mailed (its title would travel in the file)."""
        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        if incident.drill:
            raise InputError(f"{incident.ref} is a drill: its invitation is not e-mailed (a drill reaches "
                             "no real destination)")
        if incident.security:
            raise InputError(f"{incident.ref} is a security incident: its invitation is not e-mailed "
                             "(the file names the incident); send it on the secure channel")
        from console.destinations import DestinationReads, check_name

        found = DestinationReads(ledger.conn, ledger.path).find(check_name(destination))
        if found is None:
            raise NotFound(f"no destination named {check_name(destination)} (incident-console notify list)")
        if not addresses:
            raise InputError("no one to invite: give each address with --to")
        now = ledger.now()
        text = (f"Post-mortem invitation for {incident.ref} ({when}) e-mailed via {found.name} to "
                f"{len(addresses)} {'person' if len(addresses) == 1 else 'people'}")
        body = {"destination": found.id, "recipients": list(addresses), "ics": ics, "when": when,
                "entry": ledger.entry(NOTE_KIND, text, author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._invited, incident, body)
        return Change(incident, (entry,))

    @operation("postmortem.invite")
    def _invited(self, op: Applied):
        ledger = self._ledger
        entry = ledger.put_entry(op, op.body["entry"])
        if op.op.replica != ledger.replica:
            return entry
        row = ledger.execute("SELECT id, name FROM destinations WHERE id = ?", (op.body["destination"],)).fetchone()
        if row is not None:  # one message per person: each is sent, retried and judged on its own
            incident = ledger.read.incidents.get(op.incident_id)
            body = (f"You are invited to the post-mortem review of {incident.ref} {incident.title}, "
                    f"{op.body['when']}. The calendar invitation is attached.")
            for address in op.body["recipients"]:
                self._insert(op, row[0], row[1], "postmortem", f"Post-mortem: {incident.ref} {incident.title}",
                             body, "waiting", None, op.body["ics"], address)
        return entry

    def security_message(self, body: str) -> tuple[str, str]:
        """What a security incident's message may carry: the marking as its title (an e-mail's
        subject is the marking and nothing else) and the text the person wrote for it, never the
        incident's title (handbook: during/security_incident_response)."""
        return marking(self._ledger.vocabulary.process), body

    def update_title(self, incident: Incident, audience: str) -> str:
        """An update's title: its audience's template title (updates.yaml), and the reference."""
        process = self._ledger.vocabulary.process
        title = next((t["title"] for t in (process.items("update_templates") if process else ())
                      if t["audience"] == audience), f"Update to {audience}")
        return f"{title}: {incident.ref}"

    # -- /page TEAM -------------------------------------------------------------------------------

    def page(self, incident_id: int, team: str, *, by: str, kind: str = "page",
             occurred_at: datetime | None = None, uid: str | None = None) -> Change:
        """Record the page and send it to every destination of the page audience. A `uid`
        made by the caller makes a resend harmless (the page is recorded and sent once)."""
        ledger = self._ledger
        team = domain.clean_text(team, "team", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        if uid is not None:
            existing = ledger.read.timeline.by_uid(uid)
            if existing is not None:
                return Change(incident, (existing,))
        now = ledger.now()
        body = {"team": team, "entry": ledger.entry(ledger.vocabulary.kind(kind), f"Paged {team}", author,
                                                    occurred_at or now, now, uid)}
        with ledger.writing():
            entry = ledger.record(self._paged, incident, body)
        return Change(incident, (entry,))

    @operation("page.send")
    def _paged(self, op: Applied):
        ledger = self._ledger
        entry = ledger.put_entry(op, op.body["entry"])
        incident = ledger.read.incidents.get(op.incident_id)
        team = op.body["team"]
        sev = f"SEV-{incident.severity}" if incident.severity else "no severity yet"
        if incident.security:
            text = f"{team}: you are paged to a security incident, {incident.ref}. Details only on its secure channel."
        else:
            text = f"{team}: you are paged to {incident.ref} {incident.title} ({sev}). Join the incident call."
        from console.destinations import page_audience

        self.queue(op, page_audience(), f"Page: {incident.ref} ({sev})", text)
        return entry

    # -- what a person does about a message -------------------------------------------------------

    def release(self, row_id: int, *, by: str) -> Change:
        """Send a held message despite the rules' findings: the override is a timeline entry."""
        row = self._row(row_id)
        if row.state != "held":
            raise InputError(f"{row.ref} is {row.shown_state}, not held; only a held message is released")
        incident = self._ledger.read.incidents.get(row.incident_id)
        if held_until_cleared(self._ledger.vocabulary, incident, row.audience):
            raise InputError(f"{row.ref} waits until forensics shows {incident.ref}'s attack was not "
                             "internal: the Incident Commander records it with /forensics-clear")
        return self._act(row, "waiting", by,
                         f"Override by {by}: {row.ref} to {row.audience} via {row.destination} released "
                         f"despite the message rules ({(row.last_error or '').removeprefix('held: ')})")

    def resend(self, row_id: int, *, by: str) -> Change:
        row = self._row(row_id)
        if row.state not in ("unknown", "failed"):
            raise InputError(f"{row.ref} is {row.shown_state}; only an unknown or failed message is resent")
        return self._act(row, "waiting", by, f"{row.ref} to {row.audience} via {row.destination}: "
                                              f"resent by {by}", reset=True)

    def drop(self, row_id: int, *, by: str) -> Change:
        row = self._row(row_id)
        if row.state not in ("waiting", "unknown", "failed", "held"):
            raise InputError(f"{row.ref} is {row.shown_state}; it cannot be dropped")
        return self._act(row, "dropped", by, f"{row.ref} to {row.audience} via {row.destination}: "
                                              f"dropped by {by}, not sent")

    def _row(self, row_id: int) -> OutboxRow:
        row = OutboxReads(self._ledger.conn, self._ledger.path).get(row_id)
        if row is None:
            raise NotFound(f"no message M{row_id} in this console's outbox (incident-console outbox)")
        return row

    def _act(self, row: OutboxRow, state: str, by: str, text: str, *, reset: bool = False) -> Change:
        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(row.incident_id)
        now = ledger.now()
        body = {"entry": ledger.entry(NOTE_KIND, text, author, now, now)}
        with ledger.writing():
            cursor = ledger.execute(
                "UPDATE outbox SET state = ?, next_at = NULL, done_at = ?, attempts = "
                "CASE WHEN ? THEN 0 ELSE attempts END WHERE id = ? AND state = ?",
                (state, times.to_text(now) if state == "dropped" else None, int(reset), row.id, row.state))
            if cursor.rowcount != 1:
                raise InputError(f"{row.ref} changed meanwhile; look again (incident-console outbox)")
            entry = ledger.record(self._noted, incident, body)
        return Change(incident, (entry,))

    @operation("outbox.note")
    def _noted(self, op: Applied):
        return self._ledger.put_entry(op, op.body["entry"])

    # -- the sender's side -------------------------------------------------------------------------

    def claim(self, row_id: int, token: str) -> bool:
        """Take a waiting row to send it (False: someone else took it, or it changed)."""
        ledger = self._ledger
        with ledger.writing():
            cursor = ledger.execute("UPDATE outbox SET state = 'sending', claim = ? WHERE id = ? AND state = 'waiting'",
                                    (token, row_id))
        return cursor.rowcount == 1

    def finish(self, row: OutboxRow, outcome: str, reason: str | None, state: str, *,
               next_at: datetime | None = None, by: str = "Outbox", note: str | None = None,
               count: bool = True) -> None:
        """Record one attempt's outcome and where the row now stands; a final outcome (`note`)
        is also a timeline entry, in the same transaction."""
        ledger = self._ledger
        now = ledger.now()
        with ledger.writing():
            ledger.insert("outbox_attempts", {"outbox_id": row.id, "at": times.to_text(now), "outcome": outcome,
                                              "reason": reason})
            ledger.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + ?, next_at = ?, last_error = ?, claim = NULL, "
                "done_at = ? WHERE id = ?",
                (state, int(count), times.to_text(next_at) if next_at else None, reason,
                 times.to_text(now) if state in ("sent", "failed") else None, row.id))
            if note:
                incident = ledger.read.incidents.get(row.incident_id)
                ledger.record(self._noted, incident, {"entry": ledger.entry(NOTE_KIND, note, by, now, now)})

    def abandoned(self) -> list[OutboxRow]:
        """Rows left `sending` by a process that is gone (killed between sending and recording)."""
        rows = OutboxReads(self._ledger.conn, self._ledger.path).in_state("sending")
        now = self._ledger.now()
        return [row for row in rows if not claim_alive(row.claim, now)]


class OutboxReads:
    """The outbox as it stands; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def _rows(self, where: str, params: tuple = ()) -> list[OutboxRow]:
        with storage_errors(self._path):
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE {where}", params).fetchall()
        return [OutboxRow(*row) for row in rows]

    def get(self, row_id: int) -> OutboxRow | None:
        rows = self._rows("id = ?", (row_id,))
        return rows[0] if rows else None

    def all(self, incident_id: int | None = None) -> list[OutboxRow]:
        if incident_id is None:
            return self._rows("1 ORDER BY id")
        return self._rows("incident_id = ? ORDER BY id", (incident_id,))

    def of_entry(self, entry_id: int) -> list[OutboxRow]:
        """The messages queued by the op that wrote this entry (an update's)."""
        return self._rows("(SELECT p.hlc FROM ops p WHERE p.uid = outbox.op) = "
                          "(SELECT e.hlc FROM entries e WHERE e.id = ?) ORDER BY id", (entry_id,))

    def in_state(self, state: str) -> list[OutboxRow]:
        return self._rows("state = ? ORDER BY id", (state,))

    def open(self) -> list[OutboxRow]:
        """Every row that is not done: going out, or waiting for a person."""
        return self._rows("state IN ('waiting', 'sending', 'failed', 'unknown', 'held') ORDER BY id")

    def due(self, now: datetime) -> list[OutboxRow]:
        """Waiting rows that may go now: each destination's first waiting row, if its time has
        come (a later one never overtakes it: messages to one destination go out in order)."""
        return self._rows(
            "state = 'waiting' AND (next_at IS NULL OR next_at <= ?) AND NOT EXISTS ("
            "SELECT 1 FROM outbox p WHERE p.destination_id = outbox.destination_id AND p.id < outbox.id "
            "AND p.state IN ('waiting', 'sending')) ORDER BY id", (times.to_text(now),))

    def next_due(self) -> str | None:
        """When the soonest waiting row that may go is due ('' now; None: nothing waits). A row
        behind another of its destination's is not counted: it goes after that one."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT min(coalesce(next_at, '')) FROM outbox WHERE state = 'waiting' AND NOT EXISTS ("
                "SELECT 1 FROM outbox p WHERE p.destination_id = outbox.destination_id AND p.id < outbox.id "
                "AND p.state IN ('waiting', 'sending'))").fetchone()
        return row[0] if row and row[0] is not None else None

    def seconds_to_next(self, now: datetime) -> float | None:
        """Seconds until a waiting row is due (0: now); None when nothing waits."""
        due = self.next_due()
        if due is None:
            return None
        return 0.0 if due == "" else max(0.0, (times.from_text(due) - now).total_seconds())

    def counts(self) -> dict[str, int]:
        """How many rows are in each state (what the window's indicator shows)."""
        with storage_errors(self._path):
            rows = self._conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {state: n for state, n in rows}

    def newest_id(self) -> int:
        with storage_errors(self._path):
            return self._conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]

    def ids_after(self, row_id: int) -> set[int]:
        """The rows queued after row `row_id` (what one command queued)."""
        with storage_errors(self._path):
            return {r for (r,) in self._conn.execute("SELECT id FROM outbox WHERE id > ?", (row_id,))}

    def attempts(self, row_id: int) -> list[Attempt]:
        with storage_errors(self._path):
            rows = self._conn.execute("SELECT at, outcome, reason FROM outbox_attempts WHERE outbox_id = ? ORDER BY id",
                                      (row_id,)).fetchall()
        return [Attempt(*row) for row in rows]
