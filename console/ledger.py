"""What every operation on an incident shares: the writer connection and its one transaction.

The timeline is the audit log: every change to an incident (severity, status, roles, and the
board's tasks, checklist ticks and status updates) writes an entry in the same transaction as
the change itself, so the two can never disagree. Changes to an entry itself (a correction,
a retraction, a pin) are not new entries: they are rows in the entry's own append-only
history, which is their record. Each operation returns a `Change` naming what it wrote; it is
only returned after the commit, so whoever shows it to a person shows something that is
already durable.

The `Ledger` is the one object the nouns (console.incidents, console.roster, console.tasks...)
are built on: each takes it and uses only what is public here. Writes are plain SQL on the
standard library's sqlite3 (`insert`, `update`, `execute`), so nothing on the write path
imports sqlite-utils.

Every operation that commits records its op (console.ops) with `record`, which stores the op
and runs its effect, the one piece of code that writes the operation's rows: here when the op
is made, and on every other console of a team when it arrives (console.sync). Effects write
entries with `put_entry` and find what an op names with `incident_of`, `task_of`, `entry_of`.
"""

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from console import hlc, times
from console.chain import RANK as CHAINED
from console.chain import Chain
from console.clock import Clock
from console.domain import Entry, Incident
from console.errors import NotFound
from console.ops import Applied, Missing, Op, canonical, register_of
from console.queries import Reader
from console.store import write_transaction
from console.uids import new_uid
from console.vocabulary import Vocabulary


# The search index is filled in batches (console.search_index, which a plain write does not
# import): how many entries wait for it, and how many make the write that finds them waiting
# index them in its transaction (a script or the command line never idle; the window catches
# up when it does).
SEARCH_BEHIND = "SELECT coalesce((SELECT max(id) FROM entries), 0) - entries_through FROM search_indexed"
SEARCH_BACKLOG_MAX = 1000
# The ops not pushed yet: after `sync_state.pushed_through`, below which every op is pushed (or
# came from the server), those not marked (console.sync); every one of them was made here. A
# range of the op log's own order, where an index of them (migration 0008's `ops_outgoing`)
# cost every write one more page.
UNPUSHED = "seq > (SELECT pushed_through FROM sync_state) AND pushed = 0"
# The greatest HLC an unpushed op may have (Ledger._newest_op), as a column of sync_state: the
# newest unpushed op's or `unpushed_peak`, whichever is greater ('' when there is neither).
_UNPUSHED_BOUND = (f"max(coalesce((SELECT hlc FROM ops WHERE {UNPUSHED} ORDER BY seq DESC LIMIT 1), ''), "
                   "coalesce(unpushed_peak, ''))")
_UNREAD = object()  # store_op's `bound` when its caller has not read it


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """The INSERT of `Ledger.insert`, made once per table and set of columns."""
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" * len(columns))
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


# What an op made here reads before it is stored, in one statement (`_next_hlc`): the clock's
# offset from the team server's, the unpushed ops' bound, the newest pushed op's HLC up to a
# ceiling, and how far the search index has got (what `writing` compares its newest entry with).
_BEFORE_OP = (f"SELECT server_offset_ms, {_UNPUSHED_BOUND}, "
              "(SELECT max(hlc) FROM ops WHERE pushed = 1 AND hlc <= ?), "
              "(SELECT entries_through FROM search_indexed) FROM sync_state")


