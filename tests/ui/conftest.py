import pytest
from PySide6.QtCore import Qt

from ui import app as ui_app


@pytest.fixture
def window(qtbot, where, clock):
    """The real main window over a real store in the test's home, writer thread running."""
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    # A wait, not a measure: the writer opens after the first paint and reads the shipped
    # process first (~1 s here; over 5 s when other jobs load the machine's two cores).
    qtbot.waitUntil(lambda: win.writer.is_ready, timeout=30_000)
    yield win
    win.close()



@pytest.fixture
def page(qtbot, window):
    """The board of a freshly declared incident, declared by keyboard."""
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout down")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page
