"""Team scale benchmark (issue 12, brief T3): 20 console processes on 5 incidents against one
PostgreSQL on loopback (a throwaway one, tests/team/cluster.py), each with a home and SQLite
file of its own and T1's follower (console/team/follower.py) on a thread, as a window runs it.

1. Propagation. Every console writes notes to its incident (console k to INC-(k mod 5 + 1)) at
   `--rate` notes a second for `--seconds`, kicking its follower after each commit, as the
   window does. This process watches all 20 SQLite files (read-only, every 10 ms) and takes,
   for each note and each of the 19 other consoles, the time from the note's `recorded_at` (in
   the writer's file, just before its commit; one clock, one machine) to the moment it is in
   that console's file. Floor, same run: the same rows by a bare psycopg INSERT + NOTIFY, seen
   by a connection that LISTENs and SELECTs (tests/bench/team_live.py's).
2. Catch-up after a partition. Console 0 reaches the server through a TCP proxy (tests/team/
   proxy.py), which is cut; the other consoles stop, and `--producers` of them write
   `--catch-up` notes between them into their own files (offline, a commit per thousand: only
   to be quick), which are then pushed (exchange.push_all, timed) against a bare psycopg
   `executemany` INSERT of the same rows (tests/bench/team_transport.py's floor). The proxy
   heals, console 0's follower is kicked, and it pulls and applies them all: timed from the
   heal until its file holds every one, against a bare keyset SELECT of the same rows
   (team_transport's floor again).

    python -m tests.bench.team_scale [--consoles 20] [--incidents 5] [--seconds 20] [--rate 0.25]
                                     [--catch-up 100000] [--producers 4] [--batch 500]

The default run takes about 4-5 minutes on 2 cores; every size is a parameter.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from console import paths, times
from console.clock import SystemClock
from tests.team import cluster as pg
from tests.team.conftest import ROOT, migrate_cli

NOTE = "c{console:02d} n{n:05d}"  # propagation notes; catch-up notes are "p{producer} {n}"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    from tests.bench.team_live import percentiles as p50_p99

    return (*p50_p99(samples), max(samples))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# -- one console, as a process of its own ---------------------------------------------------------

def join(home: Path, url: str, name: str) -> None:
    """What `team join` leaves behind (team.json; the op log joined), without a process per home."""
    from console.service import IncidentService
    from console.team import config

    where = paths.resolve(home)
    config.save(where, config.TeamConfig(url, name, datetime.now(timezone.utc).isoformat(), None))
    service = IncidentService.open(where.db_path, SystemClock())
    try:
        service.sync.join(url)
    finally:
        service.close()


def console(home: Path, index: int, incidents: int) -> None:
    """A console: its follower on a thread; commands on stdin (`write START SECONDS RATE`,
    `kick`, `quit`), answers on stdout."""
    from console.service import IncidentService
    from console.team.follower import Follower

    where = paths.resolve(home)
    service = IncidentService.open(where.db_path, SystemClock())
    follower = Follower(where, lambda: IncidentService.open(where.db_path, SystemClock()))
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), name="team-follower", daemon=True)
    thread.start()
    ref = f"INC-{index % incidents + 1}"
    deadline = time.monotonic() + 120
    while True:  # online, with the incidents numbered here
        try:
            incident = service.read.incidents.resolve(ref)
            if follower.state.online:
                break
        except Exception:  # noqa: BLE001 - not here yet
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"console {index}: {ref} never arrived")
        time.sleep(0.1)
    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "write":
            start, seconds, rate = float(args[0]), float(args[1]), float(args[2])
            count = int(seconds * rate)
            for n in range(count):
                at = start + n / rate
                if at > time.time():
                    time.sleep(at - time.time())
                service.timeline.log(incident, NOTE.format(console=index, n=n), by=f"Console {index}")
                follower.kick()
            print(f"wrote {count}", flush=True)
        elif command == "kick":
            follower.kick()
        elif command == "quit":
            break
    stop.set()
    thread.join(30)
    service.close()
    print("bye", flush=True)


def produce(home: Path, index: int, count: int, incidents: int) -> None:
    """Write `count` notes into this console's file, offline, round the incidents."""
    from console.service import IncidentService

    service = IncidentService.open(paths.resolve(home).db_path, SystemClock())
    ids = [service.read.incidents.resolve(f"INC-{i + 1}") for i in range(incidents)]
    for start in range(0, count, 1000):
        with service.ledger.writing():  # one commit per thousand: setting up, not measured
            for n in range(start, min(start + 1000, count)):
                service.timeline.log(ids[n % incidents], f"p{index} {n}", by=f"Producer {index}")
    service.close()
    print("done", flush=True)


