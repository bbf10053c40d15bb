"""`export -o` writes only the file asked for: atomically, 0600, through no symlink, onto no
device, FIFO or folder, and leaves nothing behind when it fails (disk full included).

Everything here is real: real symlinks, FIFOs, sockets and device nodes, a real full disk (a
64 KiB tmpfs, when we are root) and a real "file too large" (RLIMIT_FSIZE in a child process).

Decision: a target that is a symbolic link is refused like any other target that is not a
regular file. The user asked for a file; writing through the link would change a file they
did not name, and replacing the link would silently break whatever relies on it.
"""

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console import exports
from console.cli import main
from console.files import write_private
from tests.helpers import assert_refused, full_tmpfs, run, snapshot, without_unsigned_note

ROOT = Path(__file__).resolve().parents[2]
SECRET = "customer card 4111 1111 1111 1111 in the logs"


@pytest.fixture
def incident(capsys, clock, where):
    assert run(capsys, "declare", "Checkout down", "--sev", "2", "--by", "Ana", clock=clock)[0] == 0
    assert run(capsys, "log", "INC-1", SECRET, "--by", "Ana", clock=clock)[0] == 0
    return "INC-1"


@pytest.fixture
def umask_zero():
    old = os.umask(0)
    yield
    os.umask(old)


def export(capsys, clock, target, fmt="json"):
    return run(capsys, "export", "INC-1", "--format", fmt, "-o", str(target), clock=clock)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def check_content(path: Path, fmt: str) -> None:
    data = path.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
    elif fmt == "json":
        assert json.loads(data)["incident"]["title"] == "Checkout down"
    else:
        assert b"Checkout down" in data or b"4111" in data


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_a_symlink_planted_at_the_old_temp_name_is_not_followed(capsys, clock, incident, tmp_path, fmt):
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours")
    victim.chmod(0o644)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"pm.{fmt}"
    planted = folder / f".{target.name}.tmp"  # where the temp file used to be, every time
    planted.symlink_to(victim)
    assert export(capsys, clock, target, fmt)[0] == 0
    assert victim.read_text() == "not yours" and mode(victim) == 0o644
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    check_content(target, fmt)
    assert mode(target) == 0o600 and not target.is_symlink()
    assert sorted(p.name for p in folder.iterdir()) == sorted([target.name, planted.name])


# Every format but the invitation, which needs a meeting booked.
@pytest.mark.parametrize("fmt", [name for name in exports.names() if name != "ics"])
def test_every_export_is_0600_with_umask_0_a_stale_temp_file_and_an_open_target(
        capsys, clock, incident, tmp_path, umask_zero, fmt):
    target = tmp_path / f"pm.{fmt}"
    target.write_text("previous export")
    target.chmod(0o666)
    stale = tmp_path / f".{target.name}.tmp"  # left by an old, killed export
    stale.write_text("stale")
    stale.chmod(0o644)
    assert export(capsys, clock, target, fmt)[0] == 0
    check_content(target, fmt)
    assert mode(target) == 0o600
    assert stale.read_text() == "stale" and mode(stale) == 0o644  # not reused, not ours to remove
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == sorted([target.name, stale.name])


def _device(tmp_path: Path) -> Path:
    """A character device like /dev/null. As root we make our own in tmp_path, so a broken
    export could never replace the system's; without root /dev/null is safe (not writable)."""
    if os.geteuid() != 0:
        return Path(os.devnull)
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here ({exc.strerror}) and will not risk /dev/null")
    return node


def _not_a_file(kind: str, tmp_path: Path) -> tuple[Path, str, object]:
    """The target, the word the refusal uses, and a way to see it afterwards."""
    if kind == "folder":
        path = tmp_path / "pm.out"
        path.mkdir()
        (path / "inside.txt").write_text("keep")
        return path, "is a folder", lambda: path.is_dir() and [p.name for p in path.iterdir()] == ["inside.txt"]
    if kind == "fifo":
        path = tmp_path / "pm.out"
        os.mkfifo(path, 0o644)
        return path, "is a FIFO", lambda: stat.S_ISFIFO(os.lstat(path).st_mode)
    if kind in ("symlink", "dangling symlink"):
        victim = tmp_path / "victim.txt"
        if kind == "symlink":
            victim.write_text("not yours")
        path = tmp_path / "pm.out"
        path.symlink_to(victim)
        return path, "is a symbolic link", lambda: path.is_symlink() and (
            victim.read_text() == "not yours" if kind == "symlink" else not victim.exists())
    if kind == "socket":
        path = tmp_path / "pm.out"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        return path, "is a socket", lambda: stat.S_ISSOCK(os.lstat(path).st_mode) and server.close() is None
    path = _device(tmp_path)
    return path, "is a device", lambda: stat.S_ISCHR(os.lstat(path).st_mode)


