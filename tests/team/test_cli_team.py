"""`team join / status / sync / leave` end to end: consoles as separate CLI processes with homes
of their own, a real PostgreSQL, a real Secret Service, partitions made with a TCP proxy.

The password is typed once (here on standard input), kept in the keyring only, and found
nowhere else: not in team.json, the consoles' databases, the server's tables or log, any
command's output, or an export.
"""

import json
import os
import stat
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from console.team import after_write, schema
from tests.team import cluster as pg
from tests.team.conftest import ROOT, cli

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


class Console:
    """One console: its own home, run as a new process for each command."""

    def __init__(self, home, env=None) -> None:
        self.home, self.env = home, dict(env or {})
        self.outputs: list[str] = []

    def __call__(self, *argv, input=None, timeout=60) -> subprocess.CompletedProcess:
        done = cli(*argv, home=self.home, env=self.env, input=input, timeout=timeout)
        self.outputs += [done.stdout, done.stderr]
        return done

    def ok(self, *argv, input=None) -> str:
        done = self(*argv, input=input)
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        return done.stdout

    def json(self, *argv):
        return json.loads(self.ok(*argv))

    @property
    def team_file(self):
        return self.home / "config" / "team.json"

    def keyring_get(self, url: str):
        script = ("from console import secrets; from console.team import config; from console import paths; "
                  f"print(secrets.get(config.secret_name(paths.resolve({str(self.home)!r}), {url!r})))")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, **self.env},
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture
def consoles(tmp_path, secret_service):
    def make(name: str, env=None) -> Console:
        return Console(tmp_path / name, {**secret_service.env, "INCIDENT_CONSOLE_NAME": "", **(env or {})})
    return make


