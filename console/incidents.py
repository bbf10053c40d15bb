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
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.clock import Clock
from console.domain import Change, Entry, Incident, RoleAssignment, Task
from console.errors import InputError
from console.queries import Reader
from console.store import open_store, storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlite_utils import Database


class IncidentService:
    """Writes through the single writer connection; reads through `self.read`."""

    @classmethod
    def open(cls, path: Path, clock: Clock) -> "IncidentService":
        """Open (and migrate) the store at `path` as this process's one writer."""
        return cls(open_store(path), path, clock)

    def __init__(self, db: "Database", path: Path, clock: Clock) -> None:
        self._db = db
        self._path = path
        self._clock = clock
        self.read = Reader(db.conn, path)

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
        with storage_errors(self._path), self._db.atomic():
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
        kind = domain.parse_kind(kind)
        text = domain.clean_text(text, "entry text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        if uid is not None:
            existing = self.read.entry_by_uid(uid)
            if existing is not None:
                return Change(incident, (existing,))
        now = self._clock.now()
        try:
            with storage_errors(self._path), self._db.atomic():
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
        incident = self.read.incident(incident_id)
        entry = self.read.entry(incident_id, entry_id)
        if entry.kind in domain.DERIVED_KINDS:
            raise InputError(
                "entries the console writes itself cannot be edited; add a note instead"
            )
        if entry.retracted:
            raise InputError(f"{entry.ref} is retracted; it cannot be edited")
        if text == entry.current_text:
            raise InputError(f"nothing changed: {entry.ref} already says that")
        now = times.to_text(self._clock.now())
        with self._retracted_meanwhile(entry.ref, "edited"):
            with storage_errors(self._path), self._db.atomic():
                self._db.execute(
                    'INSERT INTO entry_revisions (entry_id, text, "by", at) VALUES (?, ?, ?, ?)',
                    (entry.id, text, author, now),
                )
        return Change(incident, (self.read.entry(incident_id, entry.id),))

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
        incident = self.read.incident(incident_id)
        entry = self.read.entry(incident_id, entry_id)
        if entry.kind in domain.DERIVED_KINDS:
            raise InputError(
                "entries the console writes itself cannot be retracted; add a note instead"
            )
        if entry.retracted:
            raise InputError(f"{entry.ref} is already retracted")
        now = times.to_text(self._clock.now())
        try:
            with storage_errors(self._path), self._db.atomic():
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
            with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
            self._db.execute(
                "INSERT INTO drafts (seat, incident_id, text, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (seat, incident_id) "
                "DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
                (seat, incident_id, text, times.to_text(self._clock.now())),
            )

    def clear_draft(self, seat: str, incident_id: int) -> None:
        """Forget `seat`'s draft on an incident (the note was sent, or the box emptied)."""
        seat = domain.clean_text(seat, "seat", domain.MAX_NAME)
        with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
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

        For single-holder roles a new holder ends the previous holder's term at the same
        moment; a new Incident Commander is written as a hand-over of command.
        """
        key = domain.parse_role(role)
        name = domain.clean_text(person, "person", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        current = [a for a in self.read.roles(incident_id, current_only=True) if a.role == key]
        holder = next((a for a in current if a.person.casefold() == name.casefold()), None)
        label = domain.ROLE_NAMES[key]
        now = self._clock.now()
        moment = at or now
        stamp = times.to_text(moment)
        table = self._db["role_assignments"]
        with storage_errors(self._path), self._db.atomic():
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
            previous = current if key in domain.SINGLE_HOLDER_ROLES else []
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
            if key == "ic" and previous:
                kind, text = "handover", f"Command passed from {previous[0].person} to {name}"
            elif key == "ic":
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
        with storage_errors(self._path), self._db.atomic():
            task_id = self._db["tasks"].insert(row).last_pk
            entry = self._append(incident_id, "task", entry_text, author, assigned, now, uid)
        return Change(incident, (entry,), task=Task(id=task_id, **row))

    def task_done(self, incident_id: int, task_id: int, *, by: str) -> Change:
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        task = self._open_task(incident_id, task_id)
        now = self._clock.now()
        with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
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
        with storage_errors(self._path), self._db.atomic():
            self._db["checks"].insert(
                {"incident_id": incident_id, "item_id": item, "checked": int(checked),
                 "by": author, "at": stamp}
            )
            entry = self._append(incident_id, "action", text, author, now, now)
        return Change(incident, (entry,))

    def send_update(self, incident_id: int, audience: str, text: str, *, by: str) -> Change:
        """Record a status update as sent; responders' is "status", the others "comms"."""
        audience = domain.parse_audience(audience)
        text = domain.clean_text(text, "update text", domain.MAX_TEXT, multiline=True)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = self.read.incident(incident_id)
        now = self._clock.now()
        kind = "status" if audience == "responders" else "comms"
        entry_text = f"Update to {audience}: {text}"
        with storage_errors(self._path), self._db.atomic():
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
