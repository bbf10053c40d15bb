"""The scribe's one command language: what the note box, the command palette and the CLI read.

One line is either an entry for the timeline or a command that changes the incident:

    roll back started              a note (the default kind)
    d: roll back deploy 4121       an entry of the kind whose `key` is `d` (decision)
    @14:02 f: db-2 lagging         back-dated: 14:02 today, local time (also `f: @14:02 …`)
    /task Ana 5m check replicas    a command (`COMMANDS` lists them all)

Parsing (`parse_line`) is pure: it reads no database, so the window can say what Enter will
do while the person is still typing, and every mistake in the line is found before anything
is written. Running (`run_line`, or `execute` for a line parsed earlier) calls the same
`IncidentService` operations as the window's keys and the CLI's subcommands, so a command
means the same thing wherever it is typed.

The rules where a line could be read two ways, chosen so a line never changes meaning by
accident:
- A prefix counts only if it is one of the process's entry-kind keys followed by a colon
  (`D:` too); `http://x` or `Note: x` stay plain notes, their text intact.
- `@` followed by a digit starts a time; `@Ana` is ordinary text. There is at most one time
  per line: first, or right after the kind prefix or the command name.
- A line starting with `/` is a command; a note that starts with `/` needs a prefix (`n: /var…`).
- `/task NAME MINUTES TEXT`: the first word that is a number of minutes (`5`, `5m`) ends NAME.
- `/sme NAME (SERVICE)` or `/sme NAME for SERVICE`: a service in brackets at the very end, or
  after the first ` for `; anything else is all NAME (`/sme Dee Patel` has no service).
"""

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change
from console.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.incidents import IncidentService
    from console.process import Process

DEFAULT_KIND = "note"
CALL_END_TEXT = "Call over; continue in the chat room"


@dataclass(frozen=True)
class Parsed:
    """One line, understood and checked, not yet run.

    `command` is the command's name (`"task"`), or None for a plain or prefixed entry.
    `kind` is the entry kind the line writes directly: every entry, and `/decision`, `/todo`,
    `/page` and `/end`; None for the other commands. `text` is the entry's text (for `/page`
    the whole "Paged TEAM", for `/end` the fixed call-end line), the task's text for `/task`,
    the update's text for `/update`, and "" for commands without free text. `at` is the
    back-dated moment (aware, UTC) or None for "now". `args` holds the command's checked
    arguments (see `COMMANDS`).
    """

    command: str | None
    kind: str | None
    text: str
    at: datetime | None = None
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CommandSpec:
    """What the palette shows and the usage error says."""

    name: str
    usage: str
    example: str
    help: str
    back_datable: bool  # its operation takes a time; the others happen "now" by nature

    @property
    def takes_arguments(self) -> bool:
        return self.usage != f"/{self.name}"


def _spec(name, usage, example, help, back_datable=True) -> tuple[str, CommandSpec]:
    return name, CommandSpec(name, usage, example, help, back_datable)


# In the order the palette lists them: the incident, its people, its work, its record.
COMMANDS: dict[str, CommandSpec] = dict([
    _spec("sev", "/sev N", "/sev 2", "set the severity, 1 (most severe) to 5"),
    _spec("status", "/status STATE", "/status mitigated", "active, mitigated or resolved"),
    _spec("ic", "/ic NAME", "/ic Ana Alvarez", "a new Incident Commander (a hand-over)"),
    _spec("deputy", "/deputy NAME", "/deputy Ben", "add a Deputy"),
    _spec("scribe", "/scribe NAME", "/scribe Cy", "the Scribe (replaces the current one)"),
    _spec("sme", "/sme NAME [(SERVICE)]", "/sme Dee Patel (payments)",
          "add a Subject Matter Expert, optionally for a service"),
    _spec("cl", "/cl NAME", "/cl Eve", "the Customer Liaison"),
    _spec("il", "/il NAME", "/il Fay", "the Internal Liaison"),
    _spec("task", "/task NAME MINUTES TEXT", "/task Ana 5m check the replicas",
          "give one named person a task and check back in MINUTES"),
    _spec("done", "/done TASK", "/done T3", "mark a task done", back_datable=False),
    _spec("extend", "/extend TASK MINUTES", "/extend T3 5m", "push a task's check-back time",
          back_datable=False),
    _spec("decision", "/decision TEXT", "/decision roll back 4121 -- objections: Ben worried "
          "about data loss", "record a decision (objections after `-- objections:`)"),
    _spec("todo", "/todo TEXT", "/todo find out why the canary missed it",
          "a follow-up for the post-mortem"),
    _spec("pin", "/pin [ENTRY]", "/pin E12",
          "pin an entry (without ENTRY: your newest one)", back_datable=False),
    _spec("page", "/page TEAM", "/page db-oncall",
          "record who was paged (the console pages nobody)"),
    _spec("update", "/update AUDIENCE TEXT",
          "/update executives rollback under way, next update 14:30",
          "record a status update sent to responders, executives or customers",
          back_datable=False),
    _spec("end", "/end", "/end", "the call is over; discussion continues in chat"),
])

