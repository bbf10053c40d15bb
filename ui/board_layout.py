"""The board's widgets and where they sit: the header and its alert lines on top; roles over
tasks on the left; the timeline, its bars, the prompts and the note box in the centre; the
checklist on the right. Nothing here acts on a key or writes: `IncidentPage` adds that.
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QListView, QSplitter, QVBoxLayout, QWidget,
)

from console.clock import Clock
from ui.board_models import ChecklistModel, RolesModel, TasksModel
from ui.board_panels import ChecklistPanel, InlineBar, PromptStrip, RolesPanel, TasksPanel, UpdateComposer
from ui.capture import CaptureBox, CommandPalette
from ui.finder import TimelineFinder
from ui.incident_header import IncidentHeader
from ui.timeline_delegate import TimelineDelegate

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


class BoardLayout(QWidget):
    """The board's widgets, built and laid out; each a public attribute."""

    def __init__(self, clock: Clock, process: "Process", zone: tzinfo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = IncidentHeader(clock, process, zone, self)
        self.alert = self._line("alertBar")
        self.callout = self._line("callout")

        self.roles_model = RolesModel(process.items("roles"), clock, self)
        self.roles_panel = RolesPanel(self.roles_model, self)
        self.tasks_model = TasksModel(clock, self)
        self.tasks_panel = TasksPanel(self.tasks_model, self)
        self.checklist_model = ChecklistModel(self)
        core_roles = [r for r in process.items("roles") if r["kind"] == "core"]
        self.checklist_panel = ChecklistPanel(self.checklist_model, core_roles, self)

        self.prompt_strip = PromptStrip(self)
        self.composer = UpdateComposer(self)
        self.timeline = QListView(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setUniformItemSizes(True)  # O(1) layout per row, whatever the count
        self.timeline.setIconSize(QSize(8, 16))  # the kind's colour: a slim bar, not a block
        self.timeline.setWordWrap(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.timeline.setItemDelegate(TimelineDelegate(self.timeline))
        self.capture = CaptureBox(self)
        self.capture.set_kinds([(k["key"], k["label"], k["colour"]) for k in process.items("entry_kinds")
                                if k["source"] == "explicit"])
        self.note_edit = self.capture.edit
        self.note_status = self.capture.status
        self.palette = CommandPalette(self)
        self.entry_bar = InlineBar("Edit:", "", self)
        self.history_label = QLabel(self)
        self.history_label.setObjectName("historyPanel")
        self.history_label.setWordWrap(True)
        self.history_label.setTextFormat(Qt.TextFormat.RichText)
        self.history_label.hide()
        self.finder = TimelineFinder(self)
        self.closing_bar = InlineBar("Close the call:", "", self)

        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.roles_panel)
        left.addWidget(self.tasks_panel)
        left.setSizes([420, 220])
        left.setStretchFactor(0, 2)
        centre = QWidget(self)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.finder)
        centre_layout.addWidget(self.timeline, 1)
        centre_layout.addWidget(self.finder.results, 1)
        for widget in (self.history_label, self.entry_bar, self.closing_bar, self.composer,
                       self.prompt_strip, self.palette, self.capture):
            centre_layout.addWidget(widget)
        self.body = QSplitter(Qt.Orientation.Horizontal, self)
        self.body.addWidget(left)
        self.body.addWidget(centre)
        self.body.addWidget(self.checklist_panel)
        for column, stretch in enumerate((1, 3, 1)):
            self.body.setStretchFactor(column, stretch)
        self.body.setSizes([300, 760, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.header)
        layout.addWidget(self.alert)
        layout.addWidget(self.callout)
        layout.addWidget(self.body, 1)

    def _line(self, name: str) -> QLabel:
        """A hidden one-line message under the header (the check-back alert, a callout)."""
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.hide()
        return label

    def focus_chain(self) -> list[QWidget]:
        """F6's order: note box, timeline, checklist, roles, tasks."""
        return [self.note_edit, self.timeline, self.checklist_panel.tree, self.roles_panel.table,
                self.tasks_panel.view]
