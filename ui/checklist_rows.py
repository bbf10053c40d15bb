"""The checklist's rows: each step's whole text, wrapped (`ui.wrapped_rows`), after a box that
says at a glance whether the step is done.

An open step's box is an outline in the text colour on the view's background; a done step's is
filled with our `check` colour and carries a tick in `tick` (ui/palette.py measures both pairs).
On the selected row the box keeps its colours and gets an outline in the selection's text
colour, so it stands out from the selection's background too. The style's own indicator is
not used: with a style sheet it is whatever the sheet paints, and a filled square alone does
not say "done".
"""

from PySide6.QtCore import QModelIndex, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from ui import palette
from ui.wrapped_rows import WrappedRows

GAP = 6  # between the box and the text


def box_size(option: QStyleOptionViewItem) -> int:
    """The box's side: a little under the text's line height."""
    return max(10, QFontMetrics(option.font).height() - 4)


class ChecklistRows(WrappedRows):
    """Install with `ChecklistRows(tree)`."""

    @staticmethod
    def _checkable(index: QModelIndex) -> bool:
        return index.data(Qt.ItemDataRole.CheckStateRole) is not None

    def lead(self, option: QStyleOptionViewItem, index: QModelIndex) -> int:
        return box_size(option) + GAP if self._checkable(index) else 0

    def box_rect(self, option: QStyleOptionViewItem, index: QModelIndex) -> QRect:
        """Where the box of the row at `option.rect` is drawn."""
        size = box_size(option)
        line = QFontMetrics(option.font).height()
        return QRect(option.rect.left() + self.PAD, option.rect.top() + self.VPAD + (line - size) // 2, size, size)

    def paint_lead(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex,
                   rect: QRect) -> None:
        if not self._checkable(index):
            return
        checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        box = QRectF(self.box_rect(option, index)).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outline = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        if checked:
            painter.setPen(QPen(outline, 1) if selected else Qt.PenStyle.NoPen)
            painter.setBrush(palette.colour("check"))
            painter.drawRoundedRect(box, 2, 2)
            tick = QPainterPath(QPointF(box.left() + box.width() * 0.22, box.top() + box.height() * 0.52))
            tick.lineTo(box.left() + box.width() * 0.42, box.top() + box.height() * 0.74)
            tick.lineTo(box.left() + box.width() * 0.80, box.top() + box.height() * 0.28)
            pen = QPen(palette.colour("tick"), max(2.0, box.width() / 6))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(tick)
        else:
            painter.setPen(QPen(outline, 1.5))
            painter.setBrush(option.palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(box, 2, 2)
