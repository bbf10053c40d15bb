"""Verify of a 1M-entry incident's record chain, against floors measured in the same run.

The incident is built as `timeline_scale` builds one (1M entries and about 3,000 rows of
history) and chained as migration 0013 chains a database from before the chain. Then:

- `ChainReads.verify` on it, best and median of `--runs`;
- floor 1, hashlib alone: the same bytes (every row's canonical encoding, made beforehand and
  kept in memory) digested and linked with hashlib.sha256 exactly as verify does;
- floor 2, SQLite alone: the rows verify reads (the links joined to their rows), fetched and
  dropped;
- the board's open while a check runs: the reads the board makes when an incident is opened
  (the incident, its first page of 500 entries, the pinned ones, the roles, the tasks), timed
  alone and again while a check runs in a process of its own, as the window runs it - the
  check must not slow the open.

    python -m tests.bench.verify [--entries 1000000] [--runs 3] [--db FILE]
"""

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.chain_append import chained
from tests.bench.timeline_scale import build


def _timed(fn, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - began)
    return seconds


def _encodings(conn, incident_id: int) -> list[bytes]:
    """Every linked row's canonical bytes, in the chain's order (what verify hashes)."""
    from console.chain import _WALK, _canonical_uid, encode

    found = []
    for row in conn.execute(_WALK, (incident_id,)):
        rank = row[1]
        fields = (row[12], row[13], row[14], row[15], row[16]) if rank == 0 else (row[13], row[14], row[15])
        found.append(encode(rank, row[8], _canonical_uid(row[9], row[10]), row[10], fields))
    return found


def _hash_floor(encodings: list[bytes], start: bytes) -> bytes:
    sha256 = hashlib.sha256
    previous = start
    for data in encodings:
        previous = sha256(previous + sha256(data).digest()).digest()
    return previous


def _board_reads(reader, incident_id: int) -> None:
    reader.incidents.get(incident_id)
    reader.timeline.page(incident_id)
    reader.timeline.pinned(incident_id)
    reader.roster.all(incident_id)
    reader.tasks.all(incident_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="a database this benchmark built and chained before (its first incident): "
                             "measured again without building (the build of 1M takes half an hour)")
    args = parser.parse_args()

    from console.chain import ChainReads, genesis
    from console.queries import Reader
    from console.store import connect

    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            path, incident_id = args.db, 1
        else:
            path = Path(tmp) / "verify.sqlite3"
            incident_id, loaded = build(path, args.entries)
            seconds = chained(path, incident_id)
        conn = connect(path, read_only=True)
        reads = ChainReads(conn, path)
        links = reads.head(incident_id).links
        entries = conn.execute("SELECT count(*) FROM entries WHERE incident_id = ?",
                               (incident_id,)).fetchone()[0]
        if args.db:
            print(f"{path}: {entries:,} entries ({links:,} links with their history)")
        else:
            print(f"{entries:,} entries ({links:,} links with their history) built in {loaded:.1f} s, "
                  f"chained in {seconds:.1f} s (migration 0013's path)")

        assert reads.verify(incident_id) is None
        verify = _timed(lambda: reads.verify(incident_id), args.runs)
        encodings = _encodings(conn, incident_id)
        start = genesis(reads.head(incident_id).incident_uid)
        assert _hash_floor(encodings, start).hex() == reads.head(incident_id).link
        size = sum(len(e) for e in encodings)
        hashing = _timed(lambda: _hash_floor(encodings, start), args.runs)
        from console.chain import _WALK

        fetching = _timed(lambda: [None for _ in conn.execute(_WALK, (incident_id,))] and None, args.runs)
        v, h, f = min(verify), min(hashing), min(fetching)
        print(f"verify: best {v:.2f} s, median {statistics.median(verify):.2f} s "
              f"({v / links * 1e6:.2f} us a link)")
        print(f"floor 1, hashlib alone over the same {size / 1e6:.0f} MB: best {h:.2f} s -> verify is {v / h:.1f}x")
        print(f"floor 2, SQLite alone fetching the same rows: best {f:.2f} s -> verify is {v / f:.1f}x")
        print(f"verify / (hashing + fetching): {v / (h + f):.2f}x")

        reader = Reader(connect(path, read_only=True), path)
        _board_reads(reader, incident_id)  # warm, as a second opening is
        alone = _timed(lambda: _board_reads(reader, incident_id), 20)
        during: list[float] = []
        # The check as the window runs it: a process of its own (ui/chain_badge.py).
        checking = subprocess.Popen([sys.executable, "-m", "console.chain_check", str(path), str(incident_id)],
                                    stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)  # the check is under way
        while checking.poll() is None and len(during) < 20:
            during.extend(_timed(lambda: _board_reads(reader, incident_id), 1))
        assert json.loads(checking.communicate()[0]) == {"holds": True}
        a, d = statistics.median(alone), statistics.median(during)
        print(f"the board's reads on opening: median {a * 1000:.1f} ms alone, {d * 1000:.1f} ms while a "
              f"check runs in its own process ({d / a:.2f}x; {len(during)} samples), "
              f"worst {max(during) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
