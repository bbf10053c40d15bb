"""Kill trials: SIGKILL a writing process at random moments; no acknowledged write may be lost.

    python -m tests.reliability.trials [--trials 300]

Each trial starts tests/reliability/kill_writer.py on the same file, waits until it is writing,
kills it after a random 0-400 ms, and then checks the file: `PRAGMA integrity_check` is ok, every
UID the victim acknowledged is there (entries and tasks), and the file still opens for writing.
"""

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from console import paths
from console.clock import SystemClock
from console.service import IncidentService

ROOT = Path(__file__).resolve().parents[2]


def run_trials(home: Path, trials: int, seed: int = 0) -> dict:
    where = paths.resolve(home)
    service = IncidentService.open(where.db_path, SystemClock())
    incident_id = service.incidents.declare("Kill trials", by="Ana").incident.id
    service.close()
    rng = random.Random(seed)
    acknowledged = lost = 0
    problems: list[str] = []
    for trial in range(trials):
        victim = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.kill_writer", "--home", str(home),
             "--incident", str(incident_id)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert victim.stdout.readline().strip() == "ready", victim.stderr.read()
        time.sleep(rng.uniform(0, 0.4))
        os.kill(victim.pid, signal.SIGKILL)
        out, _ = victim.communicate(timeout=30)
        acks = [line.split() for line in out.splitlines() if line.startswith("ack ")]
        acks = [a for a in acks if len(a) == 3]  # a line cut by the kill was never shown
        acknowledged += len(acks)
        conn = sqlite3.connect(where.db_path)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                problems.append(f"trial {trial}: integrity_check says {check}")
            uids = {u for (u,) in conn.execute("SELECT uid FROM entries WHERE uid IS NOT NULL")}
        finally:
            conn.close()
        missing = [uid for _, _, uid in acks if uid not in uids]
        lost += len(missing)
        if missing:
            problems.append(f"trial {trial}: {len(missing)} acknowledged writes missing")
    service = IncidentService.open(where.db_path, SystemClock())  # still opens and writes
    service.timeline.log(incident_id, "after the trials", by="Ana")
    service.close()
    return {"trials": trials, "acknowledged": acknowledged, "lost": lost, "problems": problems}


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = run_trials(Path(tmp), args.trials, args.seed)
    print(f"{result['trials']} SIGKILL trials in {time.monotonic() - started:.0f} s: "
          f"{result['acknowledged']} writes acknowledged, {result['lost']} lost")
    for problem in result["problems"]:
        print("  " + problem)
    return 1 if result["lost"] or result["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
