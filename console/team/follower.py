"""Keeping one console in step with its team server, from a background thread (the window's).

    follower = Follower(where, open_service, on_state=...)
    threading.Thread(target=follower.run, args=(stop,), daemon=True).start()
    follower.kick()          after a local write: push it now rather than at the next poll

`run` opens its own service (SQLite connections belong to their thread) and the server, then
exchanges (exchange.sync_once): at once, whenever the server says ops were added (LISTEN), after
every `kick`, and every POLL seconds whatever happens, because a notification is only a hint
(one sent while the connection was down is lost). When the server cannot be reached it tries
again after 1, 2, 4 ... up to BACKOFF_MAX seconds (or at once on a kick), with a catch-up
exchange on every reconnect. Every change of state (online or not, ops waiting, the last
problem) goes to `on_state`, and what each exchange did to `on_exchange`, on this thread: a
window hands them to its own thread (it reads its file again at once when ops were applied).
"""

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import NamedTuple

from console.errors import ConsoleError, StorageUnavailable
from console.team import config, last_exchange

POLL = 5.0  # seconds between exchanges when nothing wakes us
SLICE = 0.2  # how long one wait for a notification lasts, so that a kick is seen at once
BACKOFF_MAX = 30.0


class State(NamedTuple):
    online: bool
    waiting: int  # ops not yet on the server
    problem: str | None  # why not online, one line
    in_step_at: str | None  # the last exchange that completed (ISO 8601, UTC)
    clock: str | None = None  # this computer's clock is a minute or more off the server's (Sync.clock_notice)


class Follower:
    def __init__(self, where, open_service: Callable[[], object],
                 on_state: Callable[[State], None] | None = None, *, poll: float = POLL,
                 backoff_max: float = BACKOFF_MAX, on_exchange: Callable[[object], None] | None = None) -> None:
        self.where = where
        self._open_service = open_service
        self._on_state = on_state or (lambda state: None)
        self._on_exchange = on_exchange or (lambda done: None)  # exchange.Exchanged
        self._poll, self._backoff_max = poll, backoff_max
        self._kicked = threading.Event()
        self.state = State(False, 0, None, None)

    def kick(self) -> None:
        """Exchange now (a local write is waiting to go out)."""
        self._kicked.set()

    def _say(self, state: State) -> None:
        if state != self.state:
            self.state = state
            self._on_state(state)

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: stay in step with the server, reconnecting as needed."""
        from console.team import commands
        from console.team.exchange import sync_once

        service = self._open_service()
        delay = 1.0
        try:
            relax(service)
            while not stop.is_set():
                team = config.load(self.where)
                if team is None:  # left the team
                    return
                try:
                    server = commands.connect(team.url, commands.keyring_password(self.where, team))
                except ConsoleError as exc:
                    self._offline(service, exc)
                    self._sleep(stop, delay)
                    delay = min(delay * 2, self._backoff_max)
                    continue
                delay = 1.0
                try:
                    with server:
                        server.listen()
                        while not stop.is_set():
                            self._kicked.clear()
                            done = sync_once(service, server, stop=stop)
                            if stop.is_set():  # part-way, maybe: not in step
                                return
                            self._on_exchange(done)
                            last_exchange.in_step(self.where)
                            self._say(State(True, service.sync.waiting(), None, _now(),
                                            service.sync.clock_notice()))
                            self._wait(stop, server, service)
                except StorageUnavailable as exc:
                    self._offline(service, exc)
        finally:
            service.close()

    def _offline(self, service, exc: ConsoleError) -> None:
        last_exchange.failed(self.where, str(exc))
        try:
            waiting, clock = service.sync.waiting(), service.sync.clock_notice()
        except ConsoleError:
            waiting, clock = self.state.waiting, self.state.clock
        self._say(State(False, waiting, str(exc), self.state.in_step_at, clock))

    def _wait(self, stop: threading.Event, server, service) -> None:
        """Until a notification, a kick, a write by another process on this machine (a CLI
        command: its own push waits for psycopg's import, half a second, and the window is
        already connected), the poll's time or the stop, whichever comes first."""
        until = time.monotonic() + self._poll
        seen = _data_version(service)
        while not stop.is_set() and not self._kicked.is_set():
            left = until - time.monotonic()
            if left <= 0 or server.wait(min(SLICE, left)):
                return
            now = _data_version(service)
            if now != seen:
                seen = now
                if service.sync.waiting():
                    return

    def _sleep(self, stop: threading.Event, seconds: float) -> None:
        until = time.monotonic() + seconds
        while not stop.is_set() and not self._kicked.is_set() and time.monotonic() < until:
            stop.wait(min(SLICE, until - time.monotonic()))
        self._kicked.clear()


def _data_version(service) -> int:
    """SQLite's count of commits made to the file by other connections than this one."""
    return service.ledger.conn.execute("PRAGMA data_version").fetchone()[0]


def relax(service) -> None:
    """The follower's connection does not wait for the disk at each commit (synchronous=NORMAL).

    Everything it writes can be had again: the ops it applies and the cursor are pulled again,
    the "pushed" marks mean a push again (the server keeps an op once), the numbers are learned
    again. In WAL mode a power cut loses at most the last commits, in order (the log's frames
    are chained by checksums), so a lost cursor never outlives the ops it counted; and every
    write of the console's own (synchronous=FULL on its connection) syncs the log with all that
    came before it. A process that is killed loses nothing. Without it, its two syncs per
    exchange sat in front of the person's next note (note append p99 1.65-1.81x solo in
    tests/bench/team_append.py; 0.86x with it)."""
    service.ledger.conn.execute("PRAGMA synchronous = NORMAL")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
