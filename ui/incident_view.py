"""One incident: its header with ticking clocks, its timeline, and the note box.

A typed note goes to the writer thread; it appears in the timeline only when the commit has
returned. If the write fails, the text comes back into the box and the reason is shown under
it: nothing typed is lost and nothing modal interrupts the call.
"""

import uuid
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget,
)

from console import times
from console.clock import Clock
from console.domain import Change, Incident
from console.queries import Reader

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process
from ui.formatting import KindStyles, severity_text
from ui.incident_list import SEVERITY_COLOURS
from ui.timeline import TimelineModel
from ui.writer import StoreWriter


class IncidentHeader(QFrame):
    """Reference, title, severity, status; time since declared and the two clocks.

    Signals:
        handbook_requested(str): a handbook page reference (the severity's definition).
    """

    handbook_requested = Signal(str)

    def __init__(self, clock: Clock, zone: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidentHeader")
        self._clock = clock
        self._zone = zone
        self._incident: Incident | None = None
        self.process: "Process | None" = None
        self.title_label = QLabel(self)
        self.title_label.setObjectName("incidentTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.severity_label = QLabel(self)
        self.severity_label.setObjectName("severityChip")
        self.severity_label.setTextFormat(Qt.TextFormat.RichText)
        self.severity_label.linkActivated.connect(self.handbook_requested)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusChip")
        self.elapsed_label = QLabel(self)
        self.elapsed_label.setObjectName("elapsed")
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("clocks")
        top = QHBoxLayout()
        top.addWidget(self.severity_label)
        top.addWidget(self.status_label)
        top.addWidget(self.title_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.elapsed_label, 1)
        bottom.addWidget(self.clock_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    def set_process(self, process: "Process") -> None:
        self.kinds = KindStyles.from_process(process)
        self.header.process = process

    def show_incident(self, incident: Incident) -> None:
        self._incident = incident
        self.title_label.setText(f"{incident.ref} · {incident.title}")
        self._show_severity(incident.severity)
        flags = [f for f, on in (("SECURITY", incident.security), ("DRILL", incident.drill)) if on]
        self.status_label.setText(" · ".join([incident.status.upper(), *flags]))
        self.tick()

    def _show_severity(self, level: int | None) -> None:
        """The chip links to the level's definition in the handbook; its tooltip summarises it."""
        colour = SEVERITY_COLOURS.get(level or 0, "#7d8590")
        self.severity_label.setStyleSheet(f"background: {colour};")
        text = severity_text(level)
        definition = self.process.severity(level) if (self.process and level) else None
        if definition is None:
            self.severity_label.setText(text)
            self.severity_label.setToolTip("Severity not set yet")
            return
        self.severity_label.setText(
            f'<a href="{definition["page"]}" style="color: white; text-decoration: none;">{text}</a>'
        )
        self.severity_label.setToolTip(
            f"{definition['name']} · {definition['title']}: {definition['summary']}\n"
            "Click for the full definition in the handbook."
        )

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


class IncidentPage(QWidget):
    """Signals: handbook_requested(str): a page the person asked to read."""

    handbook_requested = Signal(str)

    def __init__(
        self, reader: Reader, writer: StoreWriter, clock: Clock, author: str,
        zone: tzinfo | None = None, parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._zone = zone
        self.author = author
        self.incident: Incident | None = None
        self.model: TimelineModel | None = None
        self.kinds = KindStyles({}, {})
        self.header = IncidentHeader(clock, zone, self)
        self.header.handbook_requested.connect(self.handbook_requested)
        self.timeline = QListView(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setUniformItemSizes(True)  # O(1) layout per row, whatever the count
        self.timeline.setIconSize(QSize(8, 16))  # the kind's colour: a slim bar, not a block
        self.timeline.setWordWrap(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("noteBox")
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setPlaceholderText("Type a note and press Enter  (Ctrl+L: here · Esc: back to the list)")
        self.note_status = QLabel(self)
        self.note_status.setObjectName("formMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.note_status)
        self.note_edit.returnPressed.connect(self.submit_note)
        self.timeline.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._follow = True

    def set_process(self, process: "Process") -> None:
        self.kinds = KindStyles.from_process(process)
        self.header.process = process

    def show_incident(self, incident: Incident) -> None:
        self.incident = incident
        self.header.show_incident(incident)
        self.model = TimelineModel(
            self._reader, incident.id, self._clock, self.kinds, self._zone, parent=self
        )
        self.model.rowsAboutToBeInserted.connect(self._remember_follow)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        old = self.timeline.selectionModel()
        self.timeline.setModel(self.model)
        if old is not None:
            old.deleteLater()
        self.note_status.clear()
        self._follow = True
        self.timeline.scrollToBottom()
        QTimer.singleShot(0, self.timeline.scrollToBottom)  # again once the page is laid out

    def focus_note(self) -> None:
        self.note_edit.setFocus()

    def submit_note(self) -> None:
        """Send the box's text; it shows in the timeline once committed."""
        text = self.note_edit.text()
        if not text.strip() or self.incident is None:
            return
        incident_id = self.incident.id
        uid = uuid.uuid4().hex  # made here, so a resend can never record the note twice
        author = self.author
        self.note_edit.clear()
        self.note_status.setText("saving…")

        def on_done(change: Change) -> None:
            self.note_status.clear()

        def on_error(error: Exception) -> None:
            current = self.note_edit.text()
            self.note_edit.setText(text if not current else f"{text} {current}")
            self.note_status.setText(f"Not saved: {error}")

        self._writer.submit(
            lambda service: service.log(incident_id, text, by=author, uid=uid), on_done, on_error
        )

    def apply_change(self, change: Change) -> None:
        """Refresh from a committed change to any incident."""
        if self.incident is None or change.incident.id != self.incident.id:
            return
        self.incident = change.incident
        self.header.show_incident(change.incident)
        if self.model is not None:
            self.model.add_entries(change.entries)

    def _remember_follow(self) -> None:
        bar = self.timeline.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self.model is not None and last == self.model.rowCount() - 1 and self._follow:
            QTimer.singleShot(0, self.timeline.scrollToBottom)

    def _on_scrolled(self, value: int) -> None:
        bar = self.timeline.verticalScrollBar()
        if value == bar.minimum() and self.model is not None and self.model.has_older():
            before = bar.maximum()
            if self.model.fetch_older():
                # keep the rows under the reader's eyes where they were
                self.timeline.doItemsLayout()
                bar.setValue(bar.maximum() - before)
