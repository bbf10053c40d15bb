"""The window's drill clock: while the window is open it writes each drill's injects as they fall due.

Once a second it asks the reader (on this thread, one query) whether any running drill has an
inject due (console/drills.py: `Drill.due`); only then is a write queued on the writer, one per
drill, and the board refreshes from the writer's `changed` signal like after any other write.
Asking first keeps an idle window from queueing a write every second (which would also keep
the writer's idle checkpoint from ever running). Any number of windows, and `incident-console
drill tick`, may run at once: the core writes each inject once.
"""

from PySide6.QtCore import QObject, QTimer

from console.clock import Clock
from console.errors import ConsoleError
from ui.writer import StoreWriter

TICK_MS = 1000


class DrillClock(QObject):
    def __init__(self, writer: StoreWriter, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._clock = clock
        self._reader = None
        self._pending: set[int] = set()  # drills whose write is queued
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.check)

    def start(self, reader) -> None:
        self._reader = reader
        self.timer.start()
        self.check()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> None:
        """Queue a tick for every drill with an inject due now (none already queued)."""
        if self._reader is None or not self._writer.is_ready:
            return
        now = self._clock.now()
        try:
            due = [d.incident_id for d in self._reader.drills.running()
                   if d.due(now) and d.incident_id not in self._pending]
        except ConsoleError:
            return  # the store is away: the banner says so; try again next second
        for incident_id in due:
            self._pending.add(incident_id)
            self._writer.submit(
                lambda service, i=incident_id: next(iter(service.drills.tick(i)), None),
                lambda _change, i=incident_id: self._pending.discard(i),
                lambda _error, i=incident_id: self._pending.discard(i),
            )
