"""The window never dies: the board's moves that were seen to crash, or could, run in a child
process, so that a segfault is a failing test that says where it happened instead of a dead
pytest.

Issues 9 and 11: the real app exited with SIGSEGV right after an incident was declared (the
end-to-end story, under Xvfb with a screen reader reading it), and a test process died in the
find bar's `close_finder`. The child (`python -m tests.soak.moves`) opens the real window on a
live incident while another process logs 20 notes a second, turns Qt's accessibility on and
reads the window as a screen reader does, and makes every move of the board by its keys, three
times each: find and close the find bar, find across incidents and jump to another board, the
palette, the composer, the close-out bar, declare a new incident, the narrow board with F6
through its tabs; then it closes the window and exits, which must not crash either. The child
runs with faulthandler, so a crash prints the Python stack of every thread.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3


def run_child(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """`python -X faulthandler ARGS` from the project's root, offscreen."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-X", "faulthandler", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def death(run: subprocess.CompletedProcess) -> str | None:
    """How the child failed to end well (killed by a signal, a fatal error, a Python
    traceback, a non-zero exit), with what it printed; None when it exited 0 cleanly."""
    if run.returncode < 0:
        how = f"killed by {signal.Signals(-run.returncode).name}"
    elif run.returncode > 0:
        how = f"exit {run.returncode}"
    elif "Fatal Python error" in run.stderr or "Traceback" in run.stderr:
        how = "exit 0, but with an error on stderr"
    else:
        return None
    return f"the child was {how}\n--- stdout ---\n{run.stdout[-2000:]}\n--- stderr ---\n{run.stderr[-6000:]}"


def test_every_move_of_the_board_while_entries_arrive_leaves_the_window_alive(tmp_path):
    run = run_child(["-m", "tests.soak.moves", "--rounds", str(ROUNDS), "--home", str(tmp_path / "moves")],
                    timeout=300)
    assert death(run) is None, death(run)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert set(report["moves"].values()) == {ROUNDS}
    assert {"find", "jump", "declare", "narrow", "read"} <= set(report["moves"])


def test_a_segfault_in_the_child_fails_the_test_and_says_where():
    """What the test above reports if the window crashes: the signal, and the Python line."""
    crash = "import ctypes\n\ndef crash_here():\n    ctypes.string_at(0)\n\ncrash_here()\n"
    message = death(run_child(["-c", crash], timeout=60))
    assert message is not None and "killed by SIGSEGV" in message
    assert "Segmentation fault" in message and 'line 4 in crash_here' in message
    assert death(run_child(["-c", "print('fine')"], timeout=60)) is None
