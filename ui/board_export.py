"""Export everything from the board: every format of `console.exports`, into the exports
folder, without a dialog."""

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console.domain import Incident
from console.queries import Reader

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


def export_everything(reader: Reader, process: "Process", incident: Incident, folder: Path | None,
                      now: datetime) -> tuple[bool, str]:
    """Write one file per format; a format with nothing to export yet (no meeting: no
    invitation) is left out. Whether every format was written, and what was written or why
    it stopped, as one line to show."""
    from console import exports
    from console.errors import ConsoleError, NothingToExport
    from console.files import write_private
    from console.paths import ensure_private_dir

    try:
        folder = ensure_private_dir(folder)
        every = exports.every()
    except ConsoleError as exc:
        return False, f"Not exported: {exc}"
    stem = f"{incident.ref}-{now:%Y%m%d-%H%M%S}"
    written = []
    for exporter in every:
        path = folder / f"{stem}{exporter.suffix}"
        try:
            result = exporter.export(reader, incident.id, process=process, now=now)
            write_private(path, result)  # atomic, 0600, only a regular file replaced
        except NothingToExport:
            continue
        except ConsoleError as exc:
            return False, f"Export stopped at {exporter.name}: {exc}"
        written.append(path.name)
    line = f"Exported to {folder}: {', '.join(written)}"
    from console import chain_seal  # each export that carries the record printed its head

    if chain_seal.notice():
        line += " (the record's head is not signed: no secure keyring)"
    return True, line
