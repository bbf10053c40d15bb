"""The board's "export everything" writes like `export -o`: atomically, 0600, and only
regular files - a symlink or a folder planted at one of its (predictable) names is refused
with the reason under the note box, and what the link points to is left alone."""

import os

from PySide6.QtCore import Qt

EXPORT_ALL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_export_everything_refuses_a_symlink_planted_at_its_name(qtbot, page, where, clock, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours")
    victim.chmod(0o644)
    where.exports_dir.mkdir(parents=True, mode=0o700)
    stem = f"{page.incident.ref}-{clock.now():%Y%m%d-%H%M%S}"
    (where.exports_dir / f"{stem}.md").symlink_to(victim)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_O, EXPORT_ALL)
    qtbot.waitUntil(lambda: not page.note_status.text().startswith("Exporting"), timeout=60000)  # the keyring, first
    status = page.note_status.text()
    assert status.startswith("Export stopped at md: ") and "is a symbolic link" in status
    assert victim.read_text() == "not yours" and oct(victim.stat().st_mode & 0o777) == "0o644"
    names = sorted(os.listdir(where.exports_dir))
    assert names == [f"{stem}.json", f"{stem}.md"]  # the JSON before it, no temp file
    assert oct((where.exports_dir / f"{stem}.json").stat().st_mode & 0o777) == "0o600"


def test_export_everything_refuses_a_folder_planted_at_its_name(qtbot, page, where, clock):
    where.exports_dir.mkdir(parents=True, mode=0o700)
    stem = f"{page.incident.ref}-{clock.now():%Y%m%d-%H%M%S}"
    (where.exports_dir / f"{stem}.json").mkdir()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_O, EXPORT_ALL)
    qtbot.waitUntil(lambda: not page.note_status.text().startswith("Exporting"), timeout=60000)  # the keyring, first
    assert "Export stopped at json: " in page.note_status.text() and "is a folder" in page.note_status.text()
    assert (where.exports_dir / f"{stem}.json").is_dir()
    assert os.listdir(where.exports_dir) == [f"{stem}.json"]
