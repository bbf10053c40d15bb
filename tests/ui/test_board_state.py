"""What the board says stays true: the window's title, the severity's definition, messages that
tell success from failure, prompts that go when they no longer apply, clocks that stop at
resolve with an offer for the tasks still open, task numbers within the incident, and the two
links the keyboard could not reach. Real window, real store, real key presses; the fake clock.
"""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def page(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    window.list_page.declare_bar.severity_box.setCurrentIndex(2)  # SEV-2
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout fails")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def line(qtbot, window, page, text):
    """Type a line into the note box and wait until it is recorded: "saving…" under the box
    goes when the write is done, after the board has shown the change."""
    page.note_edit.setFocus()
    qtbot.keyClicks(page.note_edit, text)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.note_edit.text() == "" and page.note_status.text() != "saving…", timeout=3000)


def text_colour(label: QLabel):
    label.ensurePolished()
    return label.palette().color(QPalette.ColorRole.WindowText)


# -- the title and the header ------------------------------------------------------------------


def test_the_window_title_names_the_incident_and_follows_every_change(qtbot, window, page):
    assert window.windowTitle() == "INC-1 SEV-2 — Checkout fails — Incident Console"
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_1, CTRL)
    assert window.windowTitle() == "INC-1 SEV-1 — Checkout fails — Incident Console"
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Escape)  # back to the list
    assert window.stack.currentWidget() is window.list_page
    assert window.windowTitle() == "Incident Console"


def test_another_writer_s_change_updates_the_title(qtbot, window, page, where, clock):
    from console.service import IncidentService

    other = IncidentService.open(where.db_path, clock)
    try:
        other.incidents.set_severity(page.incident.id, 3, by="Cy")
    finally:
        other.close()
    qtbot.waitUntil(lambda: window.windowTitle().startswith("INC-1 SEV-3 — "), timeout=2000)


def test_the_severity_s_response_reads_as_sentences(page):
    text = page.header.definition_label.text()
    assert ".;" not in text
    assert "roles named. Follow the during-an-incident steps." in text


# -- messages ----------------------------------------------------------------------------------


def test_a_confirmation_is_not_in_the_error_colour_and_an_error_is(qtbot, window, page):
    status = page.note_status
    qtbot.keyClick(page.note_edit, Qt.Key.Key_S, CTRL_SHIFT)  # sound off
    assert status.text() == "Sound off." and status.ok
    done_colour = text_colour(status)
    assert done_colour == window.palette().color(QPalette.ColorRole.WindowText)
    qtbot.keyClicks(page.note_edit, "/done T9")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "no task T9" in status.text(), timeout=3000)
    assert not status.ok
    assert text_colour(status) != done_colour  # the error colour, distinct
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Comma, CTRL)  # prompts snoozed: a confirmation again
    assert status.text().startswith("Prompts snoozed") and status.ok and text_colour(status) == done_colour


def test_saving_and_restoring_are_said_in_the_text_colour(qtbot, window, page, where, clock):
    """The e2e run saw "saving…" and "Restored what you were typing…" in the error colour."""
    status = page.note_status
    qtbot.keyClicks(page.note_edit, "a note")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
        assert status.text() == "saving…" and status.ok  # while the line is on its way
    from console.service import IncidentService

    other = IncidentService.open(where.db_path, clock)
    try:
        other.drafts.save("Ana", page.incident.id, "half a thought")
    finally:
        other.close()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Escape)  # the list, then the board again
    qtbot.keyClick(window.list_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page)
    assert page.note_edit.text() == "half a thought"
    assert status.text().startswith("Restored what you were typing") and status.ok
    assert text_colour(status) == window.palette().color(QPalette.ColorRole.WindowText)


def test_the_timeline_has_one_delegate_the_scribe_s(page):
    """The board's layout set up a one-line delegate, uniform rows and no wrapping, all of it
    replaced at once by the scribe's whole entries: one delegate, rows of their own heights."""
    from ui.timeline_delegate import TimelineDelegate

    delegates = page.timeline.findChildren(TimelineDelegate)
    assert delegates == [page.timeline.itemDelegate()]
    assert not page.timeline.uniformItemSizes() and page.timeline.wordWrap()


# -- prompts -----------------------------------------------------------------------------------


def test_the_opening_prompt_goes_once_someone_is_ic(qtbot, window, page):
    assert page.prompt_strip.current["moment"] == "on_join"
    assert "No commander yet" in page.prompt_strip.text.text()
    line(qtbot, window, page, "/ic Ana")
    assert "No commander yet" not in page.prompt_strip.text.text()
    assert page.prompt_strip.current is None or page.prompt_strip.current["moment"] != "on_join"


