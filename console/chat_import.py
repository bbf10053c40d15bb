"""A chat channel's history brought into an incident's timeline: a Slack export (issue 13).

    plan = service.chat_import.plan(incident_id, export, "inc-checkout", language)
    plan.entries, plan.already, plan.skipped      # what would be added, and what is left out
    service.chat_import.write(plan)               # all of it in one transaction

Each message becomes one entry:
- **Author**: the Slack user (users.json) found in the people directory by e-mail, then by
  chat handle (the user name, then the display name), is the directory's name; else the
  user's real name, display name or user name from the export.
- **When**: the message's `ts` (UTC) is when it happened (`occurred_at`, a back-dated entry);
  `recorded_at` is when it was imported.
- **Threads**: a reply is its own entry at its own time, and says which message it answers:
  its text starts `Reply to Ana Alvarez (14:02:05Z): `, the parent's author and time as the
  timeline shows them (the parent's own entry, if the export has it, is just above in the
  thread's order). A text reference, rather than a link between rows, reads the same in every
  export and on every console of a team.
- **Text**: mentions, channels, `@here`, links and Slack's HTML entities made readable
  (console.slack_export.readable); file shares kept as links (`[file: name] URL`); the command
  language's kind prefixes honoured (`d: …` is a decision) through the language's own prefix
  reader (`Language.entry_kind`), and nothing else of the line read: `/sev 1` said in chat is
  a note, not a command. Text past the timeline's limit is cut, and the summary says how many.
- **Left out**: hidden records (edits, deletions), joins and leaves, bots, and messages with
  nothing left to say; the summary counts each.

Importing twice adds nothing: an entry's uid is made from the incident, the channel's id and
the message's `ts`, and a message whose entry is here already is counted, not written. (Two
consoles of a team that import the same export apart each write their entries; both are kept
once each, as for any entry uid made twice.) The entries travel as `chat.import` ops of up to
ENTRIES_PER_OP entries, all written in one transaction.
"""

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.domain import Incident
from console.errors import InputError
from console.ops import Applied, operation
from console.slack_export import Message, SlackChannel, SlackExport, readable, ts_key

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.commands import Language
    from console.ledger import Ledger

ENTRIES_PER_OP = 500
# Why a message is left out, by its subtype (see `_left_out`), as the summary words it.
JOINS, BOTS, HIDDEN, EMPTY = "joins/leaves", "bots", "hidden", "empty"
SKIPPED_SUBTYPES = {
    "channel_join": JOINS, "channel_leave": JOINS, "group_join": JOINS, "group_leave": JOINS,
    "bot_message": BOTS, "bot_add": BOTS, "bot_remove": BOTS,
    "message_changed": HIDDEN, "message_deleted": HIDDEN, "tombstone": HIDDEN,
}
_CUT = " … (cut: longer in Slack)"


class Plan(NamedTuple):
    incident: Incident
    channel: SlackChannel
    entries: tuple[dict, ...]  # entry bodies, oldest first (Ledger.entry's shape)
    already: int  # messages imported before
    skipped: Counter  # why messages were left out -> how many
    cut: int  # entries whose text was cut to the timeline's limit

    @property
    def summary(self) -> str:
        """`#inc-checkout: 8 entries; 2 already imported; left out: bots 1, hidden 1, joins/leaves 3`."""
        parts = [f"#{self.channel.name}: {len(self.entries)} {'entry' if len(self.entries) == 1 else 'entries'}"]
        if self.already:
            parts.append(f"{self.already} already imported")
        if self.cut:
            parts.append(f"{self.cut} cut to {domain.MAX_TEXT:,} characters")
        if self.skipped:
            parts.append("left out: " + ", ".join(f"{why} {count}" for why, count in sorted(self.skipped.items())))
        return "; ".join(parts)


def entry_uid(incident_uid: str, channel_id: str, ts: str) -> str:
    return f"slack:{incident_uid}:{channel_id}:{ts}"


def ts_time(ts: str) -> datetime:
    seconds, micros = ts_key(ts)
    return datetime.fromtimestamp(seconds, timezone.utc) + timedelta(microseconds=micros)


