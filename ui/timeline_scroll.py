"""Where the timeline's view stands: on the newest entry, following each new one in, unless
the reader has scrolled up; then a quiet "N new entries" notice over the bottom of the timeline,
and one key (`ui.actions`' "newest") jumps there. At the top, the next older page is loaded
and the rows under the reader's eyes stay where they were.

Following is decided by the reader's scrolling alone. When the view gets shorter or taller (a
bar opens under it, the window is resized) or rows are laid out again, a view that was on the
newest entry stays on it.
"""

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QListView, QPushButton

from ui import actions
from ui.timeline import TimelineModel


class TimelineScroll(QObject):
    """Follows the newest entry of `view` (see the module docstring)."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view
        self.model: TimelineModel | None = None
        self.following = True
        self.unseen = 0  # entries that arrived while the reader was scrolled up
        self.notice = QPushButton(view)
        self.notice.setObjectName("newEntries")
        self.notice.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the key does it; focus stays put
        self.notice.setCursor(Qt.CursorShape.PointingHandCursor)
        self.notice.setStyleSheet("#newEntries { background: palette(highlight); color: palette(highlighted-text);"
                                  " border: none; border-radius: 4px; padding: 4px 12px; font-weight: 600; }")
        self.notice.clicked.connect(self.jump_to_newest)
        self.notice.hide()
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)
        view.viewport().installEventFilter(self)

    def show_model(self, model: TimelineModel) -> None:
        """A fresh incident, before the view is given its model: on its newest entry."""
        self.model = model
        self.following = True
        self.unseen = 0
        self.notice.hide()
        model.arrived.connect(self._on_arrived)
        QTimer.singleShot(0, self.view, self._stick)  # once the first page is laid out

    def at_bottom(self) -> bool:
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def jump_to_newest(self) -> None:
        """To the newest entry, following again; the notice goes."""
        self.following = True
        self.unseen = 0
        self.notice.hide()
        self.view.scrollToBottom()

    # -- what moves the view --------------------------------------------------------------------

    def _stick(self) -> None:
        if self.following:
            self.view.scrollToBottom()

    def _on_arrived(self, count: int) -> None:
        if self.following:
            QTimer.singleShot(0, self.view, self._stick)  # after the rows are laid out
            return
        self.unseen += count
        self.notice.setText(f"{self.unseen} new {'entry' if self.unseen == 1 else 'entries'} ↓  "
                            f"{actions.keys_of('newest')}")
        self.notice.adjustSize()
        self._place_notice()
        self.notice.show()
        self.notice.raise_()

    def _on_range_changed(self, _minimum: int, _maximum: int) -> None:
        if self.following:
            self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())

    def _on_scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        if bar.maximum() == 0:
            return  # no rows laid out yet (a fresh model): nothing was scrolled
        self.following = value >= bar.maximum()
        if self.following and self.unseen:
            self.unseen = 0
            self.notice.hide()
        if value == bar.minimum() and self.model is not None and self.model.has_older():
            before = bar.maximum()
            if self.model.fetch_older():
                # keep the rows under the reader's eyes where they were
                self.view.doItemsLayout()
                bar.setValue(bar.maximum() - before)

    # -- the notice's place ---------------------------------------------------------------------------

    def _place_notice(self) -> None:
        viewport = self.view.viewport()
        corner = viewport.mapTo(self.view, viewport.rect().bottomLeft())
        self.notice.move(corner.x() + (viewport.width() - self.notice.width()) // 2,
                         corner.y() - self.notice.height() - 8)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and self.notice.isVisible():
            self._place_notice()
        return False
