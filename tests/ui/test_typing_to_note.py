"""Typing in a board panel goes to the note box (ui/typing_to_note.py): a line meant for the note
box, typed with the keyboard left in a panel, becomes the note - no row is checked, pinned or
moved to - and the panels' own keys still act on their rows. Real key presses, offscreen."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_subteams_board import type_line

PANELS = {
    "checklist": lambda page: page.checklist_panel.tree,
    "timeline": lambda page: page.timeline,
    "tasks": lambda page: page.tasks_panel.view,
    "roles": lambda page: page.roles_panel.table,
}


@pytest.mark.parametrize("panel", PANELS)
def test_a_line_typed_in_a_panel_becomes_a_note(qtbot, window, page, panel):
    type_line(qtbot, window, page, "/task Ben 10m check the replica lag")
    view = PANELS[panel](page)
    page.show_panel(page._panel_of(view))
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    assert view.hasFocus()
    before = [(e.kind, e.text, e.pinned, e.retracted) for e in window.reader.timeline.all(page.incident.id)]
    progress = page.checklist_model.progress()

    for character in "ben says the db team is paged":  # each key to where the keyboard is, as typed
        qtbot.keyClicks(QApplication.focusWidget(), character)
    assert page.note_edit.hasFocus()
    assert page.note_edit.text() == "ben says the db team is paged"
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.note_edit.text() == "", timeout=5000)
    after = [(e.kind, e.text, e.pinned, e.retracted) for e in window.reader.timeline.all(page.incident.id)]
    assert after == before + [("note", "ben says the db team is paged", False, False)]
    assert page.checklist_model.progress() == progress
    assert [t.text for t in page.tasks_model.tasks()] == ["check the replica lag"]


def test_a_panel_s_own_keys_still_act_on_its_row(qtbot, window, page):
    tree = page.checklist_panel.tree
    tree.setFocus()
    first = page.checklist_model.index(0, 0, page.checklist_model.index(0, 0))
    tree.setCurrentIndex(first)
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(tree, Qt.Key.Key_Space)  # the checklist's key: checks the item
    qtbot.waitUntil(lambda: page.checklist_model.progress()[0] == 1, timeout=5000)
    assert tree.hasFocus() and page.note_edit.text() == ""
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # arrows move in the panel
    assert tree.hasFocus()
