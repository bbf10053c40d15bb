"""The Handbook window (F1): every page offline, a page tree, links, history and search.

A separate, non-modal window, so the IC can keep it beside the board. Pages are Markdown
rendered by Qt; each heading gets its GitHub-style anchor so links like
`../training/glossary.md#span-of-control` land on the right line. Search runs the core's FTS5
index on every keystroke (it answers in about a millisecond) and lists ranked hits with the
matched words in bold.
"""

import html
import re

from PySide6.QtCore import (
    QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QUrl, Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel, QTextDocument
from PySide6.QtWidgets import (
    QLabel, QLineEdit, QListView, QMainWindow, QSplitter, QStyle, QStyledItemDelegate,
    QStyleOptionViewItem, QTextBrowser, QToolBar, QTreeView, QVBoxLayout, QWidget,
)

from console import handbook
from console.handbook import HandbookIndex, Hit
from ui import actions
from ui.actions import Where

Index = QModelIndex | QPersistentModelIndex
PageRole = Qt.ItemDataRole.UserRole + 1


class HitModel(QAbstractListModel):
    """Search hits, best first."""

    HitRole = Qt.ItemDataRole.UserRole + 2
    KIND_NAMES = {"page": "Page", "term": "Glossary", "checklist": "Checklist", "prompt": "Prompt"}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit_at(self, row: int) -> Hit:
        return self._hits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._hits)):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.title}\n{hit.snippet_marked('', '')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.page + (f"#{hit.anchor}" if hit.anchor else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.KIND_NAMES.get(hit.kind, hit.kind)}: {hit.title}. {hit.snippet_marked('', '')}"
        if role == self.HitRole:
            return hit
        return None


def hit_html(hit: Hit) -> str:
    """A hit as rich text: kind, title and snippet, the matched words in bold."""
    def marked(text: str) -> str:
        return html.escape(text).replace("\x02", "<b>").replace("\x03", "</b>")

    kind = HitModel.KIND_NAMES.get(hit.kind, hit.kind)
    return (f"<small>{kind}</small> &nbsp;<b>{marked(hit.title_hits or hit.title)}</b>"
            f"<br><span>{marked(hit.snippet)}</span>")


class HitDelegate(QStyledItemDelegate):
    """Paints a hit as rich text, so the matched words can be bold."""

    def _document(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(hit_html(index.data(HitModel.HitRole)))
        doc.setTextWidth(max(option.rect.width(), 200))
        return doc

    def paint(self, painter, option, index) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text_option = QStyleOptionViewItem(option)
        text_option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_option, painter, option.widget)
        doc = self._document(option, index)
        painter.save()
        painter.translate(option.rect.topLeft())
        doc.drawContents(painter, QRectF(0, 0, option.rect.width(), option.rect.height()))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        self.initStyleOption(option, index)
        doc = self._document(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 4)


def navigation_model(pages: dict[str, handbook.Page]) -> QStandardItemModel:
    """The page tree, as the home page orders it."""
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["Handbook"])
    for group, ids in handbook.navigation(pages):
        parent = QStandardItem(group)
        parent.setEditable(False)
        parent.setSelectable(False)
        for page_id in ids:
            item = QStandardItem(pages[page_id].title)
            item.setEditable(False)
            item.setData(page_id, PageRole)
            parent.appendRow(item)
        model.appendRow(parent)
    return model


_HEADING_TAG = re.compile(r"(<h[1-6][^>]*>)")


def render_page(browser: QTextBrowser, page: handbook.Page) -> None:
    """Show a page, giving each heading the anchor its links expect.

    Qt's Markdown reader gives headings no anchor names, so the page goes through HTML once:
    Markdown -> Qt's HTML -> an `<a name>` at the start of each heading, in page order.
    """
    scratch = QTextDocument()
    scratch.setMarkdown(page.markdown)
    anchors = iter(section.anchor for section in page.sections)
    html_text = _HEADING_TAG.sub(
        lambda m: f'{m.group(1)}<a name="{next(anchors, "")}"></a>', scratch.toHtml()
    )
    browser.setHtml(html_text)