def test_the_time_box_prompt_goes_once_the_task_is_done(qtbot, window, page, clock):
    line(qtbot, window, page, "/ic Ana")
    line(qtbot, window, page, "/task Ben 5 check the replicas")
    clock.advance(minutes=5, seconds=1)
    page.tick()
    assert page.prompt_strip.current["moment"] == "timer_expired"
    assert "Time-box up?" in page.prompt_strip.text.text()
    line(qtbot, window, page, "/done T1")
    assert "Time-box up?" not in page.prompt_strip.text.text()
    clock.advance(seconds=1)
    page.tick()  # and on the clock, too
    assert page.prompt_strip.current is None or page.prompt_strip.current["moment"] != "timer_expired"


def test_a_lull_prompt_goes_when_something_is_recorded(qtbot, window, page, clock):
    line(qtbot, window, page, "/ic Ana")
    clock.advance(minutes=6)
    page.tick()
    assert page.prompt_strip.current["moment"] == "lull"
    line(qtbot, window, page, "f: error rate falling")
    assert page.prompt_strip.current is None or page.prompt_strip.current["moment"] != "lull"


# -- resolving with open tasks -----------------------------------------------------------------


def writes(text):
    """For waitSignal: the change that wrote an entry starting with `text` (not one before it)."""
    return lambda change: any(e.text.startswith(text) for e in change.entries)


def open_two_tasks_and_resolve(qtbot, window, page, clock):
    line(qtbot, window, page, "/ic Ana")
    line(qtbot, window, page, "/task Ben 5 check the replicas")
    line(qtbot, window, page, "/task Cy 20 draft the status post")
    clock.advance(minutes=7)
    page.tick()
    qtbot.waitUntil(lambda: any(e.text.startswith("Check-back due: T1")  # T1 ran out before the resolve
                                for e in page._reader.timeline.all(page.incident.id)))
    assert page.alert.isVisible()
    with qtbot.waitSignal(window.writer.changed, timeout=3000, check_params_cb=writes("Status active -> resolved")):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_R, CTRL_SHIFT)
    assert page.incident.status == "resolved"


def task_rows(page):
    return [page.tasks_model.data(page.tasks_model.index(r, 0)) for r in range(page.tasks_model.rowCount())]


def test_resolving_with_open_tasks_stops_the_clocks_and_offers_to_close_them(qtbot, window, page, clock):
    page.toggle_call_mode()
    window.activateWindow()  # the call-mode window came up on top; the keys go to the board
    qtbot.waitUntil(window.isActiveWindow)
    open_two_tasks_and_resolve(qtbot, window, page, clock)
    bar = page.open_tasks_bar
    assert bar.isVisible() and "2 tasks still open" in bar.message.text()
    assert "T1 Ben: check the replicas" in bar.message.text() and bar.close_button.hasFocus()
    assert not page.alert.isVisible()
    rows, header, call = task_rows(page), page.header.elapsed_label.text(), page.call_values()
    assert header == "Resolved after 7m 00s" and call["elapsed"] == "Resolved after 7m 00s"
    assert call["checkback"] == "Open at resolve: 2 tasks"
    roles = page.roles_model.data(page.roles_model.index(0, 2))
    clock.advance(minutes=30)
    page.tick()
    assert task_rows(page) == rows and "OVERDUE 2:00" in rows[0] and "13:00 left" in rows[1]
    assert page.header.elapsed_label.text() == header and page.call_values()["elapsed"] == call["elapsed"]
    assert page.call_window.labels["elapsed"].text() == "Resolved after 7m 00s"
    assert page.roles_model.data(page.roles_model.index(0, 2)) == roles  # time in the role: final too
    assert not page.alert.isVisible() and page.tasks_model.overdue() == [page.tasks_model.task_at(0)]
    with qtbot.waitSignal(window.writer.changed, timeout=3000, check_params_cb=writes("Closed unfinished")):
        qtbot.keyClick(bar.close_button, Qt.Key.Key_Return)
    assert not bar.isVisible() and page.tasks_model.rowCount() == 0
    assert page.note_status.text() == "2 tasks closed." and page.note_status.ok
    texts = [e.text for e in page._reader.timeline.all(page.incident.id)]
    assert "Closed unfinished: T1 check the replicas (Ben)" in texts
    assert page.note_edit.hasFocus()


def test_open_tasks_can_go_to_follow_ups_by_keyboard(qtbot, window, page, clock):
    open_two_tasks_and_resolve(qtbot, window, page, clock)
    bar = page.open_tasks_bar
    qtbot.keyClick(bar.close_button, Qt.Key.Key_Tab)
    assert bar.hand_button.hasFocus()
    with qtbot.waitSignal(window.writer.changed, timeout=3000, check_params_cb=writes("Handed to follow-up")):
        qtbot.keyClick(bar.hand_button, Qt.Key.Key_Space)
    items = page._reader.followups.all(page.incident.id)
    assert [(i.text, i.owner) for i in items] == [("check the replicas", "Ben"), ("draft the status post", "Cy")]
    assert page.note_status.text().startswith("2 tasks handed to follow-ups") and page.note_status.ok


