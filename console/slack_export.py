"""Reading a Slack workspace export (a .zip, or the folder it unpacks to), without trusting it.

    export = SlackExport.open(path)        # InputError when it is not a readable export
    export.users                          # Slack user id -> SlackUser (users.json, org_users.json)
    export.channel("inc-checkout")        # SlackChannel (channels.json, groups.json), by name or id
    export.messages(channel)              # the channel's messages, each checked, sorted by ts

An export holds `users.json`, `channels.json` (and `groups.json` for private channels when the
workspace exported them) and one folder per channel with a `YYYY-MM-DD.json` array of messages
per day. The day files' names are ignored (which zone decides a day is not documented): every
message of the channel's folder is read and sorted by its `ts`.

The files are read by console/archive.py, which trusts nothing (sizes, names, links). Bad JSON,
a value of the wrong type, a `ts` that is not a Slack timestamp, a missing users.json: one
InputError naming the export and the file (and the message), and nothing has been written.
"""

import os
import re
from typing import Any, NamedTuple

from console import archive
from console.errors import InputError

MAX_MESSAGES = 1_000_000  # in one channel
_TS = re.compile(r"[0-9]{1,10}\.[0-9]{1,6}", re.ASCII)
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

    def __init__(self, label: str, reader) -> None:
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
        return cls(label, archive.open_export(path, label))

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
