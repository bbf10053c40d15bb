"""Every open follow-up (action item) across incidents, soonest due first; overdue ones red;
added to and changed by keyboard in an inline bar."""

from datetime import date

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox, QLabel, QVBoxLayout, QWidget,
)

from console import followups
from console.domain import format_ref
from console.errors import InputError
from ui import actions, palette
from ui.actions import Where
from ui.board_panels import InlineBar
from ui.row_table import RowTable, row_table_view


class FollowupsModel(RowTable):
    COLUMNS = ("Due", "Item", "Incident", "Owner", "Ticket", "Done")
    SortRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, today: date, parent=None) -> None:
        super().__init__(parent)
        self._today = today.isoformat()

    def set_items(self, items: list, today: date) -> None:
        self._today = today.isoformat()
        self.replace(items)

    def item_at(self, row: int):
        return self.row_at(row)

    def overdue(self, item) -> bool:
        return bool(item.due_on and not item.done_at and item.due_on < self._today)

    def cell(self, item, index, role):
        values = [item.due_on or "—", f"{item.ref}: {item.text}", format_ref(item.incident_id),
                  item.owner or "—", item.ticket or "—", (item.done_at or "")[:10]]
        if role == Qt.ItemDataRole.DisplayRole:
            return values[index.column()]
        if role == self.SortRole:
            return (item.due_on or "9999-99-99") if index.column() == 0 else values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and self.overdue(item):
            return palette.colour("danger")
        if role == Qt.ItemDataRole.FontRole and self.overdue(item):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and self.overdue(item):
            return f"Overdue since {item.due_on}"
        return None


