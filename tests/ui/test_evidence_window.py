"""The evidence log's window (issue 14): opened by its key from the board, a file added by a path
typed in the inline bar or dropped on the window, verified and exported by key - each a custody
event on the board's timeline - and nothing modal."""

import hashlib
import json
import os
import stat

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from ui import actions
from ui.actions import Where

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _open(qtbot, window, page):
    qtbot.keyClick(page.note_edit, Qt.Key.Key_V, CTRL_SHIFT)
    evidence = window.evidence_window
    qtbot.waitUntil(evidence.isVisible)
    evidence.activateWindow()
    qtbot.waitUntil(evidence.isActiveWindow)
    evidence.table.setFocus()
    return evidence


def _evidence_entries(page) -> list[str]:
    return [e.text for e in page._reader.timeline.all(page.incident.id) if e.kind == "evidence"]


def _type_in_bar(qtbot, evidence, text: str) -> None:
    evidence.bar.edit.clear()
    qtbot.keyClicks(evidence.bar.edit, text)
    qtbot.keyClick(evidence.bar.edit, Qt.Key.Key_Return)


def test_a_path_typed_in_the_bar_is_kept_and_shown_with_its_custody(qtbot, window, page, where, tmp_path):
    capture = tmp_path / "capture.pcap"
    capture.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 2048)
    assert not page.evidence_badge.isVisible()  # not a security incident, and nothing yet
    evidence = _open(qtbot, window, page)
    assert "Checkout down" not in evidence.windowTitle() and page.incident.ref in evidence.windowTitle()
    assert "No evidence yet" in evidence.summary.text()

    qtbot.keyClick(evidence.table, Qt.Key.Key_A)
    assert evidence.bar.isVisible() and evidence.bar.edit.hasFocus()
    _type_in_bar(qtbot, evidence, f"{capture} -- from the firewall")
    qtbot.waitUntil(lambda: evidence.model.rowCount() == 1, timeout=10_000)

    sha = hashlib.sha256(capture.read_bytes()).hexdigest()
    copy = where.evidence_dir / sha
    assert stat.S_IMODE(copy.stat().st_mode) == 0o400
    index = evidence.model.index(0, 1)
    assert evidence.model.data(index) == sha[:16]
    assert [evidence.model.data(evidence.model.index(0, c)) for c in (0, 2, 3, 5, 6)] == [
        "V1", "2.1 kB", "Ana", "not verified", "capture.pcap"]
    assert "1 piece of evidence" in evidence.summary.text() and "stay on this console" in evidence.summary.text()
    assert not evidence.bar.isVisible() and "V1 capture.pcap added" in evidence.message.text()
    (text,) = _evidence_entries(page)
    assert sha in text and "from the firewall" in text
    qtbot.waitUntil(lambda: any(sha in (page.model.data(page.model.index(r, 0)) or "")
                                for r in range(page.model.rowCount())), timeout=5000)
    qtbot.waitUntil(page.evidence_badge.isVisible)
    assert page.evidence_badge.text() == "Evidence: 1 (Ctrl+Shift+V)"


def test_a_bad_path_is_one_line_in_the_bar_and_nothing_is_kept(qtbot, window, page, where, tmp_path):
    evidence = _open(qtbot, window, page)
    qtbot.keyClick(evidence.table, Qt.Key.Key_A)
    _type_in_bar(qtbot, evidence, str(tmp_path))  # a folder
    qtbot.waitUntil(lambda: "Not done" in evidence.message.text(), timeout=10_000)
    assert "is a folder; only a regular file can be evidence" in evidence.bar.message.text()
    assert evidence.bar.isVisible() and evidence.model.rowCount() == 0
    assert not where.evidence_dir.exists() and _evidence_entries(page) == []


