"""The timeline as a reader sees it: every entry whole, wrapped to the view's width, and the
newest entry followed in, whatever brought it, unless the reader has scrolled up; then a
notice says how many arrived and one key (the table's "newest") jumps to them."""

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from console.service import IncidentService
from ui import actions
from ui import app as ui_app

ROOT = Path(__file__).resolve().parents[2]
LONG = ("First customer ticket: checkout fails with a 502 after the card form is sent; the customer "
        "retried three times from two browsers and saw the same page each time, reference 77-1203")


def board(qtbot, where, clock, entries: int = 60, size=(1366, 768)):
    service = IncidentService.open(where.db_path, clock)
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    for i in range(entries):
        clock.advance(seconds=1)
        service.timeline.log(incident.id, f"note {i}: " + "replica lag again " * (i % 4), by="Ben")
    service.close()
    window = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(window)
    window.resize(*size)
    qtbot.waitUntil(lambda: window.writer.is_ready and window.process is not None)
    window.open_incident(incident.id)
    page = window.incident_page
    qtbot.waitUntil(lambda: newest_in_view(page))
    return window, page


def newest_in_view(page) -> bool:
    """The newest row is laid out and wholly inside the visible part of the timeline."""
    view = page.timeline
    rect = view.visualRect(page.model.index(page.model.rowCount() - 1, 0))
    return rect.height() > 0 and view.viewport().rect().contains(rect)


def press(qtbot, widget, key: str) -> None:
    combination = QKeySequence(key)[0]
    qtbot.keyClick(widget, combination.key(), combination.keyboardModifiers())


def type_line(qtbot, window, page, text: str) -> None:
    page.focus_note()
    qtbot.keyClicks(page.note_edit, text)
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)


def last_text(page) -> str:
    return page.model.entry_at(page.model.rowCount() - 1).text


def test_an_entry_is_shown_whole_and_wrapped_again_when_the_width_changes(qtbot, where, clock):
    window, page = board(qtbot, where, clock, entries=5, size=(1920, 1080))
    type_line(qtbot, window, page, LONG)
    view, delegate = page.timeline, page.timeline.itemDelegate()
    index = page.model.index(page.model.rowCount() - 1, 0)
    wide = delegate.shown_lines(view, index)
    assert "".join(wide) == LONG and len(wide) >= 2
    line = view.fontMetrics().height()
    assert view.visualRect(index).height() >= len(wide) * line
    assert all(view.fontMetrics().horizontalAdvance(text.rstrip()) <= view.viewport().width() for text in wide)
    window.grab()  # painted without trouble
    # A narrower window: more lines, and the row grows to hold them.
    height = view.visualRect(index).height()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: view.visualRect(index).height() > height)
    narrow = delegate.shown_lines(view, index)
    assert "".join(narrow) == LONG and len(narrow) > len(wide)
    assert view.visualRect(index).height() >= len(narrow) * line
    assert view.horizontalScrollBar().maximum() == 0  # never sideways
    assert newest_in_view(page)


def test_an_author_that_does_not_fit_after_the_chip_starts_the_next_line_whole(qtbot, where, clock):
    """Entries from another day show their date; beside a video call (1,100 px) that left the
    author cut to its first two letters. Now the author moves under the chip, whole."""
    service = IncidentService.open(where.db_path, clock)
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    author = "Arundhati Raghunathan"
    service.timeline.log(incident.id, "old note about replica lag", by=author)
    service.close()
    clock.advance(seconds=2 * 86_400)  # the entry is now another day's: its time shows the date
    window = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(window)
    window.resize(1100, 720)
    qtbot.waitUntil(lambda: window.writer.is_ready and window.process is not None)
    window.open_incident(incident.id)
    page = window.incident_page
    qtbot.waitUntil(lambda: newest_in_view(page))
    view, delegate = page.timeline, page.timeline.itemDelegate()
    index = page.model.index(page.model.rowCount() - 1, 0)
    assert not page.model.is_today(page.model.entry_at(index.row()))
    shown, where_ = delegate.shown_author(view, index)
    content = view.viewport().width() - 2 * delegate.PAD
    assert shown == f"{author}: "  # whole, not elided
    line = view.fontMetrics().height()
    assert where_.top() == line  # on the second line ...
    assert where_.left() + view.fontMetrics().horizontalAdvance(shown) <= content  # ... inside the row
    assert "".join(delegate.shown_lines(view, index)) == "old note about replica lag"
    assert view.visualRect(index).height() >= 2 * line
    # A wide window has room after the chip: the author stays on the first line.
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: delegate.shown_author(view, index)[1].top() == 0)
    assert delegate.shown_author(view, index)[0] == f"{author}: "
    window.grab()  # painted without trouble


