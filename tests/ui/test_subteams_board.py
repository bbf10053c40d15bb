"""The board's sub-teams (issue 14), offscreen with real key presses: spun off from the note box
and from Ctrl+Shift+T, each team with its leader, problem, members and countdown; D, J and F in
the list; the span of control's warning and prompt from the real count; narrow, on the Roles tab."""

from PySide6.QtCore import Qt

from ui import actions
from ui.actions import Where

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def type_line(qtbot, window, page, line: str) -> None:
    page.note_edit.setFocus()
    qtbot.keyClicks(page.note_edit, line)
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.note_edit.text() == "", timeout=5000)


def rows(page) -> list[str]:
    model = page.subteams_model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_a_team_spun_off_in_the_note_box_shows_with_its_countdown(qtbot, window, page, clock):
    assert not page.subteams_panel.isVisible()  # nothing to show: no team, the span within bounds
    type_line(qtbot, window, page, "/subteam Alpha Dee Patel 20m replica lag -- members: Ben, Cy")
    qtbot.waitUntil(lambda: page.subteams_panel.isVisible(), timeout=5000)
    assert rows(page) == ["Alpha · Dee Patel leads · 20:00 left (T1)\nreplica lag · with Ben, Cy"]
    assert page.subteams_panel.span.text() == "Reporting to the IC directly: 1 (about 7 at most)"
    clock.advance(minutes=21)
    page.tick()
    assert rows(page)[0].startswith("Alpha · Dee Patel leads · OVERDUE 1:00 (T1)")
    # The check-back is a task like any other: it is in Tasks, and its alert fires.
    assert [t.owner for t in page.tasks_model.tasks()] == ["Dee Patel"]
    assert page.alert.isVisible() and "Alpha: replica lag" in page.alert.text()


def test_the_keys_spin_off_join_and_finish_a_team(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_T, CTRL_SHIFT)
    bar = page.subteams_panel.bar
    assert bar.isVisible() and bar.edit.hasFocus() and bar.label.text() == "Sub-team:"
    qtbot.keyClicks(bar.edit, "Bravo Gil 15 dns errors")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not bar.isVisible() and page.subteams_model.rowCount() == 1, timeout=5000)
    assert page.note_edit.hasFocus()
    view = page.subteams_panel.view
    view.setFocus()
    view.setCurrentIndex(page.subteams_model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_J)
    assert bar.isVisible() and bar.label.text() == "Joins Bravo:"
    qtbot.keyClicks(bar.edit, "Hal Ode")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(page)[0].endswith("with Hal Ode"), timeout=5000)
    view.setFocus()
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: page.subteams_model.rowCount() == 0, timeout=5000)
    texts = [e.text for e in window.reader.timeline.all(page.incident.id)]
    assert "Sub-team Bravo done (dns errors), led by Gil; Hal Ode back with the IC" in texts
    assert page.tasks_model.tasks() == []  # the leader's check-back is done with the team
    qtbot.waitUntil(lambda: not page.subteams_panel.isVisible(), timeout=5000)


def test_a_refused_spin_off_says_why_in_its_bar_and_writes_nothing(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_T, CTRL_SHIFT)
    bar = page.subteams_panel.bar
    qtbot.keyClicks(bar.edit, "Delta Gil 15 dns")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.isVisible() and bar.message.text() == (
        "Not spun off: bad sub-team 'Delta': expected one of Alpha, Bravo, Charlie")
    assert window.reader.subteams.all(page.incident.id) == []
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)  # Esc closes the bar only
    assert not bar.isVisible() and window.stack.currentWidget() is page and page.note_edit.hasFocus()


def test_f_shows_the_teams_entries_and_esc_gives_the_timeline_back(qtbot, window, page, clock):
    type_line(qtbot, window, page, "/sme Ben")  # before the team: not its
    type_line(qtbot, window, page, "db-3 is fine")
    clock.advance(minutes=1)
    type_line(qtbot, window, page, "/subteam Alpha Dee 20m replica lag -- members: Ben")
    type_line(qtbot, window, page, "f: Ben: replica 2 lags 40 s")
    type_line(qtbot, window, page, "cdn looks fine")
    view = page.subteams_panel.view
    view.setFocus()
    view.setCurrentIndex(page.subteams_model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_F)
    results = page.finder.results
    assert results.isVisible() and not page.timeline.isVisible() and results.hasFocus()
    shown = [results.model().hit_at(r).text for r in range(results.model().rowCount())]
    assert shown == ["Sub-team Alpha spun off: Dee leads, on replica lag; check back in 20 min "
                     "(room #team-alpha, bridge +1.555.123.4567)",
                     "Sub-team Leader: Dee", "Dee: Alpha: replica lag (check back in 20 min)",
                     "Ben joins Alpha (led by Dee)", "Ben: replica 2 lags 40 s"]
    assert "Timeline: Alpha's 5 entries" in page.note_status.text()
    qtbot.keyClick(results, Qt.Key.Key_Escape)
    assert page.timeline.isVisible() and not results.isVisible()


