"""The cache folder (`Paths.cache_dir`): private files holding what can always be made again
(the validated process, the installed entry points), each under a key that says what it was
made from.

A file is read only if it is a regular file, ours, private (no group or other bits) and not
too big; anything else - missing, unreadable, not JSON, under another key - is a miss, and the
caller makes the value again and `put`s it: atomically (a reader sees the old file or the new
one), 0600, in a 0700 folder. A folder or a symlink standing where the file goes is left alone
(every run then misses). JSON, not pickle: reading a cache builds nothing but plain data.
"""

import json
import os
import stat
from pathlib import Path
from typing import Any

from console import paths
from console.errors import ConsoleError

MAX_BYTES = 8 * 1024 * 1024  # the largest value kept, the process at its overrides' limits, is ~2 MB


def get(path: Path, key: str) -> Any:
    """The value kept at `path` under `key`, or None (a miss)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or info.st_size > MAX_BYTES
                or (hasattr(os, "geteuid") and info.st_uid != os.geteuid())):
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, MAX_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                return None
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        stored = json.loads(b"".join(chunks))
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("value")


def put(path: Path, key: str, value: Any) -> None:
    """Keep `value` (plain JSON data) at `path` under `key`; a cache that cannot be written
    costs only time."""
    from console.files import write_private

    try:
        # ASCII: a value may hold a folder's name, which may hold any bytes.
        text = json.dumps({"key": key, "value": value}, separators=(",", ":"))
    except (TypeError, ValueError):  # not plain JSON data: never kept
        return
    try:
        paths.ensure_private_dir(path.parent)
        write_private(path, text)
    except ConsoleError:
        pass
