"""The editor's as-you-type lint answers in time under a hostile organisation rule (issue 9, part 4)."""

import time

import pytest
from PySide6.QtCore import Qt

from tests.core.test_hostile_process import BUDGET, rule


@pytest.fixture
def hostile_rule(where):
    """An override rule that backtracks catastrophically in a backtracking engine."""
    where.process_dir.mkdir(parents=True, exist_ok=True)
    (where.process_dir / "lint_rules.yaml").write_text(rule("^(a+)+$"), encoding="utf-8")


def test_the_editor_lints_as_you_type_in_time_under_a_hostile_rule(hostile_rule, qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    editor_window = page.close_out.postmortem_window
    text = editor_window.editor.toPlainText()
    overview = text.index("## 1. Overview\n") + len("## 1. Overview\n")
    hostile = "aaaa\n" + ("a" * 24 + "!\n") * 3 + "word " * 2000 + "\n"
    editor_window.editor.setPlainText(text[:overview] + hostile + text[overview:])
    start = time.monotonic()
    editor_window.refresh()  # what the pause timer calls after each burst of typing
    assert time.monotonic() - start < BUDGET
    found = [(f.section, f.text) for f in editor_window.findings if f.rule == "org-rule"]
    assert found == [("overview", "aaaa")]
