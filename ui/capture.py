"""The scribe's line: one box, Enter commits; a kind chip, a live preview of what Enter will
record, Tab completion, and a command palette (Ctrl+K).

The box only collects text. Parsing and running belong to the core's command language
(`console.commands`), so the window, the palette and the CLI agree on every rule. What is
typed is saved as a draft a moment after each pause, so it survives a crash.
"""

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QLineEdit, QListView, QSizePolicy, QVBoxLayout, QWidget,
)

from ui import actions, palette
from ui.actions import ESC
from ui.message_line import MessageLine

DRAFT_PAUSE_MS = 400


class CaptureBox(QWidget):
    """The note box with its kind chip and preview line.

    Signals:
        submitted(str): the full line to run (kind prefix added when chosen by Alt+digit).
        draft_changed(str): the text after a pause in typing (to save as a draft).
    """

    submitted = Signal(str)
    draft_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chip = QLabel(self)
        self.chip.setObjectName("kindChip")
        self.chip.setAccessibleName("Entry kind")
        self.edit = QLineEdit(self)
        self.edit.setObjectName("noteBox")
        self.edit.setAccessibleName("Note")
        self.edit.setMaxLength(1_000_000)  # the core enforces the real limit and says so
        self.edit.setPlaceholderText(
            "Type and Enter · d: decision · todo: · @14:02 back-dates · /task Ana 5m … · Ctrl+K commands")
        self.preview = QLabel(self)
        self.preview.setObjectName("preview")
        # Its text changes on every keystroke (a usage line can be long): it must never
        # widen the window, so it wraps and asks for no width of its own.
        self.preview.setWordWrap(True)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = MessageLine(self)  # a problem, or with .done() a confirmation
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.chip)
        row.addWidget(self.edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        self.kind_prefix = ""  # set by Alt+digit; a typed prefix wins
        self.kind_keys: list[tuple[str, str, str]] = []  # (prefix, label, colour) for Alt+1..9
        self.completer: Callable[[str], list[str]] | None = None
        self.describe: Callable[[str], str] | None = None  # a note on a completion (team, on call)
        self.previewer: Callable[[str], tuple[str, bool]] | None = None
        self._refused: str | None = None  # the last refusal of a line (`failed`)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_PAUSE_MS)
        self._draft_timer.timeout.connect(lambda: self.draft_changed.emit(self.edit.text()))
        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.returnPressed.connect(self._submit)
        actions.yield_keys(self.edit)  # every documented key works from here, Ctrl+U included
        self.edit.installEventFilter(self)
        self._completions: list[str] = []
        self._completion_index = 0
        self._show_chip()

    def set_kinds(self, kinds: list[tuple[str, str, str]]) -> None:
        self.kind_keys = kinds[:9]
        self._show_chip()

    def line(self) -> str:
        text = self.edit.text()
        if self.kind_prefix and text.strip() and not text.lstrip().startswith("/"):
            return f"{self.kind_prefix}: {text}"
        return text

    def choose_kind(self, number: int) -> None:
        """Alt+1…9: the kind of the next entry (Alt+0 back to a plain note)."""
        if number == 0 or number > len(self.kind_keys):
            self.kind_prefix = ""
        else:
            self.kind_prefix = self.kind_keys[number - 1][0]
        self._show_chip()
        self._on_text_changed(self.edit.text())

    def _show_chip(self) -> None:
        match = next((k for k in self.kind_keys if k[0] == self.kind_prefix), None)
        if match is None:
            self.chip.setText("NOTE")
            fill = palette.hex_colour("neutral_fill")
            self.chip.setStyleSheet(f"background: {fill}; color: {palette.on_chip(fill)};")
        else:
            self.chip.setText(match[1].upper())
            self.chip.setStyleSheet(f"background: {match[2]}; color: {palette.on_chip(match[2])};")
        self.chip.setToolTip("Alt+1…9 choose the kind · Alt+0 a plain note · or type a prefix such as d:")

    def _on_text_changed(self, text: str) -> None:
        self._completions = []
        if self.previewer is not None and text.strip():
            message, ok = self.previewer(self.line())
            # The last refusal, shown below, is not said twice when the line still earns it.
            self.preview.setText("" if not ok and message == self.status.text() else message)
            palette.set_state(self.preview, "ok", ok)
        else:
            self.preview.clear()
            if not text.strip() and self._refused is not None and self.status.text() == self._refused:
                self.status.clear()  # the line it refused is gone
        self._draft_timer.start()

    def _submit(self) -> None:
        line = self.line()
        if line.strip():
            self.submitted.emit(line)

    def flush_draft(self) -> bool:
        """Save now what the pause in typing was about to save: the box is about to show another
        incident, or the window to close, before the pause ran out. Whether there was any."""
        if not self._draft_timer.isActive():
            return False
        self._draft_timer.stop()
        self.draft_changed.emit(self.edit.text())
        return True

    def committed(self) -> None:
        """The line was recorded: empty the box (the kind choice resets to a note)."""
        self.edit.clear()
        self.kind_prefix = ""
        self._show_chip()
        self.status.clear()
        self._draft_timer.stop()  # the job that recorded the line also cleared the draft

    def failed(self, message: str) -> None:
        """Enter was refused: why, under the box, in place of the preview (which said the same,
        or said it of the line a moment earlier); it goes when the box is emptied."""
        self._refused = message
        self.status.setText(message)
        self.preview.clear()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.edit and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Tab and self.completer is not None:
                self._complete()
                return True
            if event.modifiers() & Qt.KeyboardModifier.AltModifier and Qt.Key.Key_0 <= event.key() <= Qt.Key.Key_9:
                self.choose_kind(event.key() - Qt.Key.Key_0)
                return True
        return False

    def _complete(self) -> None:
        text = self.edit.text()
        if not self._completions:
            self._completions = self.completer(text) if self.completer else []
            self._completion_index = 0
            self._stem = text
        if not self._completions:
            self.preview.setText("No completion.")
            return
        choice = self._completions[self._completion_index % len(self._completions)]
        self._completion_index += 1
        self.edit.blockSignals(True)
        self.edit.setText(choice)
        self.edit.blockSignals(False)
        others = len(self._completions)
        note = self.describe(choice) if self.describe is not None else ""
        self.preview.setText(" · ".join(filter(None, (note, f"Tab again for the next of {others}" if others > 1 else ""))))


class CommandPalette(QFrame):
    """Ctrl+K: every command with its usage, then what the board's keys do (each with its key),
    then the directory's people; type to filter. Enter puts a command in the box, does what a
    key does, or names a person.

    Signals:
        chosen(str): the command's start (e.g. `/task `).
        person_chosen(str): a person's name, from the directory's rows (the people finder).
    """

    chosen = Signal(str)
    person_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Command… (Enter to use, Esc to close)")
        self.filter.setAccessibleName("Filter commands")
        self._people: dict[str, str] = {}
        self._actions: dict[str, QAction] = {}
        self.source = QStringListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView(self)
        self.list.setObjectName("paletteList")
        self.list.setAccessibleName("Commands")
        self.list.setModel(self.proxy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.nothing = QLabel(self)  # what to try when nothing matches
        self.nothing.setObjectName("panelHint")
        self.nothing.setWordWrap(True)
        self.nothing.hide()
        layout.addWidget(self.filter)
        layout.addWidget(self.nothing)
        layout.addWidget(self.list)
        self.filter.textChanged.connect(self._on_filter)
        self.filter.returnPressed.connect(self._choose)
        self.list.activated.connect(lambda _: self._choose())
        actions.yield_keys(self.filter, keep=(ESC,))
        self.filter.installEventFilter(self)
        self.hide()

    def set_commands(self, rows: list[str], people: dict[str, str] | None = None,
                     keys: list[QAction] | None = None) -> None:
        """The commands' rows, then the board's `keys` (its actions: "Export the incident —
        Ctrl+Shift+O"), then the directory's people (row -> the name it gives): typing a team,
        handle or "on call" finds who to name."""
        self._people = dict(people or {})
        self._actions = {}
        for action in keys or ():
            shortcuts = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            self._actions.setdefault(f"{action.text()} — {shortcuts}" if shortcuts else action.text(), action)
        taken = set(rows)
        more = [row for row in [*self._actions, *self._people] if row not in taken]
        self.source.setStringList(list(rows) + more)
        self.filter.setPlaceholderText("Command, key or person… (Enter to use, Esc to close)" if self._people
                                       else "Command or key… (Enter to use, Esc to close)")

    def open(self) -> None:
        self.filter.clear()
        self.show()
        self.raise_()
        self.filter.setFocus()
        self.list.setCurrentIndex(self.proxy.index(0, 0))

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self.list.setCurrentIndex(self.proxy.index(0, 0))
        empty = self.proxy.rowCount() == 0
        self.nothing.setText(f"Nothing here matches “{text}”. Type part of a command (task, sev), of what "
                             "a key does (export, handbook) or of a name. Esc, then ? lists every key." if empty else "")
        self.nothing.setVisible(empty)

    def _choose(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            usage = index.data()
            self.hide()
            if usage in self._actions:
                self._actions[usage].trigger()
            elif usage in self._people:
                self.person_chosen.emit(self._people[usage])
            else:
                self.chosen.emit(usage.split()[0] + " ")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.filter and actions.claims(event, ESC):
            return True
        if watched is self.filter and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.hide()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentIndex().row() + (1 if event.key() == Qt.Key.Key_Down else -1)
                row = max(0, min(self.proxy.rowCount() - 1, row))
                self.list.setCurrentIndex(self.proxy.index(row, 0))
                return True
        return False
