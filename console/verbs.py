"""Every verb of the command language, each declared once.

A `Verb` says everything about one command: its name, its parameters (each with the function
that reads and checks what was typed), how a line's tail is cut into those parameters, the
example and help line, whether it may be back-dated, the entry kind it writes, and the
operation it runs. The line parser, the formatter, Tab completion, the palette, the help, the
cheat sheet and the CLI's subcommands are all read from these declarations
(`console.commands.Language` puts them together with the process's vocabulary).

Role verbs are not written here: each role in the process is a verb (`/ic NAME`, `/cl NAME`,
`/subteam_leader NAME (database)`), made by `role_verb` from the role's declaration in
`roles.yaml`. `/role ROLE NAME` names any role.
"""

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from console import domain
from console.domain import Change
from console.errors import InputError
from console.patterns import LazyPattern
from console.vocabulary import COMMANDER, TEAM_LEADER, Role, Vocabulary

CALL_END_TEXT = "Call over; continue in the chat room"

_MINUTES_WORD = LazyPattern(r"[0-9]+m?", re.ASCII | re.IGNORECASE)
_SME_BRACKETS = LazyPattern(r"(?P<person>.+?)\s*\((?P<service>[^()]*)\)", re.DOTALL)
_SME_FOR = LazyPattern(r"\s+for\s+", re.IGNORECASE)
_OBJECTIONS = LazyPattern(r"\s--\s*objections?\s*:\s*", re.IGNORECASE)
OBJECTIONS = _OBJECTIONS  # how a decision records the objections asked for (console/debrief.py reads it)
_MEMBERS = LazyPattern(r"(?:^|\s)--\s*members?\s*:\s*", re.IGNORECASE)


# -- what a verb is made of ------------------------------------------------------------------

class Param(NamedTuple):
    """One parameter: `read` turns what was typed into a checked value (InputError if it can't);
    `show` writes the value back as the line would have it. `choices` names what Tab offers:
    "people" (the incident's and the directory's) or "teams" (the directory's), given by the
    caller of `Language.complete`; or a function of the vocabulary returning the words to offer."""

    name: str
    metavar: str
    read: Callable[[str, Vocabulary], Any]
    show: Callable[[Any], str] = str
    optional: bool = False
    choices: str | Callable[[Vocabulary], tuple[str, ...]] | None = None
    help: str = ""


class Call(NamedTuple):
    """One verb to run: against which incident, with what checked arguments, by whom."""

    service: Any  # IncidentService (a string annotation costs a compile(): see console.vocabulary)
    incident_id: int
    args: dict
    text: str
    at: Any  # datetime | None
    by: str
    uid: str | None
    kind: str | None


class Verb(NamedTuple):
    name: str
    summary: str
    example: str
    params: tuple[Param, ...]
    run: Callable[[Call], Change]
    group: str  # incident, people, work, record: the palette's and the cheat sheet's order
    split: Callable[[str], list[str | None]] | None = None  # default: one word per parameter
    back_datable: bool = True  # its operation takes a time; the others happen "now" by nature
    kind: str | None = None  # the entry kind it writes directly (decision, todo, page, call_end)
    text_param: str | None = None  # the parameter that is the entry's (or task's) text
    fixed_text: str | None = None  # the entry text when the verb always writes the same
    words: tuple[str, ...] = ()  # other names it answers to (a role's id and aliases)
    cli_names: tuple[str, ...] = ()  # other names of its CLI subcommand (task-done)
    cli: bool = True  # offered as a CLI subcommand
    cli_path: tuple[str, ...] = ()  # its subcommand under a group instead (`subteam add`)
    role: str | None = None  # the role this verb gives, for a role of the process
    # After parsing: a value for other arguments worked out from the text (objections).
    derive: Callable[[dict, str], dict] | None = None
    text_of: Callable[[dict], str] | None = None  # the entry text made from the arguments (/page)
    # Switches of its CLI subcommand only (`update --override`): (name, help); each is an argument.
    flags: tuple[tuple[str, str], ...] = ()

    @property
    def usage(self) -> str:
        shown = [f"[{p.metavar}]" if p.optional else p.metavar for p in self.params]
        return " ".join([f"/{self.name}"] + shown)

    @property
    def takes_arguments(self) -> bool:
        return bool(self.params)

    def usage_error(self) -> InputError:
        return InputError(f"usage: {self.usage}, e.g. {self.example}")

    def cut(self, tail: str) -> list[str | None]:
        """The tail of a line cut into one raw text per parameter (None: not given). One word
        per parameter; a last parameter that is free text takes the rest of the line."""
        if self.split is not None:
            return self.split(tail)
        count = len(self.params)
        if self.params and self.params[-1].name == self.text_param:
            parts = tail.split(maxsplit=count - 1)
            if len(parts) == count:
                parts[-1] = parts[-1].strip()
        else:
            parts = tail.split()
            if len(parts) > count:
                raise self.usage_error()
        return parts + [None] * (count - len(parts))

    def read(self, raw: list[str | None], vocabulary: Vocabulary) -> tuple[dict, str]:
        """Checked arguments and the entry text from one raw text per parameter."""
        args: dict = {}
        text = self.fixed_text or ""
        for param, value in zip(self.params, raw, strict=True):
            if value is not None and not value.strip():  # given, but empty: `/sme Dee ()`
                raise InputError(f"{param.metavar.strip('()')} is empty; {self.usage_error()}")
            if value is None:
                if not param.optional:
                    raise self.usage_error()
                if param.name != self.text_param:
                    args[param.name] = None
                continue
            if param.name == self.text_param:
                text = param.read(value, vocabulary)
            else:
                args[param.name] = param.read(value, vocabulary)
        if self.derive is not None:
            args.update(self.derive(args, text))
        if self.text_of is not None:
            text = self.text_of(args)
        return args, text

    def write(self, args: dict, text: str) -> str:
        """The tail of the line that reads back as `args` and `text`."""
        parts = []
        for param in self.params:
            value = text if param.name == self.text_param else args.get(param.name)
            if value is None or value == "":
                continue
            parts.append(param.show(value))
        return " ".join(parts)


