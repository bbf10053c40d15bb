"""The post-mortem editor by keyboard: Tab moves on, Ctrl+W closes, and the preview follows
the section being edited and what is typed (a moment after typing stops)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from ui.postmortem_window import LINT_PAUSE_MS, section_at

DOC = "intro\n# Title\n\ntext\n\n## One\n\na\nb\n\n```\n# not a heading\n```\n\n## Two\n\nlast\n"


@pytest.mark.parametrize(
    "needle, index",
    [("intro", -1), ("# Title", 0), ("text", 0), ("## One", 1), ("b\n", 1), ("# not", 1), ("last", 2)],
)
def test_section_at_counts_headings_outside_code_fences(needle, index):
    assert section_at(DOC, DOC.index(needle))[0] == index


def test_section_at_says_how_far_through_the_section():
    start, end = DOC.index("## One"), DOC.index("## Two")
    assert section_at(DOC, start) == (1, 0.0)
    middle = section_at(DOC, (start + end) // 2)[1]
    assert 0.4 < middle < 0.6
    assert section_at("", 0) == (-1, 0.0)


@pytest.fixture
def editor_window(qtbot, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    win = page.close_out.postmortem_window
    win.resize(1000, 500)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.editor.setFocus()
    return win


def move_to(editor, position):
    cursor = editor.textCursor()
    cursor.setPosition(position)
    editor.setTextCursor(cursor)


def test_tab_moves_focus_and_types_no_tab(qtbot, editor_window):
    editor = editor_window.editor
    before = editor.toPlainText()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert not editor.hasFocus()
    assert editor.toPlainText() == before and "\t" not in before
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor.hasFocus()


def test_ctrl_w_closes_the_editor(qtbot, editor_window):
    qtbot.keyClick(editor_window.editor, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not editor_window.isVisible()


def test_the_preview_follows_the_section_being_edited(qtbot, editor_window):
    editor, preview = editor_window.editor, editor_window.preview
    bar = preview.verticalScrollBar()
    assert bar.maximum() > 0  # the draft is longer than the preview
    move_to(editor, editor.toPlainText().index("## 10. Messaging"))
    assert bar.value() > bar.maximum() // 2
    # The heading being edited is on screen in the preview.
    heading = preview.document().find("10. Messaging")
    top = preview.cursorRect(heading).top()
    assert 0 <= top < preview.viewport().height()
    move_to(editor, 0)
    assert bar.value() == 0
    overview = editor.toPlainText().index("## 1. Overview")
    move_to(editor, overview)
    near_top = bar.value()
    move_to(editor, editor.toPlainText().index("## 5."))
    assert bar.value() > near_top  # further down the draft, further down the preview


def test_the_preview_shows_what_is_typed_a_moment_after_typing_stops(qtbot, editor_window):
    editor, preview = editor_window.editor, editor_window.preview
    move_to(editor, editor.toPlainText().index("## 10. Messaging") + len("## 10. Messaging\n"))
    qtbot.keyClicks(editor, "Zebra crossing ")
    assert "Zebra crossing" not in preview.toPlainText()  # not on every key: after a pause
    qtbot.waitUntil(lambda: "Zebra crossing" in preview.toPlainText(), timeout=LINT_PAUSE_MS * 8)
    cursor = preview.document().find("Zebra crossing")
    assert 0 <= preview.cursorRect(cursor).top() < preview.viewport().height()  # and it is in view


def test_findings_after_an_emoji_are_marked_where_they_are(qtbot, editor_window):
    """The rules count characters as Python does; the editor counts an emoji as two. A finding
    after one is underlined, selected by its row and hovered on its own words all the same."""
    editor = editor_window.editor
    move_to(editor, editor.toPlainText().index("## 10. Messaging") + len("## 10. Messaging\n"))
    editor.insertPlainText("The rollout was careless. ")
    move_to(editor, 0)
    editor.insertPlainText("🔥🔥🔥 ")
    editor_window.refresh()
    finding = next(f for f in editor_window.findings if f.text == "careless")
    underlined = [s.cursor.selectedText() for s in editor.extraSelections()]
    assert finding.text in underlined
    editor_window._jump(editor_window.findings_model.index(editor_window.findings.index(finding)))
    assert editor.textCursor().selectedText() == finding.text
    hovered = editor.textCursor()
    hovered.setPosition(editor.textCursor().selectionStart() + 1)
    assert editor.finding_at(hovered.position()) == finding