def test_line_breaks_in_a_corrected_entry_are_kept(qtbot, where, clock):
    window, page = board(qtbot, where, clock, entries=3)
    entry = page.model.entry_at(page.model.rowCount() - 1)
    incident_id = page.incident.id
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        window.writer.submit(lambda s: s.history.revise(incident_id, entry.id, "rolled back\nerrors at 0.1%", by="Ana"))
    lines = page.timeline.itemDelegate().shown_lines(page.timeline, page.model.index(page.model.rowCount() - 1, 0))
    assert len(lines) == 2 and lines[0].startswith("rolled back") and lines[1] == "errors at 0.1%"


def test_the_newest_entry_is_followed_whatever_brought_it(qtbot, where, clock):
    window, page = board(qtbot, where, clock)
    # a note of one's own, a long one
    type_line(qtbot, window, page, LONG)
    qtbot.waitUntil(lambda: newest_in_view(page))
    # a hand-over, by the role bar
    for letter, name in (("i", "Ana"), ("i", "Ben")):
        press(qtbot, page.note_edit, actions.BY_NAME["assign"].keys[0])
        qtbot.keyClicks(page.roles_panel.bar.edit, letter + name)
        with qtbot.waitSignal(window.writer.changed, timeout=3000):
            qtbot.keyClick(page.roles_panel.bar.edit, Qt.Key.Key_Return)
    assert last_text(page) == "Command passed from Ana to Ben"
    qtbot.waitUntil(lambda: newest_in_view(page))
    # a severity change, by its key
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        press(qtbot, page.note_edit, actions.BY_NAME["severity_1"].keys[0])
    qtbot.waitUntil(lambda: newest_in_view(page) and "SEV-1" in last_text(page))
    # the check-back entry, when a task's time runs out
    type_line(qtbot, window, page, "/task Cy 1 restart the workers")
    clock.advance(minutes=1, seconds=1)
    page.tick()
    qtbot.waitUntil(lambda: last_text(page).startswith("Check-back due") and newest_in_view(page), timeout=3000)
    # with the composer open under the timeline (a shorter view), an update sent
    press(qtbot, page.note_edit, actions.BY_NAME["update"].keys[0])
    assert page.composer.isVisible()
    page.composer.editor.setPlainText("Rolling back; next update in 15 minutes.")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: last_text(page).startswith("Update to") and newest_in_view(page))
    # an entry from another process
    result = subprocess.run([sys.executable, "-m", "console", "log", page.incident.ref, "from the CLI", "--by", "Dee"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    qtbot.waitUntil(lambda: last_text(page) == "from the CLI" and newest_in_view(page), timeout=3000)
    assert not page.scribe.scroll.notice.isVisible()


def test_scrolled_up_new_entries_wait_behind_a_notice_and_one_key_jumps_to_them(qtbot, where, clock):
    window, page = board(qtbot, where, clock)
    view, bar = page.timeline, page.timeline.verticalScrollBar()
    # The reader goes up the timeline by keyboard.
    view.setFocus()
    view.setCurrentIndex(page.model.index(page.model.rowCount() - 1, 0))
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_PageUp)
    held = bar.value()
    assert held < bar.maximum()
    notice = page.scribe.scroll.notice
    type_line(qtbot, window, page, "while you were reading")
    type_line(qtbot, window, page, "and another")
    assert bar.value() == held and not newest_in_view(page)  # not yanked down
    assert notice.isVisible() and notice.text().startswith("2 new entries")
    jump = actions.keys_of("newest")
    assert jump in notice.text()
    assert view.rect().contains(notice.geometry())  # over the timeline, not a window of its own
    assert not notice.isWindow() and notice.focusPolicy() == Qt.FocusPolicy.NoFocus
    # The scribe, back in the note box, jumps with the key.
    press(qtbot, page.note_edit, actions.BY_NAME["newest"].keys[0])
    qtbot.waitUntil(lambda: newest_in_view(page))
    assert not notice.isVisible() and last_text(page) == "and another"
    # Following again: the next entry comes into view by itself.
    type_line(qtbot, window, page, "following again")
    qtbot.waitUntil(lambda: newest_in_view(page) and last_text(page) == "following again")


def test_scrolling_back_down_by_hand_clears_the_notice(qtbot, where, clock):
    window, page = board(qtbot, where, clock)
    view = page.timeline
    view.setFocus()
    view.setCurrentIndex(page.model.index(page.model.rowCount() - 1, 0))
    for _ in range(2):  # the first goes to the top row in sight, the second scrolls
        qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.verticalScrollBar().value() < view.verticalScrollBar().maximum()
    type_line(qtbot, window, page, "arrived")
    notice = page.scribe.scroll.notice
    assert notice.isVisible() and notice.text().startswith("1 new entry ")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)  # the view's own End: to the last row
    qtbot.waitUntil(lambda: newest_in_view(page) and not notice.isVisible())


def test_the_jump_key_is_on_the_cheat_sheet(qtbot, where, clock):
    window, page = board(qtbot, where, clock, entries=1)
    page.timeline.setFocus()
    qtbot.keyClicks(page.timeline, "?")
    assert f"<b>{actions.keys_of('newest')}</b></td><td>{actions.BY_NAME['newest'].text}<" in window.cheat_sheet.text()
