"""The evidence log of one incident (issue 14), a window of its own (Ctrl+Shift+V from the board,
or with an incident selected in the list): how many pieces of evidence, and each one's hash
prefix, size, who added it, when, and what the newest verify said of its copy.

Its keys are rows of `ui.actions` (Where.EVIDENCE): A adds a file - its path typed in the inline
bar (`PATH`, or `PATH -- NOTE`), or the file dropped on the window; V verifies every kept copy;
E exports them to a folder typed in the bar. Nothing modal: no file chooser.

Copying, hashing and exporting run on a thread of their own (a disk image takes a while), and
only the record goes through the writer thread - so notes typed meanwhile are not held up.
The files stay on this console; in a team the record travels (console/evidence.py).
"""

import os
import threading
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console import evidence, evidence_export, evidence_files, times
from console.clock import Clock
from console.domain import Incident
from console.errors import ConsoleError
from ui import actions, palette
from ui.actions import Where
from ui.board_panels import InlineBar
from ui.row_table import RowTable, row_table_view

STATES = {None: "not verified", evidence.COPY_OK: "verified", evidence.COPY_CHANGED: "COPY CHANGED",
          evidence.COPY_MISSING: "COPY MISSING", evidence.COPY_ELSEWHERE: "on another console"}
ADD_PROMPT = "Add a file (PATH, or PATH -- NOTE):"
EXPORT_PROMPT = "Export to a new or empty folder:"


class EvidenceModel(RowTable):
    COLUMNS = ("Ref", "SHA-256", "Size", "Added by", "When", "Copy", "File")

    def __init__(self, zone: tzinfo | None = None, parent=None) -> None:
        super().__init__(parent)
        self._zone = zone

    def set_items(self, items: list[evidence.Item]) -> None:
        self.replace(items)

    def items(self) -> list[evidence.Item]:
        return self.rows()

    def cell(self, item, index, role):
        when = times.from_text(item.added_at).astimezone(self._zone).strftime("%H:%M:%S") if item.added_at else ""
        values = (item.ref, item.sha256[:16], evidence_files.size_text(item.size), item.added_by, when,
                  STATES[item.state], item.name)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[index.column()]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (f"{item.ref} {item.name}, {values[2]}, added by {item.added_by} at {when}, "
                    f"copy {values[5]}, SHA-256 {item.sha256}")
        if role == Qt.ItemDataRole.ToolTipRole:
            sources = "\n".join(path for path, _ in item.sources)
            return f"SHA-256 {item.sha256}\nAdded {item.added_at} from:\n{sources}"
        if role == Qt.ItemDataRole.ForegroundRole and item.state in (evidence.COPY_CHANGED, evidence.COPY_MISSING):
            return palette.colour("danger")
        return None


class _Relay(QObject):
    """Brings a thread's result to the window's thread."""

    finished = Signal(object, object)  # (then, result)
    failed = Signal(object)  # the problem, one line


