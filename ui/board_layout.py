"""The board's widgets and where they sit. Nothing here acts on a key or writes: `IncidentPage`
adds that.

Wide (the board at least NARROW_BELOW pixels across, and room for every column's minimum): the
header and its alert lines on top; roles over tasks on the left; the timeline, its bars, the
prompts and the note box in the centre; the checklist on the right.

Narrow (a half screen beside the video call): the same widgets, one panel at a time under a
row of tabs (Timeline, Tasks, Roles, Checklist), with the bars, the prompts and the note box
always in sight below. F6 walks the panels and shows each one's tab; so does anything that
puts the focus in a hidden panel (Ctrl+R shows Roles, Ctrl+T Tasks). The tabs carry what the
hidden panels would say at a glance: open and overdue tasks, role warnings, checklist progress.
No widget is moved between parents: a tab shows its column and hides the others.
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QLabel, QListView, QSplitter, QTabBar, QVBoxLayout, QWidget,
)

from console.board import RecordClock
from console.clock import Clock
from console.vocabulary import Vocabulary
from ui.board_models import ChecklistModel, RolesModel, TasksModel
from ui.board_panels import ChecklistPanel, InlineBar, PromptStrip, TasksPanel
from ui.capture import CaptureBox, CommandPalette
from ui.finder import TimelineFinder
from ui.incident_header import IncidentHeader
from ui.open_tasks_bar import OpenTasksBar
from ui.roles_panel import RolesPanel
from ui.subteams_panel import SubteamsModel, SubteamsPanel
from ui.update_composer import UpdateComposer

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process

NARROW_BELOW = 1000  # px across the board: below this (or when the columns do not fit) it is narrow
MIN_WIDTH = 480  # what the wide board asks of the window, so it can always be made narrow
TABS = ("Timeline", "Tasks", "Roles", "Checklist")


class BoardLayout(QWidget):
    """The board's widgets, built and laid out; each a public attribute."""

    def __init__(self, clock: Clock, process: "Process", zone: tzinfo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = IncidentHeader(clock, process, zone, self)
        self.alert = self._line("alertBar")
        self.callout = self._line("callout")

        # Time in a role and task countdowns stop when the incident is resolved (`follow`).
        self.record_clock = RecordClock(clock)
        self.roles_model = RolesModel(process.items("roles"), self.record_clock, self)
        self.roles_panel = RolesPanel(self.roles_model, self)
        self.tasks_model = TasksModel(self.record_clock, self)
        self.tasks_panel = TasksPanel(self.tasks_model, self)
        self.subteams_model = SubteamsModel(self.record_clock, self)
        self.subteams_panel = SubteamsPanel(self.subteams_model, self)
        self.checklist_model = ChecklistModel(self)
        core_roles = [r for r in process.items("roles") if r["kind"] == "core"]
        self.checklist_panel = ChecklistPanel(self.checklist_model, core_roles, self)

        self.prompt_strip = PromptStrip(self)
        self.composer = UpdateComposer(Vocabulary.from_process(process).audiences, self)
        self.timeline = QListView(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setIconSize(QSize(8, 16))  # the kind's colour: a slim bar, not a block
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Its rows (whole entries, wrapped) are the scribe's: `ui.timeline_delegate`.
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
        self.open_tasks_bar = OpenTasksBar(self)

        # The timeline's area: the finder, the timeline (or what was found), an entry's history.
        self.timeline_area = QWidget(self)
        area = QVBoxLayout(self.timeline_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.addWidget(self.finder)
        area.addWidget(self.timeline, 1)
        area.addWidget(self.finder.results, 1)
        area.addWidget(self.history_label)
        # Where the scribe writes: the input bars, the composer, the prompt and the note box.
        self.writing_area = QWidget(self)
        writing = QVBoxLayout(self.writing_area)
        writing.setContentsMargins(0, 0, 0, 0)
        for widget in (self.entry_bar, self.closing_bar, self.open_tasks_bar, self.composer, self.prompt_strip,
                       self.palette, self.capture):
            writing.addWidget(widget)

        self.side = QSplitter(Qt.Orientation.Vertical, self)
        self.side.setObjectName("rolesOverTasks")  # the name its sizes are kept under (ui.preferences)
        self.side.addWidget(self.roles_panel)
        self.side.addWidget(self.tasks_panel)
        self.side.addWidget(self.subteams_panel)  # while a team works (`place_subteams`)
        self.subteams_panel.hide()
        self._subteams_fit_pending = False
        self.subteams_panel.content_changed.connect(self._fit_subteams_soon)
        # Roles first, as tall as they need (the panel's maximum), Tasks the rest.
        self.side.setStretchFactor(0, 1)
        self.side.setStretchFactor(1, 1)
        self.side.setSizes([10_000, 1])
        self.centre = QWidget(self)
        self._centre_layout = QVBoxLayout(self.centre)
        self._centre_layout.setContentsMargins(0, 0, 0, 0)
        self._centre_layout.addWidget(self.timeline_area, 1)
        self._centre_layout.addWidget(self.writing_area)
        self.body = QSplitter(Qt.Orientation.Horizontal, self)
        self.body.setObjectName("boardColumns")
        self.body.addWidget(self.side)
        self.body.addWidget(self.centre)
        self.body.addWidget(self.checklist_panel)
        for column, stretch in enumerate((1, 3, 1)):
            self.body.setStretchFactor(column, stretch)
        self.body.setSizes([300, 760, 300])
        for column in range(self.body.count()):
            self.body.setCollapsible(column, False)

        self.tab_bar = QTabBar(self)
        self.tab_bar.setObjectName("boardTabs")
        self.tab_bar.setAccessibleName("Board panels")
        self.tab_bar.setExpanding(False)
        self.tab_bar.setDrawBase(False)
        for name in TABS:
            self.tab_bar.addTab(name)
        self.tab_bar.hide()

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(3)
        self._layout.addWidget(self.header)
        self._layout.addWidget(self.alert)
        self._layout.addWidget(self.callout)
        self._layout.addWidget(self.tab_bar)
        self._layout.addWidget(self.body, 1)
        # What the body cannot take (narrow, a tab whose panel stops growing: Roles is as tall as
        # its roles) goes here, under the panel: not to the header's lines or the prompt above
        # the note box, which stretched apart and moved the title as the tabs changed.
        self._layout.addStretch(0)

        self.narrow = False
        self._wide_sizes: tuple[list[int], list[int]] | None = None
        self._fit_pending = False
        self.setMinimumWidth(MIN_WIDTH)
        self.tab_bar.currentChanged.connect(self._show_tab)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def _line(self, name: str) -> QLabel:
        """A hidden one-line message under the header (the check-back alert, a callout)."""
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.hide()
        return label

    def focus_chain(self) -> list[QWidget]:
        """F6's order: note box, timeline, checklist, roles, tasks."""
        teams = [self.subteams_panel.view] if self.subteams_panel.wanted and self.subteams_model.rowCount() else []
        return [self.note_edit, self.timeline, self.checklist_panel.tree, self.roles_panel.table,
                self.tasks_panel.view, *teams]

    def can_focus(self, widget: QWidget) -> bool:
        """Whether `widget` is showing, or would be once its tab is chosen (narrow)."""
        if not self.narrow:
            return widget.isVisible()
        panel = self._panel_of(widget)
        return widget.isVisibleTo(panel) if panel is not None else widget.isVisible()

    # -- wide or narrow ------------------------------------------------------------------------

    def wide_minimum(self) -> int:
        """The narrowest the wide arrangement can be: each column at its own minimum."""
        side = max(self.roles_panel.minimumSizeHint().width(), self.tasks_panel.minimumSizeHint().width())
        centre = max(self.timeline_area.minimumSizeHint().width(), self.writing_area.minimumSizeHint().width())
        handles = (self.body.count() - 1) * self.body.handleWidth()
        return side + centre + self.checklist_panel.minimumSizeHint().width() + handles

    def fits_wide(self, width: int) -> bool:
        return width >= NARROW_BELOW and width >= self.wide_minimum()

    def set_narrow(self, narrow: bool) -> None:
        """Tabs and one panel at a time (narrow), or every column side by side (wide)."""
        if narrow == self.narrow:
            return
        focused = QApplication.focusWidget()
        self.narrow = narrow
        self.header.set_narrow(narrow)
        if narrow:
            self._centre_layout.removeWidget(self.writing_area)
            self._layout.addWidget(self.writing_area)
            self.tab_bar.show()
            self._show_tab(self.tab_bar.currentIndex())
        else:
            self.tab_bar.hide()
            self._layout.removeWidget(self.writing_area)
            self._centre_layout.addWidget(self.writing_area)
            for widget in (self.side, self.centre, self.checklist_panel, self.roles_panel, self.tasks_panel):
                widget.show()
            self.place_subteams()
            if self._wide_sizes is not None:  # once the splitters have seen their columns again
                body, side = self._wide_sizes
                QTimer.singleShot(0, self, lambda: (self.body.setSizes(body), self.side.setSizes(side)))
        self.writing_area.show()  # a layout taking a widget from another parent hides it
        # The layouts' cached minimums are the old arrangement's until told; then narrow, the
        # page asks only what its own widgets need (else the wide columns' sum would stick).
        for widget in (self.header, self.side, self.body, self.writing_area):
            widget.updateGeometry()
        self._layout.invalidate()
        self.setMinimumWidth(0 if narrow else MIN_WIDTH)
        if focused is not None and self.isAncestorOf(focused):
            focused.setFocus()
            self._reveal(focused)

    def _show_tab(self, index: int) -> None:
        """Narrow: show the chosen panel alone (the note box and its bars stay)."""
        if not self.narrow:
            return
        name = TABS[index]
        self.centre.setVisible(name == "Timeline")
        self.side.setVisible(name in ("Tasks", "Roles"))
        self.tasks_panel.setVisible(name == "Tasks")
        self.roles_panel.setVisible(name == "Roles")
        self.checklist_panel.setVisible(name == "Checklist")
        self.place_subteams()

    def place_subteams(self) -> None:
        """The sub-teams under the tasks while one works or the span is exceeded; narrow, on the
        Roles tab (who reports to whom)."""
        on_tab = not self.narrow or TABS[self.tab_bar.currentIndex()] == "Roles"
        shown = self.subteams_panel.wanted and on_tab
        if self.subteams_panel.isVisibleTo(self) != shown:
            self.subteams_panel.setVisible(shown)
            if shown:  # room for its teams (a splitter shows it at 0 px)
                self._fit_subteams_soon()

    def _fit_subteams_soon(self) -> None:
        """Once the panel's new lines are laid out (a team, its bar; or it was just shown)."""
        if not self._subteams_fit_pending:
            self._subteams_fit_pending = True
            QTimer.singleShot(0, self, self._make_room_for_subteams)

    def _make_room_for_subteams(self) -> None:
        """Its teams whole if the column allows: first from the tasks' empty room below their
        last task, then from the roles (they scroll), then from the tasks down to their minimum.
        (Roles first cut the IC's own card in half while the tasks panel was mostly blank.)"""
        self._subteams_fit_pending = False
        sizes = self.side.sizes()
        if len(sizes) != 3 or not self.subteams_panel.isVisible():
            return
        missing = self.subteams_panel.content_height() - sizes[2]
        if missing <= 0:
            return
        blank = min(missing, self.tasks_panel.unused_height()) if self.tasks_panel.isVisible() else 0
        from_roles = min(missing - blank, max(sizes[0] - self.roles_panel.minimumSizeHint().height(), 0))
        from_tasks = blank + min(missing - blank - from_roles,
                                 max(sizes[1] - blank - self.tasks_panel.minimumHeight(), 0))
        self.side.setSizes([sizes[0] - from_roles, sizes[1] - from_tasks, sizes[2] + from_roles + from_tasks])

    def _panel_of(self, widget: QWidget) -> QWidget | None:
        """The tab's panel that holds `widget`, if any."""
        for panel in (self.timeline_area, self.tasks_panel, self.roles_panel, self.checklist_panel,
                      self.subteams_panel):
            if widget is panel or panel.isAncestorOf(widget):
                return panel
        return None

    def show_panel(self, panel: QWidget) -> None:
        """Narrow: choose the tab of `panel` (the timeline area, or a side panel)."""
        index = {self.timeline_area: 0, self.tasks_panel: 1, self.roles_panel: 2, self.checklist_panel: 3,
                 self.subteams_panel: 2}[panel]
        if self.narrow and self.tab_bar.currentIndex() != index:
            self.tab_bar.setCurrentIndex(index)

    def _tab_widget(self, index: int) -> QWidget:
        """What takes the keyboard on tab `index`: its panel's list."""
        return (self.timeline, self.tasks_panel.view, self.roles_panel.table, self.checklist_panel.tree)[index]

    def next_tab(self, step: int) -> None:
        """Narrow: the next tab (`step` 1) or the previous one (-1), round. The keyboard goes
        along if it was in the panel going out of sight; in the note box it stays there."""
        if not self.narrow:
            return
        focused = QApplication.focusWidget()
        leaving = focused is not None and self._panel_of(focused) is not None
        index = (self.tab_bar.currentIndex() + step) % self.tab_bar.count()
        self.tab_bar.setCurrentIndex(index)
        target = self._tab_widget(index)
        if leaving and target.isVisibleTo(self):
            target.setFocus()

    def _reveal(self, widget: QWidget) -> None:
        if self.narrow and (panel := self._panel_of(widget)) is not None:
            self.show_panel(panel)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Whatever puts the focus in a hidden panel (F6, Ctrl+R, Ctrl+T…) shows its tab."""
        if new is not None and self.narrow and self.isAncestorOf(new):
            self._reveal(new)

    def count_in_tabs(self, *, tasks: int, overdue: int, warnings: int, done: int, total: int) -> None:
        """What the hidden panels would say at a glance, on their tabs."""
        texts = (
            "Timeline",
            f"Tasks {tasks}" + (f" · {overdue} overdue" if overdue else ""),
            f"Roles ⚠ {warnings}" if warnings else "Roles",
            f"Checklist {done}/{total}" if total else "Checklist",
        )
        for index, text in enumerate(texts):
            if self.tab_bar.tabText(index) != text:
                self.tab_bar.setTabText(index, text)

    def _fit(self) -> None:
        self._fit_pending = False
        if not self.isVisible():  # a hidden page's width means nothing yet; shown, it fits again
            return
        narrow = not self.fits_wide(self.width())
        if not narrow and not self.narrow:  # the columns' widths to come back to after narrow
            self._wide_sizes = (self.body.sizes(), self.side.sizes())
        self.set_narrow(narrow)

    def _fit_soon(self) -> None:
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self, self._fit)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._fit_soon()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def event(self, event: QEvent) -> bool:
        # A panel's minimum changed (the composer opened, a bar showed): do the columns still fit?
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit_soon()
        return super().event(event)