def _drag_enter(mime: QMimeData) -> QDragEnterEvent:
    """A drag entering the window: at a QPointF from PySide6 6.12 (the QPoint form is deprecated
    there), at a QPoint before (6.11 has no other)."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(QPointF(10, 10), *args)
    except TypeError:
        return QDragEnterEvent(QPoint(10, 10), *args)


def test_a_dropped_file_is_added(qtbot, window, page, tmp_path):
    dropped = tmp_path / "memory.dmp"
    dropped.write_bytes(os.urandom(5000))
    evidence = _open(qtbot, window, page)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    enter = _drag_enter(mime)
    QApplication.sendEvent(evidence, enter)  # as a drag from a file manager arrives: enter, then drop
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(evidence, drop)
    qtbot.waitUntil(lambda: evidence.model.rowCount() == 1, timeout=10_000)
    assert evidence.model.data(evidence.model.index(0, 6)) == "memory.dmp"


def test_verify_by_key_shows_a_tampered_copy_and_export_writes_the_files(qtbot, window, page, where, tmp_path):
    a = tmp_path / "a.log"
    a.write_bytes(b"first")
    evidence = _open(qtbot, window, page)
    evidence.add_path(str(a))
    qtbot.waitUntil(lambda: evidence.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not evidence.busy)

    qtbot.keyClick(evidence.table, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: evidence.model.data(evidence.model.index(0, 5)) == "verified", timeout=10_000)
    assert "Every kept copy matches." in evidence.message.text()

    copy = where.evidence_dir / hashlib.sha256(b"first").hexdigest()
    copy.chmod(0o600)
    copy.write_bytes(b"forged")
    qtbot.keyClick(evidence.table, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: evidence.model.data(evidence.model.index(0, 5)) == "COPY CHANGED", timeout=10_000)
    assert "FAILED" in evidence.message.text() and "FAILED the last verify" in evidence.summary.text()
    assert evidence.model.data(evidence.model.index(0, 5), Qt.ItemDataRole.ForegroundRole) is not None
    qtbot.waitUntil(lambda: "FAILED" in page.evidence_badge.text())
    assert page.evidence_badge.property("failed") is True
    copy.write_bytes(b"first")  # put right, then exported

    out = tmp_path / "for-legal"
    qtbot.keyClick(evidence.table, Qt.Key.Key_E)
    assert evidence.bar.label.text().startswith("Export")
    _type_in_bar(qtbot, evidence, str(out))
    qtbot.waitUntil(lambda: (out / "manifest.json").exists() and "Exported to" in evidence.message.text(),
                    timeout=10_000)
    assert sorted(os.listdir(out)) == ["SHA256SUMS", "V1-a.log", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["incident"] == page.incident.ref and "marking" not in manifest  # not a security incident
    texts = _evidence_entries(page)
    assert [t.split(":")[0] for t in texts] == [
        "Evidence added", "Evidence verified by Ana", "Evidence verified by Ana", f"Evidence exported by Ana to {out}"]


def test_the_keys_are_the_tables_and_the_sheet_lists_them(qtbot, window, page):
    evidence = _open(qtbot, window, page)
    keyed = {a.text(): sorted(k.toString() for k in a.shortcuts()) for a in evidence.table.actions()
             if a.shortcuts()}
    assert keyed == {a.text: list(a.keys) for a in actions.rows(Where.EVIDENCE)}
    assert actions.legend(Where.EVIDENCE) in evidence.message.text()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page.timeline.setFocus()
    qtbot.keyClicks(page.timeline, "?")
    assert Where.EVIDENCE.value in window.cheat_sheet.text()


def test_a_security_incident_shows_the_evidence_line_before_any_evidence(qtbot, window, where):
    from console.service import IncidentService

    service = IncidentService.open(where.db_path, window._clock)
    try:
        incident = service.incidents.declare("Intrusion", by="Ana", security=True).incident
    finally:
        service.close()
    window.refresh_list()
    window.open_incident(incident.id)
    badge = window.incident_page.evidence_badge
    qtbot.waitUntil(badge.isVisible)
    assert badge.text() == "Evidence: none yet (Ctrl+Shift+V)"
