"""A security incident in the window (issue 14): declared from the bar with Alt+S, known by its
codename in the window's title, the list and the update composer, its real title on its board
only; the security checklist with its review dates; its export is an entry; the line under the
note box says its message waits for forensics. Real widgets, real key presses, a real store."""

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_composer import open_composer

TITLE = "Card numbers read through a leaked admin token"


@pytest.fixture
def secret(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    bar = window.list_page.declare_bar
    qtbot.keyClicks(bar.title_edit, TITLE)
    qtbot.keyClick(bar.title_edit, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # the box's mnemonic
    qtbot.waitUntil(bar.security_box.isChecked)  # a mnemonic clicks the box, and gives it the focus
    qtbot.keyClick(bar.security_box, Qt.Key.Key_Return)  # Enter declares from any field
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def test_the_codename_replaces_the_title_everywhere_but_the_board(qtbot, window, secret):
    incident = window.reader.incidents.get(secret.incident.id)
    assert incident.security and incident.codename
    assert incident.codename in window.windowTitle() and TITLE not in window.windowTitle()
    # The board: codename first, then the real title.
    shown = secret.header.title_label.text()
    assert shown.startswith(f"INC-1 · {incident.codename} <span") and shown.endswith(f"— {TITLE}</span>")
    assert secret.header.status_label.text() == "ACTIVE · SECURITY · COMMS HELD"
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClicks(secret.note_edit, "/forensics-clear no insider sessions")
        qtbot.keyClick(secret.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: secret.header.status_label.text() == "ACTIVE · SECURITY")
    # The list: the codename only, and it is what the filter finds.
    qtbot.keyClick(secret.note_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.list_page)
    model = window.list_page.table.model()
    shown = [model.index(row, 3).data() for row in range(model.rowCount())]
    assert shown == [incident.codename]
    assert window.list_page.declare_bar.security_box.isChecked() is False  # the next one starts ordinary


def test_the_update_template_names_the_codename(qtbot, secret, window):
    composer = open_composer(qtbot, secret, "executives")
    text = composer.editor.toPlainText()
    incident = window.reader.incidents.get(secret.incident.id)
    assert incident.codename in text and TITLE not in text


def test_an_executive_summary_waits_for_forensics_and_says_so(qtbot, secret, window):
    qtbot.keyClicks(secret.note_edit, "/update executives Contained; details on the secure channel.")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(secret.note_edit, Qt.Key.Key_Return)
    # No destination takes executives messages here, so none is queued; the line says so.
    qtbot.waitUntil(lambda: secret.scribe.note_status.text().startswith("Update to executives recorded"))
    assert "no destination takes executives messages" in secret.scribe.note_status.text()


def test_a_statement_that_breaks_the_security_rules_is_not_sent(qtbot, secret, window):
    composer = open_composer(qtbot, secret, "customers")
    composer.editor.setPlainText("We take security very seriously.\nSorry for the trouble with your cards.")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "not sent: INC-1 is a security incident" in composer.findings.text(), timeout=5000)
    assert composer.isVisible() and window.reader.updates.all(secret.incident.id) == []


def test_the_security_checklist_shows_its_review_dates(qtbot, secret, window):
    model = secret.checklist_model
    headings = [model.index(row, 0).data() for row in range(model.rowCount())]
    [security] = [h for h in headings if h.startswith("Security incident")]
    assert "last reviewed 2026-11-30" in security and "last tested not recorded" in security


def test_export_everything_is_an_entry_and_no_file_holds_the_title(qtbot, secret, window, where):
    qtbot.keyClick(secret.note_edit, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: "Exported to" in secret.note_status.text(), timeout=60000)
    qtbot.waitUntil(lambda: window.reader.timeline.all(secret.incident.id)[-1].text.startswith("Exported ("),
                    timeout=5000)
    last = window.reader.timeline.all(secret.incident.id)[-1]
    assert last.author == "Ana" and "marked Attorney Work Project" in last.text
    files = sorted(where.exports_dir.iterdir())
    assert files
    for path in files:
        if path.suffix != ".pdf":  # the PDF is compressed: tests/core reads it back
            text = path.read_text(encoding="utf-8")
            assert "leaked admin token" not in text and "Attorney Work Project" in text, path.name
