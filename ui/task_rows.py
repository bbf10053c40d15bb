"""The tasks list's rows: the countdown a clean column on the left, and a task's text, when it
wraps, going on under the task's text rather than under the countdown (a hanging indent).

The row's text is the model's (`4:05 left  T2 Ben: check the canary`); the text proper starts
at the task's reference, so the later lines hang from there.
"""

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from ui.board_models import TasksModel
from ui.wrapped_rows import WrappedRows


class TaskRows(WrappedRows):
    """Install with `TaskRows(list_view)`."""

    def hanging(self, option: QStyleOptionViewItem, index: QModelIndex, text: str) -> int:
        task = index.data(TasksModel.TaskRole)
        start = text.find(f"{task.ref} ") if task is not None else -1
        return QFontMetrics(option.font).horizontalAdvance(text[:start]) if start > 0 else 0
