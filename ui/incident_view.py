"""One incident as the IC's board: header with clocks and cadences, roles, tasks, timeline,
checklist, prompts, the note box and the update composer.

Every change goes to the writer thread and shows only once committed; if a write fails, what
was typed stays and the reason is shown beside it. Nothing modal interrupts the call: alerts,
prompts and input bars all live inside the board. Time comes from the injected clock, ticked
once a second.
"""

import re
import uuid
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QFrame, QHBoxLayout, QLabel, QListView,
    QSplitter, QVBoxLayout, QWidget,
)

from console import board, domain, times
from console.clock import Clock
from console.domain import Change, Incident
from console.errors import InputError
from console.queries import Reader
from ui.board_models import ChecklistModel, RolesModel, TasksModel, countdown
from ui.board_panels import (
    CallModeWindow, ChecklistPanel, InlineBar, PromptStrip, RolesPanel, TasksPanel, UpdateComposer,
)
from ui.capture import CaptureBox, CommandPalette
from ui.finder import TimelineFinder
from ui.timeline_delegate import TimelineDelegate
from ui.formatting import KindStyles, severity_text
from ui.scribe import ScribeSide
from ui.incident_list import SEVERITY_COLOURS
from ui.timeline import TimelineModel
from ui.writer import StoreWriter

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process

