"""The follower's connection commits without waiting for the disk (synchronous=NORMAL: all it
writes can be pulled or pushed again), while the console's own writes keep waiting for it
(FULL), so the follower's commits never sit in front of a person's next note
(tests/bench/team_append.py measures that)."""

import threading
import time

from console import paths
from console.clock import SystemClock
from console.service import IncidentService
from console.team import config
from console.team.follower import Follower
from tests.team import cluster as pg

FULL, NORMAL = 2, 1


def test_the_follower_commits_without_waiting_for_the_disk(team_db, tmp_path):
    where = paths.resolve(tmp_path / "ana")
    url = team_db.url(pg.TRUSTED)
    config.save(where, config.TeamConfig(url, "Ana", "2026-11-30T00:00:00Z", None))
    own = IncidentService.open(where.db_path, SystemClock())  # the console's own writer
    own.sync.join(url)
    opened, seen = {}, []

    def open_service():
        opened["service"] = IncidentService.open(where.db_path, SystemClock())
        return opened["service"]

    def on_exchange(done) -> None:  # on the follower's thread, like its connection
        seen.append(opened["service"].ledger.conn.execute("PRAGMA synchronous").fetchone()[0])

    follower = Follower(where, open_service, on_exchange=on_exchange)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        incident = own.incidents.declare("Checkout down", by="Ana").incident.id
        own.timeline.log(incident, "a note", by="Ana")
        follower.kick()
        deadline = time.monotonic() + 20
        while (own.sync.waiting() or not seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert own.sync.waiting() == 0  # the follower pushed and marked them, on its connection
        assert seen and set(seen) == {NORMAL}, seen
        assert own.ledger.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    finally:
        stop.set()
        thread.join(10)
        own.close()
