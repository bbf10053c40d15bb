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
"""

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from console import times
from console.clock import Clock
from console.domain import Entry
from console.errors import NotFound
from console.queries import Reader
from console.store import write_transaction
from console.vocabulary import Vocabulary


class Ledger:
    """The open store as one writer: connection, path, clock, vocabulary and the reader."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock,
                 vocabulary: Vocabulary | None = None) -> None:
        self.conn = conn
        self.path = path
        self._clock = clock
        self._vocabulary = vocabulary
        self.read = Reader(conn, path)

    @property
    def vocabulary(self) -> Vocabulary:
        """The loaded process's roles, kinds and audiences (default: the shipped process's)."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.default()
        return self._vocabulary

    def now(self) -> datetime:
        """The clock every operation stamps `recorded_at` with."""
        return self._clock.now()

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """The write transaction every operation runs in (see store.write_transaction)."""
        return write_transaction(self.conn, self.path)

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        """One statement on the writer connection (inside `writing()` when it writes)."""
        return self.conn.execute(sql, params)

    def insert(self, table: str, row: dict[str, object]) -> int:
        """Insert one row (inside the caller's transaction); its row id."""
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" * len(row))
        cursor = self.conn.execute(
            f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', tuple(row.values())
        )
        return cursor.lastrowid

    def update(self, table: str, row_id: int, changes: dict[str, object]) -> None:
        """Change columns of the row `row_id` (inside the caller's transaction)."""
        assignments = ", ".join(f'"{name}" = ?' for name in changes)
        cursor = self.conn.execute(
            f'UPDATE "{table}" SET {assignments} WHERE id = ?', (*changes.values(), row_id)
        )
        if cursor.rowcount != 1:
            raise NotFound(f"no row {row_id} in {table}")

    @staticmethod
    def new_uid() -> str:
        """A fresh id for an entry or a task that made it here without one: a random (version 4)
        UUID's hex, made as `uuid.uuid4` makes it, whose module imports `platform` (~5 ms)."""
        raw = bytearray(os.urandom(16))
        raw[6] = raw[6] & 0x0F | 0x40  # version 4
        raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
        return raw.hex()

    def append(
        self,
        incident_id: int,
        kind: str,
        text: str,
        author: str,
        occurred: datetime,
        now: datetime,
        uid: str | None = None,
    ) -> Entry:
        """Write the timeline entry of a change, inside the caller's transaction.

        `recorded_at` is always `now`; `occurred` may be earlier (a back-dated entry).
        """
        row = {
            "uid": uid or self.new_uid(),
            "incident_id": incident_id,
            "kind": kind,
            "text": text,
            "author": author,
            "occurred_at": times.to_text(occurred),
            "recorded_at": times.to_text(now),
        }
        return Entry(id=self.insert("entries", row), **row)

    def close(self) -> None:
        self.conn.close()
