"""Every list, table, tree and table header a screen reader can reach has a name: the window is
built, every window it can open is opened by its key, and each item view inside them is read."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QHeaderView, QLineEdit, QWidget

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _popups() -> list[QAbstractItemView]:
    """Combo boxes' and completers' own popup lists: Qt names those through their owner."""
    popups = []
    for widget in QApplication.allWidgets():
        if isinstance(widget, QComboBox):
            popups.append(widget.view())
        completer = widget.completer() if isinstance(widget, (QLineEdit, QComboBox)) else None
        if completer is not None:
            popups.append(completer.popup())
    return popups


def item_views() -> list[QAbstractItemView]:
    """Every item view of every open window, headers included; hidden headers left out (a
    screen reader cannot reach them)."""
    popups = _popups()
    views = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for view in top.findChildren(QAbstractItemView):
            if any(view is p for p in popups) or (isinstance(view, QHeaderView) and view.isHidden()) \
                    or any(view is seen for seen in views):  # a child window is found from its parent too
                continue
            views.append(view)
    return views


def describe(view: QAbstractItemView) -> str:
    owner = view.parent()
    owner_name = owner.accessibleName() or owner.objectName() if isinstance(owner, QWidget) else ""
    return f"{type(view).__name__} in {type(owner).__name__} {owner_name!r} ({view.window().windowTitle()!r})"


def test_every_item_view_of_every_window_has_a_name(qtbot, window, page, service):
    incident_id = page.incident.id
    service.followups.add(incident_id, "Add a canary for 502s", by="Ana")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_K, CTRL)  # the command palette's list
    qtbot.keyClick(page.note_edit, Qt.Key.Key_F, CTRL)  # the finder's results
    qtbot.keyClick(page.note_edit, Qt.Key.Key_E, CTRL_SHIFT)  # the post-mortem editor
    qtbot.waitUntil(lambda: getattr(page.close_out, "postmortem_window", None) is not None
                    and page.close_out.postmortem_window.isVisible())
    for key in (Qt.Key.Key_F8, Qt.Key.Key_F9, Qt.Key.Key_F1):  # follow-ups, metrics, handbook
        qtbot.keyClick(window, key)
    qtbot.waitUntil(lambda: window.handbook is not None and window.handbook.isVisible())
    qtbot.waitUntil(lambda: window.followups_window.isVisible() and window.metrics_window.isVisible())
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    window.show_list()  # the incident list's table and its header

    views = item_views()
    names = {type(v).__name__ for v in views}
    assert {"QTableView", "QListView", "QTreeView", "QHeaderView"} <= names
    assert len(views) >= 10
    nameless = [describe(v) for v in views if not v.accessibleName().strip()]
    assert nameless == [], "\n".join(nameless)
    headers = {v.accessibleName() for v in views if isinstance(v, QHeaderView)}
    assert {"Incident columns", "Follow-up columns", "Roles columns"} <= headers
