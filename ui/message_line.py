"""The line under the note box that answers what was just done: a problem in the error colour,
a confirmation ("Sound off.", "Update to customers sent.") in the text colour.

A problem is the default: anything set with `setText` shows as one, so no failure can ever
look like a success; `done(text)` is a confirmation, and only until the next text.
"""

from PySide6.QtWidgets import QLabel, QWidget

ERROR = "formMessage"  # the style sheet colours these as errors
NOTE = "fieldNote"  # and these in the ordinary text colour


class MessageLine(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName(ERROR)

    @property
    def ok(self) -> bool:
        """Whether the line shows a confirmation (not a problem)."""
        return self.objectName() == NOTE

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name: every plain message is a problem
        self._show(text, ERROR)

    def done(self, text: str) -> None:
        """Say that something worked."""
        self._show(text, NOTE)

    def _show(self, text: str, name: str) -> None:
        if self.objectName() != name:
            self.setObjectName(name)
            self.style().unpolish(self)
            self.style().polish(self)
        super().setText(text)
