"""Paints one timeline row: time (local, UTC beside it), the kind as a coloured chip, the
author, and the entry's whole text, wrapped to the view's width (line breaks kept, a word too
long for a line broken where it must be); pinned rows carry a marker, edited rows say so,
retracted rows are struck through.

The text starts on the row's first line, after the author, and goes on under the chip, so the
times stay a clean column to scan; when too little of the first line is left (a narrow
window, a long name), the text starts on the line below. When even the author does not fit
after the chip (an entry from another day shows its date), the author and the text go below
the time and the chip, across the row's whole width.

Rows are as tall as their text, so the view asks for each row's size: only for the rows the
model has loaded (a page of 500 at a time, however long the incident), and a row's height is
remembered for its text and width, so laying the rows out again (a new entry, a resize) costs a
lookup per row.

`show_whole_entries(view)` sets a list view up for this: rows of their own heights, laid out
again whenever the view's width changes.
"""

import re
from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui import palette
from ui.timeline import TimelineModel, current_text

PIN = "▲ "
MIN_RUN_IN_CHARS = 12  # less room than this after the author: the text starts on the next line
CACHE_LIMIT = 50_000  # remembered row heights; forgotten all at once past this


class _Measures:
    """Widths in the view's font, measured once (a font change makes new ones): the marker,
    the time column (one width for today's times, one for times with their date; digits are
    measured as zeros, so every time of a kind takes the same room and the times line up)
    and each `who` once per text."""

    def __init__(self, font: QFont, model: TimelineModel) -> None:
        self.font = QFont(font)  # a copy: an item option's font dies with the option
        self.metrics = QFontMetrics(font)
        self.line = self.metrics.height()
        self.pin = self.metrics.horizontalAdvance(PIN)
        self.chip = model.label_width(self.metrics) + 10
        self.min_run_in = MIN_RUN_IN_CHARS * self.metrics.averageCharWidth()
        self.wrap = QTextOption()
        self.wrap.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long word too
        self._times: dict[bool, int] = {}
        self._whos: dict[str, int] = {}
        self.model = model

    def time(self, today: bool) -> int:
        width = self._times.get(today)
        if width is None:
            sample = self.model.sample_time(today)
            width = self._times[today] = self.metrics.horizontalAdvance(re.sub(r"\d", "0", sample) + "  ")
        return width

    def who(self, text: str) -> int:
        width = self._whos.get(text)
        if width is None:
            if len(self._whos) >= CACHE_LIMIT:
                self._whos.clear()
            width = self._whos[text] = self.metrics.horizontalAdvance(text)
        return width


class _Place(NamedTuple):
    """Where a row's parts start, from its content's left and top: where the text's later lines
    start (the chip's column, or 0 when the author went below), the author, and the text's
    first line."""

    indent: int
    who_x: int
    who_y: int
    text_x: int
    text_y: int


class _Row(NamedTuple):
    """A row laid out: its measures, its parts (TimelineModel.row_parts), the time column's
    width, the author as shown with its rectangle, and the text."""

    m: _Measures
    parts: dict
    time_width: int
    author: tuple[str, QRect]
    layout: QTextLayout


