"""The scribe's one command language: what the note box, the command palette and the CLI read.

One line is either an entry for the timeline or a command that changes the incident:

    roll back started              a note (the default kind)
    d: roll back deploy 4121       an entry of the kind whose `key` is `d` (decision)
    @14:02 f: db-2 lagging         back-dated: 14:02 today, local time (also `f: @14:02 …`)
    /task Ana 5m check replicas    a command (each verb is declared once in `console.verbs`)

A `Language` is made from the process's vocabulary (its entry kinds' prefixes, its roles,
its audiences). Parsing is pure: it reads no database, so the window can say what Enter will
do while the person is still typing, and every mistake in the line is found before anything
is written. Running calls the verb's operation, the same one the window's keys and the CLI's
subcommands use, so a command means the same thing wherever it is typed.

The rules where a line could be read two ways, chosen so a line never changes meaning by
accident:
- A prefix counts only if it is one of the process's entry-kind keys followed by a colon
  (`D:` too); `http://x` or `Note: x` stay plain notes, their text intact.
- `@` followed by a digit starts a time; `@Ana` is ordinary text. There is at most one time
  per line: first, or right after the kind prefix or the command name.
- A line starting with `/` is a command; a note that starts with `/` needs a prefix (`n: /var…`).
- `/task NAME MINUTES TEXT`: the first word that is a number of minutes (`5`, `5m`) ends NAME.
- `/sme NAME (SERVICE)` or `/sme NAME for SERVICE` (any role): a service in brackets at the very
  end, or after the first ` for `; anything else is all NAME (`/sme Dee Patel` has no service).
"""

import re
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.domain import Change
from console.errors import InputError
from console.patterns import LazyPattern
from console.verbs import Call, VerbTable
from console.vocabulary import DEFAULT_KIND, Vocabulary

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.process import Process
    from console.service import IncidentService


class Parsed(NamedTuple):
    """One line, understood and checked, not yet run.

    `command` is the command's name (`"task"`), or None for a plain or prefixed entry.
    `kind` is the entry kind the line writes directly: every entry, and `/decision`, `/todo`,
    `/page` and `/end`; None for the other commands. `text` is the entry's text (for `/page`
    the whole "Paged TEAM", for `/end` the fixed call-end line), the task's text for `/task`,
    the update's text for `/update`, and "" for commands without free text. `at` is the
    back-dated moment (aware, UTC) or None for "now". `args` holds the command's checked
    arguments (see `console.verbs`).
    """

    command: str | None
    kind: str | None
    text: str
    at: datetime | None = None
    args: dict = {}  # never changed in place: a line's arguments are made anew per parse


