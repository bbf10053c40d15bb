"""The timeline as a list model that pages from the newest end.

An incident may hold a million entries, and a model that exposes every row costs O(N) in
Python before the first paint. So the model holds a window of rows that starts with the
newest page and grows towards older entries only when the view scrolls to its top
(`fetch_older`). New entries arrive through `add_entries` after their commit and are placed
by (occurred_at, id), so a back-dated note lands where it belongs, and announced by `arrived`
(older pages are not: they are history being read, not news).
"""

import bisect
from datetime import datetime, time as dtime, timedelta, tzinfo

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from console import times
from console.clock import Clock
from console.domain import Entry
from console.queries import Reader
from ui.formatting import KindStyles, local_and_utc

Index = QModelIndex | QPersistentModelIndex


def current_text(entry: Entry) -> str:
    return getattr(entry, "revised_text", None) or entry.text
PAGE_SIZE = 500
PARTS_KEPT = 50_000  # rows' painted parts remembered; forgotten all at once past this


class TimelineModel(QAbstractListModel):
    """One incident's entries, oldest at the top.

    Signals:
        arrived(int): how many newly committed entries `add_entries` has just shown.
    """

    arrived = Signal(int)
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self, reader: Reader, incident_id: int, clock: Clock, kinds: KindStyles,
        zone: tzinfo | None = None, page_size: int = PAGE_SIZE, parent=None,
    ) -> None:
        super().__init__(parent)
        self._kinds = kinds
        self._reader = reader
        self._clock = clock
        self._zone = zone
        self._page_size = page_size
        self.incident_id = incident_id
        self._rows: list[Entry] = reader.timeline.page(incident_id, limit=page_size)
        self._keys = [e.sort_key for e in self._rows]
        self._ids = {e.id for e in self._rows}
        self._has_older = len(self._rows) == page_size
        self._fetching = False
        self._parts: dict[Entry, dict] = {}  # row_parts, per entry, for the day in _parts_day
        self._parts_day = None
        self._day: tuple | None = None  # today's local bounds: (start, end) as datetimes, then as text

    # -- paging ---------------------------------------------------------------------------

    def has_older(self) -> bool:
        return self._has_older

    def fetch_older(self) -> int:
        """Load the page before the oldest loaded row; returns how many rows were added."""
        if not self._has_older or self._fetching:
            return 0
        self._fetching = True  # views may call back into the model while rows go in
        try:
            before = self._keys[0] if self._keys else None
            page = self._reader.timeline.page(self.incident_id, before=before, limit=self._page_size)
            self._has_older = len(page) == self._page_size
            page = [e for e in page if e.id not in self._ids]
            if page:
                self.beginInsertRows(QModelIndex(), 0, len(page) - 1)
                self._rows[0:0] = page
                self._keys[0:0] = [e.sort_key for e in page]
                self._ids.update(e.id for e in page)
                self.endInsertRows()
            return len(page)
        finally:
            self._fetching = False

    def add_entries(self, entries: list[Entry] | tuple[Entry, ...]) -> None:
        """Show entries that have just been committed (ours or another writer's)."""
        added = 0
        for entry in entries:
            if entry.incident_id != self.incident_id:
                continue
            if entry.id in self._ids:
                self.replace_entry(entry)  # a correction or pin: the same row, new state
                continue
            key = entry.sort_key
            position = bisect.bisect_right(self._keys, key)
            if position == 0 and self._has_older:
                continue  # older than everything loaded: it will come with its page
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, entry)
            self._keys.insert(position, key)
            self._ids.add(entry.id)
            self.endInsertRows()
            added += 1
        if added:
            self.arrived.emit(added)

    def entry_at(self, row: int) -> Entry:
        return self._rows[row]

    def row_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self._rows) if e.id == entry_id), -1)

    def replace_entry(self, entry: Entry) -> None:
        """A corrected, retracted or (un)pinned entry: same place, new state."""
        row = self.row_of(entry.id)
        if row >= 0:
            self._rows[row] = entry
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def label_width(self, metrics) -> int:
        if getattr(self, "_label_px", None) is None:
            self._label_px = max((metrics.horizontalAdvance(self._kinds.label(k))
                                  for k in self._kinds.labels), default=60)
        return self._label_px

    def today(self):
        """The local date now: a row's time shows its date only when it is another day's."""
        return self._clock.now().astimezone(self._zone).date()

    def is_today(self, entry: Entry) -> bool:
        """Whether the entry happened on today's local date (then its time shows no date).

        Compared as stored text against today's bounds in UTC, worked out once a day: the
        view asks this of every loaded row each time it lays the rows out."""
        now = self._clock.now()
        if self._day is None or not self._day[0] <= now < self._day[1]:
            day = now.astimezone(self._zone).date()
            start, end = (self._midnight(d) for d in (day, day + timedelta(days=1)))
            self._day = (start, end, times.to_text(start), times.to_text(end))
        return self._day[2] <= entry.occurred_at < self._day[3]

    def sample_time(self, today: bool) -> str:
        """A time as a row shows it: one of today's, or (False) another day's, with its date."""
        now = self._clock.now()
        return local_and_utc(times.to_text(now if today else now - timedelta(days=2)), now, self._zone)

    def _midnight(self, day) -> datetime:
        """The start of a local day, with that moment's own offset (summer time or not)."""
        naive = datetime.combine(day, dtime())
        return naive.replace(tzinfo=self._zone) if self._zone is not None else naive.astimezone()

    def row_parts(self, row: int) -> dict | None:
        """What the delegate paints for a row (made once per entry and day: the view asks for
        every loaded row's parts each time it lays the rows out)."""
        if not (0 <= row < len(self._rows)):
            return None
        entry = self._rows[row]
        today = self.today()
        if today != self._parts_day or len(self._parts) >= PARTS_KEPT:
            self._parts, self._parts_day = {}, today
        parts = self._parts.get(entry)  # an entry corrected, retracted or pinned is a new tuple
        if parts is None:
            parts = self._parts[entry] = {
                "time": local_and_utc(entry.occurred_at, self._clock.now(), self._zone),
                "label": self._kinds.label(entry.kind),
                "colour": self._kinds.colour(entry.kind),
                "author": entry.author,
                "text": current_text(entry),  # whole, line breaks kept: the delegate wraps it
                "edited": getattr(entry, "revised_text", None) is not None,
                "retracted": getattr(entry, "retracted", False),
                "pinned": getattr(entry, "pinned", False),
            }
        return parts

    def newest_id(self) -> int:
        return max(self._ids, default=0)

    # -- Qt model interface -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = local_and_utc(entry.occurred_at, self._clock.now(), self._zone)
            label = self._kinds.label(entry.kind)
            text = current_text(entry).replace("\n", " ⏎ ")
            return f"{when}  {label:<{self._kinds.width}}  {entry.author}: {text}"
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(self._kinds.colour(entry.kind))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{self._kinds.label(entry.kind)} by {entry.author}\n"
                f"happened {entry.occurred_at}\nrecorded {entry.recorded_at}\n\n{entry.text}"
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{entry.kind} by {entry.author} at {entry.occurred_at}: {entry.text}"
        if role == self.EntryRole:
            return entry
        return None
