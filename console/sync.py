"""Sync: the op log as a team's consoles exchange it (console.team moves it to and from the server).

    service.sync.outgoing(limit) -> list[Op]     ops not yet pushed, in the order they were made
    service.sync.mark_pushed(uids)              the server has them
    service.sync.apply(ops) -> int              run ops from elsewhere; how many were new here
    service.sync.cursor() / set_cursor(text)    where the last pull stopped (the server's words)
    service.sync.set_numbers({uid: number})     the server's number of each incident (INC-N)
    service.sync.join(team) / leave()           team mode on and off (`team` is a label)
    service.sync.waiting() -> int               ops not yet pushed
    service.sync.note_server_clock(ms)          the server's clock, read at an exchange
    service.sync.held() -> int                  ops from elsewhere not run yet (see below)

Applying an op runs the effect of its verb (the same code the operation ran where it was made,
console.ops) with the op's uids, times and author, and records the op; an op already here is
skipped, so a batch may be applied twice. Ops are applied in HLC order; one that names
something not here yet (an entry of an incident whose declaration has not arrived) waits in
`ops_waiting` and is tried again after every batch, so the order ops arrive in does not matter.

Joining a team turns the rows written before the op log existed into ops (console.past_rows),
so the server gets the whole record; the refs incidents had (INC-<id>) are kept as aliases.
"""

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from console import hlc
from console.ledger import UNPUSHED
from console.ops import OPERATIONS, Applied, Missing, Op, register_of
from console.past_rows import PastRows
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

_OP_COLUMNS = "uid, replica, hlc, incident, verb, body, base"
_ADVANCE = ("UPDATE sync_state SET pushed_through = coalesce("
            "(SELECT min(seq) - 1 FROM ops WHERE seq > pushed_through AND pushed = 0), "
            "(SELECT max(seq) FROM ops), 0)")
CLOCK_RESOLUTION_MS = 1000  # a change in the server's offset smaller than this is not written
CLOCK_NOTICE_MS = 60_000  # a clock this far off the server's is said (team status, the window)