# Times after "@": HH:MM (today, local), or a date and a time joined by T or a space, with an
# optional offset (no offset: local time). Digits are ASCII on purpose: a time is typed.
_HHMM = LazyPattern(r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
_DATE = LazyPattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_CLOCK = LazyPattern(
    r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?", re.ASCII
)
_ISO = LazyPattern(
    r"(?P<local>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)
_STARTS_TIME = LazyPattern(r"@[0-9]", re.ASCII)
_PREFIX = LazyPattern(r"([^\s:]+):")
_TIME_FORMS = (
    "write @HH:MM (today, local time), @YYYY-MM-DD HH:MM (local time) or "
    "@YYYY-MM-DDTHH:MMZ (UTC, or an offset such as +02:00 instead of Z)"
)


class Language:
    """The command language of one process: its entry kinds' prefixes and its verbs.

    `parse` is pure: it reads no database, so the window can say what Enter will do while the
    person is still typing, and every mistake is found before anything is written. `execute`
    runs a parsed line through the verb's operation, the same one the window's keys and the
    CLI's subcommands use, so a command means the same thing wherever it is typed.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.verbs = VerbTable.of(vocabulary)
        self.prefixes = _usable(vocabulary.prefixes)

    @classmethod
    def from_process(cls, process: "Process") -> "Language":
        return cls(Vocabulary.from_process(process))

    @staticmethod
    def default() -> "Language":
        """The shipped process's language (no override)."""
        return _default_language()

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, line: str, *, now: datetime, local_tz: tzinfo | None = None) -> Parsed:
        """Read one line, or raise InputError saying what is wrong.

        `now` bounds back-dating (a time more than five minutes ahead is a typo); `local_tz`
        is the zone of `@HH:MM` (default: this machine's).
        """
        text = _clean(line)
        if not text:
            raise InputError("nothing to record")
        if len(text) > domain.MAX_TEXT:
            raise InputError(
                f"the line is too long: {len(text)} characters, the limit is {domain.MAX_TEXT}"
            )
        at, rest = _take_time(text, now, local_tz)
        if rest.startswith("/"):
            return self._parse_command(rest, at, now, local_tz)
        kind, body = _take_prefix(rest, self.prefixes)
        if kind is not None and at is None:
            at, body = _take_time(body, now, local_tz)
        if not body:
            raise InputError("nothing to record" + (f" after {rest.split(':')[0]}:" if kind else ""))
        return Parsed(None, kind or DEFAULT_KIND, body, at, {})

    def _parse_command(self, line: str, at: datetime | None, now: datetime,
                       local_tz: tzinfo | None) -> Parsed:
        word = line[1:].split(maxsplit=1)
        typed = word[0] if word else ""
        tail = word[1].strip() if len(word) > 1 else ""
        if not typed:
            raise InputError("a command name is missing after / — try /sev, /task, /decision…")
        verb = self.verbs.get(typed)
        if verb is None:
            raise self._unknown(typed)
        if at is None:
            at, tail = _take_time(tail, now, local_tz)
        if at is not None and not verb.back_datable:
            raise InputError(f"/{verb.name} cannot be back-dated: it is recorded as of now")
        args, text = verb.read(verb.cut(tail), self.vocabulary)
        return Parsed(verb.name, verb.kind, text, at, args)

    def parse_arguments(self, name: str, raw: list[str | None]) -> Parsed:
        """A verb's arguments given one by one (the CLI's positional arguments), checked as
        if they had been typed on one line."""
        verb = self.verbs[name]
        args, text = verb.read(raw, self.vocabulary)
        return Parsed(verb.name, verb.kind, text, None, args)

    def _unknown(self, typed: str) -> InputError:
        shown = typed if len(typed) <= 30 else typed[:29] + "…"
        names = [w for verb in self.verbs for w in (verb.name,) + verb.words]
        import difflib  # only a mistyped command pays for it

        close = difflib.get_close_matches(typed.lower(), names, n=1)
        if close:
            return InputError(f"unknown command /{shown} — did you mean /{self.verbs[close[0]].name}?")
        note_key = next((key for key, kind in self.prefixes.items() if kind == DEFAULT_KIND), None)
        hint = f"; to note something that starts with /, write {note_key}: /…" if note_key else ""
        return InputError(
            f"unknown command /{shown} — the palette (Ctrl+K) and `incident-console --help` list "
            f"them all ({len(self.verbs.verbs)})" + hint
        )

    def backdate(self, parsed: Parsed, at: datetime) -> Parsed:
        """`parsed` happening at `at` (the CLI's `--at`), refusing a second time or a "now"
        command."""
        if parsed.at is not None:
            raise InputError("the time is given twice: use --at or @TIME in the line, not both")
        if parsed.command is not None and not self.verbs[parsed.command].back_datable:
            raise InputError(f"/{parsed.command} cannot be back-dated: it is recorded as of now")
        return parsed._replace(at=at.astimezone(timezone.utc))

    def entry_kind(self, text: str) -> tuple[str, str]:
        """The kind a text's prefix names (`d: roll back` -> decision, `roll back`), else the
        plain note and the text as it was. Nothing else of the line is read - no command, no
        time - for text written elsewhere and brought in (a Slack import), where `/sev 1` is
        what somebody said, not a command."""
        kind, body = _take_prefix(text, self.prefixes)
        return (kind, body) if kind is not None and body else (DEFAULT_KIND, text)

    # -- writing a line back -----------------------------------------------------------------

    def format(self, parsed: Parsed) -> str:
        """The line that `parse` reads back as `parsed`."""
        head = [] if parsed.at is None else ["@" + _format_time(parsed.at)]
        if parsed.command is None:
            body = _format_entry(parsed, self.prefixes)
        else:
            tail = self.verbs[parsed.command].write(parsed.args, parsed.text)
            body = f"/{parsed.command} {tail}" if tail else f"/{parsed.command}"
        return " ".join(head + [body])

    # -- completion ----------------------------------------------------------------------------

    def complete(self, text: str, people: list[str], teams: list[str] = ()) -> list[str]:
        """Whole-line completions of a partial line, for Tab.

        After `/`, the verb names; then, for the parameter being typed, what its declaration
        offers: `people` for a NAME (the incident's, then the directory's), `teams` for a TEAM
        (the directory's), the states, audiences or roles for those. Anything else: none.
        """
        named = {"people": people, "teams": teams}
        stripped = text.lstrip()
        lead = text[: len(text) - len(stripped)]
        if not stripped.startswith("/"):
            return []
        match = re.fullmatch(r"/(\S*)", stripped)
        if match:
            typed = match.group(1).lower()
            return [lead + f"/{verb.name}" + (" " if verb.takes_arguments else "")
                    for verb in self.verbs if verb.name.startswith(typed)]
        match = re.fullmatch(r"/(\S*)\s+(.*)", stripped, re.DOTALL)
        verb = self.verbs.get(match.group(1))
        if verb is None:
            return []
        done, partial = f"{lead}/{match.group(1)} ", match.group(2)
        for index, param in enumerate(verb.params):
            later = verb.params[index + 1:]
            after = " " if any(not p.optional for p in later) or (later and param.choices not in named) else ""
            if isinstance(param.choices, str) and param.choices in named:
                wanted = _words(partial).casefold()
                seen: set[str] = set()
                found = []
                for person in named[param.choices]:
                    key = person.casefold()
                    if key.startswith(wanted) and key not in seen:
                        seen.add(key)
                        found.append(f"{done}{person}{after}")
                return found
            head, _, rest = partial.partition(" ")
            if not rest and not partial.endswith(" "):
                if param.choices is None:
                    return []
                return [f"{done}{word}{after}" for word in param.choices(self.vocabulary)
                        if word.lower().startswith(head.lower())]
            done, partial = f"{done}{head} ", rest.lstrip()
        return []

    # -- running -----------------------------------------------------------------------------

    def execute(self, service: "IncidentService", incident_id: int, parsed: Parsed, *, by: str,
                uid: str | None = None) -> Change:
        """Run a line parsed earlier (the CLI parses before it opens the database)."""
        if parsed.command is None:
            return service.timeline.log(incident_id, parsed.text, by=by, kind=parsed.kind,
                                        occurred_at=parsed.at, uid=uid)
        verb = self.verbs[parsed.command]
        return verb.run(Call(service, incident_id, parsed.args, parsed.text, parsed.at, by, uid, parsed.kind))

    def run(self, service: "IncidentService", incident_id: int, line: str, *, by: str,
            now: datetime | None = None, local_tz: tzinfo | None = None, uid: str | None = None) -> Change:
        """Parse `line` and run it; InputError (nothing written) if it cannot.

        `now` defaults to the service's own clock, so a back-dated time is judged by the same
        clock that stamps `recorded_at`. `uid` (made by the window before sending) makes a
        resent entry or task harmless; commands that change state refuse a repeat by
        themselves ("already…").
        """
        moment = now if now is not None else service.now()
        return self.execute(service, incident_id, self.parse(line, now=moment, local_tz=local_tz),
                            by=by, uid=uid)

    # -- help ----------------------------------------------------------------------------------

    def help_rows(self, *, grouped: bool = False) -> list[tuple[str, str, str]]:
        """(usage, what it does, example) for every verb, in the palette's order.

        `grouped` folds the one-verb-per-role rows into one (for a sheet that must fit on a
        screen): `/ic · /deputy · … NAME [(SERVICE)]`.
        """
        rows: list[tuple[str, str, str]] = []
        role_verbs = [verb for verb in self.verbs if verb.role is not None]
        for verb in self.verbs:
            if grouped and verb.role is not None:
                if verb is role_verbs[0]:
                    names = " · ".join(f"/{v.name}" for v in role_verbs)
                    tail = verb.usage.split(maxsplit=1)[1]
                    rows.append((f"{names} {tail}", "give that role (a new IC is a hand-over; a "
                                 "one-holder role replaces its holder)", verb.example))
                continue
            rows.append((verb.usage, verb.summary, verb.example))
        return rows


@lru_cache(maxsize=1)
def _default_language() -> Language:
    return Language(Vocabulary.default())


def _usable(kinds: dict[str, str]) -> dict[str, str]:
    """Only keys that can be typed as a prefix (one word, no colon), lowercased."""
    table = {}
    for key, kind in kinds.items():
        key = str(key).strip().lower()
        if key and _PREFIX.fullmatch(key + ":"):
            table.setdefault(key, kind)
    return table


def _clean(line: str) -> str:
    """Drop control characters (NUL included) as `domain.clean_text` does, and strip."""
    if not isinstance(line, str):
        return ""
    return "".join(ch for ch in line if ch in "\n\t" or (ch >= " " and ch != "\x7f")).strip()


def _words(text: str) -> str:
    return " ".join(text.split())


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
            raise times.in_the_future(typed, now, local_tz) from None
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
        raise times.in_the_future(typed, now, local_tz) from None


def _take_prefix(text: str, table: dict[str, str]) -> tuple[str | None, str]:
    """`d: text` -> ("decision", "text") when `d` is a key; else (None, text) unchanged."""
    match = _PREFIX.match(text)
    kind = table.get(match.group(1).lower()) if match else None
    if kind is None:
        return None, text
    return kind, text[match.end():].strip()


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