@pytest.mark.parametrize("fmt", ["json", "md", "pdf"])
@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink", "dangling symlink", "socket", "device"])
def test_a_target_that_is_not_a_regular_file_is_refused(capsys, clock, where, incident, tmp_path, kind, fmt):
    target, message, unchanged = _not_a_file(kind, tmp_path)
    before = sorted(os.listdir(target.parent))
    assert_refused(capsys, where.db_path, ["export", incident, "--format", fmt, "-o", str(target)],
                   f"{target}: {message}", clock=clock)
    assert unchanged()
    assert sorted(os.listdir(target.parent)) == before  # no temp file either


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_a_missing_folder_or_one_under_a_file_is_refused(capsys, clock, where, incident, tmp_path, fmt):
    missing = tmp_path / "nowhere" / "deeper"
    assert_refused(capsys, where.db_path, ["export", incident, "--format", fmt, "-o", str(missing / "pm.out")],
                   f"{missing}: no such folder", clock=clock)
    assert not (tmp_path / "nowhere").exists()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert_refused(capsys, where.db_path, ["export", incident, "--format", fmt, "-o", str(a_file / "pm.out")],
                   f"{a_file}: not a folder", clock=clock)
    assert a_file.read_text() == "x"


def test_dash_is_standard_output_and_no_file_named_dash(capsys, clock, incident, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "export", incident, "--format", "json", "-o", "-", clock=clock)
    assert code == 0 and without_unsigned_note(err) == ""
    assert json.loads(out)["incident"]["title"] == "Checkout down"
    assert not (tmp_path / "-").exists()


def test_a_pdf_to_dash_is_binary_on_standard_output(capsysbinary, clock, where, tmp_path, monkeypatch):
    assert main(["declare", "Checkout down", "--sev", "2", "--by", "Ana"], clock=clock) == 0
    capsysbinary.readouterr()
    monkeypatch.chdir(tmp_path)
    code = main(["export", "INC-1", "--format", "pdf", "-o", "-"], clock=clock)
    out, err = capsysbinary.readouterr()
    assert code == 0 and without_unsigned_note(err) == b""
    assert out.startswith(b"%PDF-") and out.rstrip().endswith(b"%%EOF")
    assert not (tmp_path / "-").exists()


@pytest.fixture
def full_disk(tmp_path):
    """A real 64 KiB file system with no space left, holding an earlier export."""
    folder = tmp_path / "full"
    with full_tmpfs(folder, "64k", lambda f: (f / "pm.out").write_text("previous export")):
        yield folder


@pytest.mark.parametrize("fmt", ["json", "html", "pdf"])
def test_disk_full_exits_1_with_one_line_and_leaves_no_temp_file(capsys, clock, where, incident, full_disk, fmt):
    target = full_disk / "pm.out"
    before = snapshot(where.db_path)
    code, out, err = export(capsys, clock, target, fmt)
    assert code == 1 and out == ""
    assert err.startswith("incident-console: error: ") and err.count("\n") == 1
    assert str(target) in err and "No space left on device" in err
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "pm.out"]
    assert target.read_text() == "previous export"
    assert snapshot(where.db_path) == before


def test_file_too_large_removes_the_temp_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "pm.json"
    target.write_text("previous export")
    script = (
        "import resource, signal, sys\n"
        "from console.errors import StorageUnavailable\n"
        "from console.files import write_private\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        f"    write_private({str(target)!r}, {SECRET!r} * 1000)\n"
        "except StorageUnavailable as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    assert result.stdout == f"{target}: could not write: File too large\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pm.json"]
    assert target.read_text() == "previous export"


def test_write_private_replaces_a_hard_linked_file_without_touching_the_other_name(tmp_path, umask_zero):
    other = tmp_path / "other.txt"
    other.write_text("shared")
    target = tmp_path / "pm.json"
    os.link(other, target)
    write_private(target, "new")
    assert other.read_text() == "shared" and target.read_text() == "new"
    assert mode(target) == 0o600 and os.stat(target).st_nlink == 1
