"""The window in a team (issue 12, brief T3): a real PostgreSQL, a TCP proxy between Ana's window
and the server, Ben as CLI processes with a home of his own.

The window starts following the server only after its first paint, signs with the name given
at `team join`, shows online / offline, the events waiting and the last problem in its status
bar, shows what Ben writes within a second, keeps acknowledging Ana's notes while the link is
cut, sends them when it heals, and leaves no thread behind when it closes. Solo, none of it
runs. Skipped (saying why) where PostgreSQL's binaries are not installed.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from console import paths, times
from console.clock import SystemClock
from console.team.follower import State
from tests.team import cluster as pg
from tests.team.conftest import ROOT, cli, cluster, proxy, team_db  # noqa: F401 - the team fixtures
from ui import app as ui_app
from ui import palette
from ui.team_status import PROBLEM_WIDTH, SHARE, TeamStatus, headline


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout


def _followers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "team-follower"]


class Ben:
    """Another console: CLI processes over a home of its own, joined straight to the server."""

    def __init__(self, home, url: str) -> None:
        self.home = home
        _ok(self("team", "join", url, "--name", "Ben Okafor"))

    def __call__(self, *argv: str) -> subprocess.CompletedProcess:
        return cli(*argv, home=self.home, env={"INCIDENT_CONSOLE_NAME": ""})  # blocks the event loop

    def has(self, text: str) -> bool:
        conn = sqlite3.connect(f"file:{paths.resolve(self.home).db_path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM entries WHERE text = ?", (text,)).fetchone() is not None
        finally:
            conn.close()


@pytest.fixture
def joined(team_db, proxy, home, tmp_path, monkeypatch):
    """Ana's home joined through the proxy as "Ana Alvarez" (no name in the environment), and Ben."""
    _ok(cli("team", "join", team_db.url(pg.TRUSTED, port=proxy.port), "--name", "Ana Alvarez", home=home))
    monkeypatch.delenv("INCIDENT_CONSOLE_NAME")
    return Ben(tmp_path / "ben", team_db.url(pg.TRUSTED))


@pytest.fixture
def window(qtbot, where, joined):
    win = ui_app.build(where, clock=SystemClock())
    qtbot.addWidget(win)
    yield win
    win.close()


def _shown(page) -> list[str]:
    return [page.model.entry_at(r).text for r in range(page.model.rowCount())]


