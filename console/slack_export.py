"""Reading a Slack workspace export (a .zip, or the folder it unpacks to), without trusting it.

    export = SlackExport.open(path)        # InputError when it is not a readable export
    export.users                          # Slack user id -> SlackUser (users.json, org_users.json)
    export.channel("inc-checkout")        # SlackChannel (channels.json, groups.json), by name or id
    export.messages(channel)              # the channel's messages, each checked, sorted by ts

An export holds `users.json`, `channels.json` (and `groups.json` for private channels when the
workspace exported them) and one folder per channel with a `YYYY-MM-DD.json` array of messages
per day. The day files' names are ignored (which zone decides a day is not documented): every
message of the channel's folder is read and sorted by its `ts`.

Nothing is extracted: a zip's members are read in memory, each up to MAX_FILE_BYTES and all of
them up to MAX_TOTAL_BYTES, counted as they are inflated (a member's declared size can lie). A
member whose name is absolute, has `..` or a backslash, or comes twice, refuses the whole
export; so does a folder export's file that resolves outside the folder. Bad JSON, a value of
the wrong type, a `ts` that is not a Slack timestamp, a missing users.json: one InputError
naming the export and the file (and the message), and nothing has been written.
"""

import json
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from console import paths
from console.errors import InputError

MAX_FILE_BYTES = 50_000_000  # one JSON file of the export
MAX_TOTAL_BYTES = 500_000_000  # everything read from one export
MAX_MEMBERS = 200_000  # names in a zip
MAX_MESSAGES = 1_000_000  # in one channel
_TS = re.compile(r"[0-9]{1,10}\.[0-9]{1,6}", re.ASCII)
_DAY_FILE = re.compile(r"[^/]+\.json", re.ASCII)
_CHANNEL_NAME = re.compile(r"[^/\\\x00]{1,200}")


class SlackUser(NamedTuple):
    id: str
    name: str | None  # the user name (`name`)
    real_name: str | None
    display_name: str | None
    email: str | None
    bot: bool


class SlackChannel(NamedTuple):
    id: str
    name: str


class SlackFile(NamedTuple):
    name: str
    link: str | None


class Message(NamedTuple):
    ts: str
    user: str | None
    text: str
    subtype: str | None
    thread_ts: str | None
    hidden: bool
    bot: bool
    files: tuple[SlackFile, ...]
    profile_name: str | None  # the author's name as the message carries it (user_profile)


