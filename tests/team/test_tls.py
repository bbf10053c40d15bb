"""TLS to the team server: `sslmode=verify-full&sslrootcert=FILE` in the URL reach libpq as they
are, so a console checks the server's certificate and its name, and refuses an impostor."""

import json

import pytest

from console.team.server import Server, Unreachable
from tests.team import cluster as pg
from tests.team.conftest import cli


@pytest.fixture
def tls(team_db):
    folder = getattr(team_db.cluster, "tls", None)
    if folder is None:
        pytest.skip("openssl is not installed: no certificates for the test server")
    return folder


def _url(team_db, host: str, ca) -> str:
    return (f"postgresql://{pg.CONSOLE}@{host}:{team_db.cluster.port}/{team_db.name}"
            f"?sslmode=verify-full&sslrootcert={ca}")


def test_verify_full_connects_over_tls_to_the_server_its_ca_signed(team_db, tls):
    with Server.connect(_url(team_db, "localhost", tls / "ca.pem"), password=pg.CONSOLE_PASSWORD) as server:
        row = server.conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert row == (True,)


def test_verify_full_refuses_another_ca_and_another_name(team_db, tls):
    with pytest.raises(Unreachable, match="certificate verify failed"):
        Server.connect(_url(team_db, "localhost", tls / "other_ca.pem"), password=pg.CONSOLE_PASSWORD)
    with pytest.raises(Unreachable, match="does not match host name"):
        Server.connect(_url(team_db, "127.0.0.1", tls / "ca.pem"), password=pg.CONSOLE_PASSWORD)


def test_join_keeps_the_tls_options_and_refuses_an_impostor(team_db, tls, tmp_path):
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{pg.CONSOLE}:{pg.CONSOLE_PASSWORD}\n")
    passfile.chmod(0o600)
    env = {"PGPASSFILE": str(passfile), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    impostor = cli("team", "join", _url(team_db, "localhost", tls / "other_ca.pem"), home=tmp_path / "a", env=env)
    assert impostor.returncode == 1 and "certificate verify failed" in impostor.stderr
    assert not (tmp_path / "a" / "config" / "team.json").exists()
    url = _url(team_db, "localhost", tls / "ca.pem")
    joined = cli("team", "join", url, home=tmp_path / "b", env=env)
    assert joined.returncode == 0, joined.stderr
    assert json.loads((tmp_path / "b" / "config" / "team.json").read_text())["url"] == url
    assert cli("team", "sync", home=tmp_path / "b", env=env).returncode == 0
