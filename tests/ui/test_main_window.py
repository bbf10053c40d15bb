"""The first window, driven by keyboard as an IC or scribe would."""

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.service import IncidentService
from ui import app as ui_app
from ui import palette


def type_and_enter(qtbot, widget, text):
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_window_title_and_empty_list(window):
    assert window.windowTitle() == "Incident Console"
    assert window.list_page.empty_hint.isVisible()


def test_declare_by_keyboard_then_type_notes(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    bar = window.list_page.declare_bar
    assert bar.isVisible() and bar.title_edit.hasFocus()
    bar.severity_box.setCurrentIndex(1)  # SEV-1
    type_and_enter(qtbot, bar.title_edit, "Checkout returns errors")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page, timeout=3000)
    page = window.incident_page
    assert page.header.title_label.text() == "INC-1 · Checkout returns errors"
    assert ">SEV-1</a>" in page.header.severity_label.text()
    assert "Critical" in page.header.severity_label.toolTip()
    assert page.note_edit.hasFocus()
    for text in ("db-2 replica lag is 40 s", "rolling back deploy 4121"):
        with qtbot.waitSignal(window.writer.changed, timeout=3000):
            type_and_enter(qtbot, page.note_edit, text)
    rows = [page.model.entry_at(r).text for r in range(page.model.rowCount())]
    assert rows[-2:] == ["db-2 replica lag is 40 s", "rolling back deploy 4121"]
    assert page.note_edit.text() == ""
    assert page.model.entry_at(page.model.rowCount() - 1).author == "Ana"


def test_a_note_is_shown_only_after_it_is_in_the_database(qtbot, window, where):
    window.attach_reader(window.reader)
    seen_in_db = []

    def on_rows_inserted(*_):
        conn = sqlite3.connect(where.db_path)
        seen_in_db.append(conn.execute("SELECT count(*) FROM entries WHERE text = 'durable?'").fetchone()[0])
        conn.close()

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_and_enter(qtbot, window.list_page.declare_bar.title_edit, "x")
    qtbot.waitUntil(lambda: window.incident_page is not None and window.incident_page.model is not None)
    window.incident_page.model.rowsInserted.connect(on_rows_inserted)
    with qtbot.waitSignal(window.writer.changed):
        type_and_enter(qtbot, window.incident_page.note_edit, "durable?")
    assert seen_in_db == [1]


def test_esc_goes_back_and_ctrl_l_focuses_the_note_box(qtbot, window, clock):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_and_enter(qtbot, window.list_page.declare_bar.title_edit, "First")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.list_page
    table = window.list_page.table
    assert table.hasFocus() and window.list_model.rowCount() == 1
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.incident_page
    window.incident_page.timeline.setFocus()
    qtbot.keyClick(window.incident_page.timeline, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.incident_page.note_edit.hasFocus()


def test_the_header_clock_ticks_from_the_injected_clock(qtbot, window, clock):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_and_enter(qtbot, window.list_page.declare_bar.title_edit, "Clocks")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    header = window.incident_page.header
    clock.advance(minutes=7, seconds=5)
    header.tick()
    assert header.elapsed_label.text() == "Declared 7m 05s ago"
    assert "UTC 14:07:05" in header.clock_label.text()


def test_a_failed_write_keeps_the_text_and_says_why(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_and_enter(qtbot, window.list_page.declare_bar.title_edit, "x")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    page = window.incident_page
    too_long = "y" * 10_001
    page.note_edit.setMaxLength(20_000)
    page.note_edit.setText(too_long)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "too long" in page.note_status.text(), timeout=3000)
    assert "10000" in page.note_status.text()
    assert page.note_edit.text() == too_long
    assert page.model.rowCount() == 1


def test_an_empty_title_is_not_declared(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    bar = window.list_page.declare_bar
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Return)
    assert bar.message.text() == "Type a title first."
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_existing_incidents_show_before_the_writer_is_ready(qtbot, where, clock):
    service = IncidentService.open(where.db_path, clock)
    service.incidents.declare("Already there", by="Ana", severity=2)
    service.close()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    # the list was read synchronously while building: no waiting for the writer thread
    assert win.list_model.rowCount() == 1
    assert win.list_model.incident_at(0).title == "Already there"
    qtbot.waitUntil(lambda: win.writer.is_ready)
    win.close()


def test_a_newer_database_shows_a_banner_and_nothing_is_written(qtbot, where, clock):
    IncidentService.open(where.db_path, clock).close()
    conn = sqlite3.connect(where.db_path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('incident_console', '9999_future', 'later')")
    conn.commit()
    conn.close()
    before = where.db_path.read_bytes()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    assert win.banner.isVisible() and "newer Incident Console" in win.banner.text()
    assert win.reader is None
    # The list does not say "No incidents yet": they are there, they cannot be shown.
    hint = win.list_page.empty_hint.text()
    assert hint.startswith("The incidents cannot be shown: the database did not open"), hint
    win.close()
    assert where.db_path.read_bytes() == before


def test_a_file_from_an_earlier_version_says_it_is_upgrading_then_shows_its_incidents(qtbot, where, clock):
    """The writer upgrades an earlier version's file after the first paint (seconds, for a
    large one); meanwhile the list says so instead of "No incidents yet"."""
    from console.migrations import MIGRATION_NAMES
    from tests.core.earlier_schema import migrated_before

    where.db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = migrated_before(where.db_path, MIGRATION_NAMES[-1])
    for n in (1, 2):
        conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) "
                     "VALUES (?, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', ?)", (f"Old incident {n}", f"old{n}"))
    conn.commit()
    conn.close()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    assert win.reader is None
    hint = win.list_page.empty_hint
    assert hint.isVisibleTo(win) and hint.text().startswith("Upgrading the database from an earlier version"), hint.text()
    qtbot.waitUntil(lambda: win.list_model.rowCount() == 2, timeout=10_000)
    assert not hint.isVisibleTo(win) and hint.text().startswith("No incidents yet")
    assert {win.list_model.incident_at(row).title for row in range(2)} == {"Old incident 1", "Old incident 2"}
    win.close()


