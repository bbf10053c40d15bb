"""Where a window of the console opens the first time, before it has a place of its own to
come back to (ui.preferences keeps that): over the console's main window, no bigger than it,
and wholly on the screen it is on.

The console sits beside the video call, often in half a screen; a handbook or a post-mortem
opened at its own size (up to 1,280 px) covered the call, or ran off a small screen. The main
window is left where the window manager puts it.
"""

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget

# What a window's frame (title bar, borders) may add around its content; the window manager
# draws it, and Qt knows its size only once the window is shown.
FRAME = QSize(16, 48)


def fit(window: QWidget) -> None:
    """Size and place `window` (a window of the main window's, not shown yet) for its first
    opening."""
    parent = window.parentWidget()
    if parent is None:
        return  # the main window
    over = parent.window()
    screen = over.screen()
    area = screen.availableGeometry() if screen is not None else QRect(QPoint(0, 0), QSize(1 << 20, 1 << 20))
    size = window.size().boundedTo(over.size()).boundedTo(area.size() - FRAME)
    window.resize(size.expandedTo(window.minimumSizeHint()).expandedTo(window.minimumSize()))
    corner = over.pos()  # its frame's corner, as move() takes it
    x = max(min(corner.x(), area.x() + area.width() - window.width() - FRAME.width()), area.x())
    y = max(min(corner.y(), area.y() + area.height() - window.height() - FRAME.height()), area.y())
    window.move(x, y)
