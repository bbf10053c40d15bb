"""Tasks: work the IC hands to someone, with the moment the IC checks back on it.

A task is named by its number within the incident (`T1` is each incident's first task); every
operation and read here takes that number, never the row id. Numbers follow the order of the
ops that made the tasks (by HLC), so consoles of a team agree on them once they have the same
ops (a task made elsewhere while apart can move later numbers up by one). A task's owner, due
time and done time each hold the value of the newest op that set it (by HLC).
"""

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, Extension, Task, format_ref, format_task_ref
from console.errors import InputError, NotFound
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

_COLUMNS = (
    "t.id, t.uid, t.incident_id, t.number, t.owner, t.text, t.assigned_at, t.due_at, t.done_at, "
    "t.created_by"
)


class Tasks:
    """Hand out, finish, extend and reassign tasks (each with its timeline entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def add(
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

        The task is the incident's next number (`T1` for its first). A `uid` made by the caller
        makes a resend harmless: the task already recorded under it comes back unchanged. The
        task's timeline entry carries the same uid.
        """
        name = domain.clean_text(owner, "owner", domain.MAX_NAME)
        minutes = domain.parse_minutes(minutes)
        text = domain.clean_text(text, "task text", domain.MAX_TASK_TEXT)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        if uid is not None:
            existing = ledger.read.tasks.by_uid(uid)
            if existing is not None:
                if existing.incident_id != incident_id:
                    raise InputError(
                        f"task id {uid!r} belongs to {existing.ref} on another incident"
                    )
                entry = ledger.read.timeline.by_uid(uid)
                return Change(incident, (entry,) if entry else (), task=existing)
            if ledger.read.timeline.by_uid(uid) is not None:
                raise InputError(f"id {uid!r} is already used by a timeline entry")
        now = ledger.now()
        assigned = at or now
        uid = uid or ledger.new_uid()
        body = {
            "uid": uid,
            "owner": name,
            "text": text,
            "assigned_at": times.to_text(assigned),
            "due_at": times.to_text(assigned + timedelta(minutes=minutes)),
            "created_by": author,
            "entry": ledger.entry("task", f"{name}: {text} (check back in {minutes} min)", author,
                                  assigned, now, uid),
        }
        with ledger.writing():
            entry = ledger.record(self._added, incident, body)
        return Change(incident, (entry,), task=ledger.read.tasks.by_uid(uid))

    @operation("task.add")
    def _added(self, op: Applied):
        """The task, numbered after the incident's others by HLC: the next number when it is the
        newest (always, for a task made here), else every task of the incident renumbered."""
        ledger = self._ledger
        body = op.body
        incident_id = op.incident_id
        newest = ledger.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM tasks WHERE incident_id = ? AND hlc > ?), "
            "COALESCE(MAX(number), 0) + 1 FROM tasks WHERE incident_id = ?",
            (incident_id, op.hlc, incident_id),
        ).fetchone()
        ledger.insert("tasks", {
            "uid": body["uid"], "incident_id": incident_id, "number": newest[1] if newest[0] else 0,
            "owner": body["owner"], "text": body["text"], "assigned_at": body["assigned_at"],
            "due_at": body["due_at"], "done_at": None, "created_by": body["created_by"],
            "hlc": op.hlc, "owner_hlc": op.hlc, "due_hlc": op.hlc, "done_hlc": "",
        })
        if not newest[0]:
            order = ledger.execute(
                "SELECT id FROM tasks WHERE incident_id = ? ORDER BY hlc, uid", (incident_id,)
            ).fetchall()
            ledger.execute("UPDATE tasks SET number = -id WHERE incident_id = ?", (incident_id,))
            for number, (task_id,) in enumerate(order, 1):
                ledger.update("tasks", task_id, {"number": number})
        return ledger.put_entry(op, body["entry"])

    def done(self, incident_id: int, number: int, *, by: str) -> Change:
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        task = self._open(incident_id, number)
        now = ledger.now()
        with ledger.writing():
            entry = ledger.record(self._done, incident, self._done_body(
                task, ledger.entry("task", f"Done: {task.text} ({task.owner})", author, now, now)))
        return Change(incident, (entry,), task=ledger.read.tasks.by_uid(task.uid))

    @staticmethod
    def _done_body(task: Task, entry: dict) -> dict:
        return {"task": task.uid, "done_at": entry["recorded_at"], "entry": entry}

    @operation("task.done")
    def _done(self, op: Applied):
        body = op.body
        self._ledger.row_of("tasks", body["task"])  # the task must be here first
        self._ledger.set_register("tasks", ("uid", body["task"]), "done", {"done_at": body["done_at"]}, op.hlc)
        return self._ledger.put_entry(op, body["entry"])

    def extend(self, incident_id: int, number: int, minutes: int | str, *, by: str) -> Change:
        """Push the check-back time: `minutes` after the due time, or after now if overdue.

        An overdue task extended by 10 minutes is due 10 minutes from now, not 10 minutes
        after a moment already past (which could leave it still overdue).
        """
        minutes = domain.parse_minutes(minutes)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        task = self._open(incident_id, number)
        now = ledger.now()
        due = max(times.from_text(task.due_at), now) + timedelta(minutes=minutes)
        text = (
            f"Extended by {minutes} min: {task.text} ({task.owner}), "
            f"now due {times.to_text(due)[11:16]}Z"
        )
        body = {"task": task.uid, "minutes": minutes, "at": times.to_text(now), "by": author,
                "due_at": times.to_text(due), "entry": ledger.entry("task", text, author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._extended, incident, body)
        return Change(incident, (entry,), task=ledger.read.tasks.by_uid(task.uid))

    @operation("task.extend")
    def _extended(self, op: Applied):
        ledger = self._ledger
        body = op.body
        ledger.insert("task_extensions", {
            "task_id": ledger.row_of("tasks", body["task"]), "minutes": body["minutes"],
            "at": body["at"], "by": body["by"], "hlc": op.hlc})
        ledger.set_register("tasks", ("uid", body["task"]), "due", {"due_at": body["due_at"]}, op.hlc)
        return ledger.put_entry(op, body["entry"])

    def reassign(self, incident_id: int, number: int, owner: str, *, by: str) -> Change:
        """Give an open task to someone else; the previous owner is kept in the timeline."""
        name = domain.clean_text(owner, "owner", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        task = self._open(incident_id, number)
        if task.owner.casefold() == name.casefold():
            raise InputError(f"{task.ref} is already {task.owner}'s")
        now = ledger.now()
        text = f"Reassigned from {task.owner} to {name}: {task.text}"
        body = {"task": task.uid, "owner": name, "entry": ledger.entry("task", text, author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._reassigned, incident, body)
        return Change(incident, (entry,), task=ledger.read.tasks.by_uid(task.uid))

    @operation("task.reassign")
    def _reassigned(self, op: Applied):
        body = op.body
        self._ledger.row_of("tasks", body["task"])  # the task must be here first
        self._ledger.set_register("tasks", ("uid", body["task"]), "owner", {"owner": body["owner"]}, op.hlc)
        return self._ledger.put_entry(op, body["entry"])

    def close_open(self, incident_id: int, *, by: str, to_followups: bool = False) -> Change:
        """Take every open task off the board at once (offered when the incident is resolved):
        each is closed unfinished, or with `to_followups` first becomes a follow-up with its
        text and owner; one timeline entry per task says which. All or nothing."""
        from console.followups import Followups

        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        tasks = sorted(ledger.read.tasks.all(incident_id, open_only=True), key=lambda t: t.number)
        if not tasks:
            raise InputError(f"{incident.ref} has no open tasks")
        now = ledger.now()
        entries = []
        with ledger.writing():
            for task in tasks:
                what = f"{task.ref} {task.text} ({task.owner})"
                if to_followups:
                    item = Followups(ledger).add(incident_id, task.text, owner=task.owner, by=author)
                    text = f"Handed to follow-up {item.ref}: {what}"
                else:
                    text = f"Closed unfinished: {what}"
                entries.append(ledger.record(self._done, incident, self._done_body(
                    task, ledger.entry("task", text, author, now, now))))
        return Change(incident, tuple(entries))

    def _open(self, incident_id: int, number: int) -> Task:
        """The task, refusing one that is done (it can no longer change)."""
        task = self._ledger.read.tasks.get(incident_id, number)
        if task.done_at is not None:
            raise InputError(f"{task.ref} is already done ({task.text})")
        return task


class TaskReads:
    """Tasks as stored, with their extensions; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self, incident_id: int, *, open_only: bool = False) -> list[Task]:
        """An incident's tasks, the next check-back first (two queries, however many tasks)."""
        done = " AND t.done_at IS NULL" if open_only else ""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM tasks t WHERE t.incident_id = ?{done} "
                "ORDER BY t.due_at, t.id",
                (incident_id,),
            ).fetchall()
            if not rows:
                return []
            extensions = self._conn.execute(
                'SELECT x.task_id, x.minutes, x.at, x."by" FROM task_extensions x '
                f"JOIN tasks t ON t.id = x.task_id WHERE t.incident_id = ?{done} "
                "ORDER BY x.task_id, x.hlc, x.id",
                (incident_id,),
            ).fetchall()
        return _with_extensions(rows, extensions)

    def get(self, incident_id: int, number: int) -> Task:
        """The incident's task `T<number>`."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM tasks t WHERE t.incident_id = ? AND t.number = ?",
                (incident_id, number),
            ).fetchone()
            if row is None:
                raise NotFound(f"no task {format_task_ref(number)} on {format_ref(incident_id)}")
            extensions = self._conn.execute(
                'SELECT task_id, minutes, at, "by" FROM task_extensions WHERE task_id = ? '
                "ORDER BY hlc, id",
                (row[0],),
            ).fetchall()
        return _with_extensions([row], extensions)[0]

    def by_uid(self, uid: str) -> Task | None:
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, number FROM tasks WHERE uid = ?", (uid,)
            ).fetchone()
        return self.get(row[0], row[1]) if row else None

    def by_row_id(self, task_id: int) -> Task | None:
        """The task whose row id is `task_id`: what `T<id>` meant in entries written before
        tasks were numbered within their incident (migration 0007)."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, number FROM tasks WHERE id = ?", (task_id,)
            ).fetchone()
        return self.get(row[0], row[1]) if row else None


def _with_extensions(rows: list[tuple], extensions: list[tuple]) -> list[Task]:
    by_task: dict[int, list[Extension]] = {}
    for task_id, minutes, at, by in extensions:
        by_task.setdefault(task_id, []).append(Extension(minutes, at, by))
    return [Task(*row, extensions=tuple(by_task.get(row[0], ()))) for row in rows]