def test_timeline_follows_the_newest_unless_scrolled_up_and_pages_older_at_the_top(qtbot, where, clock):
    service = IncidentService.open(where.db_path, clock)
    incident = service.incidents.declare("Busy", by="Ana").incident
    for i in range(700):
        clock.advance(seconds=1)
        service.timeline.log(incident.id, f"n{i}", by="Ana")
    service.close()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready)
    win.open_incident(incident.id)
    page = win.incident_page
    assert page.model.rowCount() == 500  # only the newest page is loaded
    bar = page.timeline.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    clock.advance(seconds=1)
    with qtbot.waitSignal(win.writer.changed):
        type_and_enter(qtbot, page.note_edit, "newest")
    last_visible = lambda: page.timeline.viewport().rect().contains(  # noqa: E731
        page.timeline.visualRect(page.model.index(page.model.rowCount() - 1, 0)))
    qtbot.waitUntil(last_visible)
    assert page.model.entry_at(page.model.rowCount() - 1).text == "newest"
    # scrolled up a little: a new entry must not yank the view down
    bar.setValue(bar.maximum() - 200)
    held = bar.value()

    clock.advance(seconds=1)
    with qtbot.waitSignal(win.writer.changed):
        type_and_enter(qtbot, page.note_edit, "while reading")
    qtbot.waitUntil(lambda: page.model.entry_at(page.model.rowCount() - 1).text == "while reading")
    QApplication.processEvents()
    assert bar.value() == held
    # scrolling to the top loads the older page and keeps the rows in view
    bar.setValue(bar.minimum())
    assert page.model.rowCount() == 703
    assert bar.value() > 0
    win.close()


def test_a_broken_process_is_listed_and_nothing_can_be_recorded(qtbot, where, clock, tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "roles.yaml").write_text("roles:\n  - id: ic\n    max: many\n", encoding="utf-8")
    win = ui_app.build(where, clock=clock, author="Ana", process_dir=folder)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.stack.currentWidget().objectName() == "processProblems")
    view = win.stack.currentWidget()
    lines = [view.model().index(r, 0).data() for r in range(view.model().rowCount())]
    assert lines == [f"{folder / 'roles.yaml'}:3: max must be a whole number or null, not 'many'"]
    assert "1 problem" in win.banner.text()
    assert not win.actions_by_name["declare"].isEnabled()
    qtbot.keyClick(win, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert win.stack.currentWidget() is view
    assert not win.writer.is_ready and not win.writer._thread.isRunning()
    win.close()


def test_filter_past_incidents_by_words_severity_status_and_date(qtbot, where, clock):
    service = IncidentService.open(where.db_path, clock)
    service.incidents.declare("Checkout errors", by="Ana", severity=1)
    clock.advance(minutes=60 * 24 * 40)
    second = service.incidents.declare("Search is slow", by="Ana", severity=3).incident
    service.incidents.set_status(second.id, "resolved", by="Ana")
    service.incidents.declare("Checkout slow in EU", by="Ana", severity=2)
    service.close()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready)
    page = win.list_page
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.filter_edit.hasFocus()
    qtbot.keyClicks(page.filter_edit, "checkout")
    assert page.proxy.rowCount() == 2
    page.filter_severity.setCurrentIndex(page.filter_severity.findData(2))
    assert page.proxy.rowCount() == 1
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert page.table.hasFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.incident_page is not None and win.incident_page.incident is not None)
    assert win.incident_page.incident.title == "Checkout slow in EU"
    page.filter_edit.clear()
    page.filter_severity.setCurrentIndex(0)
    page.filter_status.setCurrentIndex(page.filter_status.findData("resolved"))
    assert page.proxy.rowCount() == 1
    page.filter_status.setCurrentIndex(0)
    page.filter_since.setText("2026-04")
    assert page.proxy.rowCount() == 2  # the March incident is older
    page.filter_since.setText("2026-4x")
    assert page.proxy.rowCount() == 3 and palette.hex_colour("danger") in page.filter_since.styleSheet()
    win.close()


