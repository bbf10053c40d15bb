"""A link the keyboard can reach: a label whose one link Tab reaches and Enter or Space follows.

A QLabel's link is for the mouse only unless Qt's keyboard-link mode is on, and that mode
follows a link only after Tab has walked into the label's text. Here the whole label is the
link's one stop in the tab order: Tab (or a click) focuses it, a dotted frame shows it, and
Enter or Space emits `linkActivated` with the link, as a click on it does.
"""

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QPen, QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QWidget

_HREF = re.compile(r"""href\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
ACTIVATING_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)


class LinkLabel(QLabel):
    """Rich text with (at most) one link, reachable and followed by keyboard.

    `hint` says what following the link does; it becomes the accessible description, and the
    accessible name is what the label shows. Without a link the label leaves the tab order.
    """

    def __init__(self, parent: QWidget | None = None, *, hint: str = "Enter opens it in the handbook") -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.hint = hint
        self._href: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    @property
    def href(self) -> str | None:
        """The link Enter, Space or a click follows; None when the text has none."""
        return self._href

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name, so every caller gets this
        super().setText(text)
        match = _HREF.search(text)
        self._href = html.unescape(match.group(1)) if match else None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if self._href else Qt.FocusPolicy.NoFocus)
        self.setAccessibleName(QTextDocumentFragment.fromHtml(text).toPlainText().strip())
        self.setAccessibleDescription(self.hint if self._href else "")

    def clear(self) -> None:
        self.setText("")

    def follow(self) -> bool:
        """Follow the link as a click would; False when there is none."""
        if self._href is None:
            return False
        self.linkActivated.emit(self._href)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if plain and event.key() in ACTIVATING_KEYS and self.follow():
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.hasFocus():  # a dotted frame in the label's own text colour: seen on any fill
            painter = QPainter(self)
            pen = QPen(self.palette().color(QPalette.ColorRole.WindowText), 2, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(2, 2, -3, -3))
