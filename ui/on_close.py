"""Run something when a window is asked to close (or, if asked, whenever it is hidden).

    on_close(window, callback)                 the main window's place, a thread to stop
    on_close(window, callback, on_hide=True)   the handbook and the other windows, put away
                                               with Esc as often as closed
"""

from PySide6.QtCore import QEvent, QObject


class _Watch(QObject):
    def __init__(self, callback, parent: QObject, on_hide: bool) -> None:
        super().__init__(parent)
        self._callback = callback
        self._types = (QEvent.Type.Close, QEvent.Type.Hide) if on_hide else (QEvent.Type.Close,)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in self._types:
            self._callback()
        return False


def on_close(window: QObject, callback, *, on_hide: bool = False) -> None:
    """Call `callback()` when `window` gets a close event (and a hide event, with `on_hide`);
    the watch lives as long as the window."""
    window.installEventFilter(_Watch(callback, window, on_hide))
