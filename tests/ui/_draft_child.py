"""Child process for the draft test: open incident 1, type, wait for the draft to be saved,
say so, then wait to be killed."""

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console import paths  # noqa: E402
from ui import app as ui_app  # noqa: E402


def main() -> None:
    text = sys.argv[1]
    app = QApplication(sys.argv[:1])
    window = ui_app.build(paths.resolve(), app=app, author="Cy")
    deadline = time.monotonic() + 20
    while (window.process is None or not window.writer.is_ready) and time.monotonic() < deadline:
        QTest.qWait(20)
    window.open_incident(1)
    QTest.keyClicks(window.incident_page.note_edit, text)
    while window.reader.drafts.get("Cy", 1) != text and time.monotonic() < deadline:
        QTest.qWait(20)
    print("saved" if window.reader.drafts.get("Cy", 1) == text else "not saved", flush=True)
    while True:  # hold the window open until the parent kills us
        QTest.qWait(100)


if __name__ == "__main__":
    main()
