"""Checkpoints off the committing connection, for scripts and long CLI runs.

SQLite's automatic checkpoint runs inside the commit that pushes the write-ahead log past 1000
pages, on the connection that commits. A note writes about 15 pages (the entry, its search
index, the op log), a bare one-row insert about one: so one note in 70 paid for a checkpoint
(writing ~4 MB and syncing the file) where the bare insert pays one in 1000, and the note's
p99 carried it (issue 15: 6-13x a bare insert of equal durability under automatic checkpoints).

`BackgroundCheckpoints` runs, every `EVERY_COMMITS` commits, a PASSIVE checkpoint on a
connection of its own from a short-lived thread: it copies what the log holds into the file
while the writer goes on committing (a passive checkpoint takes no lock a writer waits for),
and once it has copied everything the next commit starts the log again from its beginning, so
the log stays under SQLite's 1000 pages and the writer's own automatic checkpoint, still on as
the backstop, seldom has anything to do. Durability is unchanged: every commit is synced to
the log before it returns, as before. One checkpoint at a time; the thread ends when its
checkpoint does, so nothing is left running when the program exits, and `close()` waits for
one under way. A one-off CLI command never starts one. The window keeps its own policy
(automatic checkpoints off, one when the writer is idle: ui/writer.py).
"""

import sqlite3
import threading
from pathlib import Path

EVERY_COMMITS = 32  # ~470 pages of notes: the log restarts before SQLite's 1000


class BackgroundCheckpoints:
    def __init__(self, path: Path, every: int = EVERY_COMMITS) -> None:
        self._path = path
        self._every = every
        self._commits = 0
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.done = 0  # checkpoints run (for tests and benchmarks)
        self.failed: str | None = None  # the last failure, if any (the next one retries)

    def after_commit(self) -> None:
        """Called by the writer after each commit (console/ledger.py)."""
        self._commits += 1
        if self._commits < self._every:
            return
        if self._thread is not None and self._thread.is_alive():
            return  # one under way: the next commit asks again
        self._commits = 0
        self._thread = threading.Thread(target=self._run, name="checkpoint")
        self._thread.start()

    def _run(self) -> None:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(self._path, check_same_thread=False, timeout=10)
                    self._conn.execute("PRAGMA synchronous = FULL")
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                self.done += 1
            except sqlite3.Error as exc:  # a full disk, say: SQLite's log still holds everything
                self.failed = str(exc)

    def close(self) -> None:
        """Wait for a checkpoint under way and close the connection."""
        thread = self._thread
        if thread is not None:
            thread.join()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
