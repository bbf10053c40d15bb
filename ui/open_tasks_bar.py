"""The offer made when an incident is resolved with tasks still open: close them, or hand them
to follow-ups, or leave them. It sits in the board above the note box and never blocks: the
call goes on whatever is chosen, and Esc (or Leave them) just puts it away.
"""

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain import Task


class _Button(QPushButton):
    """A button of the bar: Enter or Space presses it, and Esc is the bar's (it puts the bar
    away) rather than the window's (back to the list)."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAutoDefault(True)  # Enter presses it, as Space does

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()  # the key press follows, and comes up to the bar
            return True
        return super().event(event)


class OpenTasksBar(QFrame):
    """What to do with the tasks still open at resolve.

    Signals:
        close_requested(): close every open task unfinished.
        hand_over_requested(): make each a follow-up (its text and owner), then close it.
        dismissed(): leave them open; the bar is put away.
    """

    close_requested = Signal()
    hand_over_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineBar")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.close_button = _Button("Close them", self)
        self.close_button.setAccessibleName("Close the open tasks unfinished")
        self.hand_button = _Button("Hand them to follow-ups", self)
        self.hand_button.setAccessibleName("Hand the open tasks to follow-ups")
        self.keep_button = _Button("Leave them open (Esc)", self)
        self.keep_button.setAccessibleName("Leave the tasks open")
        self.error = QLabel(self)
        self.error.setObjectName("formMessage")
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.close_button, self.hand_button, self.keep_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.close_button.clicked.connect(self.close_requested)
        self.hand_button.clicked.connect(self.hand_over_requested)
        self.keep_button.clicked.connect(self.put_away)
        self.hide()

    def offer(self, tasks: list[Task]) -> None:
        """Say which tasks are open and give the choice, focus on the first button."""
        listed = "; ".join(f"{t.ref} {t.owner}: {t.text}" for t in sorted(tasks, key=lambda t: t.number))
        count = f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} still open"
        self.message.setText(f"Resolved with {count} ({listed}). Their check-back clocks stopped at resolve.")
        self.error.hide()
        self.show()
        self.close_button.setFocus()

    def failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def put_away(self) -> None:
        self.hide()
        self.dismissed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.put_away()
            return
        super().keyPressEvent(event)