def _one_line(done: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert text in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("incident-console")


def _everything_written(console: Console) -> bytes:
    return b"".join(p.read_bytes() for p in console.home.rglob("*") if p.is_file())


def test_join_status_sync_leave_between_two_consoles(team_db, consoles, proxy, tmp_path):
    url = team_db.url(port=proxy.port)
    ana, ben = consoles("ana"), consoles("ben")
    # Ana worked solo before joining: her history goes to the server when she joins.
    assert ana.ok("declare", "Checkout down", "--sev", "2").strip() == "INC-1"
    ana.ok("log", "INC-1", "d: roll back the deploy")

    joined = ana.ok("team", "join", url, "--name", "Ana Alvarez", "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n")
    assert joined.splitlines()[0] == f"joined the team at {url} as Ana Alvarez"
    assert joined.splitlines()[1].startswith("in step: sent ")
    mode = stat.S_IMODE(ana.team_file.stat().st_mode)
    assert mode == 0o600
    saved = json.loads(ana.team_file.read_text())
    assert saved["url"] == url and saved["name"] == "Ana Alvarez" and saved["keyring"] == "keyring.backends.SecretService.Keyring"
    assert ana.keyring_get(url) == pg.CONSOLE_PASSWORD

    # Ben joins with the password inside the URL: it goes to his keyring, not to his file.
    with_password = url.replace(f"{pg.CONSOLE}@", f"{pg.CONSOLE}:{pg.CONSOLE_PASSWORD}@")
    assert ben.ok("team", "join", with_password, "--name", "Ben").startswith(f"joined the team at {url} as Ben")
    assert json.loads(ben.team_file.read_text())["url"] == url
    assert ben.ok("team", "join", url, "--name", "Ben").startswith("joined")  # again: the keyring's password
    [incident] = ben.json("list", "--json")
    assert incident["title"] == "Checkout down" and incident["ref"] == "INC-1"

    # A write in team mode: committed, then pushed within the second; the other console pulls it.
    logged = ana("log", "INC-1", "replicas caught up")
    assert logged.returncode == 0 and "queued" not in logged.stderr
    assert ben.ok("team", "sync").startswith("in step: ")
    exported = ben.ok("export", "INC-1", "--format", "json")
    assert "replicas caught up" in exported and "Ana Alvarez" in exported  # her team name signs her writes

    status = ana.json("team", "status", "--json")
    assert status["online"] is True and status["waiting"] == 0 and status["url"] == url
    assert status["schema_version"] == schema.known_version() and status["in_step_at"]
    assert status["clock"] is None and "clock " not in ana.ok("team", "status")  # within a minute of the server's
    # As if the last exchange had found this computer's clock two hours fast (tests/team/test_clock_skew.py
    # makes one): status says so in a line of its own.
    with sqlite3.connect(ana.home / "data" / "incidents.sqlite3") as db:
        db.execute("UPDATE sync_state SET server_offset_ms = -7380000")
    assert "clock      this computer's clock is 2h 03m ahead of the team server's" in ana.ok("team", "status")
    with sqlite3.connect(ana.home / "data" / "incidents.sqlite3") as db:
        db.execute("UPDATE sync_state SET server_offset_ms = 0")

    # The link goes: writes still succeed, say "queued", and wait; sync says unreachable.
    proxy.cut()
    started = time.monotonic()
    offline = ana("log", "INC-1", "written while apart")
    assert offline.returncode == 0 and offline.stdout.strip().endswith("written while apart")
    assert time.monotonic() - started < 5
    assert "queued: 1 event will go to the team server" in offline.stderr and offline.stderr.count("\n") == 1
    status = ana.json("team", "status", "--json")
    assert status["online"] is False and status["waiting"] == 1 and "unreachable" in status["problem"]
    text = ana.ok("team", "status")
    assert "state      offline: " in text and "waiting    1 event to send" in text
    _one_line(ana("team", "sync"), 1, "unreachable")

    proxy.heal()
    assert ana.ok("team", "sync").startswith("in step: sent 1,")
    ben.ok("team", "sync")
    assert "written while apart" in ben.ok("export", "INC-1", "--format", "json")

    # Leaving forgets the server and the password; the record stays.
    left = ana.ok("team", "leave")
    assert left.strip() == f"left the team at {url}"
    assert not ana.team_file.exists() and ana.keyring_get(url) == "None"
    assert ana.ok("team", "status").strip() == "solo: this console is not in a team"
    assert ana.json("team", "status", "--json") == {"joined": False}
    assert "written while apart" in ana.ok("export", "INC-1", "--format", "json")
    _one_line(ana("team", "sync"), 2, "not in a team")
    assert ben.keyring_get(url) == pg.CONSOLE_PASSWORD  # Ben's own entry is untouched

    # The password is nowhere but the keyring (whose files are encrypted).
    secret = pg.CONSOLE_PASSWORD.encode()
    for console in (ana, ben):
        assert secret not in _everything_written(console)
        assert all(pg.CONSOLE_PASSWORD not in text for text in console.outputs)
    server_side = team_db.sql("SELECT string_agg(t::text, ' ') FROM ops t") + \
        team_db.sql("SELECT string_agg(t::text, ' ') FROM incident_numbers t")
    assert "roll back" in server_side and pg.CONSOLE_PASSWORD not in server_side
    assert secret not in team_db.cluster.log.read_bytes()
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert secret not in file.read_bytes(), file


def test_a_write_says_queued_within_about_a_second_when_the_link_is_silent(team_db, consoles, proxy):
    ana = consoles("ana")
    ana.ok("team", "join", team_db.url(port=proxy.port), "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n")
    ana.ok("declare", "Silent link")
    proxy.stall()
    try:
        done = ana("log", "INC-1", "typed into the void")
        ended = datetime.now(timezone.utc)
    finally:
        proxy.heal()
    assert done.returncode == 0 and "typed into the void" in done.stdout
    assert "queued" in done.stderr and "within 1 s" in done.stderr
    # From the write's commit (its time, printed as the acknowledgement) to the command's end:
    # the network's budget, what was left of the warm-up (on a busy machine), the exit. A stalled
    # link never answers, so without the budget the command would wait as long as the proxy
    # stalls; the bound is loose because a loaded test machine slows the exit, not the budget
    # (how long it takes is the benchmarks' business, not a normal test's).
    committed = datetime.fromisoformat(done.stdout.split()[1].replace("Z", "+00:00"))
    waited = (ended - committed).total_seconds()
    assert after_write.BUDGET <= waited < after_write.BUDGET + after_write.READY_LIMIT + 15
    assert ana.ok("team", "sync").startswith("in step: sent ")


def test_join_with_no_secure_keyring_is_refused_and_stores_nothing(team_db, tmp_path):
    ana = Console(tmp_path / "ana", NO_KEYRING)
    done = ana("team", "join", team_db.url(), "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n")
    _one_line(done, 1, "no secure keyring: found keyring.backends.fail.Keyring")
    assert not ana.team_file.exists()
    assert team_db.sql("SELECT count(*) FROM ops").strip() == "0"


def test_a_passfile_or_a_trusting_server_needs_no_keyring(team_db, tmp_path):
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{pg.CONSOLE}:{pg.CONSOLE_PASSWORD}\n")
    passfile.chmod(0o600)
    ana = Console(tmp_path / "ana", {**NO_KEYRING, "PGPASSFILE": str(passfile)})
    ana.ok("declare", "Passfile")
    assert ana.ok("team", "join", team_db.url()).startswith("joined")
    assert json.loads(ana.team_file.read_text())["keyring"] is None
    ana.ok("log", "INC-1", "through the passfile")
    _one_line(ana("team", "join", team_db.url(pg.TRUSTED)), 2, f"this console is in the team at {team_db.url()}: "
              "incident-console team leave first")
    assert ana.ok("team", "join", team_db.url(), "--name", "Ana B").startswith(f"joined the team at {team_db.url()} as Ana B")
    assert json.loads(ana.team_file.read_text())["name"] == "Ana B"
    ben = Console(tmp_path / "ben", NO_KEYRING)
    assert ben.ok("team", "join", team_db.url(pg.TRUSTED)).startswith("joined")
    assert "through the passfile" in ben.ok("export", "INC-1", "--format", "json")


def test_join_refusals_store_nothing(team_db, consoles, tmp_path):
    ana = consoles("ana")
    _one_line(ana("team", "join", team_db.url(), "--password-stdin", input="wrong\n"), 2,
              "the team server refused the password for console")
    _one_line(ana("team", "join", team_db.url(pg.OWNER), "--password-stdin", input=pg.OWNER_PASSWORD + "\n"), 2,
              "this role may change or delete the team's log")
    _one_line(ana("team", "join", "https://example.org/db"), 2, "expected postgresql://")
    _one_line(ana("team", "join", team_db.url()), 2, "wants a password: run this in a terminal")
    _one_line(ana("team", "join", team_db.url(), "--password-stdin", input=""), 2, "no password on standard input")
    assert not ana.team_file.exists()
    assert ana.keyring_get(team_db.url()) == "None"
    unreachable = team_db.cluster.url(port=pg.free_port(), db=team_db.name)
    _one_line(ana("team", "join", unreachable, "--password-stdin", input="x\n"), 1, "unreachable")
    assert not ana.team_file.exists() and ana.keyring_get(unreachable) == "None"


def test_a_console_refuses_a_newer_server_in_one_line(team_db, consoles):
    ana = consoles("ana")
    ana.ok("team", "join", team_db.url(), "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n")
    newer = schema.known_version() + 1
    team_db.sql(f"UPDATE schema_version SET version = {newer}")
    _one_line(ana("team", "sync"), 1, f"the team server's schema is version {newer}, newer than this console knows")
    done = ana("declare", "Still works locally")
    assert done.returncode == 0 and done.stdout.strip()  # the write itself is never refused
    assert "queued: 1 event will go to the team server" in done.stderr
    assert "newer than this console knows" in ana.json("team", "status", "--json")["problem"]
    other = consoles("other")
    _one_line(other("team", "join", team_db.url(), "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n"), 1,
              "newer than this console knows")
    assert not other.team_file.exists()


def _in_a_terminal(argv, env, answer: str, timeout: float = 60) -> tuple[int, str]:
    """Run the CLI with a terminal of its own (a pty); answer its password prompt with `answer`."""
    import pty
    import select

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBUS_", "PYTHON_KEYRING"))}
    environment.update(env)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI, its terminal the pty
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "console", *argv], environment)
    seen, answered, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed its terminal
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"Password for " in seen:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_the_password_is_asked_once_in_a_terminal_and_not_echoed(team_db, consoles, secret_service):
    ana = consoles("ana")
    env = {**ana.env, "INCIDENT_CONSOLE_HOME": str(ana.home)}
    code, screen = _in_a_terminal(["team", "join", team_db.url(), "--name", "Ana"], env, pg.CONSOLE_PASSWORD)
    assert code == 0, screen
    assert f"Password for {team_db.url()}: " in screen and "joined the team at" in screen
    assert pg.CONSOLE_PASSWORD not in screen  # typed without echo
    assert ana.keyring_get(team_db.url()) == pg.CONSOLE_PASSWORD
    # and never again: the next commands find it in the keyring
    assert ana.ok("team", "sync").startswith("in step: ")
    code, screen = _in_a_terminal(["team", "join", team_db.url(pg.OWNER)], {**env, "INCIDENT_CONSOLE_HOME": str(ana.home) + "-2"},
                                  "wrong")
    assert code == 2 and "refused the password for owner" in screen


