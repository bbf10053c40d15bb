"""Read-only queries over the store, on a plain sqlite3 connection.

Reads need nothing from sqlite-utils, so the window can open its list on the standard
library alone and paint before the heavier imports happen. Every query is keyed by index:
the timeline is read in pages from its newest end so an incident with a million entries
opens as fast as one with ten.
"""

import sqlite3
from pathlib import Path

from console.domain import (
    CheckState, Entry, Extension, Incident, RoleAssignment, Task, Update, format_ref,
    format_task_ref,
)
from console.errors import NotFound
from console.store import storage_errors

_INCIDENT_COLUMNS = (
    "id, title, severity, status, security, drill, started_at, declared_at, "
    "mitigated_at, resolved_at"
)
_ENTRY_COLUMNS = "id, uid, incident_id, kind, text, author, occurred_at, recorded_at"
_TASK_COLUMNS = (
    "t.id, t.uid, t.incident_id, t.owner, t.text, t.assigned_at, t.due_at, t.done_at, "
    "t.created_by"
)
_UPDATE_COLUMNS = 'id, incident_id, audience, text, "by", sent_at'


def _incident(row: tuple) -> Incident:
    return Incident(
        id=row[0], title=row[1], severity=row[2], status=row[3], security=bool(row[4]),
        drill=bool(row[5]), started_at=row[6], declared_at=row[7], mitigated_at=row[8],
        resolved_at=row[9],
    )


def _entry(row: tuple) -> Entry:
    return Entry(*row)