class ChatImport:
    """Bring a chat channel's messages into an incident's timeline."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def plan(self, incident_id: int, export: SlackExport, channel_name: str, language: "Language") -> Plan:
        """What importing the channel would add, read and checked; nothing is written."""
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        channel = export.channel(channel_name)
        messages = export.messages(channel)
        now = ledger.now()
        authors = _Authors(export, ledger.read.people)
        channels = {c.id: c.name for c in export.channels}
        by_ts = {m.ts: m for m in messages}
        here = self._imported_before(incident.uid, channel.id)
        skipped: Counter = Counter()
        entries, already, cut = [], 0, 0
        for message in messages:
            why = _left_out(message)
            if why:
                skipped[why] += 1
                continue
            moment = ts_time(message.ts)
            if moment > now + times.FUTURE_TOLERANCE:
                raise InputError(f"{export.label}: #{channel.name} message {message.ts} is in the future "
                                 f"({times.to_text(moment)}; now is {times.to_text(now)})")
            text = readable(message.text, authors.mention, channels.get).strip()
            links = [f"[file: {f.name}] {f.link}" if f.link else f"[file: {f.name}]" for f in message.files]
            text = "\n".join(filter(None, [text, *links]))
            kind, text = language.entry_kind(text)
            if message.thread_ts and message.thread_ts != message.ts:
                parent = by_ts.get(message.thread_ts)
                who = authors.of(parent) if parent is not None else "a message"
                text = f"Reply to {who} ({ts_time(message.thread_ts):%H:%M:%S}Z): {text}"
            text = domain.clean_text(text[: 2 * domain.MAX_TEXT], "message", 2 * domain.MAX_TEXT,
                                     multiline=True) if text.strip() else ""
            if not text:
                skipped[EMPTY] += 1
                continue
            if len(text) > domain.MAX_TEXT:
                text = text[: domain.MAX_TEXT - len(_CUT)].rstrip() + _CUT
                cut += 1
            uid = entry_uid(incident.uid, channel.id, message.ts)
            if uid in here:
                already += 1
                continue
            entries.append(ledger.entry(kind, text, authors.of(message), moment, now, uid))
        return Plan(incident, channel, tuple(entries), already, skipped, cut)

    def _imported_before(self, incident_uid: str, channel_id: str) -> set[str]:
        """The uids of the channel's entries already here (one range of the uid index; an
        entry from another console whose uid was taken here is `uid~hlc`)."""
        prefix = entry_uid(incident_uid, channel_id, "")
        rows = self._ledger.execute("SELECT uid FROM entries WHERE uid >= ? AND uid < ?",
                                    (prefix, prefix + "\uffff")).fetchall()
        return {uid.split("~", 1)[0] for (uid,) in rows}

    def write(self, plan: Plan) -> int:
        """Write a plan's entries (in one transaction); how many."""
        ledger = self._ledger
        entries = list(plan.entries)
        if not entries:
            return 0
        with ledger.writing():
            for start in range(0, len(entries), ENTRIES_PER_OP):
                ledger.record(self._imported, plan.incident, {"entries": entries[start:start + ENTRIES_PER_OP]})
        return len(entries)

    @operation("chat.import")
    def _imported(self, op: Applied) -> None:
        for entry in op.body["entries"]:
            self._ledger.put_entry(op, entry)


def _left_out(message: Message) -> str | None:
    if message.hidden:
        return HIDDEN
    return SKIPPED_SUBTYPES.get(message.subtype or "") or (BOTS if message.bot else None)


class _Authors:
    """Slack user ids as our names: the directory's, else the export's."""

    def __init__(self, export: SlackExport, people) -> None:
        self._users = export.users
        self._people = people
        self._names: dict[str, str] = {}
        self._authors: dict[tuple, str] = {}

    def name(self, user_id: str | None, fallback: str | None = None) -> str | None:
        if not user_id:
            return fallback
        if user_id not in self._names:
            user = self._users.get(user_id)
            found = None
            if user is not None:
                person = (user.email and self._people.by_email(user.email)) or next(
                    (p for h in (user.name, user.display_name) if h for p in [self._people.by_handle(h)] if p), None)
                found = person.name if person else (user.real_name or user.display_name or user.name)
            self._names[user_id] = " ".join((found or fallback or "").split())[: domain.MAX_NAME]
        return self._names[user_id] or fallback

    def mention(self, user_id: str) -> str | None:
        return self.name(user_id)

    def of(self, message: Message) -> str:
        """The author's name, cleaned as every author is (console.domain.clean_text)."""
        key = (message.user, message.profile_name)
        if key not in self._authors:
            self._authors[key] = "someone in Slack"
            for name in (self.name(message.user, message.profile_name), message.user):
                try:
                    self._authors[key] = domain.clean_text(name or "", "author", domain.MAX_NAME)
                    break
                except InputError:
                    continue
        return self._authors[key]
