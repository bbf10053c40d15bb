"""The board's badge for an incident whose record chain does not hold (ui/chain_badge.py):
checked on a thread of its own each time the incident is opened, shown only when it fails."""

import sqlite3
from pathlib import Path

from PySide6.QtCore import QProcess, Qt

from ui.chain_badge import TEXT


def _tamper(where, statement: str) -> None:
    conn = sqlite3.connect(where.db_path)
    kept = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'entries_are_append_only_update'").fetchone()[0]
    with conn:
        conn.execute("DROP TRIGGER entries_are_append_only_update")
        conn.execute(statement)
        conn.execute(kept)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def _reopen(qtbot, window) -> None:
    """Back to the list with Esc, and the same incident opened again with Enter."""
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.list_page)
    qtbot.keyClick(window.list_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)


def test_a_chain_that_holds_shows_nothing(qtbot, page):
    badge = page.chain_badge
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    assert badge.result == (page.incident.id, {"holds": True})
    assert badge.isHidden()


def test_an_entry_changed_behind_the_triggers_shows_the_badge_when_opened(qtbot, window, page, where):
    badge = page.chain_badge
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    _tamper(where, "UPDATE entries SET text = 'nothing happened', author = 'Mallory' WHERE id = 1")
    _reopen(qtbot, window)
    # The check runs in a process of its own; its result comes through the window's event loop,
    # so nothing of it is there when the board has just been shown.
    assert badge.result is None and badge.isHidden() and badge.running()
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    assert badge.isVisible() and badge.text() == f"{TEXT}: E1 changed"
    line = "INC-1: E1 was changed after it was written (link 1)"
    assert badge.toolTip().startswith(line) and badge.accessibleDescription() == line
    assert badge.accessibleName() == badge.text()
    # In the header's first line, beside the title, and it takes no keyboard focus.
    assert badge.parent() is page.header and badge.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert badge.geometry().top() < page.header.elapsed_label.geometry().top()


def test_closing_the_window_leaves_no_check_running(qtbot, window, page):
    badge = page.chain_badge
    badge.check(page.incident.id)
    process = badge._process
    pid = process.processId()
    assert pid > 0
    window.close()
    assert not badge.running() and process.state() == QProcess.ProcessState.NotRunning
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_check_that_cannot_read_the_file_says_so(qtbot, page, tmp_path):
    badge = page.chain_badge
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    badge._path = tmp_path / "gone" / "nothing.sqlite3"
    (tmp_path / "gone").write_text("a file where the folder should be")
    badge.check(page.incident.id)
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    assert badge.isVisible() and badge.text() == "Record not checked"
    assert badge.accessibleDescription().startswith("the record chain could not be checked: ")


def test_a_chain_cut_at_its_end_shows_the_badge_against_the_heads_written_down(qtbot, window, page, where):
    """The newest entry and its link removed leave a chain that holds alone; the backup the
    window took (and the head log it wrote) knew one more link."""
    from tests.core.test_heads import cut

    badge = page.chain_badge
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    keeper = window.backup_keeper
    qtbot.waitUntil(lambda: keeper is not None and not keeper.running(), timeout=30_000)
    done = []
    window.writer.submit(lambda s: s.timeline.log(page.incident.id, "the newest words", by="Ana"),
                         done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    keeper.backup_now()
    qtbot.waitUntil(lambda: not keeper.running() and where.head_log.exists(), timeout=30_000)
    cut(where.db_path, page.incident.id, 1)
    _reopen(qtbot, window)
    qtbot.waitUntil(lambda: badge.result is not None, timeout=10_000)
    assert badge.isVisible() and badge.text() == f"{TEXT}: the end cut (1 missing after E1)"
    assert badge.accessibleDescription().startswith("INC-1: truncated: 1 link missing after E1: ")
