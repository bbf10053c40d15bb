"""A damaged database at start-up (issue 15): the window says so in one line, writes nothing to
it, keeps it aside, and one key (the action table's restore_backup) puts the newest good backup
back without leaving the window; the restored incidents show and the writer works again."""

import os
import sqlite3

from PySide6.QtCore import Qt

from console import backups
from console.service import IncidentService
from ui import app as ui_app
from ui.actions import ACTIONS  # noqa: F401


def _declare(where, clock, titles):
    service = IncidentService.open(where.db_path, clock)
    try:
        for title in titles:
            service.incidents.declare(title, by="Ana")
    finally:
        service.close()


def _restore_key():
    row = next(a for a in ACTIONS if a.name == "restore_backup")
    return row.keys[0]


def _press(qtbot, window, keys: str):
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(keys)[0]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window.list_page.table, combo.key(), combo.keyboardModifiers())


def _build(qtbot, where, clock):
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    return win


def test_not_a_database_is_never_written_and_the_key_restores_the_backup(qtbot, where, clock):
    _declare(where, clock, ["Checkout fails", "Search slow"])
    good = backups.take(where.db_path, where.backup_dir)
    assert good.verified and good.incidents == 2
    junk = b"this is not a database " * 500
    where.db_path.write_bytes(junk)
    win = _build(qtbot, where, clock)
    try:
        qtbot.waitUntil(lambda: win.banner.isVisible() and "not opened for writing" in win.banner.text(), timeout=30_000)
        text = win.banner.text()
        assert "\n" not in text
        assert win.list_page.empty_hint.text().startswith("The incidents cannot be shown: the database is damaged")
        assert f"incident-console restore {good.path}" in text
        assert "Ctrl+Shift+G" in text
        assert str(where.damaged_dir) in text
        assert where.db_path.read_bytes() == junk  # never written
        kept = [d for d in where.damaged_dir.iterdir() if d.is_dir()]
        assert len(kept) == 1 and (kept[0] / where.db_path.name).read_bytes() == junk
        assert not win.writer.is_ready
        assert not win.actions_by_name["declare"].isEnabled()  # Ctrl+N: nothing goes to a damaged file

        _press(qtbot, win, _restore_key())
        qtbot.waitUntil(lambda: "Restored" in win.statusBar().currentMessage()
                        or "Not restored" in win.banner.text(), timeout=30_000)
        assert "Restored" in win.statusBar().currentMessage(), win.banner.text()
        assert not win.banner.isVisible() and win.actions_by_name["declare"].isEnabled()
        qtbot.waitUntil(lambda: win.writer.is_ready, timeout=30_000)
        qtbot.waitUntil(lambda: win.list_model.rowCount() == 2, timeout=10_000)
        assert where.db_path.read_bytes()[:16] == backups.SQLITE_HEADER
        # the writer writes to the restored file
        done = []
        win.writer.submit(lambda s: s.incidents.declare("After restore", by="Ana"), done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)
        qtbot.waitUntil(lambda: win.list_model.rowCount() == 3, timeout=10_000)
    finally:
        win.close()
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 3
    conn.close()


def test_damage_found_by_quick_check_after_the_first_paint(qtbot, where, clock):
    """Pages past the first read are damaged: the list shows, the writer's quick_check finds
    it, and the file is not opened for writing."""
    _declare(where, clock, [f"Incident {n}" for n in range(300)])
    backups.take(where.db_path, where.backup_dir)
    conn = sqlite3.connect(where.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    size = where.db_path.stat().st_size
    with open(where.db_path, "r+b") as data:  # scribble over the last pages (the entries' data)
        data.seek(size - 3 * page_size)
        data.write(os.urandom(3 * page_size))
    damaged_bytes = where.db_path.read_bytes()
    win = _build(qtbot, where, clock)
    try:
        qtbot.waitUntil(lambda: win.banner.isVisible() and "not opened for writing" in win.banner.text(), timeout=30_000)
        assert "Ctrl+Shift+G" in win.banner.text()
        assert not win.writer.is_ready
        assert where.db_path.read_bytes() == damaged_bytes
    finally:
        win.close()


def test_the_key_does_nothing_on_a_healthy_database(qtbot, window, where):
    _press(qtbot, window, _restore_key())
    assert "not damaged" in window.statusBar().currentMessage()
    assert window.writer.is_ready


def test_the_window_backs_up_at_start_and_after_a_resolve(qtbot, window, where):
    qtbot.waitUntil(lambda: any(b.verified for b in backups.listing(where.backup_dir)), timeout=30_000)
    keeper = window.backup_keeper
    qtbot.waitUntil(lambda: not keeper.running(), timeout=30_000)
    first = len(backups.listing(where.backup_dir))
    done = []
    window.writer.submit(lambda s: s.incidents.declare("Resolve me", by="Ana"), done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    incident_id = done[0].incident.id
    window.writer.submit(lambda s: s.incidents.set_status(incident_id, "resolved", by="Ana"), done.append)
    with qtbot.waitSignal(keeper.done, timeout=30_000) as made:
        pass
    backup = made.args[0]
    assert backup.verified and backup.incidents == 1
    assert len(backups.listing(where.backup_dir)) >= first  # rotation may fold same-hour ones
    assert oct(backup.path.stat().st_mode & 0o777) == "0o600"
    assert oct(where.backup_dir.stat().st_mode & 0o777) == "0o700"
