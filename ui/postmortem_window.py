"""The post-mortem editor: Markdown on the left, the rendered page on the right, and the
post-mortem rules (blameless wording, parts not filled in yet) running as you type.

Each finding is underlined in the text; hovering it shows the rule's message and suggestion;
the panel below lists them all (Enter jumps to one, F1 opens the rule's handbook page). Ctrl+S
keeps a new version (every save is kept); the status moves along the process's flow. Tab and
Shift+Tab move between the fields (the editor takes no tab characters), Ctrl+W closes the
window, and the preview follows the editor: it is drawn again a moment after typing stops, and
scrolled to the section the cursor is in, as far down it as the cursor is.
"""

import re


from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView, QPlainTextEdit, QPushButton,
    QSplitter, QTextBrowser, QTextEdit, QToolTip, QVBoxLayout, QWidget,
)

from ui import actions, palette
from ui.actions import Where
from ui.text_positions import Positions

LINT_PAUSE_MS = 250
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def section_at(markdown: str, position: int) -> tuple[int, float]:
    """Where `position` lies in the Markdown: the index of the heading it is under (-1 above
    the first) and how far through that section it is (0.0 at the heading, towards 1.0 at
    the next). Headings inside code fences do not count, as a Markdown reader sees it."""
    starts: list[int] = []
    offset, fenced = 0, False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _HEADING.match(line):
            starts.append(offset)
        offset += len(line)
    index = sum(1 for start in starts if start <= position) - 1
    begin = starts[index] if index >= 0 else 0
    end = starts[index + 1] if index + 1 < len(starts) else max(len(markdown), begin + 1)
    return index, min(1.0, max(0.0, (position - begin) / max(1, end - begin)))


