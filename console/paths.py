"""Every path the console uses, in one place.

The platform's conventions come from platformdirs. One override moves all of them at once:
`--home DIR` on the command line or the `INCIDENT_CONSOLE_HOME` environment variable. Tests
always set it, so no test ever touches the real home directory.

A home that cannot be one is refused in one line before anything is written (`check_home`):
a file, a folder under a file, or a symlink loop is bad input (`InputError`, the CLI's exit
2: name another folder); a folder we may not read or write is the environment
(`StorageUnavailable`, exit 1). Every folder the console creates, the home and any missing
folder above it included, is created 0700 whatever the umask.
"""

import errno
import os
import stat
from typing import NamedTuple
from pathlib import Path

from console.errors import InputError, StorageUnavailable

APP_NAME = "incident-console"
HOME_ENV = "INCIDENT_CONSOLE_HOME"
DB_NAME = "incidents.sqlite3"


class Paths(NamedTuple):
    """Where the console keeps its data, configuration and logs."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path  # what can be made again from the rest (the validated process): never backed up
    home: Path | None = None  # the override's folder, if one was given

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def exports_dir(self) -> Path:
        """Where the window writes exports it makes without asking (metrics CSV and PNG)."""
        return self.data_dir / "exports"

    @property
    def process_dir(self) -> Path:
        """An organisation's overrides of the default process definition."""
        return self.config_dir / "process"

    @property
    def backup_dir(self) -> Path:
        """Verified backups of the database (console/backups.py), 0700."""
        return self.data_dir / "backups"

    @property
    def damaged_dir(self) -> Path:
        """Next to the backups: what was kept of a damaged database (its file and its WAL)."""
        return self.data_dir / "damaged"

    @property
    def evidence_dir(self) -> Path:
        """The evidence log's kept copies (console/evidence_files.py): 0700, each file 0400,
        named by its SHA-256. Local to this install: a team shares the record, not the bytes."""
        return self.data_dir / "evidence"


def shipped(package: str) -> Path:
    """The folder of a package of files shipped with the console (`data`, `resources`).

    Read straight from disk: the console is installed as files (a wheel, or a checkout), never
    run from a zip, and importlib.resources costs every command ~20 ms of imports (tempfile,
    zipfile) before it reads a byte.
    """
    import data
    import resources

    return Path({"data": data, "resources": resources}[package].__file__).parent