# -- reading what was typed -------------------------------------------------------------------

def _words(text: str) -> str:
    """A name as one line: runs of whitespace become one space."""
    return " ".join(text.split())


def _name(what: str) -> Callable[[str, Vocabulary], str]:
    def read(text: str, _: Vocabulary) -> str:
        return domain.clean_text(_words(text), what, domain.MAX_NAME)
    return read


def _free_text(what: str, limit: int = domain.MAX_TEXT, multiline: bool = True):
    def read(text: str, _: Vocabulary) -> str:
        return domain.clean_text(text.strip(), what, limit, multiline=multiline)
    return read


def _raw_text(text: str, _: Vocabulary) -> str:
    """Entry text as typed; the store cleans it when it writes (one place for its rules)."""
    return text.strip()


def _one_word(read: Callable[[str], Any]) -> Callable[[str, Vocabulary], Any]:
    return lambda text, _: read(text)


def _severity(text: str, _: Vocabulary) -> int:
    return domain.parse_severity(text)


def _status(text: str, _: Vocabulary) -> str:
    return domain.parse_status(text)


def _audience(text: str, vocabulary: Vocabulary) -> str:
    return vocabulary.audience(text)


def _role(text: str, vocabulary: Vocabulary) -> str:
    return vocabulary.role(text).id


def _check_item(text: str, vocabulary: Vocabulary) -> str:
    return vocabulary.check_item(text)


PERSON = Param("person", "NAME", _name("person"), choices="people")
SERVICE = Param("service", "(SERVICE)", _name("service"), lambda s: f"({s})" if "(" not in s and ")" not in s
                else f"for {s}", optional=True)
MINUTES = Param("minutes", "MINUTES", _one_word(domain.parse_minutes), lambda m: f"{m}m")
TASK = Param("task_id", "TASK", _one_word(domain.parse_task_ref), domain.format_task_ref)


def _split_person_service(tail: str) -> list[str | None]:
    """`Dee Patel (payments)` or `Dee Patel for payments` -> person, service."""
    if not tail.strip():
        return [None, None]
    match = _SME_BRACKETS.fullmatch(tail)
    if match:
        return [match["person"], match["service"] if match["service"].strip() else ""]
    parts = _SME_FOR.split(tail, maxsplit=1)
    if len(parts) == 2 and parts[1].strip():
        return [parts[0], parts[1]]
    return [tail, None]


def _write_person_service(args: dict) -> str:
    service = args.get("service")
    if service is None:
        return args["person"]
    if "(" in service or ")" in service:
        return f"{args['person']} for {service}"
    return f"{args['person']} ({service})"


def _split_task(tail: str) -> list[str | None]:
    """`Ana Alvarez 5m check the replicas` -> NAME, MINUTES, TEXT: the first word that is a
    number of minutes ends the name."""
    words = list(re.finditer(r"\S+", tail))
    for i, word in enumerate(words):
        if _MINUTES_WORD.fullmatch(word.group()):
            if i == 0:
                break
            text = _words(tail[word.end():])
            if not text:
                break
            return [" ".join(w.group() for w in words[:i]), word.group(), text]
    return [None, None, None]


