"""The end-to-end harness itself: every key of the action table can be pressed, the desktop
comes and goes cleanly, and what is typed reaches the window and is read back."""

import os
import subprocess

import pytest

from tests.e2e import desktop as desktop_module
from tests.e2e.driver import App, action_key, xdotool_key
from ui import actions

pytestmark = pytest.mark.e2e


def test_every_key_of_the_action_table_has_an_x_name():
    for row in actions.ACTIONS:
        for key in row.keys:
            assert xdotool_key(key)  # raises for a key the harness could not press
    assert action_key("export") == "ctrl+shift+o"


@pytest.mark.parametrize("qt, x", [
    ("Ctrl+Shift+O", "ctrl+shift+o"), ("Esc", "Escape"), ("Ctrl+.", "ctrl+period"), ("Ctrl+,", "ctrl+comma"),
    ("?", "question"), ("F6", "F6"), ("Del", "Delete"), ("Space", "space"), ("Ctrl+End", "ctrl+End"),
    ("Ctrl+1", "ctrl+1"), ("D", "d"), ("Alt+Left", "alt+Left"), ("Ctrl++", "ctrl+plus"),
])
def test_qt_key_names_become_x_keysyms(qt, x):
    assert xdotool_key(qt) == x


@pytest.mark.parametrize("qt", ["Hyper+X", "Ctrl+Banana", "Ctrl+é"])
def test_a_key_without_an_x_name_is_refused(qt):
    with pytest.raises(ValueError, match="unknown modifier|no X keysym"):
        xdotool_key(qt)


def test_two_desktops_at_once_and_nothing_left_behind(can_run):
    with desktop_module.Desktop(640, 480) as first, desktop_module.Desktop(800, 600) as second:
        assert first.display != second.display
        for desk, size in ((first, "640x480"), (second, "800x600")):
            info = subprocess.run(["xdotool", "getdisplaygeometry"], env=desk.env(), capture_output=True,
                                  text=True, check=True).stdout.split()
            assert "x".join(info) == size
        pids = [first._xvfb.pid, first._bus.pid, second._xvfb.pid, second._bus.pid]
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_server_that_cannot_start_says_why_and_leaves_nothing_running(can_run):
    desk = desktop_module.Desktop(100, 100, depth=7)  # no such visual depth
    with pytest.raises(desktop_module.DesktopError, match=r"^Xvfb did not start: (?!it gave no)\S"):
        desk.__enter__()
    assert desk._xvfb is None and desk._bus is None and desk._tmp is None


def test_typed_keys_reach_the_window_and_are_read_back(can_run, tmp_path):
    """A filter typed into the incident list: the field reads back what xdotool typed."""
    with desktop_module.Desktop(1024, 700) as desk:
        app = App(desk, tmp_path / "home")
        try:
            app.start()
            app.cli("declare", "Login page times out", "--sev", "3")
            app.wait_shows("Login page times out")
            app.press("filter")
            app.type("INC-1 timeout?")
            field = app.wait(lambda: (n := app.screen().named("Filter incidents")) and n.text and n, 5, "the filter")
            assert field.text == "INC-1 timeout?"
            assert app.screen().has_focus("Filter incidents")
        finally:
            app.stop()
        assert app.problems() == []