def handbook_pages() -> list[tuple[str, Path]]:
    """(page id, file) of every handbook page: the Markdown files under `resources/handbook/`,
    each named by its path there without `.md` (`before/severity_levels`), sorted."""
    def walk(folder: Path, prefix: str) -> list[tuple[str, Path]]:
        found = []
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                found.extend(walk(entry, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".md"):
                found.append((prefix + entry.name[:-3], entry))
        return found

    return walk(shipped("resources") / "handbook", "")


def resolve(home: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Paths:
    """Work out the paths: an explicit home, else the environment override, else the platform's."""
    env = os.environ if environ is None else environ
    chosen = home if home is not None else env.get(HOME_ENV) or None
    if chosen is not None:
        base = _absolute(chosen)
        return Paths(base / "data", base / "config", base / "logs", base / "cache", home=base)
    import platformdirs  # imported here: only needed when no override is given

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    data = dirs.user_data_path
    return Paths(data, dirs.user_config_path, dirs.user_log_path, dirs.user_cache_path)


def _absolute(chosen: str | os.PathLike[str]) -> Path:
    """The home folder as an absolute path with its symlinks resolved, or InputError."""
    if not os.fspath(chosen):
        raise InputError("home folder: the name is empty")
    try:
        return Path(chosen).expanduser().resolve()
    except RuntimeError as exc:  # a symlink loop (Python < 3.13), or `~nobody`
        loop = "loop" in str(exc).lower()
        raise InputError(f"home folder {os.fsdecode(chosen)}: "
                         + ("a symlink loop" if loop else f"cannot be worked out ({exc})")) from None
    except OSError as exc:
        raise InputError(f"home folder {os.fsdecode(chosen)}: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def check_home(where: Paths) -> None:
    """Refuse, in one line, a home folder that cannot be used; changes nothing.

    Checked from the root down: every folder that exists on the way must be a folder; the last
    one that exists must let us in and write (to create what is missing below it).
    """
    if where.home is None:
        return
    home = where.home
    label = f"home folder {home}"
    existing = None
    for folder in (*reversed(home.parents), home):
        try:
            mode = os.stat(folder).st_mode
        except FileNotFoundError:
            break
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(f"{label}: {folder} is a symlink loop") from None
            raise StorageUnavailable(f"{label}: {folder}: {_reason(exc)}") from None
        if not stat.S_ISDIR(mode):
            subject = "it" if folder == home else str(folder)
            kind = "a file, not a folder" if stat.S_ISREG(mode) else "not a folder"
            raise InputError(f"{label}: {subject} is {kind}")
        existing = folder
    needs = os.W_OK | os.X_OK | (os.R_OK if existing == home else 0)
    if existing is not None and not os.access(existing, needs):
        raise StorageUnavailable(f"{label}: permission denied at {existing}")


def _make_private(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:  # a umask that took the owner's bits
        folder.chmod(0o700)


def ensure_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create a folder only its owner can enter (incident data is sensitive) and return it.

    Missing folders above it are created 0700 too (the home folder among them); a problem is
    `StorageUnavailable`, in one line naming the folder. An existing folder that others may
    enter is made private too, unless `tighten` is false: a folder that is not the console's
    own (where a person keeps a backup, /tmp) is never changed.
    """
    try:
        missing = []
        folder = path
        while not folder.is_dir():
            missing.append(folder)
            if folder.parent == folder:
                break
            folder = folder.parent
        for folder in reversed(missing):
            _make_private(folder)
        if tighten and path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        blocker = next((p for p in (path, *path.parents) if _not_a_folder(p)), None)
        reason = f"{blocker} is not a folder" if blocker is not None else _reason(exc)
        raise StorageUnavailable(f"{path}: cannot create this folder: {reason}") from None
    return path


def _not_a_folder(path: Path) -> bool:
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


# The largest file a person may hand the console to read (a post-mortem is at most 200,000
# characters, 4 bytes each at worst): more is a mistake, not a document, and is refused
# before it is read into memory.
MAX_READ_BYTES = 1_000_000


def read_text(path: str | os.PathLike[str], what: str, *, max_bytes: int = MAX_READ_BYTES) -> str:
    """The UTF-8 text of a file a person named (`what` says which), or one line saying why not.

    The one way the console reads a file it was given: a missing file, a folder, a device or
    FIFO (which could block forever), a file too big, unreadable, or not UTF-8 is an
    `InputError` naming `what`, the path and the problem; a failing disk is
    `StorageUnavailable`. A leading BOM is dropped.
    """
    name = os.fsdecode(path)
    label = f"{what} {name}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _read_error(label, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{label}: is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(f"{label}: not a regular file")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise _read_error(label, exc) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(f"{label}: too big (more than {max_bytes:,} bytes)")
    return decode_utf8(data, label)


def decode_utf8(data: bytes, label: str) -> str:
    """`data` as text, or InputError naming `label` and the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{label}: not valid UTF-8 (line {line}, byte {exc.start + 1})") from None


def _read_error(label: str, exc: OSError) -> Exception:
    reasons = {
        errno.ENOENT: "no such file",
        errno.EISDIR: "is a folder, not a file",
        errno.ENOTDIR: "a folder on the way is a file",
        errno.ELOOP: "a symlink loop",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENAMETOOLONG: "the name is too long",
    }
    if exc.errno in reasons:
        return InputError(f"{label}: {reasons[exc.errno]}")
    return StorageUnavailable(f"{label}: cannot be read ({exc.strerror or exc})")