def _str(value: Any, where: str, field: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: {field} is not text")
    return value


class SlackExport:
    """An opened export: its users and channels read and checked; messages read on demand."""

    def __init__(self, label: str, reader: "_Reader") -> None:
        self.label = label
        self._reader = reader
        try:
            self.users = self._users()
            self.channels = self._channels()
        except BaseException:
            reader.close()
            raise

    def __enter__(self) -> "SlackExport":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "SlackExport":
        label = os.fsdecode(path)
        try:
            info = os.stat(path)
        except OSError as exc:
            raise InputError(f"Slack export {label}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(info.st_mode):
            return cls(label, _FolderReader(Path(path), label))
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"Slack export {label}: not a regular file or folder")
        return cls(label, _ZipReader(Path(path), label))

    # -- users and channels -------------------------------------------------------------------

    def _users(self) -> dict[str, SlackUser]:
        name = next((n for n in ("users.json", "org_users.json") if self._reader.has(n)), None)
        if name is None:
            raise InputError(f"Slack export {self.label}: no users.json (is it a Slack workspace export?)")
        where = f"{self.label}: {name}"
        data = self._reader.json(name)
        if not isinstance(data, list):
            raise InputError(f"{where}: not a list of users")
        users = {}
        for number, user in enumerate(data, start=1):
            at = f"{where}: user {number}"
            if not isinstance(user, dict):
                raise InputError(f"{at}: not an object")
            uid = _str(user.get("id"), at, "id", optional=False)
            profile = user.get("profile") or {}
            if not isinstance(profile, dict):
                raise InputError(f"{at}: profile is not an object")
            users[uid] = SlackUser(
                uid, _str(user.get("name"), at, "name"),
                _str(user.get("real_name"), at, "real_name") or _str(profile.get("real_name"), at, "real_name"),
                _str(profile.get("display_name"), at, "display_name"),
                _str(profile.get("email"), at, "email"),
                user.get("is_bot") is True,
            )
        return users

    def _channels(self) -> list[SlackChannel]:
        found = []
        for name in ("channels.json", "groups.json"):
            if not self._reader.has(name):
                continue
            where = f"{self.label}: {name}"
            data = self._reader.json(name)
            if not isinstance(data, list):
                raise InputError(f"{where}: not a list of channels")
            for number, channel in enumerate(data, start=1):
                at = f"{where}: channel {number}"
                if not isinstance(channel, dict):
                    raise InputError(f"{at}: not an object")
                found.append(SlackChannel(_str(channel.get("id"), at, "id", optional=False),
                                          _str(channel.get("name"), at, "name", optional=False)))
        if not found:
            raise InputError(f"Slack export {self.label}: no channels.json (is it a Slack workspace export?)")
        return found

    def channel(self, wanted: str) -> SlackChannel:
        """The channel named `wanted` (`inc-checkout`, `#inc-checkout`) or with that id."""
        key = wanted.strip().lstrip("#")
        for channel in self.channels:
            if key in (channel.name, channel.id):
                return channel
        names = ", ".join(sorted(c.name for c in self.channels)[:10])
        more = f" (and {len(self.channels) - 10} more)" if len(self.channels) > 10 else ""
        raise InputError(f"Slack export {self.label}: no channel {wanted!r}; it has: {names}{more}")

    # -- messages -----------------------------------------------------------------------------

    def messages(self, channel: SlackChannel) -> list[Message]:
        """Every message in the channel's folder, checked, sorted by `ts` (then file order)."""
        if not _CHANNEL_NAME.fullmatch(channel.name) or channel.name in (".", ".."):
            raise InputError(f"{self.label}: channels.json: channel name {channel.name[:40]!r} is not a folder name")
        found: list[tuple[tuple[int, int], int, Message]] = []
        for name in self._reader.day_files(channel.name):
            data = self._reader.json(name)
            where = f"{self.label}: {name}"
            if not isinstance(data, list):
                raise InputError(f"{where}: not a list of messages")
            for number, raw in enumerate(data, start=1):
                message = _message(raw, f"{where}: message {number}")
                if message is not None:
                    if len(found) >= MAX_MESSAGES:
                        raise InputError(f"{self.label}: more than {MAX_MESSAGES:,} messages in #{channel.name}")
                    found.append((ts_key(message.ts), len(found), message))
        found.sort()
        return [message for _, _, message in found]


def ts_key(ts: str) -> tuple[int, int]:
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int(fraction.ljust(6, "0"))


def _message(raw: Any, where: str) -> Message | None:
    """One message, checked; None for what is not a message (a record of another type)."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: not an object")
    if raw.get("type", "message") != "message":
        return None
    ts = raw.get("ts")
    if not isinstance(ts, str) or not _TS.fullmatch(ts):
        raise InputError(f"{where}: ts {str(ts)[:30]!r} is not a Slack timestamp such as 1355517523.000005")
    thread_ts = raw.get("thread_ts")
    if thread_ts is not None and (not isinstance(thread_ts, str) or not _TS.fullmatch(thread_ts)):
        raise InputError(f"{where}: thread_ts {str(thread_ts)[:30]!r} is not a Slack timestamp")
    text = raw.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError(f"{where}: text is not text")
    files = raw.get("files") or []
    if not isinstance(files, list):
        raise InputError(f"{where}: files is not a list")
    shared = []
    for number, file in enumerate(files, start=1):
        if not isinstance(file, dict):
            raise InputError(f"{where}: file {number} is not an object")
        if file.get("mode") == "tombstone":
            continue  # a deleted file
        name = (_str(file.get("title"), where, "a file's title") or _str(file.get("name"), where, "a file's name")
                or "a file")
        link = _str(file.get("permalink"), where, "a file's permalink") or _str(
            file.get("url_private"), where, "a file's url_private")
        shared.append(SlackFile(name, link))
    profile = raw.get("user_profile")
    profile_name = None
    if isinstance(profile, dict):
        profile_name = (_str(profile.get("real_name"), where, "user_profile.real_name")
                        or _str(profile.get("display_name"), where, "user_profile.display_name"))
    subtype = _str(raw.get("subtype"), where, "subtype")
    return Message(ts, _str(raw.get("user"), where, "user"), text, subtype, thread_ts,
                   raw.get("hidden") is True, bool(raw.get("bot_id")) or subtype == "bot_message",
                   tuple(shared), profile_name)


# -- where the files come from ----------------------------------------------------------------

class _Reader:
    """What a zip and a folder export share: each reads (`bytes`), lists (`day_files`) and finds
    (`has`) an export's files by their name inside it ('users.json', 'inc-x/2026-03-29.json'),
    the bytes read counted against MAX_TOTAL_BYTES."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._read = 0

    def close(self) -> None:
        """Let go of the file (a zip's)."""

    def _count(self, size: int) -> None:
        self._read += size
        if self._read > MAX_TOTAL_BYTES:
            raise InputError(f"Slack export {self.label}: more than {MAX_TOTAL_BYTES:,} bytes to read")

    def json(self, name: str) -> Any:
        data = self.bytes(name)
        text = paths.decode_utf8(data, f"{self.label}: {name}")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{self.label}: {name}: not JSON (line {exc.lineno}, column {exc.colno})") from None
        except RecursionError:
            raise InputError(f"{self.label}: {name}: nested too deeply") from None


class _ZipReader(_Reader):
    def __init__(self, path: Path, label: str) -> None:
        import zipfile  # only an import from a zip pays for it

        super().__init__(label)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"Slack export {label}: not a zip file ({' '.join(str(exc).split())[:100]})") from None
        try:
            self._index(infos)
        except BaseException:
            self._zip.close()
            raise

    def _index(self, infos: list) -> None:
        label = self.label
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"Slack export {label}: more than {MAX_MEMBERS:,} files")
        self._members: dict = {}  # name -> zipfile.ZipInfo
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name).parts
            if (name.startswith("/") or "\\" in name or ".." in parts or "\x00" in name
                    or re.match(r"[A-Za-z]:", name)):
                raise InputError(f"Slack export {label}: a file named {name[:60]!r} would leave the export")
            if info.is_dir():
                continue
            if name in self._members:
                raise InputError(f"Slack export {label}: {name[:60]!r} is in it twice")
            self._members[name] = info

    def close(self) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        return name in self._members

    def day_files(self, channel: str) -> list[str]:
        prefix = f"{channel}/"
        return sorted(n for n in self._members if n.startswith(prefix) and _DAY_FILE.fullmatch(n[len(prefix):]))

    def bytes(self, name: str) -> bytes:
        import zipfile
        import zlib

        info = self._members[name]
        if info.file_size > MAX_FILE_BYTES:
            raise InputError(f"{self.label}: {name}: too big ({info.file_size:,} bytes; at most {MAX_FILE_BYTES:,})")
        try:
            with self._zip.open(info) as member:
                chunks, size = [], 0
                while True:
                    chunk = member.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
                    self._count(len(chunk))
                    if size > MAX_FILE_BYTES:
                        raise InputError(f"{self.label}: {name}: inflates past {MAX_FILE_BYTES:,} bytes")
                    chunks.append(chunk)
        except InputError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise InputError(f"{self.label}: {name}: cannot be read ({' '.join(str(exc).split())[:100]})") from None
        return b"".join(chunks)