class FollowupsWindow(QWidget):
    """Follow-ups across incidents, by keyboard and without a dialog: with the list focused,
    N adds one, O, U and T change the selected one's owner, due date and ticket in the inline
    bar under the list (Enter saves, Esc puts it away; `-` clears), D marks it done or open.
    The keys are rows of `ui.actions` (Where.FOLLOWUPS)."""

    def __init__(self, writer=None, author: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._writer, self._author = writer, author
        self.setWindowTitle("Follow-ups — Incident Console")
        self.resize(960, 420)
        self.show_done = QCheckBox("Show done ones too", self)
        self.model = FollowupsModel(date.today(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(FollowupsModel.SortRole)
        self.table = row_table_view(self.proxy, "followups", "Follow-ups", self, stretch=1)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setAccessibleName("Follow-up columns")
        self.bar = InlineBar("", "", self)
        self.empty = QLabel(self)  # what to do when the list has nothing to show, as the outbox says it
        self.empty.setWordWrap(True)
        self.empty.hide()
        self.message = QLabel(actions.legend(Where.FOLLOWUPS), self)
        self.message.setObjectName("keysHint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.show_done)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        self.actions_by_name = {**actions.install(self.table, Where.FOLLOWUPS, followups=self),
                                **actions.install_window(self)}
        self._reader = None
        self._today = date.today()
        self._editing: tuple[str, int | None] | None = None  # the bar's field and item (or incident)
        self.show_done.toggled.connect(lambda _: self.reload())
        self.bar.submitted.connect(self._on_bar_submitted)
        self.bar.cancelled.connect(self.table.setFocus)

    def load(self, reader, today: date) -> None:
        self._reader, self._today = reader, today
        self.reload()
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 1))
        self.table.setFocus()

    def reload(self, keep: int | None = None) -> None:
        """Read the items again, keeping the selection on item `keep` (default: the selected)."""
        if self._reader is None:
            return
        current = self.current_item()
        keep = keep if keep is not None else (current.id if current is not None else None)
        open_only = not self.show_done.isChecked()
        self.model.set_items(self._reader.followups.all(open_only=open_only), self._today)
        self.empty.setText(_EMPTY.format(none="No open follow-ups." if open_only else "No follow-ups yet.",
                                         new=actions.keys_of("followup_new"),
                                         postmortem=actions.keys_of("postmortem")))
        self.empty.setVisible(self.model.rowCount() == 0)
        if keep is not None:
            self.select_item(keep)

    def current_item(self):
        index = self.table.currentIndex()
        return self.model.item_at(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def select_item(self, item_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item_at(row).id == item_id:
                self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 1)))
                return

    # -- the keys (rows of ui.actions) ---------------------------------------------------------

    def start_new(self) -> None:
        item = self.current_item()
        incident_id = item.incident_id if item is not None else None
        prompt = f"New follow-up for {format_ref(incident_id)}:" if incident_id else "New follow-up:"
        self.bar.edit.setPlaceholderText("what needs doing (start with INC-n for another incident)"
                                         if incident_id else "INC-n, then what needs doing")
        self._editing = ("new", incident_id)
        self.bar.open("", prompt=prompt)

    def start_owner(self) -> None:
        self._start("owner", "Owner of {ref}:", "a name (- for nobody)", lambda item: item.owner)

    def start_due(self) -> None:
        self._start("due", "Due date of {ref}:", followups.DUE_FORMS.replace("empty", "-"),
                    lambda item: item.due_on)

    def start_ticket(self) -> None:
        self._start("ticket", "Ticket for {ref}:", "e.g. OPS-123 or a link (- for none)", lambda item: item.ticket)

    def toggle_done(self) -> None:
        item = self.current_item()
        if item is None or self._writer is None:
            self.message.setText("Select a follow-up first.")
            return
        done, author = item.done_at is None, self._author
        self._writer.submit(lambda s: s.followups.update(item.id, done=done, by=author),
                            lambda _: (self.reload(), self.message.setText(
                                f"{item.ref} {'done' if done else 'open again'}.")),
                            lambda e: self.message.setText(f"Not changed: {e}"))

    def _start(self, field: str, prompt: str, placeholder: str, value) -> None:
        item = self.current_item()
        if item is None:
            self.message.setText(f"Select a follow-up first ({actions.keys_of('followup_new')} adds one).")
            return
        self._editing = (field, item.id)
        self.bar.edit.setPlaceholderText(placeholder)
        self.bar.open(value(item) or "", prompt=prompt.format(ref=item.ref))
        self.bar.edit.selectAll()  # typing replaces what is there

    # -- saving what the bar says ----------------------------------------------------------------

    def _on_bar_submitted(self, text: str) -> None:
        if self._editing is None or self._writer is None:
            return
        field, target = self._editing
        author = self._author
        try:
            if field == "new":
                incident_id, what = followups.take_incident(text)
                incident_id = incident_id or target
                if incident_id is None:
                    raise InputError("start with the incident, e.g. INC-2 add a replica-lag alert")
                if not what:
                    raise InputError(f"type what needs doing after {format_ref(incident_id)}")
                job = lambda s: s.followups.add(incident_id, what, by=author)  # noqa: E731
            else:
                value = None if followups.cleared(text) else text.strip()
                if field == "due":
                    value = followups.parse_due(text, self._today)
                changes = {_COLUMNS[field]: value}
                job = lambda s: s.followups.update(target, by=author, **changes)  # noqa: E731
        except InputError as exc:
            self.bar.message.setText(str(exc))
            return

        def done(item) -> None:
            self.bar.edit.clear()
            self.bar.close_bar()
            self.reload(keep=item.id)
            self.message.setText(_said(field, item))

        self._writer.submit(job, done, lambda e: self.bar.message.setText(f"Not saved: {e}"))


_COLUMNS = {"owner": "owner", "due": "due_on", "ticket": "ticket"}  # the bar's field -> update()'s
_EMPTY = ("{none} {new} adds one here (the incident, then what needs doing: INC-2 add a replica-lag "
          "alert). An incident's /todo lines become follow-ups the first time its post-mortem is "
          "opened ({postmortem} on its board).")


def _said(field: str, item) -> str:
    """What a saved change did, in a line: `A4 added to INC-2.`, `A4: owner Dee.`"""
    if field == "new":
        return (f"{item.ref} added to {format_ref(item.incident_id)}. "
                f"{actions.legend(Where.FOLLOWUPS)}")
    shown = getattr(item, _COLUMNS[field])
    word = {"owner": "owner", "due": "due date", "ticket": "ticket"}[field]
    return f"{item.ref}: {word} {shown}." if shown else f"{item.ref}: no {word}."
