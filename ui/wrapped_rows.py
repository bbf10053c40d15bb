"""Rows that show their whole text: a delegate for the board's short lists and trees (the
checklist, the tasks) whose rows wrap their text at the view's width, each row as tall as its
text, laid out again whenever that width changes.

Qt wraps an item's text (`setWordWrap`) only where it is told the row's width, and a list or
tree asks for a row's size without it: the text is cut to one line. Here the width is the
view's own: the column's width, less the tree's indentation at the row's depth.

A row may put something before its text (`lead`: the checklist's box) and may hang the later
lines of its text under a column of its first line (`hanging`: a task's countdown stays a
clean column, and the task's text wraps under the task's text).
"""

from PySide6.QtCore import QEvent, QModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView,
)

CACHE_LIMIT = 5_000  # remembered heights; forgotten all at once past this (the lists are short)


class WrappedRows(QStyledItemDelegate):
    """Draws and measures `view`'s rows whole; installs itself on the view (see the module
    docstring). Subclasses say what goes before the text and how far later lines hang."""

    PAD = 4  # left and right of the row's content
    VPAD = 2  # above and below it

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._heights: dict[tuple, int] = {}
        self._wrap = QTextOption()
        self._wrap.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long word too
        view.setItemDelegate(self)
        view.setWordWrap(True)
        if isinstance(view, QTreeView):
            view.setUniformRowHeights(False)
            view.header().sectionResized.connect(lambda *_: self.relayout())
        elif isinstance(view, QListView):
            view.setUniformItemSizes(False)
        # Rows exactly as wide as the view, and a scroll bar that is always there, so it never
        # appears and takes the width the rows were laid out for.
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.viewport().installEventFilter(self)

    # -- what a kind of row adds ------------------------------------------------------------------

    def lead(self, option: QStyleOptionViewItem, index: QModelIndex) -> int:
        """The room taken before the text on every line (none by default)."""
        return 0

    def hanging(self, option: QStyleOptionViewItem, index: QModelIndex, text: str) -> int:
        """How far the text's second and later lines start right of its first (none)."""
        return 0

    def paint_lead(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex,
                   rect: QRect) -> None:
        """Draw what goes before the text in `rect` (its first line's height)."""

    # -- geometry ---------------------------------------------------------------------------------

    def row_width(self, index: QModelIndex) -> int:
        """The width the view gives the row: a tree's column less the row's indentation."""
        view = self._view
        if isinstance(view, QTreeView):
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            return view.columnWidth(0) - view.indentation() * (depth + int(view.rootIsDecorated()))
        return view.viewport().width()

    def text_layout(self, text: str, font: QFont, width: int, indent: int) -> tuple[QTextLayout, int]:
        """`text` laid out in `width`, the lines after the first `indent` further right; and
        its height."""
        layout = QTextLayout(text.replace("\n", "\u2028"), font)  # a line break, not a paragraph
        layout.setTextOption(self._wrap)
        layout.beginLayout()
        y, first = 0.0, True
        while (line := layout.createLine()).isValid():
            shift = 0 if first else min(indent, max(width - 40, 0))  # never squeeze the rest to nothing
            line.setLineWidth(max(width - shift, 1))
            line.setPosition(QPointF(shift, y))
            y += line.height()
            first = False
        layout.endLayout()
        return layout, max(QFontMetrics(font).height(), int(y + 0.999))

    def _option(self, option: QStyleOptionViewItem, index: QModelIndex) -> QStyleOptionViewItem:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        return opt

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt override
        opt = self._option(option, index)
        row = self.row_width(index)
        width = row - 2 * self.PAD - self.lead(opt, index)
        indent = self.hanging(opt, index, opt.text)
        key = (opt.text, opt.font.key(), width, indent)
        height = self._heights.get(key)
        if height is None:
            height = self.text_layout(opt.text, opt.font, width, indent)[1] + 2 * self.VPAD
            if len(self._heights) >= CACHE_LIMIT:
                self._heights.clear()
            self._heights[key] = height
        return QSize(max(row, 1), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = self._option(option, index)
        text = opt.text
        # The row's background, selection and focus as the style draws them; the rest is ours.
        opt.text = ""
        opt.icon = QIcon()
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        content = option.rect.adjusted(self.PAD, self.VPAD, -self.PAD, -self.VPAD)
        lead = self.lead(opt, index)
        line = QFontMetrics(opt.font).height()
        painter.save()
        self.paint_lead(painter, opt, index, QRect(content.left(), content.top(), lead, line))
        layout, _ = self.text_layout(text, opt.font, content.width() - lead, self.hanging(opt, index, text))
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.setFont(opt.font)
        layout.draw(painter, QPointF(content.left() + lead, content.top()))
        painter.restore()

    def shown_lines(self, index: QModelIndex) -> list[str]:
        """The row's text as the reader sees it, line by line, at the view's width now."""
        opt = self._option(self._view_option(), index)
        width = self.row_width(index) - 2 * self.PAD - self.lead(opt, index)
        layout, _ = self.text_layout(opt.text, opt.font, width, self.hanging(opt, index, opt.text))
        text = layout.text()
        return [text[line.textStart():line.textStart() + line.textLength()]
                for line in (layout.lineAt(i) for i in range(layout.lineCount()))]

    def _view_option(self) -> QStyleOptionViewItem:
        option = QStyleOptionViewItem()
        option.initFrom(self._view)
        option.font = self._view.font()
        option.widget = self._view
        return option

    # -- laid out again when the width changes ----------------------------------------------------

    def relayout(self) -> None:
        self._view.scheduleDelayedItemsLayout()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
            self.relayout()
        elif event.type() == QEvent.Type.FontChange:
            self._heights.clear()
            self.relayout()
        return False
