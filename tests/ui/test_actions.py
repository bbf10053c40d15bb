"""The table of actions (`ui.actions`) is the only place a key is declared: the window's, the
board's and the panels' QActions are made from it, the cheat sheet lists it, and no two rows
that can be active at once share a key."""

from html import unescape

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from ui import actions
from ui.actions import ACTIONS, Where

ACTIVE_TOGETHER = [
    (Where.WINDOW, Where.LIST),
    (Where.WINDOW, Where.BOARD, Where.TASKS),
    (Where.WINDOW, Where.BOARD, Where.SUBTEAMS),
    (Where.WINDOW, Where.BOARD, Where.CHECKLIST),
    (Where.WINDOW, Where.BOARD, Where.TIMELINE),
    (Where.WINDOW, Where.BOARD, Where.COMPOSER),
    (Where.FOLLOWUPS,),
    (Where.HANDBOOK,),
    (Where.POSTMORTEM,),
    (Where.METRICS,),
]


@pytest.mark.parametrize("places", ACTIVE_TOGETHER, ids=lambda p: "+".join(w.name for w in p))
def test_no_key_means_two_things_at_once(places):
    seen: dict[str, str] = {}
    for row in ACTIONS:
        if row.where in places:
            for key in row.keys:
                assert key not in seen, f"{key} is both {seen[key]} and {row.name}"
                seen[key] = row.name


def test_names_are_unique_and_every_place_has_rows():
    assert len({a.name for a in ACTIONS}) == len(ACTIONS)
    assert all(actions.rows(where) for where in Where)


def _shortcuts(widget) -> dict[str, list[str]]:
    return {a.text(): sorted(k.toString() for k in a.shortcuts()) for a in widget.actions() if a.shortcuts()}


def _declared(where: Where) -> dict[str, list[str]]:
    return {a.text: sorted(QKeySequence(k).toString() for k in a.keys) for a in actions.rows(where)}


def test_every_qaction_is_a_row_of_the_table(window, page):
    assert _shortcuts(window) == _declared(Where.WINDOW)
    assert _shortcuts(window.list_page) == _declared(Where.LIST)
    assert _shortcuts(page) == _declared(Where.BOARD)
    assert _shortcuts(page.tasks_panel.view) == _declared(Where.TASKS)
    assert _shortcuts(page.subteams_panel.view) == _declared(Where.SUBTEAMS)
    assert _shortcuts(page.checklist_panel.tree) == _declared(Where.CHECKLIST)
    assert _shortcuts(page.timeline) == _declared(Where.TIMELINE)
    # and the contexts: a panel's letters only while its view has focus
    for action in page.timeline.actions():
        assert action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut


