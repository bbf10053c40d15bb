"""Status updates: when each audience's next one is due (the header's countdowns), and the
composer that writes one from the audience's template, checks it against the audience's message
rules as it is typed, and sends it through the board's write path.

The rules are the one linter's (`console.lint.lint_message`), the same that the core runs on
every update as it is sent: what it found then comes back with the change and stays on show
under the note box once the composer closes (the update is recorded all the same).
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from console import board, times
from console.clock import Clock
from console.domain import Incident
from console.queries import Reader
from ui.actions import keys_of
from ui.board_models import countdown
from ui import palette
from ui.formatting import severity_text
from ui.update_composer import UpdateComposer

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


class StatusUpdates:
    """The update cadence and the composer of one board.

    Args:
        current: the incident on the board (None before one is shown).
        commander: the IC's name, None if nobody holds the role.
        actions: the open tasks' "owner: text", for the template's actions.
        submit: the board's write path, `submit(job, on_done=None, on_error=None)`.
        say: a short message under the note box; warn: one in the error colour.
        done: where focus goes once the composer closes.
    """

    def __init__(
        self, *, process: "Process", reader: Reader, clock: Clock, author: str, audiences: tuple[str, ...],
        composer: UpdateComposer, cadence_label: QLabel, current: Callable[[], Incident | None],
        commander: Callable[[], str | None], actions: Callable[[], list[str]], submit: Callable,
        say: Callable[[str], None], done: Callable[[], None], warn: Callable[[str], None] | None = None,
    ) -> None:
        self.process = process
        self._reader = reader
        self._clock = clock
        self.author = author
        self.audiences = audiences
        self.composer = composer
        self.cadence_label = cadence_label
        self._current = current
        self._commander = commander
        self._actions = actions
        self._submit = submit
        self._say = say
        self._warn = warn or say
        self._done = done
        self.due: list[board.UpdateDue] = []
        self._roster: list[str] = []  # the incident's responders: the names the blame rules know
        self._sent: tuple | None = None  # (incident id, audience, text) of the last update sent
        composer.send_requested.connect(self._on_send)
        composer.override_requested.connect(lambda audience, text: self._on_send(audience, text, override=True))
        composer.audience_box.currentIndexChanged.connect(lambda _: self._fill())
        composer.editor.textChanged.connect(self._check)
        composer.closed.connect(done)

    def refresh(self, now: datetime) -> None:
        """Once a second: what is due to whom, counted down in the header."""
        incident = self._current()
        last = {a: (u.sent_at if (u := self._reader.updates.last(incident.id, a)) else None)
                for a in self.audiences}
        self.due = board.updates_due(self.process, incident, last)
        parts = []
        for due in self.due:
            if due.due_at is None:
                continue
            text, overdue = countdown(times.to_text(due.due_at), now)
            style = f"color:{palette.hex_colour('danger')};font-weight:bold" if overdue else ""
            when = text if overdue else "in " + text.replace(" left", "")
            parts.append(f"<span style='{style}'>{due.audience} {when}</span>")
        self.cadence_label.setText(
            (f"Updates due ({keys_of('update')}): " + " · ".join(parts)) if parts else ""
        )

    def soonest(self) -> "board.UpdateDue | None":
        upcoming = [d for d in self.due if d.due_at is not None]
        return min(upcoming, key=lambda d: d.due_at) if upcoming else None

    def open(self) -> None:
        """The composer, on the audience whose update is due soonest, filled from its template."""
        if self._current() is None:
            return
        soonest = self.soonest()
        if soonest is not None:
            self.composer.audience_box.setCurrentIndex(self.composer.audience_box.findData(soonest.audience))
        self._fill()
        self.composer.show()
        self.composer.editor.setFocus()

    def _template(self) -> dict | None:
        audience = self.composer.audience()
        return next((t for t in self.process.items("update_templates") if t["audience"] == audience), None)

    def _fill(self) -> None:
        template = self._template()
        incident = self._current()
        if template is None or incident is None:
            return
        self._roster = sorted({a.person for a in self._reader.roster.all(incident.id)})
        now = self._clock.now()
        due = next((d for d in self.due if d.audience == self.composer.audience()), None)
        every = due.every if due else None
        values = {
            "ref": incident.ref, "title": incident.shown_title,
            "severity": severity_text(incident.severity), "status": incident.status,
            "elapsed": times.format_duration((now - times.from_text(incident.declared_at)).total_seconds()),
            "ic": self._commander() or "not named yet",
            "actions": "; ".join(self._actions()) or "[what is being done]",
            "impact": "[what customers notice]",
            "next_update": f"in {every} minutes" if every else "[when]",
        }
        self.composer.editor.setPlainText(board.fill_template(template["body"], values))
        self.composer.select_first_finding()  # typing fills the first blank

    def _check(self) -> None:
        """As the update is typed: what the audience's message rules find in it."""
        from console import lint  # RE2 and the rules: when the composer is first used

        incident = self._current()
        if incident is None:
            return
        audience = self.composer.audience()
        if not lint.message_rules(self.process, audience, security=bool(incident.security)):
            self.composer.show_findings("", spans=[])
            return
        findings = lint.lint_message(self.process, self.composer.editor.toPlainText(), audience,
                                     roster=self._roster, security=bool(incident.security))
        self.composer.show_findings(
            "\n".join(f.summary for f in findings) if findings else "No problems found by the message rules.",
            spans=[(f.start, f.end) for f in findings])

    def _on_send(self, audience: str, text: str, override: bool = False) -> None:
        """Send; once it is recorded the composer closes, as a sent message's window does, and
        the line under the note box says it was sent and everything the rules found in it."""
        incident_id, author = self._current().id, self.author
        if self._sent == (incident_id, audience, text):
            self.composer.show_findings("Already sent. Change the text to send a correction, or Esc to close.")
            return

        def done(change):
            self._sent = (incident_id, audience, text)
            self.composer.hide()
            line = update_fate(self._reader, change, audience)
            if change.findings:  # recorded all the same
                self._warn(sent_with_findings(audience, change.findings, line))
            else:
                self._say(line)
            self._done()

        self._submit(lambda s: s.updates.send(incident_id, audience, text, by=author, override=override), done,
                     lambda e: self.composer.show_findings(f"Not sent: {e}"))


def update_fate(reader, change, audience: str) -> str:
    """What became of the update's messages (console.outbox.fate): going out, held, or none."""
    from console.outbox import fate

    return fate(audience, reader.outbox.of_entry(change.entries[0].id), drill=change.incident.drill)


def sent_with_findings(audience: str, findings, fate_line: str | None = None) -> str:
    """An update recorded with findings, as the line under the note box says it: what became of
    its messages, then every finding, one a line (from the composer and from `/update` in the
    note box alike)."""
    count = len(findings)
    head = fate_line or f"Update to {audience} recorded."
    return "\n".join([f"{head} The message rules found {count} "
                      f"thing{'s' if count != 1 else ''} in it:", *(f"• {f.summary}" for f in findings)])
