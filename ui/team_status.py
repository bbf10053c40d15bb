"""The team indicator at the right of the status bar: whether this console is in touch with its
team server, how many of the events written here wait to go out, and the last problem.

    ● Team: online
    ● Team: online · 2 to send
    ● Team: offline · 3 waiting to send · team server 127.0.0.1 unreachable: Connection refused
    ● Team: online · this computer's clock is 2h 03m ahead of the team server's: ...

The dot is drawn in the palette's colours (`ui/palette.py`: `accent` online, `warning` offline,
`muted` before the first answer), read at every paint so that it follows the theme; the words
carry the state too, so the colour is never the only signal. A long problem is cut to the
indicator's width (at most PROBLEM_WIDTH; the indicator takes at most SHARE of the window's
width, so the status bar's own message keeps its place in a narrow window); the whole of it is
in the tooltip and the accessible description.
Never modal: being offline refuses nothing.
"""

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from console.team.follower import State
from ui import palette

PROBLEM_WIDTH = 420  # pixels of the problem shown before it is cut (the tooltip has it all)
SHARE = 0.6  # of the window's width, at most


def plural(count: int, word: str = "event") -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def headline(state: State | None) -> str:
    """What the indicator says, without the problem."""
    if state is None:
        return "Team: connecting…"
    if state.online:
        return "Team: online" + (f" · {state.waiting} to send" if state.waiting else "")
    return f"Team: offline · {state.waiting} waiting to send"


def details(state: State | None, url: str) -> str:
    """The tooltip: the server, the state in full, the last time in step."""
    lines = [f"Team server: {url}"]
    if state is None:
        lines.append("Reaching the server…")
    elif state.online:
        lines.append(f"Online: {plural(state.waiting)} waiting to go out" if state.waiting
                     else "Online: everything written here has reached the server.")
    else:
        lines.append(f"Offline: {plural(state.waiting)} written here will go out when the server "
                     "can be reached. Nothing is refused meanwhile.")
        if state.problem:
            lines.append(f"Last problem: {state.problem}")
    if state is not None and state.clock:
        lines.append(f"Clock: {state.clock}")
    if state is not None and state.in_step_at:
        lines.append(f"Last in step: {state.in_step_at}")
    return "\n".join(lines)


class _Dot(QWidget):
    """A round mark in one of the palette's colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_name = "muted"
        self.setFixedSize(QSize(12, 12))

    def set_colour(self, name: str) -> None:
        if name != self.colour_name:
            self.colour_name = name
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.colour(self.colour_name))
        painter.drawEllipse(QRectF(1, 1, 10, 10))


class _Cut(QLabel):
    """One line of text cut with "…" to whatever width the layout gives it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_full(self, text: str) -> None:
        self.full = text
        self.updateGeometry()
        self._cut()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override: from the whole text, so cutting never resizes
        hint = super().sizeHint()
        return QSize(min(self.fontMetrics().horizontalAdvance(self.full) + 4, PROBLEM_WIDTH), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(min(self.sizeHint().width(), self.fontMetrics().horizontalAdvance("· team…") + 4),
                     super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._cut()

    def _cut(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, self.width()))


class TeamStatus(QWidget):
    """The indicator; `show_state` is given each state the background link reports."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamStatus")
        self.url = url
        self.state: State | None = None
        self.dot = _Dot(self)
        self.label = QLabel(self)
        self.label.setObjectName("teamState")
        self.problem = _Cut(self)
        self.problem.setObjectName("teamProblem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label)
        layout.addWidget(self.problem)
        self._watched: QObject | None = None
        self.show_state(None)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._watched:
            window.installEventFilter(self)
            self._watched = window
            self._fit(window.width())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._fit(watched.width())
        return False

    def _fit(self, window_width: int) -> None:
        self.setMaximumWidth(max(self.minimumSizeHint().width(), int(window_width * SHARE)))

    def show_state(self, state: State | None) -> None:
        self.state = state
        online = state is not None and state.online
        clock = state.clock if state is not None else None
        self.dot.set_colour("muted" if state is None else "accent" if online and not clock else "warning")
        self.label.setText(headline(state))
        problem = (state.problem if state is not None and not online and state.problem else "") or clock or ""
        self.problem.set_full(f"· {problem}" if problem else "")
        self.problem.setVisible(bool(problem))
        tip = details(state, self.url)
        self.setToolTip(tip)
        self.setAccessibleName(headline(state))
        self.setAccessibleDescription(tip)
