"""Drills in the window (issue 14): start one from the list by keyboard, its clock writes the injects,
the debrief window scores it. Real window, real store, real key presses; a fake clock moves scenario
time, so nothing waits for the injects' real offsets."""

from PySide6.QtCore import Qt, QUrl

from console.process import load_process
from console.scenarios import all_scenarios
from ui.drill_bar import ScenarioListModel

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def timeline_texts(page) -> list[str]:
    model = page.scribe.model
    return [model.entry_at(row).text for row in range(model.rowCount())]


def start_drill(qtbot, window, down: int = 0, speed: str = "60"):
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    bar = window.drills.bar
    qtbot.waitUntil(bar.isVisible)
    for _ in range(down):
        qtbot.keyClick(bar.view, Qt.Key.Key_Down)
    qtbot.keyClicks(bar.view, speed)  # digits go to the speed box
    qtbot.keyClick(bar.speed, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def test_the_scenario_list_is_a_sound_model(qtmodeltester):
    model = ScenarioListModel()
    model.set_scenarios(all_scenarios(load_process(None)))
    qtmodeltester.check(model)
    assert model.rowCount() == 3


def test_a_drill_starts_from_the_list_by_keyboard_and_is_marked_everywhere(qtbot, window):
    page = start_drill(qtbot, window, down=1, speed="60")
    incident = page.incident
    assert incident.drill and incident.title.startswith("Drill: logins")  # the second scenario
    assert window.reader.drills.get(incident.id).speed == 60
    assert window.windowTitle().startswith(f"{incident.ref} DRILL SEV-1 — Drill: logins")
    assert "DRILL" in page.header.status_label.text()
    assert "Customer ticket: Customers cannot log in" in timeline_texts(page)[-1]
    assert page.call_values()["severity"].endswith(f"{incident.ref} · DRILL")  # call mode's first line
    window.show_list()
    assert "drill" in window.list_model.data(window.list_model.index(0, 2))
    assert not window.drills.bar.isVisible()  # closed once the drill started


def test_esc_closes_the_drill_bar_and_starts_nothing(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    bar = window.drills.bar
    qtbot.waitUntil(bar.isVisible)
    qtbot.keyClick(bar.view, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.reader.incidents.all() == []


def test_the_windows_drill_clock_writes_injects_as_they_fall_due(qtbot, window, clock):
    page = start_drill(qtbot, window, speed="60")
    assert not any("Page: The payments on-call" in t for t in timeline_texts(page))
    clock.advance(seconds=8.5)  # 8.5 minutes of scenario time: the page and two SME reports
    qtbot.waitUntil(lambda: any("SME report: Payment service version 4121" in t for t in timeline_texts(page)),
                    timeout=10_000)
    texts = timeline_texts(page)
    assert sum("Page: The payments on-call" in t for t in texts) == 1
    assert not any("Executive asks" in t for t in texts)  # due at 11 minutes


def test_the_debrief_window_scores_the_drill_and_reads_again_on_f5(qtbot, window, clock):
    page = start_drill(qtbot, window, speed="60")
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    debrief = window.drills.debrief_window
    qtbot.waitUntil(debrief.isVisible)
    assert debrief.windowTitle().startswith(f"Debrief: {page.incident.ref} DRILL")
    staff = debrief.result.items[0]
    assert staff.passed is False and "never named: Incident Commander" in staff.summary
    assert "FAIL" in debrief.page.toPlainText() and "Handbook: during/during_an_incident" in debrief.page.toPlainText()
    # The IC takes command on the board (typed in the note box), then F5 in the debrief.
    window.activateWindow()
    page.note_edit.setFocus()
    qtbot.keyClicks(page.note_edit, "/ic Ana")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(t == "Ana is Incident Commander" for t in timeline_texts(page)))
    debrief.activateWindow()
    qtbot.waitUntil(debrief.isActiveWindow)
    qtbot.keyClick(debrief.page, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: "Incident Commander: Ana" in debrief.page.toPlainText())
    with qtbot.waitSignal(debrief.handbook_requested) as opened:
        debrief.page.anchorClicked.emit(QUrl("handbook:during/during_an_incident"))
    assert opened.args == ["during/during_an_incident"]
    qtbot.keyClick(debrief.page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not debrief.isVisible()


def test_debrief_with_nothing_selected_says_what_to_do(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    assert window.drills.debrief_window is None
    assert "select an incident" in window.statusBar().currentMessage()


def test_the_incident_selected_in_the_list_is_offered_first_as_a_replay(qtbot, window, clock):
    window.writer.submit(lambda service: service.incidents.declare("Search down", by="Ben", severity=3))
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 1)
    incident = window.list_model.incident_at(0)
    clock.advance(minutes=2)
    window.writer.submit(lambda service: service.timeline.log(incident.id, "index shards red", by="Ben",
                                                              kind="finding"))
    qtbot.waitUntil(lambda: window.reader.timeline.count(incident.id) == 2)
    window.list_page.select_incident(incident.id)
    page = start_drill(qtbot, window, speed="60")  # the first row: the replay
    assert page.incident.drill and page.incident.title == "Replay of INC-1: Search down"
    assert page.incident.severity == 3
    clock.advance(seconds=3)  # two minutes of scenario time at 60x
    qtbot.waitUntil(lambda: "index shards red" in timeline_texts(page), timeout=10_000)
