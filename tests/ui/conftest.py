import pytest

from ui import app as ui_app


@pytest.fixture
def window(qtbot, where, clock):
    """The real main window over a real store in the test's home, writer thread running."""
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready, timeout=5000)
    yield win
    win.close()

