"""Small helpers shared by the command-line tests."""

import sqlite3
from pathlib import Path

from console.cli import main

ALL_TABLES = ("incidents", "role_assignments", "entries", "tasks", "task_extensions", "checks", "updates",
              "entry_revisions", "entry_retractions", "pins")


def run(capsys, *argv, clock=None):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    code = main(list(argv), clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(db_path: Path, tables=ALL_TABLES) -> list:
    """Every row of the tables, to prove a failed command changed nothing."""
    conn = sqlite3.connect(db_path)
    try:
        return [(t, conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()) for t in tables]
    finally:
        conn.close()


def assert_refused(capsys, db_path: Path, argv, message: str, clock=None) -> None:
    """A bad command: one line on stderr naming `message`, exit 2, nothing on stdout, no row
    changed in any table."""
    before = snapshot(db_path)
    try:
        code, out, err = run(capsys, *argv, clock=clock)
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
        out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1
    assert err.startswith("incident-console")
    assert snapshot(db_path) == before
