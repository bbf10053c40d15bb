"""Note-append benchmark at 100,000 entries (search index included): `IncidentService.log`
against a raw sqlite3 one-row insert+commit with the same durability (WAL, synchronous=FULL)
and the same checkpoint policy, both measured in this run in alternating blocks of 50 (after the
file just built is flushed), under the window's policy
(checkpoints when idle) and under automatic ones (the raw insert at SQLite's default threshold,
ours at store.CHECKPOINT_PAGES). Target: p99 <= 3x, met when the ratio's 95% interval
(tests/bench/ratios.py: a paired block bootstrap) is wholly at or under it. Also the WAL frames
(pages) a note writes, against the raw insert's.

The building and measuring are the 1M benchmark's (`timeline_scale`), at a smaller size.

    python -m tests.bench.append [--entries 100000] [--samples 30000]

30,000 appends a side by default (about 2 minutes in all): runs of 10,000 gave p99 ratios of
2.33-3.64x under automatic checkpoints, five runs apart, while one of 50,000 gave 3.38x with a
p50 ratio of 3.28x; the interval says how far a run's figure can be trusted.
"""

import argparse
import sqlite3
import statistics
import tempfile
from pathlib import Path

from console.uids import new_uid

from tests.bench.ratios import percentile, ratio
from tests.bench.timeline_scale import APPEND_BLOCK, BURST, COMMON, _percentiles, appends_against_floor, build

TARGET = 3.0


def _wal_frames(conn: sqlite3.Connection) -> int:
    """How many frames the write-ahead log holds (each count starts from an emptied log)."""
    return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def frames(path: Path, incident_id: int, count: int) -> tuple[float, float]:
    """WAL frames (pages) a note's commit writes, and what the idle catch-up of the search
    index writes, per note, after every `BURST` notes; each counted from an emptied log."""
    from console.clock import SystemClock
    from console.service import IncidentService

    service = IncidentService.open(path, SystemClock())
    conn = service.ledger.conn
    service.checkpoint_when_idle()
    notes = indexing = 0
    try:
        for i in range(count):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            service.timeline.log(incident_id, f"note {i} about {COMMON} lag", by="bench", uid=new_uid())
            notes += _wal_frames(conn)
            if i % BURST == BURST - 1:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                service.checkpoint()
                indexing += _wal_frames(conn)
    finally:
        service.close()
    return notes / count, indexing / count


def floor_frames(path: Path, count: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    total = 0
    for i in range(count):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO notes (text) VALUES (?)", (f"note {i} about {COMMON} lag",))
        conn.execute("COMMIT")
        total += _wal_frames(conn)
    conn.close()
    return total / count


def after_the_switch(samples: list[float]) -> tuple[float, float]:
    """(median of the first append of each block, median of the others): the first comes after
    the other side's block, with what that left of the caches and the clock's speed (the
    alternation's price, and what a note typed after a pause pays); it is one append in
    APPEND_BLOCK, enough of them to set the p99."""
    first = [s for i, s in enumerate(samples) if i % APPEND_BLOCK == 0]
    others = [s for i, s in enumerate(samples) if i % APPEND_BLOCK]
    return statistics.median(first), statistics.median(others)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30_000)
    parser.add_argument("--frames", type=int, default=300, help="notes whose WAL frames are counted")
    args = parser.parse_args()
    for policy, label in (("idle", "the window's policy: checkpoint when idle"),
                          ("auto", "automatic checkpoints (ours every store.CHECKPOINT_PAGES pages, the raw "
                                   "insert's SQLite's default 1,000): scripts and the CLI")):
        with tempfile.TemporaryDirectory() as tmp:
            incident_id, _ = build(Path(tmp) / "ours.sqlite3", args.entries)
            floor, ours = appends_against_floor(Path(tmp) / "ours.sqlite3", incident_id,
                                                Path(tmp) / "floor.sqlite3", args.samples, policy)
            if policy == "idle":  # after the timed appends, on the same file
                note_frames, index_frames = frames(Path(tmp) / "ours.sqlite3", incident_id, args.frames)
                bare_frames = floor_frames(Path(tmp) / "floor-frames.sqlite3", args.frames)
        f50, f99 = _percentiles(floor)
        o50, o99 = _percentiles(ours)
        p99 = ratio(ours, floor, block=APPEND_BLOCK)
        print(f"[{label}]")
        print(f"  raw sqlite3 insert+commit (WAL, FULL): p50 {f50 * 1000:.3f} ms  p99 {f99 * 1000:.3f} ms"
              f"  p99.9 {percentile(floor, 0.999) * 1000:.3f} ms")
        print(f"  IncidentService.log at {args.entries:,} entries: p50 {o50 * 1000:.3f} ms  p99 {o99 * 1000:.3f} ms"
              f"  p99.9 {percentile(ours, 0.999) * 1000:.3f} ms")
        print(f"  ratio p50 {o50 / f50:.2f}x, p99.9 {percentile(ours, 0.999) / percentile(floor, 0.999):.2f}x")
        print(f"  ratio p99 {p99.line(TARGET)}")
        (o_first, o_rest), (f_first, f_rest) = after_the_switch(ours), after_the_switch(floor)
        print(f"  the first append of each block of {APPEND_BLOCK}: ours p50 {o_first * 1000:.3f} ms against "
              f"{o_rest * 1000:.3f} ms for the others ({o_first / o_rest:.2f}x); the raw insert's "
              f"{f_first * 1000:.3f} ms against {f_rest * 1000:.3f} ms ({f_first / f_rest:.2f}x)")
    print(f"WAL frames a note's commit writes: {note_frames:.2f} (the raw insert: {bare_frames:.2f}); "
          f"the idle catch-up of the search index, every {BURST} notes: {index_frames:.2f} a note")


if __name__ == "__main__":
    main()
