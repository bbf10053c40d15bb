"""A screenshot of a drill's debrief window, from the real app on a virtual screen (issue 14).

    python -m tests.e2e.debrief_screenshot docs/screenshots      # debrief-1366x768.png

The drill is run through the core with a clock set to the past (a trainee IC at 10x: command
staff named, one of them late; a task checked back; a decision polled and one not; updates on
cadence; resolved), then the app opens on the list, the drill is selected, and Ctrl+Shift+B
opens its debrief, which is made to fill the screen and grabbed. Needs what
scripts/screenshots.sh needs (xvfb, xdotool, dbus, at-spi2-core).
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

SIZE = (1366, 768)
IC, DEPUTY, SCRIBE, SME = "Ana Alvarez", "Ben Okafor", "Cy Mwangi", "Dee Patel"


class _SetClock:
    def __init__(self, start: datetime) -> None:
        self.start = self.current = start

    def now(self) -> datetime:
        return self.current

    def at(self, seconds: float) -> None:
        self.current = self.start + timedelta(seconds=seconds)


def seed(db_path: Path) -> None:
    """The checkout drill at 10x, started five minutes ago and resolved after four."""
    from console.process import load_process
    from console.scenarios import find
    from console.service import IncidentService

    clock = _SetClock(datetime.now(timezone.utc) - timedelta(minutes=5))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    service = IncidentService.open(db_path, clock)
    try:
        incident = service.drills.start(find(load_process(None), "checkout-failure"), by="Trainer", speed=10).incident
        i = incident.id
        steps = [
            (12, lambda: service.roster.assign(i, "ic", IC, by=IC)),
            (18, lambda: service.roster.assign(i, "deputy", DEPUTY, by=IC)),
            (48, lambda: service.roster.assign(i, "scribe", SCRIBE, by=IC)),
            (55, lambda: service.tasks.add(i, SME, 2, "roll back payment service 4121", by=IC)),
            (70, lambda: service.timeline.log(i, "Roll back 4121 rather than restart every node -- objections: "
                                                 "none strong; Dee notes the rollback takes ten minutes",
                                              by=SCRIBE, kind="decision")),
            (80, lambda: service.updates.send(i, "responders", "SEV-2, card payments failing, rolling back 4121", by=IC)),
            (100, lambda: service.updates.send(i, "customers", "Some card payments are failing; we are working on it",
                                               by=IC)),
            (110, lambda: service.tasks.done(i, 1, by=IC)),
            (160, lambda: service.updates.send(i, "responders", "Rollback half done; failures down to 40%", by=IC)),
            (170, lambda: service.updates.send(i, "executives", "Card checkout degraded since 14:02; rollback under "
                                                                "way; next update in 30 minutes", by=IC)),
            (200, lambda: service.timeline.log(i, "Keep the old version until Monday", by=SCRIBE, kind="decision")),
            (230, lambda: service.updates.send(i, "responders", "Checkout recovered; watching for 10 minutes", by=IC)),
            (240, lambda: service.incidents.set_status(i, "resolved", by=IC)),
        ]
        for seconds, step in steps:
            clock.at(seconds)
            service.drills.tick(i)
            step()
    finally:
        service.close()


def shoot(out: Path, work: Path) -> Path:
    home = work / "home"
    from console import paths

    seed(paths.resolve(home).db_path)
    with Desktop(*SIZE) as desk:
        app = App(desk, home, author=IC)
        try:
            app.start()
            app.resize(*SIZE)
            app.wait_shows("Drill: checkout fails")
            app.key("Down", "Up")  # the list's first row: the drill
            app.press("debrief")
            deadline = time.monotonic() + 15
            while not (debrief := app.find_window("Debrief:")) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not debrief:
                raise RuntimeError(f"no debrief window:\n{app.describe()}")
            desk.xdotool("windowsize", "--sync", debrief, str(SIZE[0]), str(SIZE[1]))
            desk.xdotool("windowmove", "--sync", debrief, "0", "0")
            desk.xdotool("windowfocus", "--sync", debrief)
            time.sleep(0.7)  # laid out again at its new size
            path = app.grab(out / "debrief-1366x768.png")
        finally:
            app.stop()
        problems = app.problems()
        if problems:
            raise RuntimeError(f"the app printed {problems}:\n{app.output()}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    lacking = missing()
    if lacking:
        print(f"debrief screenshot: needs {', '.join(lacking)}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="ic-debrief-"))
    try:
        print(shoot(args.out, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
