"""What a person sets is there after closing the app and starting it again: the real process,
closed as a window manager closes it, then started anew on the same home."""

import pytest

from tests.e2e.driver import App

pytestmark = pytest.mark.e2e

PLACE = (40, 30, 980, 660)  # x, y, width, height


def prompt_showing(app: App) -> bool:
    """A call-etiquette prompt is on the board (each ends with its handbook link, `›`)."""
    return any(n.words.endswith("›") for n in app.screen().nodes("label"))


def open_board(app: App) -> None:
    app.wait_shows("Login page times out")
    app.key("Return")  # the list has the keyboard, on the one incident
    app.wait(lambda: "INC-1" in app.title(), 10, "the board")


def test_sound_prompts_and_the_window_are_kept(desktop, workdir):
    home = workdir / "kept"
    first = App(desktop, home)
    try:
        first.cli("declare", "Login page times out", "--sev", "3")
        first.start()
        x, y, width, height = PLACE
        first.desktop.xdotool("windowmove", "--sync", first.window, str(x), str(y))
        first.desktop.xdotool("windowsize", "--sync", first.window, str(width), str(height))
        assert first.geometry() == PLACE
        open_board(first)
        first.wait(lambda: prompt_showing(first), 5, "a prompt")
        first.press("sound")
        first.wait_shows("Sound off.")
        first.press("prompts")
        first.wait_shows("Prompts off.")
        assert not prompt_showing(first)
        assert first.close() == 0
    finally:
        first.stop()
    assert first.problems() == [], first.output()

    again = App(desktop, home)
    try:
        again.start()
        assert again.geometry() == PLACE
        open_board(again)
        assert not prompt_showing(again)  # prompts still off
        again.press("sound")
        again.wait_shows("Sound on.")  # it was off
        again.press("prompts")
        again.wait_shows("Prompts on.")
        again.wait(lambda: prompt_showing(again), 5, "a prompt")
        assert again.close() == 0
    finally:
        again.stop()
    assert again.problems() == [], again.output()
