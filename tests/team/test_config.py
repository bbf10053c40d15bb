"""team.json and the team server's URL, without a server: the password is taken out of the URL
whatever form it takes, everything else is kept as typed, the file is private and written whole,
and a spoiled one never stops local work."""

import json
import stat
import subprocess
import sys

import pytest

from console import paths
from console.errors import InputError, StorageUnavailable
from console.team import config
from tests.team.conftest import ROOT


@pytest.mark.parametrize("typed, public, password", [
    ("postgresql://console@db.internal:5432/incidents", "postgresql://console@db.internal:5432/incidents", None),
    ("postgresql://console:s3cret@db.internal/incidents", "postgresql://console@db.internal/incidents", "s3cret"),
    ("postgres://console:p%40ss%3Aw@db/x?sslmode=verify-full", "postgres://console@db/x?sslmode=verify-full", "p@ss:w"),
    ("postgresql://console@db/x?password=abc&sslmode=verify-full&sslrootcert=/etc/ca%20file.pem",
     "postgresql://console@db/x?sslmode=verify-full&sslrootcert=/etc/ca%20file.pem", "abc"),
    ("postgresql://:only-secret@db/x", "postgresql://db/x", "only-secret"),
    ("postgresql:///incidents", "postgresql:///incidents", None),
    ("  postgresql://[::1]:5433/x  ", "postgresql://[::1]:5433/x", None),
])
def test_the_password_is_taken_out_of_the_url(typed, public, password):
    assert config.split_url(typed) == (public, password)


@pytest.mark.parametrize("typed, message", [
    ("https://db/x", "expected postgresql://"),
    ("db.internal:5432", "expected postgresql://"),
    ("postgresql:/x", "expected postgresql://"),
    ("postgresql://u@db:port/x", "Port could not be cast"),
    ("postgresql://u@db:99999/x", "out of range"),
    ("postgresql://u@[::1/x", "Invalid IPv6 URL"),
])
def test_a_url_that_is_not_one_is_bad_input(typed, message):
    with pytest.raises(InputError, match=message):
        config.split_url(typed)


def test_the_file_is_private_whole_and_never_holds_a_password(where):
    team = config.TeamConfig("postgresql://console@db/x", "Ana", "2026-11-30T00:00:00Z", None)
    file = config.save(where, team)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert config.load(where) == team and config.member_name(where) == "Ana"
    assert [p.name for p in file.parent.iterdir()] == ["team.json"]  # no temporary file left
    file.write_text(json.dumps({**team._asdict(), "url": "postgresql://console:pw@db/x"}))
    with pytest.raises(StorageUnavailable, match="holds a password"):
        config.load(where)
    file.write_text("{not json")
    with pytest.raises(StorageUnavailable, match="not a team file this console wrote"):
        config.load(where)
    assert config.member_name(where) is None
    assert config.remove(where) and not config.remove(where) and config.load(where) is None


def test_a_spoiled_team_file_never_stops_local_work(home):
    where = paths.resolve(home)
    paths.ensure_private_dir(where.config_dir)
    config.path(where).write_text("{spoiled")

    def run(*argv):
        return subprocess.run([sys.executable, "-m", "console", *argv], cwd=ROOT, capture_output=True, text=True,
                              env={"INCIDENT_CONSOLE_HOME": str(home), "PATH": "/usr/bin:/bin"}, timeout=60)

    declared = run("declare", "Still here")
    assert declared.returncode == 0 and declared.stdout.strip() in ("INC-1", "NEW-1")
    assert "queued" in declared.stderr and "not a team file" in declared.stderr
    assert run("list").returncode == 0
    assert run("team", "status").returncode == 1
    left = run("team", "leave")
    assert left.returncode == 0 and "could not be read and was removed" in left.stdout
    assert not config.path(where).exists()
    after = run("log", "INC-1", "solo again")
    assert after.returncode == 0 and after.stderr == ""
