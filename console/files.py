"""Writing a file the user asked for: atomically, privately, and only that file.

Every export (CLI `export -o`, the board's "export everything", the metrics window) goes
through `write_private`. The data is written to a temporary file next to the target and
moved over it in one `rename`, so a reader sees the old file or the new one, never half of
one, and a failure leaves the folder as it was:

- the temporary file is created exclusively (`O_CREAT | O_EXCL`), never through a symlink
  (`O_NOFOLLOW`), readable only by its owner (0600 whatever the umask), under a name nobody
  can guess in advance, in the target's own folder (a rename never crosses file systems);
- the target must be a regular file or not exist yet. A directory, FIFO, socket, device or
  symbolic link is refused: the user asked for a file, and replacing `/dev/full` or the
  file a link points to is never what they meant;
- on any failure - disk full, quota, read-only, interrupted - the temporary file is removed
  and nothing else was touched;
- the result is 0600, also when it replaces an existing, more open file.

Bad input (the folder is missing, the target is not a file) is an `InputError`; the
environment stopping us (no space, no permission, read-only) is `StorageUnavailable`. Each
carries one line naming the path.
"""

import errno
import os
import stat
from pathlib import Path

from console.errors import InputError, StorageUnavailable

_KINDS = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
)
_ATTEMPTS = 16  # fresh random names tried before giving up (each collision is 1 in 2**64)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_target(target: Path) -> None:
    """Refuse (InputError) a target that is not a regular file or whose folder is missing."""
    folder = target.parent
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise InputError(f"{folder}: not a folder") from None
    except OSError as exc:
        raise StorageUnavailable(f"{target}: cannot check it: {_reason(exc)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError(f"{target}: is {_kind(info.st_mode)}; an export is written only to a regular file")
    if info is None and not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise InputError(f"{folder}: {what}")


def sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename or removal in it survives a power cut (where the file
    system lets a folder be synced: some refuse, and then the rename is all there is)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return  # a folder we may write but not read: the rename itself is done
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _create_temp(target: Path) -> tuple[Path, int]:
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(_ATTEMPTS):
        # os.urandom, as secrets.token_hex: secrets imports hashlib, which loads OpenSSL (~5 ms)
        temp = target.with_name(f".{target.name[:100]}.{os.urandom(8).hex()}.tmp")
        try:
            return temp, os.open(temp, flags, 0o600)
        except FileExistsError:
            continue  # something (planted or stale) is there: never reuse it, take another name
    raise StorageUnavailable(f"{target.parent}: could not create a private temporary file")


def write_private(target: Path | str, data: str | bytes) -> None:
    """Write `data` (str as UTF-8) to `target` atomically, mode 0600; see the module doc."""
    target = Path(target)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    check_target(target)
    try:
        temp, fd = _create_temp(target)
    except PermissionError as exc:
        raise StorageUnavailable(f"{target.parent}: cannot write here: {_reason(exc)}") from None
    except OSError as exc:
        raise StorageUnavailable(f"{target}: could not write: {_reason(exc)}") from None
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask said
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        check_target(target)  # still a regular file or nothing, just before it is replaced
        os.replace(temp, target)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise StorageUnavailable(f"{target}: could not write: {_reason(exc)}") from None
        raise
    try:
        sync_folder(target.parent)
    except OSError as exc:
        raise StorageUnavailable(f"{target}: written, but the folder could not be synced: {_reason(exc)}") from None
