"""The declare bar (Ctrl+N) by keyboard: Enter declares from every field, the severity takes
digits only and says when it changed, the impact start is read as typed, and what is typed
straight after Enter reaches the board's note box."""

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console import metrics


@pytest.fixture
def bar(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    bar = window.list_page.declare_bar
    assert bar.isVisible() and bar.title_edit.hasFocus()
    return bar


def stored(where):
    conn = sqlite3.connect(where.db_path)
    try:
        return conn.execute("SELECT title, severity, started_at, declared_at FROM incidents ORDER BY id").fetchall()
    finally:
        conn.close()


def wait_for_board(qtbot, window):
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page, timeout=3000)
    return window.incident_page


def test_enter_on_the_severity_box_declares_at_the_level_typed(qtbot, window, bar, where):
    qtbot.keyClicks(bar.title_edit, "Checkout down")
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Tab)
    assert bar.severity_box.hasFocus()
    qtbot.keyClick(bar.severity_box, Qt.Key.Key_1)
    assert bar.severity_box.currentData() == 1
    assert bar.severity_note.text() == "Now SEV-1 (was SEV-2)"
    qtbot.keyClick(bar.severity_box, Qt.Key.Key_Return)
    page = wait_for_board(qtbot, window)
    assert ">SEV-1</a>" in page.header.severity_label.text()
    assert stored(where)[0][:2] == ("Checkout down", 1)
    assert not bar.isVisible()


def test_letters_on_the_severity_box_never_change_it_and_are_not_lost(qtbot, bar):
    qtbot.keyClicks(bar.title_edit, "Search slow")
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Tab)
    qtbot.keyClick(bar.severity_box, Qt.Key.Key_3)
    assert bar.severity_box.currentData() == 3
    qtbot.keyClicks(bar.severity_box, " in EU?")  # a combo box's type-to-find went to SEV-4 here
    assert bar.severity_box.currentData() == 3
    assert bar.title_edit.text() == "Search slow in EU?"
    assert bar.title_edit.hasFocus()
    assert "went to the title" in bar.message.text()
    assert not window_cheat_sheet_open(bar)
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Backspace)  # read and acted on: the note goes
    assert bar.title_edit.text() == "Search slow in EU" and bar.message.text() == ""


def window_cheat_sheet_open(bar) -> bool:
    sheet = bar.window().cheat_sheet
    return sheet is not None and sheet.isVisible()


def test_severity_keys_up_down_and_unset(qtbot, bar):
    box = bar.severity_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.currentData() == 1 and bar.severity_note.text() == "Now SEV-1 (was SEV-2)"
    qtbot.keyClick(box, Qt.Key.Key_0)
    assert box.currentData() is None and bar.severity_note.text() == "Now SEV-? (was SEV-1)"
    qtbot.keyClick(box, Qt.Key.Key_5)
    assert box.currentData() == 5
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    assert box.currentData() is None


def test_enter_on_the_button_declares(qtbot, window, bar, where):
    qtbot.keyClicks(bar.title_edit, "Button")
    bar.button.setFocus()
    qtbot.keyClick(bar.button, Qt.Key.Key_Return)
    wait_for_board(qtbot, window)
    assert [row[0] for row in stored(where)] == ["Button"]


def test_impact_start_as_typed_is_shown_then_recorded(qtbot, window, bar, where, clock):
    qtbot.keyClicks(bar.title_edit, "Payments failing")
    bar.began_edit.setFocus()
    qtbot.keyClicks(bar.began_edit, "20m ago")
    assert bar.began_note.text().startswith("began ") and bar.began_note.text().endswith(", 20m 00s ago")
    assert bar.began_note.objectName() == "fieldNote"
    qtbot.keyClick(bar.began_edit, Qt.Key.Key_Return)
    page = wait_for_board(qtbot, window)
    assert stored(where)[0][2:] == ("2026-03-29T13:40:00.000Z", "2026-03-29T14:00:00.000Z")
    assert "impact began 20m 00s ago" in page.header.elapsed_label.text()
    assert metrics.incident_metrics(window.reader.incidents.get(1))["time_to_declare"] == 20 * 60


@pytest.mark.parametrize("typed, fragment", [("soon", "20m ago"), ("2026-03-30T10:00Z", "in the future")])
def test_a_bad_impact_start_is_one_line_under_the_field_and_nothing_is_declared(qtbot, window, bar, where,
                                                                                typed, fragment):
    qtbot.keyClicks(bar.title_edit, "Nope")
    bar.began_edit.setFocus()
    qtbot.keyClicks(bar.began_edit, typed)
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Return)  # from the title: still refused
    assert fragment in bar.began_note.text() and "\n" not in bar.began_note.text()
    assert bar.began_note.objectName() == "formMessage"
    assert bar.began_edit.hasFocus() and bar.isVisible() and not bar.pending
    qtbot.wait(50)
    assert window.stack.currentWidget() is window.list_page
    assert stored(where) == []


def test_what_is_typed_straight_after_enter_lands_in_the_note_box(qtbot, window, bar):
    qtbot.keyClicks(bar.title_edit, "Checkout errors")
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_Return)
    assert bar.pending  # the writer has not answered: nothing has run the event loop yet
    qtbot.keyClicks(QApplication.focusWidget(), "db-2 lag?")
    assert bar.title_edit.text() == "Checkout errors"  # the title did not take it
    page = wait_for_board(qtbot, window)
    assert page.note_edit.hasFocus()
    assert page.note_edit.text() == "db-2 lag?"
    assert not window_cheat_sheet_open(bar)


def test_the_bar_opens_fresh_after_a_declaration(qtbot, window, bar):
    qtbot.keyClicks(bar.title_edit, "First")
    bar.severity_box.setFocus()
    qtbot.keyClick(bar.severity_box, Qt.Key.Key_4)
    bar.began_edit.setText("5m ago")
    qtbot.keyClick(bar.began_edit, Qt.Key.Key_Return)
    wait_for_board(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert bar.isVisible() and bar.title_edit.text() == "" and bar.began_edit.text() == ""
    assert bar.severity_box.currentData() == 2 and bar.severity_note.text() == "1-5 · Up/Down"