def test_every_key_of_the_other_windows_is_a_row_of_the_table(qtbot, window, page):
    """The e2e run found keys outside the table, so the sheet could not list them: the
    post-mortem editor's Ctrl+S and Ctrl+W, the metrics window's Ctrl+E and Ctrl+P, the
    handbook's back, forward and find, the composer's Ctrl+Enter. Every QAction with a key in
    each of those windows is a row of the table, and none has a key of its own."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QAbstractButton

    assert _shortcuts(page.composer) == _declared(Where.COMPOSER)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    postmortem = page.close_out.postmortem_window
    qtbot.keyClick(page.note_edit, Qt.Key.Key_F9)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_F1)
    windows = {Where.POSTMORTEM: postmortem, Where.METRICS: window.metrics_window, Where.HANDBOOK: window.handbook}
    for where, other in windows.items():
        assert other is not None and other.isVisible(), where
        keyed = {a.text(): sorted(k.toString() for k in a.shortcuts())
                 for a in other.findChildren(QAction) if a.shortcuts()}
        assert keyed == {**_declared(where), **_declared(Where.OWN_WINDOW)}, where
        assert all(a.shortcutContext() == Qt.ShortcutContext.WindowShortcut
                   for a in other.findChildren(QAction) if a.shortcuts())
        assert not [b.text() for b in other.findChildren(QAbstractButton) if not b.shortcut().isEmpty()], where
    for other in windows.values():
        other.close()


def test_the_other_windows_keys_do_what_the_table_says(qtbot, window, page):
    """Ctrl+S saves a version of the post-mortem, Ctrl+W closes it; the handbook goes back and
    forward; the composer sends on Ctrl+Enter (the keypad's Enter) as on Ctrl+Return."""
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    editor = page.close_out.postmortem_window
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    editor.editor.setFocus()
    with qtbot.waitSignal(editor.saved, timeout=3000):
        qtbot.keyClick(editor.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor.editor, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not editor.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page.note_edit.setFocus()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    composer = page.composer
    composer.editor.setPlainText("SEV-4, all good; next update in 30 minutes.")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(composer.editor, Qt.Key.Key_Enter,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier)
    assert window.reader.updates.last(page.incident.id, "responders") is not None


def test_ctrl_w_closes_every_window_of_its_own(qtbot, window, page):
    """The follow-ups, outbox, metrics and evidence windows could only be closed from their
    frame; every window of its own now has the one row of Where.OWN_WINDOW, whatever has the
    focus inside it (a list, a bar, a text box)."""
    ctrl = Qt.KeyboardModifier.ControlModifier
    shift = Qt.KeyboardModifier.ShiftModifier
    opened = []
    for key, modifiers, attribute in ((Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier, "followups_window"),
                                      (Qt.Key.Key_F7, Qt.KeyboardModifier.NoModifier, "outbox_window"),
                                      (Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier, "metrics_window"),
                                      (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier, "handbook"),
                                      (Qt.Key.Key_V, ctrl | shift, "evidence_window")):
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        page.note_edit.setFocus()
        qtbot.keyClick(page.note_edit, key, modifiers)
        other = getattr(window, attribute, None) or getattr(page, attribute, None)
        assert other is not None and other.isVisible(), attribute
        other.activateWindow()
        qtbot.waitUntil(other.isActiveWindow)
        focused = other.focusWidget() or other
        qtbot.keyClick(focused, Qt.Key.Key_W, ctrl)
        assert not other.isVisible(), attribute
        opened.append(attribute)
    assert len(opened) == 5


def test_the_sheet_fits_the_window_beside_the_call(qtbot, window, page):
    """The board's sheet was 910 px tall at 1,240 px wide (every other window's keys under the
    panels'), so at 1280x880 and at 960x1040 (half a 1080p screen) the keys listed last ran off
    the window. Its columns now come out about the same height, and where it is still taller
    than the window its type is made smaller, down to SMALLEST of its size."""
    from PySide6.QtGui import QFont

    from ui.cheat_sheet import SMALLEST

    for width, height, full_size in ((1280, 880, True), (960, 1040, False), (1280, 720, False)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.height() == height)
        page.timeline.setFocus()
        qtbot.keyClicks(page.timeline, "?")
        sheet = window.cheat_sheet  # made the first time it is asked for
        assert sheet.isVisible()
        assert sheet.geometry().bottom() <= window.height(), (width, height)
        assert sheet.font().pointSizeF() >= QFont().pointSizeF() * SMALLEST
        if full_size:
            assert sheet.font().pointSizeF() == QFont().pointSizeF()
        qtbot.keyClicks(page.timeline, "?")
        assert not sheet.isVisible()


def test_the_sheet_lists_every_row_where_you_are(qtbot, window, page):
    page.timeline.setFocus()
    qtbot.keyClicks(page.timeline, "?")
    text = unescape(window.cheat_sheet.text())
    for where in (Where.WINDOW, Where.BOARD, Where.TASKS, Where.SUBTEAMS, Where.CHECKLIST, Where.TIMELINE,
                  Where.COMPOSER,
                  Where.FOLLOWUPS, Where.HANDBOOK, Where.POSTMORTEM, Where.METRICS, Where.OWN_WINDOW,
                  Where.OUTBOX, Where.EVIDENCE, Where.DEBRIEF):
        assert where.value in text
        for keys, words in actions.sheet_rows(where):
            assert f"<b>{keys}</b></td><td>{words}<" in text
    assert "<b>Ctrl+1 … Ctrl+5</b></td><td>Severity SEV-1 … SEV-5<" in text  # a family is one line
    assert "<b>X / Del</b></td><td>retract<" in text
    assert Where.LIST.value not in text
    qtbot.keyClicks(page.timeline, "?")
    assert not window.cheat_sheet.isVisible()
    # On the list: the window's keys and the list's, no board.
    qtbot.keyClick(page.timeline, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.list_page
    window.list_page.table.setFocus()
    qtbot.keyClicks(window.list_page.table, "?")
    text = unescape(window.cheat_sheet.text())
    assert "Filter incidents" in text and Where.BOARD.value not in text and "In the note box" not in text
    for where in (Where.HANDBOOK, Where.POSTMORTEM, Where.METRICS, Where.FOLLOWUPS):  # the other windows too
        for keys, words in actions.sheet_rows(where):
            assert f"<b>{keys}</b></td><td>{words}<" in text


def test_a_letter_acts_only_in_its_own_panel(qtbot, window, page):
    """E in the timeline edits the entry; E in Tasks would extend a task; typed in the note box it is text."""
    qtbot.keyClicks(page.note_edit, "first note")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(page.note_edit, "DERPXH ")
    assert page.note_edit.text() == "DERPXH "
    assert not page.entry_bar.isVisible() and not page.tasks_panel.bar.isVisible()
    page.note_edit.clear()
    page.timeline.setFocus()
    page.timeline.setCurrentIndex(page.model.index(page.model.rowCount() - 1, 0))
    qtbot.keyClick(page.timeline, Qt.Key.Key_Delete)  # the second key of "retract"
    assert page.entry_bar.isVisible() and page.entry_bar.label.text().startswith("Retract E")
    assert not page.tasks_panel.bar.isVisible()


def test_hints_on_the_board_quote_the_table(page):
    """The tasks panel's title and the check-back alert say the keys the table gives."""
    legend = actions.legend(Where.TASKS)
    assert legend == "D done · E extend · R reassign"
    titles = [w.text() for w in page.tasks_panel.findChildren(type(page.alert)) if w.objectName() == "panelTitle"]
    assert titles == [f"Tasks  (Ctrl+T new · {legend})"]
