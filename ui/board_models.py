"""Qt models for the IC's board: roles, tasks with live countdowns, and checklists.

Each model is filled from the reader and the process and refreshed after every committed
change (or another process's commit); none of them writes. Countdowns are computed from the
injected clock on every repaint, so a test can move time without sleeping.
"""

from datetime import datetime

from PySide6.QtCore import (
    QAbstractItemModel, QAbstractListModel, QAbstractTableModel, QModelIndex,
    QPersistentModelIndex, Qt,
)
from PySide6.QtGui import QFont

from console import board, times
from console.clock import Clock
from console.domain import RoleAssignment, Task
from ui import palette

Index = QModelIndex | QPersistentModelIndex


class RolesModel(QAbstractTableModel):
    """Every role of the process with its current holders, core roles first."""

    COLUMNS = ("Role", "Holder", "Since")
    RoleIdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, roles: list[dict], clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self._roles = sorted(roles, key=lambda r: r["kind"] != "core")
        self._clock = clock
        self._holders: dict[str, list[RoleAssignment]] = {}

    def set_assignments(self, assignments: list[RoleAssignment]) -> None:
        holders: dict[str, list[RoleAssignment]] = {}
        for assignment in assignments:
            if assignment.to_at is None:
                holders.setdefault(assignment.role, []).append(assignment)
        self._holders = holders
        if self._roles:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._roles) - 1, 2))

    def role_at(self, row: int) -> dict:
        return self._roles[row]

    def holders(self, role_id: str) -> list[RoleAssignment]:
        return self._holders.get(role_id, [])

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._roles)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < 3 else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._roles)):
            return None
        definition = self._roles[index.row()]
        held = self._holders.get(definition["id"], [])
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return definition["name"]
            if index.column() == 1:
                return ", ".join(a.person for a in held) or "—"
            if index.column() == 2 and held:
                since = times.from_text(held[0].from_at)
                return times.format_duration((self._clock.now() - since).total_seconds())
        elif role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and not held:
            return palette.colour("muted")
        elif role == Qt.ItemDataRole.FontRole and index.column() == 0 and definition["id"] == "ic":
            font = QFont()
            font.setBold(True)
            return font
        elif role == Qt.ItemDataRole.ToolTipRole:
            return f"{definition['name']}: {definition['purpose']}"
        elif role == self.RoleIdRole:
            return definition["id"]
        return None


def countdown(due_at: str, now: datetime) -> tuple[str, bool]:
    """`4:05 left` or `OVERDUE 1:10` (minutes and seconds under an hour; `2h 05m` under a day,
    then `3d 4h`: an update cadence on an incident left open overnight read `OVERDUE 725:10`),
    and whether it is overdue."""
    seconds = (times.from_text(due_at) - now).total_seconds()
    overdue = seconds < 0
    whole = int(abs(seconds))
    minutes, hours, days = whole // 60, whole // 3600, whole // 86400
    if days:
        text = f"{days}d {hours % 24}h"
    elif hours:
        text = f"{hours}h {minutes % 60:02d}m"
    else:
        text = f"{minutes}:{whole % 60:02d}"
    return (f"OVERDUE {text}" if overdue else f"{text} left"), overdue


class TasksModel(QAbstractListModel):
    """Open tasks, soonest due first, each with its live countdown."""

    TaskRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._tasks: list[Task] = []

    def set_tasks(self, tasks: list[Task]) -> None:
        tasks = sorted((t for t in tasks if t.done_at is None), key=lambda t: (t.due_at, t.id))
        if tasks == self._tasks:
            return  # nothing changed (a refresh after another change): the selection stays
        self.beginResetModel()
        self._tasks = tasks
        self.endResetModel()

    def row_of(self, task_id: int) -> int:
        return next((row for row, task in enumerate(self._tasks) if task.id == task_id), -1)

    def tick(self) -> None:
        if self._tasks:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._tasks) - 1, 0))

    def task_at(self, row: int) -> Task:
        return self._tasks[row]

    def tasks(self) -> list[Task]:
        return list(self._tasks)

    def overdue(self) -> list[Task]:
        now = self._clock.now()
        return [t for t in self._tasks if times.from_text(t.due_at) <= now]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._tasks)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._tasks)):
            return None
        task = self._tasks[index.row()]
        left, overdue = countdown(task.due_at, self._clock.now())
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{left:>13}  {task.ref} {task.owner}: {task.text}"
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return palette.colour("danger")
        if role == Qt.ItemDataRole.FontRole and overdue:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            extended = sum(e.minutes for e in task.extensions)
            return (f"{task.ref}: {task.text}\nOwner: {task.owner}\nAssigned {task.assigned_at}, due "
                    f"{task.due_at}" + (f"\nExtended by {extended} min in all" if extended else "")
                    + "\nD: done · E: extend · R: reassign")
        if role == self.TaskRole:
            return task
        return None


