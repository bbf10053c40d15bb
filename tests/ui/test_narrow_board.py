"""The board beside the video call: at 680x740 (half a 1366 screen) it is narrow - one panel at a
time under tabs, the note box always in sight - and at 1366x768 it keeps its columns. Nothing
asks the window for more than ~640 px, nothing overlaps, no wrapped text is cut, and the keys
that reach a panel (F6, Ctrl+R, Ctrl+T) show its tab. Real widgets offscreen, real key presses.
"""

import itertools

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from ui.board_layout import NARROW_BELOW, TABS

CTRL = Qt.KeyboardModifier.ControlModifier
MAX_MINIMUM = 640  # no widget may make the window wider than this


@pytest.fixture
def page(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    window.list_page.declare_bar.severity_box.setCurrentIndex(1)  # SEV-1: every role wanted, warnings
    qtbot.keyClicks(window.list_page.declare_bar.title_edit, "Checkout returns 502 errors for EU customers")
    qtbot.keyClick(window.list_page.declare_bar.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.incident_page)
    return window.incident_page


def sized(qtbot, window, width, height):
    window.show()
    window.resize(width, height)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height), timeout=3000)
    qtbot.wait(50)  # the queued re-fit and the layouts settle


def rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def assert_apart(window, widgets):
    """Each shown widget lies inside the window, and no two of them overlap."""
    shown = [w for w in widgets if w.isVisible()]
    frame = window.rect()
    for widget in shown:
        assert frame.contains(rect_in(window, widget)), f"{widget.objectName() or widget} outside the window"
    for a, b in itertools.combinations(shown, 2):
        overlap = rect_in(window, a).intersected(rect_in(window, b))
        assert overlap.isEmpty(), f"{a.objectName() or a} overlaps {b.objectName() or b}: {overlap}"


def assert_nothing_cut(root: QWidget):
    """Every shown label that wraps is tall enough for its text at its width."""
    for label in root.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text():
            needed = label.heightForWidth(label.width())
            assert label.height() >= needed, f"{label.objectName()}: {label.height()} < {needed} px"


def main_blocks(page):
    """The page's rows, top to bottom (wide, the note box is inside the columns)."""
    rows = [page.header, page.alert, page.callout, page.tab_bar, page.body]
    return rows + [page.writing_area] if page.narrow else rows


def test_at_680x740_the_board_is_narrow_and_the_timeline_has_the_width(qtbot, window, page):
    sized(qtbot, window, 680, 740)
    assert window.width() == 680  # nothing forced it wider
    assert window.minimumSizeHint().width() <= MAX_MINIMUM
    assert page.narrow and page.tab_bar.isVisible()
    assert [page.tab_bar.tabText(i).split()[0] for i in range(page.tab_bar.count())] == list(TABS)
    assert page.tab_bar.currentIndex() == 0
    assert page.timeline.isVisible() and page.timeline.width() >= 600
    assert page.note_edit.isVisible() and page.note_edit.width() >= 500
    assert page.timeline.height() >= 250
    for panel in (page.roles_panel, page.tasks_panel, page.checklist_panel):
        assert not panel.isVisible()
    assert_apart(window, main_blocks(page))
    assert_apart(window, [page.prompt_strip, page.capture])
    header = page.header
    assert_apart(window, [header.severity_label, header.status_label, header.clock_label, header.title_label,
                          header.definition_label, header.elapsed_label, header.cadence_label])
    assert_nothing_cut(page)


def test_at_1366x768_the_columns_stay_side_by_side(qtbot, window, page):
    sized(qtbot, window, 1366, 768)
    assert window.minimumSizeHint().width() <= MAX_MINIMUM  # it can still be made narrow
    assert not page.narrow and not page.tab_bar.isVisible()
    for widget in (page.roles_panel, page.tasks_panel, page.timeline, page.checklist_panel.tree):
        assert widget.isVisible()
    assert page.timeline.width() >= 600
    assert_apart(window, main_blocks(page))
    assert_apart(window, [page.side, page.centre, page.checklist_panel])
    assert_apart(window, [page.roles_panel, page.tasks_panel])
    header = page.header
    assert_apart(window, [header.severity_label, header.status_label, header.title_label, header.clock_label,
                          header.definition_label, header.elapsed_label, header.cadence_label])
    assert_nothing_cut(page)