def _split_rest(tail: str) -> list[str | None]:
    """The whole tail is the one parameter."""
    return [tail or None]


# -- running -----------------------------------------------------------------------------------

def _log(call: Call) -> Change:
    return call.service.timeline.log(call.incident_id, call.text, by=call.by, kind=call.kind,
                                     occurred_at=call.at, uid=call.uid)


def _assign(call: Call) -> Change:
    args = call.args
    change = call.service.roster.assign(call.incident_id, args["role"], args["person"], by=call.by,
                                        at=call.at)
    if args.get("service") is None:
        return change
    # The roster entry has no room for the service, so it follows as a note in a second
    # transaction; everything in it was checked above, so only storage can come between.
    role = call.service.vocabulary.role_by_id(args["role"])
    note = call.service.timeline.log(call.incident_id, f"{args['person']}: {role.short} for {args['service']}",
                                     by=call.by, kind="note", occurred_at=call.at)
    return Change(note.incident, change.entries + note.entries, roles_changed=True)


def _relieve(call: Call) -> Change:
    return call.service.roster.relieve(call.incident_id, call.args["role"], call.args["person"],
                                       by=call.by, at=call.at)


def _update(call: Call) -> Change:
    if call.args.get("audience") is None or not call.text:
        raise InputError("write /update AUDIENCE TEXT (in the window, a bare /update opens the composer)")
    return call.service.updates.send(call.incident_id, call.args["audience"], call.text, by=call.by,
                                     override=bool(call.args.get("override")))


def _page(call: Call) -> Change:
    return call.service.outbox.page(call.incident_id, call.args["team"], by=call.by, kind=call.kind or "page",
                                    occurred_at=call.at, uid=call.uid)


def _pin(call: Call) -> Change:
    """`/pin E12` pins that entry; a bare `/pin` the newest one this author wrote.

    "Newest" is by when it was written, not by `occurred_at`: what the scribe just typed is
    what a bare /pin means, even if it was back-dated behind older entries.
    """
    service, entry_id = call.service, call.args.get("entry_id")
    if entry_id is None:
        author = domain.clean_text(call.by, "author", domain.MAX_NAME)
        incident = service.read.incidents.get(call.incident_id)
        newest = service.read.timeline.latest_by(call.incident_id, author)
        if newest is None:
            raise InputError(f"{author} has written nothing on {incident.ref} to pin")
        entry_id = newest.id
    return service.history.set_pin(call.incident_id, entry_id, True, by=call.by)


def _check(checked: bool) -> Callable[[Call], Change]:
    def run(call: Call) -> Change:
        item = call.args["item"]
        return call.service.checklist.set(call.incident_id, item, checked, by=call.by,
                                          label=call.service.vocabulary.checklist[item])
    return run


def _objections(args: dict, text: str) -> dict:
    parts = _OBJECTIONS.split(text, maxsplit=1)
    return {"objections": (parts[1].strip() or None) if len(parts) == 2 else None}


# -- the verbs ---------------------------------------------------------------------------------

def role_verb(role: Role) -> Verb:
    """`/ic NAME`: the verb a role in the process becomes."""
    return Verb(
        name=role.command, words=tuple(w for w in role.words if w != role.command),
        summary=f"the {role.name}" + (" (a new one is a hand-over)" if role.id == COMMANDER else
                                      " (replaces the current one)" if role.single else ""),
        example=f"/{role.command} " + ("Dee Patel (payments)" if role.id == "sme" else "Ana Alvarez"),
        params=(PERSON, SERVICE), split=_split_person_service, run=_assign, group="people", cli=False,
        role=role.id,
        derive=lambda args, text, role_id=role.id: {"role": role_id},
    )


ROLE = Param("role", "ROLE", _role, lambda r: r,
             choices=lambda v: tuple(r.command for r in v.roles if r.id != TEAM_LEADER))


def _split_role(tail: str) -> list[str | None]:
    words = tail.split(maxsplit=1)
    if not words:
        return [None, None, None]
    return [words[0]] + _split_person_service(words[1] if len(words) > 1 else "")


