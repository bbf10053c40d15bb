"""The command line: the same operations as the window, one clear line per mistake."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console import cli
from console.cli import main
from tests.helpers import assert_refused, run

ROOT = Path(__file__).resolve().parents[2]




def test_a_whole_incident_from_the_command_line(capsys, where, clock, tmp_path):
    code, out, _ = run(capsys, "declare", "Checkout down", "--sev", "1", "--started",
                       "2026-03-29T13:50:00Z", "--by", "Ana", clock=clock)
    assert (code, out) == (0, "INC-1\n")
    clock.advance(minutes=2)
    code, out, _ = run(capsys, "log", "INC-1", "db-2 lagging", "--kind", "finding", "--by", "Ben",
                       "--at", "2026-03-29T14:01:30Z", clock=clock)
    assert code == 0
    assert out == "INC-1 2026-03-29T14:01:30.000Z [finding] Ben: db-2 lagging\n"
    assert run(capsys, "role", "INC-1", "ic", "Ana", clock=clock)[0] == 0
    assert run(capsys, "role", "INC-1", "il", "Cy", clock=clock)[0] == 0
    assert run(capsys, "sev", "inc-1", "2", clock=clock)[0] == 0
    clock.advance(minutes=10)
    code, out, _ = run(capsys, "status", "1", "mitigated", clock=clock)
    assert (code, out.split("[")[1]) == (0, "status] Tester: Status active -> mitigated\n")
    code, out, _ = run(capsys, "list", clock=clock)
    assert out.split() == ["INC-1", "SEV-2", "mitigated", "2026-03-29T14:00:00.000Z", "Checkout", "down"]
    code, out, _ = run(capsys, "list", "--json", clock=clock)
    assert json.loads(out)[0]["started_at"] == "2026-03-29T13:50:00.000Z"
    target = tmp_path / "inc1.json"
    assert run(capsys, "export", "INC-1", "--format", "json", "-o", str(target), clock=clock)[0] == 0
    document = json.loads(target.read_text())
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [r["role"] for r in document["roles"]] == ["ic", "internal_liaison"]
    assert document["metrics"]["time_to_mitigate_from_start"] == 22 * 60


BAD_COMMANDS = [
    (["log", "INC-9", "hello"], "no incident INC-9"),
    (["log", "INC-x", "hello"], "bad incident reference"),
    (["log", "INC-1", "hello", "--at", "7pm"], "bad time"),
    (["log", "INC-1", "hello", "--at", "2026-03-29T13:00"], "add an offset"),
    (["log", "INC-1", "hello", "--kind", "gossip"], "bad entry kind"),
    (["log", "INC-1", "   "], "nothing to record"),
    (["log", "INC-1", "   ", "--kind", "note"], "entry text is empty"),
    (["sev", "INC-1", "9"], "bad severity"),
    (["sev", "INC-1", "2"], "already SEV-2"),
    (["status", "INC-1", "done"], "bad status"),
    (["status", "INC-1", "active"], "already active"),
    (["role", "INC-1", "boss", "Ana"], "bad role"),
    (["role", "INC-1", "ic", "Ana", "--at", "99:99"], "bad time"),
    (["declare", "Another", "--sev", "0"], "bad severity"),
    (["declare", "Another", "--at", "tomorrow"], "bad time"),
    (["declare", ""], "title is empty"),
    (["export", "INC-2", "--format", "json"], "no incident INC-2"),
    (["export", "INC-1"], "the following arguments are required: --format"),
    (["log", "INC-1"], "the following arguments are required: text"),
]


@pytest.mark.parametrize("argv, message", BAD_COMMANDS)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(capsys, where, clock, argv, message):
    assert run(capsys, "declare", "Checkout down", "--sev", "2", clock=clock)[0] == 0
    assert_refused(capsys, where.db_path, argv, message, clock=clock)


@pytest.mark.parametrize("argv", [["frobnicate"], ["export", "INC-1", "--format", "docx"]])
def test_usage_errors_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and err.count("\n") == 1


def test_the_installed_command_runs_headless_and_uses_home(tmp_path):
    home = tmp_path / "elsewhere"
    env = {"PATH": "/usr/bin:/bin", "INCIDENT_CONSOLE_NAME": "Ana"}
    declare = subprocess.run(
        [sys.executable, "-m", "console", "--home", str(home), "declare", "From a script"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    assert (declare.returncode, declare.stdout) == (0, "INC-1\n"), declare.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "console", "log", "INC-1", "x", "--home", str(home), "--at", "noon"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("incident-console: error: bad time 'noon'")
    assert (home / "data" / "incidents.sqlite3").exists()


def test_a_newer_database_is_an_environment_error(capsys, where, clock):
    assert run(capsys, "declare", "x", clock=clock)[0] == 0
    conn = sqlite3.connect(where.db_path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('incident_console', '9999_future', 'later')")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "log", "INC-1", "hello", clock=clock)
    assert code == 1 and "newer Incident Console" in err


def test_upgrading_an_earlier_versions_file_is_said_once_on_stderr(capsys, where, clock):
    """A large file takes seconds to upgrade: the command says why it is slow, on stderr (its
    output stays what scripts read), once; a new file and an up-to-date one say nothing."""
    from console.migrations import MIGRATION_NAMES
    from tests.core.earlier_schema import migrated_before

    code, out, err = run(capsys, "declare", "New file", clock=clock)
    assert (code, err) == (0, "")
    where.db_path.unlink()
    for suffix in ("-wal", "-shm"):
        where.db_path.with_name(where.db_path.name + suffix).unlink(missing_ok=True)
    conn = migrated_before(where.db_path, MIGRATION_NAMES[-2])
    conn.execute("INSERT INTO incidents (title, started_at, declared_at, uid) "
                 "VALUES ('Old one', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', 'old1')")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "log", "INC-1", "after the upgrade", "--by", "Ana", clock=clock)
    assert code == 0 and out.endswith("Ana: after the upgrade\n")
    assert err == (f"incident-console: upgrading {where.db_path} from an earlier version "
                   "(2 schema changes); this is done once\n")
    code, out, err = run(capsys, "log", "INC-1", "and again", "--by", "Ana", clock=clock)
    assert (code, err) == (0, "")


# What validating the process needs (PyYAML, RE2, the handbook's pages) and what only other
# commands need (Markdown, the post-mortem, the export formats): never imported to record one
# line once the process cache is warm (console/process.py).
OFF_THE_WRITE_PATH = ("yaml", "re2", "markdown_it", "console.handbook", "console.lint", "console.postmortem",
                      "console.exports", "console.evidence", "console.evidence_files", "console.evidence_export",
                      # OpenSSL (the record chain hashes with Python's own SHA-256), the login's
                      # lookup (the seat is named), the nouns none of these four touch, what only
                      # validating the process needs, and the subcommands' own modules (below).
                      "hashlib", "_hashlib", "getpass", "console.sync", "console.past_rows", "console.search",
                      "console.followups", "console.postmortem_record", "console.drafts", "console.checklist",
                      "console.entry_history", "console.drills", "console.people", "console.subteams",
                      "console.blame", "console.scenarios")
WRITES = {
    "log": ["log", "INC-1", "replica lag back under 1 s"],
    "sev": ["sev", "INC-1", "3"],
    "role": ["role", "INC-1", "sme", "Dee Patel"],
    "task": ["task", "INC-1", "Ana Lima", "10", "check the replicas"],
}


@pytest.mark.parametrize("command", WRITES)
def test_recording_a_line_imports_nothing_it_does_not_need(tmp_path, command):
    home = str(tmp_path / "home")
    # Each subcommand module (console/cli.py's table) is off the path too; and nothing compiles
    # an expression (a string annotation in a NamedTuple does: the first compile() of a process
    # builds Python's AST types, ~3 ms).
    off = OFF_THE_WRITE_PATH + tuple(module.__name__ for module in cli._command_modules())
    script = ("import builtins, sys; compiled = []; plain = builtins.compile; "
              "builtins.compile = lambda source, name, mode, *a, **k: "
              "(compiled.append(source) if mode == 'eval' else None, plain(source, name, mode, *a, **k))[1]; "
              "from console.cli import main; code = main(sys.argv[1:]); "
              f"print(code, [m for m in {off!r} if m in sys.modules] + compiled, file=sys.stderr)")

    def console(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, "--home", home, *argv], cwd=ROOT,
                              capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "INCIDENT_CONSOLE_NAME": "Ana"})

    assert console("declare", "Checkout down", "--sev", "2").stderr.startswith("0 ")
    assert console("log", "INC-1", "the first line validates the process").stderr.startswith("0 ")
    done = console(*WRITES[command])
    assert done.stderr == "0 []\n", done.stderr
    assert done.stdout.startswith("T1\n" if command == "task" else "INC-1 ")


def test_a_command_run_in_process_leaves_the_cycle_collector_as_it_found_it(capsys, where, clock):
    """main() pauses the collector for a command; called with argv (in-process, as here) it
    puts it back as it was, whether the command succeeds or is refused."""
    import gc

    assert gc.isenabled()
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    assert gc.isenabled()
    assert run(capsys, "log", "INC-9", "no such incident", clock=clock)[0] != 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert run(capsys, "log", "INC-1", "a note", clock=clock)[0] == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
