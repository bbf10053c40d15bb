"""The victim of a kill trial: writes as fast as it can and prints each acknowledgement.

    python -m tests.reliability.kill_writer --home DIR --incident ID

A line `ack KIND UID` is printed (and flushed) only after the operation has returned, i.e.
after its commit: that is what the user would have been shown. The parent kills this process
at a random moment and checks that every acknowledged UID is in the file.
"""

import argparse
import sys
import uuid
from pathlib import Path

from console import paths
from console.clock import SystemClock
from console.service import IncidentService


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--incident", type=int, required=True)
    args = parser.parse_args()
    service = IncidentService.open(paths.resolve(args.home).db_path, SystemClock())
    # One write before "ready": the first pays the process's one-time costs (the shipped
    # process read and checked, ~1 s on a loaded machine), and the parent kills within 0.4 s
    # of "ready", which must fall among writes, not before the first.
    service.timeline.log(args.incident, "writer warmed up", by="Ana")
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        uid = uuid.uuid4().hex
        if n % 7 == 0:
            service.tasks.add(args.incident, "Ben", 5, f"check shard {n}", by="Ana", uid=uid)
            kind = "task"
        else:
            service.timeline.log(args.incident, f"note {n} " + "x" * (n % 300), by="Ana", uid=uid)
            kind = "note"
        sys.stdout.write(f"ack {kind} {uid}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