ROLE_COMMANDS = {
    "ic": "ic", "deputy": "deputy", "scribe": "scribe", "sme": "sme",
    "cl": "customer_liaison", "il": "internal_liaison",
}
_ENTRY_COMMANDS = {"decision": "decision", "todo": "todo", "page": "page", "end": "call_end"}
_NAME_COMMANDS = frozenset(ROLE_COMMANDS) | {"task"}

# Times after "@": HH:MM (today, local), or a date and a time joined by T or a space, with an
# optional offset (no offset: local time). Digits are ASCII on purpose: a time is typed.
_HHMM = re.compile(r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_CLOCK = re.compile(
    r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?", re.ASCII
)
_ISO = re.compile(
    r"(?P<local>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)
_STARTS_TIME = re.compile(r"@[0-9]", re.ASCII)
_PREFIX = re.compile(r"([^\s:]+):")
_MINUTES_WORD = re.compile(r"[0-9]+m?", re.ASCII | re.IGNORECASE)
_SME_BRACKETS = re.compile(r"(?P<person>.+?)\s*\((?P<service>[^()]*)\)", re.DOTALL)
_SME_FOR = re.compile(r"\s+for\s+", re.IGNORECASE)
_OBJECTIONS = re.compile(r"\s--\s*objections?\s*:\s*", re.IGNORECASE)
_TIME_FORMS = (
    "write @HH:MM (today, local time), @YYYY-MM-DD HH:MM (local time) or "
    "@YYYY-MM-DDTHH:MMZ (UTC, or an offset such as +02:00 instead of Z)"
)


# -- the process's prefixes --------------------------------------------------------------------

def prefixes(process: "Process") -> dict[str, str]:
    """Typing prefix -> entry kind id, from each entry kind's `key` (`"d"` -> `"decision"`)."""
    return {str(kind["key"]).strip().lower(): kind["id"] for kind in process.items("entry_kinds")}


@lru_cache(maxsize=1)
def _default_prefixes() -> dict[str, str]:
    """The shipped keys, for `format_line` when no process is at hand (read once, not validated)."""
    from importlib.resources import files

    import yaml

    text = files("data").joinpath("entry_kinds.yaml").read_text(encoding="utf-8")
    return {str(k["key"]).strip().lower(): k["id"] for k in yaml.safe_load(text)["entry_kinds"]}


def _usable(kinds: dict[str, str]) -> dict[str, str]:
    """Only keys that can be typed as a prefix (one word, no colon), lowercased."""
    table = {}
    for key, kind in kinds.items():
        key = str(key).strip().lower()
        if key and _PREFIX.fullmatch(key + ":"):
            table.setdefault(key, kind)
    return table


# -- parsing ---------------------------------------------------------------------------------

def parse_line(
    line: str, *, kinds: dict[str, str], now: datetime, local_tz: tzinfo | None = None
) -> Parsed:
    """Read one line of the command language, or raise InputError saying what is wrong.

    `kinds` comes from `prefixes(process)`; `now` bounds back-dating (a time more than five
    minutes ahead is a typo); `local_tz` is the zone of `@HH:MM` (default: this machine's).
    """
    text = _clean(line)
    if not text:
        raise InputError("nothing to record")
    if len(text) > domain.MAX_TEXT:
        raise InputError(
            f"the line is too long: {len(text)} characters, the limit is {domain.MAX_TEXT}"
        )
    table = _usable(kinds)
    at, rest = _take_time(text, now, local_tz)
    if rest.startswith("/"):
        return _parse_command(rest, at, table, now, local_tz)
    kind, body = _take_prefix(rest, table)
    if kind is not None and at is None:
        at, body = _take_time(body, now, local_tz)
    if not body:
        raise InputError("nothing to record" + (f" after {rest.split(':')[0]}:" if kind else ""))
    return Parsed(None, kind or DEFAULT_KIND, body, at, {})


def _clean(line: str) -> str:
    """Drop control characters (NUL included) as `domain.clean_text` does, and strip."""
    if not isinstance(line, str):
        return ""
    return "".join(ch for ch in line if ch in "\n\t" or (ch >= " " and ch != "\x7f")).strip()


def _take_time(text: str, now: datetime, local_tz: tzinfo | None) -> tuple[datetime | None, str]:
    """A leading `@TIME` -> (the moment in UTC, the rest of the line); else (None, text)."""
    if not _STARTS_TIME.match(text):
        return None, text
    words = text[1:].split(maxsplit=2)
    token, used = words[0], 1
    if _DATE.fullmatch(token) and len(words) > 1 and _CLOCK.fullmatch(words[1]):
        hour, minutes = words[1].split(":", 1)
        token, used = f"{token}T{hour.zfill(2)}:{minutes}", 2  # `@2026-03-29 14:02`
    typed = "@" + " ".join(words[:used])
    rest = text[1:].split(maxsplit=used)
    remainder = rest[used] if len(rest) > used else ""
    return _read_time(token, typed, now, local_tz), remainder.strip()


def _read_time(token: str, typed: str, now: datetime, local_tz: tzinfo | None) -> datetime:
    """`token` (without the @) as an aware UTC moment; `typed` is what to quote in an error."""
    if _HHMM.fullmatch(token):
        try:
            return times.parse_time(token, now, local_tz)
        except InputError:  # a well-formed HH:MM can only be refused for lying in the future
            raise InputError(
                f"bad time {typed!r}: it is in the future (now is {times.to_text(now)})"
            ) from None
    match = _ISO.fullmatch(token)
    if match is None:
        raise InputError(f"bad time {typed!r}: {_TIME_FORMS}")
    try:
        if match["offset"]:
            moment = datetime.fromisoformat(token.replace("z", "Z").replace("Z", "+00:00"))
            text = token
        else:
            # No offset: local time, by the zone's rules on that date (not today's offset).
            local = datetime.fromisoformat(token)
            moment = local.replace(tzinfo=local_tz) if local_tz is not None else local.astimezone()
            text = moment.isoformat()
        moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # no such date or offset, or beyond what a datetime holds
        raise InputError(f"bad time {typed!r}: {_TIME_FORMS}") from None
    try:
        return times.parse_time(text, now)
    except InputError:  # a readable time can only be refused for lying in the future
        raise InputError(
            f"bad time {typed!r}: it is in the future (now is {times.to_text(now)})"
        ) from None


def _take_prefix(text: str, table: dict[str, str]) -> tuple[str | None, str]:
    """`d: text` -> ("decision", "text") when `d` is a key; else (None, text) unchanged."""
    match = _PREFIX.match(text)
    kind = table.get(match.group(1).lower()) if match else None
    if kind is None:
        return None, text
    return kind, text[match.end():].strip()


def _usage(name: str) -> InputError:
    spec = COMMANDS[name]
    return InputError(f"usage: {spec.usage}, e.g. {spec.example}")


def _words(text: str) -> str:
    """A name as one line: runs of whitespace become one space."""
    return " ".join(text.split())


def _name(text: str, what: str, name: str) -> str:
    value = _words(text)
    if not value:
        raise _usage(name)
    return domain.clean_text(value, what, domain.MAX_NAME)


def _parse_command(
    line: str, at: datetime | None, table: dict[str, str], now: datetime, local_tz: tzinfo | None
) -> Parsed:
    word = line[1:].split(maxsplit=1)
    typed = word[0] if word else ""
    name = typed.lower()
    tail = word[1].strip() if len(word) > 1 else ""
    if not name:
        raise InputError("a command name is missing after / — try /sev, /task, /decision…")
    if name not in COMMANDS:
        raise _unknown(typed, table)
    spec = COMMANDS[name]
    if at is None:
        at, tail = _take_time(tail, now, local_tz)
    if at is not None and not spec.back_datable:
        raise InputError(f"/{name} cannot be back-dated: it is recorded as of now")
    args: dict = {}
    text = ""
    kind = _ENTRY_COMMANDS.get(name)
    if name == "sev":
        args["level"] = _severity(_one_word(tail, name))
    elif name == "status":
        args["state"] = domain.parse_status(_one_word(tail, name))
    elif name == "sme":
        person, service = _split_sme(tail)
        args.update(role="sme", person=_name(person, "person", name),
                    service=None if service is None else _name(service, "service", name))
    elif name in ROLE_COMMANDS:
        args.update(role=ROLE_COMMANDS[name], person=_name(tail, "person", name))
    elif name == "task":
        person, minutes, text = _split_task(tail)
        args.update(person=domain.clean_text(person, "person", domain.MAX_NAME), minutes=minutes)
        text = domain.clean_text(text, "task text", domain.MAX_TASK_TEXT)
    elif name == "done":
        args["task_id"] = domain.parse_task_ref(_one_word(tail, name))
    elif name == "extend":
        words = tail.split()
        if len(words) != 2:
            raise _usage(name)
        args.update(task_id=domain.parse_task_ref(words[0]), minutes=domain.parse_minutes(words[1]))
    elif name in ("decision", "todo"):
        if not tail:
            raise _usage(name)
        text = tail
        if name == "decision":
            parts = _OBJECTIONS.split(tail, maxsplit=1)
            args["objections"] = parts[1].strip() or None if len(parts) == 2 else None
    elif name == "pin":
        words = tail.split()
        if len(words) > 1:
            raise _usage(name)
        args["entry_id"] = domain.parse_entry_ref(words[0]) if words else None
    elif name == "page":
        args["team"] = _name(tail, "team", name)
        text = f"Paged {args['team']}"
    elif name == "update":
        words = tail.split(maxsplit=1)
        args["audience"] = domain.parse_audience(words[0]) if words else None
        text = words[1].strip() if len(words) > 1 else ""
    elif name == "end":
        if tail:
            raise _usage(name)
        text = CALL_END_TEXT
    return Parsed(name, kind, text, at, args)


def _unknown(typed: str, table: dict[str, str]) -> InputError:
    shown = typed if len(typed) <= 30 else typed[:29] + "…"
    close = difflib.get_close_matches(typed.lower(), list(COMMANDS), n=1)
    if close:
        return InputError(f"unknown command /{shown} — did you mean /{close[0]}?")
    note_key = next((key for key, kind in table.items() if kind == DEFAULT_KIND), None)
    hint = f"; to note something that starts with /, write {note_key}: /…" if note_key else ""
    return InputError(
        f"unknown command /{shown} — the commands are "
        + " ".join(f"/{n}" for n in COMMANDS) + hint
    )


def _one_word(tail: str, name: str) -> str:
    words = tail.split()
    if len(words) != 1:
        raise _usage(name)
    return words[0]


def _severity(word: str) -> int:
    try:
        return domain.parse_severity(word)
    except ValueError:  # a digit Python knows but int() does not read, such as "²"
        raise InputError(f"bad severity {word!r}: expected 1 to 5 (1 is the most severe)") from None


def _split_sme(tail: str) -> tuple[str, str | None]:
    """`Dee Patel (payments)` or `Dee Patel for payments` -> person, service."""
    match = _SME_BRACKETS.fullmatch(tail)
    if match:
        if not match["service"].strip():
            raise _usage("sme")
        return match["person"], match["service"]
    parts = _SME_FOR.split(tail, maxsplit=1)
    if len(parts) == 2 and parts[1].strip():
        return parts[0], parts[1]
    return tail, None


def _split_task(tail: str) -> tuple[str, int, str]:
    """`Ana Alvarez 5m check the replicas` -> ("Ana Alvarez", 5, "check the replicas")."""
    words = list(re.finditer(r"\S+", tail))
    for i, word in enumerate(words):
        if _MINUTES_WORD.fullmatch(word.group()):
            if i == 0:
                break  # no NAME before the minutes
            text = _words(tail[word.end():])
            if not text:
                break
            person = " ".join(w.group() for w in words[:i])
            return person, domain.parse_minutes(word.group()), text
    raise _usage("task")


def backdate(parsed: Parsed, at: datetime) -> Parsed:
    """`parsed` happening at `at` (the CLI's `--at`), refusing a second time or a "now" command."""
    if parsed.at is not None:
        raise InputError("the time is given twice: use --at or @TIME in the line, not both")
    if parsed.command is not None and not COMMANDS[parsed.command].back_datable:
        raise InputError(f"/{parsed.command} cannot be back-dated: it is recorded as of now")
    return replace(parsed, at=at.astimezone(timezone.utc))


# -- writing a line back -------------------------------------------------------------------------

def format_line(parsed: Parsed, kinds: dict[str, str] | None = None) -> str:
    """The line that `parse_line` reads back as `parsed` (with the same `kinds`).

    `kinds` defaults to the shipped process's keys; pass the ones the line was parsed with
    when an organisation has changed them.
    """
    table = _usable(kinds if kinds is not None else _default_prefixes())
    head = [] if parsed.at is None else ["@" + _format_time(parsed.at)]
    if parsed.command is None:
        body = _format_entry(parsed, table)
    else:
        body = _format_command(parsed)
    return " ".join(head + [body])


def _format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _format_entry(parsed: Parsed, table: dict[str, str]) -> str:
    text = parsed.text
    plain_is_safe = (
        parsed.kind == DEFAULT_KIND
        and not text.startswith("/")
        and _take_prefix(text, table)[0] is None
        and (parsed.at is not None or not _STARTS_TIME.match(text))
    )
    if plain_is_safe:
        return text
    key = next((key for key, kind in table.items() if kind == parsed.kind), None)
    if key is None:
        raise ValueError(f"no typing prefix for entry kind {parsed.kind!r}")
    return f"{key}: {text}"


def _format_command(parsed: Parsed) -> str:
    name, args = parsed.command, parsed.args
    if name == "sev":
        tail = str(args["level"])
    elif name == "status":
        tail = args["state"]
    elif name == "sme":
        service = args.get("service")
        if service is None:
            tail = args["person"]
        elif "(" in service or ")" in service:
            tail = f"{args['person']} for {service}"
        else:
            tail = f"{args['person']} ({service})"
    elif name in ROLE_COMMANDS:
        tail = args["person"]
    elif name == "task":
        tail = f"{args['person']} {args['minutes']}m {parsed.text}"
    elif name == "done":
        tail = domain.format_task_ref(args["task_id"])
    elif name == "extend":
        tail = f"{domain.format_task_ref(args['task_id'])} {args['minutes']}m"
    elif name in ("decision", "todo"):
        tail = parsed.text
    elif name == "pin":
        tail = "" if args.get("entry_id") is None else domain.format_entry_ref(args["entry_id"])
    elif name == "page":
        tail = args["team"]
    elif name == "update":
        tail = " ".join(filter(None, [args.get("audience"), parsed.text]))
    else:  # end
        tail = ""
    return f"/{name} {tail}" if tail else f"/{name}"


# -- completion ----------------------------------------------------------------------------------

def complete(text: str, people: list[str]) -> list[str]:
    """Whole-line completions of a partial line, for Tab.

    After `/`, the command names; after a command that takes a NAME (`/ic /deputy /scribe /sme
    /cl /il /task`), the people already in the incident whose name starts with what is typed;
    after `/status` and `/update`, the states and audiences. Anything else: no completions.
    """
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    if not stripped.startswith("/"):
        return []
    match = re.fullmatch(r"/(\S*)", stripped)
    if match:
        typed = match.group(1).lower()
        return [lead + f"/{n}" + (" " if spec.takes_arguments else "")
                for n, spec in COMMANDS.items() if n.startswith(typed)]
    match = re.fullmatch(r"/(\S*)\s+(.*)", stripped, re.DOTALL)
    name, partial = match.group(1).lower(), match.group(2)
    if name in _NAME_COMMANDS:
        if name == "task" and any(_MINUTES_WORD.fullmatch(w) for w in partial.split()[1:]):
            return []  # the name is already finished
        if name == "sme" and ("(" in partial or _SME_FOR.search(partial)):
            return []
        wanted = _words(partial).casefold()
        after = " " if name == "task" else ""
        seen: set[str] = set()
        found = []
        for person in people:
            key = person.casefold()
            if key.startswith(wanted) and key not in seen:
                seen.add(key)
                found.append(f"{lead}/{name} {person}{after}")
        return found
    choices = {"status": domain.STATUSES, "update": domain.AUDIENCES}.get(name, ())
    if " " in partial.strip():
        return []
    return [f"{lead}/{name} {c}" + (" " if name == "update" else "")
            for c in choices if c.startswith(partial.strip().lower())]


# -- running ---------------------------------------------------------------------------------

def run_line(
    service: "IncidentService",
    process: "Process",
    incident_id: int,
    line: str,
    *,
    by: str,
    now: datetime | None = None,
    local_tz: tzinfo | None = None,
    uid: str | None = None,
) -> Change:
    """Parse `line` and run it against the incident; InputError (nothing written) if it cannot.

    `now` defaults to the service's own clock, so a back-dated time is judged by the same clock
    that stamps `recorded_at`. `uid` (made by the window before sending) makes a resent entry
    or task harmless; commands that change state refuse a repeat by themselves ("already…").
    """
    moment = now if now is not None else service._clock.now()  # noqa: SLF001 - the service's clock
    parsed = parse_line(line, kinds=prefixes(process), now=moment, local_tz=local_tz)
    return execute(service, incident_id, parsed, by=by, uid=uid)


def execute(
    service: "IncidentService", incident_id: int, parsed: Parsed, *, by: str, uid: str | None = None
) -> Change:
    """Run a line parsed earlier (the CLI parses before it opens the database)."""
    name, args, at = parsed.command, parsed.args, parsed.at
    if name is None or name in _ENTRY_COMMANDS:
        return service.log(
            incident_id, parsed.text, by=by, kind=parsed.kind, occurred_at=at, uid=uid
        )
    if name == "sev":
        return service.set_severity(incident_id, args["level"], by=by, at=at)
    if name == "status":
        return service.set_status(incident_id, args["state"], by=by, at=at)
    if name in ROLE_COMMANDS:
        change = service.assign_role(incident_id, args["role"], args["person"], by=by, at=at)
        if args.get("service") is None:
            return change
        # assign_role's roster entry has no room for the service, so it follows as a note in
        # a second transaction. Everything in it was checked above, so only a storage failure
        # can come between the two.
        note = service.log(
            incident_id, f"{args['person']}: SME for {args['service']}", by=by, kind="note",
            occurred_at=at,
        )
        return Change(note.incident, change.entries + note.entries, roles_changed=True)
    if name == "task":
        return service.add_task(
            incident_id, args["person"], args["minutes"], parsed.text, by=by, at=at, uid=uid
        )
    if name == "done":
        return service.task_done(incident_id, args["task_id"], by=by)
    if name == "extend":
        return service.task_extend(incident_id, args["task_id"], args["minutes"], by=by)
    if name == "update":
        if args.get("audience") is None or not parsed.text:
            raise InputError(
                "write /update AUDIENCE TEXT (in the window, a bare /update opens the composer)"
            )
        return service.send_update(incident_id, args["audience"], parsed.text, by=by)
    if name == "pin":
        return _pin(service, incident_id, args.get("entry_id"), by=by)
    raise InputError(f"unknown command /{name}")  # pragma: no cover - parse_line refuses it


def _pin(service: "IncidentService", incident_id: int, entry_id: int | None, *, by: str) -> Change:
    """`/pin E12` pins that entry; a bare `/pin` the newest one this author wrote.

    "Newest" is by when it was written, not by `occurred_at`: what the scribe just typed is
    what a bare /pin means, even if it was back-dated behind older entries.
    """
    if entry_id is None:
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = service.read.incident(incident_id)
        newest = service.read.latest_entry_by(incident_id, author)
        if newest is None:
            raise InputError(f"{author} has written nothing on {incident.ref} to pin")
        entry_id = newest.id
    return service.set_pin(incident_id, entry_id, True, by=by)
