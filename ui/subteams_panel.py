"""The board's sub-teams (issue 14): each team working, its leader, problem, members and the
countdown to the leader's check-back, and the IC's span of control readable at a glance.

The model is `SubteamsModel` (one row per team, the countdown live); the view a list whose rows
wrap whole (`ui.wrapped_rows`). Its keys are rows of `ui.actions` (Where.SUBTEAMS): D the team is
done, J someone joins it, F the timeline shows only the team's entries. A new team is a line of
the command language (Ctrl+Shift+T opens the bar; `/subteam …` in the note box does the same).
Nothing here writes: the panel asks, the page sends the line.
"""

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QLabel, QListView, QVBoxLayout, QWidget

from console.clock import Clock
from console.domain import Task
from console.span import Span
from console.subteams import Subteam
from ui import actions, palette
from ui.actions import Where
from ui.board_models import countdown
from ui.board_panels import InlineBar, lines_height, panel_title
from ui.wrapped_rows import WrappedRows

Index = QModelIndex | QPersistentModelIndex


class SubteamsModel(QAbstractListModel):
    """The teams working, in the order they were spun off, each with its check-back task."""

    TeamRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._teams: list[tuple[Subteam, Task | None]] = []

    def set_teams(self, teams: list[tuple[Subteam, Task | None]]) -> None:
        if teams == self._teams:
            return  # nothing changed: the selection stays
        self.beginResetModel()
        self._teams = list(teams)
        self.endResetModel()

    def tick(self) -> None:
        if self._teams:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._teams) - 1, 0))

    def team_at(self, row: int) -> Subteam:
        return self._teams[row][0]

    def teams(self) -> list[Subteam]:
        return [team for team, _ in self._teams]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._teams)

    def _check_back(self, task: Task | None) -> tuple[str, bool]:
        if task is None or task.done_at is not None:
            return "checked back", False
        left, overdue = countdown(task.due_at, self._clock.now())
        return f"{left} ({task.ref})", overdue

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._teams)):
            return None
        team, task = self._teams[index.row()]
        when, overdue = self._check_back(task)
        members = ", ".join(team.members) or "no members yet"
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{team.name} · {team.leader} leads · {when}\n{team.problem} · with {members}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (f"Sub-team {team.name}, led by {team.leader}, on {team.problem}; check back {when}; "
                    f"members: {members}")
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return palette.colour("danger")
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{team.name}: room {team.room}, bridge {team.bridge}\nSince {team.started_at}"
                    f"\n{actions.legend(Where.SUBTEAMS)}")
        if role == self.TeamRole:
            return team
        return None


