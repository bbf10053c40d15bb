"""Note-append benchmark at 100,000 entries (search index included): `IncidentService.log`
against a raw sqlite3 one-row insert+commit with the same durability (WAL, synchronous=FULL)
and the same checkpoint policy, both measured in this run, under the window's policy
(checkpoints when idle) and under SQLite's automatic ones. Target: p99 <= 3x.

The building and measuring are the 1M benchmark's (`timeline_scale`), at a smaller size.

    python -m tests.bench.append [--entries 100000] [--samples 2000]
"""

import argparse
import tempfile
from pathlib import Path

from tests.bench.timeline_scale import _appends, _floor_policy, _percentiles, build

TARGET = 3.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    for policy, label in (("idle", "the window's policy: checkpoint when idle"),
                          ("auto", "SQLite's automatic checkpoints: scripts and the CLI")):
        with tempfile.TemporaryDirectory() as tmp:
            floor = _floor_policy(Path(tmp) / "floor.sqlite3", args.samples, policy)
            incident_id, _ = build(Path(tmp) / "ours.sqlite3", args.entries)
            ours = _appends(Path(tmp) / "ours.sqlite3", incident_id, args.samples, policy)
        f50, f99 = _percentiles(floor)
        o50, o99 = _percentiles(ours)
        verdict = "OK" if o99 / f99 <= TARGET else "OVER TARGET"
        print(f"[{label}]")
        print(f"  raw sqlite3 insert+commit (WAL, FULL): p50 {f50 * 1000:.3f} ms  p99 {f99 * 1000:.3f} ms")
        print(f"  IncidentService.log at {args.entries:,} entries: p50 {o50 * 1000:.3f} ms  p99 {o99 * 1000:.3f} ms")
        print(f"  ratio p50 {o50 / f50:.2f}x, p99 {o99 / f99:.2f}x (target p99 <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
