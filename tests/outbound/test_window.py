"""The outbox in the window (issue 13): an update typed in the note box goes out from the sender's
thread, the status bar's indicator counts what waits and what needs a person, and the outbox
window (F7) resends, drops and releases by key - offscreen, real keys, real receivers, the URLs
in a real Secret Service.
"""

import logging

import pytest
from PySide6.QtCore import Qt

from console.service import IncidentService
from tests.outbound.conftest import free_port

pytestmark = pytest.mark.usefixtures("keyring_here")

TEXT = "We are sorry that checkout fails for some of you. We are working on it. Next update at 15:00 UTC."


@pytest.fixture
def window(qtbot, where, clock, httpserver):
    service = IncidentService.open(where.db_path, clock)
    service.incidents.declare("Checkout fails", by="Ana", severity=2)
    service.destinations.add("hook", f"json://127.0.0.1:{httpserver.port}/hook", "customers")
    service.destinations.add("chat", f"mmost://127.0.0.1:{httpserver.port}/chattoken", "customers")
    service.destinations.add("dead", f"json://127.0.0.1:{free_port()}/hook", "customers")
    service.close()
    from ui import app as ui_app

    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: win.outbox is not None and win.outbox.running())
    yield win
    win.close()
    assert win.outbox.stop()  # the sender's thread ended with the window


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list = []

    def emit(self, record) -> None:
        self.records.append(record)


@pytest.fixture
def app_log():
    """A handler on the root logger, where the window's log file hangs (ui/app.py)."""
    handler, root = _Kept(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def _type(qtbot, window, line):
    page = window.incident_page
    qtbot.keyClicks(page.note_edit, line)
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)


def _open_board(qtbot, window):
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 1)
    window.list_page.focus_table()
    qtbot.keyClick(window.list_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)


def _select(window, destination, state=None):
    view = window.outbox_window
    for n in range(view.model.rowCount()):
        row = view.model.row_at(n)
        if row.destination == destination and (state is None or row.state == state):
            view.table.setCurrentIndex(view.model.index(n, 0))
            return row
    raise AssertionError(f"no {destination} row")


def test_the_indicator_counts_and_the_outbox_window_acts_by_key(qtbot, window, httpserver, app_log):
    httpserver.expect_request("/hook").respond_with_data("ok")
    httpserver.expect_oneshot_request("/hooks/chattoken").respond_with_data("no", status=500)
    httpserver.expect_request("/hooks/chattoken").respond_with_data("ok")
    indicator = window.outbox.indicator
    assert not indicator.isVisible()  # nothing in the outbox yet: nothing shown

    _open_board(qtbot, window)
    _type(qtbot, window, f"/update customers {TEXT}")
    qtbot.waitUntil(lambda: indicator.label.text() == "Outbox: 1 waiting · 1 unknown", timeout=20_000)
    assert indicator.isVisible() and indicator.dot.colour_name == "warning"
    assert len([r for r, _ in httpserver.log if r.path == "/hook"]) == 1

    qtbot.keyClick(window, Qt.Key.Key_F7)
    view = window.outbox_window
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    assert view.table.hasFocus() and view.model.rowCount() == 3
    states = {view.model.row_at(n).destination: view.model.index(n, 4).data() for n in range(3)}
    assert states == {"hook": "sent", "chat": "unknown - may have been sent", "dead": "waiting"}

    _select(window, "chat")
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: indicator.label.text() == "Outbox: 1 waiting", timeout=20_000)
    _select(window, "dead")
    qtbot.keyClick(view.table, Qt.Key.Key_X)
    qtbot.waitUntil(lambda: indicator.label.text() == "Outbox: all sent", timeout=20_000)
    assert indicator.dot.colour_name == "accent"
    assert len([r for r, _ in httpserver.log if r.path == "/hooks/chattoken"]) == 2
    notes = [e.text for e in window.reader.timeline.all(1) if e.kind == "comms"]
    assert any(text.endswith("via chat: resent by Ana") for text in notes)
    assert any(text.endswith("via dead: dropped by Ana, not sent") for text in notes)
    # apprise's own log lines (hosts, parts of URLs) never reach the app's log
    assert not [r for r in app_log.records if r.name.split(".")[0] == "apprise"]
    assert app_log.records  # the handler did see the window's own lines


def test_a_held_message_is_released_by_key_and_the_override_is_recorded(qtbot, window, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    httpserver.expect_request("/hooks/chattoken").respond_with_data("ok")
    indicator = window.outbox.indicator
    _open_board(qtbot, window)
    _type(qtbot, window, "/update customers Fixed in 20 minutes.")
    qtbot.waitUntil(lambda: indicator.label.text() == "Outbox: 3 held", timeout=20_000)
    assert httpserver.log == []

    qtbot.keyClick(window, Qt.Key.Key_F7)
    view = window.outbox_window
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    held = _select(window, "hook")
    qtbot.keyClick(view.table, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: indicator.label.text() == "Outbox: 2 held", timeout=20_000)
    assert len(httpserver.log) == 1
    notes = [e.text for e in window.reader.timeline.all(1)]
    assert any(text.startswith(f"Override by Ana: {held.ref} to customers via hook released") for text in notes)


def test_the_composers_override_key_sends_despite_the_rules(qtbot, window, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    httpserver.expect_request("/hooks/chattoken").respond_with_data("ok")
    _open_board(qtbot, window)
    page = window.incident_page
    qtbot.keyClick(page.note_edit, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    composer = page.composer
    qtbot.waitUntil(composer.isVisible)
    composer.audience_box.setCurrentIndex(composer.audience_box.findData("customers"))
    composer.editor.setPlainText("Fixed in 20 minutes.")
    with qtbot.waitSignal(window.writer.changed, timeout=5000):
        qtbot.keyClick(composer.editor, Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    notes = [e.text for e in window.reader.timeline.all(1)]
    assert any(text.startswith("Override by Ana: the update to customers goes out despite the message rules (u1")
               for text in notes)
    qtbot.waitUntil(lambda: window.outbox.indicator.label.text() == "Outbox: 1 waiting", timeout=20_000)
    assert len(httpserver.log) == 2  # the two destinations that answer; none held