class EvidenceWindow(QWidget):
    """One incident's evidence, by keyboard (and drop); `writer` records on the store's thread."""

    def __init__(self, writer, author: str, folder: Path, clock: Clock, zone: tzinfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._writer, self._author, self._folder, self._clock = writer, author, Path(folder), clock
        self._reader = None
        self._process = None  # for a security incident's marking (console.security)
        self.incident: Incident | None = None
        self._mode = "add"
        self._busy = 0
        self.resize(900, 380)
        self.setAcceptDrops(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.model = EvidenceModel(zone, self)
        self.table = row_table_view(self.model, "evidence",
                                    "Evidence: each file kept, its hash, size, who added it and when", self)
        self.bar = InlineBar(ADD_PROMPT, "/path/to/capture.pcap -- from the firewall", self)
        self.message = QLabel(actions.legend(Where.EVIDENCE), self)
        self.message.setObjectName("keysHint")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        self.actions_by_name = {**actions.install(self.table, Where.EVIDENCE, evidence=self),
                                **actions.install_window(self)}
        self.bar.submitted.connect(self._submitted)
        self.bar.cancelled.connect(self.table.setFocus)
        self._relay = _Relay(self)
        self._relay.finished.connect(lambda then, result: then(result))
        self._relay.failed.connect(self._failed)

    # -- what it shows ---------------------------------------------------------------------------

    def load(self, reader, incident: Incident, process=None) -> None:
        self._reader, self.incident, self._process = reader, incident, process
        # The ref only: a security incident's title is for the board alone.
        self.setWindowTitle(f"Evidence {incident.ref} — Incident Console")
        self.reload()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()

    def reload(self) -> None:
        if self._reader is None or self.incident is None:
            return
        items = self._reader.evidence.items(self.incident.id)
        self.model.set_items(items)
        failing = sum(1 for i in items if i.state in (evidence.COPY_CHANGED, evidence.COPY_MISSING))
        count = f"{len(items)} piece{'' if len(items) == 1 else 's'} of evidence" if items else "No evidence yet"
        self.summary.setText(
            f"{self.incident.ref}: {count}" + (f", {failing} FAILED the last verify" if failing else "")
            + f". Copies are kept read-only in {self._folder}; they stay on this console "
            "(in a team the record travels, not the files). Meant for security incidents.")

    # -- the keys (rows of ui.actions) -----------------------------------------------------------

    def start_add(self) -> None:
        self._mode = "add"
        self.bar.open(prompt=ADD_PROMPT)

    def start_export(self) -> None:
        if not self.model.rowCount():
            self.message.setText("Nothing to export yet: add a file first (A).")
            return
        self._mode = "export"
        self.bar.open(prompt=EXPORT_PROMPT)

    def verify(self) -> None:
        if self.incident is None or not self.model.rowCount():
            self.message.setText("Nothing to verify yet: add a file first (A).")
            return
        items, folder, incident_id, author = self.model.items(), self._folder, self.incident.id, self._author

        def record(findings) -> None:
            self._record(lambda s: s.evidence.record_verified(incident_id, findings, by=author), self._verified)

        self._in_background("Verifying every kept copy…", lambda: evidence.check(items, folder), record)

    # -- adding: typed or dropped ----------------------------------------------------------------

    def add_path(self, path: str, note: str | None = None) -> None:
        """Copy `path` into the evidence folder on a thread, then record it."""
        if self.incident is None:
            return
        incident_id, author, folder = self.incident.id, self._author, self._folder

        def record(prepared) -> None:
            self._record(lambda s: s.evidence.record(incident_id, prepared, by=author, note=note), self._added)

        self._in_background(f"Copying {os.path.basename(path)}…", lambda: evidence.prepare(path, folder), record)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        for url in event.mimeData().urls():
            self.add_path(url.toLocalFile())
        event.acceptProposedAction()

    def _submitted(self, text: str) -> None:
        if self._mode == "export":
            self._export(os.path.expanduser(text))
            return
        path, _, note = text.partition(" -- ")
        self.add_path(os.path.expanduser(path.strip()), note.strip() or None)

    def _export(self, to: str) -> None:
        if self.incident is None or self._reader is None:
            return
        incident, author, folder = self.incident, self._author, self._folder
        items, custody = self.model.items(), self._reader.evidence.custody(incident.id)
        now = times.to_text(self._clock.now())
        marking = evidence.marking_of(incident, self._process)

        def record(written) -> None:
            self._record(lambda s: s.evidence.record_exported(incident.id, written, by=author), self._exported,
                         undo=lambda: evidence_export.undo(written))

        self._in_background("Exporting…", lambda: evidence_export.export(incident.ref, items, custody, folder, to,
                                                                          author, now, marking), record)

    # -- the work, off the window's thread -------------------------------------------------------

    def _in_background(self, saying: str, work: Callable, then: Callable) -> None:
        self._busy += 1
        self.message.setText(saying)
        relay = self._relay

        def run() -> None:
            try:
                result = work()
            except ConsoleError as exc:
                self._emit(relay.failed, str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - our bug, still said in one line
                self._emit(relay.failed, f"internal error: {exc!r}")
                return
            self._emit(relay.finished, then, result)

        threading.Thread(target=run, name="evidence").start()

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window is gone: nothing to tell
            pass

    def _record(self, job: Callable, done: Callable, undo: Callable | None = None) -> None:
        """The record, on the writer's thread; its entry then reaches the board like any change."""
        def recorded(result) -> None:
            if getattr(result, "change", None) is not None:
                self._writer.changed.emit(result.change)
            done(result)

        def failed(error: Exception) -> None:
            if undo is not None:
                undo()
            self._failed(str(error))

        self._writer.submit(job, recorded, failed)

    def _finish(self, text: str) -> None:
        self._busy = max(0, self._busy - 1)
        self.reload()
        self.message.setText(f"{text} {actions.legend(Where.EVIDENCE)}")

    def _failed(self, text: str) -> None:
        self._busy = max(0, self._busy - 1)
        if self.bar.isVisible():
            self.bar.message.setText(text)
        self.message.setText(f"Not done: {text}")

    @property
    def busy(self) -> bool:
        """Whether a copy, a verify or an export is still on its way."""
        return self._busy > 0

    def _added(self, added) -> None:
        if self.bar.isVisible() and self._mode == "add":
            self.bar.hide()
            self.table.setFocus()
        again = " (already evidence: one more custody event)" if added.again else ""
        self._finish(f"{added.item.ref} {added.item.name} added, SHA-256 {added.item.sha256[:16]}…{again}.")

    def _verified(self, verified) -> None:
        failed = verified.failed
        originals = [f for f in verified.findings if f.what == "original"]
        said = (f"{len(failed)} kept cop{'y' if len(failed) == 1 else 'ies'} FAILED: "
                + "; ".join(f.line() for f in failed) if failed else "Every kept copy matches.")
        if originals:
            said += f" {len(originals)} original{'' if len(originals) == 1 else 's'} changed or moved (their business)."
        self._finish(said)

    def _exported(self, exported) -> None:
        self.bar.hide()
        self.table.setFocus()
        self._finish(f"Exported to {exported.files[0].parent} with manifest.json and SHA256SUMS.")
