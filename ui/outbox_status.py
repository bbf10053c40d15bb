"""Messages going out (issue 13), in the window: the outbox indicator at the right of the status
bar, and the sender on a thread of its own.

    ● Outbox: all sent
    ● Outbox: 2 waiting
    ● Outbox: 1 waiting · 1 failed · 1 unknown · 1 held

The indicator shows nothing until this console has a message in its outbox. Its dot (a "●" in
the palette's colour, set again at every count so that it follows the theme) is drawn in the
palette's colours (`warning` when a message needs a person - failed, unknown, held -
`muted` while messages wait, `accent` when all went out); the words say the same, so colour is
never the only signal. A click, or F7 anywhere (a row of ui/actions.py), opens the outbox
window (ui/outbox_window.py), never a dialog.

The sender (console/sender.py, which imports apprise) runs on the `outbox-sender` thread with
a connection of its own (the writer's `open_service`): started once the store is open, which
is after the first paint; apprise is imported there only when a message is due. It is woken by
every write the window commits (an update or a page queues messages in it) and otherwise
sleeps until the next message's backoff is over (at most IDLE seconds). Closing the window
stops it; a send under way is waited for up to STOP_WAIT seconds, after which the thread is
left to the process's end (the message, still marked `sending`, is dealt with by the next
sender: sent again with its key, or shown as unknown).
"""

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from console.errors import ConsoleError
from ui import palette
from ui.on_close import on_close

log = logging.getLogger("incident_console.outbox")

IDLE = 30.0  # seconds the sender sleeps at most when nothing is due
STOP_WAIT = 5.0
COUNT_MS = 1000  # how often the indicator reads the counts (one GROUP BY on a small table)
SHOWN = ("waiting", "sending", "failed", "unknown", "held")


def headline(counts: dict[str, int]) -> str:
    """What the indicator says: each state with messages, in the order above; '' for none."""
    if not counts:
        return ""
    waiting = counts.get("waiting", 0) + counts.get("sending", 0)
    parts = [f"{waiting} waiting"] if waiting else []
    parts += [f"{counts[s]} {s}" for s in ("failed", "unknown", "held") if counts.get(s)]
    return "Outbox: " + (" · ".join(parts) if parts else "all sent")


def colour(counts: dict[str, int]) -> str:
    if any(counts.get(s) for s in ("failed", "unknown", "held")):
        return "warning"
    return "muted" if counts.get("waiting") or counts.get("sending") else "accent"


class OutboxStatus(QWidget):
    """The indicator; `show_counts` is given the outbox's counts by state."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outboxStatus")
        self.counts: dict[str, int] = {}
        self.dot = QLabel("●", self)
        self.dot.setObjectName("outboxDot")
        self.dot.colour_name = ""
        self.label = QLabel(self)
        self.label.setObjectName("outboxState")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_counts({})

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)
        text = headline(counts)
        self.setVisible(bool(text))
        self.label.setText(text)
        self.dot.colour_name = colour(counts)
        self.dot.setStyleSheet(f"color: {palette.hex_colour(self.dot.colour_name)};")
        tip = f"{text}. F7 shows every message and what you can do about it." if text else ""
        self.setToolTip(tip)
        self.setAccessibleName(text or "Outbox")
        self.setAccessibleDescription(tip)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.clicked.emit()
        super().mousePressEvent(event)


class _Relay(QObject):
    """Carries the sender's 'something changed' from its thread to the window's."""

    sent = Signal()


class OutboxLink:
    """The indicator, its counts, and the sender's thread."""

    def __init__(self, window, open_service: Callable[[], object], author: str) -> None:
        self.window = window
        self.indicator = OutboxStatus(window)
        window.statusBar().addPermanentWidget(self.indicator)
        self.indicator.clicked.connect(window.show_outbox)
        self._open_service = open_service
        self._author = author
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._relay = _Relay()  # no parent: it outlives the window while the thread may still emit
        self._relay.sent.connect(self.refresh)
        self._relay.sent.connect(window.check_for_outside_changes)
        self.thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        window.writer.changed.connect(lambda _change: self.kick())
        on_close(window, self.stop)
        self._timer = QTimer(window)
        self._timer.setInterval(COUNT_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def start(self) -> None:
        self.thread.start()

    def kick(self) -> None:
        """Look for due messages now (after a write, after a person's resend or release)."""
        self._wake.set()
        self.refresh()

    def refresh(self) -> None:
        reader = self.window.reader
        if reader is None:
            return
        try:
            self.indicator.show_counts({s: n for s, n in reader.outbox.counts().items() if s in SHOWN or s == "sent"})
        except ConsoleError:
            return
        outbox = getattr(self.window, "outbox_window", None)
        if outbox is not None and outbox.isVisible():
            outbox.reload()

    def _run(self) -> None:
        service = None
        first = True  # at the start, also take over what a killed sender left `sending`
        try:
            while not self._stop.is_set():
                if service is None:
                    service = self._open_service()
                wait = service.read.outbox.seconds_to_next(service.now())
                if wait == 0 or (first and service.outbox.abandoned()):
                    from console.sender import Sender  # apprise: only when a message is due

                    Sender(service, by=self._author).run(deadline=None)
                    first = False
                    if not self._stop.is_set():
                        self._relay.sent.emit()
                    continue
                first = False
                self._wake.wait(IDLE if wait is None else min(IDLE, max(wait, 0.2)))
                self._wake.clear()
        except ConsoleError as exc:  # the store went away (disk, permissions): say it, stop sending
            log.error("the outbox sender stopped: %s", exc)
        except Exception:  # our bug: keep the window up, say so in the log
            log.exception("the outbox sender stopped")
        finally:
            if service is not None:
                service.close()

    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self, wait: float = STOP_WAIT) -> bool:
        self._timer.stop()
        self._stop.set()
        self._wake.set()
        if self.thread.ident is not None:
            self.thread.join(wait)
        ended = not self.thread.is_alive()
        if not ended:
            log.warning("the outbox sender was still sending %.0f s after the window closed", wait)
        return ended
