"""The outbox window (F7): every message of this console's outbox, newest first, and what a person
can do about one from the keyboard - R resends an unknown or failed message, X or Del drops
one, O releases a held one despite the message rules (an override, recorded in the timeline).
The keys are rows of `ui.actions` (Where.OUTBOX); a window of its own, never a dialog.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.domain import format_ref
from ui import actions, palette
from ui.actions import Where
from ui.row_table import RowTable, row_table_view

ATTENTION = ("failed", "unknown", "held")


class OutboxModel(RowTable):
    COLUMNS = ("Message", "Incident", "To", "Via", "State", "Tries", "Last error")

    def set_rows(self, rows: list) -> None:
        self.replace(rows)

    def cell(self, row, index, role):
        values = (f"{row.ref}: {row.title}", format_ref(row.incident_id), row.audience, row.destination,
                  row.shown_state, str(row.attempts), row.last_error or "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.body}\n\n{row.shown_state}" + (f": {row.last_error}" if row.last_error else "")
        if role == Qt.ItemDataRole.ForegroundRole and row.state in ATTENTION:
            return palette.colour("danger" if row.state == "failed" else "warning")
        return None


class OutboxWindow(QWidget):
    """The outbox, by keyboard; `writer` runs the resend/drop/release on the store's thread and
    `kick` wakes the sender after one."""

    def __init__(self, writer=None, author: str = "", kick=None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._writer, self._author, self._kick = writer, author, kick
        self.setWindowTitle("Outbox — Incident Console")
        self.resize(980, 420)
        self.model = OutboxModel(self)
        # Each column as wide as its words, the last error the rest.
        self.table = row_table_view(self.model, "outbox", "Outbox: messages going out", self)
        self.table.setWordWrap(False)
        self.empty = QLabel("Nothing has gone out yet. Updates (Ctrl+U, /update) and pages (/page) go to the "
                            "destinations added with `incident-console notify add`.", self)
        self.empty.setWordWrap(True)
        self.message = QLabel(actions.legend(Where.OUTBOX), self)
        self.message.setObjectName("keysHint")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.actions_by_name = {**actions.install(self.table, Where.OUTBOX, outbox=self),
                                **actions.install_window(self)}
        self._reader = None

    def load(self, reader) -> None:
        self._reader = reader
        self.reload()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()

    def reload(self) -> None:
        if self._reader is None:
            return
        current = self.current_row()
        self.model.set_rows(list(reversed(self._reader.outbox.all())))
        self.empty.setVisible(self.model.rowCount() == 0)
        if current is not None:
            self.select_row(current.id)

    def current_row(self):
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_row(self, row_id: int) -> None:
        for n in range(self.model.rowCount()):
            if self.model.row_at(n).id == row_id:
                self.table.setCurrentIndex(self.model.index(n, 0))
                return

    # -- the keys (rows of ui.actions) --------------------------------------------------------------

    def resend_current(self) -> None:
        self._act("resend", "resent")

    def drop_current(self) -> None:
        self._act("drop", "dropped")

    def release_current(self) -> None:
        self._act("release", "released (the override is in the timeline)")

    def _act(self, name: str, said: str) -> None:
        row = self.current_row()
        if row is None or self._writer is None:
            self.message.setText("Select a message first.")
            return
        author, row_id = self._author, row.id

        def done(_change) -> None:
            self.reload()
            self.message.setText(f"{row.ref} {said}. {actions.legend(Where.OUTBOX)}")
            if self._kick is not None:
                self._kick()

        self._writer.submit(lambda s: getattr(s.outbox, name)(row_id, by=author), done,
                            lambda e: self.message.setText(f"Not changed: {e}"))
