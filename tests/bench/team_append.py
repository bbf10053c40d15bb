"""Solo unchanged (issue 12, brief T3): a note's local append in team mode against solo, at
100,000 entries, in the same run. Target: p99 in team mode <= 1.2x solo.

Two files built alike (tests/bench/timeline_scale.build: one incident, 100,000 entries). The
solo one is only appended to. The team one has joined a throwaway PostgreSQL on loopback
(tests/team/cluster.py) and has T1's follower on a thread of this process with a connection of
its own, kicked after every append, as the window runs it (ui/team_link.py): each append is
pushed, pulled back and its cursor stored while the next ones are written. Both are appended
to as in tests/bench/append.py (`IncidentService.timeline.log`, checkpoints when idle: the
window's policy), in alternating blocks so that the machine's other load falls on both alike,
with `--gap` seconds between two notes (0: back to back).

    python -m tests.bench.team_append [--entries 100000] [--samples 2000] [--block 100] [--gap 0.02]
"""

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path

from console import paths
from console.clock import SystemClock
from console.service import IncidentService
from console.team import config
from console.team.follower import Follower
from tests.bench.timeline_scale import BURST, COMMON, _percentiles, build
from tests.team import cluster as pg
from tests.team.conftest import migrate_cli

TARGET = 1.2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000, help="appends in each mode")
    parser.add_argument("--block", type=int, default=100, help="appends in one mode before switching")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between two appends")
    args = parser.parse_args()
    cluster = pg.Cluster(pg.find_bin())
    folder = Path(tempfile.mkdtemp(prefix="ic-team-append-"))
    stop = threading.Event()
    thread = None
    try:
        cluster.init()
        cluster.start()
        cluster.make_roles()
        assert migrate_cli(cluster, pg.DB, pg.CONSOLE, pg.TRUSTED).returncode == 0
        url = cluster.url(pg.TRUSTED)
        solo_where, team_where = paths.resolve(folder / "solo"), paths.resolve(folder / "team")
        solo_id, _ = build(solo_where.db_path, args.entries)
        team_id, _ = build(team_where.db_path, args.entries)
        config.save(team_where, config.TeamConfig(url, "Ana", "2026-11-30T00:00:00Z", None))
        solo = IncidentService.open(solo_where.db_path, SystemClock())
        team = IncidentService.open(team_where.db_path, SystemClock())
        team.sync.join(url)
        for service in (solo, team):
            service.checkpoint_when_idle()
        follower = Follower(team_where, lambda: IncidentService.open(team_where.db_path, SystemClock()))
        thread = threading.Thread(target=follower.run, args=(stop,), name="team-follower", daemon=True)
        thread.start()
        deadline = time.monotonic() + 300
        while not (follower.state.online and follower.state.waiting == 0):  # the joined history is out
            if time.monotonic() > deadline:
                raise SystemExit(f"the follower did not get in step: {follower.state}")
            time.sleep(0.1)

        samples: dict[str, list[float]] = {"solo": [], "team": []}
        modes = {"solo": (solo, solo_id, None), "team": (team, team_id, follower.kick)}
        n = 0
        order = ["solo", "team"]
        while len(samples["team"]) < args.samples:
            for mode in order:
                service, incident_id, after = modes[mode]
                for _ in range(args.block):
                    text = f"note {n} about {COMMON} lag on db-{n % 97}"
                    began = time.perf_counter()
                    service.timeline.log(incident_id, text, by="bench", uid=uuid.uuid4().hex)
                    samples[mode].append(time.perf_counter() - began)
                    if after is not None:
                        after()
                    n += 1
                    if n % BURST == 0:
                        service.checkpoint()
                    if args.gap:
                        time.sleep(args.gap)
            order.reverse()
        deadline = time.monotonic() + 60
        while follower.state.waiting or team.sync.waiting():
            if time.monotonic() > deadline:
                raise SystemExit("the team file's notes did not all go out")
            time.sleep(0.1)
        pushed = len(samples["team"])
        s50, s99 = _percentiles(samples["solo"])
        t50, t99 = _percentiles(samples["team"])
        verdict = "met" if t99 / s99 <= TARGET else "NOT MET"
        print(f"note append at {args.entries:,} entries, {args.samples} each, in blocks of {args.block}, "
              f"{args.gap * 1000:.0f} ms apart (the window's checkpoint policy)")
        print(f"  solo:              p50 {s50 * 1000:.2f} ms, p99 {s99 * 1000:.2f} ms")
        print(f"  team, follower on: p50 {t50 * 1000:.2f} ms, p99 {t99 * 1000:.2f} ms ({pushed} pushed as written)")
        print(f"  ratio p50 {t50 / s50:.2f}x, p99 {t99 / s99:.2f}x (target p99 <= {TARGET}x: {verdict})")
        solo.close()
        team.close()
    finally:
        stop.set()
        if thread is not None:
            thread.join(30)
        cluster.remove()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
