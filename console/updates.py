"""Status updates: what was sent to each audience, and when (what an update-due timer counts from).

Every update is checked by the process's message rules for its audience (console.lint:
`lint_message`) as it is sent, whichever way it was sent (the composer, the note box, the
palette, the command line): the findings come back with the Change, for whoever sent it to see.
The update is recorded all the same; the rules advise, they do not stop the record. What they
stop is the message going out (issue 13): the update's messages (console.outbox, one per
destination of the audience, queued by the same op) are held until someone overrides - at
once (`override=True`: `--override`, the composer's override key), which is itself a
timeline entry in the same op, or later (`outbox release`).
"""

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, Incident, Update
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors
from console.vocabulary import Vocabulary

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

_COLUMNS = 'id, incident_id, audience, text, "by", sent_at'


def entry_text(audience: str, text: str) -> str:
    """The timeline entry an update writes (the post-mortem's timeline reads it back)."""
    return f"Update to {audience}: {text}"


class Updates:
    """Record status updates as sent (each with its timeline entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def send(self, incident_id: int, audience: str, text: str, *, by: str, override: bool = False) -> Change:
        """Record a status update as sent and queue its messages; the audience's update kind
        ("status" or "comms", from the process) is the kind of its timeline entry. With
        findings, its messages are held unless `override` (then the override is an entry)."""
        ledger = self._ledger
        audience = ledger.vocabulary.audience(audience)
        text = domain.clean_text(text, "update text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        findings = self.check(incident, audience, text)  # before the write: it holds no lock
        self._refuse_unsafe_statement(incident, audience, findings)
        now = ledger.now()
        kind = ledger.vocabulary.update_kinds[audience]
        body = {"audience": audience, "text": text, "by": author, "sent_at": times.to_text(now),
                "entry": ledger.entry(kind, entry_text(audience, text), author, now, now)}
        rules = sorted({f.rule for f in findings})
        if rules and override:
            body["override"] = ledger.entry("comms", f"Override by {author}: the update to {audience} goes out "
                                            f"despite the message rules ({', '.join(rules)})", author, now, now)
        elif rules:
            body["held"] = rules
        from console.security import held_until_cleared

        if held_until_cleared(ledger.vocabulary, incident, audience):
            body["security_hold"] = True
        with ledger.writing():
            entry = ledger.record(self._sent, incident, body)
        return Change(incident, (entry,), findings=tuple(findings))

    @operation("update.send")
    def _sent(self, op: Applied):
        body = op.body
        self._ledger.insert(
            "updates",
            {"incident_id": op.incident_id, "audience": body["audience"], "text": body["text"],
             "by": body["by"], "sent_at": body["sent_at"], "hlc": op.hlc},
        )
        entry = self._ledger.put_entry(op, body["entry"])
        if body.get("override"):
            self._ledger.put_entry(op, body["override"])
        from console.outbox import Outbox

        outbox = Outbox(self._ledger)
        incident = self._ledger.read.incidents.get(op.incident_id)
        outbox.queue(op, body["audience"], outbox.update_title(incident, body["audience"]), body["text"],
                     held=tuple(body.get("held") or ()), security_hold=bool(body.get("security_hold")))
        return entry

    def _refuse_unsafe_statement(self, incident: Incident, audience: str, findings: list) -> None:
        """A security incident's update that breaks one of its audience's `security_rules`
        (updates.yaml: the security announcement rules) is not recorded as sent: InputError
        naming the first finding. No override passes it."""
        if not incident.security or not findings:
            return
        process = self._ledger.vocabulary.process or Vocabulary.default().process
        from console import lint

        ruled = set(lint.message_rules(process, audience, security=True)) - set(lint.message_rules(process, audience))
        blocking = [f for f in findings if f.rule in ruled]
        if blocking:
            more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
            raise InputError(f"not sent: {incident.ref} is a security incident and its statement breaks "
                             f"{blocking[0].rule}{more}: {blocking[0].summary}")

    def check(self, incident: Incident, audience: str, text: str) -> list:
        """What the message rules for `audience` find in `text` (console.lint.Finding): the
        incident's responders are the names the blame rules know, and a security incident's
        messages get its security rules too."""
        ledger = self._ledger
        process = ledger.vocabulary.process or Vocabulary.default().process
        from console import lint  # RE2 and the rules: only when an update is sent

        roster = sorted({a.person for a in ledger.read.roster.all(incident.id)})
        return lint.lint_message(process, text, audience, roster=roster, security=bool(incident.security))


class UpdateReads:
    """Status updates as sent; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self, incident_id: int) -> list[Update]:
        """Every status update sent, oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM updates WHERE incident_id = ? ORDER BY sent_at, hlc, id",
                (incident_id,),
            ).fetchall()
        return [Update(*row) for row in rows]

    def last(self, incident_id: int, audience: str) -> Update | None:
        """The latest update to one audience (what an update-due timer counts from)."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM updates WHERE incident_id = ? AND audience = ? "
                "ORDER BY sent_at DESC, hlc DESC, id DESC LIMIT 1",
                (incident_id, audience),
            ).fetchone()
        return Update(*row) if row else None
