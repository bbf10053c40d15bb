"""Fixtures of the end-to-end tests: a virtual desktop (Xvfb, a session bus, the accessibility
bus) and the installed app running on it over a fresh home.

They skip, saying what to install, where Xvfb, xdotool, dbus-daemon or at-spi2-core are
missing (`./dev test` installs them on Debian and Ubuntu).
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e import desktop as desktop_module
from tests.e2e.driver import App, entry_point


def _skip_reason() -> str | None:
    lacking = desktop_module.missing()
    if lacking:
        return f"the end-to-end tests need {', '.join(lacking)} (Debian: apt-get install xvfb xdotool dbus at-spi2-core)"
    if not entry_point().exists():
        return f"{entry_point()} is not installed (pip install -e .)"
    return None


@pytest.fixture(scope="session")
def can_run():
    """Skips the test where the virtual desktop or the installed app is missing."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def desktop(can_run):
    """A 1366x768 virtual screen."""
    with desktop_module.Desktop(1366, 768) as desk:
        yield desk


@pytest.fixture(scope="module")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="ic-e2e-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def app(desktop, workdir):
    """The real app on the desktop over a fresh home, its main window filling the screen and
    focused; its output is checked for tracebacks when the module is done."""
    running = App(desktop, workdir / "home")
    try:
        running.start()
        running.resize(*desktop.size)  # as a maximised window: no window manager here to do it
        yield running
    finally:
        running.stop()
    assert running.problems() == [], running.output()


# A story's steps (a class marked `story`) run in order over one app: once a step fails, the
# ones after it are skipped rather than each waiting out its timeout on a board that is not
# where it expects. A step marked xfail (a feature still to land) does not stop the story.
def pytest_runtest_makereport(item, call):
    if call.excinfo is not None and call.when == "call" and item.get_closest_marker("story"):
        if not item.get_closest_marker("xfail"):
            item.parent.failed_step = item.name


def pytest_runtest_setup(item):
    if item.get_closest_marker("story"):
        failed = getattr(item.parent, "failed_step", None)
        if failed is not None:
            pytest.skip(f"an earlier step failed: {failed}")
