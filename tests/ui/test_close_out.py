"""The guided close of the call (Ctrl+Shift+X): Esc closes the bar and never the board, the
named post-mortem owner shows in Roles, and the owner's acknowledgement says who typed it."""

from PySide6.QtCore import Qt


def step(qtbot, page, text):
    bar = page.closing_bar
    bar.edit.setText(text)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.message.text().startswith(f"Step {text.split()[0]} logged"), timeout=3000)


def test_esc_closes_the_close_out_bar_and_stays_on_the_board(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    bar = page.closing_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    step(qtbot, page, "2")
    assert "Esc when done" in bar.message.text()
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.stack.currentWidget() is page  # not the incident list
    assert page.note_edit.hasFocus()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Escape)  # Esc from the note box still goes back
    assert window.stack.currentWidget() is window.list_page


def test_the_named_owner_shows_in_roles_and_the_ack_says_who_typed_it(qtbot, window, page, where):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    step(qtbot, page, "3 Dee Patel 2026-04-01")
    qtbot.waitUntil(lambda: [a.person for a in page.roles_model.holders("postmortem_owner")] == ["Dee Patel"],
                    timeout=3000)
    owner_row = next(r for r in range(page.roles_model.rowCount())
                     if page.roles_model.role_at(r)["id"] == "postmortem_owner")
    assert page.roles_model.index(owner_row, 1).data() == "Dee Patel"
    step(qtbot, page, "4 dee patel")  # the owner said yes on the call; Ana types it
    record = window.reader.postmortem.record(page.incident.id)
    assert (record.owner, record.ack_typed_by) == ("Dee Patel", "Ana")
    entry = window.reader.timeline.all(page.incident.id)[-1]
    assert entry.author == "Ana"
    assert entry.text == "Ana for Dee Patel (Owner): acknowledged the postmortem, due 2026-04-01"
    # Naming the same owner again with a new date adds no second role entry.
    step(qtbot, page, "3 Dee Patel 2026-04-02")
    roster = [e.text for e in window.reader.timeline.all(page.incident.id) if e.kind == "roster"]
    assert roster == ["Postmortem Owner: Dee Patel"]


def test_an_acknowledgement_with_no_name_is_for_the_named_owner(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    page.closing_bar.edit.setText("4")
    qtbot.keyClick(page.closing_bar.edit, Qt.Key.Key_Return)
    assert page.closing_bar.message.text() == "Name the owner first: 3 NAME YYYY-MM-DD."
    step(qtbot, page, "3 Dee 2026-04-01")
    step(qtbot, page, "4")
    assert window.reader.postmortem.record(page.incident.id).ack_typed_by == "Ana"


def test_what_is_typed_while_a_step_saves_is_never_wiped(qtbot, window, page):
    """The e2e run's case: step 2 was sent, "3 Dee Patel ..." typed at once, and the bar
    emptied itself when step 2 was logged, taking the typed step with it."""
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    bar = page.closing_bar
    qtbot.keyClicks(bar.edit, "2")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
        assert bar.edit.text() == ""  # the step left the field as it was sent
        qtbot.keyClicks(bar.edit, "3 Dee Patel 2026-04-01")  # typed before step 2 is logged
    qtbot.waitUntil(lambda: bar.message.text().startswith("Step 2 logged"), timeout=3000)
    assert bar.message.ok  # a confirmation, in the text colour
    assert bar.edit.text() == "3 Dee Patel 2026-04-01"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.message.text().startswith("Step 3 logged"), timeout=3000)
    assert window.reader.postmortem.record(page.incident.id).owner == "Dee Patel"
    assert bar.edit.text() == ""


def test_a_step_that_cannot_be_logged_comes_back_into_the_bar(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    bar = page.closing_bar
    too_long = "5 " + "y" * 10_001  # the core refuses an entry this long
    bar.edit.setText(too_long)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(bar.edit, "4")  # typed while it saves
    qtbot.waitUntil(lambda: bar.message.text().startswith("Not logged"), timeout=3000)
    assert "too long" in bar.message.text() and not bar.message.ok
    assert bar.edit.text() == f"{too_long} 4"  # the step back, ahead of what was typed since
