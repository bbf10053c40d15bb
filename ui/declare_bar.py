"""The declare bar (Ctrl+N): title, severity and when the impact began; Enter declares.

The severity box takes digits only, so a note typed into the wrong field can no longer change
the level unnoticed, and every change of level says what it was before. The impact start is
read by the core (`times.parse_past`) as it is typed, and shown as the time it will record.
"""

from datetime import tzinfo

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QFrame, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from console import times
from console.clock import Clock
from console.domain import SEVERITIES
from console.errors import InputError
from ui.formatting import severity_text
from ui import palette

_NOT_TEXT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def typed_text(event: QKeyEvent) -> bool:
    """A key that types a character (no Ctrl, Alt or Meta held)."""
    return bool(event.text()) and event.text().isprintable() and not (event.modifiers() & _NOT_TEXT)


class SeverityBox(QComboBox):
    """The new incident's severity. Digits pick a level (1-5; 0 or Backspace: not set), Up and
    Down step, Alt+Down opens the list. Letters never pick a level (a combo box's type-to-find
    turned SEV-3 into SEV-4 under a note typed into the wrong field): they are handed on.

    Signals:
        stray_text(str): printable text that picks no level (the bar gives it to the title).
    """

    stray_text = Signal(str)

    def event(self, event: QEvent) -> bool:
        # Claim printable keys before the window's shortcuts see them (`?` is the cheat sheet).
        if event.type() == QEvent.Type.ShortcutOverride and typed_text(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        text = event.text()
        if event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) or text == "0":
            self.setCurrentIndex(0)
        elif len(text) == 1 and text in "12345":
            self.setCurrentIndex(self.findData(int(text)))
        elif typed_text(event):
            self.stray_text.emit(text)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.hasFocus():  # never changed by a wheel merely passing over it
            super().wheelEvent(event)
        else:
            event.ignore()



