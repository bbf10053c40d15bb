"""Which team server this console belongs to: `team.json` in the config folder.

The file says where the server is (its URL without any password), who sits here, and whether a
password for it is kept in the OS keyring (console/secrets.py) under `secret_name`. It is
written whole to a temporary file and renamed over the old one, mode 0600. No file: solo, and
nothing of team mode runs. This module imports nothing but the standard library, since every
CLI write asks `joined` after its commit.
"""

import json
import os
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from console import paths
from console.errors import InputError, StorageUnavailable

FILE = "team.json"
SCHEMES = ("postgresql", "postgres")


class TeamConfig(NamedTuple):
    url: str  # never with a password in it
    name: str  # who sits at this console, the default author of what is written here
    joined_at: str  # ISO 8601, UTC
    keyring: str | None  # the keyring (secrets.check()) holding its password, under secret_name(); None: no password


def path(where: paths.Paths) -> Path:
    return where.config_dir / FILE


def joined(where: paths.Paths) -> bool:
    """Whether this console belongs to a team (one stat; imports nothing)."""
    return path(where).exists()


def load(where: paths.Paths) -> TeamConfig | None:
    """The team this console belongs to, or None (solo). A spoiled file is refused in one line."""
    file = path(where)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageUnavailable(f"{file}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = json.loads(text)
        config = TeamConfig(str(data["url"]), str(data["name"]), str(data["joined_at"]),
                            str(data["keyring"]) if data["keyring"] else None)
    except (ValueError, KeyError, TypeError):
        raise StorageUnavailable(f"{file}: not a team file this console wrote (leave the team and join "
                                 "again: incident-console team leave)") from None
    if split_url(config.url)[1] is not None:
        raise StorageUnavailable(f"{file}: holds a password; remove the file and join again")
    return config


def member_name(where: paths.Paths) -> str | None:
    """The name given at `team join`, or None (solo, or a file that cannot be read: the command
    still runs, and says what is wrong with the file when it pushes)."""
    if not joined(where):
        return None
    try:
        team = load(where)
    except StorageUnavailable:
        return None
    return team.name if team is not None else None


def save(where: paths.Paths, config: TeamConfig) -> Path:
    """Write `team.json`, 0600, atomically (a crash leaves the old file or the new one)."""
    if split_url(config.url)[1] is not None:  # pragma: no cover - callers pass a public URL
        raise ValueError("a team URL with a password is never stored")
    folder = paths.ensure_private_dir(where.config_dir)
    file = folder / FILE
    temp = folder / f".{FILE}.{os.getpid()}.tmp"
    data = json.dumps(config._asdict(), ensure_ascii=False, indent=2) + "\n"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, file)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageUnavailable(f"{file}: cannot be written ({exc.strerror or exc})") from None
    return file


def remove(where: paths.Paths) -> bool:
    try:
        path(where).unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageUnavailable(f"{path(where)}: cannot be removed ({exc.strerror or exc})") from None
    return True


def split_url(text: str) -> tuple[str, str | None]:
    """A team server's URL without its password, and the password it held (None if none).

    Only `postgresql://` (or `postgres://`) URLs; the password may be in the user part
    (`user:secret@host`) or a `password=` parameter. Everything else is kept as typed
    (`sslmode=verify-full&sslrootcert=/etc/ca.pem` pass through to libpq).
    """
    text = text.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InputError(f"team server URL: {exc}") from None
    if parts.scheme not in SCHEMES or not text.startswith(f"{parts.scheme}://"):
        raise InputError("team server URL: expected postgresql://USER@HOST[:PORT]/DATABASE")
    password = None
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        user, colon, secret = userinfo.partition(":")
        if colon:
            password = unquote(secret)
        netloc = f"{user}@{hostport}" if user else hostport
    kept = []
    for item in parts.query.split("&") if parts.query else ():
        key, _, value = item.partition("=")
        if unquote(key) == "password":
            password = unquote(value.replace("+", " "))
        else:
            kept.append(item)
    try:
        parts.port  # a port that is not a number (or out of range) is refused here
    except ValueError as exc:
        raise InputError(f"team server URL: {exc}") from None
    query = "&".join(kept)
    # Built by hand: urlunsplit drops the "//" of an empty host (postgresql:///db, the socket).
    public = f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "") + \
        (f"#{parts.fragment}" if parts.fragment else "")
    return public, password


def secret_name(where: paths.Paths, url: str) -> str:
    """The keyring entry of this console's password for `url`: one per server and home, so two
    homes on one account (two test consoles, or a drill home) never share or delete each
    other's."""
    return f"team {url} for {where.config_dir}"