def test_past_seven_direct_reports_the_board_warns_and_prompts_from_the_real_count(qtbot, window, page):
    type_line(qtbot, window, page, "/ic Ana")
    for name in ("Ben", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"):
        type_line(qtbot, window, page, f"/sme {name}")
    page.tick()
    assert page.subteams.measured.count == 7 and not page.subteams_panel.isVisible()
    assert "report to the IC directly" not in page.roles_panel.warnings.text()
    type_line(qtbot, window, page, "/deputy Ivy")
    page.tick()
    warning = "8 people report to the IC directly (about 7 at most). Spin off a sub-team with a leader, one per problem."
    assert warning in page.roles_panel.warnings.text() and page.roles_panel.warnings.isVisible()
    assert page.subteams_panel.isVisible()
    assert page.subteams_panel.span.text() == "⚠ Reporting to the IC directly: 8 (about 7 at most)"
    assert page.subteams_panel.span.property("level") == "strong"
    assert page.prompt_strip.current["id"] == "ic-25-span-of-control"
    # Three SMEs under a leader: six report to the IC, the warning and the prompt go.
    type_line(qtbot, window, page, "/subteam Alpha Jo 20m replica lag -- members: Ben, Cy, Dee")
    page.tick()
    assert page.subteams.measured.count == 6
    assert "report to the IC directly" not in page.roles_panel.warnings.text()
    assert page.subteams_panel.span.text() == "Reporting to the IC directly: 6 (about 7 at most)"
    assert page.prompt_strip.current is None or page.prompt_strip.current["id"] != "ic-25-span-of-control"


def test_the_team_leader_key_in_the_role_bar_says_to_spin_off_a_team(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    bar = page.roles_panel.bar
    qtbot.keyClicks(bar.edit, "t")
    qtbot.keyClicks(bar.edit, "Gil")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "leads a sub-team" in bar.message.text(), timeout=5000)
    assert "/subteam TEAM NAME MINUTES PROBLEM" in bar.message.text()
    assert window.reader.roster.current(page.incident.id) == []


def test_narrow_the_teams_are_on_the_roles_tab_and_f6_reaches_them(qtbot, window, page):
    type_line(qtbot, window, page, "/subteam Charlie Dee 20m cdn")
    window.resize(680, 740)
    qtbot.waitUntil(lambda: page.narrow, timeout=5000)
    page.tab_bar.setCurrentIndex(1)  # Tasks
    assert not page.subteams_panel.isVisible()
    page.tab_bar.setCurrentIndex(2)  # Roles
    qtbot.waitUntil(lambda: page.subteams_panel.isVisible(), timeout=5000)
    page.tab_bar.setCurrentIndex(0)
    page.note_edit.setFocus()
    for _ in range(5):
        qtbot.keyClick(page.note_edit if page.note_edit.hasFocus() else window.focusWidget(), Qt.Key.Key_F6)
    assert page.subteams_panel.view.hasFocus() and page.tab_bar.currentIndex() == 2


def test_the_cheat_sheet_and_the_title_quote_the_table():
    legend = actions.legend(Where.SUBTEAMS)
    assert legend == "D done · J join · F its entries"
    assert actions.keys_of("subteam") == "Ctrl+Shift+T"


def test_a_team_takes_the_tasks_blank_room_and_shows_whole_under_compact_lines(qtbot, window, page):
    """At 1920x1080 with two tasks, spinning off a team cut the roles panel (the IC's card half
    gone) while the tasks panel was mostly blank; the panel's title and span spread over the
    room its one team did not need, an empty list showed under the bar, and a second team got
    no room at all."""
    window.show()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920 and not page.narrow, timeout=3000)
    for line in ("/ic Ana Alvarez", "/task Ben 10m check the replica lag", "/task Dee 5m page the database on-call"):
        type_line(qtbot, window, page, line)
    roles, panel = page.roles_panel, page.subteams_panel
    qtbot.waitUntil(lambda: roles.height() == roles.maximumHeight(), timeout=3000)
    whole_roles = roles.height()

    qtbot.keyClick(page.note_edit, Qt.Key.Key_T, CTRL_SHIFT)
    qtbot.waitUntil(lambda: panel.bar.isVisible() and panel.height() >= panel.content_height(), timeout=3000)
    assert not panel.view.isVisible()  # no team yet: no empty list under the bar
    qtbot.keyClicks(panel.bar.edit, "Alpha Dee 20 replica lag")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(panel.bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.subteams_model.rowCount() == 1, timeout=5000)
    type_line(qtbot, window, page, "/subteam Bravo Gil 15m dns errors -- members: Hal, Ivy")
    qtbot.waitUntil(lambda: page.subteams_model.rowCount() == 2, timeout=5000)

    def rows_height():
        return sum(panel.view.sizeHintForRow(r) for r in range(2)) + 2 * panel.view.frameWidth()

    qtbot.waitUntil(lambda: panel.view.height() >= rows_height(), timeout=3000)
    assert roles.height() == whole_roles  # the tasks' blank room went first
    width = panel.width()
    for line in (panel.title, panel.span):
        assert line.height() <= line.heightForWidth(width) + 2, line.objectName() or line.text()
    assert panel.view.geometry().top() - panel.span.geometry().bottom() <= 2 * panel.layout().spacing()


def test_narrow_a_first_team_s_list_is_as_tall_as_the_team(qtbot, window, page):
    """On the Roles tab (960x1040) the first team's list was measured while it was still hidden
    and narrow: 122 px for a two-line team, most of it an empty box."""
    window.show()
    window.resize(960, 1040)
    qtbot.waitUntil(lambda: window.width() == 960 and page.narrow, timeout=3000)
    for line in ("/ic Ana Alvarez", "/task Ben 10m check the replica lag"):
        type_line(qtbot, window, page, line)
    panel = page.subteams_panel
    qtbot.keyClick(page.note_edit, Qt.Key.Key_T, CTRL_SHIFT)
    qtbot.wait(100)  # the bar laid out on the Roles tab, as a person would see it before typing
    qtbot.keyClicks(panel.bar.edit, "Alpha Dee Patel 20 replica lag")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(panel.bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.subteams_model.rowCount() == 1 and panel.view.isVisible(), timeout=5000)
    qtbot.wait(200)
    team = panel.view.sizeHintForRow(0) + 2 * panel.view.frameWidth()
    assert team <= panel.view.height() <= team + 8
