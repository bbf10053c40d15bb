"""Every open follow-up (action item) across incidents, soonest due first; overdue ones red."""

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QCheckBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from console.domain import format_ref
from ui import palette


class FollowupsModel(QAbstractTableModel):
    COLUMNS = ("Due", "Item", "Incident", "Owner", "Ticket", "Done")
    SortRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, today: date, parent=None) -> None:
        super().__init__(parent)
        self._items: list = []
        self._today = today.isoformat()

    def set_items(self, items: list, today: date) -> None:
        self.beginResetModel()
        self._items, self._today = list(items), today.isoformat()
        self.endResetModel()

    def item_at(self, row: int):
        return self._items[row]

    def overdue(self, item) -> bool:
        return bool(item.due_on and not item.done_at and item.due_on < self._today)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._items)):
            return None
        item = self._items[index.row()]
        values = [item.due_on or "—", f"{item.ref}: {item.text}", format_ref(item.incident_id),
                  item.owner or "—", item.ticket or "—", (item.done_at or "")[:10]]
        if role == Qt.ItemDataRole.DisplayRole:
            return values[index.column()]
        if role == self.SortRole:
            return (item.due_on or "9999-99-99") if index.column() == 0 else values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and self.overdue(item):
            return palette.colour("danger")
        if role == Qt.ItemDataRole.FontRole and self.overdue(item):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and self.overdue(item):
            return f"Overdue since {item.due_on}"
        return None


class FollowupsWindow(QWidget):
    def __init__(self, writer=None, author: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._writer, self._author = writer, author
        self.setWindowTitle("Follow-ups — Incident Console")
        self.resize(960, 420)
        self.show_done = QCheckBox("Show done ones too", self)
        self.model = FollowupsModel(date.today(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(FollowupsModel.SortRole)
        self.table = QTableView(self)
        self.table.setObjectName("followups")
        self.table.setAccessibleName("Follow-ups")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setAccessibleName("Follow-up columns")
        self.message = QLabel("D: mark the selected item done (or not done)", self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.show_done)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        self.table.installEventFilter(self)
        self._reader = None
        self._today = date.today()
        self.show_done.toggled.connect(lambda _: self.reload())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.table and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_D and self._writer is not None:
            index = self.table.currentIndex()
            if index.isValid():
                item = self.model.item_at(self.proxy.mapToSource(index).row())
                done, author = item.done_at is None, self._author
                self._writer.submit(lambda s: s.followups.update(item.id, done=done, by=author),
                                    lambda _: (self.reload(), self.message.setText(
                                        f"{item.ref} {'done' if done else 'open again'}.")),
                                    lambda e: self.message.setText(f"Not changed: {e}"))
                return True
        return False

    def load(self, reader, today: date) -> None:
        self._reader, self._today = reader, today
        self.reload()

    def reload(self) -> None:
        if self._reader is not None:
            items = self._reader.followups.all(open_only=not self.show_done.isChecked())
            self.model.set_items(items, self._today)
