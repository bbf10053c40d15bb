"""Opening a huge incident in the real window: from `open_incident` to the board's first
paint, and a scroll to the top (one older page), at 1,000,000 entries by default, against
opening an incident with one entry in the same run.

    python -m tests.bench.board_open [--entries 1000000]
"""

import argparse
import os
import resource
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.bench.timeline_scale import build  # noqa: E402


def _open(window, app, incident_id: int) -> float:
    from PySide6.QtCore import QEvent, QObject

    painted = []

    class Watch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    start = time.perf_counter()
    window.open_incident(incident_id)
    watch = Watch()
    window.incident_page.timeline.viewport().installEventFilter(watch)
    while not painted:
        app.processEvents()
    window.incident_page.timeline.viewport().removeEventFilter(watch)
    return painted[0] - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from console import paths
    from console.clock import SystemClock
    from console.service import IncidentService
    from ui import app as ui_app

    with tempfile.TemporaryDirectory() as tmp:
        where = paths.resolve(tmp)
        big, seconds = build(where.db_path, args.entries)
        service = IncidentService.open(where.db_path, SystemClock())
        small = service.incidents.declare("One entry", by="bench").incident.id
        service.close()
        print(f"built {args.entries:,} entries in {seconds:.0f} s")
        app = QApplication([])
        window = ui_app.build(where, app=app, author="bench")
        window.resize(1366, 768)
        while window.process is None or not window.writer.is_ready:
            app.processEvents()
        small_ms = _open(window, app, small) * 1000
        big_ms = _open(window, app, big) * 1000
        page = window.incident_page
        bar = page.timeline.verticalScrollBar()
        start = time.perf_counter()
        bar.setValue(bar.minimum())  # loads one older page and keeps the reader's place
        app.processEvents()
        scroll_ms = (time.perf_counter() - start) * 1000
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"open, one entry:     {small_ms:7.1f} ms to the board's first paint")
        print(f"open, {args.entries:,} entries: {big_ms:7.1f} ms ({big_ms / small_ms:.1f}x), rows loaded: "
              f"{page.model.rowCount()} (target < 1000 ms: {'OK' if big_ms < 1000 else 'OVER'})")
        print(f"scroll to the top (one older page of 500): {scroll_ms:.1f} ms; rows now {page.model.rowCount()}")
        print(f"peak RSS of this process: {rss:.0f} MB (target < 200 MB)")
        window.close()


if __name__ == "__main__":
    main()
