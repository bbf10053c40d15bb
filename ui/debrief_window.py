"""The debrief window (Ctrl+Shift+B): the Incident Commander scored against the record.

It shows console/debrief.py's items as a page: each item's result in words (PASS, FAIL, NOT
SCORED) and colour, why, the evidence (entry refs and times) and a link to its handbook page,
which opens in the handbook window. Not modal; F5 reads the record again, Ctrl+W closes it.
"""

import html
from datetime import tzinfo

from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from console import times
from console.debrief import Debrief, debrief
from console.errors import ConsoleError
from ui import actions, palette
from ui.actions import Where

_RESULT_COLOUR = {True: "link", False: "danger", None: "muted"}


def debrief_html(result: Debrief, zone: tzinfo | None = None) -> str:
    """The debrief as the window's page (every text escaped)."""
    incident = result.incident

    def when(text: str) -> str:
        return times.from_text(text).astimezone(zone).strftime("%H:%M:%S")

    parts = []
    for item in result.items:
        colour = palette.hex_colour(_RESULT_COLOUR[item.passed])
        parts.append(
            f'<h3><span style="color:{colour}">{html.escape(item.result.upper())}</span> '
            f"{html.escape(item.title)}</h3><p>{html.escape(item.summary)} &nbsp;·&nbsp; "
            f'<a href="handbook:{html.escape(item.page)}">Handbook: {html.escape(item.page)}</a></p>')
        if item.evidence:
            rows = "".join(
                f"<tr><td style=\"padding-right:8px\">{html.escape(e.entry or '')}</td><td style=\"padding-right:8px\">{when(e.at)}</td>"
                f"<td>{html.escape(e.text)}</td></tr>" for e in item.evidence)
            parts.append(f'<table cellspacing="0" cellpadding="1">{rows}</table>')
    clock = f"scenario time at {result.speed}x" if result.speed != 1 else "real time"
    kind = "Drill" if incident.drill else "Incident"
    return (f"<h2>{kind} debrief: {html.escape(incident.ref)} {html.escape(incident.shown_title)}</h2>"
            f"<p><b>{result.passed} of {result.scored}</b> scored items passed "
            f"({clock}, up to {when(result.ended_at)}).</p>" + "".join(parts))


class DebriefWindow(QWidget):
    """Signals:
        handbook_requested(str): a handbook page to open (`training/incident_commander`)."""

    handbook_requested = Signal(str)

    def __init__(self, zone: tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("debriefWindow")
        self.setWindowTitle("Debrief")
        self.resize(760, 680)
        self._zone = zone
        self._source = None
        self.result: Debrief | None = None
        self.page = QTextBrowser(self)
        self.page.setObjectName("debriefPage")
        self.page.setAccessibleName("Debrief")
        self.page.setOpenLinks(False)
        self.page.anchorClicked.connect(self._on_link)
        self.hint = QLabel(f"{actions.keys_of('debrief_refresh')}: read the record again   "
                           f"{actions.keys_of('close_window')}: close", self)
        self.hint.setObjectName("keysHint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.hint)
        self.actions_by_name = {**actions.install(self, Where.DEBRIEF, debrief=self),
                                **actions.install_window(self)}

    def load(self, reader, process, incident_id: int, clock) -> None:
        """Score the incident now (and again on F5)."""
        self._source = (reader, process, incident_id, clock)
        self.refresh()

    def refresh(self) -> None:
        if self._source is None:
            return
        reader, process, incident_id, clock = self._source
        try:
            self.result = debrief(reader, process, incident_id, clock.now())
        except ConsoleError as exc:
            self.page.setPlainText(f"Cannot read the record: {exc}")
            return
        incident = self.result.incident
        flag = "DRILL " if incident.drill else ""
        self.setWindowTitle(f"Debrief: {incident.ref} {flag}— {incident.shown_title}")
        scroll = self.page.verticalScrollBar().value()
        self.page.setHtml(debrief_html(self.result, self._zone))
        self.page.verticalScrollBar().setValue(scroll)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == "handbook":
            self.handbook_requested.emit(url.path())
