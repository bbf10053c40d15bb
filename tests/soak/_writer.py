"""The other process of the soak: logs notes to one incident at a steady rate through the core.

    python -m tests.soak._writer --home DIR --incident ID --rate 5 --seconds 60

Prints one JSON line when done: how many notes it logged and how many were refused.
"""

import argparse
import json
import time
import uuid
from pathlib import Path

from console import paths
from console.clock import SystemClock
from console.errors import ConsoleError
from console.service import IncidentService


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--incident", type=int, required=True)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    where = paths.resolve(args.home)
    service = IncidentService.open(where.db_path, SystemClock())
    logged, refused, errors = 0, 0, []
    start = time.monotonic()
    try:
        while (elapsed := time.monotonic() - start) < args.seconds:
            try:
                service.timeline.log(args.incident, f"Soak note {logged + 1} from the liaison's script",
                                     by="Liaison script", uid=uuid.uuid4().hex)
                logged += 1
            except ConsoleError as exc:
                refused += 1
                errors.append(str(exc))
            next_at = start + (logged + refused) / args.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
    finally:
        service.close()
    print(json.dumps({"logged": logged, "refused": refused, "errors": errors[:3],
                      "seconds": round(elapsed, 1)}), flush=True)
    return 0 if refused == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