READS_START_NO_PUSH = """
import json, sys, threading
from console.cli import main
codes = [main(["list"]), main(["show", "INC-1"]), main(["verify", "INC-1"])]
threads = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())
team = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "psycopg_binary", "jeepney", "secretstorage"))
codes.append(main(["log", "INC-1", "and a write does"]))
pushed = "psycopg" in sys.modules
print(json.dumps({"codes": codes, "threads": threads, "team": team, "pushed": pushed}), file=sys.stderr)
"""


def test_a_command_that_only_reads_starts_no_push(team_db, consoles):
    """A read in team mode starts no helper thread and imports no psycopg nor the keyring's D-Bus
    client: a helper still busy with either as the interpreter shut down crashed the process
    (SIGSEGV after `list --json`, Python 3.12). A write still pushes."""
    ana = consoles("ana")
    ana.ok("team", "join", team_db.url(), "--password-stdin", input=pg.CONSOLE_PASSWORD + "\n")
    ana.ok("declare", "Checkout down")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBUS_", "PYTHON_KEYRING"))}
    done = subprocess.run([sys.executable, "-c", READS_START_NO_PUSH], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**environment, **ana.env, "INCIDENT_CONSOLE_HOME": str(ana.home)})
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"codes": [0, 0, 0, 0], "threads": [], "team": [], "pushed": True}, done.stderr
