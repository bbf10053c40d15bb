"""After the call, in the window: the guided close, the post-mortem editor with live lint,
and the follow-ups across incidents."""

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from console import exports
from console.service import IncidentService
from ui import palette




def texts(page):
    return [page.model.entry_at(r).text for r in range(page.model.rowCount())]


def step(qtbot, window, page, text):
    bar = page.closing_bar
    bar.edit.setText(text)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.message.text().startswith(f"Step {text.split()[0]} logged"), timeout=3000)


def test_close_the_call_step_by_step(qtbot, window, page, where, clock):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert page.closing_bar.isVisible() and page.prompt_strip.current["moment"] == "at_close"
    step(qtbot, window, page, "1")
    step(qtbot, window, page, "2")
    step(qtbot, window, page, "3 Dee Patel 2026-04-01")
    step(qtbot, window, page, "4 Dee Patel")
    step(qtbot, window, page, "5 remove the temporary firewall rule")
    qtbot.waitUntil(lambda: "Clean-up: remove the temporary firewall rule" in texts(page), timeout=3000)
    log = texts(page)
    assert "Call over; continue in the chat room" in log
    assert "Remaining discussion moves to the incident chat room" in log
    assert any(t.startswith("Postmortem owner: Dee Patel, due 2026-04-01") for t in log)
    assert "Clean-up: remove the temporary firewall rule" in log
    record = window.reader.postmortem.record(page.incident.id)
    assert record.owner == "Dee Patel" and record.acknowledged_at
    page.closing_bar.edit.setText("3 Dee soon")
    qtbot.keyClick(page.closing_bar.edit, Qt.Key.Key_Return)
    assert "YYYY-MM-DD" in page.closing_bar.message.text()


def test_the_editor_underlines_findings_and_keeps_versions(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    editor_window = page.close_out.postmortem_window
    assert editor_window.isVisible()
    text = editor_window.editor.toPlainText()
    assert text.startswith("# Postmortem: INC-1 Checkout down") and "## 10. Messaging" in text
    cursor = editor_window.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    editor_window.editor.setTextCursor(cursor)
    overview = text.index("## 1. Overview")
    cursor.setPosition(overview + len("## 1. Overview\n\n"))
    editor_window.editor.setTextCursor(cursor)
    qtbot.keyClicks(editor_window.editor, "It was human error. ")
    editor_window.refresh()
    rules = {f.rule for f in editor_window.findings}
    assert "u2-human-error" in rules
    finding = next(f for f in editor_window.findings if f.rule == "u2-human-error")
    assert editor_window.editor.toPlainText()[finding.start:finding.end].lower() == "human error"
    assert any(sel.cursor.selectedText().lower() == "human error" for sel in editor_window.editor.extraSelections())
    assert editor_window.findings_model.rowCount() == len(editor_window.findings)
    assert editor_window.editor.finding_at(finding.start + 1) is finding
    editor_window.activateWindow()
    qtbot.waitUntil(editor_window.isActiveWindow)
    with qtbot.waitSignal(editor_window.saved, timeout=3000):
        qtbot.keyClick(editor_window.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(window.reader.postmortem.versions(page.incident.id)) == 1
    assert "human error" in window.reader.postmortem.latest_text(page.incident.id)
    # The status moves along the process's flow only
    editor_window.status_box.setCurrentIndex(editor_window.status_box.findData("closed"))
    qtbot.waitUntil(lambda: "Not changed" in editor_window.message.text(), timeout=3000)
    assert editor_window.status_box.currentData() == "draft"
    editor_window.status_box.setCurrentIndex(editor_window.status_box.findData("in_review"))
    qtbot.waitUntil(lambda: window.reader.postmortem.record(page.incident.id) is not None
                    and window.reader.postmortem.record(page.incident.id).status == "in_review", timeout=3000)


def test_followups_across_incidents_with_overdue_marked(qtbot, where, clock):
    service = IncidentService.open(where.db_path, clock)
    first = service.incidents.declare("a", by="Ana", severity=2).incident
    second = service.incidents.declare("b", by="Ana", severity=3).incident
    service.followups.add(first.id, "late one", due_on=date(2026, 3, 1), by="Ana")
    service.followups.add(second.id, "later one", due_on=date(2026, 5, 1), by="Ana")
    service.followups.add(second.id, "no date", by="Ana")
    service.close()
    from ui import app as ui_app

    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready)
    qtbot.keyClick(win, Qt.Key.Key_F8)
    view = win.followups_window
    assert view.isVisible()
    qtbot.waitUntil(view.isActiveWindow)  # F8 brings it to the front, ready for its keys
    proxy = view.proxy
    due = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert due == ["2026-03-01", "2026-05-01", "—"]
    assert proxy.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == palette.colour("danger")
    assert proxy.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    view.table.setFocus()
    view.table.setCurrentIndex(proxy.index(0, 1))
    qtbot.keyClick(view.table, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: proxy.rowCount() == 2, timeout=3000)  # done ones are hidden
    assert "A1 done" in view.message.text()
    view.show_done.setChecked(True)
    assert proxy.rowCount() == 3
    win.close()


def test_export_everything_from_the_board_and_the_meeting_reminder(qtbot, window, page, where, clock, monkeypatch):
    from datetime import timedelta

    from console import chain_seal

    monkeypatch.setattr(chain_seal, "_key", None)  # this process has not asked the keyring yet
    monkeypatch.setattr(chain_seal, "_why_not", None)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    # The keyring is asked on a thread (the window does not wait for it), then the files come.
    assert page.note_status.text().startswith("Exporting")
    qtbot.waitUntil(lambda: "Exported to" in page.note_status.text(), timeout=60000)
    written = sorted(p.suffix for p in where.exports_dir.iterdir())
    assert written == sorted(e.suffix for e in exports.every() if e.name != "ics")  # no meeting: no .ics
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in where.exports_dir.iterdir())
    assert "Exported to" in page.note_status.text()
    incident_id = page.incident.id
    meeting = clock.now() + timedelta(hours=20)
    with qtbot.waitSignal(window.writer.changed, timeout=3000, raising=False):
        window.writer.submit(lambda s: s.postmortem.set_details(incident_id, meeting_at=meeting, by="Ana"))
    qtbot.waitUntil(lambda: window.reader.postmortem.record(incident_id) is not None
                    and window.reader.postmortem.record(incident_id).meeting_at is not None)
    page.tick()
    assert page.callout.isVisible() and "not been shared for review" in page.callout.text()


