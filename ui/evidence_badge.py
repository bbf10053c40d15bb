"""The board's line on the evidence log (issue 14): how many pieces of evidence the incident has,
and how many failed their last verify, with the key that opens the log (ui/evidence_window.py).

Shown on a security incident always (evidence is meant for those), on any other once it has
evidence. Read again each time the board reads its incident (`IncidentPage.incident_shown`).
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from console.domain import Incident
from ui import actions, palette


class EvidenceBadge(QLabel):
    def __init__(self, reader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceBadge")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._reader = reader
        self.hide()

    def show_for(self, incident: Incident) -> None:
        count = self._reader.evidence.count(incident.id)
        if not count and not incident.security:
            self.hide()
            return
        failed = 0
        if count:
            failed = sum(1 for i in self._reader.evidence.items(incident.id) if i.state in ("changed", "missing"))
        text = f"Evidence: {count}" if count else "Evidence: none yet"
        if failed:
            text += f", {failed} FAILED its last verify"
        self.setText(f"{text} ({actions.keys_of('evidence')})")
        self.setAccessibleName(text)
        if self.property("failed") != bool(failed):
            palette.set_state(self, "failed", bool(failed))
        self.show()
