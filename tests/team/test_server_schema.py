"""The team server's schema and grants, on a real PostgreSQL: `team migrate` applies the numbered
migrations once, the consoles' role can only read and add to the log (a real UPDATE, DELETE or
TRUNCATE fails), and a console refuses a server whose schema it does not speak."""

import psycopg
import pytest

from console.team import schema
from console.team.schema import ServerSchemaError
from tests.team import cluster as pg
from tests.team.conftest import cli, migrate_cli


def _op_row(uid: str = "u-1") -> tuple:
    return (uid, "r1", "0001774792800000.0000.r1", "i-1", "timeline.log", '{"text":"x"}', None)


def _raw(team_db, user=pg.CONSOLE, password=pg.CONSOLE_PASSWORD):
    return psycopg.connect(team_db.url(user), password=password, autocommit=True)


def test_the_migrations_are_numbered_from_one_and_shipped_with_the_package():
    found = schema.migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert schema.known_version() == len(found) >= 1
    assert "CREATE TABLE ops" in found[0].sql()


def test_migrate_applies_once_and_records_the_version(team_db):
    assert team_db.sql("SELECT version FROM schema_version").strip() == str(schema.known_version())
    again = migrate_cli(team_db.cluster, team_db.name, pg.CONSOLE)
    assert again.returncode == 0, again.stderr
    assert "already at version" in again.stdout
    assert team_db.sql("SELECT count(*) FROM schema_version").strip() == "1"
    # the owner owns the tables; the consoles' role does not
    owners = team_db.sql("SELECT tablename || '=' || tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert owners.split() == ["incident_numbers=owner", "ops=owner", "schema_version=owner"]


def test_the_consoles_role_reads_and_adds_but_cannot_change_or_remove(team_db):
    with _raw(team_db) as conn:
        conn.execute("INSERT INTO ops (uid, replica, hlc, incident, verb, body, base) "
                     "VALUES (%s, %s, %s, %s, %s, %s, %s)", _op_row())
        assert conn.execute("SELECT count(*) FROM ops").fetchone()[0] == 1
        conn.execute("INSERT INTO incident_numbers (incident) VALUES ('i-1')")
        for attempt in ("UPDATE ops SET body = '{}'", "DELETE FROM ops", "TRUNCATE ops",
                        "UPDATE incident_numbers SET incident = 'i-2'", "DELETE FROM incident_numbers",
                        "TRUNCATE incident_numbers", "INSERT INTO schema_version VALUES (99)",
                        "UPDATE schema_version SET version = 99", "DROP TABLE ops",
                        "ALTER TABLE ops DISABLE TRIGGER ALL", "CREATE TABLE mine (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attempt)
    assert team_db.sql("SELECT body FROM ops").strip() == '{"text":"x"}'
    assert team_db.sql("SELECT version FROM schema_version").strip() == str(schema.known_version())


def test_the_trusted_consoles_role_is_held_to_the_same(team_db):
    with _raw(team_db, pg.TRUSTED, None) as conn:
        conn.execute("INSERT INTO ops (uid, replica, hlc, incident, verb, body) VALUES ('t', 'r', 'h', 'i', 'v', 'b')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM ops")


@pytest.mark.parametrize("role, why", [("admin", "is a superuser"), (pg.OWNER, "owns the tables")])
def test_migrate_refuses_a_consoles_role_that_could_rewrite_the_log(team_db, role, why):
    before = team_db.sql("SELECT grantee || privilege_type FROM information_schema.role_table_grants "
                         "WHERE table_name = 'ops' ORDER BY 1")
    done = migrate_cli(team_db.cluster, team_db.name, role)
    assert done.returncode == 2
    assert why in done.stderr and done.stderr.count("\n") == 1 and done.stdout == ""
    assert team_db.sql("SELECT grantee || privilege_type FROM information_schema.role_table_grants "
                       "WHERE table_name = 'ops' ORDER BY 1") == before


def test_migrate_refuses_an_unknown_role_and_applies_nothing(cluster):
    cluster.psql(f"CREATE DATABASE fresh_unknown OWNER {pg.OWNER}")
    try:
        done = migrate_cli(cluster, "fresh_unknown", "nobody_here")
        assert done.returncode == 2
        assert "--console-role nobody_here: no such role" in done.stderr
        # one transaction: the migrations went back with the refusal
        assert cluster.psql("SELECT to_regclass('ops') IS NULL", "fresh_unknown").strip() == "t"
    finally:
        cluster.psql("DROP DATABASE fresh_unknown WITH (FORCE)")


def test_migrate_as_a_role_that_may_not_create_says_so_in_one_line(team_db, cluster):
    cluster.psql(f"CREATE DATABASE fresh_denied OWNER {pg.OWNER}")
    try:
        done = cli("team", "migrate", cluster.url(pg.CONSOLE, "fresh_denied"), "--password-stdin",
                   input=pg.CONSOLE_PASSWORD + "\n")
        assert done.returncode == 1
        assert done.stderr.startswith("incident-console: error: the team server refused: permission denied")
        assert done.stderr.count("\n") == 1
    finally:
        cluster.psql("DROP DATABASE fresh_denied WITH (FORCE)")


def test_a_console_refuses_a_server_newer_than_it_knows(team_db):
    newer = schema.known_version() + 1
    team_db.sql(f"UPDATE schema_version SET version = {newer}")
    with pytest.raises(ServerSchemaError) as refused:
        team_db.connect()
    assert str(refused.value) == (f"the team server's schema is version {newer}, newer than this console knows "
                                  f"({schema.known_version()}): update Incident Console")
    # and so does `team migrate`, changing nothing
    done = migrate_cli(team_db.cluster, team_db.name, pg.CONSOLE)
    assert done.returncode == 1 and "newer than this console knows" in done.stderr
    assert team_db.sql("SELECT version FROM schema_version").strip() == str(newer)


def test_a_console_refuses_a_server_never_migrated(cluster):
    cluster.psql(f"CREATE DATABASE fresh_bare OWNER {pg.OWNER}")
    try:
        from console.team.server import Server

        with pytest.raises(ServerSchemaError, match="no Incident Console schema yet"):
            Server.connect(cluster.url(pg.CONSOLE, "fresh_bare"), password=pg.CONSOLE_PASSWORD)
    finally:
        cluster.psql("DROP DATABASE fresh_bare WITH (FORCE)")