LULL_MINUTES = 5
CONTEXT_PROMPT_SECONDS = 90
ROTATE_SECONDS = 30
SNOOZE_MINUTES = 10


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
            self.severity_label.setToolTip("Severity not set yet: Ctrl+1 … Ctrl+5")
            self.definition_label.setText("Severity not set. If unsure between two levels, pick the more severe.")
            return
        self.severity_label.setText(
            f'<a href="{definition["page"]}" style="color: white; text-decoration: none;">{text}</a>'
        )
        self.severity_label.setToolTip(
            f"{definition['name']} · {definition['title']}: {definition['summary']}\n"
            "Click for the full definition in the handbook. Ctrl+1 … Ctrl+5 changes it."
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


class IncidentPage(ScribeSide, QWidget):
    """The board for one incident.

    Signals:
        handbook_requested(str): a page the person asked to read.
    """

    handbook_requested = Signal(str)

    def __init__(
        self, reader: Reader, writer: StoreWriter, clock: Clock, author: str,
        process: "Process", zone: tzinfo | None = None, parent: QWidget | None = None,
        exports_dir=None,
    ) -> None:
        super().__init__(parent)
        self.exports_dir = exports_dir
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._zone = zone
        self.process = process
        from console.commands import Language

        self.language = Language.from_process(process)  # every bar and the note box speak it
        self.author = author
        self.kinds = KindStyles.from_process(process)
        self.incident: Incident | None = None
        self.model: TimelineModel | None = None
        self.sound_on = True
        self.prompts_on = True
        self._alerted: set[int] = set()
        self._marks_seen = 0
        self._dismissed: set[str] = set()
        self._snoozed_until = None
        self._context_until = None
        self._rotation = 0
        self._last_rotate = None
        self._lull_prompted_for: str | None = None
        self._tray = None
        self.call_window: CallModeWindow | None = None

        self.header = IncidentHeader(clock, process, zone, self)
        self.header.handbook_requested.connect(self.handbook_requested)
        self.alert = QLabel(self)
        self.alert.setObjectName("alertBar")
        self.alert.setWordWrap(True)
        self.alert.hide()
        self.callout = QLabel(self)
        self.callout.setObjectName("callout")
        self.callout.setWordWrap(True)
        self.callout.hide()

        self.roles_model = RolesModel(process.items("roles"), clock, self)
        self.roles_panel = RolesPanel(self.roles_model, self)
        self.tasks_model = TasksModel(clock, self)
        self.tasks_panel = TasksPanel(self.tasks_model, self)
        self.checklist_model = ChecklistModel(self)
        core_roles = [r for r in process.items("roles") if r["kind"] == "core"]
        self.checklist_panel = ChecklistPanel(self.checklist_model, core_roles, self)
        self.prompt_strip = PromptStrip(self)
        self.prompt_strip.handbook_requested.connect(self.handbook_requested)
        self.roles_panel.handbook_requested.connect(self.handbook_requested)
        self.composer = UpdateComposer(self)

        self.timeline = QListView(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setUniformItemSizes(True)  # O(1) layout per row, whatever the count
        self.timeline.setIconSize(QSize(8, 16))  # the kind's colour: a slim bar, not a block
        self.timeline.setWordWrap(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.capture = CaptureBox(self)
        self.note_edit = self.capture.edit
        self.note_status = self.capture.status
        self.capture.set_kinds([(k["key"], k["label"], k["colour"]) for k in process.items("entry_kinds")
                                if k["source"] == "explicit"])
        self.capture.previewer = self._preview_line
        self.capture.completer = self._complete_line
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
        centre_layout.addWidget(self.history_label)
        centre_layout.addWidget(self.entry_bar)
        centre_layout.addWidget(self.closing_bar)
        centre_layout.addWidget(self.composer)
        centre_layout.addWidget(self.prompt_strip)
        centre_layout.addWidget(self.palette)
        centre_layout.addWidget(self.capture)
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(left)
        body.addWidget(centre)
        body.addWidget(self.checklist_panel)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 3)
        body.setStretchFactor(2, 1)
        body.setSizes([300, 760, 300])
        self.body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.header)
        layout.addWidget(self.alert)
        layout.addWidget(self.callout)
        layout.addWidget(body, 1)

        self.capture.submitted.connect(self.submit_line)
        self.capture.draft_changed.connect(self._save_draft)
        self.note_edit.textEdited.connect(self._on_note_edited)
        self.palette.chosen.connect(self._on_palette_chosen)
        self.timeline.installEventFilter(self)
        self.timeline.setItemDelegate(TimelineDelegate(self.timeline))
        self.timeline.doubleClicked.connect(lambda index: self.show_history(self.model.entry_at(index.row())))
        self.entry_bar.submitted.connect(self._on_entry_bar_submitted)
        self.closing_bar.submitted.connect(self._on_closing_submitted)
        self.closing_bar.cancelled.connect(self.focus_note)
        self.entry_bar.cancelled.connect(self.timeline.setFocus)
        self._entry_action: tuple[str, int] | None = None
        self.finder.search_requested.connect(self._run_search)
        self.finder.jump_requested.connect(self.jump_to_entry)
        self.timeline.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.roles_panel.assign_requested.connect(self._on_assign_requested)
        self.tasks_panel.task_requested.connect(self._on_task_requested)
        self.tasks_panel.done_requested.connect(self._on_task_done)
        self.tasks_panel.extend_requested.connect(self._on_task_extend)
        self.tasks_panel.reassign_requested.connect(self._on_task_reassign)
        self.checklist_panel.toggle_requested.connect(self._on_toggle_check)
        self.checklist_panel.role_changed.connect(lambda _: self._load_checklists())
        self.composer.send_requested.connect(self._on_send_update)
        self.composer.audience_box.currentIndexChanged.connect(lambda _: self._fill_composer())
        self.composer.editor.textChanged.connect(self._check_composer)
        self.composer.closed.connect(self.focus_note)
        self._follow = True
        self.actions_by_name: dict[str, QAction] = {}
        self._make_actions()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    # -- keyboard -------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def add(name: str, keys: str, slot) -> None:
            action = QAction(name, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action

        for level in range(1, 6):
            add(f"Severity SEV-{level}", f"Ctrl+{level}", lambda _=False, n=level: self.set_severity(n))
        add("Status: active (reopen)", "Ctrl+Shift+A", lambda: self.set_status("active"))
        add("Status: mitigated", "Ctrl+Shift+M", lambda: self.set_status("mitigated"))
        add("Status: resolved", "Ctrl+Shift+R", lambda: self.set_status("resolved"))
        add("Assign a role", "Ctrl+R", self.start_assign)
        add("New task with check-back", "Ctrl+T", self.start_task)
        add("Status update composer", "Ctrl+U", self.open_composer)
        add("Dismiss the prompt", "Ctrl+.", self.dismiss_prompt)
        add("Snooze prompts 10 min", "Ctrl+,", self.snooze_prompts)
        add("Prompts on/off", "Ctrl+Shift+P", self.toggle_prompts)
        add("Sound on/off", "Ctrl+Shift+S", self.toggle_sound)
        add("Call mode on/off", "Ctrl+Shift+C", self.toggle_call_mode)
        add("Next panel", "F6", self.focus_next_panel)
        add("Command palette", "Ctrl+K", self.open_palette)
        add("Post-mortem editor", "Ctrl+Shift+E", self.open_postmortem)
        add("Close the call (guided)", "Ctrl+Shift+X", self.start_closing)
        add("Export everything (exports folder)", "Ctrl+Shift+O", self.export_all)
        add("Find in the timeline", "Ctrl+F", self.finder.open)

    def focus_next_panel(self) -> None:
        order = [self.note_edit, self.timeline, self.checklist_panel.tree, self.roles_panel.table,
                 self.tasks_panel.view]
        current = QApplication.focusWidget()
        index = next((i for i, w in enumerate(order) if w is current), -1)
        for step in range(1, len(order) + 1):
            widget = order[(index + step) % len(order)]
            if widget.isVisible():
                widget.setFocus()
                return

    def focus_note(self) -> None:
        self.note_edit.setFocus()

    # -- showing an incident -------------------------------------------------------------------

    def show_incident(self, incident: Incident) -> None:
        self.incident = incident
        self._alerted.clear()
        self._marks_seen = board.elapsed_marks(self.process, incident, self._clock.now())[0]
        self.model = TimelineModel(
            self._reader, incident.id, self._clock, self.kinds, self._zone, parent=self
        )
        self._pulled_up_to = self.model.newest_id()
        self.model.rowsAboutToBeInserted.connect(self._remember_follow)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        old = self.timeline.selectionModel()
        self.timeline.setModel(self.model)
        if old is not None:
            old.deleteLater()
        self.capture.committed()
        self.alert.hide()
        self.history_label.hide()
        self.finder.reset(self._reader.authors(incident.id) if hasattr(self._reader, "authors") else [],
                          self.process.items("entry_kinds"))
        draft = self._reader.draft(self.author, incident.id) if hasattr(self._reader, "draft") else None
        if draft:
            self.note_edit.setText(draft)
            self.note_status.setText("Restored what you were typing before the window closed.")
        self._follow = True
        self.timeline.scrollToBottom()
        QTimer.singleShot(0, self.timeline, self.timeline.scrollToBottom)  # again once the page is laid out
        self.refresh()
        # Just declared, or nobody in command yet: the opening prompts.
        if not any(a.role == "ic" and a.to_at is None for a in self._roles):
            self.show_moment("on_join")
        self._alerted = {t.id for t in self.tasks_model.overdue()}

    def refresh(self) -> None:
        """Re-read what the board shows (after our change, or another window's)."""
        if self.incident is None:
            return
        self.incident = self._reader.incident(self.incident.id)
        self.header.show_incident(self.incident)
        self._roles = self._reader.roles(self.incident.id)
        self.roles_model.set_assignments(self._roles)
        self.roles_panel.phase = "after" if self.incident.status == "resolved" else "during"
        self.roles_panel.show_card()
        people = {a.person for a in self._roles}
        self.tasks_model.set_tasks(self._reader.tasks(self.incident.id))
        people.update(t.owner for t in self.tasks_model.tasks())
        self.roles_panel.set_people(sorted(people))
        self._load_checklists()
        self.tick()

    def _load_checklists(self) -> None:
        if self.incident is None:
            return
        phase = "after" if self.incident.status == "resolved" else "during"
        self.checklist_model.set_checklists(
            board.checklists_for(self.process, self.checklist_panel.role(), phase,
                                 security=self.incident.security)
        )
        state = self._reader.checklist(self.incident.id)
        self.checklist_model.set_checked({k for k, v in state.items() if v.checked})
        self.checklist_panel.refresh_summary()

    def apply_change(self, change: Change) -> None:
        """Refresh from a committed change to any incident."""
        if self.incident is None or change.incident.id != self.incident.id:
            return
        if self.model is not None:
            self.model.add_entries(change.entries)
        self.refresh()

    def pull_new_entries(self) -> None:
        """Show entries committed since we last looked (another window, another process, or
        one of our own operations that returns something other than a Change).

        Counts from the highest id pulled so far, not from the newest row shown: a later
        entry that reached the list through a Change must not hide an earlier one that did not.
        """
        if self.incident is None or self.model is None:
            return
        fresh = self._reader.entries_after(self.incident.id, self._pulled_up_to)
        if fresh:
            self._pulled_up_to = max(e.id for e in fresh)
            self.model.add_entries(fresh)

    # -- the clock ---------------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: clocks, countdowns, expiries, callouts, warnings and prompts."""
        self.header.tick()
        if self.incident is None:
            return
        now = self._clock.now()
        self.tasks_model.tick()
        self.roles_panel.set_warnings(board.role_warnings(self.process, self.incident, self._roles, now))
        self._update_cadence(now)
        self._check_expiries()
        marks, next_mark = board.elapsed_marks(self.process, self.incident, now)
        if marks > self._marks_seen:
            self._marks_seen = marks
            every = self.process.severity(self.incident.severity)["cadence"]["deputy_callout"]
            self.callout.setText(f"{marks * every} minutes since declared (the Deputy's callout)")
            self.callout.show()
            QTimer.singleShot(30_000, self.callout, self.callout.hide)
        self._check_lull(now)
        self._check_meeting_reminder(now)
        self._rotate_prompts(now)
        if self.call_window is not None and self.call_window.isVisible():
            self.call_window.set_values(self.call_values())

    def _update_cadence(self, now) -> None:
        last = {a: (u.sent_at if (u := self._reader.last_update(self.incident.id, a)) else None)
                for a in self.language.vocabulary.audiences}
        parts = []
        self._due = board.updates_due(self.process, self.incident, last)
        for due in self._due:
            if due.due_at is None:
                continue
            text, overdue = countdown(times.to_text(due.due_at), now)
            style = "color:#c62f3f;font-weight:bold" if overdue else ""
            when = text if overdue else "in " + text.replace(" left", "")
            parts.append(f"<span style='{style}'>{due.audience} {when}</span>")
        self.header.cadence_label.setText(
            ("Updates due (Ctrl+U): " + " · ".join(parts)) if parts else ""
        )

    def _check_expiries(self) -> None:
        for task in self.tasks_model.overdue():
            if task.id in self._alerted:
                continue
            self._alerted.add(task.id)
            self.alert.setText(f"CHECK BACK NOW: {task.ref} {task.owner} — {task.text}. "
                               "In Tasks (F6): D done · E extend · R reassign")
            self.alert.show()
            row = next(i for i, t in enumerate(self.tasks_model.tasks()) if t.id == task.id)
            self.tasks_panel.view.setCurrentIndex(self.tasks_model.index(row, 0))
            # Logged once however many windows notice it: the uid is the task's and its due time.
            incident_id, author = self.incident.id, self.author
            text = f"Check-back due: {task.ref} {task.owner}: {task.text}"
            uid = f"checkback-{task.uid}-{task.due_at}"
            self._submit(lambda s, t=text, u=uid: s.log(incident_id, t, by=author, kind="task", uid=u))
            if self.sound_on:
                QApplication.beep()
            self._notify_tray(f"Check back: {task.ref} {task.owner}", task.text)
            self.show_moment("timer_expired")

    def _notify_tray(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self.windowIcon(), self)
            self._tray.show()
        self._tray.showMessage(title, text)

    def _check_lull(self, now) -> None:
        if self.incident.status != "active" or self.model is None or self.model.rowCount() == 0:
            return
        newest = max(self.model.entry_at(r).recorded_at for r in range(max(0, self.model.rowCount() - 3),
                                                                       self.model.rowCount()))
        quiet = (now - times.from_text(newest)).total_seconds() >= LULL_MINUTES * 60
        if quiet and self._lull_prompted_for != newest:
            self._lull_prompted_for = newest
            self.show_moment("lull")

    # -- prompts -------------------------------------------------------------------------------------

    def _audiences(self) -> tuple[str, ...]:
        return ("everyone", self.checklist_panel.role())

    def show_moment(self, moment: str) -> None:
        """Show the IC's prompts for what just happened (declaring, a decision, a task…).

        A lull only speaks when nothing more pressing is on the strip.
        """
        if not self.prompts_on:
            return
        now = self._clock.now().timestamp()
        if moment == "lull" and self.prompt_strip.contextual and self._context_until and now < self._context_until:
            return
        prompts = [p for p in board.prompts_for(self.process, moment, ("ic",))
                   if p["id"] not in self._dismissed]
        if prompts:
            self.prompt_strip.show_prompt(prompts[0], contextual=True, more=prompts[1:3])
            self._context_until = now + CONTEXT_PROMPT_SECONDS

    def _rotate_prompts(self, now) -> None:
        if not self.prompts_on or (self._snoozed_until and now.timestamp() < self._snoozed_until):
            if self.prompt_strip.isVisible() and not self.prompt_strip.contextual:
                self.prompt_strip.show_prompt(None, contextual=False)
            return
        if self.prompt_strip.contextual and self._context_until and now.timestamp() < self._context_until:
            return
        if self._last_rotate is not None and now.timestamp() - self._last_rotate < ROTATE_SECONDS \
                and self.prompt_strip.current is not None:
            return
        self._last_rotate = now.timestamp()
        general = [p for p in board.prompts_for(self.process, "periodic", self._audiences())
                   if p["id"] not in self._dismissed]
        if general:
            self._rotation = (self._rotation + 1) % len(general)
            self.prompt_strip.show_prompt(general[self._rotation], contextual=False)
        else:
            self.prompt_strip.show_prompt(None, contextual=False)

    def dismiss_prompt(self) -> None:
        if self.prompt_strip.current is not None:
            self._dismissed.add(self.prompt_strip.current["id"])
        self._context_until = None
        self._last_rotate = None
        self.prompt_strip.show_prompt(None, contextual=False)
        self._rotate_prompts(self._clock.now())

    def snooze_prompts(self) -> None:
        self._snoozed_until = self._clock.now().timestamp() + SNOOZE_MINUTES * 60
        self.prompt_strip.show_prompt(None, contextual=False)
        self.note_status.setText(f"Prompts snoozed for {SNOOZE_MINUTES} minutes.")

    def toggle_prompts(self) -> None:
        self.prompts_on = not self.prompts_on
        if not self.prompts_on:
            self.prompt_strip.show_prompt(None, contextual=False)
        self.note_status.setText(f"Prompts {'on' if self.prompts_on else 'off'}.")

    def toggle_sound(self) -> None:
        self.sound_on = not self.sound_on
        self.note_status.setText(f"Sound {'on' if self.sound_on else 'off'}.")

    # -- after the call ----------------------------------------------------------------------------

    def open_postmortem(self) -> None:
        """The post-mortem editor for this incident: the saved text, or a draft from the record."""
        if self.incident is None:
            return
        from console.postmortem import generate
        from ui.postmortem_window import PostmortemWindow

        # The scribe's TODOs become tracked follow-ups (F8) the first time anyone opens this.
        incident_id, author = self.incident.id, self.author
        self._submit(lambda s: s.import_todos(incident_id, by=author))
        text = self._reader.latest_postmortem_text(self.incident.id) or \
            generate(self._reader, self.process, self.incident.id, now=self._clock.now())
        roster = sorted({a.person for a in self._roles}, key=str.casefold)
        self.postmortem_window = PostmortemWindow(self.process, self._writer, self._reader, self.incident,
                                                  self.author, text, roster, self)
        self.postmortem_window.handbook_requested.connect(self.handbook_requested)
        self.postmortem_window.show()

    def export_all(self) -> None:
        """Every export format (`console.exports`), written to the exports folder without a
        dialog; a format with nothing to export yet (no meeting: no invitation) is left out.
        The paths are shown under the note box."""
        if self.incident is None:
            return
        from console import exports
        from console.errors import ConsoleError, NothingToExport
        from console.files import write_private
        from console.paths import ensure_private_dir

        try:
            folder = ensure_private_dir(self.exports_dir)
            every = exports.every()
        except ConsoleError as exc:
            self.note_status.setText(f"Not exported: {exc}")
            return
        now = self._clock.now()
        stem = f"{self.incident.ref}-{now:%Y%m%d-%H%M%S}"
        written = []
        for exporter in every:
            path = folder / f"{stem}{exporter.suffix}"
            try:
                result = exporter.export(self._reader, self.incident.id, process=self.process, now=now)
                write_private(path, result)  # atomic, 0600, only a regular file replaced
            except NothingToExport:
                continue
            except ConsoleError as exc:
                self.note_status.setText(f"Export stopped at {exporter.name}: {exc}")
                return
            written.append(path.name)
        self.note_status.setText(f"Exported to {folder}: {', '.join(written)}")

    def _check_meeting_reminder(self, now) -> None:
        """A day before the post-mortem meeting, remind if the draft was not shared for review."""
        from console.meeting import reminder_due

        record = self._reader.postmortem(self.incident.id) if hasattr(self._reader, "postmortem") else None
        if record is None or not record.meeting_at:
            return
        shared = None if record.status == "draft" else now  # In review or later: shared
        if reminder_due(times.from_text(record.meeting_at), shared, now):
            self.callout.setText("The post-mortem meeting is less than 24 hours away and the draft has "
                                 "not been shared for review (Ctrl+Shift+E, status In review).")
            self.callout.show()

    def start_closing(self) -> None:
        """The handbook's close-out, step by step, each step logged (see `closing_step`)."""
        self.closing_bar.open("", prompt="Close the call: 1 announce end · 2 to chat · 3 owner · 4 owner ack · 5 clean-up")
        self.closing_bar.edit.setPlaceholderText(
            "type the step number; 3 NAME YYYY-MM-DD · 4 NAME · 5 what needs cleaning up")
        self.show_moment("at_close")

    def _on_closing_submitted(self, text: str) -> None:
        step, _, rest = text.strip().partition(" ")
        incident_id, author = self.incident.id, self.author
        bar = self.closing_bar

        def done(_):
            bar.edit.clear()
            bar.message.setText(f"Step {step} logged. Next step, or Esc when done.")

        def failed(error):
            bar.message.setText(f"Not logged: {error}")

        if step == "1":
            self.send_line("/end", done, failed)
        elif step == "2":
            self._submit(lambda s: s.log(incident_id, "Remaining discussion moves to the incident chat room",
                                         by=author, kind="note"), done, failed)
        elif step == "3":
            from datetime import date

            name, _, deadline = rest.rpartition(" ")
            try:
                due = date.fromisoformat(deadline)
            except ValueError:
                bar.message.setText("Write 3 NAME YYYY-MM-DD: one named owner and the date the post-mortem is due.")
                return
            self._submit(lambda s: s.name_postmortem_owner(incident_id, name.strip(), due, by=author), done, failed)
        elif step == "4":
            # The IC records the owner's spoken acknowledgement, in the owner's name.
            owner = rest.strip()
            self._submit(lambda s: s.acknowledge_postmortem(incident_id, by=owner), done, failed)
        elif step == "5" and rest.strip():
            self._submit(lambda s: s.log(incident_id, f"Clean-up: {rest.strip()}", by=author, kind="todo"),
                         done, failed)
        else:
            bar.message.setText("Steps: 1, 2, 3 NAME YYYY-MM-DD, 4 NAME, 5 TEXT")

    # -- call mode -------------------------------------------------------------------------------

    def call_values(self) -> dict[str, str]:
        now = self._clock.now()
        incident = self.incident
        ic = next((a.person for a in self._roles if a.role == "ic" and a.to_at is None), "nobody")
        declared = times.from_text(incident.declared_at)
        tasks = self.tasks_model.tasks()
        checkback = (f"Next check-back: {tasks[0].ref} {tasks[0].owner} "
                     f"{countdown(tasks[0].due_at, now)[0]}") if tasks else "No open tasks"
        upcoming = [d for d in getattr(self, "_due", []) if d.due_at is not None]
        nxt = min(upcoming, key=lambda d: d.due_at) if upcoming else None
        update = (f"Next update: {nxt.audience} {countdown(times.to_text(nxt.due_at), now)[0]}"
                  if nxt else "No update cadence")
        prompt = self.prompt_strip.current["text"] if self.prompt_strip.current else ""
        return {
            "severity": f"{severity_text(incident.severity)} · {incident.status.upper()} · {incident.ref}",
            "ic": f"IC: {ic}",
            "elapsed": f"Elapsed {times.format_duration((now - declared).total_seconds())}",
            "checkback": checkback, "update": update, "prompt": prompt,
        }

    def toggle_call_mode(self) -> None:
        if self.call_window is None:
            self.call_window = CallModeWindow(self)
        if self.call_window.isVisible():
            self.call_window.hide()
            return
        if self.incident is not None:
            self.call_window.set_values(self.call_values())
        self.call_window.show()

    # -- writes ------------------------------------------------------------------------------------

    def _submit(self, job, on_done=None, on_error=None) -> None:
        """Send a write; errors land beside the note box unless the caller handles them."""
        def failed(error: Exception) -> None:
            if on_error is not None:
                on_error(error)
            else:
                self.note_status.setText(f"Not saved: {error}")

        def done(result) -> None:
            if not isinstance(result, Change):  # e.g. the post-mortem's owner: still logged
                self.pull_new_entries()
            if on_done is not None:
                on_done(result)

        self._writer.submit(job, done, failed)

    def send_line(self, line: str, on_done=None, on_error=None, *, uid: str | None = None) -> bool:
        """Run one line of the command language - what every key and bar of the board does.

        The line is checked here, before anything is sent; a mistake goes to `on_error` (or
        beside the note box) and nothing is written. True when it was sent.
        """
        if self.incident is None:
            return False
        try:
            parsed = self.language.parse(line, now=self._clock.now(), local_tz=self._zone)
        except InputError as exc:
            (on_error or (lambda e: self.note_status.setText(f"Not saved: {e}")))(exc)
            return False
        incident_id, author, language = self.incident.id, self.author, self.language
        self._submit(lambda s: language.execute(s, incident_id, parsed, by=author, uid=uid), on_done, on_error)
        return True

    def set_severity(self, level: int) -> None:
        self.send_line(f"/sev {level}")

    def set_status(self, state: str) -> None:
        if self.send_line(f"/status {state}") and state == "resolved":
            self.show_moment("at_close")

    def start_assign(self) -> None:
        self.roles_panel.start_assign()

    def _on_assign_requested(self, role: str, person: str) -> None:
        self.send_line(f"/role {role} {person}",
                       lambda _: (self.roles_panel.assigned(), self.focus_note()),
                       lambda e: self.roles_panel.bar.message.setText(f"Not assigned: {e}"))

    def start_task(self) -> None:
        self.tasks_panel.start_task()
        self.show_moment("on_assign")

    def _on_task_requested(self, text: str) -> None:
        self.send_line(f"/task {text}", lambda _: (self.tasks_panel.finished(), self.focus_note()),
                       self._task_bar_error, uid=uuid.uuid4().hex)

    def _task_bar_error(self, error: Exception) -> None:
        self.tasks_panel.bar.message.setText(
            str(error) if isinstance(error, InputError) else f"Not saved: {error}")

    def _on_task_done(self, task_id: int) -> None:
        self.send_line(f"/done {domain.format_task_ref(task_id)}", lambda _: self.alert.hide())

    def _on_task_extend(self, task_id: int, text: str) -> None:
        def done(_):
            self._alerted.discard(task_id)
            self.alert.hide()
            self.tasks_panel.finished()

        self.send_line(f"/extend {domain.format_task_ref(task_id)} {text}", done, self._task_bar_error)

    def _on_task_reassign(self, task_id: int, owner: str) -> None:
        self.send_line(f"/reassign {domain.format_task_ref(task_id)} {owner}",
                       lambda _: self.tasks_panel.finished(), self._task_bar_error)

    def _on_toggle_check(self, item_id: str, checked: bool) -> None:
        self.send_line(f"/{'check' if checked else 'uncheck'} {item_id}")

    def open_composer(self) -> None:
        if self.incident is None:
            return
        upcoming = [d for d in getattr(self, "_due", []) if d.due_at is not None]
        if upcoming:
            soonest = min(upcoming, key=lambda d: d.due_at).audience
            self.composer.audience_box.setCurrentIndex(self.composer.audience_box.findData(soonest))
        self._fill_composer()
        self.composer.show()
        self.composer.editor.setFocus()

    def _template(self) -> dict | None:
        audience = self.composer.audience()
        return next((t for t in self.process.items("update_templates") if t["audience"] == audience), None)

    def _fill_composer(self) -> None:
        template = self._template()
        if template is None or self.incident is None:
            return
        now = self._clock.now()
        ic = next((a.person for a in self._roles if a.role == "ic" and a.to_at is None), "not named yet")
        due = next((d for d in getattr(self, "_due", []) if d.audience == self.composer.audience()), None)
        every = due.every if due else None
        values = {
            "ref": self.incident.ref, "title": self.incident.title,
            "severity": severity_text(self.incident.severity), "status": self.incident.status,
            "elapsed": times.format_duration((now - times.from_text(self.incident.declared_at)).total_seconds()),
            "ic": ic,
            "actions": "; ".join(f"{t.owner}: {t.text}" for t in self.tasks_model.tasks()) or "[what is being done]",
            "impact": "[what customers notice]",
            "next_update": f"in {every} minutes" if every else "[when]",
        }
        self.composer.editor.setPlainText(board.fill_template(template["body"], values))

    def _check_composer(self) -> None:
        template = self._template()
        if template is None:
            return
        findings = board.check_message(self.process, template["rules"], self.composer.editor.toPlainText())
        if not findings:
            self.composer.findings.setText("No problems found by the live-message rules." if template["rules"] else "")
            return
        self.composer.findings.setText("\n".join(
            f"“{f.text}”: {f.message} Try: {f.suggestion}" for f in findings))

    def _on_send_update(self, audience: str, text: str) -> None:
        incident_id, author = self.incident.id, self.author

        def done(_):
            self.composer.hide()
            self.note_status.setText(f"Update to {audience} sent.")
            self.focus_note()

        self._submit(lambda s: s.send_update(incident_id, audience, text, by=author), done,
                     lambda e: self.composer.findings.setText(f"Not sent: {e}"))
