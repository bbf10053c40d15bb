"""The board of an incident whose consoles changed the same value while apart: the value every
console keeps, both changes in the timeline, and a warning naming who set what."""

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt

from console.service import IncidentService
from tests.conftest import FakeClock
from tests.team.memory_exchange import MemoryExchange
from ui import app as ui_app


@pytest.fixture
def apart(where, clock, tmp_path):
    """This seat's store (Ana) and Ben's, which set the IC and the severity while apart."""
    exchange = MemoryExchange()
    ana = IncidentService.open(where.db_path, clock)
    ben = IncidentService.open(tmp_path / "ben" / "incidents.sqlite3",
                               FakeClock(datetime(2026, 3, 29, 14, 0, 1, tzinfo=timezone.utc)))
    try:
        for console in (ana, ben):
            console.sync.join("memory")
        incident = ana.incidents.declare("Checkout down", by="Ana", severity=3).incident
        exchange.sync("ana", ana)
        exchange.sync("ben", ben)
        theirs = ben.read.incidents.all()[0].id
        ana.incidents.set_severity(incident.id, 1, by="Ana")
        ana.roster.assign(incident.id, "ic", "Ana", by="Ana")
        ben.incidents.set_severity(theirs, 2, by="Ben")
        ben.roster.assign(theirs, "ic", "Ben", by="Ben")
        for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
            exchange.sync(name, console)
    finally:
        ana.close()
        ben.close()


def test_the_board_says_what_was_changed_concurrently(qtbot, where, clock, apart):
    window = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.writer.is_ready, timeout=5000)
    try:
        table = window.list_page.table
        table.setFocus()
        qtbot.keyClick(table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
        page = window.incident_page
        page.tick()
        assert page.incident.ref == "INC-1" and page.incident.severity == 2
        text = page.roles_panel.warnings.text()
        assert "Severity changed concurrently: Ana set SEV-1, Ben set SEV-2 - SEV-2 kept." in text
        assert "Incident Commander changed concurrently: Ana set Ana, Ben set Ben - Ben kept." in text
        texts = [page.model.entry_at(r).text for r in range(page.model.rowCount())]
        assert "Severity SEV-3 -> SEV-1" in texts and "Severity SEV-3 -> SEV-2" in texts
        assert "Command passed from Ana to Ben" not in texts  # each wrote what it saw
        assert {"Ana is Incident Commander", "Ben is Incident Commander"} <= set(texts)
    finally:
        window.close()
