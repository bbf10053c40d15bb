"""Child process for the start-up benchmark: print 'painted' at the first paint, then exit.

`bare`: a QMainWindow with one label (the floor). `app`: what `incident-console --home HOME`
runs - the command line, the window found through its entry point, the composition root -
timed until the incident table (object name `incidentTable`) first paints. Both watch for
the paint with the same application-wide event filter, so both pay for it.

The order of imports is the command's: PySide6 reads the source of every module imported after
it, so `app` first imports what the command imports before the window's entry point resolves
(the core, then the window's modules), then makes the QApplication that `ui.app.run` finds.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    mode, home = sys.argv[1], sys.argv[2]
    if mode == "app":
        from console import paths, plugins
        from console.cli import main as incident_console

        plugins.load(plugins.GUI, plugins.WINDOW, paths.resolve(home).cache_dir)
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    def watched(obj) -> bool:
        if mode == "bare":
            return isinstance(obj, QLabel)
        parent = obj.parent()
        return parent is not None and parent.objectName() == "incidentTable"  # its viewport

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and watched(obj):
                # Report now: work the app queues for after its first paint must not count.
                print("painted", flush=True)
                QApplication.instance().removeEventFilter(self)
                QTimer.singleShot(0, done)
            return False

    def done() -> None:
        os._exit(0)  # leave at once: teardown is not part of start-up

    app = QApplication(sys.argv[:1])  # in `app`, ui.app.run takes this one (QApplication.instance())
    watcher = FirstPaint()
    app.installEventFilter(watcher)
    if mode == "bare":
        window = QMainWindow()
        window.setCentralWidget(QLabel("Incident Console"))
        window.show()
        app.exec()
    else:
        incident_console(["--home", home])


if __name__ == "__main__":
    main()
