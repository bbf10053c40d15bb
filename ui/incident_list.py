"""The list of incidents: a table model over the store and the page that shows it."""

import re

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView,
    QVBoxLayout, QWidget,
)

from console.clock import Clock
from console.domain import SEVERITIES, STATUSES, Incident
from console.queries import Reader
from ui import palette
from ui.actions import keys_of
from ui.formatting import local_and_utc, severity_text

if TYPE_CHECKING:  # pragma: no cover
    from ui.declare_bar import DeclareBar

Index = QModelIndex | QPersistentModelIndex


class IncidentListModel(QAbstractTableModel):
    """Every incident, open ones first. Small (hundreds of rows), so it holds them all."""

    COLUMNS = ("Ref", "Severity", "Status", "Title", "Declared")
    IncidentRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, clock: Clock, zone: tzinfo | None = None, parent=None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._zone = zone
        self._rows: list[Incident] = []

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def zone(self) -> tzinfo | None:
        return self._zone

    def reload(self, reader: Reader) -> None:
        self.beginResetModel()
        self._rows = reader.incidents.all()
        self.endResetModel()

    @staticmethod
    def status_text(incident: Incident) -> str:
        """The Status column: the status, and whether it is a security incident or a drill."""
        flags = [f for f, on in (("security", incident.security), ("drill", incident.drill)) if on]
        return incident.status + (f" ({', '.join(flags)})" if flags else "")

    def status_texts(self) -> set[str]:
        """Every Status text the list shows now (a handful, whatever the number of rows)."""
        return {self.status_text(incident) for incident in self._rows}

    def incident_at(self, row: int) -> Incident:
        return self._rows[row]

    def row_of(self, incident_id: int) -> int:
        return next((i for i, inc in enumerate(self._rows) if inc.id == incident_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.COLUMNS):
                return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        incident = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return incident.ref
            if column == 1:
                return severity_text(incident.severity)
            if column == 2:
                return self.status_text(incident)
            if column == 3:
                return incident.shown_title
            if column == 4:
                return local_and_utc(incident.declared_at, self._clock.now(), self._zone)
        elif role == Qt.ItemDataRole.ForegroundRole and column == 1 and incident.severity:
            return palette.colour(palette.severity(incident.severity, text=True))
        elif role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return incident.shown_title
        elif role == self.IncidentRole:
            return incident
        return None


class IncidentFilter(QSortFilterProxyModel):
    """Past incidents by words in the title, severity, status and declaration date."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.severity: int | None = None
        self.status: str | None = None
        self.since: str = ""  # YYYY-MM-DD, compared with the UTC declaration date

    def set_filter(self, text: str, severity: int | None, status: str | None, since: str) -> None:
        self.beginFilterChange()  # Qt 6.9's replacement for the deprecated invalidateFilter()
        self.words = text.casefold().split()
        self.severity, self.status, self.since = severity, status, since
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt override
        incident = self.sourceModel().incident_at(row)
        haystack = f"{incident.ref} {incident.shown_title}".casefold()
        return (all(w in haystack for w in self.words)
                and (self.severity is None or incident.severity == self.severity)
                and (self.status is None or incident.status == self.status)
                and (not self.since or incident.declared_at[:10] >= self.since))


class IncidentListPage(QWidget):
    """The opening page.

    Signals:
        open_requested(int): an incident id to open.
        declare_requested(str, object, object): relayed from the declare bar.
    """

    open_requested = Signal(int)
    declare_requested = Signal(str, object, object)
    EMPTY = "No incidents yet. Press {declare} to declare one."
    CELL_PADDING = 24  # a cell's margins and the header's sort arrow, past its text

    def __init__(self, model: IncidentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._declare_bar: "DeclareBar | None" = None  # built on first use: a combo box is slow to make
        self.table = QTableView(self)
        self.table.setObjectName("incidentTable")
        self.table.setAccessibleName("Incidents")
        self.proxy = IncidentFilter(self)
        self.proxy.setSourceModel(model)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        # Widths from the font, not ResizeToContents: that asks the model for every row's
        # size before the first paint. The Status column fits the statuses shown (`_fit_status`):
        # sized for "mitigated (security, drill)" it took a sixth of a window beside the call.
        header = self.table.horizontalHeader()
        header.setAccessibleName("Incident columns")
        metrics = self.table.fontMetrics()
        samples = ("INC-00000", "Severity", "", "", "0000-00-00 00:00:00 (00:00Z)")
        for column, sample in enumerate(samples):
            if sample:
                header.resizeSection(column, metrics.horizontalAdvance(sample) + self.CELL_PADDING)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._fit_status()
        self._unread: str | None = None  # why the incidents cannot be shown yet (show_unread)
        self.empty_hint = QLabel(self.EMPTY.format(declare=keys_of('declare')), self)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("listFilter")
        self.filter_edit.setAccessibleName("Filter incidents")
        self.filter_edit.setPlaceholderText(f"Filter: words in the title or INC-n ({keys_of('filter')})")
        self.filter_severity = QComboBox(self)
        self.filter_severity.setAccessibleName("Severity filter")
        self.filter_severity.addItem("Any severity", None)
        for level in SEVERITIES:
            self.filter_severity.addItem(severity_text(level), level)
        self.filter_status = QComboBox(self)
        self.filter_status.setAccessibleName("Status filter")
        self.filter_status.addItem("Any status", None)
        for state in STATUSES:
            self.filter_status.addItem(state, state)
        self.filter_since = QLineEdit(self)
        self.filter_since.setAccessibleName("Declared since")
        self.filter_since.setPlaceholderText("since YYYY-MM-DD")
        self.filter_since.setMaximumWidth(140)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.filter_severity)
        filters.addWidget(self.filter_status)
        filters.addWidget(self.filter_since)
        hint = QLabel(f"Enter: open   {keys_of('declare')}: declare   {keys_of('filter')}: filter   "
                      f"{keys_of('metrics')}: metrics", self)
        hint.setObjectName("keysHint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(hint)
        self.table.activated.connect(self._on_table_activated)
        for signal in (self.filter_edit.textChanged, self.filter_since.textChanged,
                       self.filter_severity.currentIndexChanged, self.filter_status.currentIndexChanged):
            signal.connect(self._apply_filter)
        self.filter_edit.returnPressed.connect(self.focus_table)
        model.modelReset.connect(self._update_empty_hint)
        model.modelReset.connect(self._fit_status)
        self._update_empty_hint()

    def _fit_status(self) -> None:
        """The Status column as wide as its widest text shown, and its title."""
        header = self.table.horizontalHeader()
        cells = self.table.fontMetrics()
        widest = max([header.fontMetrics().horizontalAdvance(self.model.COLUMNS[2]),
                      *(cells.horizontalAdvance(text) for text in self.model.status_texts())])
        header.resizeSection(2, widest + self.CELL_PADDING)

    @property
    def declare_bar(self) -> "DeclareBar":
        if self._declare_bar is None:
            from ui.declare_bar import DeclareBar

            self._declare_bar = DeclareBar(self.model.clock, self.model.zone, self)
            self._declare_bar.hide()
            self._declare_bar.declare_requested.connect(self.declare_requested)
            self.layout().insertWidget(0, self._declare_bar)
        return self._declare_bar

    def declare_bar_open(self) -> bool:
        return self._declare_bar is not None and self._declare_bar.isVisible()

    def focus_table(self) -> None:
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def select_incident(self, incident_id: int) -> None:
        row = self.model.row_of(incident_id)
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.table.setCurrentIndex(index)

    def _apply_filter(self, *_) -> None:
        since = self.filter_since.text().strip()
        valid = bool(re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", since)) or not since
        self.filter_since.setStyleSheet("" if valid else f"color: {palette.hex_colour('danger')};")
        self.proxy.set_filter(self.filter_edit.text(), self.filter_severity.currentData(),
                              self.filter_status.currentData(), since if valid else "")

    def show_unread(self, why: str | None) -> None:
        """Say `why` where the list would say "No incidents yet" while the file cannot be read
        (it is being upgraded, or could not be opened), so that an empty list never reads as
        lost incidents; None once it has been read."""
        self._unread = why
        self._update_empty_hint()

    def _update_empty_hint(self) -> None:
        self.empty_hint.setText(self._unread or self.EMPTY.format(declare=keys_of('declare')))
        empty = self.model.rowCount() == 0
        first = self.table.isHidden() and not empty
        self.empty_hint.setVisible(empty)
        self.table.setVisible(not empty)
        if first:
            self._to_the_first_incident()

    def _to_the_first_incident(self) -> None:
        """The first incident arrived (declared from the command line, or another window):
        if the keyboard was idle on this page (in the empty filter, as it is while the list is
        empty), it goes to the incident, so the first Enter opens it."""
        if not self.isVisible():
            return
        focused = QApplication.focusWidget()
        idle = focused is None or focused is self.window() or (focused is self.filter_edit
                                                               and not self.filter_edit.text())
        if idle:
            self.focus_table()

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.incident_at(self.proxy.mapToSource(index).row()).id)
