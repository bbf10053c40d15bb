"""The IC's board driven by keyboard: roles, checklists, tasks and their timers, updates, call
mode, prompts, and changes from another process. Time is the fake clock; nothing sleeps."""

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from console.process import load_process
from ui.board_models import ChecklistModel, RolesModel, TasksModel

ROOT = Path(__file__).resolve().parents[2]


def no_modal():
    assert QApplication.activeModalWidget() is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


@pytest.fixture
def page(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    window.list_page.declare_bar.severity_box.setCurrentIndex(1)  # SEV-1
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout down")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)


def commit(qtbot, window, action):
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        action()


def texts(page):
    return [page.model.entry_at(r).text for r in range(page.model.rowCount())]


def test_declaring_shows_the_opening_prompt(page):
    assert page.prompt_strip.contextual
    assert page.prompt_strip.current["moment"] == "on_join"
    no_modal()


def test_assign_and_hand_over_by_keyboard(qtbot, window, page):
    def assign(letter, name):
        press(qtbot, page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        # Failed twice in 3.12 full runs (PySide6 6.12) and never in 22 reruns. The second time
        # the active window was a QListView (a completer's popup?), the focus in the note box
        # and the bar open. Say more of that window, should it happen again.
        active = QApplication.activeWindow()
        assert page.roles_panel.bar.edit.hasFocus(), (
            f"active window {active!r} (visible {active is not None and active.isVisible()}, "
            f"flags {active is not None and active.windowFlags()!r}, "
            f"completer's {getattr(page.roles_panel.bar.edit.completer(), 'popup', lambda: None)() is active}), "
            f"popup {QApplication.activePopupWidget()!r}, focus {QApplication.focusWidget()!r}, "
            f"bar visible {page.roles_panel.bar.isVisible()}")
        qtbot.keyClicks(page.roles_panel.bar.edit, letter)
        qtbot.keyClicks(page.roles_panel.bar.edit, name)
        commit(qtbot, window, lambda: press(qtbot, page.roles_panel.bar.edit, Qt.Key.Key_Return))

    assign("i", "Ana")
    assert page.note_edit.hasFocus()  # back to the note box: the scribe keeps typing
    assign("d", "Ben")
    assert [a.person for a in page.roles_model.holders("deputy")] == ["Ben"]
    assign("i", "Ben")
    assert "Command passed from Ana to Ben" in texts(page)
    assert [a.person for a in page.roles_model.holders("ic")] == ["Ben"]
    # Ben is now IC and Deputy: a warning, not a block
    page.tick()
    assert "Ben is IC and also Deputy" in page.roles_panel.warnings.text()
    assert not page.roles_panel.bar.isVisible()
    no_modal()


def test_a_wrong_role_key_says_which_keys_exist(qtbot, page):
    press(qtbot, page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.roles_panel.bar.edit, "x")
    assert "No role on key 'x'" in page.roles_panel.bar.message.text()
    press(qtbot, page.roles_panel.bar.edit, Qt.Key.Key_Escape)
    assert not page.roles_panel.bar.isVisible()


def test_warnings_for_empty_roles_and_long_command(qtbot, window, page, clock):
    page.tick()
    assert "Nobody is Incident Commander" in page.roles_panel.warnings.text()
    incident_id = page.incident.id
    commit(qtbot, window, lambda: window.writer.submit(lambda s: s.roster.assign(incident_id, "ic", "Ana", by="Ana")))
    clock.advance(minutes=61)
    page.tick()
    assert "Ana has been IC for 1h 01m" in page.roles_panel.warnings.text()


def test_check_items_by_keyboard(qtbot, window, page):
    tree = page.checklist_panel.tree
    first_group = page.checklist_model.index(0, 0)
    first_item = page.checklist_model.index(0, 0, first_group)
    tree.setFocus()
    tree.setCurrentIndex(first_item)
    commit(qtbot, window, lambda: press(qtbot, tree, Qt.Key.Key_Space))
    assert page.checklist_model.progress()[0] == 1
    assert page.checklist_panel.progress.text() == "1 of 23 done"
    label = first_item.data(ChecklistModel.ItemRole)["text"]
    assert f"Checked: {label}" in texts(page)
    upcoming = page.checklist_model.next_item()
    assert upcoming["id"] == page.checklist_model.index(1, 0, first_group).data(ChecklistModel.ItemRole)["id"]
    tree.setCurrentIndex(page.checklist_model.item_index(first_item.data(ChecklistModel.ItemRole)["id"]))
    commit(qtbot, window, lambda: press(qtbot, tree, Qt.Key.Key_Space))
    assert page.checklist_model.progress()[0] == 0 and f"Unchecked: {label}" in texts(page)
    # another role's list
    page.checklist_panel.role_box.setCurrentIndex(page.checklist_panel.role_box.findData("scribe"))
    assert page.checklist_model.progress()[1] > 0


def test_task_timer_expires_and_is_extended_done_or_reassigned(qtbot, window, page, clock):
    press(qtbot, page.note_edit, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.prompt_strip.current["moment"] == "on_assign"
    qtbot.keyClicks(page.tasks_panel.bar.edit, "Ben 5 check the replicas")
    commit(qtbot, window, lambda: press(qtbot, page.tasks_panel.bar.edit, Qt.Key.Key_Return))
    assert page.tasks_model.rowCount() == 1
    assert "5:00 left" in page.tasks_model.data(page.tasks_model.index(0, 0))
    clock.advance(minutes=5, seconds=1)
    page.tick()
    # the expiry is logged by its own write; let it land so the next wait is for our action
    qtbot.waitUntil(lambda: "Check-back due: T1 Ben: check the replicas" in texts(page))
    assert page.alert.isVisible() and "CHECK BACK NOW: T1 Ben" in page.alert.text()
    assert page.prompt_strip.current["moment"] == "timer_expired"
    assert "OVERDUE 0:01" in page.tasks_model.data(page.tasks_model.index(0, 0))
    view = page.tasks_panel.view
    view.setFocus()
    press(qtbot, view, Qt.Key.Key_E)
    assert page.tasks_panel.bar.edit.text() == "5"
    commit(qtbot, window, lambda: press(qtbot, page.tasks_panel.bar.edit, Qt.Key.Key_Return))
    # The alert goes with the board's next refresh after the extension lands (the refresh is
    # queued, so on a loaded machine it can come just after the write's own signal).
    qtbot.waitUntil(lambda: not page.alert.isVisible(), timeout=5000)
    assert "5:00 left" in page.tasks_model.data(page.tasks_model.index(0, 0))
    press(qtbot, view, Qt.Key.Key_R)
    qtbot.keyClicks(page.tasks_panel.bar.edit, "Dee")
    commit(qtbot, window, lambda: press(qtbot, page.tasks_panel.bar.edit, Qt.Key.Key_Return))
    assert page.tasks_model.task_at(0).owner == "Dee"
    commit(qtbot, window, lambda: press(qtbot, view, Qt.Key.Key_D))
    assert page.tasks_model.rowCount() == 0
    log = texts(page)
    assert any(t.startswith("Ben: check the replicas (check back in 5 min)") for t in log)
    assert any(t.startswith("Extended by 5 min: check the replicas") for t in log)
    assert any(t.startswith("Reassigned from Ben to Dee") for t in log)
    assert any(t.startswith("Done: check the replicas") for t in log)
    assert log.count("Check-back due: T1 Ben: check the replicas") == 1
    no_modal()


def test_a_badly_written_task_explains_itself(qtbot, page):
    press(qtbot, page.note_edit, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.tasks_panel.bar.edit, "someone check it")
    press(qtbot, page.tasks_panel.bar.edit, Qt.Key.Key_Return)
    assert "NAME MINUTES TEXT" in page.tasks_panel.bar.message.text()
    assert page.tasks_model.rowCount() == 0


def test_the_task_bar_speaks_the_command_language(page):
    """The bar's text is /task's arguments: the same parser as the note box and the CLI."""
    task = page.language.parse("/task Ana Alvarez 10m roll back 4121", now=page._clock.now())
    assert task.args == {"person": "Ana Alvarez", "minutes": 10} and task.text == "roll back 4121"


def test_send_an_update_resets_its_countdown(qtbot, window, page, clock):
    clock.advance(minutes=25)
    page.tick()
    assert "customers OVERDUE" in page.header.cadence_label.text()
    press(qtbot, page.note_edit, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    composer = page.composer
    assert composer.isVisible() and composer.editor.hasFocus()
    composer.audience_box.setCurrentIndex(composer.audience_box.findData("customers"))
    assert "Next update" in composer.editor.toPlainText()
    composer.editor.setPlainText("Checkout is failing for some customers. We expect it to be fixed within 30 minutes.")
    assert "u11" in composer.findings.text() or "estimate" in composer.findings.text().lower() \
        or composer.findings.text().startswith("“")
    composer.editor.setPlainText("We are sorry: some customers cannot check out. We are rolling back a change. "
                                 "Next update at 15:00 UTC.")
    assert composer.findings.text().startswith("No problems")
    commit(qtbot, window, lambda: press(qtbot, composer.editor, Qt.Key.Key_Return,
                                        Qt.KeyboardModifier.ControlModifier))
    assert not composer.isVisible()
    assert texts(page)[-1].startswith("Update to customers: We are sorry: some customers cannot check out")
    page.tick()
    assert "customers in 20:00" in page.header.cadence_label.text()


def test_severity_and_status_keys(qtbot, window, page):
    commit(qtbot, window, lambda: press(qtbot, page.note_edit, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier))
    assert page.incident.severity == 2 and ">SEV-2</a>" in page.header.severity_label.text()
    commit(qtbot, window, lambda: press(qtbot, page.note_edit, Qt.Key.Key_R,
                                        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
    assert page.incident.status == "resolved"
    assert page.prompt_strip.current["moment"] == "at_close"


def test_elapsed_callout_every_ten_minutes(page, clock):
    clock.advance(minutes=10)
    page.tick()
    assert page.callout.isVisible() and page.callout.text().startswith("10 minutes since declared")


def test_prompts_dismiss_snooze_and_off(qtbot, page, clock):
    first = page.prompt_strip.current
    press(qtbot, page.note_edit, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    assert page.prompt_strip.current is None or page.prompt_strip.current["id"] != first["id"]
    press(qtbot, page.note_edit, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert not page.prompt_strip.isVisible()
    clock.advance(minutes=11)
    page.tick()
    assert page.prompt_strip.isVisible() and page.prompt_strip.current is not None
    press(qtbot, page.note_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not page.prompt_strip.isVisible()
    qtbot.keyClicks(page.note_edit, "d: roll back")
    assert not page.prompt_strip.isVisible()


def test_a_decision_brings_the_polling_prompt(qtbot, page):
    qtbot.keyClicks(page.note_edit, "d:")
    assert page.prompt_strip.current["moment"] == "before_decision"
    assert "strong" in page.prompt_strip.text.text().lower()


def test_call_mode_toggles_a_compact_window_on_top(qtbot, page):
    press(qtbot, page.note_edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    call = page.call_window
    assert call.isVisible()
    assert call.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert call.labels["severity"].text().startswith("SEV-1 · ACTIVE")
    assert call.labels["ic"].text() == "IC: nobody"
    press(qtbot, page.note_edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not call.isVisible()
    no_modal()


def test_question_mark_shows_every_key(qtbot, window, page):
    page.timeline.setFocus()
    qtbot.keyClicks(page.timeline, "?")
    sheet = window.cheat_sheet
    assert sheet.isVisible()
    for words in ("Ctrl+T", "New task with check-back", "Call mode on/off", "F1", "Handbook"):
        assert words in sheet.text()
    qtbot.keyClicks(page.note_edit, "?")  # typed into the note box, not a shortcut there
    assert page.note_edit.text() == "?"


def test_another_process_writing_shows_up_within_a_second(qtbot, window, page, where):
    ref = page.incident.ref
    result = subprocess.run(
        [sys.executable, "-m", "console", "log", ref, "from the command line", "--by", "Cy"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    subprocess.run([sys.executable, "-m", "console", "task", ref, "Cy", "7", "page the DBA team"],
                   cwd=ROOT, check=True, capture_output=True)
    qtbot.waitUntil(lambda: "from the command line" in texts(page), timeout=1500)
    qtbot.waitUntil(lambda: page.tasks_model.rowCount() == 1, timeout=1500)


def test_models_pass_the_model_tester(qtmodeltester, service, clock):
    process = load_process()
    incident = service.incidents.declare("x", by="Ana", severity=1).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    service.tasks.add(incident.id, "Ben", 5, "check", by="Ana")
    roles = RolesModel(process.items("roles"), clock)
    roles.set_assignments(service.read.roster.all(incident.id))
    qtmodeltester.check(roles)
    tasks = TasksModel(clock)
    tasks.set_tasks(service.read.tasks.all(incident.id))
    qtmodeltester.check(tasks)
    checklist = ChecklistModel()
    checklist.set_checklists([c for c in process.items("checklists") if c["role"] == "ic"])
    checklist.set_checked({"ic-during-01-announce"})
    qtmodeltester.check(checklist)
    assert checklist.rowCount() > 7


def test_no_modal_window_appears_through_a_scripted_call(qtbot, window, clock):
    """Watch every widget shown during a whole call: none may be modal."""
    from PySide6.QtCore import QEvent, QObject

    shown_modal = []

    class Watch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Show and hasattr(obj, "isModal") and obj.isWidgetType() \
                    and obj.isWindow() and (obj.isModal() or isinstance(obj, QDialog)):
                shown_modal.append(obj)
            return False

    watch = Watch()
    QApplication.instance().installEventFilter(watch)
    try:
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Scripted call")
        qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
        page = window.incident_page
        for keys in ("iAna", "dBen", "sCy"):
            press(qtbot, page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(page.roles_panel.bar.edit, keys)
            commit(qtbot, window, lambda: press(qtbot, page.roles_panel.bar.edit, Qt.Key.Key_Return))
            window.activateWindow()  # offscreen: a closed completer popup leaves no active window
            page.focus_note()
        press(qtbot, page.note_edit, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(page.tasks_panel.bar.edit, "Ben 3 restart the workers")
        commit(qtbot, window, lambda: press(qtbot, page.tasks_panel.bar.edit, Qt.Key.Key_Return))
        clock.advance(minutes=4)
        page.tick()
        qtbot.waitUntil(lambda: "Check-back due: T1 Ben: restart the workers" in texts(page))
        qtbot.keyClicks(page.note_edit, "d: roll back deploy 4121")
        commit(qtbot, window, lambda: press(qtbot, page.note_edit, Qt.Key.Key_Return))
        press(qtbot, page.note_edit, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
        assert page.composer.isVisible()
        commit(qtbot, window, lambda: press(qtbot, page.composer.editor, Qt.Key.Key_Return,
                                            Qt.KeyboardModifier.ControlModifier))
        press(qtbot, page.note_edit, Qt.Key.Key_F1)
        press(qtbot, page.note_edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        commit(qtbot, window, lambda: press(qtbot, page.note_edit, Qt.Key.Key_R,
                                            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        # Other writes (the check-back entry, the update) may still be landing: wait for this one.
        qtbot.waitUntil(lambda: page.incident.status == "resolved", timeout=3000)
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert shown_modal == []
