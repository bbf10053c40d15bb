"""The push after a CLI write in team mode.

    pusher = Pusher.start(where)    as the command opens its service (team mode only)
    pusher.push(service)            after the command's own work, as the session closes

The write's local commit is its acknowledgement, and nothing here can change the command's
exit status or delay that commit. As the command opens its store, a thread starts getting ready
to talk to the server: it imports psycopg (a quarter of a second or more) and reads the
password from the keyring (a D-Bus round trip), while the command does its own work. When the
command is done and it wrote, `push` hands the ops over: the thread connects, pushes and learns
the incidents' numbers, and the command waits for that at most BUDGET seconds from then (plus
what is left of the warm-up, on a machine so busy that it is not over by the commit: that is
local work, not the network's, and is bounded by READY_LIMIT). If the
server answered, the ops are marked pushed (and numbered) here, on the writer's own thread;
otherwise one line on stderr says "queued" and why, and the ops go with the next write or sync.
A push cut off after the server got it is sent again later, which the server ignores.
"""

import sys
import threading

from console.errors import ConsoleError
from console.team import config, last_exchange

BUDGET = 1.0  # seconds a CLI write waits, after its commit, for the server to take its push
READY_LIMIT = 2.0  # seconds it may also wait for the warm-up still running at its commit
CONNECT_TIMEOUT = 2  # libpq's least; the budget cuts the wait shorter anyway
BATCH = 1000  # ops one write's push carries at most (a backlog goes with `team sync`)


class Pusher:
    """A helper thread that pushes what this command wrote."""

    @classmethod
    def start(cls, where) -> "Pusher | None":
        """A pusher getting ready, or None when solo. A team.json that cannot be read does not
        stop the command: its push says "queued" and why."""
        try:
            team = config.load(where)
        except ConsoleError as exc:
            return cls(where, None, str(exc))
        return cls(where, team) if team is not None else None

    def __init__(self, where, team: config.TeamConfig | None, problem: str | None = None) -> None:
        self.where, self.team = where, team
        self._ops = None
        self._ready = threading.Event()
        self._handed = threading.Event()
        self._done = threading.Event()
        self.numbers: dict[str, int] | None = None
        self.problem = problem
        if team is None:
            self._ready.set()
            self._done.set()
            return
        self._thread = threading.Thread(target=self._run, name="team-push", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            from console.team import commands
            from console.team.server import Server  # noqa: F401 - psycopg, imported ahead of need

            password = commands.keyring_password(self.where, self.team)
            self._ready.set()
            self._handed.wait()
            if not self._ops:
                return
            with commands.connect(self.team.url, password, timeout=CONNECT_TIMEOUT) as server:
                server.push(self._ops)
                self.numbers = server.number(op.incident for op in self._ops)
        except ConsoleError as exc:
            self.problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - never a traceback after an acknowledged write
            self.problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        finally:
            self._ready.set()
            self._done.set()

    def cancel(self) -> None:
        """The command wrote nothing: the thread stops without connecting."""
        self._handed.set()

    def push(self, service) -> None:
        """Push what waits (this command's write, and any backlog up to BATCH), or say "queued"."""
        try:
            # not after `team leave`; a backlog may be there from earlier writes
            ops = service.sync.outgoing(BATCH) if config.joined(self.where) else []
        except ConsoleError:
            ops = []
        self._ops = ops
        self._handed.set()
        if not ops:
            return
        self._ready.wait(READY_LIMIT)
        self._done.wait(BUDGET)
        try:
            if self.numbers is not None:
                if self.numbers:
                    service.sync.set_numbers(self.numbers)
                service.sync.mark_pushed([op.uid for op in ops])
                last_exchange.pushed(self.where)
                return
            why = self.problem or f"no answer from the team server within {BUDGET:g} s"
            last_exchange.failed(self.where, why)
            count = service.sync.waiting()
            print(f"incident-console: queued: {count} event{'s' if count != 1 else ''} will go to the team "
                  f"server when it can be reached ({why})", file=sys.stderr)
        except ConsoleError as exc:
            print(f"incident-console: queued: the write is kept here and goes to the team server later ({exc})",
                  file=sys.stderr)
