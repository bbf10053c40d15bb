"""The entries' full-text index, kept off a note's commit: filled in batches, matched whole.

Until migration 0018 a trigger put every entry into `entries_fts` in the entry's own
transaction, and that was about a third of what a note wrote to the disk: FTS5 makes a new
segment for each transaction, rewrites its structure and averages records and the segment
index, and keeps the document's size (~5.8 of ~18 WAL pages a note at 100,000 entries). Now
an entry is indexed later, many at once, and `search_indexed.entries_through` says how far:
every entry with a higher id is the *backlog*. Entries are append-only and their ids only
grow, so the backlog is always the newest entries.

Writers (the writer connection, inside a write transaction):

    catch_up(conn) -> int       index the backlog; how many entries it indexed

The window's writer catches up when it is idle, before its checkpoint
(`IncidentService.checkpoint`), and so on close; a script or the command line never idle, so
the write that finds more than `console.ledger.SEARCH_BACKLOG_MAX` entries waiting indexes them
in its own transaction. The index is local to this file, like a checkpoint: nothing about it
is an op, and every console of a team indexes what it has.

Readers: `Backlog(conn).match(query)` finds the backlog's matches with the same FTS5 engine,
the same tokenizer (read from `entries_fts`'s own definition) and the same query, in a private
in-memory FTS5 table that follows the backlog as it grows and shrinks; console.search adds
them to what the index finds, so every committed entry is found, written by this process or
another. Its bm25 is scored among the backlog's entries only (a few seconds' worth in the
window): where both have matches, their order by relevance is approximate, as the revisions'
index's is. Doctor's check of the index catches up inside the transaction it rolls back.
"""

import re
import sqlite3


def catch_up(conn: sqlite3.Connection) -> int:
    """Index every entry above the watermark and move it (inside the caller's transaction)."""
    (through,) = conn.execute("SELECT entries_through FROM search_indexed").fetchone()
    (top,) = conn.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()
    if top <= through:
        return 0
    conn.execute("INSERT INTO entries_fts (rowid, text) SELECT id, text FROM entries "
                 "WHERE id > ? AND id <= ? ORDER BY id", (through, top))
    conn.execute("UPDATE search_indexed SET entries_through = ?", (top,))
    return top - through


class Backlog:
    """The entries not indexed yet, matched in memory exactly as `entries_fts` would match them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._memory: sqlite3.Connection | None = None
        self._held = 0  # the highest entry id copied into memory

    def _follow(self) -> bool:
        """Bring the in-memory table to the backlog as the store has it now; whether it has any."""
        if not self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_indexed'").fetchone():
            return False  # a file from before migration 0018: its trigger indexes each entry at once
        (through,) = self._conn.execute("SELECT entries_through FROM search_indexed").fetchone()
        rows = self._conn.execute(
            "SELECT id, text FROM entries WHERE id > ? ORDER BY id", (max(through, self._held),)
        ).fetchall()
        if self._memory is None:
            if not rows:
                return False
            self._memory = sqlite3.connect(":memory:")
            self._memory.execute(f"CREATE VIRTUAL TABLE backlog USING fts5(text, tokenize={self._tokenizer()})")
        memory = self._memory
        with memory:
            memory.execute("DELETE FROM backlog WHERE rowid <= ?", (through,))
            memory.executemany("INSERT INTO backlog (rowid, text) VALUES (?, ?)", rows)
        if rows:
            self._held = rows[-1][0]
        self._held = max(self._held, through)
        return memory.execute("SELECT EXISTS (SELECT 1 FROM backlog)").fetchone()[0] == 1

    def _tokenizer(self) -> str:
        (sql,) = self._conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'entries_fts'").fetchone()
        found = re.search(r"tokenize\s*=\s*('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", sql)
        return found.group(1) if found else "'unicode61'"

    def match(self, match: str, snippet: tuple[str, str]) -> list[tuple[int, str, float]]:
        """(entry id, snippet, bm25 score) of every backlog entry matching the FTS5 query
        `match`, newest first."""
        if not self._follow():
            return []
        start, end = snippet
        return self._memory.execute(
            "SELECT rowid, snippet(backlog, 0, ?, ?, '…', 16), bm25(backlog) "
            "FROM backlog WHERE backlog MATCH ? ORDER BY rowid DESC", (start, end, match)
        ).fetchall()
