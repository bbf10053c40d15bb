"""The cheat sheet (`?`): every key that applies where you are, read from `ui.actions`, and on
the board the note box's commands, read from each verb's declaration, and the role bar's
letters, read from the process. Nothing on it is written here.

It floats over the window's top right and takes no focus: the call goes on underneath.
"""

from collections.abc import Iterable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from ui import actions
from ui.actions import Where

WINDOW_PLACES = (Where.WINDOW, Where.LIST)
BOARD_PLACES = (Where.WINDOW, Where.BOARD)
PANEL_PLACES = (Where.TASKS, Where.SUBTEAMS, Where.CHECKLIST, Where.TIMELINE, Where.COMPOSER)
OTHER_WINDOWS = (Where.OWN_WINDOW, Where.FOLLOWUPS, Where.HANDBOOK, Where.POSTMORTEM, Where.METRICS,
                 Where.EVIDENCE)  # each its own window
MAX_WIDTH = 1240  # three columns side by side; wider only spreads them out


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
    return (f"<table width=100%><tr><td valign=top width=34%>{_keys(BOARD_PLACES)}</td>"
            f"<td valign=top width=22%>{_keys(PANEL_PLACES)}<h4>{escape(actions.keys_of('assign'))}, then</h4>"
            f"<p>{roles}</p>{_keys(OTHER_WINDOWS)}</td>"
            f"<td valign=top width=44%><h4>In the note box</h4><table cellspacing=2>{lines}</table></td>"
            "</tr></table>")


def window_sheet() -> str:
    """Two columns: the window's and the list's keys; the other windows' keys."""
    return (f"<table width=100%><tr><td valign=top width=50%>{_keys(WINDOW_PLACES)}</td>"
            f"<td valign=top width=50%>{_keys(OTHER_WINDOWS)}</td></tr></table>")


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
        """As wide as its lines unwrapped, up to the window's width; as tall as that makes it."""
        parent = self.parentWidget()
        self.setText(html)
        self.ensurePolished()  # the style sheet's padding and border count too
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setHtml(html)
        frame = self.width() - self.contentsRect().width()
        width = min(parent.width() - 40, MAX_WIDTH, int(document.idealWidth()) + frame + 4)
        self.resize(width, self.heightForWidth(width))
        self.move(parent.width() - self.width() - 20, 60)
        self.raise_()
        self.show()