def test_each_tab_shows_its_panel_alone_and_the_note_box_stays(qtbot, window, page):
    sized(qtbot, window, 680, 740)
    for index, panel in ((1, page.tasks_panel), (2, page.roles_panel), (3, page.checklist_panel),
                         (0, page.timeline_area)):
        page.tab_bar.setCurrentIndex(index)
        others = {page.tasks_panel, page.roles_panel, page.checklist_panel, page.timeline_area} - {panel}
        assert panel.isVisible() and not any(o.isVisible() for o in others)
        qtbot.waitUntil(lambda: panel.width() >= 640, timeout=2000)  # laid out when the loop turns
        assert page.note_edit.isVisible()
        assert_apart(window, main_blocks(page))
        assert_nothing_cut(page)


def test_the_header_and_the_note_box_keep_their_place_whichever_tab(qtbot, window, page):
    """Half of a tall screen (960x1040): the Roles panel stops at its roles' height, and what it
    left went to the header's lines and the prompt - the title moved down ~35 px and the prompt
    grew to three times its text each time Roles was chosen. The room is left under the panel."""
    sized(qtbot, window, 960, 1040)
    assert page.narrow

    def places():
        return (rect_in(window, page.header), rect_in(window, page.header.title_label),
                rect_in(window, page.prompt_strip), rect_in(window, page.capture))

    def choose(index):
        page.tab_bar.setCurrentIndex(index)
        for _ in range(3):  # the shown and hidden panels' layout requests, all carried out
            QApplication.processEvents()
            page.layout().activate()
        qtbot.wait(20)

    choose(0)
    on_the_timeline = places()
    for index in (2, 1, 3, 0):
        choose(index)
        assert places() == on_the_timeline, TABS[index]
    choose(2)
    assert page.body.height() < rect_in(window, page.writing_area).top() - rect_in(window, page.body).top()


def test_ctrl_pgdown_and_pgup_switch_the_tabs(qtbot, window, page):
    """The keys are the table's (ui/actions.py); from the note box the keyboard stays there,
    from a panel it goes along to the next tab's panel; F6 still walks the panels."""
    from ui import actions

    assert actions.BY_NAME["next_tab"].keys == ("Ctrl+PgDown",) and actions.BY_NAME["previous_tab"].keys == ("Ctrl+PgUp",)
    sized(qtbot, window, 680, 740)
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        page.send_line("/task Ben 5 check the replicas")
    page.note_edit.setFocus()
    seen = []
    for _ in range(4):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_PageDown, CTRL)
        seen.append(page.tab_bar.currentIndex())
        assert page.note_edit.hasFocus() and page.note_edit.isVisible()
    assert seen == [1, 2, 3, 0]  # round, back to the timeline
    qtbot.keyClick(page.note_edit, Qt.Key.Key_PageUp, CTRL)
    assert page.tab_bar.currentIndex() == 3 and page.checklist_panel.isVisible()
    # From inside a panel, the keyboard follows the tab.
    page.checklist_panel.tree.setFocus()
    qtbot.keyClick(page.checklist_panel.tree, Qt.Key.Key_PageUp, CTRL)
    assert page.tab_bar.currentIndex() == 2 and page.roles_panel.table.hasFocus()
    qtbot.keyClick(page.roles_panel.table, Qt.Key.Key_PageUp, CTRL)
    assert page.tab_bar.currentIndex() == 1 and page.tasks_panel.view.hasFocus()
    qtbot.keyClick(page.tasks_panel.view, Qt.Key.Key_F6)  # F6 walks on from there
    assert page.note_edit.hasFocus()
    # Wide, there are no tabs: the keys change nothing.
    sized(qtbot, window, 1366, 768)
    page.note_edit.setFocus()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_PageDown, CTRL)
    assert not page.narrow and page.note_edit.hasFocus()
    assert all(w.isVisible() for w in (page.timeline, page.tasks_panel, page.roles_panel, page.checklist_panel))


