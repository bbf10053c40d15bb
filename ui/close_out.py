"""Closing out: the handbook's close of the call, step by step and each step logged; the
post-mortem editor; and the reminder a day before the post-mortem meeting.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from console import times
from console.clock import Clock
from console.domain import Incident
from console.queries import Reader
from console.vocabulary import POSTMORTEM_OWNER
from ui.actions import keys_of
from ui.board_panels import InlineBar
from ui.writer import StoreWriter

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process
    from ui.preferences import Preferences
    from ui.postmortem_window import PostmortemWindow

STEPS = "1 announce end · 2 to chat · 3 owner · 4 owner ack · 5 clean-up"


class CloseOut:
    """The close-out bar's steps, the post-mortem editor and the meeting reminder of one board.

    Args:
        current: the incident on the board.
        roster: everyone who held a role, for the post-mortem.
        send_line, submit: the board's write paths.
        show_moment: the prompts for a moment (`at_close`).
        handbook_requested: the board's signal, for the editor's handbook links.
        parent: the post-mortem editor's parent window.
        preferences: where the editor's size and place are kept.
    """

    def __init__(
        self, *, process: "Process", reader: Reader, writer: StoreWriter, clock: Clock, author: str,
        closing_bar: InlineBar, callout: QLabel, current: Callable[[], Incident | None],
        roster: Callable[[], list[str]], send_line: Callable, submit: Callable,
        show_moment: Callable[[str], None], handbook_requested: Signal, parent: QWidget,
        preferences: "Preferences",
    ) -> None:
        self.process = process
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self.author = author
        self.bar = closing_bar
        self.callout = callout
        self._current = current
        self._roster = roster
        self._send_line = send_line
        self._submit = submit
        self._show_moment = show_moment
        self._handbook_requested = handbook_requested
        self._parent = parent
        self._preferences = preferences
        self.postmortem_window: "PostmortemWindow | None" = None
        closing_bar.submitted.connect(self._on_step)

    # -- closing the call -------------------------------------------------------------------------

    def start(self) -> None:
        """The handbook's close-out, step by step, each step logged (see `_on_step`)."""
        self.bar.open("", prompt=f"Close the call: {STEPS}")
        self.bar.edit.setPlaceholderText(
            "type the step number; 3 NAME YYYY-MM-DD · 4 NAME · 5 what needs cleaning up")
        self._show_moment("at_close")

    def _on_step(self, text: str) -> None:
        step, _, rest = text.strip().partition(" ")
        incident_id, author = self._current().id, self.author
        bar = self.bar

        def done(_):
            bar.message.done(f"Step {step} logged. Next step, or Esc when done.")

        def failed(error):
            bar.give_back(text)  # ahead of the next step, if one was typed meanwhile
            bar.message.setText(f"Not logged: {error}")

        def send(job) -> None:
            """The step leaves the field as it is sent: what is typed next is the next step's
            and is never wiped when this one is logged."""
            bar.take(text)
            if isinstance(job, str):  # a line of the command language
                self._send_line(job, done, failed)
            else:
                self._submit(job, done, failed)

        if step == "1":
            send("/end")
        elif step == "2":
            send(lambda s: s.timeline.log(incident_id, "Remaining discussion moves to the incident chat room",
                                          by=author, kind="note"))
        elif step == "3":
            from datetime import date

            name, _, deadline = rest.strip().rpartition(" ")
            try:
                due = date.fromisoformat(deadline)
            except ValueError:
                bar.message.setText("Write 3 NAME YYYY-MM-DD: one named owner and the date the post-mortem is due.")
                return
            send(lambda s: _name_owner(s, incident_id, name.strip(), due, author))
        elif step == "4":
            # Whoever types records the owner's spoken acknowledgement, on the owner's behalf.
            record = self._reader.postmortem.record(incident_id)
            owner = rest.strip() or (record.owner if record is not None else None) or ""
            if not owner:
                bar.message.setText("Name the owner first: 3 NAME YYYY-MM-DD.")
                return
            send(lambda s: s.postmortem.acknowledge(incident_id, by=author, on_behalf_of=owner))
        elif step == "5" and rest.strip():
            send(lambda s: s.timeline.log(incident_id, f"Clean-up: {rest.strip()}", by=author, kind="todo"))
        else:
            bar.message.setText("Steps: 1, 2, 3 NAME YYYY-MM-DD, 4 NAME, 5 TEXT")

    # -- after the call ---------------------------------------------------------------------------

    def open_postmortem(self) -> None:
        """The post-mortem editor for this incident: the saved text, or a draft from the record."""
        incident = self._current()
        if incident is None:
            return
        from console.postmortem import generate
        from ui.postmortem_window import PostmortemWindow

        # The scribe's TODOs become tracked follow-ups (F8) the first time anyone opens this.
        incident_id, author = incident.id, self.author
        self._submit(lambda s: s.followups.import_todos(incident_id, by=author))
        text = self._reader.postmortem.latest_text(incident.id) or \
            generate(self._reader, self.process, incident.id, now=self._clock.now())
        self.postmortem_window = PostmortemWindow(self.process, self._writer, self._reader, incident,
                                                  self.author, text, self._roster(), self._parent)
        self.postmortem_window.handbook_requested.connect(self._handbook_requested)
        self._preferences.keep_geometry(self.postmortem_window, "postmortem")
        self.postmortem_window.show()

    def check_meeting_reminder(self, now: datetime) -> None:
        """A day before the post-mortem meeting, remind if the draft was not shared for review."""
        from console.meeting import reminder_due

        incident = self._current()
        record = self._reader.postmortem.record(incident.id)
        if record is None or not record.meeting_at:
            return
        shared = None if record.status == "draft" else now  # In review or later: shared
        if reminder_due(times.from_text(record.meeting_at), shared, now):
            self.callout.setText("The post-mortem meeting is less than 24 hours away and the draft has "
                                 f"not been shared for review ({keys_of('postmortem')}, status In review).")
            self.callout.show()


def _name_owner(service, incident_id: int, name: str, due, author: str):
    """Name the post-mortem owner and give them the process's owner role, so Roles shows who
    owns it (the role's change, for the board to refresh; None when the process has no such
    role or they already hold it)."""
    service.postmortem.name_owner(incident_id, name, due, by=author)
    if service.vocabulary.role_by_id(POSTMORTEM_OWNER) is None:
        return None
    return service.roster.hold(incident_id, POSTMORTEM_OWNER, name, by=author)
