"""The window's writer and a script on the same file both succeed, each waiting its turn."""

import json
import subprocess
import sys

from PySide6.QtCore import Qt

from tests.concurrency.race import ROOT


def test_typing_in_the_window_while_a_script_logs(qtbot, home, where, page):
    incident = page.incident
    go = home / "go"
    script = subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency.appender", "--home", str(home), "--incident",
         str(incident.id), "--ref", incident.ref, "--count", "150", "--go", str(go)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    qtbot.wait(300)
    go.touch()
    typed = [f"Window note {n}" for n in range(15)]
    for text in typed:
        qtbot.keyClicks(page.note_edit, text)
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
        qtbot.wait(20)
    out, err = script.communicate(timeout=120)
    assert script.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["refused"] == 0, report["reasons"]

    def everything_shown() -> bool:
        texts = {page.model.entry_at(r).text for r in range(page.model.rowCount())}
        return set(typed) <= texts and page.model.rowCount() >= 150 + len(typed)

    qtbot.waitUntil(everything_shown, timeout=10_000)
    entries = page._reader.timeline.all(incident.id)
    assert sum(e.text.startswith("note ") for e in entries) == 150
    assert [e.text for e in entries if e.text.startswith("Window note")] == typed
