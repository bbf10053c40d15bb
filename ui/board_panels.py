"""The panels of the IC's board. Each is a plain view over a model plus an inline bar for
input: nothing here opens a dialog, because nothing modal may interrupt a call. (The roles
panel is `ui.roles_panel`; the update composer `ui.update_composer`.)
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView, QTreeView, QVBoxLayout, QWidget,
)

from ui import actions, palette
from ui.actions import ESC, Where
from ui.board_models import ChecklistModel, TasksModel
from ui.checklist_rows import ChecklistRows
from ui.link_label import LinkLabel
from ui.message_line import MessageLine
from ui.task_rows import TaskRows


def panel_title(text: str, parent: QWidget) -> QLabel:
    """A panel's bold title line."""
    label = QLabel(text, parent)
    label.setObjectName("panelTitle")
    return label


def lines_height(panel: QWidget, lines: tuple[QWidget, ...], width: int) -> int:
    """How tall the shown ones of a panel's `lines` (titles, hints, bars) are at `width`, with
    the panel's spacing after each."""
    shown = [w for w in lines if w.isVisibleTo(panel)]
    height = sum(w.heightForWidth(width) if w.hasHeightForWidth() else w.sizeHint().height() for w in shown)
    return height + panel.layout().spacing() * len(shown)