class Reader:
    """Queries over one connection; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def incidents(self) -> list[Incident]:
        """Every incident, the open ones first, newest first within each group."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents "
                "ORDER BY status = 'resolved', id DESC"
            ).fetchall()
        return [_incident(row) for row in rows]

    def incident(self, incident_id: int) -> Incident:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no incident {format_ref(incident_id)}")
        return _incident(row)

    def roles(self, incident_id: int, *, current_only: bool = False) -> list[RoleAssignment]:
        """Role assignments in the order they were made (the full history unless asked)."""
        where = "incident_id = ?" + (" AND to_at IS NULL" if current_only else "")
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT id, incident_id, role, person, from_at, to_at FROM role_assignments "
                f"WHERE {where} ORDER BY from_at, id",
                (incident_id,),
            ).fetchall()
        return [RoleAssignment(*row) for row in rows]

    def entry_count(self, incident_id: int) -> int:
        with storage_errors(self._path):
            return self._conn.execute(
                "SELECT count(*) FROM entries WHERE incident_id = ?", (incident_id,)
            ).fetchone()[0]

    def timeline(self, incident_id: int) -> list[Entry]:
        """The whole timeline, oldest first (exports; the window pages instead)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE incident_id = ? "
                "ORDER BY occurred_at, id",
                (incident_id,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def timeline_page(
        self, incident_id: int, *, before: tuple[str, int] | None = None, limit: int = 500
    ) -> list[Entry]:
        """Up to `limit` entries older than `before` (or the newest ones), oldest first."""
        with storage_errors(self._path):
            if before is None:
                rows = self._conn.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE incident_id = ? "
                    "ORDER BY occurred_at DESC, id DESC LIMIT ?",
                    (incident_id, limit),
                ).fetchall()
            else:
                rows = self._conn.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE incident_id = ? "
                    "AND (occurred_at, id) < (?, ?) ORDER BY occurred_at DESC, id DESC LIMIT ?",
                    (incident_id, before[0], before[1], limit),
                ).fetchall()
        rows.reverse()
        return [_entry(row) for row in rows]

    def entries_after(self, incident_id: int, after_id: int) -> list[Entry]:
        """Entries written after a known row id (what another writer added), oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE incident_id = ? AND id > ? "
                "ORDER BY id",
                (incident_id, after_id),
            ).fetchall()
        return [_entry(row) for row in rows]

    def entry_by_uid(self, uid: str) -> Entry | None:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE uid = ?", (uid,)
            ).fetchone()
        return _entry(row) if row else None

    def search(self, query: str, incident_id: int | None = None, limit: int = 50) -> list[Entry]:
        """Entries matching an FTS5 query, newest first (ranking many matches is slow)."""
        where = "entries_fts MATCH ?" + (" AND e.incident_id = ?" if incident_id else "")
        params: tuple = (query, incident_id, limit) if incident_id else (query, limit)
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT e.id, e.uid, e.incident_id, e.kind, e.text, e.author, e.occurred_at, "
                f"e.recorded_at FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid "
                f"WHERE {where} ORDER BY e.id DESC LIMIT ?",
                params,
            ).fetchall()
        return [_entry(row) for row in rows]

    # -- the board ----------------------------------------------------------------------

    def tasks(self, incident_id: int, *, open_only: bool = False) -> list[Task]:
        """An incident's tasks, the next check-back first (two queries, however many tasks)."""
        done = " AND t.done_at IS NULL" if open_only else ""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM tasks t WHERE t.incident_id = ?{done} "
                "ORDER BY t.due_at, t.id",
                (incident_id,),
            ).fetchall()
            if not rows:
                return []
            extensions = self._conn.execute(
                'SELECT x.task_id, x.minutes, x.at, x."by" FROM task_extensions x '
                f"JOIN tasks t ON t.id = x.task_id WHERE t.incident_id = ?{done} "
                "ORDER BY x.task_id, x.id",
                (incident_id,),
            ).fetchall()
        return self._with_extensions(rows, extensions)

    def task(self, incident_id: int, task_id: int) -> Task:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM tasks t WHERE t.id = ? AND t.incident_id = ?",
                (task_id, incident_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"no task {format_task_ref(task_id)} on {format_ref(incident_id)}")
            extensions = self._conn.execute(
                'SELECT task_id, minutes, at, "by" FROM task_extensions WHERE task_id = ? '
                "ORDER BY id",
                (task_id,),
            ).fetchall()
        return self._with_extensions([row], extensions)[0]

    def task_by_uid(self, uid: str) -> Task | None:
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, id FROM tasks WHERE uid = ?", (uid,)
            ).fetchone()
        return self.task(row[0], row[1]) if row else None

    def checklist(self, incident_id: int) -> dict[str, CheckState]:
        """Each ticked item's current state (its latest row), by item id; unticked items absent."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT item_id, checked, "by", at FROM checks WHERE id IN ('
                "SELECT max(id) FROM checks WHERE incident_id = ? GROUP BY item_id) "
                "ORDER BY item_id",
                (incident_id,),
            ).fetchall()
        return {row[0]: CheckState(row[0], bool(row[1]), row[2], row[3]) for row in rows}

    def updates(self, incident_id: int) -> list[Update]:
        """Every status update sent, oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE incident_id = ? "
                "ORDER BY sent_at, id",
                (incident_id,),
            ).fetchall()
        return [Update(*row) for row in rows]

    def last_update(self, incident_id: int, audience: str) -> Update | None:
        """The latest update to one audience (what an update-due timer counts from)."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE incident_id = ? AND audience = ? "
                "ORDER BY sent_at DESC, id DESC LIMIT 1",
                (incident_id, audience),
            ).fetchone()
        return Update(*row) if row else None

    def data_version(self) -> int:
        """A number that changes when another connection commits (never for our own writes).

        Cheap enough to poll every second: a window compares it with the last value it saw
        and re-reads only when something else (the CLI, another seat) wrote to the file.
        """
        with storage_errors(self._path):
            return self._conn.execute("PRAGMA data_version").fetchone()[0]

    @staticmethod
    def _with_extensions(rows: list[tuple], extensions: list[tuple]) -> list[Task]:
        by_task: dict[int, list[Extension]] = {}
        for task_id, minutes, at, by in extensions:
            by_task.setdefault(task_id, []).append(Extension(minutes, at, by))
        return [Task(*row, extensions=tuple(by_task.get(row[0], ()))) for row in rows]
