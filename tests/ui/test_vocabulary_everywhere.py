"""Adding a role is a roles.yaml change: an override's new role works in the CLI, the note box,
the palette, the role bar, Tab completion, the help and the cheat sheet, with its `max` kept."""

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ui import app as ui_app

ROOT = Path(__file__).resolve().parents[2]

COMMS_LEAD = """\
roles:
- id: comms_lead
  name: Communications Lead
  short: Comms
  aliases: [comms]
  key: k
  kind: auxiliary
  group: auxiliary
  purpose: Writes every outside message so the liaisons can keep talking to people.
  who_can_hold: Anyone who has written a status page post before.
  min: 0
  max: 2
  exclusive: false
  needed_from_level: null
  duties:
    before: []
    during: [Draft each status page post and have the IC approve it.]
    after: []
  page: training/incident_commander
"""


@pytest.fixture
def override(where):
    folder = where.process_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roles.yaml").write_text(COMMS_LEAD, encoding="utf-8")
    return folder


def cli(home, *argv):
    return subprocess.run([sys.executable, "-m", "console", "--home", str(home), *argv],
                          cwd=ROOT, capture_output=True, text=True)


def test_a_role_added_by_an_override_works_in_the_cli_and_its_help(home, override):
    assert cli(home, "declare", "Checkout down").returncode == 0
    done = cli(home, "role", "INC-1", "comms", "Ana")
    assert done.returncode == 0, done.stderr
    assert "Communications Lead: Ana" in done.stdout
    done = cli(home, "log", "INC-1", "/comms_lead Ben (status page)")
    assert done.returncode == 0, done.stderr
    assert "Ben: Comms for status page" in done.stdout
    third = cli(home, "role", "INC-1", "comms", "Cy")  # max: 2
    assert third.returncode == 2
    assert third.stderr.strip() == ("incident-console: error: Communications Lead already has 2 holders "
                                    "on INC-1 (at most 2): relieve one first (/relieve comms NAME)")
    assert cli(home, "relieve", "INC-1", "comms", "Ana").returncode == 0
    assert cli(home, "role", "INC-1", "comms", "Cy").returncode == 0
    help_text = cli(home, "role", "--help").stdout
    assert "comms" in help_text and ", cl, " in help_text
    without = subprocess.run([sys.executable, "-m", "console", "--home", str(home), "--process",
                              str(home / "nowhere"), "role", "INC-1", "comms", "Dee"],
                             cwd=ROOT, capture_output=True, text=True)
    assert without.returncode == 2 and "bad role 'comms'" in without.stderr


def test_a_role_added_by_an_override_works_in_the_window(qtbot, where, clock, override):
    window = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.writer.is_ready, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout down")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    page = window.incident_page

    # The role bar: Ctrl+R, the role's key from roles.yaml, a name, Enter.
    qtbot.keyClick(page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "k Comms" in page.roles_panel.bar.edit.placeholderText()
    qtbot.keyClicks(page.roles_panel.bar.edit, "kAna")
    assert page.roles_panel.bar.label.text() == "Communications Lead:"
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.roles_panel.bar.edit, Qt.Key.Key_Return)

    # The note box: its command, Tab completion and the palette.
    page.focus_note()
    assert page.language.complete("/comm", []) == ["/comms "]
    qtbot.keyClicks(page.note_edit, "/comms Ben")
    assert page.capture.preview.text() == "Enter runs /comms"
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: {(a.role, a.person) for a in window.reader.roster.all(page.incident.id)}
                    >= {("comms_lead", "Ana"), ("comms_lead", "Ben")}, timeout=3000)
    page.scribe.open_palette()
    assert any(row.startswith("/comms NAME") for row in page.palette.source.stringList())

    # The cheat sheet lists the command and the role bar's letter.
    page.timeline.setFocus()
    qtbot.keyClicks(page.timeline, "?")
    sheet = window.cheat_sheet.text()
    assert "/comms NAME [(SERVICE)]" in sheet and "<b>k</b> Comms" in sheet
    window.close()
