"""The list models, checked by pytest-qt's model tester and directly."""

from datetime import timedelta

from PySide6.QtCore import Qt

import pytest

from console.domain import STATUSES
from console.process import load_process
from ui.formatting import KindStyles
from ui.incident_list import IncidentListModel
from ui.timeline import TimelineModel


@pytest.fixture(scope="module")
def kinds():
    return KindStyles.from_process(load_process())


def test_incident_list_model(qtmodeltester, service, clock):
    service.incidents.declare("Payments failing", by="Ana", severity=1)
    second = service.incidents.declare("Slow search", by="Ana", severity=3, security=True).incident
    service.incidents.set_status(second.id, "resolved", by="Ana")
    model = IncidentListModel(clock)
    model.reload(service.read)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    # open incidents first
    assert model.data(model.index(0, 0)) == "INC-1"
    assert model.data(model.index(1, 2)) == "resolved (security)"
    assert model.data(model.index(0, 1)) == "SEV-1"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Title"


def test_timeline_model_pages_from_the_newest_end(qtmodeltester, service, clock, kinds):
    incident = service.incidents.declare("x", by="Ana").incident
    for i in range(30):
        clock.advance(seconds=1)
        service.timeline.log(incident.id, f"note {i}", by="Ana")
    model = TimelineModel(service.read, incident.id, clock, kinds, page_size=10)
    qtmodeltester.check(model)
    assert model.rowCount() == 10
    assert model.entry_at(9).text == "note 29"
    assert model.has_older()
    assert model.fetch_older() == 10
    assert model.entry_at(0).text == "note 10"
    assert model.fetch_older() == 10
    assert model.fetch_older() == 1  # the declaration entry
    assert not model.has_older() and model.fetch_older() == 0
    assert model.rowCount() == 31
    qtmodeltester.check(model)


def test_timeline_model_places_new_and_back_dated_entries(qtmodeltester, service, clock, kinds):
    incident = service.incidents.declare("x", by="Ana").incident
    model = TimelineModel(service.read, incident.id, clock, kinds, page_size=10)
    clock.advance(minutes=5)
    late = service.timeline.log(incident.id, "now", by="Ana").entries
    early = service.timeline.log(incident.id, "two minutes ago", by="Ana",
                                 occurred_at=clock.now() - timedelta(minutes=2)).entries
    model.add_entries(late)
    model.add_entries(early)
    model.add_entries(early)  # a repeat is ignored
    assert [model.entry_at(r).text for r in range(model.rowCount())] == [
        "Incident declared: x (severity not set)", "two minutes ago", "now"
    ]
    other = service.incidents.declare("other", by="Ana").incident
    model.add_entries(service.timeline.log(other.id, "elsewhere", by="Ana").entries)
    assert model.rowCount() == 3
    display = model.data(model.index(2, 0))
    assert "NOTE " in display and "Ana: now" in display and "(14:05Z)" in display
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole).name() == kinds.colour("status")
    qtmodeltester.check(model)


def test_entries_older_than_the_loaded_page_wait_for_their_page(service, clock, kinds):
    incident = service.incidents.declare("x", by="Ana").incident
    for i in range(12):
        clock.advance(seconds=10)
        service.timeline.log(incident.id, f"n{i}", by="Ana")
    model = TimelineModel(service.read, incident.id, clock, kinds, page_size=5)
    ancient = service.timeline.log(incident.id, "very early", by="Ana",
                                   occurred_at=clock.now() - timedelta(minutes=5)).entries
    model.add_entries(ancient)
    assert "very early" not in [model.entry_at(r).text for r in range(model.rowCount())]
    while model.fetch_older():
        pass
    texts = [model.entry_at(r).text for r in range(model.rowCount())]
    assert texts.count("very early") == 1 and len(texts) == 14


def test_the_row_tables_pass_the_model_tester(qtmodeltester, service, clock, tmp_path):
    """The outbox, follow-ups and evidence tables share ui.row_table.RowTable: each, with rows."""
    from datetime import date

    from ui.evidence_window import EvidenceModel
    from ui.followups_window import FollowupsModel
    from ui.outbox_window import OutboxModel

    incident = service.incidents.declare("Checkout down", by="Ana").incident
    service.followups.add(incident.id, "alert on lag", by="Ana")
    followups = FollowupsModel(date(2026, 3, 29))
    followups.set_items(service.read.followups.all(), date(2026, 3, 29))
    evidence_file = tmp_path / "auth.log"
    evidence_file.write_text("a line of a log\n")
    service.evidence.add(incident.id, evidence_file, folder=tmp_path / "kept", by="Ana")
    kept = EvidenceModel()
    kept.set_items(service.read.evidence.items(incident.id))
    outbox = OutboxModel()
    outbox.set_rows([])
    for model in (followups, kept, outbox):
        qtmodeltester.check(model)
    assert followups.rowCount() == 1 and kept.rowCount() == 1 and outbox.rowCount() == 0
    assert kept.index(0, 6).data() == "auth.log"


@pytest.mark.parametrize("seconds, shown", [
    (245, ("4:05 left", False)), (-70, ("OVERDUE 1:10", True)), (-3599, ("OVERDUE 59:59", True)),
    (-3600, ("OVERDUE 1h 00m", True)), (-(12 * 3600 + 5 * 60 + 9), ("OVERDUE 12h 05m", True)),
    (2 * 3600 + 30, ("2h 00m left", False)), (-(274 * 86400 + 10 * 3600 + 59), ("OVERDUE 274d 10h", True)),
])
def test_a_countdown_reads_at_a_glance_however_long(clock, seconds, shown):
    """Minutes and seconds under an hour, then hours and minutes, then days and hours: an old
    incident's update cadence read `OVERDUE 395166:24` (seen on the board under Xvfb)."""
    from console import times
    from ui.board_models import countdown

    now = clock.now()
    assert countdown(times.to_text(now + timedelta(seconds=seconds)), now) == shown


def test_the_status_column_fits_the_statuses_shown(qtbot, service, clock):
    """Sized for "mitigated (security, drill)" whatever the list held, the Status column took
    170 of a 960-pixel window while every incident read "active"."""
    from ui.incident_list import IncidentListPage

    service.incidents.declare("Payments failing", by="Ana", severity=1)
    model = IncidentListModel(clock)
    model.reload(service.read)
    page = IncidentListPage(model)
    qtbot.addWidget(page)
    page.resize(960, 600)
    page.show()
    cells = page.table.fontMetrics()
    status = page.table.horizontalHeader().sectionSize(2)
    assert status >= cells.horizontalAdvance("active")
    assert status < cells.horizontalAdvance("mitigated (security, drill)")

    drill = service.incidents.declare("Game day", by="Ana", severity=3, security=True, drill=True).incident
    service.incidents.set_status(drill.id, "mitigated", by="Ana")
    model.reload(service.read)
    assert page.table.horizontalHeader().sectionSize(2) >= cells.horizontalAdvance("mitigated (security, drill)")
    assert [page.filter_status.itemData(i) for i in range(page.filter_status.count())] == [None, *STATUSES]
    assert page.filter_severity.itemText(1) == "SEV-1"
