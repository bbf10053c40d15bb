"""A database as an earlier version of the console left it: migrated up to, not including, one
migration, for the tests that check that migration on a file with data in it."""

import sqlite3
from pathlib import Path

import sqlite_utils

from console import migrations
from console.store import MIGRATION_SET, connect


def migrated_before(path: Path, migration: str) -> sqlite3.Connection:
    """Make (or bring) the file at `path` to the schema just before `migration` (its name, as in
    console.migrations.MIGRATIONS); the open connection, committed, for the caller to fill and
    close."""
    names = [name for name, _ in migrations.MIGRATIONS]
    assert migration in names, migration
    conn = connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA recursive_triggers = ON")
    before = sqlite_utils.Migrations(MIGRATION_SET)
    for name, fn in migrations.MIGRATIONS[:names.index(migration)]:
        before(name=name)(fn)
    before.apply(sqlite_utils.Database(conn, execute_plugins=False))
    conn.commit()
    return conn
