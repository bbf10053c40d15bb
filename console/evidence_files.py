"""The evidence log's files: reading what a person hands over, and the kept copies.

Everything here streams (one MiB at a time): a file is hashed as it is copied, and never read
into memory whole, whatever its size. The kept copies live in the evidence folder
(`Paths.evidence_dir`): the folder 0700, each copy 0400, named by its SHA-256, so the same file
added twice (to one incident or two) is one copy.

A copy is written to a temporary name in the folder, synced, made read-only, then renamed to
its hash and the folder synced: a failure at any point leaves no copy under a hash name (the
temporary file is removed) and nothing in the database (console/evidence.py records only
after `keep` returned).

Failures are one line each: what the person handed over (a folder, a FIFO or device, a
missing or unreadable file, a name with a line break) is `InputError`; the evidence folder
(disk full, permissions, a folder that is not ours) is `StorageUnavailable`.
"""

import errno
import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import NamedTuple

from console.errors import InputError, StorageUnavailable
from console.files import sync_folder

CHUNK = 1 << 20  # bytes read at a time
COPY_MODE = 0o400
FOLDER_MODE = 0o700
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)  # a FIFO must not block


class Source(NamedTuple):
    """A file opened for the evidence log: its descriptor, absolute path and base name."""

    fd: int
    path: str
    name: str

    def close(self) -> None:
        os.close(self.fd)


class Kept(NamedTuple):
    """A kept copy: its hash, size and path, and whether this add made it (else it was there)."""

    sha256: str
    size: int
    path: Path
    new: bool
    replaced: bool = False  # a copy under this hash was there, and had changed


def _label(path: str) -> str:
    return f"evidence file {path}"


def check_name(file: str | os.PathLike[str], what: str = "evidence file") -> str:
    """The path as text that can be stored and printed on one line, or InputError."""
    text = os.fsdecode(file)
    if not text:
        raise InputError(f"{what}: the name is empty")
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise InputError(f"{what} {shown}: the name is not valid UTF-8; use a plain name")
    if any(ch < " " or ch == "\x7f" for ch in text):
        shown = text.encode("unicode_escape").decode("ascii")
        raise InputError(f"{what} {shown}: the name holds a line break or control character; use a plain name")
    return text


