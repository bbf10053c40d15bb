"""A damaged database in the window: the banner says so, and one key restores the newest good
backup (console/restore.py) without leaving the window.

The damage is found at the first read (the list) or by the writer's `quick_check` after the
first paint (console/damage.py); either way the store is not opened for writing. The key
(`restore_backup` in ui/actions.py) closes the window's reading connection, restores on a
thread of its own (a copy and a check of the whole file: never on the GUI thread), then opens
the restored file: the list shows it and the writer opens it. Nothing is modal.
"""

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from console import backups
from console.errors import ConsoleError
from console.paths import Paths



def _key() -> str:
    """The restore key as the action table declares it (said in the banner)."""
    from ui.actions import ACTIONS

    return next(row.keys[0] for row in ACTIONS if row.name == "restore_backup")


class Recovery(QObject):
    _finished = Signal(object, str)

    def __init__(self, window, where: Paths, reopen) -> None:
        super().__init__(window)
        self._window, self._where, self._reopen = window, where, reopen
        self.damaged = False
        self._thread: threading.Thread | None = None
        self._finished.connect(self._on_finished)

    def show_damaged(self, message: str) -> None:
        """The one line about the damage, with the key that restores the backup it names."""
        self.damaged = True
        self._writing(False)  # nothing is declared or typed into a file that is not open
        good = backups.newest_good(self._where.backup_dir)
        hint = f" Press {_key()} to restore that backup here." if good is not None else ""
        self._window.show_problem(message + "." + hint)
        if self._window.reader is None:
            self._window.list_page.show_unread("The incidents cannot be shown: the database is "
                                               "damaged (the message above says what to do).")

    def restore(self) -> None:
        window = self._window
        if not self.damaged:
            window.statusBar().showMessage("The database is not damaged; there is nothing to restore.", 5000)
            return
        if self._thread is not None:
            return
        good = backups.newest_good(self._where.backup_dir)
        if good is None:
            window.show_problem(f"There is no verified backup in {self._where.backup_dir} to restore.")
            return
        window.detach_reader()
        window.show_problem(f"Restoring {good.path} …")
        self._thread = threading.Thread(target=self._work, args=(good.path,), name="restore")
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _work(self, path: Path) -> None:
        from console import restore

        try:
            done = restore.restore(path, self._where.db_path, self._where.backup_dir)
            from console import heads  # heads written down before were the damaged database's

            heads.HeadLog(self._where.head_log).restored(str(done.source), ask_keyring=False)
        except ConsoleError as exc:
            self._finished.emit(None, str(exc))
        except Exception as exc:  # noqa: BLE001 - our bug, still one line in the banner
            self._finished.emit(None, f"internal error while restoring: {exc!r}")
        else:
            self._finished.emit(done, "")

    def _on_finished(self, done, problem: str) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if done is None:
            self._window.show_problem(f"Not restored: {problem}")
            return
        self.damaged = False
        kept = f" The damaged file is kept at {done.kept}." if done.kept else ""
        self._window.banner.hide()  # a confirmation, not a problem: the status bar says it
        self._window.statusBar().showMessage(f"Restored {done.source.name}: {done.checked.incidents} "
                                             f"incident(s), {done.checked.entries} entries.{kept}")
        self._writing(True)
        self._reopen()

    def _writing(self, enabled: bool) -> None:
        for name in ("declare", "focus_note"):
            self._window.actions_by_name[name].setEnabled(enabled)