def test_metrics_window_draws_and_exports_without_dialogs(qtbot, where, clock):
    import csv
    import io

    service = IncidentService.open(where.db_path, clock)
    incident = service.incidents.declare("x", by="Ana", severity=1).incident
    clock.advance(minutes=30)
    service.incidents.set_status(incident.id, "resolved", by="Ana")
    service.close()
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready)
    qtbot.keyClick(win, Qt.Key.Key_F9)
    metrics = win.metrics_window
    assert metrics.isVisible()
    months, levels, values = metrics.chart.series()
    assert months == ["2026-03"] and levels == [1] and values[("2026-03", 1)] == 0
    metrics.measure_box.setCurrentIndex(2)
    assert metrics.chart.series()[2][("2026-03", 1)] == 30
    path = metrics.export_csv()
    assert oct(path.stat().st_mode & 0o777) == "0o600" and str(where.exports_dir) in str(path)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[1][:3] == ["2026-03", "SEV-1", "1"]
    png = metrics.export_png()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    win.close()


def test_the_first_incident_from_the_command_line_opens_with_one_enter(qtbot, where, clock):
    """The e2e run's case: the app started with no incidents, one was declared from the CLI,
    and Enter had to be pressed twice (the first only left the filter box)."""
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.writer.is_ready and win.process is not None, timeout=5000)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    assert win.list_page.empty_hint.isVisible()
    focused = QApplication.focusWidget()
    assert focused is None or not win.list_page.table.hasFocus()  # nothing to be on yet
    # Another process declares (a real second connection to the same file).
    service = IncidentService.open(where.db_path, clock)
    service.incidents.declare("Checkout down", by="Ben", severity=2)
    service.close()
    qtbot.waitUntil(lambda: win.list_model.rowCount() == 1, timeout=3000)
    target = QApplication.focusWidget()
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.incident_page, timeout=3000)
    assert win.incident_page.incident.title == "Checkout down"
    win.close()


def test_an_incident_arriving_never_takes_the_keyboard_from_a_filter_being_typed(qtbot, where, clock):
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.writer.is_ready and win.process is not None, timeout=5000)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.list_page.focus_filter()
    qtbot.keyClicks(win.list_page.filter_edit, "check")
    service = IncidentService.open(where.db_path, clock)
    service.incidents.declare("Checkout down", by="Ben", severity=2)
    service.close()
    qtbot.waitUntil(lambda: win.list_model.rowCount() == 1, timeout=3000)
    assert win.list_page.filter_edit.hasFocus() and win.list_page.filter_edit.text() == "check"
    win.close()


def test_a_median_of_zero_minutes_is_drawn_and_the_axis_marks_are_round(qtbot):
    """Six incidents declared as their impact began: the chart showed no bar at all (a median of
    0 has no height) and marked half-way up its axis "0" (0.5 rounded), under a "1"."""
    from console.metrics import MEASURES, MonthRow
    from ui import palette
    from ui.metrics_view import MetricsChart, axis_top, tick

    assert [tick(axis_top(v) * f) for v in (0, 3, 45, 480) for f in (0.5, 1)] == \
        ["0.5", "1", "2.5", "5", "25", "50", "250", "500"]
    chart = MetricsChart()
    qtbot.addWidget(chart)
    chart.resize(600, 320)
    chart.set_data([MonthRow("2026-12", 2, 3, {m: 0.0 for m in MEASURES})], MEASURES[0])
    image = chart.grab().toImage()
    bar = palette.colour(palette.severity(2)).rgb()
    legend_top = image.height() - 50 + 28 - 2  # the legend's swatches are that colour too
    assert any(image.pixel(x, y) == bar for x in range(60, image.width() - 20) for y in range(30, legend_top))
