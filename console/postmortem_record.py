"""The post-mortem's record: its owner and deadline, the owner's acknowledgement, the meeting,
its status, and every saved text.

What the post-mortem says is written elsewhere (console.postmortem drafts it from the
incident); this module keeps it and its header. The owner (with the deadline and the
acknowledgement), the meeting, the recording and the status each hold the value of the newest op
that set them (by HLC); the saved texts accumulate, the newest by HLC last.
"""

import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import PostmortemRecord, PostmortemVersion
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger
    from console.process import Process


class Postmortems:
    """Name the owner, acknowledge, set the meeting, save a text, move the status."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def name_owner(
        self, incident_id: int, person: str, deadline: date, *, by: str
    ) -> PostmortemRecord:
        """Name the one person who owns the post-mortem, and the date it is due.

        The handbook asks for a named individual (never a team) with a deadline, who then
        confirms: naming someone new clears the earlier owner's acknowledgement. The
        timeline says who was named, so a re-assignment keeps the earlier owner on record.
        """
        name = domain.clean_text(person, "postmortem owner", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        due = domain.as_date(deadline, "postmortem deadline")
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        if due.isoformat() < incident.declared_at[:10]:
            raise InputError(
                f"postmortem deadline {due.isoformat()} is before {incident.ref} was declared "
                f"({incident.declared_at[:10]})"
            )
        current = ledger.read.postmortem.record(incident_id)
        if current and current.owner == name and current.deadline == due.isoformat():
            raise InputError(f"{name} already owns the postmortem, due {due.isoformat()}")
        now = ledger.now()
        same = current is not None and current.owner == name
        body = {"owner": name, "deadline": due.isoformat(),
                "acknowledged_at": current.acknowledged_at if same else None,
                "ack_typed_by": current.ack_typed_by if same else None,
                "entry": ledger.entry("note", f"Postmortem owner: {name}, due {due.isoformat()}",
                                      author, now, now)}
        with ledger.writing():
            ledger.record(self._owner_set, incident, body)
        return ledger.read.postmortem.record(incident_id)

    @operation("postmortem.owner")
    def _owner_set(self, op: Applied) -> None:
        """The owner with the deadline and the acknowledgement, as its writer left them (naming
        someone else clears it; the owner acknowledging sets it)."""
        body = op.body
        self._ensure(op.incident_id)
        self._ledger.set_register("postmortems", ("incident_id", op.incident_id), "owner", {
            "owner": body["owner"], "deadline": body["deadline"], "acknowledged_at": body["acknowledged_at"],
            "ack_typed_by": body["ack_typed_by"]}, op.hlc)
        self._ledger.put_entry(op, body["entry"])

    def acknowledge(
        self, incident_id: int, *, by: str, on_behalf_of: str | None = None
    ) -> PostmortemRecord:
        """The owner confirms they have taken the post-mortem on; only the owner can.

        `by` is who typed it. An IC or scribe recording the owner's spoken yes types it on
        the owner's behalf (`on_behalf_of`): the record keeps both names, and the timeline
        says so ("Ana (IC) for Dee (Owner): acknowledged ...").
        """
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        owner_said = (domain.clean_text(on_behalf_of, "postmortem owner", domain.MAX_NAME)
                      if on_behalf_of is not None else author)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        current = ledger.read.postmortem.record(incident_id)
        if current is None or current.owner is None:
            raise InputError(f"{incident.ref} has no postmortem owner yet; name one first")
        if current.owner.casefold() != owner_said.casefold():
            raise InputError(f"only the postmortem owner ({current.owner}) can acknowledge it")
        if current.acknowledged_at is not None:
            raise InputError(f"{current.owner} already acknowledged the postmortem")
        typed_by = None if author.casefold() == current.owner.casefold() else author
        if typed_by is None:
            text = f"Postmortem owner {current.owner} acknowledged"
        else:
            text = (f"{self._with_roles(incident_id, author)} for "
                    f"{self._with_roles(incident_id, current.owner)}: acknowledged the postmortem, "
                    f"due {current.deadline}")
        now = ledger.now()
        body = {"owner": current.owner, "deadline": current.deadline,
                "acknowledged_at": times.to_text(now), "ack_typed_by": typed_by,
                "entry": ledger.entry("note", text, author, now, now)}
        with ledger.writing():
            ledger.record(self._owner_set, incident, body)
        return ledger.read.postmortem.record(incident_id)

    def _with_roles(self, incident_id: int, person: str) -> str:
        """`Ana (IC)`: the person and the roles they hold now on the incident."""
        vocabulary = self._ledger.vocabulary
        held = [vocabulary.role_by_id(a.role) for a in self._ledger.read.roster.current(incident_id)
                if a.person.casefold() == person.casefold()]
        shorts = ", ".join(role.short for role in held if role is not None)
        return f"{person} ({shorts})" if shorts else person

    def set_details(
        self,
        incident_id: int,
        *,
        meeting_at: datetime | None = None,
        recording: str | None = None,
        by: str,
    ) -> PostmortemRecord:
        """Record when the meeting is booked and where the call recording is (either or both)."""
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        if meeting_at is None and recording is None:
            raise InputError("nothing to set: give a meeting time or a recording link")
        changes: dict[str, str] = {}
        said: list[str] = []
        if meeting_at is not None:
            if not isinstance(meeting_at, datetime) or meeting_at.tzinfo is None:
                raise InputError("postmortem meeting time must be a date and time with a zone")
            changes["meeting_at"] = times.to_text(meeting_at)
            said.append(f"Postmortem meeting: {changes['meeting_at']}")
        if recording is not None:
            changes["recording"] = domain.clean_text(recording, "recording link", domain.MAX_LINK)
            said.append(f"Call recording: {changes['recording']}")
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        now = ledger.now()
        body = {**changes, "entry": ledger.entry("note", "; ".join(said), author, now, now)}
        with ledger.writing():
            ledger.record(self._details_set, incident, body)
        return ledger.read.postmortem.record(incident_id)

    @operation("postmortem.details")
    def _details_set(self, op: Applied) -> None:
        """The meeting and the recording, each the newest by HLC (an op may set one or both)."""
        self._ensure(op.incident_id)
        for column in ("meeting_at", "recording"):
            if column in op.body:
                stamp = column.split("_")[0] + "_hlc"
                self._ledger.execute(
                    f"UPDATE postmortems SET {column} = ?, {stamp} = ? "
                    f"WHERE incident_id = ? AND {stamp} < ?",
                    (op.body[column], op.hlc, op.incident_id, op.hlc),
                )
        self._ledger.put_entry(op, op.body["entry"])

    def save(self, incident_id: int, text: str, *, by: str) -> int:
        """Keep one more text of the post-mortem and return its version id.

        Every save is a new row (the table refuses updates and deletes), so an earlier text
        is never lost. Saving what the newest version already says writes nothing and
        returns that version's id: an editor that saves on every pause need not check first.
        """
        text = domain.clean_text(text, "postmortem text", domain.MAX_POSTMORTEM, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        versions = ledger.read.postmortem.versions(incident_id)
        if versions and versions[-1].text == text:
            return versions[-1].id
        body = {"text": text, "by": author, "at": times.to_text(ledger.now())}
        with ledger.writing():
            return ledger.record(self._saved, incident, body)

    @operation("postmortem.save")
    def _saved(self, op: Applied) -> int:
        body = op.body
        return self._ledger.insert(
            "postmortem_versions",
            {"incident_id": op.incident_id, "text": body["text"], "by": body["by"],
             "at": body["at"], "hlc": op.hlc},
        )

    def set_status(
        self, incident_id: int, status: str, *, by: str, process: "Process | None" = None
    ) -> PostmortemRecord:
        """Move the post-mortem along the process's status flow (`postmortem.yaml`, `next`).

        The moves and their labels come from the process (the defaults when none is given):
        Draft -> In review -> Reviewed or Closed, Reviewed -> Closed. A move the flow does
        not allow is refused with the moves it does.
        """
        target = domain.parse_postmortem_status(status)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        statuses = {s["id"]: s for s in _process(process).items("statuses")}
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        record = ledger.read.postmortem.record(incident_id)
        current = record.status if record else "draft"
        label = lambda sid: statuses[sid]["label"] if sid in statuses else sid  # noqa: E731
        if target == current:
            raise InputError(f"the postmortem of {incident.ref} is already {label(current)}")
        allowed = list(statuses.get(current, {}).get("next", []))
        if target not in allowed:
            options = ", ".join(label(s) for s in allowed) or "nothing (it is final)"
            raise InputError(
                f"the postmortem cannot go from {label(current)} to {label(target)}; "
                f"from {label(current)} it can go to: {options}"
            )
        now = ledger.now()
        body = {"status": target, "entry": ledger.entry(
            "note", f"Postmortem status: {label(current)} -> {label(target)}", author, now, now)}
        with ledger.writing():
            # Only from the status we checked: another writer's move in between wins, and
            # this one is refused rather than applied to a status it was not checked against.
            row = ledger.execute(
                "SELECT status FROM postmortems WHERE incident_id = ?", (incident_id,)
            ).fetchone()
            if (row[0] if row else "draft") != current:
                raise InputError(
                    f"the postmortem of {incident.ref} changed status meanwhile; look again"
                )
            ledger.record(self._status_set, incident, body)
        return ledger.read.postmortem.record(incident_id)

    @operation("postmortem.status")
    def _status_set(self, op: Applied) -> None:
        self._ensure(op.incident_id)
        self._ledger.set_register("postmortems", ("incident_id", op.incident_id), "status",
                                  {"status": op.body["status"]}, op.hlc)
        self._ledger.put_entry(op, op.body["entry"])

    def _ensure(self, incident_id: int) -> None:
        """Make the incident's post-mortem row if it has none (inside the caller's transaction)."""
        self._ledger.execute(
            "INSERT INTO postmortems (incident_id) VALUES (?) ON CONFLICT DO NOTHING",
            (incident_id,),
        )


def _process(process: "Process | None") -> "Process":
    """The process given, else the defaults (loaded once: ~50 ms of YAML)."""
    global _DEFAULT_PROCESS
    if process is not None:
        return process
    if _DEFAULT_PROCESS is None:
        from console.process import load_process

        _DEFAULT_PROCESS = load_process()
    return _DEFAULT_PROCESS


_DEFAULT_PROCESS: "Process | None" = None


class PostmortemReads:
    """The post-mortem's record and texts as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def record(self, incident_id: int) -> PostmortemRecord | None:
        """The post-mortem's header, or None while nobody has set any of it."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, owner, deadline, acknowledged_at, meeting_at, recording, "
                "status, ack_typed_by FROM postmortems WHERE incident_id = ?",
                (incident_id,),
            ).fetchone()
        return PostmortemRecord(*row) if row else None

    def versions(self, incident_id: int) -> list[PostmortemVersion]:
        """Every saved text of the post-mortem, oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT id, incident_id, text, "by", at FROM postmortem_versions '
                "WHERE incident_id = ? ORDER BY hlc, id",
                (incident_id,),
            ).fetchall()
        return [PostmortemVersion(*row) for row in rows]

    def latest_text(self, incident_id: int) -> str | None:
        """The newest saved text, or None if it was never saved."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT text FROM postmortem_versions WHERE incident_id = ? "
                "ORDER BY hlc DESC, id DESC LIMIT 1",
                (incident_id,),
            ).fetchone()
        return row[0] if row else None
