"""Concurrent writers: 2, 4 and 8 processes appending to one incident at the same moment.

Each process waits for the same start signal, then appends notes as fast as it can, through the
core API (`IncidentService.log`) or through the CLI (`incident-console log`, one process per
note). Reported: refused appends (the target is 0), the per-append wait p50/p99 and the worst
single wait, against the floor: one process alone doing the same, measured in this run.

    python -m tests.bench.writers [--count 200] [--cli-count 15]
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from console import paths
from console.clock import SystemClock
from console.service import IncidentService
from tests.concurrency.race import race


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _run(processes: int, count: int, cli: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        service = IncidentService.open(paths.resolve(home).db_path, SystemClock())
        incident = service.incidents.declare("Bench", by="Ana").incident
        service.close()
        reports = race(home, incident.id, incident.ref, processes, count, cli=cli)
    waits = [w for r in reports for w in r["waits_ms"]]
    return {
        "refused": sum(r["refused"] for r in reports),
        "appends": len(waits),
        "p50": statistics.median(waits),
        "p99": _p(waits, 0.99),
        "worst": max(waits),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200, help="appends per process, core API")
    parser.add_argument("--cli-count", type=int, default=15, help="appends per process, CLI")
    args = parser.parse_args()
    for cli, count, label in ((False, args.count, "core API"), (True, args.cli_count, "CLI")):
        floor = _run(1, count, cli)
        print(f"[{label}] one process alone: p50 {floor['p50']:.2f} ms  p99 {floor['p99']:.2f} ms"
              f"  worst {floor['worst']:.1f} ms")
        for processes in (2, 4, 8):
            r = _run(processes, count, cli)
            verdict = "OK" if r["refused"] == 0 else "REFUSED APPENDS"
            print(f"  {processes} processes: {r['appends']} appends, {r['refused']} refused ({verdict});"
                  f" p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  worst {r['worst']:.1f} ms;"
                  f" p99 {r['p99'] / floor['p99']:.1f}x alone")


if __name__ == "__main__":
    main()