def open_source(file: str | os.PathLike[str]) -> Source:
    """Open a file a person handed over, for reading: a regular file (a symlink to one is
    followed) or InputError - a folder, a FIFO, a device or socket, a missing or unreadable
    file."""
    text = check_name(file)
    path = os.path.abspath(text)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise _open_error(_label(text), exc) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise StorageUnavailable(f"{_label(text)}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise InputError(f"{_label(text)}: is {what}; only a regular file can be evidence")
    return Source(fd, path, os.path.basename(path))


def _open_error(label: str, exc: OSError) -> Exception:
    reasons = {errno.ENOENT: "no such file", errno.ENOTDIR: "a folder on the way is a file",
               errno.ELOOP: "a symlink loop", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.ENAMETOOLONG: "the name is too long",
               errno.ENXIO: "is a socket or a device with nothing behind it"}
    if exc.errno in reasons:
        return InputError(f"{label}: {reasons[exc.errno]}")
    return StorageUnavailable(f"{label}: cannot be opened ({exc.strerror or exc})")


def private_folder(folder: Path) -> Path:
    """The evidence folder, made if missing, 0700. One that others could read is tightened; a
    symlink, or a folder that belongs to someone else, is refused (StorageUnavailable)."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        from console.paths import ensure_private_dir

        return ensure_private_dir(folder)
    except OSError as exc:
        raise StorageUnavailable(f"evidence folder {folder}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise StorageUnavailable(f"evidence folder {folder}: not a folder of its own (a symlink or a file); "
                                 "move it aside")
    if info.st_uid != os.geteuid():
        raise StorageUnavailable(f"evidence folder {folder}: belongs to another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
        try:
            os.chmod(folder, FOLDER_MODE)
        except OSError as exc:
            raise StorageUnavailable(f"evidence folder {folder}: cannot be made private "
                                     f"({exc.strerror or exc})") from None
    return folder


def _pour(read, fd_out: int) -> tuple[str, int]:
    """Write everything `read()` gives, chunk by chunk, to `fd_out`, hashing it on the way; then
    sync it and make it read-only. (SHA-256, size)."""
    digest, size = hashlib.sha256(), 0
    while chunk := read():
        digest.update(chunk)
        size += len(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd_out, view):]
    os.fsync(fd_out)
    os.fchmod(fd_out, COPY_MODE)
    return digest.hexdigest(), size


def keep(source: Source, folder: Path) -> Kept:
    """Copy `source` into the evidence folder, hashing it on the way; the kept copy."""
    folder = private_folder(folder)
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    except OSError as exc:
        raise StorageUnavailable(f"evidence folder {folder}: cannot write ({exc.strerror or exc})") from None
    def read() -> bytes:
        try:
            return os.read(source.fd, CHUNK)
        except OSError as exc:
            raise InputError(f"{_label(source.path)}: cannot be read ({exc.strerror or exc})") from None

    try:
        try:
            sha, size = _pour(read, fd)
        finally:
            os.close(fd)
        target = folder / sha
        if _holds(target, sha):
            os.unlink(temporary)
            return Kept(sha, size, target, False)
        replaced = os.path.lexists(target)
        if replaced:  # a kept copy under this name changed: the fresh one replaces it, and says so
            os.chmod(target, 0o600)
        os.replace(temporary, target)
        sync_folder(folder)
        return Kept(sha, size, target, True, replaced)
    except InputError:
        _remove(temporary)
        raise
    except OSError as exc:
        _remove(temporary)
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise StorageUnavailable(f"evidence folder {folder}: {reason}; nothing was kept") from None
    except BaseException:
        _remove(temporary)
        raise


def _holds(target: Path, sha: str) -> bool:
    try:
        return hash_file(target)[0] == sha
    except OSError:
        return False


def discard(kept: Kept) -> None:
    """Remove a copy this add made, when its record could not be written."""
    if kept.new:
        _remove(str(kept.path))


def _remove(path: str) -> None:
    try:
        os.chmod(path, 0o600)
        os.unlink(path)
    except OSError:
        pass


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(SHA-256, size) of a regular file, streamed; OSError if it cannot be read, InputError if
    it is not a regular file (a FIFO now stands at an original's path, say)."""
    fd = os.open(path, _READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path}: not a regular file")
        digest, size = hashlib.sha256(), 0
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size
    finally:
        os.close(fd)


def copy_out(source: Path, target: Path, sha: str) -> None:
    """Copy a kept copy to `target` (a new file, 0400), checking on the way that its bytes
    still hash to `sha`; StorageUnavailable if not (the new file is removed)."""
    fd_in = os.open(source, _READ_FLAGS)
    try:
        fd_out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except BaseException:
        os.close(fd_in)
        raise
    try:
        poured, _ = _pour(lambda: os.read(fd_in, CHUNK), fd_out)
    finally:
        os.close(fd_in)
        os.close(fd_out)
    if poured != sha:
        _remove(str(target))
        raise StorageUnavailable(f"the kept copy {source.name[:12]}… has changed since it was added "
                                 "(incident-console evidence verify); nothing was exported")


def write_new(target: Path, data: bytes) -> None:
    """A new file holding `data`, 0400, synced."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.fchmod(fd, COPY_MODE)
    finally:
        os.close(fd)


def size_text(size: int) -> str:
    """A size as people read it: 812 bytes, 12.3 kB, 4.1 MB (powers of 1000)."""
    if size < 1000:
        return f"{size} byte" + ("" if size == 1 else "s")
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
