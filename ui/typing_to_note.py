"""Typing in one of the board's panels goes to the note box.

A panel's own keys (`ui.actions`: Space in the checklist, D, E and R in Tasks, P, E, X and H in
the timeline...) still act on its selected row. Any other character typed there goes to the note
box instead, and the keyboard goes with it, so the rest of the line follows. A scribe who looked
away with the keyboard left in a panel starts a note, and the note is not lost.

Left to Qt, such a character moved the selection to a row starting with it (the views' type-ahead),
and the line's next space acted on that row. Under Xvfb, "db team paged" typed in the checklist
checked "When a time-box ends, ask if it is done", and nothing reached the timeline.

What it cannot catch is a line whose first letter is one of the panel's own keys: "done" typed
in Tasks still marks the selected task done at its "d". Those keys are the design (`ui.actions`).

    TypingToNote(note_edit, [timeline, checklist_tree, ...], parent)
"""

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from ui.actions import TEXT_MODIFIERS


def types_a_character(event: QKeyEvent) -> bool:
    """A key press that writes a visible character (not Enter, Tab, a space, an arrow or Ctrl+...)."""
    text = event.text()
    return (len(text) == 1 and text.isprintable() and not text.isspace()
            and not event.modifiers() & ~TEXT_MODIFIERS)


class TypingToNote(QObject):
    """Sends the characters typed in `panels` (none of their own keys) to `note`."""

    def __init__(self, note: QLineEdit, panels: Iterable[QWidget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._note = note
        for panel in panels:
            panel.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        # A panel's own keys never get here: their actions take them first, as shortcuts.
        if event.type() != QEvent.Type.KeyPress or not types_a_character(event) or not self._note.isVisible():
            return False
        self._note.setFocus(Qt.FocusReason.OtherFocusReason)
        QApplication.sendEvent(self._note, QKeyEvent(
            QEvent.Type.KeyPress, event.key(), event.modifiers(), event.text(), event.isAutoRepeat(), event.count()))
        return True
