"""Soak: the real window on a live incident while another process writes to it.

    python -m tests.soak.window --seconds 600        # the on-demand soak (10 minutes)
    python -m tests.soak.window --seconds 60         # the short one, run by the test suite

The window is built exactly as `incident-console` builds it (ui.app.build, system clock, its
writer thread, its process loaded after the first paint) over a fresh home. The incident has
roles, an update cadence and tasks whose check-backs fall due during the run, so the header
clocks, the prompts and the check-back alert all tick. Meanwhile:
- another process (tests/soak/_writer.py) logs 5 notes a second through the core API;
- the scribe types a note into the note box with real key events every few seconds;
- between notes, every couple of seconds, the next of the board's moves (tests/soak/moves.py),
  by their keys: find in the timeline and close the find bar, find across incidents and jump to
  another board, the palette, the composer, the close-out bar, declare a new incident, the
  narrow board with F6 through its tabs, and a screen reader reading the window; each ends
  back on the incident's board and must have done what it should;
- a heartbeat timer measures how long the event loop is ever kept from running.

At the end the window must have caught up with every note in the file, and a note typed into
it must come back committed and shown. One JSON report is printed; exit 0 means healthy. A
crash in the bindings or in Qt (the 3.11 `none_dealloc` abort, a segfault), while running or
as the process exits, ends the process with a signal, which the caller sees as a non-zero
status and a missing report.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console import paths  # noqa: E402
from console.clock import SystemClock  # noqa: E402
from console.service import IncidentService  # noqa: E402
from tests.soak.moves import Board, seed_other  # noqa: E402

HEARTBEAT_MS = 50
TYPE_EVERY_S = 5
MOVE_EVERY_S = 2
CATCH_UP_LIMIT_S = 10
MAX_STALL_S = 5.0


def _seed(where: paths.Paths, seconds: float) -> int:
    """A SEV-1 with its roles and tasks whose check-backs fall due while the soak runs."""
    clock = SystemClock()
    service = IncidentService.open(where.db_path, clock)
    try:
        change = service.incidents.declare("Payments API failing for EU customers", by="Ana", severity=1)
        incident_id = change.incident.id
        for role, person in (("ic", "Ana"), ("scribe", "Sam"), ("deputy", "Dee")):
            service.roster.assign(incident_id, role, person, by="Ana")
        service.updates.send(incident_id, "responders", "Investigating payment failures.", by="Ana")
        now = clock.now()
        # Due at evenly spaced moments of the run: assigned in the past with a 10-minute
        # check-back, so each expires `due_in` seconds from now.
        count = 6
        for n in range(count):
            due_in = seconds * (n + 1) / (count + 1)
            assigned = now - timedelta(minutes=10) + timedelta(seconds=due_in)
            service.tasks.add(incident_id, f"Owner {n + 1}", 10, f"Check shard {n + 1}",
                              by="Ana", at=assigned)
        seed_other(service, "Ana")  # where a find across incidents jumps to
        return incident_id
    finally:
        service.close()


def _wait(app: QApplication, predicate, limit_s: float) -> float | None:
    """Process events until `predicate()` holds; seconds it took, or None past the limit."""
    timer = QElapsedTimer()
    timer.start()
    while not predicate():
        if timer.elapsed() > limit_s * 1000:
            return None
        app.processEvents()
        QTest.qWait(10)
    return timer.elapsed() / 1000


def run(seconds: float, rate: float, home: Path) -> dict:
    from ui import app as ui_app

    app = QApplication.instance() or QApplication([])
    where = paths.resolve(home)
    incident_id = _seed(where, seconds)

    window = ui_app.build(where, author="Sam")
    assert _wait(app, lambda: window.writer.is_ready and window.process is not None, 20) is not None
    board = Board(window, incident_id)  # opens the incident's board
    page = window.incident_page

    beats = {"last": time.monotonic(), "max_gap": 0.0, "count": 0}

    def beat() -> None:
        now = time.monotonic()
        beats["max_gap"] = max(beats["max_gap"], now - beats["last"])
        beats["last"] = now
        beats["count"] += 1

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.soak._writer", "--home", str(home), "--incident",
         str(incident_id), "--rate", str(rate), "--seconds", str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )
    none_before = sys.getrefcount(None)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    typed = 0
    moves = dict.fromkeys(Board.MOVES, 0)
    slowest = dict.fromkeys(Board.MOVES, 0.0)  # seconds, the longest each move took
    move_problems: list[str] = []
    start = time.monotonic()
    next_type = start + TYPE_EVERY_S
    next_move = start + MOVE_EVERY_S
    while writer.poll() is None:
        app.processEvents()
        QTest.qWait(20)
        if time.monotonic() >= next_type:
            typed += 1
            page.note_edit.setFocus()
            QTest.keyClicks(page.note_edit, f"Scribe note {typed}: error rate still 4%")
            QTest.keyClick(page.note_edit, Qt.Key.Key_Return)
            next_type += TYPE_EVERY_S
        elif time.monotonic() >= next_move:
            name = Board.MOVES[sum(moves.values()) % len(Board.MOVES)]
            began = time.monotonic()
            problem = board.run(name)  # ends back on the incident's board
            slowest[name] = max(slowest[name], round(time.monotonic() - began, 2))
            moves[name] += 1
            if problem:
                move_problems.append(problem)
            next_move = time.monotonic() + MOVE_EVERY_S
    writer_report = json.loads(writer.stdout.read() or "{}")
    soak_seconds = time.monotonic() - start

    reader = window.reader
    newest_in_file = reader.timeline.all(incident_id)[-1].id

    def shown_up_to_file() -> bool:
        return page.model is not None and page.model.newest_id() >= newest_in_file

    caught_up_s = _wait(app, shown_up_to_file, CATCH_UP_LIMIT_S)

    final = "Final check: the window still answers"
    page.note_edit.setFocus()
    QTest.keyClicks(page.note_edit, final)
    QTest.keyClick(page.note_edit, Qt.Key.Key_Return)

    def final_shown() -> bool:
        rows = page.model.rowCount()
        return rows > 0 and page.model.entry_at(rows - 1).text == final

    round_trip_s = _wait(app, final_shown, CATCH_UP_LIMIT_S)
    entries = reader.timeline.all(incident_id)
    checkbacks = sum(1 for e in entries if e.text.startswith("Check-back due:"))
    typed_saved = sum(1 for e in entries if e.text.startswith("Scribe note "))
    report = {
        "python": ".".join(map(str, sys.version_info[:3])),
        "seconds": round(soak_seconds, 1),
        "writer": writer_report,
        "entries_in_file": len(entries),
        "typed": typed,
        "typed_saved": typed_saved,
        "checkbacks_logged": checkbacks,
        "moves": moves,
        "slowest_move_s": slowest,
        "move_problems": move_problems[:10],
        "max_event_loop_gap_s": round(beats["max_gap"], 3),
        "heartbeats": beats["count"],
        "caught_up_s": caught_up_s,
        "typed_round_trip_s": round_trip_s,
        "none_refcount_change": sys.getrefcount(None) - none_before,
        "max_rss_growth_mib": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1),
    }
    problems = []
    expected = int(seconds * rate * 0.9)
    if writer.returncode != 0 or writer_report.get("logged", 0) < expected:
        problems.append(f"the other process logged {writer_report.get('logged')} notes "
                        f"(expected at least {expected}), exit {writer.returncode}")
    if caught_up_s is None:
        problems.append(f"the window had not shown the file's newest entry after {CATCH_UP_LIMIT_S} s")
    if round_trip_s is None:
        problems.append(f"a typed note was not shown within {CATCH_UP_LIMIT_S} s")
    if typed_saved != typed:
        problems.append(f"{typed - typed_saved} of {typed} typed notes never reached the file")
    if checkbacks != 6 and seconds >= 60:
        problems.append(f"{checkbacks} of 6 check-backs were logged")
    if move_problems:
        problems.append(f"{len(move_problems)} of {sum(moves.values())} moves on the board went wrong")
    if seconds >= 60 and not all(moves.values()):
        problems.append(f"moves never made: {', '.join(n for n, c in moves.items() if not c)}")
    if beats["max_gap"] > MAX_STALL_S:
        problems.append(f"the event loop stalled for {beats['max_gap']:.1f} s")
    if sys.version_info < (3, 12) and report["none_refcount_change"] < -100:
        problems.append(f"None lost {-report['none_refcount_change']} references (bindings fault)")
    report["problems"] = problems
    heartbeat.stop()
    window.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=float, default=5.0, help="notes a second from the other process")
    parser.add_argument("--home", type=Path, help="an empty folder for the run (default: a new temporary one)")
    args = parser.parse_args(argv)
    report = run(args.seconds, args.rate, args.home or Path(tempfile.mkdtemp(prefix="soak-")))
    print(json.dumps(report), flush=True)
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
