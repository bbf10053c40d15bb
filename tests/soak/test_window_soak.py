"""The short soak in the normal run: a minute of the real window under a live incident, the
board's moves (find, jump, palette, composer, close-out, declare, narrow, a screen reader) made
between the scribe's notes.

The ten-minute soak is the same program with `--seconds 600` (see README, Reliability). It runs
in its own process, as the app does, so a crash in the bindings shows as a signal here rather
than taking the test session down with it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 60


def test_the_window_survives_a_minute_of_a_live_incident(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.soak.window",
         "--seconds", str(SECONDS), "--home", str(tmp_path / "soak")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS + 120,
    )
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert report["writer"]["logged"] >= SECONDS * 5 * 0.9 and report["writer"]["refused"] == 0
    assert report["typed_saved"] == report["typed"] >= SECONDS // 5 - 1
    assert report["checkbacks_logged"] == 6
    assert report["move_problems"] == [] and all(count >= 2 for count in report["moves"].values())
