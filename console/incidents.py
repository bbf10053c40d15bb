"""Operations that change an incident, each in one transaction with its timeline entry.

The timeline is the audit log: every change to an incident (severity, status, roles, and the
board's tasks, checklist ticks and status updates) writes an entry in the same transaction as
the change itself, so the two can never disagree. Changes to an entry itself (a correction,
a retraction, a pin) are not new entries: they are rows in the entry's own append-only
history, which is their record. Each operation returns a `Change` naming what it wrote; it is
only returned after the commit, so whoever shows it to a person shows something that is
already durable.
"""

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.clock import Clock
from console.domain import Change, Entry, Incident, RoleAssignment, Task
from console.domain import ActionItem, PostmortemRecord
from console.errors import InputError
from console.queries import Reader
from console.store import open_store, storage_errors, write_transaction
from console.vocabulary import COMMANDER, Vocabulary

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlite_utils import Database

    from console.process import Process


class IncidentService:
    """Writes through the single writer connection; reads through `self.read`."""

    @classmethod
    def open(cls, path: Path, clock: Clock, vocabulary: Vocabulary | None = None) -> "IncidentService":
        """Open (and migrate) the store at `path` as this process's one writer.

        `vocabulary` is the loaded process's roles, kinds and audiences (default: the shipped
        process's)."""
        return cls(open_store(path), path, clock, vocabulary)

    def __init__(self, db: "Database", path: Path, clock: Clock,
                 vocabulary: Vocabulary | None = None) -> None:
        self._db = db
        self._path = path
        self._clock = clock
        self._vocabulary = vocabulary
        self.read = Reader(db.conn, path)

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.default()
        return self._vocabulary

    def now(self) -> datetime:
        """The service's clock: what `recorded_at` is stamped with."""
        return self._clock.now()

    def _writing(self):
        """The write transaction every operation runs in (see store.write_transaction)."""
        return write_transaction(self._db.conn, self._path)

    # -- declaring and listing ------------------------------------------------------------

    def declare(
        self,
        title: str,
        *,
        by: str,
        severity: int | None = None,
        declared_at: datetime | None = None,
        started_at: datetime | None = None,
        security: bool = False,
        drill: bool = False,
    ) -> Change:
        """Open a new incident. Impact start defaults to the declaration time."""
        title = domain.clean_text(title, "title", domain.MAX_TITLE)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        if severity is not None:
            severity = domain.parse_severity(severity)
        now = self._clock.now()
        declared = declared_at or now
        started = started_at or declared
        if started > declared:
            raise InputError(
                f"impact start {times.to_text(started)} is after the declaration "
                f"{times.to_text(declared)}"
            )
        with self._writing():
            incident_id = self._db["incidents"].insert(
                {
                    "title": title,
                    "severity": severity,
                    "status": "active",
                    "security": int(security),
                    "drill": int(drill),
                    "started_at": times.to_text(started),
                    "declared_at": times.to_text(declared),
                }
            ).last_pk
            flags = [label for label, on in (("security", security), ("drill", drill)) if on]
            sev = f"SEV-{severity}" if severity else "severity not set"
            text = f"Incident declared: {title} ({sev}" + "".join(f", {f}" for f in flags) + ")"
            entry = self._append(incident_id, "status", text, author, declared, now)
        return Change(self.read.incident(incident_id), (entry,))

    # -- the timeline -------------------------------------------------------------------

    def log(
        self,
        incident_id: int,
        text: str,
        *,
        by: str,
        kind: str = "note",
        occurred_at: datetime | None = None,
        uid: str | None = None,
    ) -> Change:
        """Append one entry. A `uid` made by the caller makes a resend harmless."""
        kind = self.vocabulary.kind(kind)
        text = domain.clean_text(text, "entry text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        if uid is not None:
            existing = self.read.entry_by_uid(uid)
            if existing is not None:
                return Change(incident, (existing,))
        now = self._clock.now()
        try:
            with self._writing():
                entry = self._append(incident_id, kind, text, author, occurred_at or now, now, uid)
        except sqlite3.IntegrityError:
            # Another writer recorded the same uid between our look and our insert (two windows
            # logging the same check-back, say): theirs stands, and it is the same entry.
            existing = self.read.entry_by_uid(uid) if uid else None
            if existing is None:
                raise
            return Change(incident, (existing,))
        return Change(incident, (entry,))

    # -- corrections, retractions, pins and drafts --------------------------------------

    def revise_entry(self, incident_id: int, entry_id: int, text: str, *, by: str) -> Change:
        """Correct what an entry says, keeping what it said before.

        The correction is a row in the entry's history (`entry_revisions`), not a new
        timeline entry: the entry keeps its place and its original text, and the history
        is the record of who changed it and when. The returned Change holds the entry in
        its new state, for a view to replace the row it shows.
        """
        text = domain.clean_text(text, "entry text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident, entry = self._correctable(incident_id, entry_id, "edited")
        if entry.retracted:
            raise InputError(f"{entry.ref} is retracted; it cannot be edited")
        if text == entry.current_text:
            raise InputError(f"nothing changed: {entry.ref} already says that")
        now = times.to_text(self._clock.now())
        with self._retracted_meanwhile(entry.ref, "edited"):
            with self._writing():
                self._db.execute(
                    'INSERT INTO entry_revisions (entry_id, text, "by", at) VALUES (?, ?, ?, ?)',
                    (entry.id, text, author, now),
                )
        return Change(incident, (self.read.entry(incident_id, entry.id),))

    def _correctable(self, incident_id: int, entry_id: int, verb: str) -> tuple[Incident, Entry]:
        """The incident and entry, refusing entries the console wrote for a change to the
        incident (status, severity, roles): correcting one would leave the timeline
        disagreeing with the incident; the fix is a new change."""
        incident = self.read.incident(incident_id)
        entry = self.read.entry(incident_id, entry_id)
        if entry.kind in self.vocabulary.derived_kinds:
            raise InputError(f"entries the console writes itself cannot be {verb}; add a note instead")
        return incident, entry

    def retract_entry(
        self, incident_id: int, entry_id: int, *, by: str, reason: str | None = None
    ) -> Change:
        """Withdraw an entry from the record: it stays, marked retracted, with why and by whom.

        A retraction is final (one per entry) and a retracted entry can no longer be edited
        or pinned; a pinned entry is unpinned in the same transaction, so the pins never
        show something withdrawn. Entries the console wrote for a change to the incident
        (status, severity, roles) are refused: retracting one would leave the timeline
        disagreeing with the incident; the fix is a new change.
        """
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        why = None
        if reason is not None and reason.strip():
            why = domain.clean_text(reason, "reason", domain.MAX_TEXT)
        incident, entry = self._correctable(incident_id, entry_id, "retracted")
        if entry.retracted:
            raise InputError(f"{entry.ref} is already retracted")
        now = times.to_text(self._clock.now())
        try:
            with self._writing():
                self._db.execute(
                    'INSERT INTO entry_retractions (entry_id, reason, "by", at) '
                    "VALUES (?, ?, ?, ?)",
                    (entry.id, why, author, now),
                )
                # Read inside the transaction (it holds the write lock), so a pin another
                # writer added since we looked is undone too.
                self._db.execute(
                    'INSERT INTO pins (entry_id, pinned, "by", at) SELECT ?, 0, ?, ? '
                    "WHERE (SELECT pinned FROM pins WHERE entry_id = ? ORDER BY id DESC LIMIT 1)",
                    (entry.id, author, now, entry.id),
                )
        except sqlite3.IntegrityError as exc:
            # Another writer retracted it between our look and our insert.
            if "UNIQUE" not in str(exc):
                raise
            raise InputError(f"{entry.ref} is already retracted") from exc
        return Change(incident, (self.read.entry(incident_id, entry.id),))

    def set_pin(self, incident_id: int, entry_id: int, pinned: bool, *, by: str) -> Change:
        """Pin an entry (keep it in view above the timeline) or unpin it; every change is kept."""
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        pinned = bool(pinned)
        incident = self.read.incident(incident_id)
        entry = self.read.entry(incident_id, entry_id)
        if pinned and entry.retracted:
            raise InputError(f"{entry.ref} is retracted; it cannot be pinned")
        if entry.pinned == pinned:
            raise InputError(f"{entry.ref} is already {'pinned' if pinned else 'not pinned'}")
        with self._retracted_meanwhile(entry.ref, "pinned"):
            with self._writing():
                self._db.execute(
                    'INSERT INTO pins (entry_id, pinned, "by", at) VALUES (?, ?, ?, ?)',
                    (entry.id, int(pinned), author, times.to_text(self._clock.now())),
                )
        return Change(incident, (self.read.entry(incident_id, entry.id),))

    def save_draft(self, seat: str, incident_id: int, text: str) -> None:
        """Keep what `seat` is typing on an incident, so a crash or a closed window loses nothing.

        Called on every pause in typing, so it is one statement in its own transaction: an
        upsert of one row, committed with the same durability as a note (the point of a
        draft is to survive a power cut) and as cheap as one. The text is kept exactly as
        typed; text with nothing but spaces deletes the draft. A draft is not part of the
        record: it is overwritten, and cleared once the note is sent.
        """
        seat = domain.clean_text(seat, "seat", domain.MAX_NAME)
        if text is None or not text.strip():
            self.clear_draft(seat, incident_id)
            return
        if len(text) > domain.MAX_DRAFT:
            raise InputError(
                f"draft is too long: {len(text)} characters, the limit is {domain.MAX_DRAFT}"
            )
        self.read.incident(incident_id)
        with self._writing():
            self._db.execute(
                "INSERT INTO drafts (seat, incident_id, text, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (seat, incident_id) "
                "DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
                (seat, incident_id, text, times.to_text(self._clock.now())),
            )

    def clear_draft(self, seat: str, incident_id: int) -> None:
        """Forget `seat`'s draft on an incident (the note was sent, or the box emptied)."""
        seat = domain.clean_text(seat, "seat", domain.MAX_NAME)
        with self._writing():
            self._db.execute(
                "DELETE FROM drafts WHERE seat = ? AND incident_id = ?", (seat, incident_id)
            )

    # -- changes to the incident --------------------------------------------------------

    def set_severity(
        self, incident_id: int, severity: int | str, *, by: str, at: datetime | None = None
    ) -> Change:
        level = domain.parse_severity(severity)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        if incident.severity == level:
            raise InputError(f"{incident.ref} is already SEV-{level}")
        old = f"SEV-{incident.severity}" if incident.severity else "not set"
        now = self._clock.now()
        with self._writing():
            self._db["incidents"].update(incident_id, {"severity": level})
            entry = self._append(
                incident_id, "severity", f"Severity {old} -> SEV-{level}", author, at or now, now
            )
        return Change(self.read.incident(incident_id), (entry,))

    def set_status(
        self, incident_id: int, status: str, *, by: str, at: datetime | None = None
    ) -> Change:
        """Move between active, mitigated and resolved; any move back is a reopen.

        Resolving an incident that was never marked mitigated records mitigation at the same
        moment: it cannot have been resolved without being mitigated.
        """
        state = domain.parse_status(status)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        if incident.status == state:
            raise InputError(f"{incident.ref} is already {state}")
        now = self._clock.now()
        moment = at or now
        stamp = times.to_text(moment)
        if stamp < incident.started_at:
            raise InputError(f"{stamp} is before the impact started ({incident.started_at})")
        changes: dict[str, object] = {"status": state}
        if state == "active":
            changes.update(mitigated_at=None, resolved_at=None)
            text = f"Reopened: {incident.status} -> active"
        elif state == "mitigated":
            changes.update(mitigated_at=stamp, resolved_at=None)
            text = f"Status {incident.status} -> mitigated"
        else:
            changes.update(resolved_at=stamp, mitigated_at=incident.mitigated_at or stamp)
            text = f"Status {incident.status} -> resolved"
        with self._writing():
            self._db["incidents"].update(incident_id, changes)
            entry = self._append(incident_id, "status", text, author, moment, now)
        return Change(self.read.incident(incident_id), (entry,))

    def assign_role(
        self,
        incident_id: int,
        role: str,
        person: str,
        *,
        by: str,
        at: datetime | None = None,
        end: bool = False,
    ) -> Change:
        """Give a role to a person (or, with `end`, take it away), keeping the history.

        The role's `max` in the process decides how many hold it: with 1, a new holder ends
        the previous holder's term at the same moment; with more, a holder past the limit is
        refused. A new Incident Commander is written as a hand-over of command.
        """
        definition = self.vocabulary.role(role)
        key = definition.id
        name = domain.clean_text(person, "person", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        current = [a for a in self.read.roles(incident_id, current_only=True) if a.role == key]
        holder = next((a for a in current if a.person.casefold() == name.casefold()), None)
        label = definition.name
        now = self._clock.now()
        moment = at or now
        stamp = times.to_text(moment)
        table = self._db["role_assignments"]
        with self._writing():
            if end:
                if holder is None:
                    raise InputError(f"{name} does not hold {label} on {incident.ref}")
                if stamp < holder.from_at:
                    raise InputError(f"{stamp} is before {name} became {label} ({holder.from_at})")
                table.update(holder.id, {"to_at": stamp})
                entry = self._append(
                    incident_id, "roster", f"{name} is no longer {label}", author, moment, now
                )
                return Change(self.read.incident(incident_id), (entry,), roles_changed=True)
            if holder is not None:
                raise InputError(f"{name} is already {label} on {incident.ref}")
            previous = current if definition.single else []
            if definition.max is not None and not definition.single and len(current) >= definition.max:
                raise InputError(
                    f"{label} already has {len(current)} holders on {incident.ref} (at most "
                    f"{definition.max}): relieve one first (/relieve {definition.command} NAME)"
                )
            for assignment in previous:
                if stamp < assignment.from_at:
                    raise InputError(
                        f"{stamp} is before {assignment.person} became {label} "
                        f"({assignment.from_at})"
                    )
                table.update(assignment.id, {"to_at": stamp})
            table.insert(
                {"incident_id": incident_id, "role": key, "person": name, "from_at": stamp}
            )
            if key == COMMANDER and previous:
                kind, text = "handover", f"Command passed from {previous[0].person} to {name}"
            elif key == COMMANDER:
                kind, text = "handover", f"{name} is Incident Commander"
            elif previous:
                kind, text = "roster", f"{label}: {name} (was {previous[0].person})"
            else:
                kind, text = "roster", f"{label}: {name}"
            entry = self._append(incident_id, kind, text, author, moment, now)
        return Change(self.read.incident(incident_id), (entry,), roles_changed=True)

    # -- the board: tasks, checklist ticks, status updates --------------------------------

    def add_task(
        self,
        incident_id: int,
        owner: str,
        minutes: int | str,
        text: str,
        *,
        by: str,
        at: datetime | None = None,
        uid: str | None = None,
    ) -> Change:
        """Hand `text` to `owner` and check back in `minutes` (counted from `at`, or now).

        A `uid` made by the caller makes a resend harmless: the task already recorded under it
        comes back unchanged. The task's timeline entry carries the same uid.
        """
        name = domain.clean_text(owner, "owner", domain.MAX_NAME)
        minutes = domain.parse_minutes(minutes)
        text = domain.clean_text(text, "task text", domain.MAX_TASK_TEXT)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        if uid is not None:
            existing = self.read.task_by_uid(uid)
            if existing is not None:
                if existing.incident_id != incident_id:
                    raise InputError(
                        f"task id {uid!r} belongs to {existing.ref} on another incident"
                    )
                entry = self.read.entry_by_uid(uid)
                return Change(incident, (entry,) if entry else (), task=existing)
            if self.read.entry_by_uid(uid) is not None:
                raise InputError(f"id {uid!r} is already used by a timeline entry")
        now = self._clock.now()
        assigned = at or now
        row = {
            "uid": uid or uuid.uuid4().hex,
            "incident_id": incident_id,
            "owner": name,
            "text": text,
            "assigned_at": times.to_text(assigned),
            "due_at": times.to_text(assigned + timedelta(minutes=minutes)),
            "done_at": None,
            "created_by": author,
        }
        entry_text = f"{name}: {text} (check back in {minutes} min)"
        with self._writing():
            task_id = self._db["tasks"].insert(row).last_pk
            entry = self._append(incident_id, "task", entry_text, author, assigned, now, uid)
        return Change(incident, (entry,), task=Task(id=task_id, **row))

    def task_done(self, incident_id: int, task_id: int, *, by: str) -> Change:
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        task = self._open_task(incident_id, task_id)
        now = self._clock.now()
        with self._writing():
            self._db["tasks"].update(task.id, {"done_at": times.to_text(now)})
            entry = self._append(
                incident_id, "task", f"Done: {task.text} ({task.owner})", author, now, now
            )
        return Change(incident, (entry,), task=self.read.task(incident_id, task.id))

    def task_extend(self, incident_id: int, task_id: int, minutes: int | str, *, by: str) -> Change:
        """Push the check-back time: `minutes` after the due time, or after now if overdue.

        An overdue task extended by 10 minutes is due 10 minutes from now, not 10 minutes
        after a moment already past (which could leave it still overdue).
        """
        minutes = domain.parse_minutes(minutes)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        task = self._open_task(incident_id, task_id)
        now = self._clock.now()
        due = max(times.from_text(task.due_at), now) + timedelta(minutes=minutes)
        text = (
            f"Extended by {minutes} min: {task.text} ({task.owner}), "
            f"now due {times.to_text(due)[11:16]}Z"
        )
        with self._writing():
            self._db["tasks"].update(task.id, {"due_at": times.to_text(due)})
            self._db["task_extensions"].insert(
                {"task_id": task.id, "minutes": minutes, "at": times.to_text(now), "by": author}
            )
            entry = self._append(incident_id, "task", text, author, now, now)
        return Change(incident, (entry,), task=self.read.task(incident_id, task.id))

    def task_reassign(self, incident_id: int, task_id: int, owner: str, *, by: str) -> Change:
        """Give an open task to someone else; the previous owner is kept in the timeline."""
        name = domain.clean_text(owner, "owner", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        task = self._open_task(incident_id, task_id)
        if task.owner.casefold() == name.casefold():
            raise InputError(f"{task.ref} is already {task.owner}'s")
        now = self._clock.now()
        text = f"Reassigned from {task.owner} to {name}: {task.text}"
        with self._writing():
            self._db["tasks"].update(task.id, {"owner": name})
            entry = self._append(incident_id, "task", text, author, now, now)
        return Change(incident, (entry,), task=self.read.task(incident_id, task.id))

    def set_check(
        self, incident_id: int, item_id: str, checked: bool, *, by: str, label: str
    ) -> Change:
        """Tick or untick one checklist item, adding a row to its history.

        The caller checks `item_id` against the process (the core stores any id, so a tick
        survives an organisation later renaming or removing the item); `label` is the item's
        text, written into the timeline so the entry reads on its own.
        """
        item = domain.clean_text(item_id, "checklist item", domain.MAX_NAME)
        label = domain.clean_text(label, "checklist item text", domain.MAX_TEXT)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        checked = bool(checked)
        incident = self.read.incident(incident_id)
        current = self.read.checklist(incident_id).get(item)
        if checked and current is not None and current.checked:
            raise InputError(f"{label!r} is already checked")
        if not checked and (current is None or not current.checked):
            raise InputError(f"{label!r} is not checked")
        now = self._clock.now()
        stamp = times.to_text(now)
        text = f"{'Checked' if checked else 'Unchecked'}: {label}"
        with self._writing():
            self._db["checks"].insert(
                {"incident_id": incident_id, "item_id": item, "checked": int(checked),
                 "by": author, "at": stamp}
            )
            entry = self._append(incident_id, "action", text, author, now, now)
        return Change(incident, (entry,))

    def send_update(self, incident_id: int, audience: str, text: str, *, by: str) -> Change:
        """Record a status update as sent; responders' is "status", the others "comms"."""
        audience = self.vocabulary.audience(audience)
        text = domain.clean_text(text, "update text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        now = self._clock.now()
        kind = self.vocabulary.update_kinds[audience]
        entry_text = f"Update to {audience}: {text}"
        with self._writing():
            self._db["updates"].insert(
                {"incident_id": incident_id, "audience": audience, "text": text,
                 "by": author, "sent_at": times.to_text(now)}
            )
            entry = self._append(incident_id, kind, entry_text, author, now, now)
        return Change(incident, (entry,))

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database; called when the writer is idle.

        A window turns SQLite's automatic checkpoints off (they can stall one commit for
        ~20 ms) and calls this a moment after the last write instead.
        """
        with storage_errors(self._path):
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def checkpoint_when_idle(self) -> None:
        """Leave checkpoints to `checkpoint()` instead of SQLite's every-1000-pages rule."""
        self._db.execute("PRAGMA wal_autocheckpoint = 0")

    def close(self) -> None:
        self._db.close()

    def current_roles(self, incident_id: int) -> list[RoleAssignment]:
        return self.read.roles(incident_id, current_only=True)

    def incident(self, incident_id: int) -> Incident:
        return self.read.incident(incident_id)

    # -- the post-mortem ----------------------------------------------------------------

    def name_postmortem_owner(
        self, incident_id: int, person: str, deadline: date, *, by: str
    ) -> PostmortemRecord:
        """Name the one person who owns the post-mortem, and the date it is due.

        The handbook asks for a named individual (never a team) with a deadline, who then
        confirms: naming someone new clears the earlier owner's acknowledgement. The
        timeline says who was named, so a re-assignment keeps the earlier owner on record.
        """
        name = domain.clean_text(person, "postmortem owner", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        due = _as_date(deadline, "postmortem deadline")
        incident = self.read.incident(incident_id)
        if due.isoformat() < incident.declared_at[:10]:
            raise InputError(
                f"postmortem deadline {due.isoformat()} is before {incident.ref} was declared "
                f"({incident.declared_at[:10]})"
            )
        current = self.read.postmortem(incident_id)
        if current and current.owner == name and current.deadline == due.isoformat():
            raise InputError(f"{name} already owns the postmortem, due {due.isoformat()}")
        now = self._clock.now()
        with self._writing():
            self._ensure_postmortem(incident_id)
            self._db.execute(
                "UPDATE postmortems SET owner = ?, deadline = ?, acknowledged_at = "
                "CASE WHEN owner = ? THEN acknowledged_at END WHERE incident_id = ?",
                (name, due.isoformat(), name, incident_id),
            )
            self._append(
                incident_id, "note", f"Postmortem owner: {name}, due {due.isoformat()}",
                author, now, now,
            )
        return self.read.postmortem(incident_id)

    def acknowledge_postmortem(self, incident_id: int, *, by: str) -> PostmortemRecord:
        """The owner confirms they have taken the post-mortem on; only the owner can."""
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        current = self.read.postmortem(incident_id)
        if current is None or current.owner is None:
            raise InputError(f"{incident.ref} has no postmortem owner yet; name one first")
        if current.owner.casefold() != author.casefold():
            raise InputError(f"only the postmortem owner ({current.owner}) can acknowledge it")
        if current.acknowledged_at is not None:
            raise InputError(f"{current.owner} already acknowledged the postmortem")
        now = self._clock.now()
        with self._writing():
            self._db.execute(
                "UPDATE postmortems SET acknowledged_at = ? WHERE incident_id = ?",
                (times.to_text(now), incident_id),
            )
            self._append(
                incident_id, "note", f"Postmortem owner {current.owner} acknowledged",
                author, now, now,
            )
        return self.read.postmortem(incident_id)

    def set_postmortem_details(
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
        self.read.incident(incident_id)
        now = self._clock.now()
        with self._writing():
            self._ensure_postmortem(incident_id)
            self._db["postmortems"].update(incident_id, changes)
            self._append(incident_id, "note", "; ".join(said), author, now, now)
        return self.read.postmortem(incident_id)

    def save_postmortem(self, incident_id: int, text: str, *, by: str) -> int:
        """Keep one more text of the post-mortem and return its version id.

        Every save is a new row (the table refuses updates and deletes), so an earlier text
        is never lost. Saving what the newest version already says writes nothing and
        returns that version's id: an editor that saves on every pause need not check first.
        """
        text = domain.clean_text(text, "postmortem text", domain.MAX_POSTMORTEM, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        self.read.incident(incident_id)
        versions = self.read.postmortem_versions(incident_id)
        if versions and versions[-1].text == text:
            return versions[-1].id
        with self._writing():
            return self._db["postmortem_versions"].insert(
                {"incident_id": incident_id, "text": text, "by": author,
                 "at": times.to_text(self._clock.now())}
            ).last_pk

    def set_postmortem_status(
        self, incident_id: int, status: str, *, by: str, process: "Process | None" = None
    ) -> PostmortemRecord:
        """Move the post-mortem along the process's status flow (`postmortem.yaml`, `next`).

        The moves and their labels come from the process (the defaults when none is given):
        Draft -> In review -> Reviewed or Closed, Reviewed -> Closed. A move the flow does
        not allow is refused with the moves it does.
        """
        target = domain.parse_postmortem_status(status)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        statuses = {s["id"]: s for s in _postmortem_process(process).items("statuses")}
        incident = self.read.incident(incident_id)
        record = self.read.postmortem(incident_id)
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
        now = self._clock.now()
        with self._writing():
            self._ensure_postmortem(incident_id)
            # Only from the status we checked: another writer's move in between wins, and
            # this one is refused rather than applied to a status it was not checked against.
            moved = self._db.execute(
                "UPDATE postmortems SET status = ? WHERE incident_id = ? AND status = ?",
                (target, incident_id, current),
            ).rowcount
            if not moved:
                raise InputError(
                    f"the postmortem of {incident.ref} changed status meanwhile; look again"
                )
            self._append(
                incident_id, "note",
                f"Postmortem status: {label(current)} -> {label(target)}", author, now, now,
            )
        return self.read.postmortem(incident_id)

    def add_action_item(
        self,
        incident_id: int,
        text: str,
        *,
        owner: str | None = None,
        due_on: date | None = None,
        ticket: str | None = None,
        by: str,
        source_entry_id: int | None = None,
    ) -> ActionItem:
        """Add one follow-up; `source_entry_id` names the TODO entry it came from, if any."""
        text = domain.clean_text(text, "action item text", domain.MAX_TEXT)
        domain.clean_text(by, "author", domain.MAX_NAME)
        row = {
            "incident_id": incident_id,
            "text": text,
            "owner": _optional(owner, "action item owner", domain.MAX_NAME),
            "due_on": _as_date(due_on, "due date").isoformat() if due_on is not None else None,
            "ticket": _optional(ticket, "ticket", domain.MAX_TICKET),
            "done_at": None,
            "created_at": times.to_text(self._clock.now()),
            "source_entry_id": None,
        }
        self.read.incident(incident_id)
        if source_entry_id is not None:
            row["source_entry_id"] = self.read.entry(incident_id, source_entry_id).id
            taken = self._item_from_entry(source_entry_id)
            if taken is not None:
                raise InputError(
                    f"{domain.format_entry_ref(source_entry_id)} is already action item {taken.ref}"
                )
        try:
            with self._writing():
                item_id = self._db["action_items"].insert(row).last_pk
        except sqlite3.IntegrityError as exc:
            # Another writer made an item from the same entry between our look and our insert.
            taken = self._item_from_entry(source_entry_id) if source_entry_id else None
            if taken is None:
                raise
            raise InputError(
                f"{domain.format_entry_ref(source_entry_id)} is already action item {taken.ref}"
            ) from exc
        return ActionItem(id=item_id, **row)

    def update_action_item(
        self,
        item_id: int,
        *,
        owner: "str | None | object" = domain.UNCHANGED,
        due_on: "date | None | object" = domain.UNCHANGED,
        ticket: "str | None | object" = domain.UNCHANGED,
        done: bool | None = None,
        by: str,
    ) -> ActionItem:
        """Change an item's owner, due date or ticket (None clears one), or mark it done/open.

        Only what is passed changes; passing nothing is refused.
        """
        domain.clean_text(by, "author", domain.MAX_NAME)
        changes: dict[str, object] = {}
        if owner is not domain.UNCHANGED:
            changes["owner"] = _optional(owner, "action item owner", domain.MAX_NAME)
        if due_on is not domain.UNCHANGED:
            changes["due_on"] = (
                _as_date(due_on, "due date").isoformat() if due_on is not None else None
            )
        if ticket is not domain.UNCHANGED:
            changes["ticket"] = _optional(ticket, "ticket", domain.MAX_TICKET)
        item = self.read.action_item(item_id)
        if done is not None:
            if bool(done) == (item.done_at is not None):
                raise InputError(f"{item.ref} is already {'done' if done else 'open'}")
            changes["done_at"] = times.to_text(self._clock.now()) if done else None
        if not changes:
            raise InputError(f"nothing to change on {item.ref}")
        with self._writing():
            self._db["action_items"].update(item.id, changes)
        return self.read.action_item(item.id)

    def import_todos(self, incident_id: int, *, by: str) -> list[ActionItem]:
        """One action item for each TODO entry not yet imported (retracted ones skipped).

        Safe to run again: an entry already imported is passed over, and the store's unique
        index on `source_entry_id` holds even against another writer importing at once
        (the insert skips what is already there). The item takes the entry's current text.
        """
        domain.clean_text(by, "author", domain.MAX_NAME)
        self.read.incident(incident_id)
        todos = [
            e for e in self.read.filter_entries(incident_id, kinds=("todo",), limit=-1)
            if not e.retracted
        ]
        todos.sort(key=lambda e: e.sort_key)
        now = times.to_text(self._clock.now())
        made: list[int] = []
        with self._writing():
            for entry in todos:
                cursor = self._db.execute(
                    "INSERT INTO action_items (incident_id, text, created_at, source_entry_id) "
                    "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM action_items WHERE source_entry_id = ?)",
                    (incident_id, entry.current_text, now, entry.id, entry.id),
                )
                if cursor.rowcount:
                    made.append(cursor.lastrowid)
        return [self.read.action_item(item_id) for item_id in made]

    def _ensure_postmortem(self, incident_id: int) -> None:
        """Make the incident's post-mortem row if it has none (inside the caller's transaction)."""
        self._db.execute(
            "INSERT INTO postmortems (incident_id) VALUES (?) ON CONFLICT DO NOTHING",
            (incident_id,),
        )

    def _item_from_entry(self, entry_id: int) -> ActionItem | None:
        row = self._db.execute(
            "SELECT id FROM action_items WHERE source_entry_id = ?", (entry_id,)
        ).fetchone()
        return self.read.action_item(row[0]) if row else None

    # -- internals ----------------------------------------------------------------------

    def _open_task(self, incident_id: int, task_id: int) -> Task:
        """The task, refusing one that is done (it can no longer change)."""
        task = self.read.task(incident_id, task_id)
        if task.done_at is not None:
            raise InputError(f"{task.ref} is already done ({task.text})")
        return task

    @contextlib.contextmanager
    def _retracted_meanwhile(self, ref: str, what: str) -> Iterator[None]:
        """Another writer retracted the entry between our look and our insert: the store's
        trigger refused the insert; say so as we would have."""
        try:
            yield
        except sqlite3.IntegrityError as exc:
            if "a retracted entry cannot be" not in str(exc):
                raise
            raise InputError(f"{ref} is retracted; it cannot be {what}") from exc

    def _append(
        self,
        incident_id: int,
        kind: str,
        text: str,
        author: str,
        occurred: datetime,
        now: datetime,
        uid: str | None = None,
    ) -> Entry:
        """Insert one entry inside the caller's transaction; `recorded_at` is always now."""
        row = {
            "uid": uid or uuid.uuid4().hex,
            "incident_id": incident_id,
            "kind": kind,
            "text": text,
            "author": author,
            "occurred_at": times.to_text(occurred),
            "recorded_at": times.to_text(now),
        }
        entry_id = self._db["entries"].insert(row).last_pk
        return Entry(id=entry_id, **row)


# -- the post-mortem's helpers ----------------------------------------------------------

def _as_date(value: object, what: str) -> date:
    """A calendar date (a datetime is refused: a deadline is a day, not a moment)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InputError(f"bad {what} {value!r}: expected a date, e.g. 2026-04-01")
    return value


def _optional(value: str | None, what: str, limit: int) -> str | None:
    """Clean optional text; None or blank means "none"."""
    if value is None or not str(value).strip():
        return None
    return domain.clean_text(str(value), what, limit)


def _postmortem_process(process: "Process | None") -> "Process":
    """The process given, else the defaults (loaded once: ~50 ms of YAML)."""
    global _DEFAULT_PROCESS
    if process is not None:
        return process
    if _DEFAULT_PROCESS is None:
        from console.process import load_process

        _DEFAULT_PROCESS = load_process()
    return _DEFAULT_PROCESS


_DEFAULT_PROCESS: "Process | None" = None