def test_the_window_follows_its_team_live_offline_and_back(qtbot, window, joined, proxy, team_db):
    ben = joined
    assert window.statusBar().currentMessage() == "Signed in as Ana Alvarez"  # the name given at join
    qtbot.waitUntil(lambda: window.team is not None, timeout=10000)
    status = window.team.indicator
    assert status.isVisible() and status.label.text() in ("Team: connecting…", "Team: online")
    qtbot.waitUntil(lambda: status.label.text() == "Team: online", timeout=15000)
    assert status.dot.colour_name == "accent" and not status.problem.isVisible()
    assert window.team.running() and len(_followers()) == 1

    # Ben declares and writes from his own process; Ana's list, then her board, show it live.
    _ok(ben("declare", "Checkout down", "--sev", "2"))  # NEW-1 until the server numbers it
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 1, timeout=5000)
    assert window.list_model.incident_at(0).ref == "INC-1"
    table = window.list_page.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    page = window.incident_page
    written: dict[str, datetime] = {}  # when the board got each row (its model's signals)

    def look(*_) -> None:
        for text in set(_shown(page)) - set(written):
            written[text] = datetime.now(timezone.utc)

    for signal in (page.model.rowsInserted, page.model.modelReset):
        signal.connect(look)
    look()
    for n in range(5):
        text = f"replicas lagging {n}"
        # committed in Ben's file, then pushed; the event loop runs meanwhile
        writing = subprocess.Popen([sys.executable, "-m", "console", "log", "INC-1", text], cwd=ROOT,
                                   stdout=subprocess.DEVNULL,
                                   env={**_env(ben.home), "INCIDENT_CONSOLE_NAME": ""})
        qtbot.waitUntil(lambda: text in written and writing.poll() is not None, timeout=10000)
        assert writing.returncode == 0
    written = {text: at for text, at in written.items() if text.startswith("replicas lagging")}
    entries = {page.model.entry_at(r).text: page.model.entry_at(r) for r in range(page.model.rowCount())}
    assert {entries[text].author for text in written} == {"Ben Okafor"}
    # From Ben's op reaching the server (its received_at) to Ana's board: her follower's part.
    received = dict(line.split("|") for line in team_db.sql(
        "SELECT body, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
        "FROM ops WHERE verb = 'entry.log'").splitlines())
    arrived = {text: times.from_text(next(at for body, at in received.items() if json.dumps(text) in body))
               for text in written}
    to_window = [(written[t] - arrived[t]).total_seconds() for t in written]
    end_to_end = [(written[t] - times.from_text(entries[t].recorded_at)).total_seconds() for t in written]
    print(f"\nBen's CLI write to Ana's board: {', '.join(f'{d * 1000:.0f}' for d in end_to_end)} ms; "
          f"from the server: {', '.join(f'{d * 1000:.0f}' for d in to_window)} ms")
    assert max(to_window) < 1.0  # tests/bench/team_live.py measures the p50 and p99 of both

    # The link is cut: offline, with the reason; Ana's notes are still acknowledged here and wait.
    proxy.cut()
    qtbot.waitUntil(lambda: status.label.text().startswith("Team: offline"), timeout=15000)
    assert status.dot.colour_name == "warning"
    assert status.problem.isVisible() and "team server" in status.problem.text()
    for n in range(3):
        qtbot.keyClicks(page.note_edit, f"written apart {n}")
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: f"written apart {n}" in _shown(page), timeout=5000)  # acknowledged
    qtbot.waitUntil(lambda: status.label.text() == "Team: offline · 3 waiting to send", timeout=10000)
    assert "Last problem: " in status.toolTip() and status.accessibleName() == status.label.text()
    assert next(page.model.entry_at(r) for r in range(page.model.rowCount())
                if page.model.entry_at(r).text == "written apart 0").author == "Ana Alvarez"
    _ok(ben("team", "sync"))
    assert not ben.has("written apart 0")

    # Healed: back online by itself, the count drains, and Ben gets the notes.
    proxy.heal()
    qtbot.waitUntil(lambda: status.label.text() == "Team: online", timeout=35000)  # its back-off: <= 30 s
    assert not status.problem.isVisible() and status.dot.colour_name == "accent"
    _ok(ben("team", "sync"))
    assert all(ben.has(f"written apart {n}") for n in range(3))

    # Closing the window stops the follower: no thread is left.
    link = window.team
    window.close()
    assert not link.running() and _followers() == []


def test_closing_in_the_middle_of_a_catch_up_stops_at_the_next_batch(qtbot, team_db, where, tmp_path):
    """5,000 notes wait on the server; the window is closed while its follower applies them: it
    stops after the batch under way (console/team/exchange.py's `stop`), not after them all."""
    from console.service import IncidentService
    from console.team.exchange import push_all

    url = team_db.url(pg.TRUSTED)
    _ok(cli("team", "join", url, "--name", "Ana", home=where.home))  # before the backlog: join syncs
    maker = IncidentService.open(tmp_path / "maker.sqlite3", SystemClock())
    maker.sync.join(url)
    incident = maker.incidents.declare("Backlog", by="Ben").incident.id
    for batch in range(5):
        with maker.ledger.writing():  # one commit per thousand notes: only to be quick
            for n in range(1000):
                maker.timeline.log(incident, f"backlog {batch}.{n}", by="Ben")
    with team_db.connect(pg.TRUSTED, password=None) as server:
        push_all(maker, server)
    maker.close()

    def applied() -> int:
        conn = sqlite3.connect(f"file:{where.db_path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        finally:
            conn.close()

    before = applied()
    win = ui_app.build(where, clock=SystemClock(), author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: applied() > before, timeout=30000)  # a first batch is in
    link = win.team
    started = time.monotonic()
    win.close()
    took = time.monotonic() - started
    assert not link.running() and _followers() == []
    assert applied() < before + 5001  # stopped part-way ...
    assert took < 3.0, took  # ... at the end of a batch of 500, not of the 5,000


def test_solo_the_window_starts_nothing_of_team_mode(qtbot, where, clock):
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready, timeout=5000)
    qtbot.wait(200)
    assert win.team is None and _followers() == []
    assert win.statusBar().findChild(TeamStatus) is None
    win.close()


