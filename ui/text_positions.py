"""Places in a text as the core counts them, and as a Qt text document does.

The core's offsets (console.lint's findings) count the characters of a Python string. A Qt
document counts UTF-16 units, in which a character beyond the Basic Multilingual Plane (most
emoji, some CJK) takes two. So each such character before a place moves it one further:
without this, every underline after a 🔥 lands one character early.

    places = Positions(text)
    places.in_document(finding.start)       where a QTextCursor should go
    places.in_text(cursor.position())       which character of `text` the cursor is at
"""

import bisect
import re

from PySide6.QtGui import QTextCursor

_WIDE = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each


class Positions:
    """The two ways of counting places in one text."""

    def __init__(self, text: str) -> None:
        self._wide = [m.start() for m in _WIDE.finditer(text)]  # offsets in the text
        # Where each wide character ends in the document: its offset, the wide ones before it, 2.
        self._ends = [offset + i + 2 for i, offset in enumerate(self._wide)]

    def in_document(self, offset: int) -> int:
        return offset + bisect.bisect_left(self._wide, offset)

    def in_text(self, position: int) -> int:
        """The offset of the character at a document position (inside a wide character's two
        units: the one after it)."""
        return position - bisect.bisect_right(self._ends, position)

    def select(self, cursor: QTextCursor, start: int, end: int) -> QTextCursor:
        """`cursor` moved to select the text's characters start..end."""
        cursor.setPosition(self.in_document(start))
        cursor.setPosition(self.in_document(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor
