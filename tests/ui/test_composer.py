"""The message rules on a real update, in the window (issue 11): the composer shows what they
find before sending and after; the note box says what they found in an `/update` it sent.
Real widgets, real key presses, a real store."""

import sqlite3

import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def page(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Card payments failing")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def open_composer(qtbot, page, audience):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    composer = page.composer
    assert composer.isVisible()
    composer.audience_box.setCurrentIndex(composer.audience_box.findData(audience))
    return composer


def updates(where):
    conn = sqlite3.connect(where.db_path)
    try:
        return conn.execute("SELECT audience, text FROM updates ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_untouched_template_is_not_called_clean(qtbot, page):
    for audience in ("customers", "executives", "responders"):
        composer = open_composer(qtbot, page, audience)
        shown = composer.findings.text()
        assert "No problems" not in shown and "Not filled in yet" in shown, audience


def test_findings_before_sending_and_after(qtbot, window, page, where):
    composer = open_composer(qtbot, page, "customers")
    composer.editor.setPlainText("We are sorry: card payments fail on host api-east-12. "
                                 "A fix should be complete in 15 minutes.")
    before = composer.findings.text()
    assert "“api-east-12”" in before and "“in 15 minutes”" in before
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.findings.text().startswith("Sent to customers."))
    after = composer.findings.text()
    assert composer.isVisible() and "“api-east-12”" in after and "“in 15 minutes”" in after
    assert updates(where) == [("customers", composer.editor.toPlainText())]  # recorded all the same
    # Sending the same text again is refused; Esc closes.
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert composer.findings.text().startswith("Already sent")
    assert len(updates(where)) == 1
    qtbot.keyClick(composer.editor, Qt.Key.Key_Escape)
    assert not composer.isVisible()


def test_a_clean_update_closes_the_composer(qtbot, window, page, where):
    composer = open_composer(qtbot, page, "customers")
    composer.editor.setPlainText("We are sorry: some card payments are failing. A fix is being rolled out. "
                                 "Next update at 15:00 UTC.")
    assert composer.findings.text() == "No problems found by the message rules."
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not composer.isVisible())
    assert [a for a, _ in updates(where)] == ["customers"]


def test_an_update_from_the_note_box_says_what_the_rules_found(qtbot, window, page, where):
    qtbot.keyClicks(page.note_edit, "/update customers Payments fail on 10.0.3.7. Sorry, next update 15:00 UTC.")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.scribe.note_status.text().startswith("Sent."))
    assert "“10.0.3.7”" in page.scribe.note_status.text()
    assert updates(where) == [("customers", "Payments fail on 10.0.3.7. Sorry, next update 15:00 UTC.")]
