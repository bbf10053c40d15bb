"""Drills in the window: the drill bar over the list, the drill clock, the debrief window.

The main window owns one `DrillControls` and calls it from its actions (Ctrl+Shift+D,
Ctrl+Shift+B; ui/actions.py); what a drill is, and what a debrief scores, is the core's
(console/drills.py, console/debrief.py).
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from console.clock import Clock
from console.domain import Change
from ui.drill_clock import DrillClock
from ui.writer import StoreWriter

if TYPE_CHECKING:  # pragma: no cover
    from ui.debrief_window import DebriefWindow
    from ui.drill_bar import DrillBar
    from ui.main_window import MainWindow


class DrillControls(QObject):
    def __init__(self, window: "MainWindow", writer: StoreWriter, clock: Clock, author: str,
                 zone: tzinfo | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._writer = writer
        self._clock = clock
        self._author = author
        self._zone = zone
        self.clock = DrillClock(writer, clock, self)
        self._bar: "DrillBar | None" = None
        self.debrief_window: "DebriefWindow | None" = None

    @property
    def bar(self) -> "DrillBar":
        if self._bar is None:
            from ui.drill_bar import DrillBar

            self._bar = DrillBar(self._window.list_page)
            self._bar.hide()
            self._bar.start_requested.connect(self._start)
            self._window.list_page.layout().insertWidget(0, self._bar)
        return self._bar

    def open_bar(self) -> None:
        if self._window.process is None:
            self._window.statusBar().showMessage("Still loading the process definition…", 3000)
            return
        from console.scenarios import all_scenarios

        bar = self.bar
        bar.set_scenarios(self._replay_of_selected() + all_scenarios(self._window.process))
        bar.open_bar()

    def _replay_of_selected(self) -> list:
        """The incident selected in the list as a scenario to replay (first in the bar), when it
        has anything to replay."""
        from console.errors import ConsoleError
        from console.scenarios import replay

        window = self._window
        current = window.list_page.table.currentIndex()
        if window.reader is None or not current.isValid():
            return []
        incident = window.list_model.incident_at(window.list_page.proxy.mapToSource(current).row())
        try:
            return [replay(window.reader, incident.id)]
        except ConsoleError:  # only the IC's own moves, or the store is away: nothing to offer
            return []

    def _start(self, scenario_id: str, speed: int) -> None:
        scenario = next(s for s in self.bar.model.scenarios() if s.id == scenario_id)
        author = self._author

        def on_done(change: Change) -> None:
            self.bar.close_bar()
            self._window.open_incident(change.incident.id)

        self._writer.submit(lambda service: service.drills.start(scenario, by=author, speed=speed),
                            on_done, lambda error: self.bar.show_error(f"Not started: {error}"))

    def show_debrief(self, incident_id: int) -> None:
        window = self._window
        if window.reader is None or window.process is None:
            return
        if self.debrief_window is None:
            from ui.debrief_window import DebriefWindow

            self.debrief_window = DebriefWindow(self._zone, window)
            self.debrief_window.handbook_requested.connect(window.show_handbook)
            window.preferences.keep_geometry(self.debrief_window, "debrief")
        self.debrief_window.load(window.reader, window.process, incident_id, self._clock)
        self.debrief_window.show()
        self.debrief_window.raise_()
        self.debrief_window.activateWindow()
