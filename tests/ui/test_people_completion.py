"""Completion from the people directory (issue 13), by real key presses on the real window: Tab
in the note box offers the incident's people, then the directory's, and says a person's team
and on call; /page completes the directory's teams; the role bar's suggestions show team and on
call and complete to the name; a directory changed by the CLI while the board is open is
offered at once."""

from PySide6.QtCore import Qt

from console.cli import main

PEOPLE = ("Name,Email,Handle,Team,On call\n"
          "Dana Patel,dana@example.com,dana,storage,yes\n"
          "Anastasia Ivanova,anastasia@example.com,stasia,payments,no\n"
          "Ben Okafor,ben@example.com,ben,database,no\n")


def import_people(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text)
    assert main(["people", "import", str(path)]) == 0


def test_tab_offers_the_directory_and_says_team_and_on_call(qtbot, tmp_path, capsys, window):
    import_people(tmp_path, PEOPLE)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout down")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    page = window.incident_page
    qtbot.keyClicks(page.note_edit, "/sme Da")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/sme Dana Patel"
    assert page.capture.preview.text() == "Dana Patel: storage, on call"
    # /page completes a team.
    page.note_edit.clear()
    qtbot.keyClicks(page.note_edit, "/page st")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/page storage"
    # The incident's own people come first: Ana (on the call) before Anastasia (directory).
    page.note_edit.clear()
    qtbot.keyClicks(page.note_edit, "/ic Ana")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(page.note_edit, "/task an")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/task Ana "
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/task Anastasia Ivanova "
    assert page.capture.preview.text() == "Anastasia Ivanova: payments · Tab again for the next of 2"


def test_the_role_bar_suggests_with_team_and_on_call_and_completes_the_name(qtbot, tmp_path, window, page):
    import_people(tmp_path, PEOPLE)
    qtbot.waitUntil(lambda: page.roles_panel.completer_model.rowCount() == 3, timeout=5000)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    bar = page.roles_panel.bar
    qtbot.keyClicks(bar.edit, "s")  # the scribe
    qtbot.keyClicks(bar.edit, "da")
    popup = bar.edit.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    shown = [popup.model().index(row, 0).data() for row in range(popup.model().rowCount())]
    assert shown == ["Dana Patel — storage, on call"]
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert bar.edit.text() == "Dana Patel"
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(a.person == "Dana Patel" and a.role == "scribe" for a in page._roles), timeout=5000)


def test_people_added_while_the_board_is_open_are_offered(qtbot, tmp_path, window, page):
    qtbot.keyClicks(page.note_edit, "/sme Ze")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/sme Ze" and page.capture.preview.text() == "No completion."
    import_people(tmp_path, "Name,Team\nZed Zhou,network\n", "more.csv")  # the CLI, another connection
    qtbot.waitUntil(lambda: "Zed Zhou" in page.people(), timeout=5000)
    page.note_edit.clear()
    qtbot.keyClicks(page.note_edit, "/sme Ze")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.note_edit.text() == "/sme Zed Zhou"
    assert page.capture.preview.text() == "Zed Zhou: network"


def test_the_palette_finds_people_by_team_and_names_them_in_the_box(qtbot, tmp_path, window, page):
    import_people(tmp_path, PEOPLE)
    qtbot.keyClicks(page.note_edit, "/sme ")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = page.palette
    assert palette.isVisible() and palette.filter.hasFocus()
    qtbot.keyClicks(palette.filter, "storage")
    shown = [palette.proxy.index(row, 0).data() for row in range(palette.proxy.rowCount())]
    assert shown == ["Dana Patel (storage, on call) @dana dana@example.com"]
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert not palette.isVisible() and page.note_edit.hasFocus()
    assert page.note_edit.text() == "/sme Dana Patel"
    # A command is still a command: it replaces the line.
    qtbot.keyClick(page.note_edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(palette.filter, "/page")
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert page.note_edit.text() == "/page "