class TimelineDelegate(QStyledItemDelegate):
    PAD = 6  # left and right
    VPAD = 3  # above and below the row's content
    GAP = 8  # after the kind chip

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._heights: dict[tuple, int] = {}
        self._width: int | None = None
        self._measures: _Measures | None = None

    # -- geometry, shared by sizeHint and paint -------------------------------------------------

    @staticmethod
    def _who(author: str, edited: bool, retracted: bool) -> str:
        """`Ana: `, `Ana (edited): `, `Ana (retracted): `."""
        marks = [m for m, on in (("edited", edited), ("retracted", retracted)) if on]
        return f"{author} ({', '.join(marks)}): " if marks else f"{author}: "

    def _measure(self, font: QFont, model: TimelineModel) -> _Measures:
        if self._measures is None or self._measures.font != font or self._measures.model is not model:
            self._measures = _Measures(font, model)
            self._heights.clear()
        return self._measures

    def _place(self, m: _Measures, today: bool, who: str, width: int) -> _Place:
        """Where the row's parts go in its content `width`. The author goes after the chip when
        it fits there; else (an entry from another day shows its date, and in a narrow window
        its author was cut off) the author and the text start the second line at the row's left
        edge and take its whole width. The text runs in after the author when enough of that
        line is left, else starts on the line below."""
        indent = m.pin + m.time(today)
        who_x, who_y = indent + m.chip + self.GAP, 0
        if who_x + m.who(who) > width:  # the author and the text go below, the row's whole width
            indent = who_x = 0
            who_y = m.line
        head = who_x + m.who(who)
        if width - head >= m.min_run_in:
            return _Place(indent, who_x, who_y, head, who_y)
        return _Place(indent, who_x, who_y, indent, who_y + m.line)

    def _layout(self, m: _Measures, text: str, font: QFont, place: _Place,
                width: int) -> tuple[QTextLayout, int]:
        """The text laid out in the row's content `width`; and how tall the row's content is."""
        layout = QTextLayout(text.replace("\n", "\u2028"), font)  # a line break, not a paragraph
        layout.setTextOption(m.wrap)
        layout.beginLayout()
        y = float(place.text_y)
        x = place.text_x  # the first line's start; the others start at the indent
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max(width - x, 1))
            line.setPosition(QPointF(x, y))
            y += line.height()
            x = place.indent
        layout.endLayout()
        return layout, max(m.line, int(y + 0.999))

    def _content_height(self, m: _Measures, entry, today: bool, width: int) -> int:
        text = current_text(entry)
        place = self._place(m, today, self._who(entry.author, entry.revised_text is not None, entry.retracted),
                            width)
        if "\n" not in text and place.text_y == 0 and m.metrics.horizontalAdvance(text) <= width - place.text_x:
            return m.line  # most entries: the text fits on the first line
        return self._layout(m, text, m.font, place, width)[1]

    def _row_width(self, option: QStyleOptionViewItem) -> int:
        """The width a row gets: the view's, which sizeHint's option does not carry."""
        if self._width is not None:
            return self._width
        view = option.widget
        if isinstance(view, QAbstractItemView):
            return view.viewport().width()
        return option.rect.width() if option.rect.width() > 0 else 400

    def watch_width(self, width: int | None) -> None:
        """The view's width, kept here by `show_whole_entries` (asking the view costs more than
        the rest of a remembered row's size); None: ask the view."""
        self._width = width

    def forget_heights(self) -> None:
        """The font changed: every row is measured again."""
        self._measures = None
        self._heights.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        model: TimelineModel = index.model()
        row = index.row()
        width = self._row_width(option)
        m = self._measure(option.font, model)
        if not 0 <= row < model.rowCount():
            return QSize(width, m.line + 2 * self.VPAD)
        entry = model.entry_at(row)
        today = model.is_today(entry)
        key = (entry, today, width)  # what the row shows (a corrected entry is a new tuple), its width
        height = self._heights.get(key)
        if height is None:
            height = self._content_height(m, entry, today, width - 2 * self.PAD) + 2 * self.VPAD
            if len(self._heights) >= CACHE_LIMIT:
                self._heights.clear()
            self._heights[key] = height
        return QSize(width, height)

    def _row_layout(self, view_font: QFont, font: QFont, model: TimelineModel, row: int, width: int) -> _Row:
        m = self._measure(view_font, model)
        entry, parts = model.entry_at(row), model.row_parts(row)
        today = model.is_today(entry)
        who = self._who(parts["author"], parts["edited"], parts["retracted"])
        place = self._place(m, today, who, width)
        layout, _ = self._layout(m, parts["text"], font, place, width)
        room = max(width - place.who_x, 1)  # the author is cut short only when even this is too narrow
        author = (m.metrics.elidedText(who, Qt.TextElideMode.ElideRight, room),
                  QRect(place.who_x, place.who_y, room, m.line))
        return _Row(m, parts, m.time(today), author, layout)

    def shown_lines(self, view: QAbstractItemView, index) -> list[str]:
        """The row's text as the reader sees it, line by line, at the view's width now."""
        width = view.viewport().width() - 2 * self.PAD
        layout = self._row_layout(view.font(), view.font(), index.model(), index.row(), width).layout
        text = layout.text()
        return [text[line.textStart():line.textStart() + line.textLength()]
                for line in (layout.lineAt(i) for i in range(layout.lineCount()))]

    def shown_author(self, view: QAbstractItemView, index) -> tuple[str, QRect]:
        """The row's author as the reader sees it, and where in the row's content."""
        width = view.viewport().width() - 2 * self.PAD
        return self._row_layout(view.font(), view.font(), index.model(), index.row(), width).author

    # -- painting ------------------------------------------------------------------------------------

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
        content = option.rect.adjusted(self.PAD, self.VPAD, -self.PAD, -self.VPAD)
        body_font = QFont(option.font)
        body_font.setStrikeOut(row["retracted"])
        m, row, time_width, (who, where), layout = self._row_layout(option.font, body_font, model, index.row(),
                                                                    content.width())
        line_height = m.line
        x = content.left()

        def draw(text: str, colour: QColor, w: int) -> None:
            nonlocal x
            painter.setPen(colour)
            painter.drawText(QRect(x, content.top(), w, line_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            x += w

        # pin marker, time
        draw(PIN if row["pinned"] else "  ", (text_colour if selected else palette.colour("warning")) if row["pinned"] else muted,
             m.pin)
        draw(row["time"], muted, time_width)
        # kind chip
        chip_rect = QRect(x, content.top() + 1, m.chip, line_height - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(row["colour"]))
        painter.drawRoundedRect(chip_rect, 3, 3)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(palette.on_chip(row["colour"])))
        painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, row["label"])
        painter.setFont(option.font)
        painter.setPen(muted)
        painter.drawText(where.translated(content.topLeft()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, who)
        # the whole text, wrapped
        painter.setPen(muted if row["retracted"] else text_colour)
        layout.draw(painter, QPointF(content.left(), content.top()))
        painter.restore()


class _WidthWatch(QObject):
    """Keeps the delegate told of the view's width, and lays the rows out again when it
    changes (a list view laid out top to bottom does so only when its height changes) or
    the font does."""

    def __init__(self, view: QListView, delegate: TimelineDelegate) -> None:
        super().__init__(view)
        self._view = view
        self._delegate = delegate
        delegate.watch_width(view.viewport().width())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and watched.width() != event.oldSize().width():
            self._delegate.watch_width(watched.width())
            self._view.scheduleDelayedItemsLayout()
        elif event.type() == QEvent.Type.FontChange:
            self._delegate.forget_heights()
            self._view.scheduleDelayedItemsLayout()
        return False


def show_whole_entries(view: QListView) -> TimelineDelegate:
    """Set the timeline's view up for whole, wrapped entries (see the module docstring)."""
    delegate = TimelineDelegate(view)
    view.setItemDelegate(delegate)
    view.setUniformItemSizes(False)  # each row as tall as its text
    view.setWordWrap(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    # Rows are exactly as wide as the view: no sideways scrolling, and a scroll bar that is
    # always there, so it never appears and takes the width the rows were laid out for.
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    view.viewport().installEventFilter(_WidthWatch(view, delegate))
    return delegate
