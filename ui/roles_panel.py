"""The roles panel of the IC's board: every role of the process with its holders and since
when, the selected role's card, the warnings, and the bar that assigns a role (Ctrl+R, a
letter, a name, Enter).

Nothing in it is cut short: the role column is as wide as the longest role's name (up to
`ROLE_COLUMN_SHARE` of the table; past that a name wraps onto a second line), and the panel is
never taller than what it holds, so the room left over goes to the panel below it (Tasks).
"""

from html import escape

from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView, QCompleter, QFrame, QHeaderView, QLabel, QScrollArea, QStyle, QTableView, QVBoxLayout,
    QWidget,
)

from ui import actions, palette
from ui.board_models import RolesModel
from ui.board_panels import InlineBar, panel_title
from ui.link_label import LinkLabel

ROLE_COLUMN_SHARE = 55  # per cent of the roles table the role's name may take before it wraps
ROW_PADDING = 4  # px above and below a role's row's words, together
NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # a suggestion's name, what the bar completes to


class RolesPanel(QWidget):
    """Roles with holders, the selected role's card, warnings, and the assign bar.

    Signals:
        assign_requested(str, str): role id and person.
        handbook_requested(str): a page reference from the role card.
    """

    assign_requested = Signal(str, str)
    handbook_requested = Signal(str)

    def __init__(self, model: RolesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setObjectName("rolesTable")
        self.table.setAccessibleName("Roles")
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        # The role column as wide as the longest role's name (up to half the table; past that
        # a name wraps onto a second line), the holders the rest: no name is ever cut short.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(2, self.table.fontMetrics().horizontalAdvance("000m 00s") + 12)
        self.table.horizontalHeader().setAccessibleName("Roles columns")
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.viewport().installEventFilter(self)
        self.table.activated.connect(lambda index: self.handbook_requested.emit(model.role_at(index.row())["page"]))
        self.table.setTabKeyNavigation(False)  # Tab goes on to the card, arrows pick the role
        # The card's link: Tab reaches it, Enter follows it (as Enter on the role's row does).
        self.card = LinkLabel(self, hint="Enter opens the role's page in the handbook")
        self.card.setObjectName("roleCard")
        self.card.setWordWrap(True)
        self.card.linkActivated.connect(self.handbook_requested)
        self.warnings = QLabel(self)
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        # Each warning's "why": Tab walks the links, Enter follows one.
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                              | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.warnings.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.warnings.setAccessibleName("Role warnings")
        self.warnings.linkActivated.connect(self.handbook_requested)
        # The letter of each role is its `key` in the process (roles.yaml).
        self.role_keys = {str(r["key"]).lower(): r for r in model._roles if r.get("key")}
        legend = " · ".join(f"{key} {r['short']}" for key, r in self.role_keys.items())
        self.bar = InlineBar("Role?", legend, self)
        # Each suggestion shows the person's team and on call; what it completes to is the name.
        self.completer_model = QStandardItemModel(self)
        self._people_shown: tuple | None = None
        completer = QCompleter(self.completer_model, self)
        completer.setCompletionRole(NAME_ROLE)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.bar.edit.setCompleter(completer)
        self._pending_role: str | None = None
        # Everything stacks in a scroll area: when the warnings, the bar and the card do not
        # fit the panel's height, the panel scrolls, and nothing is drawn over the table.
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("rolesScroll")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget(self.scroll)
        stack = QVBoxLayout(inner)
        stack.setContentsMargins(0, 0, 0, 0)
        title = panel_title(f"Roles  ({actions.keys_of('assign')} assign)", inner)
        title.setWordWrap(True)
        stack.addWidget(title)
        for widget in (self.warnings, self.bar, self.table, self.card):
            widget.setParent(inner)
            stack.addWidget(widget)
        stack.addStretch(1)
        self.scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        # Never taller than its content: the room left over goes to the panel below (Tasks).
        inner.installEventFilter(self)
        self.scroll.viewport().installEventFilter(self)
        model.modelReset.connect(self._fit_table)
        model.dataChanged.connect(lambda *_: self._fit_table())  # a holder's name may wrap
        self._fit_table()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_card())
        self.bar.edit.textEdited.connect(self._on_bar_text)
        self.bar.submitted.connect(self._on_bar_submitted)
        self.phase = "during"

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width():
            self._fit_table()
        elif watched is self.scroll.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit_height()
        elif watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width():
            self._fit_height()
        return False

    def _fit_table(self) -> None:
        """The role column as wide as the longest name allows; each row as tall as its words at
        that width; the table as tall as its rows (the process's roles: a handful), never
        scrolling."""
        table, rows, columns = self.table, self.table.verticalHeader(), self.table.horizontalHeader()
        width = table.viewport().width()
        longest = table.sizeHintForColumn(0) if self.model.rowCount() else 0
        columns.resizeSection(0, max(40, min(longest, width * ROLE_COLUMN_SHARE // 100)))
        total = 0
        for row in range(self.model.rowCount()):
            height = max(self._cell_height(row, column) for column in (0, 1))
            if rows.sectionSize(row) != height:
                rows.resizeSection(row, height)
            total += height
        frame = 2 * table.frameWidth()
        table.setFixedHeight(total + columns.sizeHint().height() + frame)

    def _cell_height(self, row: int, column: int) -> int:
        """How tall a cell's words are, wrapped at its column's width."""
        index = self.model.index(row, column)
        font = index.data(Qt.ItemDataRole.FontRole) or self.table.font()
        margin = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1)
        box = QFontMetrics(font).boundingRect(QRect(0, 0, max(self.table.columnWidth(column) - margin, 1), 10_000),
                                              Qt.TextFlag.TextWordWrap, str(index.data() or ""))
        return max(box.height(), QFontMetrics(font).height()) + ROW_PADDING

    def _fit_height(self) -> None:
        """At most as tall as everything in it needs at its width now."""
        inner = self.scroll.widget().layout()
        width = self.scroll.viewport().width()
        needed = inner.totalHeightForWidth(width) if inner.hasHeightForWidth() else inner.totalSizeHint().height()
        needed += 2 * self.scroll.frameWidth()
        if self.maximumHeight() != needed:
            self.setMaximumHeight(needed)

    def start_assign(self) -> None:
        """Ctrl+R: the next letter picks the role, then the name, then Enter."""
        self._pending_role = None
        self.bar.open(prompt=f"Role? ({' '.join(self.role_keys)})")
        self.scroll.ensureWidgetVisible(self.bar)

    def set_people(self, people: list[str], notes: dict[str, str] | None = None) -> None:
        """The names the bar suggests, in order (the incident's, then the directory's); a name's
        note (team, on call) is shown beside it in the list. The same again changes nothing (the
        board sets them on every refresh; a directory may hold 10,000 people)."""
        if (people, notes) == self._people_shown:
            return
        self._people_shown = (list(people), dict(notes or {}) if notes is not None else None)
        self.completer_model.clear()
        for name in dict.fromkeys(people):
            note = (notes or {}).get(name)
            item = QStandardItem(f"{name} — {note}" if note else name)
            item.setData(name, NAME_ROLE)
            self.completer_model.appendRow(item)

    def _on_bar_text(self, text: str) -> None:
        if self._pending_role is None and len(text) == 1:
            role = self.role_keys.get(text.lower())
            if role is None:
                self.bar.message.setText(f"No role on key {text!r}: {' '.join(self.role_keys)}")
                self.bar.edit.clear()
                return
            self._pending_role = role["id"]
            self.bar.label.setText(f"{role['name']}:")
            self.bar.edit.clear()
            self.bar.edit.setPlaceholderText("name, then Enter (the current holder is replaced for one-holder roles)")
            self.bar.message.clear()

    def _on_bar_submitted(self, text: str) -> None:
        if self._pending_role is None:
            return
        self.assign_requested.emit(self._pending_role, text)

    def assigned(self) -> None:
        self._pending_role = None
        self.bar.edit.completer().popup().hide()  # or it hands focus back to the hidden bar
        self.bar.hide()

    def show_card(self) -> None:
        index = self.table.currentIndex()
        row = index.row() if index.isValid() else 0
        if self.model.rowCount() == 0:
            return
        role = self.model.role_at(row)
        duties = role["duties"].get(self.phase) or []
        items = "".join(f"<li>{escape(d)}</li>" for d in duties[:3])
        more = f"<br><a href=\"{role['page']}\">Handbook: {escape(role['name'])} ›</a>"
        self.card.setText(f"<b>{escape(role['name'])}</b> — {escape(role['purpose'])}"
                          f"<ul style='margin:2px'>{items}</ul>{more}")

    def set_warnings(self, warnings: list) -> None:
        if not warnings:
            self.warnings.hide()
            return
        lines = []
        for w in warnings:
            mark = "⚠" if w.level == "strong" else "•"
            link = f" <a href=\"{w.page}\">why</a>" if w.page else ""
            lines.append(f"<span class='{w.level}'>{mark} {escape(w.text)}</span>{link}")
        self.warnings.setText("<br>".join(lines))
        palette.set_state(self.warnings, "level",
                          "strong" if any(w.level == "strong" for w in warnings) else "suggest")
        self.warnings.show()
