"""Team transport benchmark (issue 12): catch-up of N ops after a partition, through our server
code, against bare psycopg doing the same rows in the same run, on a throwaway PostgreSQL on
loopback (tests/team/cluster.py).

- push: N ops in batches (Server.push: unnest ... ON CONFLICT DO NOTHING, in order) against a
  bare executemany INSERT of the same rows into a plain table;
- pull: all N after a cursor in batches (Server.pull: the (xid, seq) cursor below the snapshot's
  xmin) against a bare keyset SELECT ... WHERE seq > last ORDER BY seq LIMIT batch;
- catch-up into a console: sync_once into an empty IncidentService of M real ops made by
  another console (the core's apply included), reported as ops per second.

    python -m tests.bench.team_transport [--ops 100000] [--batch 500] [--console-ops 3000]
"""

import argparse
import tempfile
import time
from pathlib import Path

import psycopg

from console.clock import SystemClock
from console.ops import Op
from console.service import IncidentService
from console.team.exchange import sync_once
from console.team.server import Server
from tests.team import cluster as pg
from tests.team.conftest import migrate_cli


def _ops(n: int) -> list[Op]:
    return [Op(f"bench-{i:07d}", "bench", f"{1774792800000 + i:013d}.0000.bench", f"inc-{i % 5}",
               "timeline.log", f'{{"entry":{{"text":"note {i}","author":"Ana"}}}}', None) for i in range(n)]


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# -- the bare floor (also tests/bench/team_scale.py's) ----------------------------------------

def make_bare_table(cluster: pg.Cluster, db: str, role: str) -> None:
    """A plain table with the ops' columns, no trigger, no conflict handling, that `role` may
    read and add to."""
    cluster.psql("CREATE TABLE bare (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, uid text, replica text,"
                 " hlc text, incident text, verb text, body text, base text)", db)
    cluster.psql(f"GRANT SELECT, INSERT ON bare TO {role}", db)


def bare_push(conn: psycopg.Connection, ops: list[Op], batch: int) -> None:
    """The same rows as `ops`, in transactions of `batch`, by a bare executemany INSERT."""
    for start in range(0, len(ops), batch):
        with conn.transaction():
            conn.cursor().executemany(
                "INSERT INTO bare (uid, replica, hlc, incident, verb, body, base) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)", ops[start:start + batch])


def bare_pull(conn: psycopg.Connection, batch: int, expected: int) -> None:
    """Every row of `bare` by a bare keyset SELECT ... WHERE seq > last ORDER BY seq LIMIT batch."""
    last, got = 0, 0
    while True:
        rows = conn.execute("SELECT seq, uid, replica, hlc, incident, verb, body, base FROM bare "
                            "WHERE seq > %s ORDER BY seq LIMIT %s", (last, batch)).fetchall()
        got += len(rows)
        if len(rows) < batch:
            assert got == expected, (got, expected)
            return
        last = rows[-1][0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--console-ops", type=int, default=3000)
    args = parser.parse_args()
    cluster = pg.Cluster(pg.find_bin())
    try:
        cluster.init()
        cluster.start()
        cluster.make_roles()
        assert migrate_cli(cluster, pg.DB, pg.CONSOLE).returncode == 0
        make_bare_table(cluster, pg.DB, pg.CONSOLE)
        ops, batch = _ops(args.ops), args.batch
        chunks = [ops[i:i + batch] for i in range(0, len(ops), batch)]
        server = Server.connect(cluster.url(), password=pg.CONSOLE_PASSWORD)
        bare = psycopg.connect(cluster.url(), password=pg.CONSOLE_PASSWORD, autocommit=True)

        def our_push():
            for chunk in chunks:
                server.push(chunk)

        def our_pull():
            cursor, got = None, 0
            while True:
                pulled, cursor = server.pull(cursor, batch)
                got += len(pulled)
                if len(pulled) < batch:
                    assert got == len(ops)
                    return

        push_bare, push_ours = _timed(lambda: bare_push(bare, ops, batch)), _timed(our_push)
        pull_bare, pull_ours = _timed(lambda: bare_pull(bare, batch, len(ops))), _timed(our_pull)
        print(f"{len(ops):,} ops in batches of {batch}, PostgreSQL {cluster.psql('SHOW server_version').strip()} "
              "on loopback (fsync off)")
        print(f"push: ours {push_ours:.2f} s, bare executemany {push_bare:.2f} s, ratio {push_ours / push_bare:.2f}x")
        print(f"pull: ours {pull_ours:.2f} s, bare keyset SELECT {pull_bare:.2f} s, ratio {pull_ours / pull_bare:.2f}x")

        # A real catch-up into a console: ops another console made, applied by the core.
        cluster.psql(f"CREATE DATABASE catchup OWNER {pg.OWNER}")
        assert migrate_cli(cluster, "catchup", pg.CONSOLE).returncode == 0
        url = cluster.url(db="catchup")
        with tempfile.TemporaryDirectory() as folder:
            maker = IncidentService.open(Path(folder) / "a.sqlite3", SystemClock())
            maker.sync.join(url)
            incidents = [maker.incidents.declare(f"Incident {i}", by="Ana").incident.id for i in range(5)]
            for i in range(args.console_ops - 5):
                maker.timeline.log(incidents[i % 5], f"note {i}", by="Ana")
            with Server.connect(url, password=pg.CONSOLE_PASSWORD) as link:
                sync_once(maker, link)
                late = IncidentService.open(Path(folder) / "b.sqlite3", SystemClock())
                late.sync.join(url)
                started = time.perf_counter()
                done = sync_once(late, link)
                took = time.perf_counter() - started
            print(f"catch-up into an empty console: {done.applied:,} real ops pulled and applied in {took:.2f} s "
                  f"({done.applied / took:,.0f} ops/s)")
            maker.close()
            late.close()
        server.close()
        bare.close()
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