class DeclareBar(QFrame):
    """Declare an incident without leaving the keyboard: title, severity, when the impact
    began; Enter in any of them declares.

    What is typed between Enter and the board opening is kept (`take_typed_ahead`), so the
    first note typed straight after Enter reaches the note box instead of this bar.

    Signals:
        declare_requested(str, object, object): title, severity (int, or None when not set)
            and when the impact began (an aware datetime, or None: when it is declared).
    """

    declare_requested = Signal(str, object, object)
    DEFAULT_LEVEL = 2  # the lowest major incident level

    def __init__(self, clock: Clock, zone: tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("declareBar")
        self._clock = clock
        self._zone = zone
        self._pending = False
        self._typed_ahead = ""
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText("What is broken? (title of the new incident)")
        self.title_edit.setAccessibleName("New incident title")
        self.severity_box = SeverityBox(self)
        self.severity_box.setAccessibleName("New incident severity")
        self.severity_box.setToolTip("1-5 picks the level, 0 leaves it unset; Up and Down step")
        self.severity_box.addItem("Severity not set", None)
        for level in SEVERITIES:
            self.severity_box.addItem(severity_text(level), level)
        self.began_edit = QLineEdit(self)
        self.began_edit.setAccessibleName("When the impact began")
        self.began_edit.setPlaceholderText("now, or 14:02, 20m ago")
        self.began_edit.setToolTip(f"When the impact began: {times.PAST_FORMS}. Empty means now.")
        self.began_edit.setMinimumWidth(self.began_edit.fontMetrics().horizontalAdvance("now, or 14:02, 20m ago") + 16)
        # A security incident gets a codename, which replaces the title wherever others may see
        # it (console.security). Unsure? Tick it: the Incident Commander decides.
        self.security_box = QCheckBox("&Security", self)
        self.security_box.setAccessibleName("A security incident")
        self.security_box.setToolTip("A security incident (Alt+S): known by a codename outside its board; "
                                     "its messages beyond the response team wait for /forensics-clear")
        self.button = QPushButton("Declare", self)
        self.message = QLabel(self)
        self.message.setObjectName("formMessage")
        self.severity_note = QLabel(self)
        self.severity_note.setObjectName("fieldNote")
        self.began_note = QLabel(self)
        self.began_note.setObjectName("fieldNote")
        began_label = QLabel("Impact &began:", self)
        began_label.setBuddy(self.began_edit)
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setVerticalSpacing(2)
        layout.addWidget(QLabel("New incident:", self), 0, 0)
        layout.addWidget(self.title_edit, 0, 1)
        layout.addWidget(self.severity_box, 0, 2)
        layout.addWidget(began_label, 0, 3)
        layout.addWidget(self.began_edit, 0, 4)
        layout.addWidget(self.security_box, 0, 5)
        layout.addWidget(self.button, 0, 6)
        layout.addWidget(self.message, 1, 1)  # each field's line sits under it
        layout.addWidget(self.severity_note, 1, 2, 1, 2)
        layout.addWidget(self.began_note, 1, 4, 1, 2)
        layout.setColumnStretch(1, 1)
        self._shown_level: object = None
        self.severity_box.currentIndexChanged.connect(self._on_severity_changed)
        self.severity_box.stray_text.connect(self._on_stray_text)
        self.began_edit.textChanged.connect(self._show_began)
        self.title_edit.textEdited.connect(lambda _: self.message.clear())  # a note about the title, once read
        self.button.clicked.connect(self.submit)
        for field in (self.title_edit, self.severity_box, self.began_edit, self.security_box, self.button):
            field.installEventFilter(self)
        self._reset_severity()

    # -- opening and closing -----------------------------------------------------------------------

    def open_bar(self) -> None:
        self.message.clear()
        self._set_pending(False)
        self.show()
        self.title_edit.setFocus()
        self.title_edit.selectAll()

    def close_bar(self) -> None:
        """Hide, ready for the next incident: title and impact start cleared, severity back to
        the default. What was typed ahead stays until taken."""
        self._set_pending(False)
        self.hide()
        self.title_edit.clear()
        self.began_edit.clear()
        self.security_box.setChecked(False)
        self.message.clear()
        self._reset_severity()

    def show_error(self, text: str) -> None:
        """The declaration failed: say why; what was typed since Enter is shown, not dropped."""
        self._set_pending(False)
        typed = self.take_typed_ahead()
        self.message.setText(text + (f" (typed since: {typed})" if typed.strip() else ""))

    def take_typed_ahead(self) -> str:
        """What was typed between Enter and now (for the board's note box), once."""
        typed, self._typed_ahead = self._typed_ahead, ""
        return typed

    def _set_pending(self, pending: bool) -> None:
        self._pending = pending
        for field in (self.title_edit, self.began_edit):
            field.setReadOnly(pending)

    @property
    def pending(self) -> bool:
        """Enter was pressed and the declaration has not come back yet."""
        return self._pending

    # -- declaring ---------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._pending:
            return
        title = self.title_edit.text().strip()
        if not title:
            self.message.setText("Type a title first.")
            self.title_edit.setFocus()
            return
        try:
            began = times.parse_past(self.began_edit.text(), self._clock.now(), self._zone)
        except InputError as exc:
            self._say_began(str(exc), error=True)
            self.began_edit.setFocus()
            return
        self.message.clear()
        self._set_pending(True)
        self._typed_ahead = ""
        self.declare_requested.emit(title, self.severity_box.currentData(), began)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Enter declares from any field; while the declaration is on its way, typing is kept
        for the board instead of landing in this bar."""
        kind = event.type()
        if kind == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return True
        if not self._pending:
            return False
        if kind == QEvent.Type.ShortcutOverride and typed_text(event):
            event.accept()  # a typed `?` is text for the note, not the cheat sheet
            return True
        if kind == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Backspace:
                self._typed_ahead = self._typed_ahead[:-1]
                return True
            if typed_text(event):
                self._typed_ahead += event.text()
                return True
        return False

    # -- what the fields say -----------------------------------------------------------------------

    def _reset_severity(self) -> None:
        self.severity_box.blockSignals(True)
        self.severity_box.setCurrentIndex(self.severity_box.findData(self.DEFAULT_LEVEL))
        self.severity_box.blockSignals(False)
        self._shown_level = self.DEFAULT_LEVEL
        self._paint_severity(self.DEFAULT_LEVEL)
        self.severity_note.setText("1-5 · Up/Down")

    def _on_severity_changed(self, _index: int) -> None:
        level = self.severity_box.currentData()
        before, self._shown_level = self._shown_level, level
        self._paint_severity(level)
        if level != before:
            self.severity_note.setText(f"Now {severity_text(level)} (was {severity_text(before)})")

    def _paint_severity(self, level: int | None) -> None:
        colour = palette.hex_colour(palette.severity(level, text=True)) if level else None
        self.severity_box.setStyleSheet(f"QComboBox {{ color: {colour}; font-weight: bold; }}" if colour else "")

    def _on_stray_text(self, text: str) -> None:
        """Letters typed on the severity box go to the title, where they can be seen."""
        self.title_edit.setFocus()
        self.title_edit.end(False)
        self.title_edit.insert(text)
        self.message.setText("Severity takes 1-5; your typing went to the title.")

    def _show_began(self, text: str) -> None:
        """Read the impact start as it is typed, so what it will mean is never a surprise."""
        if not text.strip():
            self.began_note.clear()
            return
        now = self._clock.now()
        try:
            began = times.parse_past(text, now, self._zone)
        except InputError as exc:
            self._say_began(str(exc), error=True)
            return
        if began is None:
            self._say_began("when declared")
            return
        local, today = began.astimezone(self._zone), now.astimezone(self._zone).date()
        day = "" if local.date() == today else ("yesterday " if (today - local.date()).days == 1
                                                   else f"{local:%Y-%m-%d} ")
        self._say_began(f"began {day}{local:%H:%M}, {times.format_duration((now - began).total_seconds())} ago")

    def _say_began(self, text: str, *, error: bool = False) -> None:
        self.began_note.setObjectName("formMessage" if error else "fieldNote")
        self.began_note.style().unpolish(self.began_note)
        self.began_note.style().polish(self.began_note)
        self.began_note.setText(text)