class HandbookWindow(QMainWindow):
    """Signals: page_shown(str): the page id (and #anchor) now on screen."""

    page_shown = Signal(str)

    def __init__(self, index: HandbookIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Handbook — Incident Console")
        self.resize(1100, 720)
        self.index = index
        self.pages = index.pages
        self.current = ""
        self._back: list[str] = []
        self._forward: list[str] = []

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("handbookSearch")
        self.search_edit.setAccessibleName("Search the handbook")
        self.search_edit.setClearButtonEnabled(True)
        self.results = QListView(self)
        self.results.setObjectName("handbookResults")
        self.results.setAccessibleName("Search results")
        self.hits = HitModel(self)
        self.results.setModel(self.hits)
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results.hide()
        self.no_results = QLabel("No matches.", self)
        self.no_results.hide()
        self.tree = QTreeView(self)
        self.tree.setObjectName("handbookTree")
        self.tree.setAccessibleName("Pages")
        self.tree.setHeaderHidden(True)
        self.tree.setModel(navigation_model(self.pages))
        self.tree.expandAll()
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("handbookPage")
        self.browser.setAccessibleName("Handbook page")
        self.browser.setOpenLinks(False)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.results, 1)
        left_layout.addWidget(self.no_results)
        left_layout.addWidget(self.tree, 1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setSizes([340, 760])
        self.setCentralWidget(splitter)

        toolbar = QToolBar("Navigation", self)
        toolbar.setObjectName("handbookToolbar")
        self.addToolBar(toolbar)
        # The window's keys are rows of `ui.actions` (Where.HANDBOOK), as every key is.
        self.actions_by_name = {**actions.install(self, Where.HANDBOOK, handbook=self),
                                **actions.install_window(self)}
        self.back_action = self.actions_by_name["handbook_back"]
        self.forward_action = self.actions_by_name["handbook_forward"]
        for name in ("handbook_back", "handbook_forward", "handbook_home"):
            toolbar.addAction(self.actions_by_name[name])
        self.search_edit.setPlaceholderText(f"Search the handbook ({actions.keys_of('handbook_find')})")

        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self.search_edit.returnPressed.connect(self._open_current_hit)
        self.results.activated.connect(self._on_result_activated)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.clicked.connect(self._on_tree_activated)
        self.browser.anchorClicked.connect(self._on_link_clicked)
        self.open_ref(handbook.HOME)

    # -- navigation ---------------------------------------------------------------------

    def open_ref(self, ref: str, *, record: bool = True) -> bool:
        """Show `page` or `page#anchor`; False (and nothing changes) if there is no such page."""
        page_id, anchor = handbook.split_page_ref(ref)
        page = self.pages.get(page_id)
        if page is None:
            self.statusBar().showMessage(f"No handbook page {page_id!r}", 5000)
            return False
        if record and self.current and self.current != ref:
            self._back.append(self.current)
            self._forward.clear()
        if page_id != handbook.split_page_ref(self.current)[0] or not self.current:
            render_page(self.browser, page)
        self.current = ref
        if anchor:
            self.browser.scrollToAnchor(anchor)
        else:
            self.browser.verticalScrollBar().setValue(0)
        self._select_in_tree(page_id)
        self.back_action.setEnabled(bool(self._back))
        self.forward_action.setEnabled(bool(self._forward))
        self.statusBar().showMessage(page.title + (f" › #{anchor}" if anchor else ""))
        self.page_shown.emit(ref)
        return True

    def go_home(self) -> None:
        self.open_ref(handbook.HOME)

    def go_back(self) -> None:
        if self._back:
            self._forward.append(self.current)
            self.open_ref(self._back.pop(), record=False)

    def go_forward(self) -> None:
        if self._forward:
            self._back.append(self.current)
            self.open_ref(self._forward.pop(), record=False)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _select_in_tree(self, page_id: str) -> None:
        model = self.tree.model()
        for group in range(model.rowCount()):
            parent = model.index(group, 0)
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if index.data(PageRole) == page_id:
                    self.tree.setCurrentIndex(index)
                    return

    # -- slots ----------------------------------------------------------------------------

    def _on_link_clicked(self, url: QUrl) -> None:
        target = handbook.resolve_link(handbook.split_page_ref(self.current)[0], url.toString())
        if target is None:
            self.statusBar().showMessage("Outside links are not opened: the handbook works offline.", 5000)
            return
        page_id, anchor = target
        self.open_ref(page_id + (f"#{anchor}" if anchor else ""))

    def _on_tree_activated(self, index: QModelIndex) -> None:
        page_id = index.data(PageRole)
        if page_id:
            self.open_ref(page_id)

    def _on_search_text_changed(self, text: str) -> None:
        searching = bool(text.strip())
        hits = self.index.search(text) if searching else []
        self.hits.set_hits(hits)
        self.results.setVisible(searching and bool(hits))
        self.no_results.setVisible(searching and not hits)
        self.tree.setVisible(not searching)
        if hits:
            self.results.setCurrentIndex(self.hits.index(0, 0))

    def _open_current_hit(self) -> None:
        index = self.results.currentIndex()
        if index.isValid():
            self._on_result_activated(index)

    def _on_result_activated(self, index: QModelIndex) -> None:
        """Open the hit where it is: a page hit at its heading; a checklist item or a prompt
        at the section and the line of its page that say it, that line selected."""
        hit = self.index.place(self.hits.hit_at(index.row()))
        self.open_ref(hit.page + (f"#{hit.anchor}" if hit.anchor else ""))
        if hit.line:
            self.show_line(hit.line, hit.anchor)

    def show_line(self, line: str, anchor: str = "") -> bool:
        """Select `line` (as rendered) at or after heading `anchor`, and scroll it into view;
        False when the page does not show it."""
        document = self.browser.document()
        start = self._anchor_position(anchor) if anchor else 0
        words = line.split()
        for count in (len(words), 12, 6, 3):  # the rendered text may wrap or drop markup
            cursor = document.find(" ".join(words[:count]), start)
            if not cursor.isNull():
                self.browser.setTextCursor(cursor)
                self.browser.ensureCursorVisible()
                return True
        return False

    def _anchor_position(self, anchor: str) -> int:
        block = self.browser.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if anchor in fragment.charFormat().anchorNames():
                    return fragment.position()
                iterator += 1
            block = block.next()
        return 0

    def keyPressEvent(self, event) -> None:
        # Down from the search box walks the results without leaving the keyboard.
        if self.search_edit.hasFocus() and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) \
                and self.results.isVisible():
            self.results.setFocus()
            self.results.keyPressEvent(event)
            return
        super().keyPressEvent(event)
