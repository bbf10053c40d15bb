"""The real app on a virtual desktop, driven as a person drives it.

`App` starts the installed `incident-console` command (the one next to this Python, as a user
runs it) on a `Desktop`, presses keys and types with xdotool (real X key events through the
XTEST extension, to the focused window), and reads back three things:
- the window: its title (`xdotool getwindowname`), what it shows (`screen()`, over the
  accessibility bus) and a screenshot (`grab`, scripts/grab_screen.py);
- the database, read-only through the core's Reader (`reader`) or plain SQL (`rows`);
- the process's standard error: a Python traceback there fails the test (`problems`).

Keys are never written here: `press("task")` looks the action up in the one table of keys
(`ui.actions`) and presses its key as xdotool names it.
"""

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.atspi import Accessibility, AccessibilityError, Screen
from tests.e2e.desktop import Desktop, DesktopError

ROOT = Path(__file__).resolve().parents[2]
GRAB = ROOT / "scripts" / "grab_screen.py"
TYPE_DELAY_MS = 4

# Qt's names of keys (QKeySequence's portable text) -> X keysyms as xdotool takes them.
_MODIFIERS = {"Ctrl": "ctrl", "Shift": "shift", "Alt": "alt", "Meta": "super"}
_KEYS = {
    "Esc": "Escape", "Del": "Delete", "Ins": "Insert", "Space": "space", "Backspace": "BackSpace",
    "Return": "Return", "Enter": "Return", "Tab": "Tab", "Backtab": "ISO_Left_Tab",
    "PgUp": "Prior", "PgDown": "Next", "Home": "Home", "End": "End",
    "Left": "Left", "Right": "Right", "Up": "Up", "Down": "Down",
    ".": "period", ",": "comma", "?": "question", "/": "slash", "-": "minus", "=": "equal",
    ";": "semicolon", "'": "apostrophe", "[": "bracketleft", "]": "bracketright", "\\": "backslash",
    "`": "grave", "!": "exclam", "@": "at", "#": "numbersign", "+": "plus",
}


def entry_point() -> Path:
    """The installed command, beside the Python running the tests (.venv or .venv-3.12)."""
    return Path(sys.executable).with_name("incident-console")


def xdotool_key(qt_keys: str) -> str:
    """`Ctrl+Shift+O` -> `ctrl+shift+o`, `Esc` -> `Escape`, `Ctrl+.` -> `ctrl+period`."""
    parts = qt_keys.split("+")
    if qt_keys.endswith("+") and len(parts) > 1:  # Ctrl++
        parts = [*parts[:-2], "+"]
    *modifiers, key = parts
    try:
        names = [_MODIFIERS[m] for m in modifiers]
    except KeyError as exc:
        raise ValueError(f"unknown modifier {exc.args[0]!r} in {qt_keys!r}") from None
    if key in _KEYS:
        keysym = _KEYS[key]
    elif len(key) == 1 and key.isascii() and key.isalnum():
        keysym = key.lower()
    elif key[:1] == "F" and key[1:].isdigit():
        keysym = key
    else:
        raise ValueError(f"no X keysym known for {key!r} in {qt_keys!r}")
    return "+".join([*names, keysym])


def action_key(name: str) -> str:
    """The main key of the action `name` in ui/actions.py, as xdotool names it."""
    from ui import actions

    return xdotool_key(actions.BY_NAME[name].keys[0])


class AppError(AssertionError):
    """The app did not start, or did not show what was waited for."""


