"""Small helpers shared by the tests."""

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
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


@contextlib.contextmanager
def full_tmpfs(folder: Path, size: str, before_filling=None) -> Iterator[Path]:
    """A real, tiny file system mounted at `folder` and filled to the last byte, for disk-full
    tests (root mounts it; the test is skipped where it cannot). `before_filling(folder)` puts
    what the test needs there first. Yields the filler file; unmounted afterwards."""
    import pytest

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        if before_filling is not None:
            before_filling(folder)
        filler = folder / "filler"
        fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            for chunk in (65536, 4096, 512, 1):  # to the last byte
                try:
                    while os.write(fd, b"\0" * chunk):
                        pass
                except OSError as exc:
                    assert exc.strerror == "No space left on device"
        finally:
            os.close(fd)
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


UNSIGNED = "incident-console: note: the record chain's head is not signed: "


def without_unsigned_note(err: str | bytes) -> str | bytes:
    """What an export said on stderr besides its one-line note that the record chain's head is
    not signed (no secure keyring here, as in the test runs; console/chain_seal.py)."""
    text = err.decode() if isinstance(err, bytes) else err
    lines = text.splitlines(keepends=True)
    assert sum(line.startswith(UNSIGNED) for line in lines) <= 1, text
    kept = "".join(line for line in lines if not line.startswith(UNSIGNED))
    return kept.encode() if isinstance(err, bytes) else kept
