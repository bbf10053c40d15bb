"""What the board does with sub-teams (issue 14): keeps the panel (`ui.subteams_panel`) current,
measures the IC's span of control once a second (`console.span`) and says when it is past the
process's threshold - a warning with the roles' (never a block) and the span's prompt, once each
time it goes past - and turns the panel's keys into lines of the command language.

The timeline filtered by team is the finder's results list (`TimelineFinder.show_hits`): Enter
jumps to an entry, Esc gives the whole timeline back.
"""

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from console import board
from console.clock import Clock
from console.domain import Incident, RoleAssignment, Task
from console.queries import Reader
from console.span import Span, span_of_control
from console.subteams import Subteam, team_entries
from ui.subteams_panel import SubteamsPanel

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process
    from ui.finder import TimelineFinder
    from ui.prompts import Prompts


class SubteamsController:
    """The panel's model kept current, the span measured, the panel's requests sent."""

    def __init__(self, *, process: "Process", reader: Reader, clock: Clock, zone: tzinfo | None,
                 panel: SubteamsPanel, finder: "TimelineFinder", prompts: "Prompts",
                 send_line: Callable, say: Callable[[str], None], warn: Callable[[str], None],
                 focus_note: Callable[[], None], place: Callable[[], None]) -> None:
        self._process, self._reader, self._clock, self._zone = process, reader, clock, zone
        self.panel = panel
        self._finder = finder
        self._prompts = prompts
        self._send_line = send_line
        self._say = say
        self._warn = warn  # a problem under the note box (a key's, with no bar open)
        self._focus_note = focus_note
        self._place = place  # the board shows or hides the panel (its tab, when narrow)
        self.teams: list[Subteam] = []
        self.measured: Span | None = None
        panel.spin_off_requested.connect(lambda text: self._send(f"/subteam {text}", "Not spun off"))
        panel.join_requested.connect(lambda team, name: self._send(f"/join {team} {name}", "Not joined"))
        panel.done_requested.connect(lambda team: self._send(f"/subteam-done {team}", "Not done"))
        panel.entries_requested.connect(self.show_entries)
        panel.bar.cancelled.connect(focus_note)  # Esc: back to the note box

    @property
    def over(self) -> bool:
        return self.measured is not None and self.measured.over

    def refresh(self, incident: Incident, tasks: list[Task]) -> None:
        """The teams working, each with its leader's check-back task (done ones too)."""
        self.teams = self._reader.subteams.active(incident.id)
        by_uid = {t.uid: t for t in tasks}
        self.panel.model.set_teams([(team, by_uid.get(team.task_uid)) for team in self.teams])

    def tick(self, incident: Incident, roles: list[RoleAssignment]) -> list[board.Warning]:
        """Once a second: countdowns, the span measured, the prompt when it goes past the
        threshold; the warning to show with the roles' (none within the threshold)."""
        was_over = self.over
        self.measured = span_of_control(self._process, roles, self.teams)
        self.panel.model.tick()
        self.panel.show_span(self.measured)
        self._place()
        if self.over and not was_over and incident.status != "resolved":
            self._prompts.show_moment("span_exceeded")
        if not self.measured.warning:
            return []
        return [board.Warning("suggest", self.measured.warning, "ic", self.measured.page)]

    def show_entries(self, team: Subteam) -> None:
        """The timeline filtered to `team` (console.subteams.team_entries), in the finder's list."""
        entries = team_entries(self._reader.timeline.all(team.incident_id), team)
        self._finder.show_hits(entries, self._clock.now(), self._zone)
        self._finder.results.setFocus()
        count = len(entries)
        self._say(f"Timeline: {team.name}'s {count} entr{'y' if count == 1 else 'ies'} (Enter: go to one · "
                  "Esc: the whole timeline)")

    def _send(self, line: str, failure: str) -> None:
        def done(_change) -> None:
            self.panel.sent()
            self._focus_note()

        def failed(error: Exception) -> None:
            (self.panel.bar.message.setText if self.panel.bar.isVisible() else self._warn)(f"{failure}: {error}")

        self._send_line(line, done, failed)
