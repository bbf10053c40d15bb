"""Ctrl+C in the terminal that started the window, and a polite kill (SIGTERM, as at logout),
close the window as its close button does: no traceback, and the exit status a shell gives the
signal (130, 143). The real command, in its own process, offscreen."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _wait(check, timeout: float, what: str) -> None:
    until = time.monotonic() + timeout
    while not check():
        if time.monotonic() > until:
            raise AssertionError(f"{what} not within {timeout} s")
        time.sleep(0.05)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_closes_the_window_cleanly(tmp_path, number):
    from console import paths

    where = paths.resolve(tmp_path / "home")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INCIDENT_CONSOLE_NAME": "Ana"}
    window = subprocess.Popen([sys.executable, "-m", "console", "--home", str(tmp_path / "home")],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = where.log_dir / "console.log"
        # "window open" is logged after the first paint; the writer opens the store after it.
        _wait(lambda: log.exists() and "window open" in log.read_text(encoding="utf-8"), 60, "the window")
        _wait(where.db_path.exists, 60, "the store")
        window.send_signal(number)
        out, err = window.communicate(timeout=60)
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert window.returncode == 128 + int(number)
    assert f"closing on signal {int(number)}" in log.read_text(encoding="utf-8")
    sqlite3.connect(where.db_path).execute("PRAGMA quick_check").fetchone()
