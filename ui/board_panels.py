"""The panels of the IC's board. Each is a plain view over a model plus an inline bar for
input: nothing here opens a dialog, because nothing modal may interrupt a call.
"""

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QCompleter, QFrame, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QListView, QPlainTextEdit, QPushButton, QScrollArea, QTableView, QTreeView, QVBoxLayout,
    QWidget,
)

from ui import actions
from ui.actions import ESC, Where
from ui.board_models import ChecklistModel, RolesModel, TasksModel
from ui.link_label import LinkLabel


def _title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("panelTitle")
    return label


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
        self.message = QLabel(self)
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
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


class RolesPanel(QWidget):
    """Roles with holders, the selected role's card, warnings, and the assign bar.

    Signals:
        assign_requested(str, str): role id and person.
        handbook_requested(str): a page reference from the role card.
    """

    assign_requested = Signal(str, str)
    handbook_requested = Signal(str)

    def __init__(self, model: RolesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setObjectName("rolesTable")
        self.table.setAccessibleName("Roles")
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(0, 150)
        self.table.horizontalHeader().resizeSection(2, 64)
        self.table.horizontalHeader().setAccessibleName("Roles columns")
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.activated.connect(lambda index: self.handbook_requested.emit(model.role_at(index.row())["page"]))
        self.table.setTabKeyNavigation(False)  # Tab goes on to the card, arrows pick the role
        # The card's link: Tab reaches it, Enter follows it (as Enter on the role's row does).
        self.card = LinkLabel(self, hint="Enter opens the role's page in the handbook")
        self.card.setObjectName("roleCard")
        self.card.setWordWrap(True)
        self.card.linkActivated.connect(self.handbook_requested)
        self.warnings = QLabel(self)
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        # Each warning's "why": Tab walks the links, Enter follows one.
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                              | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.warnings.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.warnings.setAccessibleName("Role warnings")
        self.warnings.linkActivated.connect(self.handbook_requested)
        # The letter of each role is its `key` in the process (roles.yaml).
        self.role_keys = {str(r["key"]).lower(): r for r in model._roles if r.get("key")}
        legend = " · ".join(f"{key} {r['short']}" for key, r in self.role_keys.items())
        self.bar = InlineBar("Role?", legend, self)
        self.completer_model = QStringListModel(self)
        completer = QCompleter(self.completer_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.bar.edit.setCompleter(completer)
        self._pending_role: str | None = None
        # Everything stacks in a scroll area: when the warnings, the bar and the card do not
        # fit the panel's height, the panel scrolls, and nothing is drawn over the table.
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("rolesScroll")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget(self.scroll)
        stack = QVBoxLayout(inner)
        stack.setContentsMargins(0, 0, 0, 0)
        title = _title(f"Roles  ({actions.keys_of('assign')} assign)", inner)
        title.setWordWrap(True)
        stack.addWidget(title)
        for widget in (self.warnings, self.bar, self.table, self.card):
            widget.setParent(inner)
            stack.addWidget(widget)
        stack.addStretch(1)
        self.scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        model.modelReset.connect(self._fit_table)
        self._fit_table()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_card())
        self.bar.edit.textEdited.connect(self._on_bar_text)
        self.bar.submitted.connect(self._on_bar_submitted)
        self.phase = "during"

    def _fit_table(self) -> None:
        """The table as tall as its rows (the process's roles: a handful), never scrolling."""
        rows = self.table.verticalHeader().defaultSectionSize() * self.model.rowCount()
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(rows + self.table.horizontalHeader().sizeHint().height() + frame)

    def start_assign(self) -> None:
        """Ctrl+R: the next letter picks the role, then the name, then Enter."""
        self._pending_role = None
        self.bar.open(prompt=f"Role? ({' '.join(self.role_keys)})")
        self.scroll.ensureWidgetVisible(self.bar)

    def set_people(self, people: list[str]) -> None:
        self.completer_model.setStringList(sorted(set(people), key=str.casefold))

    def _on_bar_text(self, text: str) -> None:
        if self._pending_role is None and len(text) == 1:
            role = self.role_keys.get(text.lower())
            if role is None:
                self.bar.message.setText(f"No role on key {text!r}: {' '.join(self.role_keys)}")
                self.bar.edit.clear()
                return
            self._pending_role = role["id"]
            self.bar.label.setText(f"{role['name']}:")
            self.bar.edit.clear()
            self.bar.edit.setPlaceholderText("name, then Enter (the current holder is replaced for one-holder roles)")
            self.bar.message.clear()

    def _on_bar_submitted(self, text: str) -> None:
        if self._pending_role is None:
            return
        self.assign_requested.emit(self._pending_role, text)

    def assigned(self) -> None:
        self._pending_role = None
        self.bar.edit.completer().popup().hide()  # or it hands focus back to the hidden bar
        self.bar.hide()

    def show_card(self) -> None:
        index = self.table.currentIndex()
        row = index.row() if index.isValid() else 0
        if self.model.rowCount() == 0:
            return
        role = self.model.role_at(row)
        duties = role["duties"].get(self.phase) or []
        items = "".join(f"<li>{_esc(d)}</li>" for d in duties[:3])
        more = f"<br><a href=\"{role['page']}\">Handbook: {_esc(role['name'])} ›</a>"
        self.card.setText(f"<b>{_esc(role['name'])}</b> — {_esc(role['purpose'])}"
                          f"<ul style='margin:2px'>{items}</ul>{more}")

    def set_warnings(self, warnings: list) -> None:
        if not warnings:
            self.warnings.hide()
            return
        lines = []
        for w in warnings:
            mark = "⚠" if w.level == "strong" else "•"
            link = f" <a href=\"{w.page}\">why</a>" if w.page else ""
            lines.append(f"<span class='{w.level}'>{mark} {_esc(w.text)}</span>{link}")
        self.warnings.setText("<br>".join(lines))
        self.warnings.setProperty("level", "strong" if any(w.level == "strong" for w in warnings) else "suggest")
        self.warnings.style().unpolish(self.warnings)
        self.warnings.style().polish(self.warnings)
        self.warnings.show()


class TasksPanel(QWidget):
    """Open tasks with live countdowns; the selected task's keys (D done, E extend, R reassign)
    are `ui.actions`' rows for Tasks.

    Signals:
        task_requested(str): the task bar's text (`PERSON MINUTES TEXT`).
        done_requested(int), extend_requested(int, str), reassign_requested(int, str)
    """

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
        self.view.setWordWrap(True)  # a handful of rows: wrap rather than cut the task off
        self.actions_by_name = actions.install(self.view, Where.TASKS, tasks=self)
        self.bar = InlineBar("Task:", "PERSON MINUTES TEXT   e.g. Ana 5 check the replicas", self)
        self.bar.submitted.connect(self._on_bar_submitted)
        self._mode: tuple[str, int] | None = None  # ("extend" | "reassign", task id)
        self.empty = QLabel(f"No open tasks. {actions.keys_of('task')}: one named person, a task, N minutes.", self)
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_title(f"Tasks  ({actions.keys_of('task')} new · {actions.legend(Where.TASKS)})", self))
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
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
        self.tree.setWordWrap(True)
        self.actions_by_name = actions.install(self.tree, Where.CHECKLIST, checklist=self)
        self.next_label = QLabel(self)
        self.next_label.setObjectName("nextStep")
        self.next_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(_title("Checklist", self))
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


