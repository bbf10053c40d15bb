"""The database schema, as numbered migrations.

Each migration is a plain function of a sqlite-utils `Database`. The list below is the one
source of the schema's history: `store.open_store` registers it with sqlite-utils'
`Migrations` and applies what is pending; `store.check_compatible` compares the names a file
has applied with this list (without importing sqlite-utils, which keeps the window's first
paint fast). A shipped migration is never edited: add a new one.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlite_utils import Database

MIGRATION_SET = "incident_console"


def _append_only(db: "Database", table: str, what: str) -> None:
    """Triggers that refuse any UPDATE or DELETE on `table`: history is only ever added to."""
    for event in ("update", "delete"):
        db.execute(
            f"CREATE TRIGGER {table}_are_append_only_{event} BEFORE {event.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
        )


def m0001_initial(db: "Database") -> None:
    """Incidents, role assignments and an append-only timeline."""
    db.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            severity INTEGER CHECK (severity BETWEEN 1 AND 5),
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'mitigated', 'resolved')),
            security INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
            drill INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
            started_at TEXT NOT NULL,
            declared_at TEXT NOT NULL,
            mitigated_at TEXT,
            resolved_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE role_assignments (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            role TEXT NOT NULL,
            person TEXT NOT NULL,
            from_at TEXT NOT NULL,
            to_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX role_assignments_incident ON role_assignments(incident_id, role)")
    db.execute(
        """
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX entries_timeline ON entries(incident_id, occurred_at, id)")
    # The timeline is the audit log: once written, an entry is never changed or removed.
    # Corrections arrive as new entries (revisions), never as updates.
    _append_only(db, "entries", "timeline entries")


def m0002_timeline_search(db: "Database") -> None:
    """A full-text index over entry text, filled from the entries already there.

    Written as plain statements rather than `Table.enable_fts`, because that helper uses
    `executescript`, which commits whatever transaction is open and would break this
    migration's all-or-nothing guarantee. Entries are append-only, so only inserts need a
    trigger.
    """
    db.execute(
        "CREATE VIRTUAL TABLE entries_fts USING fts5("
        "text, content='entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO entries_fts (rowid, text) SELECT id, text FROM entries")
    db.execute(
        """
        CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries
        BEGIN INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text); END
        """
    )


def m0003_board(db: "Database") -> None:
    """The IC's board: tasks with check-back times, checklist ticks and status updates.

    A task is a row that changes (owner, due time, done); what it was before is in the
    timeline, and each extension also keeps a row so the arithmetic can be shown. Checklist
    ticks are an append-only history like the timeline: the latest row per item is its state,
    so "who unticked this, and when" is never lost.
    """
    db.execute(
        """
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            owner TEXT NOT NULL,
            text TEXT NOT NULL,
            assigned_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            done_at TEXT,
            created_by TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX tasks_board ON tasks(incident_id, due_at)")
    db.execute(
        """
        CREATE TABLE task_extensions (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id),
            minutes INTEGER NOT NULL CHECK (minutes > 0),
            at TEXT NOT NULL,
            "by" TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX task_extensions_task ON task_extensions(task_id, id)")
    db.execute(
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            item_id TEXT NOT NULL,
            checked INTEGER NOT NULL CHECK (checked IN (0, 1)),
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX checks_latest ON checks(incident_id, item_id, id)")
    _append_only(db, "checks", "checklist ticks")
    db.execute(
        """
        CREATE TABLE updates (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            audience TEXT NOT NULL CHECK (audience IN ('responders', 'executives', 'customers')),
            text TEXT NOT NULL,
            "by" TEXT NOT NULL,
            sent_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX updates_by_audience ON updates(incident_id, audience, sent_at)")


MIGRATIONS: list[tuple[str, Callable[["Database"], None]]] = [
    ("0001_initial", m0001_initial),
    ("0002_timeline_search", m0002_timeline_search),
    ("0003_board", m0003_board),
]

MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)
