"""What a person does on the board, pressed as real keys, each move ending where it began.

    python -m tests.soak.moves --rounds 3     # every move 3 times on a live incident, then exit

`Board(window, incident_id)` drives one window's board. Its moves press the keys of the one
table of actions (`ui.actions`; no key is written here), type with real key events and wait
for what the window must show; each returns None when the board did what it should, else one
line saying what it did not. Every move ends on `incident_id`'s board, wide, nothing open over
it, the keyboard in the note box:

- find: Ctrl+F, a search, Down into the results, Esc: the find bar closes, the timeline is back;
- jump: find across all incidents, Enter on a hit in another incident: that board opens;
- palette, composer, close_out: each opens and Esc closes it and nothing more;
- declare: back to the list, Ctrl+N, a title, Enter: the new incident's board opens;
- narrow: the window at 680x740 (the board beside a video call), F6 through every panel, each
  one's tab coming up, then wide again;
- read: a screen reader reads the window (Qt's accessibility on; the tree walked as AT-SPI does,
  and the items it read last time asked for again, as a screen reader holding on to them does).

The soak (`tests.soak.window`) runs them between the scribe's notes for as long as it lasts;
run as a program, this runs each move `--rounds` times while another process logs 20 notes a
second, closes the window and exits 0, printing one JSON report. A crash in the bindings or Qt
ends the process with a signal instead (tests/ui/test_crash_board.py).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt  # noqa: E402
from PySide6.QtGui import QAccessible, QKeySequence  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui import actions  # noqa: E402

NARROW = (680, 740)  # a half screen beside the call (tests/e2e/test_narrow.py)
WIDE = (1366, 768)
WAIT_S = 10  # for what a move must show
READ_MAX_NODES = 3000  # a screen reader's walk of the window stops here
READ_MAX_CHILDREN = 400  # and reads at most this many items of one list (tests/e2e/atspi.py)
OTHER_TITLE = "Checkout latency in US-East"
OTHER_WORD = "replica"  # in the other incident's notes only: a find across incidents lands there


def wait(predicate, limit_s: float = WAIT_S) -> bool:
    """Process events until `predicate()` holds; whether it did within `limit_s`."""
    timer = QElapsedTimer()
    timer.start()
    while not predicate():
        if timer.elapsed() > limit_s * 1000:
            return False
        QTest.qWait(10)
    return True


def seed_other(service, by: str) -> int:
    """The other incident a find across incidents jumps to: a few notes naming OTHER_WORD."""
    other = service.incidents.declare(OTHER_TITLE, by=by, severity=3).incident.id
    for n in range(3):
        service.timeline.log(other, f"Read {OTHER_WORD} {n + 1} lags the primary by 40 s", by=by)
    return other


class Board:
    """The moves on `window`'s board for `incident_id` (see the module docstring)."""

    MOVES = ("find", "jump", "palette", "composer", "close_out", "declare", "narrow", "read")

    def __init__(self, window, incident_id: int, *, screen_reader: bool = True) -> None:
        self.window = window
        self.incident_id = incident_id
        self.declared = 0
        self._read_ids: list[int] = []
        if screen_reader:
            QAccessible.setActive(True)  # as when a screen reader is running
        self.home()

    @property
    def page(self):
        return self.window.incident_page

    # -- keys ---------------------------------------------------------------------------------

    def press(self, name: str) -> None:
        """The main key of action `name` of the table, pressed where the keyboard is."""
        combination = QKeySequence(actions.BY_NAME[name].keys[0])[0]
        self.key(combination.key(), combination.keyboardModifiers())

    def key(self, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(QApplication.focusWidget() or self.window, key, modifiers)

    def type(self, text: str) -> None:
        QTest.keyClicks(QApplication.focusWidget() or self.window, text)

    # -- where every move starts and ends -----------------------------------------------------------

    def home(self) -> str | None:
        """On the incident's board, wide, nothing open over it, the keyboard in the note box."""
        window = self.window
        if window.size().width() < WIDE[0]:
            window.resize(*WIDE)
        if window.incident_page is None or window.stack.currentWidget() is not window.incident_page \
                or window.incident_page.incident.id != self.incident_id:
            window.open_incident(self.incident_id)  # what Enter on the list does
        window.activateWindow()
        page = self.page
        if not wait(lambda: window.isActiveWindow() and not page.narrow and page.incident.id == self.incident_id):
            return "the board did not come back wide and active"
        page.focus_note()
        return None if wait(page.note_edit.hasFocus) else "the note box did not take the keyboard"

    def run(self, name: str) -> str | None:
        """One move, then home again; what went wrong, if anything."""
        problem = getattr(self, name)()
        back = self.home()
        return f"{name}: {problem}" if problem else (f"{name}, then: {back}" if back else None)

    # -- the moves ------------------------------------------------------------------------------------

    def find(self) -> str | None:
        page = self.page
        self.press("find")
        if not wait(lambda: page.finder.isVisible() and page.finder.edit.hasFocus()):
            return "Ctrl+F did not open the find bar"
        self.type("Soak note")
        if not wait(lambda: page.finder.results.isVisible() and page.finder.model.rowCount() > 0):
            return "no results for a word in the timeline"
        self.key(Qt.Key.Key_Down)
        if not wait(page.finder.results.hasFocus):
            return "Down did not reach the results"
        self.key(Qt.Key.Key_Escape)
        if not wait(lambda: not page.finder.isVisible() and page.timeline.isVisible()
                    and not page.finder.results.isVisible()):
            return "Esc did not close the find bar and bring the timeline back"
        return None

    def jump(self) -> str | None:
        page = self.page
        self.press("find")
        if not wait(page.finder.edit.hasFocus):
            return "Ctrl+F did not open the find bar"
        page.finder.everywhere.setChecked(True)
        page.finder.edit.setFocus()
        self.type(OTHER_WORD)
        if not wait(lambda: page.finder.model.rowCount() > 0 and page.finder.results.isVisible()):
            return f"no results for {OTHER_WORD!r} across incidents"
        self.key(Qt.Key.Key_Return)
        if not wait(lambda: page.incident.id != self.incident_id and not page.finder.isVisible()):
            return "Enter on a hit in another incident did not open its board"
        page.finder.everywhere.setChecked(False)
        return None

    def _opens_and_esc_closes(self, name: str, shown) -> str | None:
        self.press(name)
        if not wait(shown):
            return f"{actions.keys_of(name)} did not open it"
        self.key(Qt.Key.Key_Escape)
        if not wait(lambda: not shown()):
            return "Esc did not close it"
        if self.window.stack.currentWidget() is not self.page:
            return "Esc left the board"
        return None

    def palette(self) -> str | None:
        return self._opens_and_esc_closes("palette", self.page.palette.isVisible)

    def composer(self) -> str | None:
        return self._opens_and_esc_closes("update", self.page.composer.isVisible)

    def close_out(self) -> str | None:
        return self._opens_and_esc_closes("close", self.page.closing_bar.isVisible)

    def declare(self) -> str | None:
        window = self.window
        self.press("back")
        if not wait(lambda: window.stack.currentWidget() is window.list_page):
            return "Esc did not go back to the list"
        self.press("declare")
        bar = window.list_page.declare_bar
        if not wait(bar.title_edit.hasFocus):
            return "Ctrl+N did not open the declare bar"
        self.declared += 1
        title = f"Soak declared {self.declared}: search results empty"
        self.type(title)
        self.key(Qt.Key.Key_Return)
        if not wait(lambda: window.stack.currentWidget() is window.incident_page
                    and window.incident_page.incident.title == title):
            return "the new incident's board did not open"
        return None

    def narrow(self) -> str | None:
        window, page = self.window, self.page
        window.resize(*NARROW)
        if not wait(lambda: page.narrow):
            return f"the board did not go narrow at {NARROW[0]}x{NARROW[1]}"
        for _ in range(len(page.focus_chain())):
            self.press("next_panel")
            if not wait(lambda: (w := QApplication.focusWidget()) is not None and w.isVisible()):
                return "F6 left the keyboard on a panel whose tab is not showing"
        window.resize(*WIDE)
        return None if wait(lambda: not page.narrow) else "the board did not go wide again"

    def read(self) -> str | None:
        """Read the window as a screen reader does: the items read last time asked for again
        (their ids, which may be gone by now), then the showing tree walked afresh."""
        for uid in self._read_ids:
            item = QAccessible.accessibleInterface(uid)
            if item is not None and item.isValid():
                item.text(QAccessible.Text.Name)
                item.state()
                item.rect()
        self._read_ids = []
        pending = [QAccessible.queryAccessibleInterface(self.window)]
        while pending and len(self._read_ids) < READ_MAX_NODES:
            item = pending.pop()
            if item is None or not item.isValid():
                continue
            self._read_ids.append(QAccessible.uniqueId(item))
            item.role()
            item.text(QAccessible.Text.Name)
            item.rect()
            parent = item.parent()
            if parent is not None and parent.isValid():
                parent.indexOfChild(item)
            if (text := item.textInterface()) is not None:
                text.text(0, text.characterCount())
            if item.state().invisible:
                continue
            pending += [item.child(i) for i in range(min(item.childCount(), READ_MAX_CHILDREN))]
        return None if self._read_ids else "nothing of the window could be read"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="how many times each move is made")
    parser.add_argument("--rate", type=float, default=20.0, help="notes a second from the other process")
    parser.add_argument("--home", type=Path, help="an empty folder for the run (default: a new temporary one)")
    args = parser.parse_args(argv)

    from console import paths
    from console.clock import SystemClock
    from console.service import IncidentService
    from ui import app as ui_app

    home = args.home or Path(tempfile.mkdtemp(prefix="moves-"))
    where = paths.resolve(home)
    service = IncidentService.open(where.db_path, SystemClock())
    try:
        incident_id = service.incidents.declare("Payments API failing for EU customers", by="Ana",
                                                severity=1).incident.id
        service.timeline.log(incident_id, "Soak note 0 from the liaison's script", by="Liaison script")
        seed_other(service, "Ana")
    finally:
        service.close()
    app = QApplication.instance() or QApplication([])
    window = ui_app.build(where, author="Sam", app=app)
    if not wait(lambda: window.writer.is_ready and window.process is not None, 30):
        print(json.dumps({"problems": ["the window never opened its store"]}), flush=True)
        return 1
    board = Board(window, incident_id)
    # Enough notes from the other process to last the run; stopped when the moves are done.
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.soak._writer", "--home", str(home), "--incident", str(incident_id),
         "--rate", str(args.rate), "--seconds", str(3600)],
        stdout=subprocess.DEVNULL,
    )
    problems: list[str] = []
    done = dict.fromkeys(Board.MOVES, 0)
    start = time.monotonic()
    try:
        for _ in range(args.rounds):
            for name in Board.MOVES:
                problem = board.run(name)
                if problem:
                    problems.append(problem)
                done[name] += 1
    finally:
        writer.terminate()
        writer.wait(10)
    seconds = round(time.monotonic() - start, 1)
    window.close()
    print(json.dumps({"moves": done, "seconds": seconds, "problems": problems}), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