class _FolderReader(_Reader):
    def __init__(self, root: Path, label: str) -> None:
        super().__init__(label)
        self._root = root.resolve()

    def _inside(self, name: str) -> Path | None:
        path = (self._root / name).resolve()
        return path if path.is_relative_to(self._root) else None

    def has(self, name: str) -> bool:
        path = self._inside(name)
        return path is not None and path.exists()

    def day_files(self, channel: str) -> list[str]:
        folder = self._inside(channel)
        if folder is None:
            raise InputError(f"Slack export {self.label}: the folder of #{channel[:40]} is outside the export")
        if not folder.is_dir():
            return []
        names = sorted(entry.name for entry in os.scandir(folder) if _DAY_FILE.fullmatch(entry.name))
        if len(names) > MAX_MEMBERS:
            raise InputError(f"Slack export {self.label}: more than {MAX_MEMBERS:,} files in #{channel[:40]}")
        return [f"{channel}/{name}" for name in names]

    def bytes(self, name: str) -> bytes:
        path = self._inside(name)
        if path is None:
            raise InputError(f"Slack export {self.label}: {name[:60]} is a link to outside the export")
        data = paths.read_text(path, f"Slack export file {self.label}/{name}", max_bytes=MAX_FILE_BYTES)
        encoded = data.encode("utf-8")
        self._count(len(encoded))
        return encoded


# -- Slack's markup, made readable -------------------------------------------------------------

_MARKUP = re.compile(r"<([^<>\n]{1,3000})>")


def readable(text: str, user_name, channel_name) -> str:
    """Slack's markup as a person would read it: `<@U1>` -> `@Ana Alvarez` (`user_name(id)`),
    `<#C1|inc-x>` -> `#inc-x` (`channel_name(id)` when it has no label), `<!here>` -> `@here`,
    `<!subteam^S1|@db>` -> `@db`, `<https://x|label>` -> `label (https://x)`, `<mailto:a@b|a@b>`
    -> `a@b`; then `&lt;`, `&gt;` and `&amp;` (the only entities Slack writes) back to < > &."""

    def one(match: re.Match) -> str:
        inside = match.group(1)
        target, _, label = inside.partition("|")
        if target.startswith("@"):
            return "@" + (user_name(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or channel_name(target[1:]) or target[1:])
        if target.startswith("!"):
            word = target[1:]
            if word.startswith("subteam^"):
                return label if label.startswith("@") else "@" + (label or "group")
            if word.startswith("date^"):
                return label or word
            return label or "@" + word.split("^")[0]
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        if label and label != target:
            return f"{label} ({target})"
        return target

    text = _MARKUP.sub(one, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
