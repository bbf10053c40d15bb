"""The window's link to its team server: T1's follower (console/team/follower.py) on a thread of
its own, its states shown by the team indicator, kicked after every local write, stopped when
the window closes.

    link = TeamLink.start_if_joined(window, where, open_service)    None when solo

The composition root (`ui.app`) calls this once the store is open, which is after the first
paint: psycopg and the keyring are imported on the follower's thread, never before the window
is on screen. The follower opens its own SQLite connection (with the writer's vocabulary); what
it applies is committed there, and the window's `PRAGMA data_version` watch (ui/main_window.py)
shows it like any other connection's commit, asked at once after an exchange that applied
ops instead of at its next look (every half second). A local write that committed (the writer's
`changed`) kicks it, so the write goes out at once rather than at the next poll.

Closing the window stops it: the stop is seen within a fifth of a second while it waits or
backs off, and after the batch under way while it exchanges. The window waits for that up to
STOP_WAIT seconds; a thread still held by the network after that (a server that went silent in
the middle of a call) is a daemon, says nothing more to the window, and dies with the process.
"""

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from console.errors import ConsoleError
from console.team import config
from console.team.follower import Follower, State
from ui.on_close import on_close
from ui.team_status import TeamStatus

log = logging.getLogger("incident_console.team")

STOP_WAIT = 5.0  # seconds the closing window waits for the follower's thread


class _Relay(QObject):
    """Carries what the follower says from its thread to the window's (queued signals)."""

    state = Signal(object)
    applied = Signal()


class TeamLink:
    """The follower's thread and the indicator it feeds."""

    @classmethod
    def start_if_joined(cls, window, where, open_service: Callable[[], object]) -> "TeamLink | None":
        """Start following the team server when this console has joined one (`team.json`);
        None when solo. A team file that cannot be read starts nothing and says why."""
        if not config.joined(where):
            return None
        try:
            team = config.load(where)
        except ConsoleError as exc:  # a spoiled file: local work goes on
            window.statusBar().showMessage(f"Team mode is off: {exc}")
            return None
        if team is None:
            return None
        link = cls(window, where, team.url, open_service)
        link.start()
        return link

    def __init__(self, window, where, url: str, open_service: Callable[[], object]) -> None:
        self.indicator = TeamStatus(url, window)
        window.statusBar().addPermanentWidget(self.indicator)
        self._relay = _Relay()  # no parent: it outlives the window while the thread may still emit
        self._relay.state.connect(self.indicator.show_state)
        self._relay.applied.connect(window.check_for_outside_changes)
        self._quiet = threading.Event()  # set once the window has closed: nothing more is emitted
        self.follower = Follower(where, open_service, self._on_state, on_exchange=self._on_exchange)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="team-follower", daemon=True)
        window.writer.changed.connect(self.follower.kick)
        on_close(window, self.stop)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            self.follower.run(self._stop)
        except ConsoleError as exc:  # team.json spoiled while running, say: stopped, and why
            log.error("the team follower stopped: %s", exc)
            self._on_state(State(False, self.follower.state.waiting, f"team sync stopped: {exc}",
                                 self.follower.state.in_step_at))
        except Exception:  # our bug: keep the window up, say so in the log and the indicator
            log.exception("the team follower stopped")
            self._on_state(State(False, self.follower.state.waiting, "team sync stopped by an internal "
                                 "error (see the log); restart the window", self.follower.state.in_step_at))

    def _on_state(self, state: State) -> None:
        """On the follower's thread."""
        if not self._quiet.is_set():
            self._relay.state.emit(state)

    def _on_exchange(self, done) -> None:
        """On the follower's thread, after each exchange: when it applied ops (now committed in
        the file), the window reads the file again now rather than at its next look."""
        if done.applied and not self._quiet.is_set():
            self._relay.applied.emit()

    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self, wait: float = STOP_WAIT) -> bool:
        """Stop the follower and wait for its thread (at most `wait` seconds); whether it ended."""
        self._quiet.set()
        self._stop.set()
        self.follower.kick()
        if self.thread.ident is not None:
            self.thread.join(wait)
        ended = not self.thread.is_alive()
        if not ended:
            log.warning("the team follower was still busy %.0f s after the window closed", wait)
        return ended
