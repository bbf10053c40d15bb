"""The team server's schema: numbered SQL migrations, applied by `team migrate`.

The migrations are the files `migrations/NNNN_name.sql` beside this module (shipped as package
data), numbered from 1 without gaps; the highest number is the version this console speaks.
`migrate` runs, as the role that is to own the tables, every migration the server lacks and the
new version in one transaction, then the grants (`grants.sql`) for each consoles' role. A
console checks the version on every connection (`check`) and refuses a server that is newer
than it knows, or not migrated as far as it needs, in one line.
"""

import re
from pathlib import Path
from typing import NamedTuple

from console.errors import InputError, StorageUnavailable

HERE = Path(__file__).parent
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Serialises two `team migrate` runs against one database (any fixed number will do).
_LOCK_KEY = 0x1C_0012


class Migration(NamedTuple):
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def migrations() -> list[Migration]:
    """The shipped migrations in order; a gap or a stray name in the folder is our bug."""
    found = []
    for path in sorted((HERE / "migrations").iterdir()):
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path))
        elif path.suffix == ".sql":
            raise RuntimeError(f"migration file {path.name}: expected NNNN_name.sql")
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("team server migrations must be numbered 1, 2, 3... without gaps")
    return found


def known_version() -> int:
    """The schema version this console speaks: its highest migration's number."""
    return len(migrations())


class ServerSchemaError(StorageUnavailable):
    """The server's schema is not the one this console speaks; nothing was sent."""


def _too_new(found: int, known: int) -> ServerSchemaError:
    return ServerSchemaError(f"the team server's schema is version {found}, newer than this console knows "
                             f"({known}): update Incident Console")


def read_version(conn) -> int:
    """The server's schema version; 0 where `team migrate` never ran."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


def check(conn) -> int:
    """The server's version, when it is the one this console speaks; else ServerSchemaError."""
    found, known = read_version(conn), known_version()
    if found > known:
        raise _too_new(found, known)
    if found == 0:
        raise ServerSchemaError("the team server has no Incident Console schema yet: its owner runs "
                                "incident-console team migrate URL")
    if found < known:
        raise ServerSchemaError(f"the team server's schema is version {found}; this console needs {known}: "
                                "its owner runs incident-console team migrate URL")
    return found


class Migrated(NamedTuple):
    before: int
    after: int
    roles: tuple[str, ...]


def migrate(conn, console_roles: tuple[str, ...] = ()) -> Migrated:
    """Apply what the server lacks and grant `console_roles` their rights, in one transaction.

    `conn` is connected as the role that owns (or is to own) the tables. Idempotent: run
    again, it applies nothing and grants the same rights. Refused, with nothing changed: a
    server newer than this console; a consoles' role that does not exist, is a superuser, can
    bypass row security, or is (or may become) the tables' owner, since it could then rewrite
    the log.
    """
    from psycopg import sql

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        before = read_version(conn)
        known = known_version()
        if before > known:
            raise _too_new(before, known)
        for migration in migrations()[before:]:
            conn.execute(migration.sql())
        conn.execute("UPDATE schema_version SET version = %s", (known,))
        grants = (HERE / "grants.sql").read_text(encoding="utf-8")
        for role in console_roles:
            _check_console_role(conn, role)
            conn.execute(sql.SQL(grants).format(role=sql.Identifier(role)))
    return Migrated(before, known, tuple(console_roles))


def _check_console_role(conn, role: str) -> None:
    row = conn.execute(
        "SELECT r.rolsuper, r.rolbypassrls, pg_has_role(r.oid, t.tableowner, 'MEMBER') "
        "FROM pg_roles r, pg_tables t "
        "WHERE r.rolname = %s AND t.schemaname = current_schema() AND t.tablename = 'ops'",
        (role,),
    ).fetchone()
    if row is None:
        raise InputError(f"--console-role {role}: no such role on the team server (CREATE ROLE it first)")
    superuser, bypasses, owns = row
    if superuser or bypasses or owns:
        why = "is a superuser" if superuser else "bypasses row security" if bypasses else "owns the tables"
        raise InputError(f"--console-role {role}: this role {why}, so consoles could rewrite the log; "
                         "use a role of its own")