@pytest.mark.parametrize("width", [1088, 1366])
def test_the_writing_area_is_there_after_narrow_and_wide_again(qtbot, window, page, width):
    """Opening the composer, sending or closing it, and opening it again (the board may turn
    narrow and wide in between): the note box and the composer are there each time."""
    sized(qtbot, window, width, 740)
    for round_ in range(2):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_U, CTRL)
        qtbot.wait(50)  # a change of arrangement, if any, is queued
        assert page.writing_area.isVisible() and page.composer.isVisible(), round_
        qtbot.keyClick(page.composer.editor, Qt.Key.Key_Escape)
        qtbot.wait(50)
        assert page.note_edit.isVisible() and not page.composer.isVisible(), round_
    sized(qtbot, window, 680, 740)
    sized(qtbot, window, width, 740)
    qtbot.keyClick(page.note_edit, Qt.Key.Key_U, CTRL)
    assert page.writing_area.isVisible() and page.composer.isVisible()


def test_f6_walks_the_panels_and_shows_each_one_s_tab(qtbot, window, page):
    sized(qtbot, window, 680, 740)
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        page.send_line("/task Ben 5 check the replicas")
    page.note_edit.setFocus()
    walked = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
        focused = QApplication.focusWidget()
        assert focused.isVisible()
        walked.append((focused, page.tab_bar.currentIndex()))
    assert walked == [(page.timeline, 0), (page.checklist_panel.tree, 3), (page.roles_panel.table, 2),
                      (page.tasks_panel.view, 1), (page.note_edit, 1)]


def test_the_keys_that_open_a_panel_s_bar_show_its_tab(qtbot, window, page):
    sized(qtbot, window, 680, 740)
    page.note_edit.setFocus()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_R, CTRL)
    assert page.tab_bar.currentIndex() == TABS.index("Roles")
    assert page.roles_panel.bar.isVisible() and page.roles_panel.bar.edit.hasFocus()
    qtbot.keyClick(page.roles_panel.bar.edit, Qt.Key.Key_Escape)
    page.note_edit.setFocus()
    qtbot.keyClick(page.note_edit, Qt.Key.Key_T, CTRL)
    assert page.tab_bar.currentIndex() == TABS.index("Tasks")
    assert page.tasks_panel.bar.isVisible() and page.tasks_panel.bar.edit.hasFocus()
    qtbot.keyClicks(page.tasks_panel.bar.edit, "Ben 5 check the replicas")
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        qtbot.keyClick(page.tasks_panel.bar.edit, Qt.Key.Key_Return)
    page.tick()
    assert page.tab_bar.tabText(TABS.index("Tasks")) == "Tasks 1"
    assert page.tab_bar.tabText(TABS.index("Roles")).startswith("Roles ⚠")


def test_back_to_wide_every_column_returns_with_its_width(qtbot, window, page):
    sized(qtbot, window, 1366, 768)
    before = page.body.sizes()
    sized(qtbot, window, 680, 740)
    assert page.narrow
    page.tab_bar.setCurrentIndex(TABS.index("Checklist"))
    sized(qtbot, window, 1366, 768)
    assert not page.narrow
    for widget in (page.roles_panel, page.tasks_panel, page.timeline, page.checklist_panel, page.writing_area):
        assert widget.isVisible()
    assert page.writing_area.parentWidget() is page.centre
    qtbot.waitUntil(lambda: page.body.sizes() == before, timeout=2000)


def test_the_columns_give_way_to_tabs_when_they_no_longer_fit(qtbot, window, page):
    """Between the threshold and the columns' own minimum the board is narrow too."""
    width = max(NARROW_BELOW, page.wide_minimum() - 1)
    assert not page.fits_wide(width) or width == NARROW_BELOW
    sized(qtbot, window, NARROW_BELOW - 20, 740)
    assert page.narrow
    sized(qtbot, window, max(NARROW_BELOW, page.wide_minimum()) + 40, 740)
    assert not page.narrow