class Child:
    def __init__(self, *argv: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.bench.team_scale", *argv], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env={k: v for k, v in os.environ.items() if not k.startswith("PG")})

    def say(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, word: str) -> str:
        line = self.process.stdout.readline()
        if not line.startswith(word):
            raise SystemExit(f"a child said {line!r} instead of {word!r}")
        return line

    def quit(self) -> None:
        self.say("quit")
        self.expect("bye")
        self.process.wait(30)


# -- watching the consoles' files -----------------------------------------------------------------

class Watch:
    """When each propagation note first shows in each console's file: a thread reads every file
    whose `PRAGMA data_version` moved, every 10 ms."""

    def __init__(self, dbs: list[Path]) -> None:
        self.dbs = dbs
        self.seen: list[dict[str, float]] = [{} for _ in dbs]
        self.recorded: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conns = [sqlite3.connect(f"file:{db}?mode=ro", uri=True) for db in self.dbs]
        versions, last = [None] * len(conns), [0] * len(conns)
        while not self._stop.is_set():
            for k, conn in enumerate(conns):
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version == versions[k]:
                    continue
                versions[k] = version
                at = time.time()
                rows = conn.execute("SELECT id, text, recorded_at FROM entries WHERE id > ? "
                                    "AND text GLOB 'c[0-9]* n*'", (last[k],)).fetchall()
                with self._lock:
                    for row_id, text, recorded in rows:
                        self.seen[k].setdefault(text, at)
                        self.recorded.setdefault(text, times.from_text(recorded).timestamp())
                        last[k] = max(last[k], row_id)
            time.sleep(0.01)
        for conn in conns:
            conn.close()

    def until_everywhere(self, texts: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                missing = sum(len(texts - set(seen)) for seen in self.seen)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"{missing} notes still missing somewhere after {timeout:g} s")
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


def count_entries(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM entries WHERE text GLOB 'p[0-9]* *'").fetchone()[0]
    finally:
        conn.close()


# -- the run --------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--incidents", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the consoles write")
    parser.add_argument("--rate", type=float, default=0.25, help="notes a second, per console")
    parser.add_argument("--catch-up", type=int, default=100_000, dest="catch_up")
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--console", nargs=3, help=argparse.SUPPRESS)  # HOME INDEX INCIDENTS
    parser.add_argument("--produce", nargs=4, help=argparse.SUPPRESS)  # HOME INDEX COUNT INCIDENTS
    args = parser.parse_args()
    if args.console:
        return console(Path(args.console[0]), int(args.console[1]), int(args.console[2]))
    if args.produce:
        return produce(Path(args.produce[0]), int(args.produce[1]), int(args.produce[2]), int(args.produce[3]))
    run(args)


def run(args) -> None:
    import psycopg

    from console.service import IncidentService
    from console.team.exchange import push_all, sync_once
    from console.team.server import Server
    from tests.bench.team_live import bare_floor
    from tests.bench.team_transport import bare_pull, bare_push, make_bare_table
    from tests.team.proxy import Proxy

    began = time.monotonic()
    cluster = pg.Cluster(pg.find_bin())
    folder = Path(tempfile.mkdtemp(prefix="ic-team-scale-"))
    children: list[Child] = []
    try:
        cluster.init()
        cluster.start()
        cluster.make_roles()
        assert migrate_cli(cluster, pg.DB, pg.CONSOLE, pg.TRUSTED).returncode == 0
        make_bare_table(cluster, pg.DB, pg.TRUSTED)
        url = cluster.url(pg.TRUSTED)
        proxy = Proxy(cluster.port)
        homes = [folder / f"console-{k:02d}" for k in range(args.consoles)]
        for k, home in enumerate(homes):  # console 0 through the proxy: the one to be cut off
            join(home, cluster.url(pg.TRUSTED, port=proxy.port) if k == 0 else url, f"Console {k}")
        first = IncidentService.open(paths.resolve(homes[1]).db_path, SystemClock())
        for i in range(args.incidents):
            first.incidents.declare(f"Incident {i + 1}", by="Console 1", severity=2)
        with Server.connect(url) as server:
            sync_once(first, server)  # numbered INC-1 ... INC-n
        first.close()

        # 1. propagation --------------------------------------------------------------------
        started = time.monotonic()
        children = [Child("--console", str(home), str(k), str(args.incidents)) for k, home in enumerate(homes)]
        for child in children:
            child.expect("ready")
        print(f"{args.consoles} consoles up and in step in {time.monotonic() - started:.1f} s", flush=True)
        watch = Watch([paths.resolve(home).db_path for home in homes])
        start = time.time() + 1.0
        for k, child in enumerate(children):  # spread over the period, so writes do not bunch
            child.say(f"write {start + k / (args.rate * args.consoles):.3f} {args.seconds} {args.rate}")
        texts = {NOTE.format(console=k, n=n) for k in range(args.consoles) for n in range(int(args.seconds * args.rate))}
        for child in children:
            child.expect("wrote")
        watch.until_everywhere(texts, 120)
        watch.close()
        delays = [watch.seen[k][text] - watch.recorded[text] for text in texts for k in range(args.consoles)
                  if not text.startswith(f"c{k:02d} ")]
        floor = bare_floor(cluster, sorted(texts), 0.02)
        p50, p99, worst = percentiles(delays)
        f50, f99, _ = percentiles(floor)

        # 2. catch-up after a partition ------------------------------------------------------
        proxy.cut()
        for child in children[1:]:
            child.quit()
        per = args.catch_up // args.producers
        counts = [per + (1 if p < args.catch_up % args.producers else 0) for p in range(args.producers)]
        started = time.monotonic()
        producers = [Child("--produce", str(homes[1 + p]), str(p), str(counts[p]), str(args.incidents))
                     for p in range(args.producers)]
        for producer in producers:
            producer.expect("done")
            producer.process.wait(30)
        made = time.monotonic() - started
        outgoing, pushed_in = [], 0.0
        with Server.connect(url) as server:
            for p in range(args.producers):
                service = IncidentService.open(paths.resolve(homes[1 + p]).db_path, SystemClock())
                outgoing += service.sync.outgoing(args.catch_up + 1)
                started = time.perf_counter()
                push_all(service, server, args.batch)
                pushed_in += time.perf_counter() - started
                assert service.sync.waiting() == 0
                service.close()
        bare = psycopg.connect(url, autocommit=True)
        started = time.perf_counter()
        bare_push(bare, outgoing, args.batch)
        bare_pushed_in = time.perf_counter() - started
        lagging = paths.resolve(homes[0]).db_path
        assert count_entries(lagging) == 0
        proxy.heal()
        started = time.perf_counter()
        children[0].say("kick")
        while count_entries(lagging) < args.catch_up:
            time.sleep(0.2)
        caught_up_in = time.perf_counter() - started
        started = time.perf_counter()
        bare_pull(bare, args.batch, len(outgoing))
        bare_pulled_in = time.perf_counter() - started
        bare.close()
        children[0].quit()
        children = []

        print(f"\n{args.consoles} consoles on {args.incidents} incidents, PostgreSQL "
              f"{cluster.psql('SHOW server_version').strip()} on loopback (fsync off), {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.1f}; {time.monotonic() - began:.0f} s in all")
        print(f"propagation: {len(texts)} notes ({args.rate:g}/s per console for {args.seconds:g} s), "
              f"{len(delays)} arrivals in the other consoles' files")
        print(f"  ours: p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)}")
        print(f"  bare psycopg INSERT+NOTIFY -> LISTEN+SELECT, same rows: p50 {f50 * 1000:.1f} ms, "
              f"p99 {f99 * 1000:.1f} ms; ratio p50 {p50 / f50:.0f}x, p99 {p99 / f99:.0f}x")
        print(f"catch-up of {args.catch_up:,} notes after a partition (made offline by {args.producers} "
              f"consoles in {made:.0f} s, not timed)")
        print(f"  push (exchange.push_all, batches of {args.batch}): {pushed_in:.1f} s; bare executemany "
              f"INSERT: {bare_pushed_in:.1f} s; ratio {pushed_in / bare_pushed_in:.2f}x")
        print(f"  console 0, healed and kicked, until its file holds them all: {caught_up_in:.1f} s "
              f"({args.catch_up / caught_up_in:,.0f} ops/s); bare keyset SELECT: {bare_pulled_in:.2f} s; "
              f"ratio {caught_up_in / bare_pulled_in:.0f}x")
    finally:
        for child in children:
            child.process.kill()
        cluster.remove()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
