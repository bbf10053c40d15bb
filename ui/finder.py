"""Find in the timeline (Ctrl+F): full-text search within this incident or across all,
filters by kind, author and pinned, results with the matches in bold; Enter jumps there.
"""

import html
from datetime import datetime, tzinfo

from PySide6.QtCore import (
    QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal,
)
from PySide6.QtGui import QKeyEvent, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QHBoxLayout, QLineEdit, QListView, QStyle, QStyledItemDelegate,
    QStyleOptionViewItem, QWidget,
)

from console.domain import format_ref
from ui import actions
from ui.actions import ESC
from ui.formatting import local_and_utc

Index = QModelIndex | QPersistentModelIndex
SEARCH_PAUSE_MS = 150


class EntryHitModel(QAbstractListModel):
    """Search or filter results: (entry, snippet with \\x02…\\x03 around matches)."""

    HitRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list = []
        self._now: datetime | None = None
        self._zone: tzinfo | None = None

    def set_hits(self, hits: list, now: datetime, zone: tzinfo | None) -> None:
        self.beginResetModel()
        self._hits, self._now, self._zone = list(hits), now, zone
        self.endResetModel()

    def hit_at(self, row: int):
        return self._hits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def html(self, row: int) -> str:
        hit = self._hits[row]
        entry = getattr(hit, "entry", hit)
        snippet = getattr(hit, "snippet", None) or html.escape(getattr(entry, "revised_text", None) or entry.text)
        if "\x02" in snippet:
            snippet = html.escape(snippet).replace("\x02", "<b>").replace("\x03", "</b>")
        when = local_and_utc(entry.occurred_at, self._now, self._zone)
        flags = " ▲" if getattr(entry, "pinned", False) else ""
        return (f"<small>{format_ref(entry.incident_id)} · {when} · {entry.kind} · "
                f"{html.escape(entry.author)}{flags}</small><br>{snippet}")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._hits)):
            return None
        hit = self._hits[index.row()]
        entry = getattr(hit, "entry", hit)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{format_ref(entry.incident_id)} E{entry.id}: {getattr(entry, 'revised_text', None) or entry.text}"
        if role == self.HitRole:
            return hit
        return None


class RichDelegate(QStyledItemDelegate):
    """Rows as rich text from the model's `html(row)`."""

    def _doc(self, option, index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(index.model().html(index.row()))
        doc.setTextWidth(max(option.rect.width(), 200))
        return doc

    def paint(self, painter, option, index) -> None:
        self.initStyleOption(option, index)
        opt = QStyleOptionViewItem(option)
        opt.text = ""
        if option.widget:
            option.widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        painter.save()
        painter.translate(option.rect.topLeft())
        self._doc(option, index).drawContents(painter, QRectF(0, 0, option.rect.width(), option.rect.height()))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        self.initStyleOption(option, index)
        doc = self._doc(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)


class TimelineFinder(QFrame):
    """The find bar; its results list replaces the timeline while a search is open.

    Signals:
        search_requested(str, str, str, bool, bool): text, kind ('' any), author ('' any),
            pinned only, across all incidents.
        jump_requested(int, int): incident id, entry id.
    """

    search_requested = Signal(str, str, str, bool, bool)
    jump_requested = Signal(int, int)

    def __init__(self, page: QWidget) -> None:
        super().__init__(page)
        self.setObjectName("finder")
        self._page = page
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Find in the timeline… (Enter: first hit · Down: results · Esc: close)")
        self.edit.setAccessibleName("Find in the timeline")
        self.kind_box = QComboBox(self)
        self.kind_box.setAccessibleName("Kind filter")
        self.author_box = QComboBox(self)
        self.author_box.setAccessibleName("Author filter")
        self.pinned = QCheckBox("Pinned", self)
        self.everywhere = QCheckBox("All incidents", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.kind_box)
        layout.addWidget(self.author_box)
        layout.addWidget(self.pinned)
        layout.addWidget(self.everywhere)
        self.model = EntryHitModel(self)
        self.results = QListView(page)
        self.results.setObjectName("findResults")
        self.results.setAccessibleName("Found entries")
        self.results.setModel(self.model)
        self.results.setItemDelegate(RichDelegate(self.results))
        self.results.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_PAUSE_MS)
        self._timer.timeout.connect(self._emit)
        self.edit.textChanged.connect(lambda _: self._timer.start())
        for box in (self.kind_box, self.author_box):
            box.currentIndexChanged.connect(lambda _: self._emit())
        for check in (self.pinned, self.everywhere):
            check.toggled.connect(lambda _: self._emit())
        self.edit.returnPressed.connect(self._jump_current)
        self.results.activated.connect(lambda _: self._jump_current())
        actions.yield_keys(self.edit, keep=(ESC,))
        self.edit.installEventFilter(self)
        self.results.installEventFilter(self)
        self.hide()

    def reset(self, authors: list[str], kinds: list[dict]) -> None:
        for box in (self.kind_box, self.author_box):
            box.blockSignals(True)
            box.clear()
        self.kind_box.addItem("Any kind", "")
        for kind in kinds:
            self.kind_box.addItem(kind["label"], kind["id"])
        self.author_box.addItem("Anyone", "")
        for author in authors:
            self.author_box.addItem(author, author)
        for box in (self.kind_box, self.author_box):
            box.blockSignals(False)
        self.close_finder()

    def open(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def active(self) -> bool:
        return self.isVisible() and bool(self.edit.text().strip() or self.kind_box.currentData()
                                          or self.author_box.currentData() or self.pinned.isChecked())

    def close_finder(self) -> None:
        self.hide()
        self.results.hide()
        self._page.timeline.show()

    def _emit(self) -> None:
        if not self.active():
            self.results.hide()
            self._page.timeline.show()
            return
        self.search_requested.emit(self.edit.text(), self.kind_box.currentData() or "",
                                   self.author_box.currentData() or "", self.pinned.isChecked(),
                                   self.everywhere.isChecked())

    def show_hits(self, hits: list, now: datetime, zone: tzinfo | None) -> None:
        self.model.set_hits(hits, now, zone)
        self._page.timeline.hide()
        self.results.show()
        if hits:
            self.results.setCurrentIndex(self.model.index(0, 0))

    def _jump_current(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._emit()
        index = self.results.currentIndex()
        if index.isValid():
            hit = self.model.hit_at(index.row())
            entry = getattr(hit, "entry", hit)
            self.jump_requested.emit(entry.incident_id, entry.id)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if actions.claims(event, ESC):  # Esc closes the finder, not the board
            return True
        if isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.close_finder()
                self._page.timeline.setFocus()
                return True
            if watched is self.edit and event.key() == Qt.Key.Key_Down and self.results.isVisible():
                self.results.setFocus()
                return True
        return False
