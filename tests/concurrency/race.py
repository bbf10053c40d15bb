"""Start several appender processes on one incident at the same moment and gather what they saw."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def race(home: Path, incident: int, ref: str, processes: int, count: int, *, cli: bool = False) -> list[dict]:
    go = home / f"go-{time.monotonic_ns()}"
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency.appender", "--home", str(home),
             "--incident", str(incident), "--ref", ref, "--count", str(count), "--go", str(go)]
            + (["--cli"] if cli else []),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ),
        )
        for _ in range(processes)
    ]
    time.sleep(0.3 if not cli else 0.05)  # let them import and open the store
    go.touch()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    go.unlink()
    return reports
