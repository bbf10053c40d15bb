"""Paints one timeline row: time (local, UTC beside it), the kind as a coloured chip, the
author, the text; pinned rows carry a marker, edited rows say so, retracted rows are struck
through. Rows are one line high and equal, so the view can lay out a million of them
without asking Python for each one's size.
"""

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui import palette
from ui.timeline import TimelineModel


class TimelineDelegate(QStyledItemDelegate):
    PAD = 6

    def __init__(self, parent=None) -> None:
        super().__init__(parent)

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(400, metrics.height() + 6)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        model: TimelineModel = index.model()
        row = model.row_parts(index.row())
        if row is None:
            return super().paint(painter, option, index)
        painter.save()
        style = option.widget.style() if option.widget else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = type(opt.icon)()
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = QColor(text_colour)
        if not selected:  # faded, it would not read on the selection's colour
            muted.setAlpha(150)
        metrics = QFontMetrics(option.font)
        rect = option.rect.adjusted(self.PAD, 0, -self.PAD, 0)
        baseline_rect = QRect(rect)
        x = rect.left()

        def draw(text: str, colour: QColor, width: int | None = None, font: QFont | None = None) -> int:
            nonlocal x
            if font is not None:
                painter.setFont(font)
            painter.setPen(colour)
            w = width if width is not None else metrics.horizontalAdvance(text)
            painter.drawText(QRect(x, baseline_rect.top(), w, baseline_rect.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            painter.setFont(option.font)
            x += w
            return w

        # pin marker, time
        draw("▲ " if row["pinned"] else "  ", (text_colour if selected else palette.colour("warning")) if row["pinned"] else muted,
             metrics.horizontalAdvance("▲ "))
        draw(row["time"] + "  ", muted)
        # kind chip
        chip = row["label"]
        chip_w = model.label_width(metrics) + 10
        chip_rect = QRect(x, rect.top() + 2, chip_w, rect.height() - 4)
        colour = QColor(row["colour"])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(chip_rect, 3, 3)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(palette.on_chip(row["colour"])))
        painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, chip)
        painter.setFont(option.font)
        x += chip_w + 8
        draw(row["author"] + ": ", muted)
        body_font = QFont(option.font)
        body_font.setStrikeOut(row["retracted"])
        tail = "  (edited)" if row["edited"] else ""
        tail += "  (retracted)" if row["retracted"] else ""
        available = rect.right() - x - metrics.horizontalAdvance(tail)
        body = QFontMetrics(body_font).elidedText(row["text"], Qt.TextElideMode.ElideRight, max(available, 40))
        draw(body, muted if row["retracted"] else text_colour, font=body_font)
        if tail:
            draw(tail, muted)
        painter.restore()
