"""Child process for the start-up benchmark: print 'painted' at the first paint, then exit.

`bare`: a QMainWindow with one label (the floor). `app`: the real window built by the
composition root over the home given, timed until its incident table first paints.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    mode, home = sys.argv[1], sys.argv[2]
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                # Report now: work the app queues for after its first paint must not count.
                print("painted", flush=True)
                obj.removeEventFilter(self)
                QTimer.singleShot(0, done)
            return False

    def done() -> None:
        os._exit(0)  # leave at once: teardown is not part of start-up

    app = QApplication(sys.argv[:1])
    watcher = FirstPaint()
    if mode == "bare":
        window = QMainWindow()
        label = QLabel("Incident Console")
        window.setCentralWidget(label)
        label.installEventFilter(watcher)
        window.show()
    else:
        from console import paths
        from ui import app as ui_app

        window = ui_app.build(paths.resolve(home), app=app)
        window.list_page.table.viewport().installEventFilter(watcher)
    app.exec()


if __name__ == "__main__":
    main()
