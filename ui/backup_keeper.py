"""The window's automatic backups: at each start, after each resolved incident, and every N
minutes while it writes (the process's `backups.yaml`), each followed by rotation; each backup's
chain heads, and where they stand when the window closes, go to the head log (console/heads.py).

A backup runs on a thread of its own with a connection of its own (console/backups.py: the
backup API in one step, a snapshot), never on the GUI thread, and not on the writer's thread
either: a note typed while a large database is being backed up commits at once. One backup at
a time; a request while one runs makes one more afterwards. Closing the window waits for a
running backup to finish (a thread left running at exit would be a crash).
"""

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from console import backups
from console.domain import Change
from console.errors import ConsoleError

log = logging.getLogger("incident_console.backups")


class BackupKeeper(QObject):
    """Signals: done(Backup) after each verified backup; failed(str) says why one was not made."""

    done = Signal(object)
    failed = Signal(str)
    _finished = Signal(object, str)  # from the backup thread: (Backup or None, problem)

    def __init__(self, db_path: Path, folder: Path, parent: QObject | None = None,
                 head_log: Path | None = None) -> None:
        super().__init__(parent)
        self._db_path, self._folder = db_path, folder
        self._head_log = head_log  # each backup's heads are written down there (console/heads.py)
        self.policy = backups.Policy()
        self._thread: threading.Thread | None = None
        self._again = False
        self._written = False  # something was written since the last backup began
        self._closed = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._every)
        self._finished.connect(self._on_finished)

    def start(self, policy: backups.Policy | None = None) -> None:
        """The start-up backup, then one every `every_minutes` while the window writes."""
        if policy is not None:
            self.policy = policy
        self._timer.setInterval(self.policy.every_minutes * 60_000)
        self._timer.start()
        self.backup_now()

    def note(self, change: object) -> None:
        """Called with each committed change: marks writing, and backs up after a resolve."""
        self._written = True
        if (isinstance(change, Change) and change.incident.status == "resolved"
                and any(entry.kind == "status" for entry in change.entries)):
            self.backup_now()

    def running(self) -> bool:
        return self._thread is not None

    def backup_now(self) -> None:
        if self._closed:
            return
        if self._thread is not None:
            self._again = True
            return
        self._written = False
        self._thread = threading.Thread(target=self._work, name="backup", daemon=False)
        self._thread.start()

    def close(self) -> None:
        """Stop the timer and wait for a running backup (it is not left half-written)."""
        self._closed = True
        self._timer.stop()
        self._again = False
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _every(self) -> None:
        if self._written:
            self.backup_now()

    def _work(self) -> None:
        try:
            made = backups.automatic(self._db_path, self._folder, self.policy)
            if self._head_log is not None:
                self._witness(made.path, "backup")
        except ConsoleError as exc:
            self._finished.emit(None, str(exc))
        except Exception as exc:  # our bug: logged loudly, said in one line
            log.exception("backup failed")
            self._finished.emit(None, f"internal error while backing up: {exc!r}")
        else:
            self._finished.emit(made, "")

    def _witness(self, db_path: Path, why: str) -> None:
        """Write the heads of a database in the head log: signed when this process already holds
        the key (the keyring is never asked from here: a locked one could hold the window)."""
        from console import heads

        problem = heads.record_file(self._head_log, db_path, why)
        if problem:
            log.warning("%s", problem)

    def witness_close(self) -> None:
        """The window closes: where every chain stands now is written down (after the writer's
        last commit)."""
        if self._head_log is not None and Path(self._db_path).is_file():
            self._witness(self._db_path, "close")

    def _on_finished(self, made, problem: str) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if made is not None:
            log.info("backed up to %s", made.path)
            self.done.emit(made)
        else:
            log.warning("backup failed: %s", problem)
            self.failed.emit(problem)
        if self._again and not self._closed:
            self._again = False
            self.backup_now()
