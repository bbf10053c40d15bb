"""The badge on an incident whose record chain does not hold (console.chain).

The chain is checked each time an incident is opened. Checking reads and hashes every row of
the record (seconds at a million entries), so it runs in a process of its own
(`python -m console.chain_check DATABASE INCIDENT`, a QProcess): the board is shown at once, and
a long check never competes with the window for its interpreter (a thread would hold the GIL
for most of its time). The badge appears when the check finds something; nothing shows while
the chain holds. When it fails, a red chip at the end of the header's first line says "Record
altered: E3 changed" (the first place it fails), with the whole line `incident-console verify`
prints in its tooltip and its accessible description.

Opening another incident or closing the window ends a check under way (its process is killed
and waited for), so no check outlives the window.
"""

import json
import sys

from PySide6.QtCore import QEvent, QObject, QProcess, Qt
from PySide6.QtWidgets import QLabel, QWidget

TEXT = "Record altered"
NOT_CHECKED = "Record not checked"


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

    def __init__(self, path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chainBadge")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        self._path = path
        self.witnesses = None  # (head log, backup folder): heads written down outside the file (console/heads.py)
        self._process: QProcess | None = None
        self._incident: int | None = None
        self._watching = False
        self.result: tuple[int, dict] | None = None  # the last check's incident and finding

    def check(self, incident_id: int) -> None:
        """Check the incident's chain in a process of its own; the badge shows what it finds."""
        self.stop()
        self.hide()
        self.result = None
        if not self._watching and self.window() is not self:
            self.window().installEventFilter(_CloseWatch(self, self.window()))
            self._watching = True
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "console.chain_check", str(self._path), str(incident_id),
                              *(str(p) for p in self.witnesses or ())])
        process.finished.connect(lambda code, status, p=process: self._finished(p, code, status))
        self._process, self._incident = process, incident_id
        process.start()

    def _finished(self, process: QProcess, code: int, status) -> None:
        if process is not self._process:
            return  # a check that was stopped
        self._process = None
        process.deleteLater()
        out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace").strip()
        try:
            found = json.loads(out.splitlines()[-1]) if out else {}
        except ValueError:
            found = {}
        if not isinstance(found, dict) or ("holds" not in found and "error" not in found):
            err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
            found = {"error": (err.splitlines() or [f"the check ended with status {code}"])[-1]}
        self.result = (self._incident, found)
        if found.get("holds"):
            self.hide()
            return
        if "error" in found:
            line = f"the record chain could not be checked: {found['error']}"
            self.setText(NOT_CHECKED)
        else:
            line = found["line"]
            self.setText(f"{TEXT}: {found['what'].split(' by ')[0]} {found['how']}")
        self.setToolTip(f"{line}. incident-console verify says the same.")
        self.setAccessibleName(self.text())
        self.setAccessibleDescription(line)
        self.show()

    def stop(self) -> None:
        """End a check under way and wait for its process."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.waitForFinished(5000)
            process.deleteLater()

    def running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning
