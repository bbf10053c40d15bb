"""The cheat sheet (`?`): every key that applies where you are, read from `ui.actions`, and on
the board the note box's commands, read from each verb's declaration, and the role bar's
letters, read from the process. Nothing on it is written here.

It floats over the window's top right and takes no focus: the call goes on underneath.
"""

from collections.abc import Iterable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from ui import actions
from ui.actions import Where

WINDOW_PLACES = (Where.WINDOW, Where.LIST)
BOARD_PLACES = (Where.WINDOW, Where.BOARD)
PANEL_PLACES = (Where.TASKS, Where.SUBTEAMS, Where.CHECKLIST, Where.TIMELINE, Where.COMPOSER)
# The windows of their own, in three groups: on the board's sheet each goes under one column
# (the board's keys, the panels', the note box's commands) so that the three come out about the
# same height and the sheet fits the window beside the call (at 1,240 px and 9 pt: 712, 754 and
# 766 px, where all of them under the panels made that column 1,200 and the sheet 910 px tall).
OTHER_WINDOWS = ((Where.OWN_WINDOW, Where.OUTBOX),
                 (Where.HANDBOOK, Where.POSTMORTEM, Where.METRICS, Where.EVIDENCE),
                 (Where.FOLLOWUPS, Where.DEBRIEF))
MAX_WIDTH = 1240  # three columns side by side; wider only spreads them out
TOP = 60  # where the sheet hangs from, under the window's top edge
SMALLEST = 0.75  # the least the sheet's type may be scaled to so that it fits the window's height


def _keys(places: Iterable[Where]) -> str:
    sections = []
    for where in places:
        rows = "".join(f"<tr><td nowrap><b>{escape(keys)}</b></td><td>{escape(words)}</td></tr>"
                       for keys, words in actions.sheet_rows(where))
        sections.append(f"<h4>{escape(where.value)}</h4><table cellspacing=2>{rows}</table>")
    return "".join(sections)


def board_sheet(commands: Iterable[tuple[str, str]], role_keys: dict[str, str]) -> str:
    """Three columns: the window's and the board's keys; the panels' letters, the role bar's
    and the other windows' keys; the note box's commands (`usage`, `what it does`)."""
    roles = " · ".join(f"<b>{escape(key)}</b> {escape(short)}" for key, short in role_keys.items())
    lines = "".join(f"<tr><td><b>{escape(usage)}</b></td><td>{escape(summary)}</td></tr>"
                    for usage, summary in commands)
    first, second, third = OTHER_WINDOWS
    return (f"<table width=100%><tr><td valign=top width=34%>{_keys(BOARD_PLACES)}{_keys(first)}</td>"
            f"<td valign=top width=22%>{_keys(PANEL_PLACES)}<h4>{escape(actions.keys_of('assign'))}, then</h4>"
            f"<p>{roles}</p>{_keys(second)}</td>"
            f"<td valign=top width=44%><h4>In the note box</h4><table cellspacing=2>{lines}</table>"
            f"{_keys(third)}</td></tr></table>")


def window_sheet() -> str:
    """Three columns: the window's and the list's keys, then the other windows' keys."""
    first, second, third = OTHER_WINDOWS
    return (f"<table width=100%><tr><td valign=top width=34%>{_keys(WINDOW_PLACES)}{_keys(first)}</td>"
            f"<td valign=top width=33%>{_keys(second)}</td>"
            f"<td valign=top width=33%>{_keys(third)}</td></tr></table>")


class CheatSheet(QLabel):
    """The sheet itself: shown over `parent`'s top right, hidden again by `?`."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("cheatSheet")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()

    def show_sheet(self, html: str) -> None:
        """As wide as its lines unwrapped, up to the window's width; as tall as that makes it.
        Where that is taller than the window, its type is made smaller until it fits (down to
        SMALLEST of its size): a sheet running off the bottom hid the keys listed last."""
        parent = self.parentWidget()
        self.setText(html)
        self.setFont(QFont())  # the application's, as the sheet starts from each time
        self.ensurePolished()  # the style sheet's padding and border count too
        room = parent.height() - TOP - 10
        font = self.font()
        smallest = font.pointSizeF() * SMALLEST  # not positive for a font sized in pixels: kept as is
        width = self._width_for(html, parent.width())
        height = self.heightForWidth(width)
        while height > room and font.pointSizeF() - 0.5 >= smallest > 0:
            font.setPointSizeF(font.pointSizeF() - 0.5)
            self.setFont(font)
            width = self._width_for(html, parent.width())
            height = self.heightForWidth(width)
        self.resize(width, height)
        self.move(parent.width() - self.width() - 20, TOP)
        self.raise_()
        self.show()

    def _width_for(self, html: str, parent_width: int) -> int:
        """As wide as the sheet's lines unwrapped in its font now, within the window and MAX_WIDTH."""
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setHtml(html)
        frame = self.width() - self.contentsRect().width()
        return min(parent_width - 40, MAX_WIDTH, int(document.idealWidth()) + frame + 4)
