"""The board's header: severity (with its definition), status, title, clocks and the update
countdowns. It shows; it writes nothing.
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console import times
from console.clock import Clock
from console.domain import Incident
from ui.actions import family_keys
from ui.formatting import severity_text
from ui.incident_list import SEVERITY_COLOURS

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


class IncidentHeader(QFrame):
    """Severity (with its definition), status, title, clocks, callouts and update countdowns.

    Signals:
        handbook_requested(str): a handbook page reference (the severity's definition).
    """

    handbook_requested = Signal(str)

    def __init__(self, clock: Clock, process: "Process", zone: tzinfo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidentHeader")
        self._clock = clock
        self._zone = zone
        self.process = process
        self._incident: Incident | None = None
        self.title_label = QLabel(self)
        self.title_label.setObjectName("incidentTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.severity_label = QLabel(self)
        self.severity_label.setObjectName("severityChip")
        self.severity_label.setTextFormat(Qt.TextFormat.RichText)
        self.severity_label.linkActivated.connect(self.handbook_requested)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusChip")
        self.definition_label = QLabel(self)
        self.definition_label.setObjectName("definition")
        self.definition_label.setWordWrap(True)
        self.elapsed_label = QLabel(self)
        self.elapsed_label.setObjectName("elapsed")
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("clocks")
        self.cadence_label = QLabel(self)
        self.cadence_label.setObjectName("cadence")
        self.cadence_label.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(self.severity_label)
        top.addWidget(self.status_label)
        top.addWidget(self.title_label, 1)
        top.addWidget(self.clock_label)
        middle = QHBoxLayout()
        middle.addWidget(self.elapsed_label)
        middle.addStretch(1)
        middle.addWidget(self.cadence_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.definition_label)
        layout.addLayout(middle)

    def show_incident(self, incident: Incident) -> None:
        self._incident = incident
        self.title_label.setText(f"{incident.ref} · {incident.title}")
        self._show_severity(incident.severity)
        flags = [f for f, on in (("SECURITY", incident.security), ("DRILL", incident.drill)) if on]
        self.status_label.setText(" · ".join([incident.status.upper(), *flags]))
        self.tick()

    def _show_severity(self, level: int | None) -> None:
        """The chip links to the level's definition in the handbook; the line below sums it up."""
        colour = SEVERITY_COLOURS.get(level or 0, "#7d8590")
        self.severity_label.setStyleSheet(f"background: {colour};")
        text = severity_text(level)
        definition = self.process.severity(level) if level else None
        if definition is None:
            self.severity_label.setText(text)
            self.severity_label.setToolTip(f"Severity not set yet: {family_keys('severity_1')}")
            self.definition_label.setText("Severity not set. If unsure between two levels, pick the more severe.")
            return
        self.severity_label.setText(
            f'<a href="{definition["page"]}" style="color: white; text-decoration: none;">{text}</a>'
        )
        self.severity_label.setToolTip(
            f"{definition['name']} · {definition['title']}: {definition['summary']}\n"
            f"Click for the full definition in the handbook. {family_keys('severity_1')} changes it."
        )
        response = "; ".join(definition["response"][:3])
        self.definition_label.setText(f"{definition['title']}: {definition['summary']}  Response: {response}")

    def tick(self) -> None:
        now = self._clock.now()
        local = now.astimezone(self._zone)
        self.clock_label.setText(f"Local {local:%H:%M:%S}   UTC {now:%H:%M:%S}")
        if self._incident is None:
            self.elapsed_label.clear()
            return
        declared = times.from_text(self._incident.declared_at)
        parts = [f"Declared {times.format_duration((now - declared).total_seconds())} ago"]
        if self._incident.started_at != self._incident.declared_at:
            started = times.from_text(self._incident.started_at)
            parts.append(f"impact began {times.format_duration((now - started).total_seconds())} ago")
        self.elapsed_label.setText("   ·   ".join(parts))
