"""The board's panels by keyboard: the checklist keeps its place across a tick, every input
bar opens with its default selected, the role bar never covers the roles, and the role card's
handbook link is reached and followed by keyboard."""

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget

from ui.board_models import ChecklistModel


def commit(qtbot, window, action) -> None:
    with qtbot.waitSignal(window.writer.changed, timeout=3000):
        action()


def current_item(page) -> str | None:
    item = page.checklist_panel.tree.currentIndex().data(ChecklistModel.ItemRole)
    return item["id"] if item else None


def test_down_space_down_space_ticks_two_steps(qtbot, window, page):
    """The issue's case: the second Space unticked the first step, as the selection had gone
    back to the group's header after the tick."""
    tree = page.checklist_panel.tree
    tree.setFocus()
    first_group = page.checklist_model.index(0, 0)
    tree.setCurrentIndex(first_group)  # on the "Open" header, as after Tab or F6
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    first = current_item(page)
    assert first == page.checklist_model.index(0, 0, first_group).data(ChecklistModel.ItemRole)["id"]
    commit(qtbot, window, lambda: qtbot.keyClick(tree, Qt.Key.Key_Space))
    assert current_item(page) == first  # still on the step just ticked
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    second = current_item(page)
    assert second == page.checklist_model.index(1, 0, first_group).data(ChecklistModel.ItemRole)["id"]
    commit(qtbot, window, lambda: qtbot.keyClick(tree, Qt.Key.Key_Space))
    assert current_item(page) == second
    assert page.checklist_model.progress()[0] == 2
    assert page.checklist_model.index(0, 0, first_group).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert page.checklist_model.index(1, 0, first_group).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    # A note from the scribe in between does not move the selection either.
    qtbot.keyClicks(page.note_edit, "still here")
    commit(qtbot, window, lambda: qtbot.keyClick(page.note_edit, Qt.Key.Key_Return))
    assert current_item(page) == second


