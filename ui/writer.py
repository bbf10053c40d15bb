"""The one writer: store operations run on a worker thread, results come back as signals.

SQLite may make a writer wait (another process holds the lock; the busy timeout can run to
seconds), and that wait must never freeze the window. So every write is a function of the
`IncidentService` that runs, in order, on one worker thread that owns the writer connection.
Its result reaches the GUI thread only after the commit has returned, which is what lets the
window show a note only once it is durable.
"""

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from console.domain import Change
from console.damage import DatabaseDamaged
from console.errors import ConsoleError

if TYPE_CHECKING:  # pragma: no cover - typing only; the service is imported on the worker
    from console.service import IncidentService

log = logging.getLogger("incident_console.writer")

Job = Callable[["IncidentService"], Any]
IDLE_CHECKPOINT_MS = 2000
# A note goes into the search index this long after the writer's last job (a batch when the
# scribe types faster): scored among the others sooner than the checkpoint, which waits longer.
IDLE_INDEX_MS = 250


class _Worker(QObject):
    """Lives on the worker thread; owns the writer connection."""

    ready = Signal()
    open_failed = Signal(str)
    damaged = Signal(str)
    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, open_service: Callable[[], "IncidentService"]) -> None:
        super().__init__()
        self._open_service = open_service
        self._service: "IncidentService | None" = None
        self._idle: QTimer | None = None
        self._index: QTimer | None = None

    @Slot()
    def open(self) -> None:
        try:
            self._service = self._open_service()
            self._service.checkpoint_when_idle()
        except DatabaseDamaged as exc:
            self.damaged.emit(str(exc))
            return
        except ConsoleError as exc:
            self.open_failed.emit(str(exc))
            return
        except Exception as exc:  # our bug: say so loudly, keep the window up
            log.exception("opening the store failed")
            self.open_failed.emit(f"internal error while opening the database: {exc!r}")
            return
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_CHECKPOINT_MS)
        self._idle.timeout.connect(self._checkpoint)
        self._index = QTimer(self)
        self._index.setSingleShot(True)
        self._index.setInterval(IDLE_INDEX_MS)
        self._index.timeout.connect(self._index_for_search)
        self.ready.emit()

    @Slot(int, object)
    def run(self, job_id: int, job: Job) -> None:
        if self._service is None:
            self.failed.emit(job_id, ConsoleError("the database is not open"))
            return
        try:
            result = job(self._service)
        except ConsoleError as exc:
            self.failed.emit(job_id, exc)
            return
        except Exception as exc:
            log.exception("a store operation failed")
            self.failed.emit(job_id, exc)
            return
        self.finished.emit(job_id, result)
        if self._idle is not None:
            self._idle.start()
            self._index.start()

    @Slot()
    def _index_for_search(self) -> None:
        self._when_idle("index_for_search", "indexing for search failed; the next checkpoint tries again")

    @Slot()
    def _checkpoint(self) -> None:
        self._when_idle("checkpoint", "idle checkpoint failed; SQLite will retry on the next one")

    def _when_idle(self, step: str, problem: str) -> None:
        """The service's housekeeping `step` after the last job; a failure is logged, not said:
        nothing the person did is lost, and the next time tries again."""
        try:
            if self._service is not None:
                getattr(self._service, step)()
        except ConsoleError:
            log.warning(problem)

    @Slot()
    def close(self) -> None:
        if self._idle is not None:
            self._idle.stop()
            self._index.stop()
        if self._service is not None:
            try:
                self._service.checkpoint()
            except ConsoleError:
                pass
            self._service.close()
            self._service = None


class StoreWriter(QObject):
    """The GUI thread's handle on the worker.

    Signals:
        ready: the store is open and migrated.
        unavailable(str): the store cannot be opened; the message says why.
        changed(Change): an operation committed; views refresh from this one signal.
    """

    ready = Signal()
    unavailable = Signal(str)
    damaged = Signal(str)  # the file is damaged: not opened for writing (ui/recovery.py)
    changed = Signal(object)
    _submit = Signal(int, object)

    def __init__(self, open_service: Callable[[], "IncidentService"], parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self.is_ready = False
        self._thread = QThread()
        self._thread.setObjectName("store-writer")
        self._worker = _Worker(open_service)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.open)
        self._submit.connect(self._worker.run)
        self._worker.ready.connect(self._on_worker_ready)
        self._worker.open_failed.connect(self.unavailable)
        self._worker.damaged.connect(self.damaged)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)

    def start(self) -> None:
        self._thread.start()

    def reopen(self) -> None:
        """Open the store (again): after a restore replaced a damaged file."""
        if not self._thread.isRunning():
            self._thread.start()
        else:
            QMetaObject.invokeMethod(self._worker, "open", Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        """Queue `job`; jobs run in the order submitted, even before the store is ready."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._submit.emit(job_id, job)
        return job_id

    def busy(self) -> bool:
        """Whether a submitted job has not yet answered (committed or failed)."""
        return bool(self._callbacks)

    def close(self) -> None:
        """Finish queued work, checkpoint, close the connection and stop the thread."""
        if not self._thread.isRunning():
            return
        QMetaObject.invokeMethod(self._worker, "close", Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        self._thread.wait()

    @Slot()
    def _on_worker_ready(self) -> None:
        self.is_ready = True
        self.ready.emit()

    @Slot(int, object)
    def _on_worker_finished(self, job_id: int, result: Any) -> None:
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        if isinstance(result, Change):
            self.changed.emit(result)
        if on_done is not None:
            on_done(result)

    @Slot(int, object)
    def _on_worker_failed(self, job_id: int, error: Exception) -> None:
        _, on_error = self._callbacks.pop(job_id, (None, None))
        if on_error is not None:
            on_error(error)
        else:
            log.error("store operation failed with nobody listening: %s", error)
