"""The badge on an incident whose record chain does not hold (console.chain).

The chain is checked each time an incident is opened. Checking reads every row of the record
(seconds at a million entries), so it runs on a thread of its own over its own read-only
connection; the board is shown at once and the badge appears when the check finds something,
carried back to the window's thread by a queued signal. Nothing shows while the chain holds.
When the chain fails, a red chip at the end of the header's first line says "Record altered",
with the first place it fails in its tooltip and its accessible description (the same line
`incident-console verify` prints).

Opening another incident or closing the window interrupts a check under way (through
SQLite's progress handler) and waits for its thread, so no check outlives the window.
"""

import sqlite3
import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from console.chain import Break, ChainReads
from console.errors import ConsoleError
from console.store import connect

TEXT = "Record altered"


class _Relay(QObject):
    """Carries a check's result from its thread to the window's (a queued signal)."""

    found = Signal(int, int, object)  # the check's number, the incident, Break | None | str


class _CloseWatch(QObject):
    def __init__(self, badge: "ChainBadge", parent: QObject) -> None:
        super().__init__(parent)
        self._badge = badge

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Close:
            self._badge.stop()
        return False


class ChainBadge(QLabel):
    """Hidden until a check of the incident shown finds its chain broken."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chainBadge")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        self._path = path
        self._relay = _Relay()  # no parent: it outlives the badge while a thread may still emit
        self._relay.found.connect(self._found)
        self._number = 0
        self._thread: threading.Thread | None = None
        self._watching = False
        self.result: tuple[int, Break | str | None] | None = None  # the last check shown

    def check(self, incident_id: int) -> None:
        """Check the incident's chain on a thread; the badge shows what it finds."""
        self.stop()
        self.hide()
        self.result = None
        if not self._watching and self.window() is not self:
            self.window().installEventFilter(_CloseWatch(self, self.window()))
            self._watching = True
        self._number += 1
        self._thread = threading.Thread(target=self._run, args=(self._number, incident_id),
                                        name="chain-check")
        self._thread.start()

    def _run(self, number: int, incident_id: int) -> None:
        """On the check's thread."""
        result: Break | str | None
        try:
            conn = connect(self._path, read_only=True)
        except ConsoleError as exc:
            self._relay.found.emit(number, incident_id, f"the record chain could not be checked: {exc}")
            return
        # Asked every few thousand steps of SQLite's work: a newer check (another incident, or the
        # window closing) stops this one where it is.
        conn.set_progress_handler(lambda: number != self._number, 10_000)
        try:
            result = ChainReads(conn, self._path).verify(incident_id)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                return  # stopped: another incident was opened, or the window closed
            result = f"the record chain could not be checked: {exc}"
        except ConsoleError as exc:
            result = f"the record chain could not be checked: {exc}"
        finally:
            conn.close()
        if number == self._number:
            self._relay.found.emit(number, incident_id, result)

    def _found(self, number: int, incident_id: int, result) -> None:
        if number != self._number:
            return  # a check of an incident no longer shown
        self.result = (incident_id, result)
        if result is None:
            self.hide()
            return
        line = result.line() if isinstance(result, Break) else result
        self.setText(TEXT if isinstance(result, Break) else "Record not checked")
        self.setToolTip(f"{line}. incident-console verify says the same.")
        self.setAccessibleName(self.text())
        self.setAccessibleDescription(line)
        self.show()

    def stop(self) -> None:
        """Interrupt a check under way and wait for its thread."""
        self._number += 1  # the check's progress handler sees it and interrupts its query
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