def test_a_spoiled_team_file_leaves_the_window_solo_and_says_why(qtbot, where, clock):
    where.config_dir.mkdir(parents=True, exist_ok=True)
    (where.config_dir / "team.json").write_text("{not json", encoding="utf-8")
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready, timeout=5000)
    qtbot.waitUntil(lambda: win.statusBar().currentMessage().startswith("Team mode is off: "))
    assert "not a team file this console wrote" in win.statusBar().currentMessage()
    assert win.team is None and _followers() == []
    win.close()


def test_the_indicator_says_each_state_in_words_and_colour(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.statusBar().showMessage("Signed in as Ana Alvarez")
    status = TeamStatus("postgresql://console@db.internal/incidents")
    window.statusBar().addPermanentWidget(status)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert (status.label.text(), status.dot.colour_name) == ("Team: connecting…", "muted")
    status.show_state(State(True, 0, None, "2026-03-29T14:00:00Z"))
    assert (status.label.text(), status.dot.colour_name) == ("Team: online", "accent")
    assert "Last in step: 2026-03-29T14:00:00Z" in status.toolTip()
    status.show_state(State(True, 2, None, None))
    assert status.label.text() == "Team: online · 2 to send"
    problem = "team server db.internal unreachable: " + "connection timed out " * 20
    status.show_state(State(False, 1, problem.strip(), None))
    assert (status.label.text(), status.dot.colour_name) == ("Team: offline · 1 waiting to send", "warning")
    qtbot.waitUntil(lambda: status.problem.text().endswith("…"))  # cut to the indicator's width ...
    assert status.problem.text().startswith("· team server db.internal unreachable")
    assert status.problem.width() <= PROBLEM_WIDTH
    assert problem.strip() in status.toolTip() and "1 event written here" in status.toolTip()  # ... whole here
    assert headline(State(False, 2, None, None)) == "Team: offline · 2 waiting to send"
    # Online, but this computer's clock is off the server's: said in words, the dot a warning.
    clock = "this computer's clock is 2h 03m ahead of the team server's: the times it records are off"
    status.show_state(State(True, 0, None, None, clock))
    assert (status.label.text(), status.dot.colour_name) == ("Team: online", "warning")
    assert status.problem.isVisible() and status.problem.full == f"· {clock}"
    assert f"Clock: {clock}" in status.toolTip()
    # In a narrow window the indicator takes at most SHARE of the width: the message keeps room.
    window.resize(680, 740)
    qtbot.waitUntil(lambda: status.width() <= 680 * SHARE)
    assert status.label.width() >= status.label.sizeHint().width()  # the state itself is never cut
    assert status.problem.text().endswith("…") and status.problem.isVisible()
    # the dot's colours are the palette's marks, readable on the window's background
    for name in ("accent", "warning"):
        assert any(pair.colour == name and "window" in pair.on for pair in palette.PAIRS)


EXIT_SCRIPT = """
import sys, threading, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from console import paths
from ui import app as ui_app

class FirstPaint(QObject):
    team = None
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and self.team is None:
            self.team = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "keyring")
                               or m.startswith(("console.team.", "ui.team")) and m != "console.team.config")
        return False

app = QApplication(sys.argv)
paint = FirstPaint()
window = ui_app.build(paths.resolve())
window.installEventFilter(paint)
deadline = time.monotonic() + 30
while (window.team is None or window.team.indicator.label.text() != "Team: online") and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
print(paint.team, flush=True)
print(window.team.indicator.label.text(), flush=True)
window.close()
app.processEvents()
print(sorted(t.name for t in threading.enumerate()), flush=True)
"""


def test_the_real_process_exits_cleanly_after_following(team_db, home):
    """In a process of its own, as a person runs it: nothing of team mode imported by the first
    paint (no psycopg, no keyring), online, closed, exit 0, nothing on stderr (no thread left,
    no abort, no Qt warning)."""
    _ok(cli("team", "join", team_db.url(pg.TRUSTED), "--name", "Ana Alvarez", home=home))
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**_env(home), "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[]"  # at the first paint
    assert lines[1] == "Team: online"
    assert json.loads(lines[2].replace("'", '"')) == ["MainThread"]
    noise = "This plugin does not support propagateSizeHints()"  # the offscreen platform's
    assert [line for line in done.stderr.splitlines() if line != noise] == []


def _env(home) -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBUS_"))},
            "INCIDENT_CONSOLE_HOME": str(home)}
