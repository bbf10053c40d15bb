"""The background follower between two consoles (each its own home, SQLite file and thread) and
the real server: a local write, kicked, shows in the other console's file well within a second;
a cut link turns it offline, writes wait, and a healed one catches up by itself."""

import itertools
import sqlite3
import statistics
import threading
import time

import pytest

from console import paths
from console.clock import SystemClock
from console.service import IncidentService
from console.team import config
from console.team.follower import Follower
from tests.team import cluster as pg


class Console:
    def __init__(self, home, url: str, poll: float = 2.0) -> None:
        self.where = paths.resolve(home)
        config.save(self.where, config.TeamConfig(url, home.name, "2026-11-30T00:00:00Z", None))
        self.service = IncidentService.open(self.where.db_path, SystemClock())
        self.service.sync.join(url)
        self.states = []
        self.follower = Follower(self.where, lambda: IncidentService.open(self.where.db_path, SystemClock()),
                                 self.states.append, poll=poll, backoff_max=0.5)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.follower.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def has(self, text: str) -> bool:
        conn = sqlite3.connect(f"file:{self.where.db_path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM entries WHERE text = ?", (text,)).fetchone() is not None
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.service.close()


def _until(check, timeout: float = 10.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError("not within the time")
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.fixture
def pair(team_db, tmp_path, proxy):
    ana = Console(tmp_path / "ana", team_db.url(pg.TRUSTED, port=proxy.port))
    ben = Console(tmp_path / "ben", team_db.url(pg.TRUSTED))
    yield ana, ben
    ana.close()
    ben.close()


def test_a_write_shows_in_the_other_console_within_a_second(pair):
    ana, ben = pair
    declared = ana.service.incidents.declare("Live", by="Ana")
    ana.follower.kick()
    _until(lambda: ben.service.read.incidents.all() != [])
    delays = []
    for n in range(20):
        ana.service.timeline.log(declared.incident.id, f"live {n}", by="Ana")  # committed here
        ana.follower.kick()
        delays.append(_until(lambda: ben.has(f"live {n}")))
    delays.sort()
    print(f"\nwrite to the other console's file: median {statistics.median(delays) * 1000:.0f} ms, "
          f"max {delays[-1] * 1000:.0f} ms (20 writes)")
    assert statistics.median(delays) < 1.0
    _until(lambda: ana.follower.state.waiting == 0)  # its own count, after its exchange ends
    assert ana.follower.state.online


def test_a_cut_link_goes_offline_and_catches_up_when_healed(pair, proxy):
    ana, ben = pair
    declared = ana.service.incidents.declare("Apart", by="Ana")
    ana.follower.kick()
    _until(lambda: ben.service.read.incidents.all() != [])
    # Ben can have it before Ana's exchange has ended (its push done, the rest under way): cut
    # then, that exchange fails and Ana was never seen online (seen under load).
    _until(lambda: ana.follower.state.online and ana.follower.state.waiting == 0)
    proxy.cut()
    ana.service.timeline.log(declared.incident.id, "written while apart", by="Ana")
    ana.follower.kick()
    _until(lambda: not ana.follower.state.online and ana.follower.state.waiting == 1)
    assert "team server" in ana.follower.state.problem
    time.sleep(1)
    assert not ben.has("written while apart")
    proxy.heal()  # no kick: the follower's own retry finds the server again
    _until(lambda: ben.has("written while apart"))
    _until(lambda: ana.follower.state.online)
    assert ana.follower.state.waiting == 0
    # online, then offline (one state per new problem or count), then online again
    assert [online for online, _ in itertools.groupby(s.online for s in ana.states)] == [True, False, True]


def test_a_write_by_another_process_here_goes_out_without_a_kick(team_db, tmp_path):
    """A CLI command writing to the same file (another connection, no kick): the window's
    follower sees the file change and pushes it, long before its next poll."""
    url = team_db.url(pg.TRUSTED)
    ana = Console(tmp_path / "ana", url, poll=120.0)  # only the file's change can make it exchange in time
    ben = Console(tmp_path / "ben", url)
    cli = IncidentService.open(ana.where.db_path, SystemClock())  # as `incident-console log` does
    try:
        declared = cli.incidents.declare("From the CLI", by="Ana")
        cli.timeline.log(declared.incident.id, "typed in a terminal", by="Ana")
        _until(lambda: ben.has("typed in a terminal"), timeout=30.0)
        _until(lambda: ana.follower.state.waiting == 0, timeout=30.0)
    finally:
        cli.close()
        ana.close()
        ben.close()
