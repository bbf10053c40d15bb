"""Export everything from the board: every format of `console.exports`, into the exports
folder, without a dialog."""

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from console.domain import Incident
from console.queries import Reader

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


def export_everything(reader: Reader, process: "Process", incident: Incident, folder: Path | None,
                      now: datetime) -> tuple[bool, str, list[Path]]:
    """Write one file per format; a format with nothing to export yet (no meeting: no
    invitation) is left out. Whether every format was written, what was written or why it
    stopped as one line to show, and the files written."""
    from console import exports
    from console.errors import ConsoleError, NothingToExport
    from console.files import write_private
    from console.paths import ensure_private_dir
    from console.security import TITLE_SHOWS, title_shows

    try:
        folder = ensure_private_dir(folder)
        every = exports.every()
    except ConsoleError as exc:
        return False, f"Not exported: {exc}", []
    stem = f"{incident.ref}-{now:%Y%m%d-%H%M%S}"
    written: list[Path] = []
    shows_title = False
    for exporter in every:
        path = folder / f"{stem}{exporter.suffix}"
        try:
            result = exporter.export(reader, incident.id, process=process, now=now)
            write_private(path, result)  # atomic, 0600, only a regular file replaced
        except NothingToExport:
            continue
        except ConsoleError as exc:
            return False, f"Export stopped at {exporter.name}: {exc}", written
        written.append(path)
        shows_title = shows_title or title_shows(incident, result)
    line = f"Exported to {folder}: {', '.join(p.name for p in written)}"
    if shows_title:
        line += f". Careful: {TITLE_SHOWS}"
    from console import chain_seal  # each export that carries the record printed its head

    if chain_seal.notice():
        line += " (the record's head is not signed: no secure keyring)"
    return True, line, written


class _Done(QObject):
    """Brings 'the thread is done' to the thread this object lives in (the window's)."""

    done = Signal()


def ask_keyring_then(work: Callable[[], None], then: Callable[[], None], parent: QObject, *,
                     limit_ms: int, on_limit: Callable[[], None]) -> None:
    """Run `work` (a keyring question, which may take long or never end: a locked keyring with
    nobody to unlock it) on a thread of its own, then `then` on the window's thread - when
    `work` is done, or after `limit_ms` (calling `on_limit` first), whichever comes first.
    `then` runs once, whatever `work` raised."""
    from PySide6.QtCore import QTimer

    relay = _Done(parent)
    called = []

    def finish() -> None:
        if not called:
            called.append(True)
            then()

    def at_limit() -> None:
        if not called:
            on_limit()
            finish()

    relay.done.connect(finish)
    QTimer.singleShot(limit_ms, relay, at_limit)

    def run() -> None:
        try:
            work()
        finally:
            relay.done.emit()

    threading.Thread(target=run, name="keyring", daemon=True).start()