class SubteamsPanel(QWidget):
    """The teams and the span of control; shown while a team works or the span is exceeded.

    Signals:
        spin_off_requested(str): the bar's `TEAM LEADER MINUTES PROBLEM`.
        done_requested(str): a team's name.
        join_requested(str, str): a team's name and who joins.
        entries_requested(object): the team (Subteam) whose entries the timeline should show.
        content_changed(): what it shows changed (a team, the span, its bar): the board may
            give it more room (`content_height`).
    """

    spin_off_requested = Signal(str)
    done_requested = Signal(str)
    join_requested = Signal(str, str)
    entries_requested = Signal(object)
    content_changed = Signal()

    def __init__(self, model: SubteamsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subteamsPanel")
        self.model = model
        self.title = panel_title(f"Sub-teams  ({actions.keys_of('subteam')} new · "
                                 f"{actions.legend(Where.SUBTEAMS)})", self)
        self.title.setWordWrap(True)
        self.span = QLabel(self)
        self.span.setObjectName("spanOfControl")
        self.span.setWordWrap(True)
        self.span.setTextFormat(Qt.TextFormat.PlainText)
        self.span.setAccessibleName("Span of control")
        self.view = QListView(self)
        self.view.setObjectName("subteamsList")
        self.view.setAccessibleName("Sub-teams")
        self.view.setModel(model)
        WrappedRows(self.view)
        self.actions_by_name = actions.install(self.view, Where.SUBTEAMS, subteams=self)
        self.bar = InlineBar("Sub-team:", "", self)
        self.bar.submitted.connect(self._on_bar_submitted)
        self._joining: str | None = None  # the team the bar names someone for
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.span)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        layout.addStretch()  # room past its teams is left below them, not spread between its lines
        self.wanted = False  # whether the board should show it (a team works, or the span is exceeded)
        self.measured: Span | None = None
        model.modelReset.connect(self._fit)
        self._fit()  # no team yet: no empty list under the bar
        self.view.viewport().installEventFilter(self)

    # -- what it shows ---------------------------------------------------------------------------

    def show_span(self, measured: Span) -> None:
        """The IC's direct reports; past the threshold marked, framed in the danger colour (the
        warning itself, with its advice, is with the roles')."""
        self.measured = measured
        about = f" (about {measured.threshold} at most)" if measured.threshold else ""
        text = f"{'⚠ ' if measured.over else ''}Reporting to the IC directly: {measured.count}{about}"
        if self.span.text() != text:
            self.span.setText(text)
            palette.set_state(self.span, "level", "strong" if measured.over else "")
        self.wanted = bool(self.model.rowCount()) or measured.over or self.bar.isVisible()

    def _fit(self) -> None:
        """As tall as its teams, never more: Tasks keep the rest. At least one team in sight
        when the column is short (the rest scroll) - not a list view's own minimum, which is
        taller than one team and made the splitter take that from the roles."""
        self.view.setVisible(self.model.rowCount() > 0)  # first: shown, it takes its width
        rows = self._rows_height()
        self.view.setMaximumHeight(rows)
        self.view.setMinimumHeight(min(rows, self._rows_height(1)))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """The list's rows are measured at its width: a list hidden until its first team has
        none yet, so they are measured again once it has one (and whenever it changes)."""
        if event.type() == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
            self._fit()
        return False

    def event(self, event) -> bool:  # noqa: N802 - Qt override
        """A line shown, hidden or rewrapped inside asks for a new layout: say so to the board."""
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self.content_changed.emit()
        return handled

    def _rows_height(self, most: int | None = None) -> int:
        """The list's height for its teams (its first `most` of them)."""
        count = self.model.rowCount() if most is None else min(most, self.model.rowCount())
        rows = sum(self.view.sizeHintForRow(r) for r in range(count))
        return rows + 2 * self.view.frameWidth() + 4 if rows else 0

    def content_height(self) -> int:
        """What it needs to show its title, the span and every team whole at its width."""
        return lines_height(self, (self.title, self.span, self.bar), max(self.width(), 100)) + self._rows_height()

    # -- its keys (ui.actions, Where.SUBTEAMS) ----------------------------------------------------

    def current_team(self) -> Subteam | None:
        index = self.view.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        return self.model.team_at(index.row()) if index.isValid() else None

    def start_spin_off(self) -> None:
        self._joining = None
        self.wanted = True
        self.bar.open("", prompt="Sub-team:")
        self.bar.edit.setPlaceholderText("TEAM LEADER MINUTES PROBLEM   e.g. Alpha Dee Patel 20 replica lag")

    def done_current(self) -> None:
        team = self.current_team()
        if team is not None:
            self.done_requested.emit(team.name)

    def join_current(self) -> None:
        team = self.current_team()
        if team is not None:
            self._joining = team.name
            self.bar.open("", prompt=f"Joins {team.name}:")
            self.bar.edit.setPlaceholderText("NAME   e.g. Ben Okafor")

    def show_entries_current(self) -> None:
        team = self.current_team()
        if team is not None:
            self.entries_requested.emit(team)

    def _on_bar_submitted(self, text: str) -> None:
        if self._joining is None:
            self.spin_off_requested.emit(text)
        else:
            self.join_requested.emit(self._joining, text)

    def sent(self) -> None:
        """What the bar asked for is recorded: the bar closes."""
        self._joining = None
        self.bar.hide()