class UpdateComposer(QFrame):
    """Write a status update from the audience's template; live-message rules run as you type.

    Signals:
        send_requested(str, str): audience and text.
        closed()
    """

    send_requested = Signal(str, str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.audience_box = QComboBox(self)
        self.audience_box.setAccessibleName("Audience")
        for audience in ("responders", "executives", "customers"):
            self.audience_box.addItem(audience.capitalize(), audience)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("composerText")
        self.editor.setAccessibleName("Update text")
        self.findings = QLabel(self)
        self.findings.setObjectName("findings")
        self.findings.setWordWrap(True)
        self.send_button = QPushButton("Send (Ctrl+Enter)", self)
        self.hint = QLabel("Esc closes without sending", self)
        self.hint.setObjectName("keysHint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(_title("Status update to", self))
        top.addWidget(self.audience_box)
        top.addStretch(1)
        top.addWidget(self.hint)
        top.addWidget(self.send_button)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.findings)
        self.send_button.clicked.connect(self._send)
        actions.yield_keys(self.editor, keep=(ESC,))
        self.editor.installEventFilter(self)
        self.hide()

    def audience(self) -> str:
        return self.audience_box.currentData()

    def _send(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            self.send_requested.emit(self.audience(), text)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.editor and actions.claims(event, ESC):
            return True
        if watched is self.editor and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                    event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._send()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.hide()
                self.closed.emit()
                return True
        return False


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
        self.setProperty("contextual", self.contextual)
        self.style().unpolish(self)
        self.style().polish(self)
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