class Ledger:
    """The open store as one writer: connection, path, clock, vocabulary and the reader."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock,
                 vocabulary: Vocabulary | None = None) -> None:
        self.conn = conn
        self.path = path
        self._clock = clock
        self._vocabulary = vocabulary
        self._replica: str | None = None
        # Rows written, not yet linked (console.chain): (table, row id, the row when it was
        # written whole, so the chain need not read it back).
        self._unchained: list[tuple[str, int, dict | None]] = []
        self._newest_entry = 0  # the row id of the last entry this writer inserted
        self._entries_inserted = 0  # how many it has inserted (rolled back ones too)
        self._search_through: int | None = None  # search_indexed, as read in this transaction
        self._chain = Chain(conn)
        self.read = Reader(conn, path)
        # Called once, as the first write begins (a CLI command in team mode starts getting
        # ready to push then: console/cli.py's Session; a command that only reads never does).
        self.before_first_write: Callable[[], None] | None = None

    @property
    def vocabulary(self) -> Vocabulary:
        """The loaded process's roles, kinds and audiences (default: the shipped process's)."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.default()
        return self._vocabulary

    def now(self) -> datetime:
        """The clock every operation stamps `recorded_at` with."""
        return self._clock.now()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """The write transaction every operation runs in (see store.write_transaction).

        Before it commits, the rows of the chained tables written in it get their links in
        their incident's hash chain (console.chain), whichever effect wrote them."""
        if self.before_first_write is not None:
            starting, self.before_first_write = self.before_first_write, None
            starting()
        mark, entries_before = len(self._unchained), self._entries_inserted
        if not self.conn.in_transaction:
            self._search_through = None
        try:
            with write_transaction(self.conn, self.path):
                yield
                if len(self._unchained) > mark:
                    self._chain.link(self._unchained[mark:])
                    del self._unchained[mark:]
                if self._entries_inserted != entries_before and self._search_behind() > SEARCH_BACKLOG_MAX:
                    from console.search_index import catch_up  # one write in SEARCH_BACKLOG_MAX

                    catch_up(self.conn)
                    self._search_through = None
        except BaseException:
            del self._unchained[mark:]
            self._chain.forget()  # the links it kept were rolled back with their rows
            raise

    def _search_behind(self) -> int:
        """How many entries wait for the search index, after a write that inserted some. The
        writer holds the lock and row ids only grow, so the newest entry is the one it just
        inserted; how far the index has got was read with the op's clock (`_next_hlc`) in
        this transaction, unless nothing read it (then it is read now)."""
        if self._search_through is None:
            return self.conn.execute(SEARCH_BEHIND).fetchone()[0]
        return self._newest_entry - self._search_through

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        """One statement on the writer connection (inside `writing()` when it writes)."""
        return self.conn.execute(sql, params)

    def insert(self, table: str, row: dict[str, object]) -> int:
        """Insert one row (inside the caller's transaction); its row id."""
        cursor = self.conn.execute(_insert_sql(table, tuple(row)), tuple(row.values()))
        if table in CHAINED:
            self._unchained.append((table, cursor.lastrowid, row))
            if table == "entries":
                self._newest_entry = cursor.lastrowid
                self._entries_inserted += 1
        return cursor.lastrowid

    def update(self, table: str, row_id: int, changes: dict[str, object]) -> None:
        """Change columns of the row `row_id` (inside the caller's transaction)."""
        assignments = ", ".join(f'"{name}" = ?' for name in changes)
        cursor = self.conn.execute(
            f'UPDATE "{table}" SET {assignments} WHERE id = ?', (*changes.values(), row_id)
        )
        if cursor.rowcount != 1:
            raise NotFound(f"no row {row_id} in {table}")

    def set_register(self, table: str, where: tuple[str, object], register: str,
                     values: dict[str, object], hlc: str) -> None:
        """Last writer wins: set `values` on the row whose `where` column has that value, with
        the register's clock `{register}_hlc` = `hlc`, unless a newer op has set it already
        (ops can arrive in any order; the newest clock's values are the ones kept)."""
        column, key = where
        assignments = ", ".join(f'"{name}" = ?' for name in values)
        self.conn.execute(
            f'UPDATE "{table}" SET {assignments}, "{register}_hlc" = ? '
            f'WHERE "{column}" = ? AND "{register}_hlc" < ?',
            (*values.values(), hlc, key, hlc),
        )

    # A fresh id for a row that made it here without one (console.uids: time-ordered).
    new_uid = staticmethod(new_uid)

    @property
    def replica(self) -> str:
        """This database's replica id (made once, by the migration that added the op log)."""
        if self._replica is None:
            self._replica = self.conn.execute("SELECT replica FROM sync_state").fetchone()[0]
        return self._replica

    def next_hlc(self) -> str:
        """The HLC for an op made now: after every op recorded or received here (up to
        console.hlc's bound past our clock). Read inside the write transaction, which holds the
        only write lock, so two processes on one file never make the same one.

        In a team, "now" is the server's clock where ours is ahead of it (as the last exchange
        measured: sync_state.server_offset_ms), so a fast clock here cannot date a register
        change after the changes others make later (see console/team/migrations/0002). A slow
        clock needs nothing: the HLC already follows every op this console has seen."""
        return self._next_hlc()[0]

    def _next_hlc(self) -> tuple[str, str | None]:
        """`next_hlc`, and the bound on the unpushed ops' HLCs it read (see `_newest_op`), which
        `store_op` needs for the op made with it: one read of sync_state for both."""
        now = self.now()
        ceiling = hlc.ceiling(now)
        offset, bound, pushed, self._search_through = self.conn.execute(
            _BEFORE_OP, (ceiling,)).fetchone()
        if offset is not None and offset < 0:  # behind the team server's clock: its "now"
            now += timedelta(milliseconds=offset)
            ceiling = hlc.ceiling(now)
            if pushed is not None and pushed > ceiling:
                (pushed,) = self.conn.execute(
                    "SELECT max(hlc) FROM ops WHERE pushed = 1 AND hlc <= ?", (ceiling,)
                ).fetchone()
        bound = bound or None
        return hlc.following(self._newest_op(ceiling, bound, pushed), now, self.replica), bound

    def _newest_op(self, ceiling: str, bound: str | None, pushed: str | None) -> str | None:
        """The greatest HLC of an op here up to `ceiling`, without an index of every op's HLC
        (which cost each write one more page, migration 0020). The ops pushed or received are
        in the partial index `ops_hlc_pushed`: `pushed` is the greatest of them up to the
        ceiling. The ones not pushed yet are all made here, in
        the order of their HLCs as long as the clock does not go back: the newest of them, or
        `sync_state.unpushed_peak` (kept by `store_op` and console.sync when it does), is
        their greatest - `bound`. Only when that is past the ceiling are they read one by one."""
        if bound is not None and bound > ceiling:  # the clock went back past our own ops
            (bound,) = self.conn.execute(
                f"SELECT max(hlc) FROM ops WHERE {UNPUSHED} AND hlc <= ?", (ceiling,)
            ).fetchone()
        return max(pushed or "", bound or "") or None

    def _unpushed_bound(self) -> str | None:
        """An HLC of an op here that no op not pushed yet is past (see `_newest_op`)."""
        (bound,) = self.conn.execute(f"SELECT {_UNPUSHED_BOUND} FROM sync_state").fetchone()
        return bound or None

    def record(self, effect, incident: Incident | None, body: dict, *, uid: str | None = None):
        """Record the op of `effect` (a method marked `@operation`) with `body`, and run it.

        Inside the caller's write transaction: the op and its rows commit together or not at
        all. `incident` is None for the op that declares one (its body names it) and for an op
        that belongs to no incident (the people directory's). Returns what the effect returns
        (the entry it wrote, say)."""
        verb = effect.op_name
        register = register_of(verb, body)
        incident_uid = incident.uid if incident is not None else body["uid"] if effect.op_declares else None
        base = self.newest_on(incident_uid, register) if register else None
        made, bound = self._next_hlc()
        op = Op(uid or self.new_uid(), self.replica, made, incident_uid, verb, canonical(body), base)
        self.store_op(op, register, bound=bound)
        return effect(Applied(op, body, incident.id if incident is not None else None, True))

    def store_op(self, op: Op, register: str | None, *, pushed: bool = False,
                 bound: "str | None | object" = _UNREAD) -> None:
        """Store an op (inside the caller's transaction). One made here and not pushed yet keeps
        the unpushed ops' bound (`_newest_op`): `bound`, when the caller has just read it."""
        if not pushed:
            if bound is _UNREAD:
                bound = self._unpushed_bound()
            if bound is not None and op.hlc < bound:  # made after the clock went back
                self.conn.execute("UPDATE sync_state SET unpushed_peak = ?", (bound,))
        self.conn.execute(
            "INSERT INTO ops (uid, replica, hlc, incident, verb, body, base, register, pushed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*op, register, int(pushed)),
        )

    def newest_on(self, incident_uid: str, register: str) -> str | None:
        """The uid of the newest op known here on one register of an incident (its `base`):
        the declaration counts for every register of the incident."""
        row = self.conn.execute(
            "SELECT uid FROM ops WHERE incident = ? AND register IN (?, 'declare') "
            "AND register IS NOT NULL ORDER BY hlc DESC LIMIT 1",
            (incident_uid, register),
        ).fetchone()
        return row[0] if row else None

    def entry(self, kind: str, text: str, author: str, occurred: datetime, now: datetime,
              uid: str | None = None) -> dict[str, str]:
        """The body of a timeline entry an op writes (`put_entry` writes it).

        `recorded_at` is always `now`; `occurred` may be earlier (a back-dated entry)."""
        return {"uid": uid or self.new_uid(), "kind": kind, "text": text, "author": author,
                "occurred_at": times.to_text(occurred), "recorded_at": times.to_text(now)}

    def put_entry(self, applied: Applied, entry: dict[str, str]) -> Entry:
        """Write the timeline entry of an op (inside its transaction), with the op's HLC (or
        the entry's own, for an entry written before the op log, see console.sync).

        An entry's uid may be made by its caller (a resend is then harmless) and two consoles
        can make the same one (a check-back noticed on both): an entry from elsewhere whose uid
        is taken here is stored as `uid~hlc`, and `entry_of` finds it by either."""
        stamp = entry.get("hlc", applied.hlc)
        row = {"uid": entry["uid"], "incident_id": applied.incident_id, "kind": entry["kind"],
               "text": entry["text"], "author": entry["author"],
               "occurred_at": entry["occurred_at"], "recorded_at": entry["recorded_at"]}
        try:
            entry_id = self.insert("entries", {**row, "hlc": stamp})
        except sqlite3.IntegrityError:
            if applied.local or self.read.timeline.by_uid(row["uid"]) is None:
                raise
            row["uid"] = f"{entry['uid']}~{stamp}"
            entry_id = self.insert("entries", {**row, "hlc": stamp})
        return Entry(id=entry_id, **row)

    def entry_of(self, ref: dict[str, str]) -> int:
        """The row id of the entry an op names ({uid, hlc}, see console.ops.entry_ref)."""
        row = self.conn.execute(
            "SELECT id FROM entries WHERE uid IN (?, ? || '~' || ?) AND hlc = ?",
            (ref["uid"], ref["uid"], ref["hlc"], ref["hlc"]),
        ).fetchone()
        if row is None:
            raise Missing(f"entry {ref['uid']}")
        return row[0]

    def entry_ref(self, entry_id: int) -> dict[str, str]:
        """How an op names the entry `entry_id` (its uid as first written, and its HLC)."""
        uid, stamp = self.conn.execute(
            "SELECT uid, hlc FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        suffix = f"~{stamp}"
        return {"uid": uid[: -len(suffix)] if stamp and uid.endswith(suffix) else uid, "hlc": stamp}

    def row_of(self, table: str, uid: str) -> int:
        """The row id of the task, role term or follow-up with this uid."""
        row = self.conn.execute(f'SELECT id FROM "{table}" WHERE uid = ?', (uid,)).fetchone()
        if row is None:
            raise Missing(f"{table} {uid}")
        return row[0]

    def uid_of(self, table: str, row_id: int) -> str:
        return self.conn.execute(f'SELECT uid FROM "{table}" WHERE id = ?', (row_id,)).fetchone()[0]

    def close(self) -> None:
        self.conn.close()
