"""Follow-ups (F8) by keyboard: owner, due date and ticket shown, a new item added and each
field changed in the inline bar under the list, never a dialog."""

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from console.domain import format_ref
from console.service import IncidentService
from ui import actions
from ui.actions import Where


@pytest.fixture
def followups(qtbot, where, clock):
    service = IncidentService.open(where.db_path, clock)
    first = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    second = service.incidents.declare("Search slow", by="Ana", severity=3).incident
    service.followups.add(first.id, "add a replica-lag alert", owner="Dee", due_on=date(2026, 4, 10),
                          ticket="OPS-7", by="Ana")
    service.followups.add(second.id, "write the failover runbook", by="Ana")
    service.close()
    win, view = opened(qtbot, where, clock)
    yield view
    win.close()


def opened(qtbot, where, clock):
    """The console on `where`, and its follow-ups window opened with F8, active, list focused."""
    from ui import app as ui_app

    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready)
    qtbot.keyClick(win, Qt.Key.Key_F8)
    view = win.followups_window
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    assert view.table.hasFocus()
    return win, view


def test_an_empty_list_says_how_a_follow_up_is_made(qtbot, where, clock):
    """With nothing to show, the window says so and how follow-ups come, with the keys of the
    actions that make them; the hint goes once there is a row."""
    service = IncidentService.open(where.db_path, clock)
    incident = service.incidents.declare("a", by="Ana", severity=2).incident
    service.close()
    win, view = opened(qtbot, where, clock)
    assert view.proxy.rowCount() == 0 and view.empty.isVisible()
    hint = view.empty.text()
    assert hint.startswith("No open follow-ups. N adds one here") and "Ctrl+Shift+E" in hint
    view.show_done.setChecked(True)
    assert view.empty.text().startswith("No follow-ups yet.")
    qtbot.keyClick(view.table, Qt.Key.Key_N)
    qtbot.keyClicks(view.bar.edit, f"{format_ref(incident.id)} add a replica-lag alert")
    qtbot.keyClick(view.bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 1, timeout=3000)
    assert not view.empty.isVisible()
    assert view.proxy.index(0, 2).data() == format_ref(incident.id)
    win.close()


def row_of(view, text):
    return next(r for r in range(view.proxy.rowCount()) if text in view.proxy.index(r, 1).data())


def cells(view, text):
    row = row_of(view, text)
    return [view.proxy.index(row, c).data() for c in range(view.proxy.columnCount())]


def select(view, text):
    view.table.setCurrentIndex(view.proxy.index(row_of(view, text), 1))


def type_in_bar(qtbot, view, text):
    bar = view.bar
    assert bar.isVisible() and bar.edit.hasFocus()
    qtbot.keyClick(bar.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(bar.edit, text)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)


def test_owner_due_and_ticket_are_shown(followups):
    assert cells(followups, "replica-lag") == ["2026-04-10", "A1: add a replica-lag alert", "INC-1", "Dee",
                                               "OPS-7", ""]
    assert cells(followups, "failover")[3:5] == ["—", "—"]


def test_owner_due_date_and_ticket_are_changed_in_the_bar(qtbot, followups):
    view = followups
    select(view, "failover")
    qtbot.keyClick(view.table, Qt.Key.Key_O)
    assert view.bar.label.text() == "Owner of A2:"
    type_in_bar(qtbot, view, "Ben")
    qtbot.waitUntil(lambda: cells(view, "failover")[3] == "Ben", timeout=3000)
    assert not view.bar.isVisible() and view.table.hasFocus()
    assert view.message.text() == "A2: owner Ben."
    assert "failover" in view.current_item().text  # the selection stayed on the item
    qtbot.keyClick(view.table, Qt.Key.Key_U)
    type_in_bar(qtbot, view, "+7d")  # the test clock's today is 2026-03-29
    qtbot.waitUntil(lambda: cells(view, "failover")[0] == "2026-04-05", timeout=3000)
    qtbot.keyClick(view.table, Qt.Key.Key_T)
    type_in_bar(qtbot, view, "OPS-9")
    qtbot.waitUntil(lambda: cells(view, "failover")[4] == "OPS-9", timeout=3000)
    # The bar opens with what is there, selected; `-` clears it.
    qtbot.keyClick(view.table, Qt.Key.Key_O)
    assert view.bar.edit.text() == "Ben" and view.bar.edit.selectedText() == "Ben"
    type_in_bar(qtbot, view, "-")
    qtbot.waitUntil(lambda: cells(view, "failover")[3] == "—", timeout=3000)
    assert view.message.text() == "A2: no owner."


def test_a_bad_due_date_is_one_line_in_the_bar_and_nothing_changes(qtbot, followups):
    view = followups
    select(view, "replica-lag")
    qtbot.keyClick(view.table, Qt.Key.Key_U)
    type_in_bar(qtbot, view, "next sprint")
    assert "bad due date 'next sprint'" in view.bar.message.text()
    assert view.bar.isVisible() and view.bar.edit.text() == "next sprint"  # what was typed stays
    qtbot.keyClick(view.bar.edit, Qt.Key.Key_Escape)
    assert not view.bar.isVisible() and view.table.hasFocus() and view.isVisible()
    assert cells(view, "replica-lag")[0] == "2026-04-10"


def test_a_new_follow_up_for_the_selected_incident_or_another(qtbot, followups):
    view = followups
    select(view, "replica-lag")
    qtbot.keyClick(view.table, Qt.Key.Key_N)
    assert view.bar.label.text() == "New follow-up for INC-1:"
    type_in_bar(qtbot, view, "page the DBA team earlier")
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 3, timeout=3000)
    assert cells(view, "page the DBA")[2] == "INC-1"
    assert "page the DBA" in view.current_item().text  # the new item is selected, ready for O/U/T
    assert view.message.text().startswith("A3 added to INC-1.")
    qtbot.keyClick(view.table, Qt.Key.Key_N)
    type_in_bar(qtbot, view, "INC-2 tune the search cache")
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 4, timeout=3000)
    assert cells(view, "search cache")[2] == "INC-2"
    qtbot.keyClick(view.table, Qt.Key.Key_N)
    type_in_bar(qtbot, view, "INC-9 nothing")
    qtbot.waitUntil(lambda: "no incident INC-9" in view.bar.message.text(), timeout=3000)
    assert view.proxy.rowCount() == 4


def test_the_keys_are_rows_of_the_table_and_the_hint_says_them(followups):
    declared = {a.text: [QKeySequence(k).toString() for k in a.keys] for a in actions.rows(Where.FOLLOWUPS)}
    made = {a.text(): [k.toString() for k in a.shortcuts()] for a in followups.table.actions()}
    assert made == declared
    assert all(a.shortcutContext() == Qt.ShortcutContext.WidgetShortcut for a in followups.table.actions())
    assert followups.message.text() == "N new · O owner · U due date · T ticket · D done / not done"


def test_letters_typed_in_the_bar_are_text(qtbot, followups):
    view = followups
    select(view, "failover")
    qtbot.keyClick(view.table, Qt.Key.Key_T)
    qtbot.keyClicks(view.bar.edit, "DONUT")  # D, O, N, U, T are keys of the list, not of the bar
    assert view.bar.edit.text() == "DONUT"
    assert QApplication.focusWidget() is view.bar.edit