class InlineBar(QFrame):
    """A one-line input that slides in above a panel; Enter submits, Esc cancels (the bar
    only). It opens with its default text selected, so what is typed replaces it; the board's
    keys still work while it has focus.

    Signals:
        submitted(str): the text, when Enter is pressed with something typed.
        cancelled(): Esc.
    """

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, prompt: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineBar")
        self.label = QLabel(prompt, self)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(prompt)
        self.message = MessageLine(self)  # a problem; with .done() a confirmation
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(self.label)
        row.addWidget(self.edit, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.edit.returnPressed.connect(self._submit)
        actions.yield_keys(self.edit, keep=(ESC,))
        self.edit.installEventFilter(self)
        self.hide()

    def open(self, text: str = "", prompt: str | None = None) -> None:
        if prompt is not None:
            self.label.setText(prompt)
        self.message.clear()
        self.edit.setText(text)
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()  # typing replaces the default

    def close_bar(self) -> None:
        self.hide()
        self.cancelled.emit()

    def take(self, text: str) -> None:
        """`text` was submitted and is on its way: out of the field, leaving whatever was
        typed after it (the next step, typed while this one saves)."""
        current = self.edit.text()
        rest = current[len(text):] if current.startswith(text) else current.replace(text, "", 1)
        self.edit.setText(rest.lstrip())

    def give_back(self, text: str) -> None:
        """`text` could not be saved: back into the field, ahead of anything typed since."""
        typed_since = self.edit.text().strip()
        self.edit.setText(f"{text} {typed_since}" if typed_since else text)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        # The field's completer popup (the role bar suggests people) goes with the bar. With
        # PySide6 6.12 a popup that was shown and hidden can stay the application's active
        # window, and then nothing in ours can take the focus (the update composer opened next
        # did not): the window is made active again.
        completer = self.edit.completer()
        if completer is not None and completer.popup().isVisible():
            completer.popup().hide()
        active, window = QApplication.activeWindow(), self.window()
        if active is not None and active is not window and not active.isVisible():
            window.activateWindow()
        super().hideEvent(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.edit and actions.claims(event, ESC):
            return True
        if watched is self.edit and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return True
        return False

    def _submit(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.submitted.emit(text)


class TasksPanel(QWidget):
    """Open tasks with live countdowns; the selected task's keys (D done, E extend, R reassign)
    are `ui.actions`' rows for Tasks.

    Signals:
        task_requested(str): the task bar's text (`PERSON MINUTES TEXT`).
        done_requested(int), extend_requested(int, str), reassign_requested(int, str)
    """

    MIN_ROWS = 3  # lines of tasks always in sight

    task_requested = Signal(str)
    done_requested = Signal(int)
    extend_requested = Signal(int, str)
    reassign_requested = Signal(int, str)

    def __init__(self, model: TasksModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QListView(self)
        self.view.setObjectName("tasksList")
        self.view.setAccessibleName("Tasks")
        self.view.setModel(model)
        TaskRows(self.view)  # a task wraps rather than being cut off, its text under its text
        self.actions_by_name = actions.install(self.view, Where.TASKS, tasks=self)
        self.bar = InlineBar("Task:", "PERSON MINUTES TEXT   e.g. Ana 5 check the replicas", self)
        self.bar.submitted.connect(self._on_bar_submitted)
        self._mode: tuple[str, int] | None = None  # ("extend" | "reassign", task id)
        self.empty = QLabel(f"No open tasks. {actions.keys_of('task')}: one named person, a task, N minutes.", self)
        self.empty.setObjectName("panelHint")  # the list page's big centred hint would shout here
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = panel_title(f"Tasks  ({actions.keys_of('task')} new · {actions.legend(Where.TASKS)})", self)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        layout.addStretch()  # with no tasks, the room is left below the hint, not spread around it
        self._kept: int | None = None  # the selected task across a reload of the list
        model.modelAboutToBeReset.connect(self._remember_current)
        model.modelReset.connect(self._update_empty)
        model.modelReset.connect(self._restore_current)
        self._update_empty()

    def _remember_current(self) -> None:
        index = self.view.currentIndex()
        self._kept = self.model.task_at(index.row()).id if index.isValid() else None

    def _restore_current(self) -> None:
        row = self.model.row_of(self._kept) if self._kept is not None else -1
        if row >= 0:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)
        self._fit_minimum()

    def _fit_minimum(self) -> None:
        """Never shorter than its title and `MIN_ROWS` lines of tasks (or the whole hint when
        there are none): the roles above give way first."""
        width = max(self.width(), 100)
        body = self.empty.heightForWidth(width) if self.model.rowCount() == 0 else \
            self.MIN_ROWS * self.view.fontMetrics().lineSpacing() + 2 * self.view.frameWidth() + 6
        spacing = self.layout().spacing() * 2
        height = self.title.heightForWidth(width) + body + spacing
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_minimum()  # the title and the hint wrap anew

    def unused_height(self) -> int:
        """How much of its height shows nothing: below its last task (or its hint)."""
        used = lines_height(self, (self.title, self.bar, self.empty), max(self.width(), 100))
        if self.view.isVisibleTo(self):
            used += sum(self.view.sizeHintForRow(r) for r in range(self.model.rowCount()))
            used += 2 * self.view.frameWidth() + 6
        return max(self.height() - max(used, self.minimumHeight()), 0)

    def start_task(self, prefill: str = "") -> None:
        self._mode = None
        self.bar.open(prefill, prompt="Task:")
        self.bar.edit.setPlaceholderText("PERSON MINUTES TEXT   e.g. Ana 5 check the replicas")

    def current_task_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        return self.model.task_at(index.row()).id if index.isValid() else None

    def start_extend(self, task_id: int) -> None:
        self._mode = ("extend", task_id)
        self.bar.open("5", prompt=f"Extend {self.model.task_at(self.model.row_of(task_id)).ref} by minutes:")

    def start_reassign(self, task_id: int) -> None:
        self._mode = ("reassign", task_id)
        self.bar.open("", prompt=f"Reassign {self.model.task_at(self.model.row_of(task_id)).ref} to:")

    def _on_bar_submitted(self, text: str) -> None:
        if self._mode is None:
            self.task_requested.emit(text)
        elif self._mode[0] == "extend":
            self.extend_requested.emit(self._mode[1], text)
        else:
            self.reassign_requested.emit(self._mode[1], text)

    def finished(self) -> None:
        self._mode = None
        self.bar.hide()
        self.view.setFocus()

    def done_current(self) -> None:
        if (task_id := self.current_task_id()) is not None:
            self.done_requested.emit(task_id)

    def extend_current(self) -> None:
        if (task_id := self.current_task_id()) is not None:
            self.start_extend(task_id)

    def reassign_current(self) -> None:
        if (task_id := self.current_task_id()) is not None:
            self.start_reassign(task_id)


class ChecklistPanel(QWidget):
    """One role's checklists for the phase; Space (`ui.actions`) checks the selected item.

    Signals:
        toggle_requested(str, bool): item id and the state wanted.
        role_changed(str)
    """

    toggle_requested = Signal(str, bool)
    role_changed = Signal(str)

    def __init__(self, model: ChecklistModel, roles: list[dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.role_box = QComboBox(self)
        self.role_box.setAccessibleName("Checklist of role")
        for role in roles:
            self.role_box.addItem(role["name"], role["id"])
        self.progress = QLabel(self)
        self.progress.setObjectName("progress")
        self.tree = QTreeView(self)
        self.tree.setObjectName("checklistTree")
        self.tree.setAccessibleName("Checklist")
        self.tree.setHeaderHidden(True)
        self.tree.setModel(model)
        ChecklistRows(self.tree)  # each step whole, wrapped; a done step's box ticked
        self.actions_by_name = actions.install(self.tree, Where.CHECKLIST, checklist=self)
        self.next_label = QLabel(self)
        self.next_label.setObjectName("nextStep")
        self.next_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(panel_title("Checklist", self))
        top.addWidget(self.role_box, 1)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.next_label)
        layout.addWidget(self.tree, 1)
        self.role_box.currentIndexChanged.connect(lambda _: self.role_changed.emit(self.role()))
        self._kept: str | None = None  # the selected item's id across a change of lists
        model.modelAboutToBeReset.connect(self._remember_current)
        model.modelReset.connect(self.tree.expandAll)
        model.modelReset.connect(self._restore_current)

    def role(self) -> str:
        return self.role_box.currentData()

    def refresh_summary(self) -> None:
        done, total = self.model.progress()
        self.progress.setText(f"{done} of {total} done")
        upcoming = self.model.next_item()
        self.next_label.setText(f"Next: {upcoming['text']}" if upcoming else "All done.")

    def toggle_current(self) -> None:
        index = self.tree.currentIndex()
        item = index.data(ChecklistModel.ItemRole)
        if item:
            checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
            self.toggle_requested.emit(item["id"], not checked)

    def _remember_current(self) -> None:
        item = self.tree.currentIndex().data(ChecklistModel.ItemRole)
        self._kept = item["id"] if item else None

    def _restore_current(self) -> None:
        index = self.model.item_index(self._kept) if self._kept else None
        if index is not None and index.isValid():
            self.tree.setCurrentIndex(index)


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


class PromptStrip(QFrame):
    """Call-etiquette prompts: one for the moment (when something happens), else the general
    ones for the chosen audience, rotating. Never modal; each can be dismissed or snoozed, and
    the whole strip switched off.

    Signals:
        handbook_requested(str)
    """

    handbook_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptStrip")
        self.text = LinkLabel(self, hint="Enter opens the prompt's page in the handbook")  # Tab reaches "›"
        self.text.setObjectName("promptText")
        self.text.setWordWrap(True)
        self.text.linkActivated.connect(self.handbook_requested)
        self.setToolTip("Ctrl+. dismiss · Ctrl+, snooze 10 min · Ctrl+Shift+P prompts off")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.text, 1)
        self.current: dict | None = None
        self.shown: list[dict] = []
        self.contextual = False

    def show_prompt(self, prompt: dict | None, *, contextual: bool, more: list[dict] = ()) -> None:
        """Show one prompt (and, for a moment, its siblings after it, shortest first)."""
        self.current = prompt
        self.shown = [prompt, *more] if prompt is not None else []
        self.contextual = contextual and prompt is not None
        palette.set_state(self, "contextual", self.contextual)
        if prompt is None:
            self.text.clear()
            self.hide()
            return
        who = "Everyone" if prompt["audience"] == "everyone" else prompt["audience"].replace("_", " ").upper() \
            if prompt["audience"] in ("ic", "sme") else prompt["audience"].replace("_", " ").capitalize()
        texts = " · ".join(_esc(p["text"]) for p in self.shown)
        self.text.setText(f"<b>{_esc(who)}:</b> {texts} <a href=\"{prompt['page']}\">›</a>")
        self.show()


class CallModeWindow(QWidget):
    """A compact always-on-top window for when the main screen is shared on the call."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("callMode")
        self.setWindowTitle("Incident Console — call mode")
        self.labels: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        for key in ("severity", "ic", "elapsed", "checkback", "update", "prompt"):
            label = QLabel(self)
            label.setObjectName(f"call_{key}")
            label.setWordWrap(True)
            layout.addWidget(label)
            self.labels[key] = label
        self.resize(360, 220)

    def set_values(self, values: dict[str, str]) -> None:
        for key, label in self.labels.items():
            label.setText(values.get(key, ""))