class ChecklistModel(QAbstractItemModel):
    """A role's checklists for the current phase as a two-level tree: groups, then items.

    Groups are the IC's phases (open, size-up, stabilize…) for the IC's during-incident list,
    otherwise one group per checklist. Items are checkable; the next unchecked one is bold.
    """

    ItemRole = Qt.ItemDataRole.UserRole + 1
    STEP_TITLES = {"open": "Open", "size_up": "Size-up", "stabilize": "Stabilize", "update": "Update",
                   "verify": "Verify", "continuous": "Continuous", "close": "Close"}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._groups: list[tuple[str, list[dict]]] = []
        self._checked: set[str] = set()

    def set_checklists(self, checklists: list[dict]) -> None:
        groups: list[tuple[str, list[dict]]] = []
        for checklist in checklists:
            steps = [i.get("step") for i in checklist["items"]]
            if all(steps):
                for step in dict.fromkeys(steps):
                    groups.append((self.STEP_TITLES.get(step, step),
                                   [i for i in checklist["items"] if i.get("step") == step]))
            else:
                groups.append((board.checklist_heading(checklist), list(checklist["items"])))
        if groups == self._groups:
            return  # the same lists (a refresh after a tick): rows, and the selection, stay
        self.beginResetModel()
        self._groups = groups
        self.endResetModel()

    def set_checked(self, checked: set[str]) -> None:
        self._checked = set(checked)
        for row in range(len(self._groups)):
            parent = self.index(row, 0)
            self.dataChanged.emit(parent, parent)
            count = self.rowCount(parent)
            if count:
                self.dataChanged.emit(self.index(0, 0, parent), self.index(count - 1, 0, parent))

    def next_item(self) -> dict | None:
        for _, items in self._groups:
            for item in items:
                if item["id"] not in self._checked:
                    return item
        return None

    def progress(self) -> tuple[int, int]:
        items = [i for _, group in self._groups for i in group]
        return sum(i["id"] in self._checked for i in items), len(items)

    def item_index(self, item_id: str) -> QModelIndex:
        for g, (_, items) in enumerate(self._groups):
            for r, item in enumerate(items):
                if item["id"] == item_id:
                    return self.index(r, 0, self.index(g, 0))
        return QModelIndex()

    # -- Qt model interface -----------------------------------------------------------------

    # Internal ids: 0 marks a group; an item carries its group's row + 1.
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, 0) if row < len(self._groups) else QModelIndex()
        if self._is_group(parent) and row < len(self._groups[parent.row()][1]):
            return self.createIndex(row, 0, parent.row() + 1)
        return QModelIndex()

    @staticmethod
    def _is_group(index: Index) -> bool:
        return index.internalId() == 0

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or self._is_group(index):
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._groups)
        if self._is_group(parent) and parent.column() == 0:
            return len(self._groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._is_group(index):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if self._is_group(index):
            title, items = self._groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                done = sum(i["id"] in self._checked for i in items)
                return f"{title}  {done}/{len(items)}"
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        item = self._groups[index.internalId() - 1][1][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item["text"]
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if item["id"] in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.get("detail") or item["text"]
        if role == Qt.ItemDataRole.FontRole:
            upcoming = self.next_item()
            if upcoming is not None and upcoming["id"] == item["id"]:
                font = QFont()
                font.setBold(True)
                return font
        if role == self.ItemRole:
            return item
        return None
