"""A Slack workspace export built by code, as Slack lays one out (users.json, channels.json, one
folder per channel with a YYYY-MM-DD.json array per day), for the import's tests.

`realistic(folder)` writes a small but busy incident channel: joins, a bot, an edit record,
mentions, a link with a label, HTML entities, a decision and a finding by prefix, a thread, a
file share, a message said near midnight that Slack filed under the other day, and a channel
nobody asked for. `zip_of(folder, target)` packs a folder the way Slack's zip holds it.
"""

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

DAY = datetime(2026, 3, 29, tzinfo=timezone.utc)


def ts(hour: int, minute: int, second: int = 0, serial: int = 0) -> str:
    """The Slack `ts` of a moment on DAY (UTC), with its per-channel serial suffix."""
    moment = DAY.replace(hour=hour, minute=minute, second=second)
    return f"{int(moment.timestamp())}.{serial:06d}"


USERS = [
    {"id": "U01ANA", "name": "ana.alvarez", "real_name": "Ana A.",
     "profile": {"real_name": "Ana A.", "display_name": "ana", "email": "ana@example.com"}},
    {"id": "U02BEN", "name": "ben", "real_name": "Benjamin Okafor",
     "profile": {"real_name": "Benjamin Okafor", "display_name": "benny"}},
    {"id": "U03CY", "name": "cy", "real_name": "Cy Chen", "profile": {"real_name": "Cy Chen", "display_name": ""}},
    {"id": "U04BOT", "name": "deploybot", "is_bot": True, "profile": {"real_name": "Deploy Bot"}},
]
CHANNELS = [
    {"id": "C01CHECKOUT", "name": "inc-checkout", "created": 1774790000, "members": ["U01ANA", "U02BEN", "U03CY"]},
    {"id": "C02GENERAL", "name": "general", "created": 1500000000, "members": ["U01ANA"]},
]

# (day file, message): the day files are as Slack wrote them; the 23:59:30 message sits in the
# next day's file, which an import must not trust.
MESSAGES = [
    ("2026-03-29", {"type": "message", "subtype": "channel_join", "user": "U01ANA", "ts": ts(13, 55),
                    "text": "<@U01ANA> has joined the channel"}),
    ("2026-03-29", {"type": "message", "user": "U01ANA", "ts": ts(13, 56),
                    "text": "Checkout errors at 40% &amp; rising, <!here> please join"}),
    ("2026-03-29", {"type": "message", "subtype": "channel_join", "user": "U02BEN", "ts": ts(13, 56, 30),
                    "text": "<@U02BEN> has joined the channel"}),
    ("2026-03-29", {"type": "message", "user": "U02BEN", "ts": ts(13, 57), "thread_ts": ts(13, 57),
                    "reply_count": 1, "text": "f: db-2 replica lag is 40s, see <https://grafana.example/d/db|the dashboard>"}),
    ("2026-03-29", {"type": "message", "user": "U03CY", "ts": ts(13, 58), "thread_ts": ts(13, 57),
                    "parent_user_id": "U02BEN", "text": "<@U02BEN> lag on db-3 too? &lt;5s here"}),
    ("2026-03-29", {"type": "message", "subtype": "bot_message", "bot_id": "B01", "username": "deploybot",
                    "ts": ts(13, 58, 30), "text": "Deploy 4121 finished"}),
    ("2026-03-29", {"type": "message", "user": "U01ANA", "ts": ts(14, 1),
                    "text": "d: roll back deploy 4121 in <#C01CHECKOUT|inc-checkout>",
                    "edited": {"user": "U01ANA", "ts": ts(14, 1, 20)}}),
    ("2026-03-29", {"type": "message", "subtype": "message_changed", "hidden": True, "ts": ts(14, 1, 20),
                    "message": {"type": "message", "user": "U01ANA", "text": "d: roll back deploy 4121"}}),
    ("2026-03-29", {"type": "message", "user": "U02BEN", "ts": ts(14, 2), "text": "/sev 1 ?"}),
    ("2026-03-29", {"type": "message", "subtype": "file_share", "user": "U03CY", "ts": ts(14, 3),
                    "text": "error graph",
                    "files": [{"id": "F01", "name": "errors.png", "title": "errors.png",
                               "permalink": "https://acme.slack.com/files/U03CY/F01/errors.png"}]}),
    ("2026-03-29", {"type": "message", "subtype": "channel_leave", "user": "U03CY", "ts": ts(14, 4),
                    "text": "<@U03CY> has left the channel"}),
    ("2026-03-30", {"type": "message", "user": "U02BEN", "ts": ts(23, 59, 30),
                    "text": "mail <mailto:oncall@example.com|oncall@example.com> if it comes back"}),
    ("2026-03-30", {"type": "message", "user": "U01ANA", "ts": ts(23, 59, 30, 1), "text": "thanks all"}),
]


def write_export(folder: Path, *, users=USERS, channels=CHANNELS, messages=MESSAGES, channel="inc-checkout") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if users is not None:
        (folder / "users.json").write_text(json.dumps(users, indent=1))
    if channels is not None:
        (folder / "channels.json").write_text(json.dumps(channels, indent=1))
    (folder / "integration_logs.json").write_text(json.dumps({"logs": []}))
    days: dict[str, list] = {}
    for day, message in messages:
        days.setdefault(day, []).append(message)
    (folder / channel).mkdir(exist_ok=True)
    for day, listed in days.items():
        (folder / channel / f"{day}.json").write_text(json.dumps(listed, indent=1))
    (folder / "general").mkdir(exist_ok=True)
    (folder / "general" / "2026-03-29.json").write_text(json.dumps(
        [{"type": "message", "user": "U01ANA", "ts": ts(9, 0), "text": "not an incident channel"}]))
    return folder


def zip_of(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packed.write(path, path.relative_to(folder).as_posix())
    return target


def realistic(base: Path) -> Path:
    """The realistic export, zipped, in `base`."""
    return zip_of(write_export(base / "export"), base / "slack-export.zip")