FIXED_VERBS: tuple[Verb, ...] = (
    Verb("sev", "set the severity, 1 (most severe) to 5", "/sev 2",
         (Param("level", "N", _severity),), lambda c: c.service.incidents.set_severity(
             c.incident_id, c.args["level"], by=c.by, at=c.at), "incident"),
    Verb("status", "active, mitigated or resolved", "/status mitigated",
         (Param("state", "STATE", _status, choices=lambda v: domain.STATUSES),),
         lambda c: c.service.incidents.set_status(c.incident_id, c.args["state"], by=c.by, at=c.at), "incident"),
    Verb("role", "give anyone a role from the process, by its name or alias", "/role ic_shadow Gil",
         (ROLE, PERSON, SERVICE), _assign, "people", split=_split_role),
    Verb("relieve", "end a person's term in a role", "/relieve deputy Ben",
         (ROLE, Param("person", "NAME", _name("person"), choices="people")), _relieve, "people",
         split=lambda tail: (tail.split(maxsplit=1) + [None, None])[:2]),
    Verb("task", "give one named person a task and check back in MINUTES", "/task Ana 5m check the replicas",
         (PERSON, MINUTES, Param("text", "TEXT", _free_text("task text", domain.MAX_TASK_TEXT, multiline=False))),
         lambda c: c.service.tasks.add(c.incident_id, c.args["person"], c.args["minutes"], c.text,
                                       by=c.by, at=c.at, uid=c.uid),
         "work", split=_split_task, text_param="text"),
    Verb("done", "mark a task done", "/done T3", (TASK,),
         lambda c: c.service.tasks.done(c.incident_id, c.args["task_id"], by=c.by), "work",
         back_datable=False, cli_names=("task-done",)),
    Verb("extend", "push a task's check-back time", "/extend T3 5m", (TASK, MINUTES),
         lambda c: c.service.tasks.extend(c.incident_id, c.args["task_id"], c.args["minutes"], by=c.by),
         "work", back_datable=False, cli_names=("task-extend",)),
    Verb("reassign", "give a task to someone else", "/reassign T3 Ben Okafor",
         (TASK, Param("person", "NAME", _name("person"), choices="people")),
         lambda c: c.service.tasks.reassign(c.incident_id, c.args["task_id"], c.args["person"], by=c.by),
         "work", back_datable=False, split=lambda tail: (tail.split(maxsplit=1) + [None, None])[:2]),
    Verb("check", "tick a checklist step (by its id)", "/check ic-during-01-announce",
         (Param("item", "ITEM", _check_item, choices=lambda v: tuple(v.checklist)),), _check(True), "work",
         back_datable=False),
    Verb("uncheck", "untick a checklist step", "/uncheck ic-during-01-announce",
         (Param("item", "ITEM", _check_item, choices=lambda v: tuple(v.checklist)),), _check(False), "work",
         back_datable=False),
    Verb("decision", "record a decision (objections after `-- objections:`)",
         "/decision roll back 4121 -- objections: Ben worried about data loss",
         (Param("text", "TEXT", _raw_text),), _log, "record", kind="decision", text_param="text",
         split=_split_rest, derive=_objections),
    Verb("todo", "a follow-up for the post-mortem", "/todo find out why the canary missed it",
         (Param("text", "TEXT", _raw_text),), _log, "record", kind="todo", text_param="text",
         split=_split_rest),
    Verb("pin", "pin an entry (without ENTRY: your newest one)", "/pin E12",
         (Param("entry_id", "ENTRY", _one_word(domain.parse_entry_ref), domain.format_entry_ref,
                optional=True),), _pin, "record", back_datable=False),
    Verb("page", "page a team through the page destinations (notify add … --audience page), and record it",
         "/page db-oncall",
         (Param("team", "TEAM", _name("team"), choices="teams"),), _page, "record", kind="page", split=_split_rest,
         text_of=lambda args: f"Paged {args['team']}"),
    Verb("update", "send a status update to an audience's destinations, and record it",
         "/update executives rollback under way, next update 14:30",
         (Param("audience", "AUDIENCE", _audience, lambda a: a, optional=True,
                choices=lambda v: v.audiences),
          Param("text", "TEXT", _raw_text, optional=True)),
         _update, "record", back_datable=False, text_param="text",
         flags=(("override", "send it even if the message rules find something (the override is recorded)"),)),
    Verb("end", "the call is over; discussion continues in chat", "/end", (), _log, "record",
         kind="call_end", fixed_text=CALL_END_TEXT),
)


# -- sub-teams (console.subteams) ---------------------------------------------------------------

def _team(text: str, vocabulary: Vocabulary) -> str:
    return vocabulary.team(text).name


TEAM = Param("team", "TEAM", _team, choices=lambda v: tuple(t.name for t in v.teams))


