"""One of several processes appending notes to one incident at the same moment.

    python -m tests.concurrency.appender --home DIR --incident ID --ref REF --count N --go FILE [--cli]

Waits until FILE exists (so every process starts together), then appends N notes, through the
core API or, with --cli, through `incident-console log` one process per note. Prints one JSON
line: how many were acknowledged, how many refused (with the first reasons), and the longest
single wait in milliseconds.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--incident", type=int, required=True, help="its id (core API)")
    parser.add_argument("--ref", required=True, help="its reference (CLI)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--go", type=Path, required=True)
    parser.add_argument("--cli", action="store_true")
    args = parser.parse_args()
    me = os.getpid()
    service = None
    if not args.cli:
        from console import paths
        from console.clock import SystemClock
        from console.service import IncidentService

        service = IncidentService.open(paths.resolve(args.home).db_path, SystemClock())
    while not args.go.exists():
        time.sleep(0.002)
    acknowledged, refused, reasons, waits = 0, 0, [], []
    for n in range(args.count):
        text = f"note {n} from process {me}"
        started = time.perf_counter()
        if service is not None:
            from console.errors import ConsoleError

            try:
                service.timeline.log(args.incident, text, by=f"Writer {me}")
                ok, reason = True, ""
            except ConsoleError as exc:
                ok, reason = False, str(exc)
        else:
            run = subprocess.run(
                [sys.executable, "-m", "console", "--home", str(args.home), "log",
                 args.ref, text, "--by", f"Writer {me}"],
                capture_output=True, text=True,
            )
            ok, reason = run.returncode == 0, run.stderr.strip()
        waits.append((time.perf_counter() - started) * 1000)
        if ok:
            acknowledged += 1
        else:
            refused += 1
            reasons.append(reason)
    if service is not None:
        service.close()
    print(json.dumps({"acknowledged": acknowledged, "refused": refused, "reasons": reasons[:3],
                      "worst_ms": round(max(waits), 1), "waits_ms": [round(w, 2) for w in waits]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
