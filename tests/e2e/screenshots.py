"""Screenshots of the board as a person sees it: the installed app on a virtual screen of each
size, in the system's light and dark palette, opened on a mid-incident SEV-2 by keyboard.

    python -m tests.e2e.screenshots docs/screenshots            # every size and theme
    python -m tests.e2e.screenshots OUT --size 683x768 --theme dark

(scripts/screenshots.sh runs the first.) The incident is written with the command line first
(roles with gaps the board warns about, a check-back already overdue, three open tasks,
checklist ticks, a status update and a timeline of every kind the scribe types, one entry
long enough to wrap, two pins, a corrected and a retracted entry); the window fills the screen, as a maximised window does, and half of a
1366-pixel screen is 683 pixels wide. Dark is the system's: Qt's KDE platform theme reads the
desktop's colours from `kdeglobals`, here the dark palette the colours are measured against
(ui/palette.py).
"""

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.e2e.desktop import Desktop, missing
from tests.e2e.driver import App

SIZES = ("1366x768", "683x768", "1920x1080")
THEMES = ("light", "dark")
IC, DEPUTY, SCRIBE, SME = "Ana Alvarez", "Ben Okafor", "Cy Mwangi", "Dee Patel"
TITLE = "Checkout returns 502 errors for EU customers"


def _at(minutes_ago: float) -> str:
    return f"{datetime.now(timezone.utc) - timedelta(minutes=minutes_ago):%Y-%m-%dT%H:%M:%SZ}"


def seed(app: App) -> None:
    """A SEV-2 37 minutes in, written with the command line as a script would."""
    from console.vocabulary import Vocabulary

    app.cli("declare", TITLE, "--sev", "2", "--started", _at(45), "--at", _at(37), "--by", IC)
    for role, person, minutes in (("ic", IC, 36), ("deputy", DEPUTY, 35), ("scribe", SCRIBE, 35)):
        app.cli("role", "INC-1", role, person, "--at", _at(minutes), "--by", IC)
    lines = [
        (33, SME, "f: Error rate on checkout-api at 38% since 13:58, EU only"),
        (31, DEPUTY, "f: Deploy 4121 went out two minutes before the errors began; suspect it"),
        (30, DEPUTY, "/page payments"),
        (25, IC, "d: Roll back deploy 4121 once the order queue is drained -- objections: Dee worried "
                 "that a rollback with orders in flight loses them; agreed to drain the queue first"),
        (20, SME, "f: Replica lag on db-2 is 40 s"),
        (14, SCRIBE, "sys: checkout NORMAL -> DEGRADED"),
        (12, SME, "a: Queue drained; rollback of 4121 started on all twelve hosts"),
        (8, SCRIBE, "Wrong incident: meant for INC-7"),
        (4, SME, "f: Error rate falling: 12%"),
        (2, SCRIBE, "todo: Why did the canary not catch the 502s?"),
    ]
    for minutes, who, line in lines:
        app.cli("log", "INC-1", line, "--at", _at(minutes), "--by", who)
    # Overdue by two minutes, due in three, due in twenty.
    for owner, minutes, text, ago in ((SME, 10, "confirm the rollback finished on all hosts", 12),
                                      (DEPUTY, 15, "check the canary dashboards for 4121", 12),
                                      ("Eve Larsen", 20, "draft the status page post", 0)):
        app.cli("task", "INC-1", owner, str(minutes), text, "--at", _at(ago), "--by", IC)
    steps = [item for item in Vocabulary.default().checklist if item.startswith("ic-during")][:5]
    for item in steps:
        app.cli("check", "INC-1", item, "--by", IC)
    app.cli("update", "INC-1", "responders", "SEV-2, rollback under way, error rate falling; next update in 15 "
            "minutes", "--by", IC)
    # Two pins (the command line's), a correction and a retraction (the window's E and X; here
    # through the core, as the window does).
    def entry_id(text: str) -> int:
        return app.rows("SELECT id FROM entries WHERE text = ?", text)[0][0]

    for text in ("Paged payments", "Why did the canary not catch the 502s?"):
        app.cli("pin", "INC-1", f"E{entry_id(text)}", "--by", SCRIBE)
    from console.clock import SystemClock
    from console.service import IncidentService

    service = IncidentService.open(app.db_path, SystemClock())
    try:
        service.history.revise(1, entry_id("Replica lag on db-2 is 40 s"),
                               "Replica lag on db-2 is 45 s (measured again)", by=SME)
        service.history.retract(1, entry_id("Wrong incident: meant for INC-7"), by=SCRIBE, reason="wrong incident")
    finally:
        service.close()


def dark_kdeglobals(folder: Path) -> Path:
    """A desktop configuration in the dark palette ui/palette.py measures against."""
    from ui.palette import SYSTEM

    def rgb(name: str) -> str:
        colour = SYSTEM["dark"][name].lstrip("#")
        return ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4))

    folder.mkdir(parents=True, exist_ok=True)
    groups = {
        "Colors:Window": {"BackgroundNormal": "window", "ForegroundNormal": "window_text"},
        "Colors:View": {"BackgroundNormal": "base", "BackgroundAlternate": "alternate_base",
                        "ForegroundNormal": "text"},
        "Colors:Button": {"BackgroundNormal": "button", "ForegroundNormal": "button_text"},
        "Colors:Selection": {"BackgroundNormal": "highlight", "ForegroundNormal": "highlighted_text"},
        "Colors:Tooltip": {"BackgroundNormal": "tool_tip_base", "ForegroundNormal": "tool_tip_text"},
    }
    text = "\n".join(f"[{group}]\n" + "".join(f"{key}={rgb(role)}\n" for key, role in keys.items())
                     for group, keys in groups.items())
    (folder / "kdeglobals").write_text(text)
    return folder


def theme_env(theme: str, folder: Path) -> dict[str, str]:
    if theme == "light":
        return {}
    return {"XDG_CURRENT_DESKTOP": "KDE", "KDE_SESSION_VERSION": "5",
            "XDG_CONFIG_HOME": str(dark_kdeglobals(folder / "config"))}


def shoot(seeded_home: Path, out: Path, size: str, theme: str, work: Path) -> Path:
    """One screenshot of the board: a copy of the seeded home, the app on a screen of `size`."""
    width, height = (int(n) for n in size.split("x"))
    home = work / f"home-{size}-{theme}"
    shutil.copytree(seeded_home, home)
    with Desktop(width, height) as desk:
        app = App(desk, home, author=IC, env=theme_env(theme, work / theme))
        try:
            app.start()
            app.resize(width, height)
            app.wait_shows(TITLE)
            app.key("Return")  # the list has the keyboard, on the incident: open it
            app.wait(lambda: "INC-1" in app.title(), 10, "the board")
            app.wait_shows("CHECK BACK NOW")
            time.sleep(0.5)  # the rest of the layout after the alert
            path = app.grab(out / f"board-{size}-{theme}.png")
        finally:
            app.stop()
        problems = app.problems()
        if problems:
            raise RuntimeError(f"the app printed {problems}:\n{app.output()}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", action="append", choices=SIZES)
    parser.add_argument("--theme", action="append", choices=THEMES)
    args = parser.parse_args(argv)
    lacking = missing()
    if lacking:
        print(f"screenshots: needs {', '.join(lacking)}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="ic-shots-"))
    try:
        seeded = work / "seeded"
        with Desktop(640, 480) as desk:  # the command line needs no screen; App wants one
            seed(App(desk, seeded, author=IC))
        for size in args.size or SIZES:
            for theme in args.theme or THEMES:
                print(shoot(seeded, args.out, size, theme, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