def _split_subteam(tail: str) -> list[str | None]:
    """`Alpha Dee Patel 20m replica lag` -> TEAM, LEADER, MINUTES, PROBLEM (the rest as /task)."""
    words = tail.split(maxsplit=1)
    if not words:
        return [None] * 4
    return [words[0]] + _split_task(words[1] if len(words) > 1 else "")


def _members(args: dict, text: str) -> dict:
    """`replica lag -- members: Ben, Cy Ode` -> the problem, and the members by comma."""
    parts = _MEMBERS.split(text, maxsplit=1)
    members = [m.strip() for m in parts[1].split(",") if m.strip()] if len(parts) == 2 else []
    problem = parts[0].strip()
    if not problem:
        raise InputError("the problem is empty; usage: /subteam TEAM LEADER MINUTES PROBLEM")
    return {"problem": problem, "members": members}


FIXED_VERBS += (
    Verb("subteam", "spin off a sub-team: its leader, a time-box to check back, the problem "
         "(members after `-- members:`)", "/subteam Alpha Dee Patel 20m replica lag",
         (TEAM, Param("leader", "LEADER", _name("leader"), choices="people"), MINUTES,
          Param("text", "PROBLEM", _free_text("problem", multiline=False))),
         lambda c: c.service.subteams.add(c.incident_id, c.args["team"], c.args["leader"], c.args["minutes"],
                                          c.args["problem"], members=c.args["members"], by=c.by, at=c.at),
         "people", split=_split_subteam, text_param="text", derive=_members, cli_path=("subteam", "add")),
    Verb("join", "someone joins a sub-team (from another: a move)", "/join Alpha Ben Okafor",
         (TEAM, Param("person", "NAME", _name("person"), choices="people")),
         lambda c: c.service.subteams.join(c.incident_id, c.args["team"], c.args["person"], by=c.by, at=c.at),
         "people", split=lambda tail: (tail.split(maxsplit=1) + [None, None])[:2], cli_path=("subteam", "join")),
    Verb("subteam-done", "a sub-team is done: its members report to the IC again", "/subteam-done Alpha",
         (TEAM,), lambda c: c.service.subteams.done(c.incident_id, c.args["team"], by=c.by),
         "people", back_datable=False, cli_path=("subteam", "done")),
)

# -- security incidents (console.security) -------------------------------------------------------

FIXED_VERBS += (
    Verb("codename", "a security incident's name for everyone but its responders (without NAME: "
         "two new random words)", "/codename Jade Griffin",
         (Param("name", "NAME", _raw_text, optional=True),),
         lambda c: c.service.security.rename(c.incident_id, c.args.get("name"), by=c.by),
         "incident", split=_split_rest, back_datable=False),
    Verb("forensics-clear", "forensics shows a security incident's attack was not internal: its "
         "messages beyond the response team may go out", "/forensics-clear no insider access in the logs",
         (Param("note", "NOTE", _raw_text, optional=True),),
         lambda c: c.service.security.clear(c.incident_id, by=c.by, note=c.args.get("note")),
         "incident", split=_split_rest, back_datable=False),
)
FIXED_VERB_NAMES = frozenset(name for verb in FIXED_VERBS for name in (verb.name,) + verb.cli_names)
GROUPS = ("incident", "people", "work", "record")


class VerbTable:
    """The verbs of one vocabulary, in the palette's order, found by any of their names."""

    __slots__ = ("verbs", "_by_word")

    def __init__(self, verbs: tuple[Verb, ...]) -> None:
        self.verbs = verbs
        self._by_word: dict[str, Verb] = {}
        for verb in verbs:
            for word in (verb.name,) + verb.words:
                self._by_word.setdefault(word, verb)

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> "VerbTable":
        # The Sub-team Leader is given with a team (/subteam), never on its own.
        roles = tuple(role_verb(role) for role in vocabulary.roles if role.id != TEAM_LEADER)
        # The palette's order: the incident, its people (each role, then any role), its work,
        # its record.
        return cls(tuple([v for v in FIXED_VERBS if v.group == "incident"] + list(roles) + [
            v for group in GROUPS[1:] for v in FIXED_VERBS if v.group == group]))

    def get(self, word: str) -> Verb | None:
        return self._by_word.get(word.lower())

    def __getitem__(self, name: str) -> Verb:
        return self._by_word[name]

    def __iter__(self):
        return iter(self.verbs)

    @property
    def names(self) -> list[str]:
        return [verb.name for verb in self.verbs]