class App:
    """One run of `incident-console --home HOME` on `desktop`."""

    def __init__(self, desktop: Desktop, home: Path, *, author: str = "Ana Alvarez",
                 env: dict[str, str] | None = None, accessible: bool = True) -> None:
        self.desktop = desktop
        self.home = home
        self.author = author
        self.extra_env = env or {}
        self.accessible = accessible
        self.proc: subprocess.Popen | None = None
        self.window = ""
        self.log_path = home.parent / f"{home.name}-app.log"
        self._a11y: Accessibility | None = None
        self._reader = None

    # -- starting and stopping ----------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = self.desktop.env()
        env["INCIDENT_CONSOLE_NAME"] = self.author
        env["PYTHONFAULTHANDLER"] = "1"  # a crash in the bindings prints where it happened
        env.pop("INCIDENT_CONSOLE_HOME", None)
        if self.accessible:
            env["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
        env.update(self.extra_env)
        return env

    def cli(self, *args: str) -> str:
        """Run the command line on the same home (seeding a scene; never in a scenario)."""
        done = subprocess.run([str(entry_point()), "--home", str(self.home), *args], env=self.env(),
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise AppError(f"incident-console {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def start(self, timeout: float = 30) -> "App":
        command = entry_point()
        if not command.exists():
            raise AppError(f"{command} is missing: install the project (./dev test does)")
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(command), "--home", str(self.home)], env=self.env(),
                                     stdout=log, stderr=subprocess.STDOUT, cwd=self.home.parent)
        log.close()
        self.window = self._wait_for_window(timeout)
        self.focus()
        # Ready for keys once the writer has opened (and migrated) the file: the window loads
        # the process first, then starts the writer.
        self.wait(lambda: self._migrated(), timeout, "the app to open its database")
        if self.accessible:
            self._a11y = Accessibility(self.desktop.bus_address)
            self.wait(self._on_the_accessibility_bus, timeout, "the window on the accessibility bus")
        return self

    def _on_the_accessibility_bus(self) -> bool:
        try:
            return self.screen().shows(f"Signed in as {self.author}")
        except AccessibilityError:
            return False

    def _wait_for_window(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_running()
            try:
                found = self.desktop.xdotool("search", "--onlyvisible", "--pid", str(self.proc.pid))
            except DesktopError:
                found = ""
            if found:
                return found.splitlines()[0]
            time.sleep(0.1)
        raise AppError(f"no window within {timeout} s\n{self.output()}")

    def _migrated(self) -> bool:
        db = self.db_path
        if not db.exists():
            return False
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'incidents'").fetchone()[0] == 1
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        if self._a11y is not None:
            self._a11y.close()
            self._a11y = None
        if self._reader is not None:
            self._reader._conn.close()
            self._reader = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self, timeout: float = 15) -> int:
        """Close the main window as a person does (the window manager's close: WM_DELETE_WINDOW)
        and wait for the app to end; its exit status."""
        self.desktop.close_window(self.window)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AppError(f"the app was still running {timeout} s after its window was closed") from None

    def geometry(self) -> tuple[int, int, int, int]:
        """The main window's x, y, width and height on the screen."""
        shell = dict(line.split("=", 1) for line in
                     self.desktop.xdotool("getwindowgeometry", "--shell", self.window).splitlines())
        return int(shell["X"]), int(shell["Y"]), int(shell["WIDTH"]), int(shell["HEIGHT"])

    def _check_running(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AppError(f"the app exited with status {self.proc.returncode}\n{self.output()}")

    def output(self) -> str:
        """What the app printed (stdout and stderr), the last 4000 characters."""
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def problems(self) -> list[str]:
        """Tracebacks and fatal messages the app printed."""
        text = self.output()
        return [line for line in text.splitlines() if line.startswith(("Traceback", "Fatal Python error"))]

    # -- keys ----------------------------------------------------------------------------------

    def focus(self) -> None:
        """Give the main window the keyboard (there is no window manager to do it)."""
        self.desktop.xdotool("windowfocus", "--sync", self.window)

    def press(self, action: str, times: int = 1) -> None:
        """Press the key of one action of ui/actions.py (by its name there)."""
        self.key(*[action_key(action)] * times)

    def key(self, *keysyms: str) -> None:
        """Press X keys by keysym (`Return`, `Down`, `ctrl+shift+o`), in order."""
        self._check_running()
        self.desktop.xdotool("key", "--delay", "30", *keysyms)

    def type(self, text: str) -> None:
        """Type text as a person does, key by key."""
        self._check_running()
        self.desktop.xdotool("type", "--delay", str(TYPE_DELAY_MS), "--", text, timeout=60)

    def line(self, text: str) -> None:
        """Type a line into whatever has focus, then Enter."""
        self.type(text)
        self.key("Return")

    # -- what the window shows -----------------------------------------------------------------

    def title(self) -> str:
        return self.desktop.xdotool("getwindowname", self.window)

    def windows(self) -> dict[str, str]:
        """Window id -> title of each of the app's showing windows (the board, the handbook,
        the post-mortem editor...)."""
        try:
            ids = self.desktop.xdotool("search", "--onlyvisible", "--pid", str(self.proc.pid)).splitlines()
        except DesktopError:  # xdotool says nothing matched with a failure status
            return {}
        found = {}
        for i in ids:
            try:
                found[i] = self.desktop.xdotool("getwindowname", i)
            except DesktopError:  # closed between the search and this look (X's BadWindow)
                continue
        return found

    def find_window(self, words: str) -> str:
        """The id of a showing window whose title contains `words`, or ""."""
        return next((i for i, title in self.windows().items() if words in title), "")

    def screen(self) -> Screen:
        """What the app's windows show now, as a screen reader reads it."""
        self._check_running()
        if self._a11y is None:
            raise AppError("started without accessibility")
        return self._a11y.snapshot(self.proc.pid)

    def describe(self) -> str:
        """The screen as read, for a failure's message."""
        try:
            return f"--- the window shows ---\n{self.screen()}"
        except (AppError, AccessibilityError) as exc:
            return f"(the screen could not be read: {exc})"

    def in_view(self, item, view) -> bool:
        """Whether `item` (a node of `screen()`) is drawn wholly inside `view` (its list):
        scrolled into sight, not below or above the visible part."""
        x, y, w, h = self._a11y.extents(item)
        vx, vy, vw, vh = self._a11y.extents(view)
        return vy <= y and y + h <= vy + vh and vx <= x + w and x <= vx + vw

    def wait_shows(self, words: str, timeout: float = 10, role: str | None = None) -> Screen:
        """Wait until some showing widget reads `words`; the screen at that moment."""
        seen: list[Screen] = []

        def shows() -> bool:
            try:
                seen[:] = [self.screen()]
            except AccessibilityError:
                return False
            return seen[0].shows(words, role)

        self.wait(shows, timeout, f"the window to show {words!r}", lambda: str(seen[0]) if seen else "")
        return seen[0]

    def grab(self, path: Path) -> Path:
        """A screenshot of the whole virtual screen, as PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        env = self.desktop.env()
        subprocess.run([sys.executable, str(GRAB), str(path)], env=env, check=True, timeout=30,
                       capture_output=True)
        return path

    def resize(self, width: int, height: int) -> None:
        self.desktop.xdotool("windowsize", "--sync", self.window, str(width), str(height))
        self.desktop.xdotool("windowmove", "--sync", self.window, "0", "0")

    # -- the database --------------------------------------------------------------------------

    @property
    def db_path(self) -> Path:
        from console import paths

        return paths.resolve(self.home).db_path

    @property
    def reader(self):
        """The core's Reader over a read-only connection to the app's file."""
        if self._reader is None:
            from console.queries import Reader
            from console.store import connect

            self._reader = Reader(connect(self.db_path, read_only=True), self.db_path)
        return self._reader

    def rows(self, sql: str, *params) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    # -- waiting -------------------------------------------------------------------------------

    def wait(self, predicate, timeout: float = 10, what: str = "a condition", detail=None):
        """Poll `predicate` until it returns something true; that value. Fails after `timeout`
        seconds saying what was awaited (and `detail()`), or at once if the app died."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_running()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AppError(f"waited {timeout} s for {what}\n{detail() if detail else self.describe()}"
                               f"\n--- app output ---\n{self.output()}")
            time.sleep(0.1)

