"""Team-mode fixtures: a real PostgreSQL for the session, a fresh migrated database per test
that wants one, consoles as CLI processes with homes of their own, a TCP proxy for partitions
and a real Secret Service.

The server is skipped, with the reason, only where PostgreSQL's binaries are not installed;
anything else that goes wrong while starting it is an error.
"""

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.team import cluster as pg
from tests.team.proxy import Proxy

ROOT = Path(__file__).resolve().parents[2]
_databases = itertools.count(1)


def cli(*argv: str, home: Path | None = None, env: dict | None = None, input: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `incident-console ARGV` as its own process (with `home` as its home)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBUS_", "PYTHON_KEYRING"))}
    environment.setdefault("INCIDENT_CONSOLE_NAME", "Tester")
    if home is not None:
        environment["INCIDENT_CONSOLE_HOME"] = str(home)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "console", *argv], cwd=ROOT, env=environment, input=input,
                          capture_output=True, text=True, timeout=timeout)


def migrate_cli(cluster: pg.Cluster, db: str, *roles: str) -> subprocess.CompletedProcess:
    role_args = [a for role in roles for a in ("--console-role", role)]
    return cli("team", "migrate", cluster.url(pg.OWNER, db), *role_args, "--password-stdin",
               input=pg.OWNER_PASSWORD + "\n")


@pytest.fixture(scope="session")
def cluster():
    bindir = pg.find_bin()
    if bindir is None:
        pytest.skip("PostgreSQL's server binaries are not installed (./dev installs the postgresql package)")
    server = pg.Cluster(bindir)
    try:
        server.init()
        if shutil.which("openssl"):
            server.make_certificates()
        server.start()
        server.make_roles()
        done = migrate_cli(server, pg.DB, pg.CONSOLE, pg.TRUSTED)
        assert done.returncode == 0, done.stderr
        yield server
    finally:
        server.remove()


class TeamDb:
    """A database of its own on the test server, migrated, with the consoles' roles granted."""

    def __init__(self, cluster: pg.Cluster, name: str) -> None:
        self.cluster, self.name = cluster, name

    def url(self, user: str = pg.CONSOLE, port: int | None = None) -> str:
        return self.cluster.url(user, self.name, port)

    def connect(self, user: str = pg.CONSOLE, password: str | None = pg.CONSOLE_PASSWORD, port: int | None = None):
        from console.team.server import Server

        return Server.connect(self.url(user, port), password=password)

    def sql(self, text: str) -> str:
        """As the superuser."""
        return self.cluster.psql(text, self.name)


@pytest.fixture
def team_db(cluster) -> TeamDb:
    name = f"team_{os.getpid()}_{next(_databases)}"
    cluster.psql(f"CREATE DATABASE {name} OWNER {pg.OWNER}")
    done = migrate_cli(cluster, name, pg.CONSOLE, pg.TRUSTED)
    assert done.returncode == 0, done.stderr
    yield TeamDb(cluster, name)
    cluster.psql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def proxy(cluster):
    link = Proxy(cluster.port)
    yield link
    link.close()