def test_editor_sets_meeting_and_recording_and_regenerates_with_all_entries(qtbot, window, page):
    qtbot.keyClicks(page.note_edit, "an unpinned note")
    with qtbot.waitSignal(window.writer.changed):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    page.close_out.open_postmortem()
    editor = page.close_out.postmortem_window
    assert "an unpinned note" not in editor.editor.toPlainText()
    editor.meeting_edit.setText("2026-04-02T10:00Z")
    editor.recording_edit.setText("https://recordings.example/inc-1")
    qtbot.keyClick(editor.recording_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.message.text() == "Meeting and recording recorded.", timeout=3000)
    record = window.reader.postmortem.record(page.incident.id)
    assert record.meeting_at == "2026-04-02T10:00:00.000Z" and record.recording.endswith("inc-1")
    editor.editor.setPlainText("my edits")
    editor.all_entries.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=3000):
        editor.regenerate()
    assert window.reader.postmortem.latest_text(page.incident.id) == "my edits"
    text = editor.editor.toPlainText()
    assert "an unpinned note" in text and "https://recordings.example/inc-1" in text


def test_opening_the_editor_turns_todos_into_followups(qtbot, window, page):
    qtbot.keyClicks(page.note_edit, "todo: add a canary check for 502s")
    with qtbot.waitSignal(window.writer.changed):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    page.close_out.open_postmortem()
    qtbot.waitUntil(lambda: len(window.reader.followups.all(page.incident.id)) == 1, timeout=3000)
    assert window.reader.followups.all(page.incident.id)[0].text == "add a canary check for 502s"
    page.close_out.open_postmortem()  # again: nothing imported twice
    with qtbot.waitCallback() as done:  # jobs run in order: this one ends after the import
        window.writer.submit(lambda service: None, done)
    assert len(window.reader.followups.all(page.incident.id)) == 1


def test_editor_meeting_at_hh_mm_is_today_not_years_ahead(qtbot, window, page):
    from datetime import datetime

    from console import times

    page.close_out.open_postmortem()
    editor = page.close_out.postmortem_window
    editor.meeting_edit.setText("10:00")
    qtbot.keyClick(editor.recording_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.message.text() == "Meeting and recording recorded.", timeout=3000)
    meeting = times.from_text(window.reader.postmortem.record(page.incident.id).meeting_at)
    assert meeting.astimezone().date() == datetime.now().astimezone().date()
    assert meeting.astimezone().strftime("%H:%M") == "10:00"