class MarkdownEditor(QPlainTextEdit):
    """A plain-text editor that knows where the findings are, for hover tooltips."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.findings: list = []

    def finding_at(self, position: int):
        """The finding at a document position (a QTextCursor's)."""
        offset = Positions(self.toPlainText()).in_text(position)
        return next((f for f in self.findings if f.start <= offset < f.end), None)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        cursor = self.cursorForPosition(event.position().toPoint())
        finding = self.finding_at(cursor.position())
        if finding is not None:
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{finding.rule}: {finding.message}\nTry: {finding.suggestion}", self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


class PostmortemWindow(QWidget):
    """Signals: handbook_requested(str), saved(int) (the version id)."""

    handbook_requested = Signal(str)
    saved = Signal(int)

    def __init__(self, process, writer, reader, incident, author: str, text: str,
                 roster: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"Post-mortem: {incident.ref} {incident.shown_title} — Incident Console")
        self.resize(1280, 760)
        self.process, self.writer, self.reader = process, writer, reader
        self.incident, self.author, self.roster = incident, author, roster
        self.editor = MarkdownEditor(self)
        self.editor.setObjectName("postmortemEditor")
        self.editor.setAccessibleName("Post-mortem text")
        self.editor.setTabChangesFocus(True)  # Tab moves on, as everywhere else in the console
        self.editor.setPlainText(text)
        self.preview = QTextBrowser(self)
        self.preview.setObjectName("postmortemPreview")
        self.preview.setAccessibleName("Preview")
        self.findings_model = QStringListModel(self)
        self.findings_view = QListView(self)
        self.findings_view.setObjectName("lintFindings")
        self.findings_view.setAccessibleName("Language findings")
        self.findings_view.setModel(self.findings_model)
        self.summary = QLabel(self)
        self.status_box = QComboBox(self)
        self.status_box.setAccessibleName("Post-mortem status")
        for status in process.items("statuses"):
            self.status_box.addItem(status["label"], status["id"])
        record = reader.postmortem.record(incident.id)
        current = record.status if record else "draft"
        self.status_box.setCurrentIndex(max(0, self.status_box.findData(current)))
        self._status = current
        self.save_button = QPushButton(f"Save version ({actions.keys_of('postmortem_save')})", self)
        self.message = QLabel(self)
        self.message.setObjectName("formMessage")
        self.meeting_edit = QLineEdit(self)
        self.meeting_edit.setAccessibleName("Meeting time")
        self.meeting_edit.setPlaceholderText("meeting, e.g. 2026-04-02T10:00Z (Enter)")
        self.recording_edit = QLineEdit(self)
        self.recording_edit.setAccessibleName("Call recording link")
        self.recording_edit.setPlaceholderText("call recording link (Enter)")
        if record is not None:
            self.meeting_edit.setText(record.meeting_at or "")
            self.recording_edit.setText(record.recording or "")
        self.all_entries = QCheckBox("all entries", self)
        self.all_entries.setToolTip("The timeline table with every entry, not only the pinned ones")
        self.regenerate_button = QPushButton("Fresh draft from the record", self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Status:", self))
        top.addWidget(self.status_box)
        top.addWidget(self.save_button)
        top.addWidget(self.meeting_edit)
        top.addWidget(self.recording_edit)
        top.addWidget(self.regenerate_button)
        top.addWidget(self.all_entries)
        top.addWidget(self.message, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setSizes([640, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.findings_view, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LINT_PAUSE_MS)
        self._timer.timeout.connect(self.refresh)
        self.editor.textChanged.connect(self._timer.start)
        self.findings_view.activated.connect(self._jump)
        self.save_button.clicked.connect(self.save)
        self.status_box.currentIndexChanged.connect(self._on_status_chosen)
        self.meeting_edit.returnPressed.connect(self._set_details)
        self.recording_edit.returnPressed.connect(self._set_details)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.editor.cursorPositionChanged.connect(self.follow_editor)
        # Ctrl+S and Ctrl+W are rows of `ui.actions` (Where.POSTMORTEM), as every key is.
        self.actions_by_name = {**actions.install(self, Where.POSTMORTEM, postmortem=self),
                                **actions.install_window(self)}
        self.findings: list = []
        self.refresh()

    def refresh(self) -> None:
        """Lint the text, underline the findings, list them, render the preview."""
        from console.lint import lint

        text = self.editor.toPlainText()
        self.findings = lint(self.process, text, roster=self.roster)
        self.editor.findings = self.findings
        places = Positions(text)
        selections = []
        for finding in self.findings:
            selection = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(palette.colour("danger"))
            selection.format = fmt
            selection.cursor = places.select(QTextCursor(self.editor.document()), finding.start, finding.end)
            selections.append(selection)
        self.editor.setExtraSelections(selections)
        self.findings_model.setStringList(
            [f"{f.section}:{f.line}: {f.rule}: {f.message}  “{f.text[:60]}”" for f in self.findings])
        self.summary.setText(f"{len(self.findings)} finding(s) from the post-mortem rules"
                             if self.findings else "No findings from the post-mortem rules.")
        self.preview.setMarkdown(text)
        self.follow_editor()

    def follow_editor(self) -> None:
        """Scroll the preview to the section the editor's cursor is in, as far through it."""
        text = self.editor.toPlainText()
        index, fraction = section_at(text, Positions(text).in_text(self.editor.textCursor().position()))
        document = self.preview.document()
        layout = document.documentLayout()
        tops, block = [], document.begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0:
                tops.append(layout.blockBoundingRect(block).top())
            block = block.next()
        if index < 0 or not tops:
            self.preview.verticalScrollBar().setValue(0)
            return
        index = min(index, len(tops) - 1)
        end = tops[index + 1] if index + 1 < len(tops) else document.size().height()
        target = tops[index] + fraction * (end - tops[index])
        # The cursor's place in the section sits a third of the way down the preview.
        self.preview.verticalScrollBar().setValue(int(target - self.preview.viewport().height() / 3))

    def _jump(self, index) -> None:
        finding = self.findings[index.row()]
        places = Positions(self.editor.toPlainText())
        self.editor.setTextCursor(places.select(self.editor.textCursor(), finding.start, finding.end))
        self.editor.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_F1 and self.findings_view.hasFocus():
            index = self.findings_view.currentIndex()
            if index.isValid() and self.findings[index.row()].page:
                self.handbook_requested.emit(self.findings[index.row()].page)
                return
        super().keyPressEvent(event)

    def save(self) -> None:
        incident_id, author, text = self.incident.id, self.author, self.editor.toPlainText()

        def done(version) -> None:
            self.message.setText(f"Saved version {version}.")
            self.saved.emit(version)

        self.writer.submit(lambda s: s.postmortem.save(incident_id, text, by=author), done,
                           lambda e: self.message.setText(f"Not saved: {e}"))

    def _on_status_chosen(self) -> None:
        wanted = self.status_box.currentData()
        if wanted == self._status:
            return
        incident_id, author, process = self.incident.id, self.author, self.process

        def done(record) -> None:
            self._status = record.status
            self.message.setText(f"Status: {self.status_box.currentText()}.")

        def failed(error) -> None:
            self.status_box.blockSignals(True)
            self.status_box.setCurrentIndex(self.status_box.findData(self._status))
            self.status_box.blockSignals(False)
            self.message.setText(f"Not changed: {error}")

        self.writer.submit(lambda s: s.postmortem.set_status(incident_id, wanted, by=author, process=process),
                           done, failed)

    def _set_details(self) -> None:
        """Record the meeting time and the call recording link (the header shows them)."""
        from datetime import datetime, timezone

        from console import times
        from console.meeting import MEETING_AHEAD
        from console.errors import InputError

        incident_id, author = self.incident.id, self.author
        meeting_text, recording = self.meeting_edit.text().strip(), self.recording_edit.text().strip()
        try:
            # HH:MM is today; a meeting may be far ahead, so the future allowance is long.
            meeting = (times.parse_time(meeting_text, datetime.now(timezone.utc), future=MEETING_AHEAD)
                       if meeting_text else None)
        except InputError as exc:
            self.message.setText(str(exc))
            return
        self.writer.submit(
            lambda s: s.postmortem.set_details(incident_id, meeting_at=meeting, recording=recording or None,
                                               by=author),
            lambda _: self.message.setText("Meeting and recording recorded."),
            lambda e: self.message.setText(f"Not recorded: {e}"))

    def regenerate(self) -> None:
        """Replace the text with a fresh draft; what was there is kept as a version first."""
        from console.postmortem import generate

        current = self.editor.toPlainText()
        if current.strip() and current != self.reader.postmortem.latest_text(self.incident.id):
            self.save()
        self.editor.setPlainText(generate(self.reader, self.process, self.incident.id,
                                          all_entries=self.all_entries.isChecked()))
        self.message.setText("Fresh draft from the record; the previous text was kept as a version.")
