"""Child process for the start-up benchmark: print 'painted' at the first paint, then exit.

`bare`: a QMainWindow with one label (the floor). `table`: the same rows in a QTableView over
a small model (a second floor: what any window listing incidents with Qt's model/view pays). `app`: what `incident-console --home HOME`
runs - the command line, the window found through its entry point, the composition root -
timed until the incident table first paints.

Each watches its one widget (an event filter on every object would cost the window, which has
many more, more than the bare one). To reach the table, `app` wraps `ui.app.build`, which the
command's `ui.app.run` calls; its imports come in the command's order (the command line and
the entry point lookup, then the window's modules), since PySide6 reads the source of every
module imported after it.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    mode, home = sys.argv[1], sys.argv[2]
    if mode == "app":
        from console import plugins  # noqa: F401 - imported by the command before the window
        from console.cli import main as incident_console
        import ui.app
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

    watchers = []

    def watch(widget) -> None:
        watchers.append(FirstPaint())
        widget.installEventFilter(watchers[-1])

    if mode == "bare":
        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        label = QLabel("Incident Console")
        window.setCentralWidget(label)
        watch(label)
        window.show()
        app.exec()
    elif mode in ("table", "table-no-qt"):
        # A second floor: the least a window showing the list as a table needs - a model over
        # the same rows read with sqlite3, a QTableView, the `Qt` namespace (roles, alignment),
        # which the bare window never touches and PySide6 builds whole (~90 enums) on first use.
        # `table-no-qt` is the same table with its one role written as a number, so that the
        # `Qt` namespace is never built: the difference between the two is what that costs.
        import sqlite3

        from PySide6.QtCore import QAbstractTableModel, QModelIndex
        from PySide6.QtWidgets import QHeaderView, QTableView

        if mode == "table":
            from PySide6.QtCore import Qt

            display = Qt.ItemDataRole.DisplayRole
        else:
            display = 0  # Qt.ItemDataRole.DisplayRole's value

        conn = sqlite3.connect(f"file:{home}/data/incidents.sqlite3?mode=ro", uri=True)
        rows = conn.execute("SELECT id, severity, status, title, declared_at FROM incidents "
                            "ORDER BY id DESC").fetchall()

        class Rows(QAbstractTableModel):
            def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt override
                return 0 if parent.isValid() else len(rows)

            def columnCount(self, parent=QModelIndex()):  # noqa: N802 - Qt override
                return 0 if parent.isValid() else 5

            def data(self, index, role=display):
                if role == display:
                    return str(rows[index.row()][index.column()])
                return None

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        table = QTableView()
        model = Rows()
        table.setModel(model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        window.setCentralWidget(table)
        watch(table.viewport())
        window.show()
        app.exec()
    else:
        build = ui.app.build

        def watched_build(*args, **kwargs):
            window = build(*args, **kwargs)
            watch(window.list_page.table.viewport())
            return window

        ui.app.build = watched_build
        incident_console(["--home", home])


if __name__ == "__main__":
    main()