def test_the_selected_task_stays_selected_when_the_board_refreshes(qtbot, window, page):
    for line in ("/task Ana 5 first", "/task Ben 9 second"):
        qtbot.keyClicks(page.note_edit, line)
        commit(qtbot, window, lambda: qtbot.keyClick(page.note_edit, Qt.Key.Key_Return))
    view = page.tasks_panel.view
    view.setFocus()
    view.setCurrentIndex(page.tasks_model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClicks(page.note_edit, "a note meanwhile")
    commit(qtbot, window, lambda: qtbot.keyClick(page.note_edit, Qt.Key.Key_Return))
    qtbot.keyClicks(page.note_edit, "/task Cy 30 a third, due last")
    commit(qtbot, window, lambda: qtbot.keyClick(page.note_edit, Qt.Key.Key_Return))
    assert page.tasks_model.rowCount() == 3
    assert view.currentIndex().isValid() and page.tasks_model.task_at(view.currentIndex().row()).text == "second"


@pytest.fixture
def with_task_and_entry(qtbot, window, page):
    qtbot.keyClicks(page.note_edit, "/task Ben 5 check the replicas")
    commit(qtbot, window, lambda: qtbot.keyClick(page.note_edit, Qt.Key.Key_Return))
    page.timeline.setCurrentIndex(page.model.index(page.model.rowCount() - 1, 0))
    page.tasks_panel.view.setCurrentIndex(page.tasks_model.index(0, 0))
    return page


def _bars(page):
    """Each input bar: how it is opened by keyboard (the widget focused, the key), its line edit."""
    ctrl = Qt.KeyboardModifier.ControlModifier
    shift = Qt.KeyboardModifier.ShiftModifier
    tasks, timeline = page.tasks_panel.view, page.timeline
    return {
        "extend": (tasks, Qt.Key.Key_E, Qt.KeyboardModifier.NoModifier, page.tasks_panel.bar.edit),
        "reassign": (tasks, Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier, page.tasks_panel.bar.edit),
        "task": (page.note_edit, Qt.Key.Key_T, ctrl, page.tasks_panel.bar.edit),
        "role": (page.note_edit, Qt.Key.Key_R, ctrl, page.roles_panel.bar.edit),
        "edit entry": (timeline, Qt.Key.Key_E, Qt.KeyboardModifier.NoModifier, page.entry_bar.edit),
        "retract entry": (timeline, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier, page.entry_bar.edit),
        "close the call": (page.note_edit, Qt.Key.Key_X, ctrl | shift, page.closing_bar.edit),
    }


@pytest.mark.parametrize("bar", ["extend", "reassign", "task", "role", "edit entry", "retract entry",
                                 "close the call"])
def test_every_input_bar_opens_with_its_default_selected(qtbot, window, with_task_and_entry, bar):
    page = with_task_and_entry
    widget, key, modifiers, edit = _bars(page)[bar]
    widget.setFocus()
    qtbot.keyClick(widget, key, modifiers)
    assert edit.isVisible() and edit.hasFocus()
    assert edit.selectedText() == edit.text()  # all of it, or nothing when there is no default
    if bar == "extend":
        assert edit.text() == "5"
        qtbot.keyClicks(edit, "5")
        assert edit.text() == "5"  # not "55": the "Extended by 55 min"
        commit(qtbot, window, lambda: qtbot.keyClick(edit, Qt.Key.Key_Return))
        assert "Extended by 5 min" in page.model.entry_at(page.model.rowCount() - 1).text
    if bar == "edit entry":
        qtbot.keyClicks(edit, "replaced")
        assert edit.text() == "replaced"


def _overlaps(widgets: list[QWidget], parent: QWidget) -> list[tuple[str, str]]:
    boxes = [(w.objectName() or type(w).__name__, QRect(w.mapTo(parent, w.rect().topLeft()), w.size()))
             for w in widgets if w.isVisible()]
    return [(a, b) for i, (a, ra) in enumerate(boxes) for b, rb in boxes[i + 1:] if ra.intersects(rb)]


@pytest.mark.parametrize("size", [(1366, 768), (680, 740)])
def test_the_role_bar_never_covers_the_roles(qtbot, window, page, size):
    window.resize(*size)
    incident_id = page.incident.id
    commit(qtbot, window, lambda: window.writer.submit(lambda s: s.roster.assign(incident_id, "ic", "Ana", by="Ana")))
    commit(qtbot, window, lambda: window.writer.submit(lambda s: s.roster.assign(incident_id, "deputy", "Ana", by="Ana")))
    page.tick()  # warnings: Ana holds two roles, roles this severity needs are empty
    panel = page.roles_panel
    qtbot.keyClick(page.note_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.bar.isVisible() and panel.bar.edit.hasFocus())
    assert panel.warnings.isVisible() and panel.card.isVisible()
    parts = [panel.warnings, panel.bar, panel.table, panel.card]
    viewport = panel.scroll.viewport()

    def bar_in_sight() -> bool:
        bar = QRect(panel.bar.mapTo(viewport, panel.bar.rect().topLeft()), panel.bar.size())
        return not viewport.rect().isEmpty() and viewport.rect().contains(bar)

    # Once the layout has run (as it does before a paint): nothing drawn over anything, the
    # bar in sight, and every role's row whole (the table never scrolls).
    qtbot.waitUntil(lambda: bar_in_sight() and _overlaps(parts, panel) == [])
    assert all(part.height() > 0 for part in parts)
    table = panel.table
    assert table.verticalScrollBar().maximum() == 0
    last = table.visualRect(page.roles_model.index(page.roles_model.rowCount() - 1, 0))
    assert table.viewport().rect().contains(last)
    window.grab()


def test_the_role_card_link_is_reached_and_followed_by_keyboard(qtbot, window, page):
    panel = page.roles_panel
    table = panel.table
    window.resize(1366, 768)
    table.setFocus()
    table.setCurrentIndex(page.roles_model.index(2, 0))  # the third role: its card
    role = page.roles_model.role_at(2)
    assert role["name"] in panel.card.accessibleName()
    with qtbot.waitSignal(page.handbook_requested, timeout=1000) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter on the role's row
    assert opened.args == [role["page"]]
    qtbot.keyClick(table, Qt.Key.Key_Tab)  # Tab leaves the table for the card's link
    assert panel.card.hasFocus()
    with qtbot.waitSignal(page.handbook_requested, timeout=1000) as opened:
        qtbot.keyClick(panel.card, Qt.Key.Key_Return)
    assert opened.args == [role["page"]]
    window.show_handbook(role["page"])  # what the board does with it
    assert window.handbook.isVisible()


def test_each_warnings_why_link_is_followed_by_keyboard(qtbot, window, page):
    window.resize(1366, 768)
    page.tick()  # SEV-1 with nobody in the roles it needs: several warnings, each with "why"
    warnings = page.roles_panel.warnings
    assert warnings.isVisible() and warnings.text().count("why</a>") >= 2
    pages = []
    page.handbook_requested.connect(pages.append)
    warnings.setFocus()
    qtbot.keyClick(warnings, Qt.Key.Key_Tab)  # into the label's first link
    qtbot.keyClick(warnings, Qt.Key.Key_Return)
    qtbot.keyClick(warnings, Qt.Key.Key_Tab)  # the next one
    qtbot.keyClick(warnings, Qt.Key.Key_Return)
    assert len(pages) == 2 and all(pages) and pages[0] != pages[1]


def test_the_tables_and_lists_of_the_board_have_names(page):
    named = [page.roles_panel.table, page.roles_panel.table.horizontalHeader(), page.tasks_panel.view,
             page.checklist_panel.tree, page.timeline]
    assert all(widget.accessibleName() for widget in named)
