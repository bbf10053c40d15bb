"""The board's header: severity (with its definition), status, title, clocks and the update
countdowns. It shows; it writes nothing.

Two arrangements: wide (the clocks beside the title, the countdowns beside the elapsed time,
the severity's full definition) and narrow (`set_narrow`: the title on a line of its own, the
countdowns under the elapsed time, the definition's summary with the response in its tooltip),
so the board fits a half screen. Every text wraps rather than widen the window.
"""

import html
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console import times
from console.clock import Clock
from console.domain import Incident
from ui.actions import family_keys
from ui import palette
from ui.formatting import severity_text
from ui.link_label import LinkLabel

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


def sentences(parts: list[str]) -> str:
    """Short lines as running text: each ends with a full stop (unless it has its own), one
    space between them: `roles named. Follow the steps.`, never `roles named.; Follow…`."""
    return " ".join(p.strip() if p.strip()[-1:] in ".!?" else f"{p.strip()}." for p in parts if p.strip())


def final_durations(incident: Incident) -> str:
    """How long a resolved incident lasted, from its record: the figures stop at resolve."""
    resolved = times.from_text(incident.resolved_at)
    parts = [f"Resolved after {times.format_duration((resolved - times.from_text(incident.declared_at)).total_seconds())}"]
    if incident.started_at != incident.declared_at:
        impact = (resolved - times.from_text(incident.started_at)).total_seconds()
        parts.append(f"impact lasted {times.format_duration(impact)}")
    return "   ·   ".join(parts)


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
        self.narrow = False
        self.title_label = self._wrapping("incidentTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.severity_label = LinkLabel(self, hint="Enter opens the level's definition in the handbook")
        self.severity_label.setObjectName("severityChip")
        self.severity_label.linkActivated.connect(self.handbook_requested)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusChip")
        self.definition_label = self._wrapping("definition")
        self.elapsed_label = self._wrapping("elapsed")
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("clocks")
        self.cadence_label = self._wrapping("cadence")
        self.cadence_label.setTextFormat(Qt.TextFormat.RichText)
        self.cadence_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._definition = ("", "")  # (summary, response) of the current level
        self.top = QHBoxLayout()
        self.top.addWidget(self.severity_label, 0, Qt.AlignmentFlag.AlignTop)
        self.top.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignTop)
        self.top.addWidget(self.title_label, 1)
        self.top.addWidget(self.clock_label, 0, Qt.AlignmentFlag.AlignTop)
        self.middle = QHBoxLayout()
        self.middle.addWidget(self.elapsed_label, 1)
        self.middle.addWidget(self.cadence_label, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addLayout(self.top)
        layout.addWidget(self.definition_label)
        layout.addLayout(self.middle)

    def _wrapping(self, name: str) -> QLabel:
        """A label that wraps rather than widen the window, whatever it is given to say."""
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def set_narrow(self, narrow: bool) -> None:
        """Narrow: the title gets a line of its own under the chips and the clocks, the
        countdowns one under the elapsed time, and the definition keeps its summary."""
        if narrow == self.narrow:
            return
        self.narrow = narrow
        layout = self.layout()
        if narrow:
            self.top.removeWidget(self.title_label)
            layout.insertWidget(1, self.title_label)
            self.middle.removeWidget(self.cadence_label)
            layout.addWidget(self.cadence_label)
        else:
            layout.removeWidget(self.title_label)
            self.top.insertWidget(2, self.title_label, 1)
            layout.removeWidget(self.cadence_label)
            self.middle.addWidget(self.cadence_label, 2)
        self.top.setStretchFactor(self.clock_label, 1 if narrow else 0)
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cadence_label.setAlignment(Qt.AlignmentFlag.AlignLeft if narrow else Qt.AlignmentFlag.AlignRight)
        self._show_definition()

    def show_incident(self, incident: Incident) -> None:
        self._incident = incident
        # The board is the one place a security incident's real title shows: after its codename,
        # smaller, so the two do not take the header's height from the timeline.
        if incident.security:
            self.title_label.setTextFormat(Qt.TextFormat.RichText)
            self.title_label.setText(f"{html.escape(incident.ref)} · {html.escape(incident.shown_title)} "
                                     f"<span style='font-size: 12pt; font-weight: normal'>— "
                                     f"{html.escape(incident.title)}</span>")
        else:
            self.title_label.setTextFormat(Qt.TextFormat.PlainText)
            self.title_label.setText(f"{incident.ref} · {incident.title}")
        self._show_severity(incident.severity)
        flags = [f for f, on in (("SECURITY", incident.security), ("DRILL", incident.drill),
                                 # its messages beyond the team wait for /forensics-clear
                                 ("COMMS HELD", incident.security and incident.cleared_at is None)) if on]
        self.status_label.setText(" · ".join([incident.status.upper(), *flags]))
        self.tick()

    def _show_severity(self, level: int | None) -> None:
        """The chip links to the level's definition in the handbook; the line below sums it up."""
        colour = palette.hex_colour(palette.severity(level))
        self.severity_label.setStyleSheet(f"background: {colour};")
        text = severity_text(level)
        definition = self.process.severity(level) if level else None
        if definition is None:
            self.severity_label.setText(text)
            self.severity_label.setToolTip(f"Severity not set yet: {family_keys('severity_1')}")
            self.severity_label.setAccessibleName(f"Severity not set. {family_keys('severity_1')} sets it.")
            self._definition = ("Severity not set. If unsure between two levels, pick the more severe.", "")
            self._show_definition()
            return
        self.severity_label.setText(
            f'<a href="{definition["page"]}" style="color: {palette.hex_colour("on_fill")}; text-decoration: none;">{text}</a>'
        )
        self.severity_label.setAccessibleName(f"Severity {text}, {definition['title']}")
        self.severity_label.setToolTip(
            f"{definition['name']} · {definition['title']}: {definition['summary']}\n"
            f"Enter or a click: the full definition in the handbook. {family_keys('severity_1')} changes it."
        )
        self._definition = (f"{definition['title']}: {definition['summary']}",
                            f"Response: {sentences(definition['response'][:3])}")
        self._show_definition()

    def _show_definition(self) -> None:
        """Wide: the summary and the response; narrow: the summary, the response on hover."""
        summary, response = self._definition
        if self.narrow:
            self.definition_label.setText(summary)
            self.definition_label.setToolTip(response)
        else:
            self.definition_label.setText(f"{summary}  {response}".strip())
            self.definition_label.setToolTip("")

    def tick(self) -> None:
        now = self._clock.now()
        local = now.astimezone(self._zone)
        self.clock_label.setText(f"Local {local:%H:%M:%S}   UTC {now:%H:%M:%S}")
        if self._incident is None:
            self.elapsed_label.clear()
            return
        self.elapsed_label.setText(self.elapsed_text(self._incident, now))

    @staticmethod
    def elapsed_text(incident: Incident, now: datetime) -> str:
        """`Declared 7m 05s ago · impact began 12m ago`; once resolved, the final durations."""
        if incident.status == "resolved" and incident.resolved_at:
            return final_durations(incident)
        declared = times.from_text(incident.declared_at)
        parts = [f"Declared {times.format_duration((now - declared).total_seconds())} ago"]
        if incident.started_at != incident.declared_at:
            started = times.from_text(incident.started_at)
            parts.append(f"impact began {times.format_duration((now - started).total_seconds())} ago")
        return "   ·   ".join(parts)