class Sync:
    """The op log's side of a team: what goes out, what comes in, the cursor and the numbers."""

    def __init__(self, ledger: "Ledger", nouns: Callable[[], Iterable[object]]) -> None:
        """`nouns()`: every object whose @operation methods are effects (asked for only when an
        op from elsewhere is applied, so a command that applies none never builds them all)."""
        self._ledger = ledger
        self._past = PastRows(ledger)
        self._nouns = nouns
        self._effects: dict[str, Any] | None = None

    # -- going out ------------------------------------------------------------------------------

    def outgoing(self, limit: int = 1000) -> list[Op]:
        """Up to `limit` ops the server does not have yet, in the order they were made here."""
        with storage_errors(self._ledger.path):
            rows = self._ledger.execute(
                f"SELECT {_OP_COLUMNS} FROM ops WHERE {UNPUSHED} ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [Op(*row) for row in rows]

    def mark_pushed(self, uids: Iterable[str]) -> None:
        uids = list(uids)
        with self._ledger.writing():
            for start in range(0, len(uids), 500):
                chunk = uids[start:start + 500]
                self._ledger.execute(
                    f"UPDATE ops SET pushed = 1 WHERE pushed = 0 AND uid IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            self._ledger.execute(_ADVANCE)
            # What is left may be ops made before the clock went back, past the newest of them
            # (the server refused them as too far ahead): their greatest HLC, for Ledger.next_hlc.
            self._ledger.execute(
                f"UPDATE sync_state SET unpushed_peak = (SELECT max(hlc) FROM ops WHERE {UNPUSHED})")

    def waiting(self) -> int:
        """How many ops wait to go out."""
        with storage_errors(self._ledger.path):
            return self._ledger.execute(f"SELECT count(*) FROM ops WHERE {UNPUSHED}").fetchone()[0]

    def held(self) -> int:
        """How many ops from elsewhere are held back: they name something not here yet, or this
        console cannot read them (a newer console's)."""
        with storage_errors(self._ledger.path):
            return self._ledger.execute("SELECT count(*) FROM ops_waiting").fetchone()[0]

    # -- coming in ------------------------------------------------------------------------------

    def apply(self, ops: Iterable[Op]) -> int:
        """Run the ops from elsewhere that are not here yet; how many were applied.

        Idempotent by uid, in one transaction; the ops are run in HLC order, and one that names
        something not here yet waits (`ops_waiting`) until a later batch brings it."""
        ledger = self._ledger
        fresh = sorted({op.uid: Op(*op) for op in ops}.values(), key=lambda op: op.hlc)
        applied = 0
        with ledger.writing():
            for op in fresh:
                if self._known(op.uid):
                    continue
                if self._run(op):
                    applied += 1
                else:
                    ledger.execute(
                        f"INSERT INTO ops_waiting ({_OP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", op
                    )
            applied += self._retry_waiting()
            ledger.execute(_ADVANCE)  # past what came in, up to what waits to go out
        return applied

    def _known(self, uid: str) -> bool:
        return self._ledger.execute(
            "SELECT EXISTS (SELECT 1 FROM ops WHERE uid = ?) OR EXISTS "
            "(SELECT 1 FROM ops_waiting WHERE uid = ?)", (uid, uid)
        ).fetchone()[0] == 1

    def _retry_waiting(self) -> int:
        """Run the waiting ops whose turn has come (until a pass runs none)."""
        ledger = self._ledger
        done = 0
        while True:
            waiting = [Op(*row) for row in ledger.execute(
                f"SELECT {_OP_COLUMNS} FROM ops_waiting ORDER BY hlc").fetchall()]
            ran = 0
            for op in waiting:
                if self._run(op):
                    ledger.execute("DELETE FROM ops_waiting WHERE uid = ?", (op.uid,))
                    ran += 1
            done += ran
            if not ran:
                return done

    def _run(self, op: Op) -> bool:
        """Record `op` and run its effect, in a savepoint; False (nothing kept) when it names
        something not here yet, or its verb is one this console does not know."""
        ledger = self._ledger
        effect = self._effect(op.verb)
        if effect is None or not hlc.is_valid(op.hlc):
            return False  # kept waiting: a newer console's op, or not one at all
        try:
            body = _body(op)
        except ValueError:
            return False
        incident_id = None
        if op.incident is not None:
            row = ledger.execute("SELECT id FROM incidents WHERE uid = ?", (op.incident,)).fetchone()
            incident_id = row[0] if row else None
        if incident_id is None and not effect.op_declares and op.incident is not None:
            return False  # its incident has not arrived (an op of no incident runs as it comes)
        try:
            with ledger.writing():
                ledger.store_op(op, register_of(op.verb, body), pushed=True)
                effect(Applied(op, body, incident_id, False))
        except (Missing, KeyError, TypeError, AttributeError):
            return False  # what it names is not here yet, or its body is not one this console reads
        return True

    def _effect(self, verb: str):
        if self._effects is None:
            self._effects = {}
            for noun in (*self._nouns(), self._past):
                for name, member in vars(type(noun)).items():
                    if getattr(member, "op_name", None) in OPERATIONS:
                        self._effects[member.op_name] = getattr(noun, name)
        return self._effects.get(verb)

    # -- the server's words ---------------------------------------------------------------------

    def cursor(self) -> str | None:
        with storage_errors(self._ledger.path):
            return self._ledger.execute("SELECT cursor FROM sync_state").fetchone()[0]

    def set_cursor(self, text: str | None) -> None:
        with self._ledger.writing():
            self._ledger.execute("UPDATE sync_state SET cursor = ?", (text,))

    def server_offset_ms(self) -> int | None:
        """The server's clock minus ours, in ms, as the last exchange measured it (None before
        one)."""
        with storage_errors(self._ledger.path):
            return self._ledger.execute("SELECT server_offset_ms FROM sync_state").fetchone()[0]

    def note_server_clock(self, server_ms: int) -> None:
        """Keep how far the server's clock (`server_ms`, just read from it) is from ours; ops made
        here from now on are dated by it where ours is ahead (console/ledger.py). Written only
        when it moved by a second or more, so an exchange every few seconds writes nothing."""
        offset = server_ms - hlc.millis(self._ledger.now())
        kept = self.server_offset_ms()
        if kept is None or abs(offset - kept) >= CLOCK_RESOLUTION_MS:
            with self._ledger.writing():
                self._ledger.execute("UPDATE sync_state SET server_offset_ms = ?", (offset,))

    def clock_notice(self) -> str | None:
        """One line when this computer's clock is a minute or more off the team server's (as
        the last exchange measured), for `team status` and the window; else None."""
        offset = self.server_offset_ms()
        if offset is None or abs(offset) < CLOCK_NOTICE_MS:
            return None
        from console.times import format_duration

        side = "behind" if offset > 0 else "ahead of"
        minutes = round(abs(offset) / 60_000)  # to the minute: the exchange's own time blurs the seconds
        return (f"this computer's clock is {format_duration(minutes * 60)} {side} the team server's: "
                "the times it records are off by as much (set the clock right)")

    def set_numbers(self, numbers: dict[str, int]) -> None:
        """The server's number of each incident (by uid): its ref is INC-<number> in a team."""
        with self._ledger.writing():
            for uid, number in numbers.items():
                self._ledger.execute(
                    "INSERT INTO team_numbers (incident, number) VALUES (?, ?) "
                    "ON CONFLICT (incident) DO UPDATE SET number = excluded.number",
                    (uid, int(number)),
                )

    # -- joining and leaving --------------------------------------------------------------------

    @property
    def team(self) -> str | None:
        """The team this database has joined (a label), or None when solo."""
        with storage_errors(self._ledger.path):
            return self._ledger.execute("SELECT team FROM sync_state").fetchone()[0]

    def join(self, team: str) -> int:
        """Team mode on: refs become INC-<server number> (NEW-<id> until numbered), the refs
        incidents had stay as aliases, and the rows written before the op log become ops to push.
        Returns how many ops that made. Joining again (another label) makes none twice."""
        ledger = self._ledger
        made = 0
        with ledger.writing():
            ledger.execute("UPDATE sync_state SET team = ?, cursor = NULL", (team,))
            ledger.execute(
                "INSERT OR IGNORE INTO incident_aliases (alias, incident_id) "
                "SELECT 'INC-' || id, id FROM incidents"
            )
            for (incident_id,) in ledger.execute("SELECT id FROM incidents ORDER BY id").fetchall():
                made += self._past.make(incident_id)
        return made

    def leave(self) -> None:
        """Team mode off: refs are INC-<id> again. The op log and the numbers are kept."""
        with self._ledger.writing():
            self._ledger.execute("UPDATE sync_state SET team = NULL, cursor = NULL, server_offset_ms = NULL")

def _body(op: Op) -> dict:
    import json

    return json.loads(op.body)


class Conflict(NamedTuple):
    """A register two or more consoles changed without seeing each other's change."""

    register: str  # severity, status, role:<id>
    kept: tuple[str, str]  # (who, what they set): the value every console shows
    others: tuple[tuple[str, str], ...]  # the changes that lost, oldest first

    def text(self) -> str:
        changes = ", ".join(f"{who} set {what}" for who, what in (*self.others, self.kept))
        return f"changed concurrently: {changes} - {self.kept[1]} kept"


class SyncReads:
    """What the op log says about an incident; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def conflicts(self, incident_id: int) -> list[Conflict]:
        """The incident's registers changed concurrently: for each, the newest op's value and
        the changes its writer had not seen (an op newer than the one its writer replaced,
        `base`). Empty once someone sets the value again having seen them all."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT o.register, o.uid, o.hlc, o.base, o.verb, o.body FROM ops o "
                "JOIN incidents i ON i.uid = o.incident WHERE i.id = ? AND o.register IS NOT NULL "
                "ORDER BY o.hlc",
                (incident_id,),
            ).fetchall()
        by_register: dict[str, list[tuple]] = {}
        for row in rows:
            if row[0] != "declare":
                by_register.setdefault(row[0], []).append(row)
        hlcs = {row[1]: row[2] for row in rows}
        found = []
        for register, changes in sorted(by_register.items()):
            newest = changes[-1]
            seen = hlcs.get(newest[3], "")
            if newest[3] is not None and newest[3] not in hlcs:
                continue  # its base is not here yet: nothing can be said
            others = [row for row in changes[:-1] if row[2] > seen]
            if others:
                found.append(Conflict(register, _says(newest), tuple(_says(row) for row in others)))
        return found

    def team(self) -> str | None:
        with storage_errors(self._path):
            return self._conn.execute("SELECT team FROM sync_state").fetchone()[0]


def _says(row: tuple) -> tuple[str, str]:
    """(who, what they set) of a register op's row."""
    import json

    body = json.loads(row[5])
    says = getattr(OPERATIONS.get(row[4]), "op_says", None)
    return body["entry"]["author"], says(body) if says else row[4]
