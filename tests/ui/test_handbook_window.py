"""The Handbook window, driven by keyboard: F1, search, open a hit, follow links, go back."""

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from console.handbook import HandbookIndex
from console.process import load_process
from ui.handbook_window import HandbookWindow, HitModel


@pytest.fixture(scope="module")
def index():
    return HandbookIndex(process=load_process())


@pytest.fixture
def handbook(qtbot, index):
    win = HandbookWindow(index)
    qtbot.addWidget(win)
    win.show()
    return win


def test_hit_model(qtmodeltester, index):
    model = HitModel()
    model.set_hits(index.search("span of control"))
    qtmodeltester.check(model)
    assert model.rowCount() > 3
    assert model.data(model.index(0, 0)).startswith("Span of control\n")


def test_it_opens_on_the_home_page_with_every_page_in_the_tree(handbook):
    assert handbook.current == "index"
    model = handbook.tree.model()
    pages = sum(model.rowCount(model.index(group, 0)) for group in range(model.rowCount()))
    assert pages == 28
    assert "Incident Response Handbook" in handbook.browser.toPlainText()


def test_search_by_keyboard_and_open_the_hit_at_its_heading(qtbot, handbook):
    handbook.focus_search()
    qtbot.keyClicks(handbook.search_edit, "span of control")
    assert handbook.results.isVisible() and not handbook.tree.isVisible()
    top = handbook.hits.hit_at(0)
    assert (top.page, top.anchor) == ("training/glossary", "span-of-control")
    qtbot.keyClick(handbook.search_edit, Qt.Key.Key_Return)
    assert handbook.current == "training/glossary#span-of-control"
    cursor = handbook.browser.cursorForPosition(handbook.browser.viewport().rect().topLeft())
    visible = cursor.block().text()
    assert handbook.browser.verticalScrollBar().value() > 0
    assert visible  # scrolled to the term's heading, not left at the top of the page


def test_down_arrow_walks_the_results(qtbot, handbook):
    handbook.focus_search()
    qtbot.keyClicks(handbook.search_edit, "executive swoop")
    qtbot.keyClick(handbook.search_edit, Qt.Key.Key_Down)
    assert handbook.results.hasFocus() and handbook.results.currentIndex().row() == 1
    qtbot.keyClick(handbook.results, Qt.Key.Key_Return)
    assert handbook.current.endswith("#executive-swoop")


def test_no_matches_says_so(qtbot, handbook):
    qtbot.keyClicks(handbook.search_edit, "zzqqxx")
    assert handbook.no_results.isVisible() and not handbook.results.isVisible()
    handbook.search_edit.clear()
    assert handbook.tree.isVisible()


def test_links_back_and_forward(qtbot, handbook):
    handbook.open_ref("before/call_etiquette")
    handbook.browser.anchorClicked.emit(QUrl("severity_levels.md#sev-2"))
    assert handbook.current == "before/severity_levels#sev-2"
    handbook.browser.anchorClicked.emit(QUrl("../training/glossary.md#wilco"))
    assert handbook.current == "training/glossary#wilco"
    qtbot.keyClick(handbook.browser, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert handbook.current == "before/severity_levels#sev-2"
    qtbot.keyClick(handbook.browser, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert handbook.current == "before/call_etiquette"
    qtbot.keyClick(handbook.browser, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert handbook.current == "before/severity_levels#sev-2"
    assert handbook.tree.currentIndex().data() == "Severity levels"


def test_outside_links_and_missing_pages_change_nothing(handbook):
    handbook.open_ref("about")
    handbook.browser.anchorClicked.emit(QUrl("https://example.com/"))
    assert handbook.current == "about"
    assert "offline" in handbook.statusBar().currentMessage()
    assert handbook.open_ref("before/nowhere") is False
    assert handbook.current == "about"


def test_every_heading_anchor_of_every_page_can_be_scrolled_to(handbook):
    for page_id, page in handbook.pages.items():
        handbook.open_ref(page_id)
        names = set()
        block = handbook.browser.document().begin()
        while block.isValid():
            for fragment_iter in [block.begin()]:
                it = fragment_iter
                while not it.atEnd():
                    names.update(it.fragment().charFormat().anchorNames())
                    it += 1
            block = block.next()
        assert {s.anchor for s in page.sections} <= names, page_id


def test_f1_opens_the_handbook_from_the_main_window_without_a_modal(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.handbook is not None and window.handbook.isVisible()
    assert window.handbook.focusWidget() is window.handbook.search_edit
    assert QApplication.activeModalWidget() is None
    # the severity chip links to the level's definition
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "x")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    window.incident_page.header.severity_label.linkActivated.emit("before/severity_levels#sev-2")
    assert window.handbook.current == "before/severity_levels#sev-2"


def _visible(browser, cursor) -> bool:
    rect = browser.cursorRect(cursor)
    return 0 <= rect.top() and rect.bottom() <= browser.viewport().height()


@pytest.mark.parametrize("query, item, anchor, line", [
    ("keep order", "Keep order", "keeping-order", "Ask for one speaker at a time."),
    ("forensics", "Run forensics", "forensic-analysis", "Start this only once the systems are secure"),
])
def test_enter_on_a_checklist_hit_opens_its_page_at_the_item(qtbot, handbook, query, item, anchor, line):
    handbook.focus_search()
    qtbot.keyClicks(handbook.search_edit, query)
    row = next(r for r in range(handbook.hits.rowCount())
               if handbook.hits.hit_at(r).kind == "checklist" and item in handbook.hits.hit_at(r).title)
    handbook.results.setCurrentIndex(handbook.hits.index(row, 0))
    handbook.results.setFocus()
    qtbot.keyClick(handbook.results, Qt.Key.Key_Return)
    assert handbook.current.endswith(f"#{anchor}")
    assert handbook.browser.verticalScrollBar().value() > 0  # not the top of the page
    cursor = handbook.browser.textCursor()
    assert cursor.selectedText().startswith(line)
    assert _visible(handbook.browser, cursor)


def test_enter_on_a_prompt_hit_opens_at_its_line_too(qtbot, handbook):
    handbook.focus_search()
    qtbot.keyClicks(handbook.search_edit, "strong objections")
    row = next(r for r in range(handbook.hits.rowCount()) if handbook.hits.hit_at(r).kind == "prompt")
    handbook.results.setCurrentIndex(handbook.hits.index(row, 0))
    qtbot.keyClick(handbook.search_edit, Qt.Key.Key_Return)
    cursor = handbook.browser.textCursor()
    assert "objections" in cursor.selectedText()
    assert _visible(handbook.browser, cursor)
