"""Note-append benchmark: `IncidentService.log` with 100,000 entries present (search index
included), against a raw sqlite3 one-row insert+commit with the same durability settings
(WAL, synchronous=FULL) and the same checkpoint policy, both measured in this run, under the
window's policy (checkpoints when idle) and under SQLite's automatic ones. Target: p99 <= 3x.

    python -m tests.bench.append [--entries 100000] [--samples 2000]
"""

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from console import times
from console.clock import SystemClock
from console.incidents import IncidentService

TARGET = 3.0


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def _floor(path: Path, count: int, policy: str) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    if policy == "idle":
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    samples = []
    for i in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO notes (text) VALUES (?)", (f"note {i} about replica lag",))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def _fill(service: IncidentService, incident_id: int, entries: int) -> None:
    """Bulk-load the timeline in one transaction (raw executemany: the documented fast path)."""
    now = times.to_text(datetime.now(timezone.utc))
    rows = (
        (uuid.uuid4().hex, incident_id, "note", f"seeded note {i} about replica lag", "bench", now, now)
        for i in range(entries)
    )
    with service._db.atomic():
        service._db.conn.executemany(
            "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _ours(path: Path, entries: int, count: int, policy: str) -> list[float]:
    service = IncidentService.open(path, SystemClock())
    if policy == "idle":
        service.checkpoint_when_idle()  # what the window does: checkpoint after a pause
    incident = service.declare("Benchmark", by="bench").incident
    _fill(service, incident.id, entries)
    service.checkpoint()
    samples = []
    for i in range(count):
        start = time.perf_counter()
        service.log(incident.id, f"note {i} about replica lag", by="bench", uid=uuid.uuid4().hex)
        samples.append(time.perf_counter() - start)
    service.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    for policy, label in (("idle", "the window's policy: checkpoint when idle"),
                          ("auto", "SQLite's automatic checkpoints: scripts and the CLI")):
        with tempfile.TemporaryDirectory() as tmp:
            floor = _floor(Path(tmp) / "floor.sqlite3", args.samples, policy)
            ours = _ours(Path(tmp) / "ours.sqlite3", args.entries, args.samples, policy)
        f50, f99 = _percentiles(floor)
        o50, o99 = _percentiles(ours)
        print(f"[{label}]")
        print(f"  raw sqlite3 insert+commit (WAL, FULL): p50 {f50 * 1000:.3f} ms  p99 {f99 * 1000:.3f} ms")
        print(f"  IncidentService.log at {args.entries:,} entries: p50 {o50 * 1000:.3f} ms  "
              f"p99 {o99 * 1000:.3f} ms")
        verdict = "OK" if o99 / f99 <= TARGET else "OVER TARGET"
        print(f"  ratio p50 {o50 / f50:.2f}x, p99 {o99 / f99:.2f}x (target p99 <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
