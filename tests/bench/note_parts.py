"""Where a note's time goes: each SQL statement of `IncidentService.log` and its commit, timed
on the writer's connection, with synchronous=FULL (as shipped) and =OFF (the CPU alone).

    python -m tests.bench.note_parts [--entries 100000] [--notes 3000]

The incident is built as `timeline_scale` builds one and chained as `chain_append` chains it.
What is not a statement (the line "python") is the rest of `log`: building the entry and the
op, the HLC's arithmetic, the chain's digest, the transaction's bookkeeping. No target: this is
the budget the append figures are spent from (README, "What the append figure needs").
"""

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from console.uids import new_uid

from tests.bench.chain_append import chained
from tests.bench.timeline_scale import COMMON, build

_timings: dict[str, list[float]] = defaultdict(list)


def _timed(label: str, call, *args):
    began = time.perf_counter()
    try:
        return call(*args)
    finally:
        _timings[label].append(time.perf_counter() - began)


def _label(sql: str) -> str:
    return " ".join(sql.split())[:70]


class _TimedConnection(sqlite3.Connection):
    """The writer's connection, timing each statement by its first words."""

    def execute(self, sql, *args):
        return _timed(_label(sql), super().execute, sql, *args)

    def executemany(self, sql, *args):
        return _timed(_label(sql), super().executemany, sql, *args)

    def commit(self):
        return _timed("COMMIT", super().commit)


def measure(path: Path, incident_id: int, notes: int, synchronous: str) -> None:
    from console import store
    from console.clock import SystemClock
    from console.service import IncidentService

    plain = sqlite3.connect
    store.sqlite3.connect = lambda *a, **k: plain(*a, **{**k, "factory": _TimedConnection})
    try:
        service = IncidentService.open(path, SystemClock())
    finally:
        store.sqlite3.connect = plain
    service.ledger.vocabulary
    service.checkpoint_when_idle()
    service.ledger.conn.execute(f"PRAGMA synchronous = {synchronous}")
    for i in range(300):  # warm: statements prepared, pages cached
        service.timeline.log(incident_id, f"warm {i}", by="bench", uid=new_uid())
    _timings.clear()
    whole = []
    for i in range(notes):
        began = time.perf_counter()
        service.timeline.log(incident_id, f"note {i} about {COMMON} lag on db-{i % 97}", by="bench",
                             uid=new_uid())
        whole.append(time.perf_counter() - began)
        if i % 10 == 9:
            service.checkpoint()
    service.close()
    total = statistics.median(whole)
    print(f"[synchronous={synchronous}] a note: p50 {total * 1e6:.0f} us")
    spent = 0.0
    for sql, samples in sorted(_timings.items(), key=lambda item: -sum(item[1])):
        per_note = sum(samples) / notes
        if len(samples) < notes / 2:
            continue  # the idle checkpoint's work, between notes
        spent += per_note
        print(f"  {per_note * 1e6:6.1f} us  {sql}")
    print(f"  {max(statistics.mean(whole) - spent, 0) * 1e6:6.1f} us  python (the mean note less its statements)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=3_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.sqlite3"
        incident_id, _ = build(path, args.entries)
        chained(path, incident_id)
        for synchronous in ("FULL", "OFF"):
            measure(path, incident_id, args.notes, synchronous)


if __name__ == "__main__":
    main()