def test_esc_leaves_the_tasks_open_and_stays_on_the_board(qtbot, window, page, clock):
    open_two_tasks_and_resolve(qtbot, window, page, clock)
    bar = page.open_tasks_bar
    qtbot.keyClick(bar.close_button, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.stack.currentWidget() is page
    assert page.tasks_model.rowCount() == 2 and page.note_edit.hasFocus()


def test_reopening_runs_the_clocks_again_and_takes_the_offer_away(qtbot, window, page, clock):
    open_two_tasks_and_resolve(qtbot, window, page, clock)
    with qtbot.waitSignal(window.writer.changed, timeout=3000, check_params_cb=writes("Reopened")):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_A, CTRL_SHIFT)
    assert not page.open_tasks_bar.isVisible()
    before = task_rows(page)
    clock.advance(minutes=1)
    page.tick()
    assert task_rows(page) != before and page.header.elapsed_label.text().startswith("Declared 8m")


def test_resolved_from_the_note_box_the_offer_comes_too(qtbot, window, page):
    line(qtbot, window, page, "/task Ben 5 check the replicas")
    line(qtbot, window, page, "/status resolved")
    assert page.open_tasks_bar.isVisible() and "1 task still open" in page.open_tasks_bar.message.text()
    assert page.prompt_strip.current["moment"] == "at_close"


# -- task numbers on the board -----------------------------------------------------------------


def test_the_second_incident_s_first_task_is_t1_on_its_board(qtbot, window, page, clock):
    line(qtbot, window, page, "/task Ben 5 check the replicas")
    line(qtbot, window, page, "/task Cy 5 page the DBA")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Search slow")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.incident is not None and page.incident.ref == "INC-2", timeout=3000)
    line(qtbot, window, page, "/task Dee 5 look at the index")
    assert page.tasks_model.task_at(0).ref == "T1" and " T1 Dee: look at the index" in task_rows(page)[0]
    clock.advance(minutes=6)
    page.tick()
    assert "CHECK BACK NOW: T1 Dee" in page.alert.text()
    page.tasks_panel.view.setFocus()
    page.tasks_panel.view.setCurrentIndex(page.tasks_model.index(0, 0))
    qtbot.keyClick(page.tasks_panel.view, Qt.Key.Key_E)  # the bars name it by its number too
    assert page.tasks_panel.bar.label.text() == "Extend T1 by minutes:"
    qtbot.keyClick(page.tasks_panel.bar.edit, Qt.Key.Key_Escape)
    page.tasks_panel.view.setFocus()
    with qtbot.waitSignal(window.writer.changed, timeout=3000, check_params_cb=writes("Done: look at the index")):
        qtbot.keyClick(page.tasks_panel.view, Qt.Key.Key_D)  # D: done, by the incident's own number
    assert page.tasks_model.rowCount() == 0
    assert [t.done_at is None for t in page._reader.tasks.all(1)] == [True, True]  # INC-1's untouched


# -- keyboard reach ----------------------------------------------------------------------------


def test_the_severity_chip_is_reached_and_followed_by_keyboard(qtbot, page):
    chip = page.header.severity_label
    assert chip.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert chip.accessibleName().startswith("Severity SEV-2") and "handbook" in chip.accessibleDescription()
    unfocused = chip.grab().toImage()
    chip.setFocus()
    assert chip.hasFocus() and chip.grab().toImage() != unfocused  # its focus can be seen
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Space):
        with qtbot.waitSignal(page.handbook_requested, timeout=1000) as opened:
            qtbot.keyClick(chip, key)
        assert opened.args == [page.process.severity(2)["page"]]


def test_the_prompt_s_link_is_reached_and_followed_by_keyboard(qtbot, page):
    link = page.prompt_strip.text
    assert link.focusPolicy() == Qt.FocusPolicy.StrongFocus and link.accessibleName()
    link.setFocus()
    with qtbot.waitSignal(page.handbook_requested, timeout=1000) as opened:
        qtbot.keyClick(link, Qt.Key.Key_Return)
    assert opened.args == [page.prompt_strip.current["page"]]


def test_the_tab_order_reaches_both_links(qtbot, window, page):
    """Shift+Tab from the note box (whose Tab completes a command) walks back through both."""
    page.note_edit.setFocus()
    seen = []
    for _ in range(80):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        seen.append(QApplication.focusWidget())
    assert page.prompt_strip.text in seen and page.header.severity_label in seen
