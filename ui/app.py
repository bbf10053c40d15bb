"""The composition root: paths -> store -> services -> window, in that order.

Start-up is budgeted: before the first paint we import only PySide6 and the standard
library (the list is read with plain sqlite3). The writer thread opens (and, when a schema
change is pending, migrates with sqlite-utils) the store while the window is already on screen.
"""

import logging
import os
import sys
from pathlib import Path

# The core first: PySide6 reads the source of every module imported after it (to look for
# `from __feature__ import ...`), which the core's dozens of modules need not pay for.
from console import paths as paths_module
from console.clock import Clock, SystemClock
from console.errors import ConsoleError
from console.identity import seat_name
from console.queries import Reader
from console.store import connect, pending_migrations, upgrades

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from ui import palette
from ui.main_window import MainWindow
from ui.preferences import Preferences
from ui.writer import StoreWriter

log = logging.getLogger("incident_console")


def _load_stylesheet() -> str:
    return (paths_module.shipped("resources") / "style.qss").read_text(encoding="utf-8")


def _setup_logging(where: paths_module.Paths) -> None:
    from logging.handlers import RotatingFileHandler

    folder = paths_module.ensure_private_dir(where.log_dir)
    handler = RotatingFileHandler(folder / "console.log", maxBytes=1_000_000, backupCount=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("incident_console")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def build(where: paths_module.Paths, clock: Clock | None = None, author: str | None = None,
          app: QApplication | None = None, process_dir: Path | None = None) -> MainWindow:
    """Build and show the window; the process loads and the store opens right after."""
    clock = clock or SystemClock()
    app = app or QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Incident Console")
    palette.apply(app, _load_stylesheet())
    db_path = where.db_path

    def open_service():  # runs on the writer thread, so its imports stay off the first paint
        from console import damage
        from console.service import IncidentService
        from console.vocabulary import Vocabulary

        # A whole-file quick_check before the file is opened for writing: here, after the first
        # paint, so a large database does not hold the list up (console/damage.py).
        damage.check(db_path)

        # The writer starts once the process has loaded: its roles, kinds and audiences are
        # the ones the store checks against.
        return IncidentService.open(db_path, clock, Vocabulary.from_process(window.process))

    writer = StoreWriter(open_service)
    preferences = Preferences.open(where.config_dir)
    window = MainWindow(writer, clock, author or seat_name(where), exports_dir=where.exports_dir,
                        preferences=preferences, evidence_dir=where.evidence_dir)
    window.witnesses = (where.head_log, where.backup_dir)  # the board's chain check reads them too
    preferences.keep_geometry(window)
    writer.setParent(window)
    recovery = None

    def damaged(message: str) -> None:
        nonlocal recovery
        if recovery is None:
            from ui.recovery import Recovery

            recovery = window.recovery = Recovery(window, where, reopen)
        recovery.show_damaged(message)

    def reopen() -> None:
        # After a restore: read the restored file and open it for writing.
        nonlocal conn
        try:
            conn = connect(db_path, read_only=True)
            window.attach_reader(Reader(conn, db_path))
        except ConsoleError as exc:
            window.show_problem(str(exc))
            return
        writer.reopen()

    writer.damaged.connect(damaged)

    # Show what is already there at once, if the file is at our schema; otherwise wait for
    # the writer to migrate it (or to say why it cannot).
    reader_ready = False
    try:
        conn = connect(db_path, read_only=True)
        pending = pending_migrations(conn, db_path)
        if not pending:
            window.attach_reader(Reader(conn, db_path))
            reader_ready = True
        elif upgrades(pending):
            window.wait_for_upgrade()
    except ConsoleError as exc:
        from console import damage
        from console.damage import DatabaseDamaged

        if not isinstance(exc, DatabaseDamaged) and exc.__cause__ is not None and damage.is_damage(exc.__cause__):
            exc = damage.report(db_path, str(exc.__cause__))  # the list's first read found it
        if isinstance(exc, DatabaseDamaged):
            damaged(str(exc))
        else:
            window.cannot_read(str(exc))
        conn = None

    def on_writer_ready() -> None:
        if not window.reader and conn is not None:
            window.attach_reader(Reader(conn, db_path))

    if not reader_ready:
        writer.ready.connect(on_writer_ready)

    def start_team() -> None:
        # In a team (team.json), follow its server from a thread of its own, with a connection
        # of its own: started once the store is open, which is after the first paint. Solo,
        # this is one stat and nothing of team mode is imported.
        from console.team import config

        if config.joined(where):
            from ui.team_link import TeamLink

            window.team = TeamLink.start_if_joined(window, where, open_service)

    window.team = None
    writer.ready.connect(start_team)

    def start_backups() -> None:
        # The start's backup, then after each resolve and every N minutes of writing, on a
        # thread of their own (ui/backup_keeper.py). Once: the writer is ready again after a restore.
        if window.backup_keeper is not None:
            return
        from console.backups import Policy
        from ui.backup_keeper import BackupKeeper

        keeper = window.backup_keeper = BackupKeeper(db_path, where.backup_dir, window,
                                                     head_log=where.head_log)
        keeper.failed.connect(lambda problem: window.show_problem(f"Backup not made: {problem}"))
        writer.changed.connect(keeper.note)
        keeper.start(Policy.from_process(window.process) if window.process is not None else None)

    writer.ready.connect(start_backups)

    def start_outbox() -> None:
        # Updates and pages go out from a thread of its own (ui/outbox_status.py), started once
        # the store is open - after the first paint; apprise is imported there when one is due.
        from ui.outbox_status import OutboxLink

        window.outbox = OutboxLink(window, open_service, author or seat_name(where))
        window.outbox.start()

    window.outbox = None
    writer.ready.connect(start_outbox)

    def after_first_paint() -> None:
        # The process (YAML) and the writer (its modules, any migrations) are not needed to see
        # the list; on any thread they would compete with the first paint for the GIL.
        from console.process import ProcessError, load_process

        try:
            window.set_process(load_process(process_dir or where.process_dir, where.cache_dir))
        except ProcessError as exc:
            log.error("process definition refused:\n%s", exc)
            window.show_process_problems(exc.problems)
            return
        if conn is not None:
            writer.start()

    _after_first_paint(window, after_first_paint)
    window.show()
    window.list_page.focus_table()
    return window


class _FirstPaint(QObject):
    """Runs a callback once, right after the watched widget's first paint."""

    def __init__(self, callback, parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            callback, self._callback = self._callback, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, callback)
        return False


def _after_first_paint(window: MainWindow, callback) -> None:
    window.installEventFilter(_FirstPaint(callback, window))


def run(where: paths_module.Paths, process_dir: Path | None = None) -> int:
    """Open the window and run until it is closed (or told to stop by a signal)."""
    app = QApplication.instance() or QApplication(sys.argv)
    window = build(where, app=app, process_dir=process_dir)
    stopped, release = _close_on_signals(window)

    def after_paint() -> None:
        _setup_logging(where)
        log.info("window open; data in %s", where.data_dir)

    _after_first_paint(window, after_paint)
    try:
        code = app.exec()
    finally:
        release()
    del window
    return 128 + stopped[0] if stopped and code == 0 else code  # as a shell reports a signal


def _close_on_signals(window: MainWindow):
    """Ctrl+C in the terminal (SIGINT) and a polite kill (SIGTERM, as at logout) close the window
    as its close button does - the writer finishes what it was given, drafts and geometry are
    kept - instead of a KeyboardInterrupt traceback in whatever slot was running while the
    window lived on. Qt's loop runs in C++, where Python's handlers cannot run; the signal's
    byte on a pipe (signal.set_wakeup_fd) wakes the loop so that they run at once.

    Returns a list that gets the signal's number once one came (run's exit status), and what
    to call once the loop has ended (it stops the wakeups and closes the pipe).

    The wakeup channel is a pipe: the socket module a socket pair needs costs ~7 ms of imports
    before the first paint, and a pipe is all signal.set_wakeup_fd needs on POSIX."""
    import signal

    from PySide6.QtCore import QSocketNotifier

    stopped: list[int] = []
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    os.set_blocking(writer, False)
    signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
    notifier = QSocketNotifier(reader, QSocketNotifier.Type.Read, window)

    def drain() -> None:  # Python has run the handler by now; empty the pipe
        try:
            while os.read(reader, 64):
                pass
        except BlockingIOError:
            pass

    def stop(number, _frame) -> None:
        if not stopped:
            stopped.append(number)
            log.info("closing on signal %d", number)
            QTimer.singleShot(0, window.close)

    def release() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(-1)
        os.close(reader)
        os.close(writer)

    notifier.activated.connect(drain)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
    return stopped, release
