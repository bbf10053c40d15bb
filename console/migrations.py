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
    db.execute(
        """
        CREATE TRIGGER entries_are_append_only_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END
        """
    )
    db.execute(
        """
        CREATE TRIGGER entries_are_append_only_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END
        """
    )


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


MIGRATIONS: list[tuple[str, Callable[["Database"], None]]] = [
    ("0001_initial", m0001_initial),
    ("0002_timeline_search", m0002_timeline_search),
]

MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)
