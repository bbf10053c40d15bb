"""The incident process as data: load the defaults, merge an organisation's overrides, validate.

The defaults are the YAML files in the `data` package (format: `data/FORMAT.md`). An
organisation's override folder holds files of the same names whose items are merged by id:
a new id is added, a known id has just the keys it names replaced (nested lists of items merge
the same way, and a mapping merges key by key: `cadence: {executives: 20}` changes that one
audience), and `disabled: true` removes an item. Every mistake is reported as
`file:line: what is wrong`, all of them at once, and a process with any mistake is refused as
a whole: the console never runs half-configured.

Validating costs ~120 ms (YAML, the schema, the handbook's anchors, RE2), so a command that is
given a cache folder keeps the validated result there, keyed on everything it depends on (see
"the cache" below), and validates again only when one of those changes. PyYAML, the handbook
and RE2 are imported only to validate.
"""

import os
import re
import reprlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from console import cache, paths
from console.vocabulary import REQUIRED_ROLES, UPDATE_KINDS, WRITTEN_KINDS
from console.errors import InputError
from console.patterns import LazyPattern

Location = tuple[str, int]
_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7f) if c != 0x09}
_ID = LazyPattern(r"^[a-z0-9][a-z0-9_-]*$")
_COLOUR = LazyPattern(r"^#[0-9a-fA-F]{6}$")
_WORD = LazyPattern(r"^[^\W\d_]{2,20}$")  # one word of letters (a codename's half)


def _is_date(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


# -- YAML with line numbers ----------------------------------------------------------------

class LDict(dict):
    """A mapping that remembers where it, and each of its keys, was written."""

    loc: Location
    key_loc: dict[str, Location]


class LList(list):
    loc: Location


class Problem(NamedTuple):
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        # One line each, whatever a file name or a quoted value holds.
        return f"{self.file}:{self.line}: {self.message}".translate(_CONTROL_ESCAPES)


class ProcessError(InputError):
    """The process definition has mistakes; `problems` lists every one (bad input: exit 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# An override folder is written by people and read by every command, so nothing in it may make
# loading slow: files are read up to a size, and the YAML features that multiply a small text
# into a huge structure (anchors and aliases, and the merge keys built on them) are refused
# before anything is built. Process files are a few kilobytes, nested six levels at most.
MAX_FILE_BYTES = 128 * 1024  # five times the largest default file
MAX_DEPTH = 20
MAX_NUMBER_CHARS = 30
_shown = reprlib.Repr()  # values quoted in messages: a 1 MiB string is shown by its start
_shown.maxstring = _shown.maxother = _shown.maxlong = 60
_shown.maxlist = _shown.maxdict = 6


def _base_loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refused_construct(text: str, name: str) -> Problem | None:
    """The first anchor, alias or too-deep nesting in the parser's events, before any node is built."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=_base_loader()):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return Problem(name, line, f"YAML aliases (*{event.anchor}) are not allowed in process "
                           "files; write the value out in full")
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)) and event.anchor is not None:
            return Problem(name, line, f"YAML anchors (&{event.anchor}) are not allowed in process "
                           "files; write each value out in full")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(name, line, f"nested deeper than {MAX_DEPTH} levels; a process file "
                               "needs six at most")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _loader_class(name: str, problems: list[Problem]):
    import yaml

    base = _base_loader()

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def mapping(loader, node):
        result = LDict()
        result.loc = (name, node.start_mark.line + 1)
        result.key_loc = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(name, line, "YAML merge keys (<<) are not allowed in process "
                                        "files; write the keys out in full"))
                continue
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                problems.append(Problem(name, line, f"keys must be words, not {_shown.repr(key)}"))
                continue
            if key in result:
                problems.append(Problem(name, line, f"duplicate key {_shown.repr(key)}"))
                continue
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_loc[key] = (name, line)
        return result

    def sequence(loader, node):
        result = LList(loader.construct_object(child, deep=True) for child in node.value)
        result.loc = (name, node.start_mark.line + 1)
        return result

    def number(construct):
        # YAML's base-60 numbers and 4,300-digit integers cost time to convert (or do not convert
        # at all) and mean nothing in a process file.
        def checked(loader, node):
            if len(node.value) > MAX_NUMBER_CHARS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a number of {len(node.value)} characters is too long", node.start_mark)
            return construct(loader, node)
        return checked

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    Loader.add_constructor("tag:yaml.org,2002:int", number(base.construct_yaml_int))
    Loader.add_constructor("tag:yaml.org,2002:float", number(base.construct_yaml_float))
    return Loader


def read_yaml(text: str, name: str, problems: list[Problem]) -> Any:
    """Parse one file; syntax errors and refused constructs become problems with their line."""
    import yaml

    try:
        refused = _refused_construct(text, name)
        if refused is not None:
            problems.append(refused)
            return None
        return yaml.load(text, Loader=_loader_class(name, problems))  # noqa: S506 - safe loader
    except yaml.MarkedYAMLError as exc:
        # Point at where the broken construct began (an unclosed bracket or quote), and say
        # where the parser gave up when that is elsewhere.
        start, stop = exc.context_mark, exc.problem_mark
        line = (start or stop).line + 1 if (start or stop) else 1
        message = " ".join(filter(None, [exc.context, exc.problem]))
        if start and stop and stop.line != start.line:
            message += f" (noticed at line {stop.line + 1})"
        problems.append(Problem(name, line, f"bad YAML: {message}"))
    except yaml.reader.ReaderError as exc:  # a control character, found by its line
        # libyaml's position counts UTF-8 bytes; the first such character is where it stopped.
        where = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, where) + 1 if where >= 0 else 1
        problems.append(Problem(name, line, f"bad YAML: character #x{exc.character:04x} is not "
                                "allowed (control characters cannot be written in YAML)"))
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 1, f"bad YAML: {exc}"))
    return None


# -- the schema --------------------------------------------------------------------------

class F(NamedTuple):
    """One key of an item: its type, whether it must be there, and what it may refer to."""

    kind: str  # str, int, bool, strlist, list, map, items, page, regex, colour
    required: bool = True
    nullable: bool = False
    choices: tuple[str, ...] | None = None
    ref: str | None = None  # a list name whose ids the value (or each list value) must be
    # For map and items; or a function giving them, when another module names them.
    fields: dict[str, "F"] | Callable[[], dict[str, "F"]] | None = None
    low: int | None = None
    high: int | None = None


def _word_lists() -> dict[str, F]:
    """A lint rule's word lists: console.blame's, and the security rules' third parties. Asked
    only while validating, so that loading the process does not import console.blame (~1.3 ms)."""
    from console.blame import WORD_LISTS

    return {name: F("strlist", required=False) for name in WORD_LISTS + ("third_parties",)}


def _text(required: bool = True) -> F:
    return F("str", required)


PAGE = F("page")
_MOMENTS = ("on_join", "before_decision", "on_assign", "lull", "timer_expired", "periodic", "at_close",
            "span_exceeded")
_STEPS = ("open", "size_up", "stabilize", "update", "verify", "continuous", "close")
_CHECKS = ("regex", "roster_blame", "acronyms", "sentence_count", "timeline_links",
           "impact_numbers", "action_item_tags", "apology", "unfilled", "manual", "dated_title",
           "third_parties")
_SCOPES_EXTRA = ("customer_message", "external_message", "security_announcement", "all")
# Declared here rather than in console.scenarios, which reads them: every command loads the
# process, and only validating it needs the scenarios' module (~1 ms to import).
SCENARIO_FILES = "scenarios/"  # the folder of scenario files, in data/ and in an override folder
# The checks a debrief can run (console/debrief.py has one function for each); drills.yaml's
# `debrief_checks` name them, with their thresholds and handbook pages.
DEBRIEF_CHECKS = ("roles_named", "update_cadence", "task_checkbacks", "decisions_polled",
                  "span_of_control", "handover")

SCHEMA: dict[str, dict[str, dict[str, F]]] = {
    "severities.yaml": {"severities": {
        "level": F("int", low=1, high=5), "name": _text(), "title": _text(), "summary": _text(),
        "criteria": F("strlist"), "examples": F("strlist"), "paged": F("strlist"),
        "major": F("bool"), "response": F("strlist"),
        # Minutes per update audience (the audiences of updates.yaml) and `deputy_callout`.
        "cadence": F("map"),
        "postmortem": F("map", fields={
            "required": F("bool"), "meeting_within": F("int", nullable=True, low=1),
            "day_kind": F("str", choices=("calendar", "business")),
        }),
        "page": PAGE,
    }},
    "roles.yaml": {"roles": {
        "name": _text(), "short": _text(), "aliases": F("strlist"), "key": F("str", required=False),
        "kind": F("str", choices=("core", "auxiliary")),
        "group": F("str", choices=("command_staff", "liaison", "responder", "auxiliary")),
        "purpose": _text(), "who_can_hold": _text(), "min": F("int", low=0),
        "max": F("int", nullable=True, low=1), "exclusive": F("bool"),
        "needed_from_level": F("int", nullable=True, low=1, high=5),
        "duties": F("map", fields={p: F("strlist") for p in ("before", "during", "after")}),
        "page": PAGE,
    }},
    "handoff.yaml": {"handoff_rules": {
        "text": _text(), "role": F("str", required=False, ref="roles"),
        "after_minutes": F("int", required=False, low=1),
        "level": F("str", choices=("info", "suggest", "strong")),
        "successor": F("str", required=False, ref="roles"), "page": PAGE,
    }},
    "checklists.yaml": {"checklists": {
        "role": F("str", ref="roles"), "phase": F("str", choices=("before", "during", "after")),
        "title": _text(), "security_only": F("bool"), "page": PAGE,
        # When the process was last reviewed and last tested (the security page asks for both).
        "last_reviewed": F("date", required=False), "last_tested": F("date", required=False),
        "items": F("items", fields={
            "text": _text(), "detail": _text(False), "page": F("page", required=False),
            "step": F("str", required=False, choices=_STEPS),
        }),
    }},
    "prompts.yaml": {"prompts": {
        "audience": F("str", ref="roles|everyone"), "moment": F("str", choices=_MOMENTS),
        "text": _text(), "page": PAGE,
    }},
    "entry_kinds.yaml": {"entry_kinds": {
        "label": _text(), "key": _text(), "colour": F("colour"),
        "source": F("str", choices=("explicit", "derived")), "description": _text(),
    }},
    "postmortem.yaml": {
        "header": {"label": _text(), "help": _text()},
        "statuses": {"label": _text(), "next": F("list", ref="statuses"), "help": _text()},
        "sections": {
            "number": F("int", low=1), "title": _text(), "help": _text(),
            "fill": F("str", choices=("none", "impact", "responders", "timeline", "action_items")),
            "subsections": F("items", required=False, fields={"title": _text(), "help": _text()}),
            "kinds": F("list", required=False, ref="entry_kinds"), "updates": F("strlist", required=False),
        },
    },
    "lint_rules.yaml": {"lint_rules": {
        "source": F("str", choices=("handbook", "optional")), "enabled": F("bool"),
        "scope": F("list", ref="sections|scopes"), "check": F("str", choices=_CHECKS),
        "pattern": F("regex", required=False), "message": _text(), "suggestion": _text(),
        "page": PAGE,
        "words": F("map", required=False, fields=_word_lists),
    }},
    "updates.yaml": {"update_templates": {
        "audience": _text(), "kind": F("str", required=False, choices=UPDATE_KINDS),
        "title": _text(), "body": _text(), "rules": F("list", ref="lint_rules"), "page": PAGE,
        "security_rules": F("list", required=False, ref="lint_rules"),
    }},
    "commands.yaml": {"commands": {
        "chatops": _text(), "purpose": _text(), "console": _text(), "how": _text(), "page": PAGE,
    }},
    "anti_patterns.yaml": {"anti_patterns": {
        "title": _text(), "problem": _text(), "instead": _text(), "page": PAGE,
    }},
    "glossary.yaml": {"terms": {
        "term": _text(), "definition": _text(), "aliases": F("strlist"), "page": PAGE,
    }},
    # Drills (console/drills.py, console/debrief.py, console/training.py): what a scenario's
    # injects may be, what a debrief scores, what counts toward the IC qualification.
    "drills.yaml": {
        "inject_types": {"label": _text(), "kind": F("str", ref="entry_kinds"), "description": _text()},
        "debrief_checks": {
            "title": _text(), "check": F("str", choices=DEBRIEF_CHECKS), "page": PAGE,
            "minutes": F("int", required=False, low=1, high=1440),
            "roles": F("list", required=False, ref="roles"),
            "rule": F("str", required=False, ref="handoff_rules"),
        },
        "qualification": {"label": _text(), "needed": F("int", low=0, high=100),
                          "role": F("str", required=False, ref="roles"),
                          "counts_in": F("str", required=False, choices=("drills", "incidents")),
                          "page": PAGE},
    },
    # One or more files in the scenarios/ folder (shipped: data/scenarios/; an override folder's
    # scenarios/ adds or changes them by id), each holding a `scenarios` list.
    SCENARIO_FILES: {"scenarios": {
        "title": _text(), "severity": F("int", low=1, high=5), "security": F("bool", required=False),
        "summary": _text(), "page": PAGE,
        "injects": F("items", fields={
            "at": F("offset"), "type": F("str", ref="inject_types"), "from": _text(), "text": _text(),
        }),
    }},
    "backups.yaml": {"backups": {
        "every_minutes": F("int", low=1, high=1440), "keep_hourly": F("int", low=0, high=1000),
        "keep_daily": F("int", low=0, high=1000),
    }},
    "security.yaml": {"codenames": {"first": F("words"), "second": F("words")}},
    "subteams.yaml": {
        "subteams": {"name": _text(), "room": _text(), "bridge": _text()},
        "span_of_control": {
            "role": F("str", ref="roles"), "reports": F("list", ref="roles"),
            "threshold": F("int", low=1, high=100), "text": _text(), "page": PAGE,
        },
    },
}
# Files the process once had, and what to do with an override of one.
RETIRED_FILES = {
    "settings.yaml": "settings.yaml is no longer read (its values never changed what the console "
                     "does); delete it, and override the file that keeps each choice (docs/decisions.md "
                     "says which)",
}
# What the core itself relies on: these cannot be disabled by an override.
CORE_ROLES = REQUIRED_ROLES


# -- the merged process ----------------------------------------------------------------------

class Process:
    """The merged, validated process: lists of items by list name (`process.items("roles")`)."""

    def __init__(self, lists: dict[str, list[dict]], sources: list[str]) -> None:
        self._lists = lists
        self.sources = sources

    def items(self, list_name: str) -> list[dict]:
        return self._lists[list_name]

    def by_id(self, list_name: str, item_id: str) -> dict:
        for item in self._lists[list_name]:
            if item["id"] == item_id:
                return item
        raise KeyError(f"{list_name}: no {item_id!r}")

    def severity(self, level: int) -> dict:
        return next(s for s in self._lists["severities"] if s["level"] == level)

    def counts(self) -> dict[str, int]:
        result = {name: len(items) for name, items in self._lists.items()}
        result["checklist_items"] = sum(len(c["items"]) for c in self._lists["checklists"])
        return result

    def to_plain(self) -> dict[str, list[dict]]:
        """Plain dicts and lists, ready for JSON."""
        return _plain(self._lists)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -- loading ---------------------------------------------------------------------------------

def default_sources() -> list[tuple[str, str]]:
    """(display name, text) of every default process file."""
    folder = paths.shipped("data")
    found = [(f"data/{name}", (folder / name).read_text(encoding="utf-8")) for name in SCHEMA
             if name != SCENARIO_FILES]
    scenarios = folder / SCENARIO_FILES.rstrip("/")
    return found + [(f"data/{SCENARIO_FILES}{path.name}", path.read_text(encoding="utf-8"))
                    for path in sorted(scenarios.glob("*.yaml"))]


def _schema_of(display: str) -> str:
    """The SCHEMA key of a source file: its name, or the scenarios folder for one inside it."""
    path = Path(display)
    return SCENARIO_FILES if path.parent.name == SCENARIO_FILES.rstrip("/") else path.name


def override_sources(folder: Path) -> tuple[list[tuple[str, str]], list[Problem]]:
    problems: list[Problem] = []
    if not folder.is_dir():
        return [], [Problem(str(folder), 1, "is not a folder")]
    found = []
    for path in sorted(folder.iterdir()):
        if path.name == SCENARIO_FILES.rstrip("/") and path.is_dir() and not path.is_symlink():
            for inner in sorted(path.iterdir()):
                if inner.suffix in (".yaml", ".yml"):
                    text, problem = _read_override(inner)
                    problems.append(problem) if problem is not None else found.append((str(inner), text))
            continue
        if path.suffix not in (".yaml", ".yml"):
            continue
        if path.name in RETIRED_FILES:
            problems.append(Problem(str(path), 1, RETIRED_FILES[path.name]))
            continue
        if path.name not in SCHEMA:
            problems.append(Problem(str(path), 1, f"unknown process file {_shown.repr(path.name)}; "
                                    f"expected one of: {', '.join(SCHEMA)}"))
            continue
        text, problem = _read_override(path)
        if problem is not None:
            problems.append(problem)
        else:
            found.append((str(path), text))
    return found, problems


def _read_override(path: Path) -> tuple[str, Problem | None]:
    """A file's text, or why it cannot be a process file (never blocking on a pipe or a device)."""
    if not path.is_file():
        return "", Problem(str(path), 1, "is not a regular file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return "", Problem(str(path), 1, f"cannot read: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return "", Problem(str(path), 1, f"is larger than {MAX_FILE_BYTES // 1024} KiB; "
                           "a process file is a few kilobytes of YAML")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return "", Problem(str(path), line, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                           f"at column {column})")


def load_process(override_dir: Path | None = None, cache_dir: Path | None = None) -> Process:
    """The default process merged with `override_dir` (if it exists); raises ProcessError.

    Given `cache_dir` (`Paths.cache_dir`), a result validated before from the very same files
    is read from there, and a newly validated one is kept there (see "the cache" below).
    """
    files = _files_now(override_dir) if cache_dir is not None else None
    if files is not None:  # the files as they were when a key was last made from their bytes
        known = cache.get(cache_dir / FILES_FILE, files)
        cached = _cached(cache_dir, known) if isinstance(known, str) else None
        if cached is not None:
            return cached
    sources = default_sources()
    problems: list[Problem] = []
    if override_dir is not None and override_dir.exists():
        extra, extra_problems = override_sources(override_dir)
        sources += extra
        problems += extra_problems
    key = _cache_key(sources) if cache_dir is not None and not problems else None
    if key is not None:
        cached = _cached(cache_dir, key)
        if cached is not None:
            _remember(cache_dir, files, key)
            return cached
    process = _merged(sources, problems)
    if key is not None:
        _keep(cache_dir, key, process)
        _remember(cache_dir, files, key)
    return process


def _merged(sources: list[tuple[str, str]], problems: list[Problem]) -> Process:
    """Parse, merge and validate; raises ProcessError with every problem found."""
    lists: dict[str, LList] = {}
    for display, text in sources:
        base = _schema_of(display)
        document = read_yaml(text, display, problems)
        if document is None:
            if text.strip() and not any(p.file == display for p in problems):
                problems.append(Problem(display, 1, "file is empty"))
            continue
        if not isinstance(document, LDict):
            problems.append(Problem(display, 1, "expected a mapping of list names to lists"))
            continue
        for list_name, items in document.items():
            line = document.key_loc[list_name][1]
            if list_name not in SCHEMA[base]:
                known = ", ".join(SCHEMA[base])
                problems.append(Problem(display, line, f"unknown list {_shown.repr(list_name)}; this file holds: {known}"))
                continue
            if not isinstance(items, LList):
                problems.append(Problem(display, line, f"{list_name} must be a list of items"))
                continue
            if list_name in lists:
                lists[list_name] = _merge_items(lists[list_name], items, problems, list_name)
            else:
                lists[list_name] = _merge_items(_empty(display, line), items, problems, list_name)
    for base, file_lists in SCHEMA.items():
        for list_name in file_lists:
            if list_name not in lists:
                problems.append(Problem(f"data/{base}", 1, f"missing list {_shown.repr(list_name)}"))
                lists[list_name] = _empty(f"data/{base}", 1)
    _validate(lists, problems)
    if problems:
        raise ProcessError(problems)
    return Process(_plain(lists), [d for d, _ in sources])


# -- the cache -------------------------------------------------------------------------------
#
# The last validated process, kept in the cache folder (console/cache.py: private, atomic, a
# spoiled file is a miss) under a key that is a hash of everything validation reads: the name
# and bytes of every default and override file, the source of the modules whose rules decide
# what is valid, and the handbook pages that `page` references must name. Any change to any
# of them is a miss, and a miss validates exactly as without the cache. Only a process that
# passed is ever kept, so a refused override is refused on every run.
#
# Reading and hashing those ~55 files costs a command ~6 ms, so the key last made is also kept
# under what the files looked like then (`_files_now`: the folders' listings and each file's
# size, inode and times), and found from there when nothing has changed: a file written since
# has a new change time (ctime), which no program can set back. Only files that have not
# changed for SETTLE_NS are remembered so: two writes within one tick of the file system's
# clock could leave the same times.

CACHE_FILE = "process.json"
_CACHE_FORMAT = b"incident-console process cache, format 1"
# The modules whose rules (the schema, the roles the core needs, the verbs' names, RE2
# patterns, page references) decide whether a process is valid.
_RULES = ("process.py", "vocabulary.py", "verbs.py", "lint.py", "blame.py", "handbook.py", "scenarios.py")
_LIST_NAMES = frozenset(name for lists in SCHEMA.values() for name in lists)
FILES_FILE = "process-files.json"
SETTLE_NS = 2_000_000_000


def _files_now(override_dir: Path | None) -> str | None:
    """A digest of the listings of the process's folders and the size, inode, mode and times
    of each file `_cache_key` reads (and of each entry of the override folders); None when a
    file changed in the last SETTLE_NS, or cannot be looked at. Plain strings and os.scandir:
    pathlib would cost as much as reading the files."""
    data, rules = os.fspath(paths.shipped("data")), os.path.dirname(__file__)
    files = [f"{data}/{name}" for name in SCHEMA if name != SCENARIO_FILES]
    files += [f"{rules}/{name}" for name in _RULES]
    folders = [(f"{data}/{SCENARIO_FILES}", False), (os.fspath(paths.shipped("resources")) + "/handbook", True)]
    if override_dir is not None:
        folders += [(os.fspath(override_dir), False), (f"{os.fspath(override_dir)}/{SCENARIO_FILES}", False)]
    parts = []
    try:
        while folders:
            folder, deep = folders.pop()
            try:
                with os.scandir(folder) as scan:
                    entries = sorted((entry.name, entry.path, deep and entry.is_dir()) for entry in scan)
            except OSError as exc:  # none, or not a folder: each is a different process
                parts.append(f"{folder!r} {exc.errno}")
                continue
            parts.append(f"{folder!r} {[name for name, _, _ in entries]!r}")
            for _, path, inner in entries:
                folders.append((path, True)) if inner else files.append(path)
        settled = time.time_ns() - SETTLE_NS
        for file in files:
            info = os.stat(file)
            if info.st_mtime_ns > settled or info.st_ctime_ns > settled:
                return None
            parts.append(f"{file!r} {info.st_mode} {info.st_dev} {info.st_ino} {info.st_size} "
                         f"{info.st_mtime_ns} {info.st_ctime_ns}")
    except OSError:
        return None
    return _blake2b("\n".join(parts).encode("utf-8", "surrogateescape"), digest_size=32).hexdigest()


def _remember(folder: Path, files: str | None, key: str) -> None:
    if files is not None:
        cache.put(folder / FILES_FILE, files, key)


def _blake2b(data: bytes, digest_size: int):
    try:
        from _blake2 import blake2b  # hashlib's own BLAKE2, without loading OpenSSL (~4 ms)
    except ImportError:  # pragma: no cover - another Python
        from hashlib import blake2b

    return blake2b(data, digest_size=digest_size)


def _cache_key(sources: list[tuple[str, str]]) -> str | None:
    """The key of a validated process of `sources`; None when the rules cannot be read."""
    digest = _blake2b(_CACHE_FORMAT, digest_size=32)

    def add(name: str, data: bytes) -> None:
        for part in (os.fsencode(name), data):  # each part with its length: no two inputs meet
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)

    for display, text in sources:
        add(display, text.encode("utf-8"))
    here = Path(__file__).parent
    try:
        for name in _RULES:
            add(name, (here / name).read_bytes())
        for page_id, page in paths.handbook_pages():
            add(page_id, page.read_bytes())
    except OSError:
        return None  # installed without its sources: validate every time
    return digest.hexdigest()


def _cached(folder: Path, key: str) -> Process | None:
    stored = cache.get(folder / CACHE_FILE, key)
    if not isinstance(stored, dict):
        return None
    lists, sources = stored.get("lists"), stored.get("sources")
    if (not isinstance(lists, dict) or lists.keys() != _LIST_NAMES or not isinstance(sources, list)
            or not all(isinstance(items, list) for items in lists.values())):
        return None
    return Process(lists, sources)


def _keep(folder: Path, key: str, process: Process) -> None:
    cache.put(folder / CACHE_FILE, key, {"sources": process.sources, "lists": process.to_plain()})


def _empty(name: str, line: int) -> LList:
    result = LList()
    result.loc = (name, line)
    return result


def _item_loc(item: Any, fallback: Location) -> Location:
    return item.loc if isinstance(item, LDict) else fallback


def _merge_items(base: LList, incoming: LList, problems: list[Problem], what: str) -> LList:
    """Merge `incoming` into `base` by id (see the module docstring); `base` is not changed."""
    result = _empty(*base.loc)
    result.extend(base)
    position = {item["id"]: i for i, item in enumerate(result) if isinstance(item, LDict) and "id" in item}
    seen_here: set[str] = set()
    removed: set[int] = set()
    for item in incoming:
        loc = _item_loc(item, incoming.loc)
        if not isinstance(item, LDict):
            problems.append(Problem(*loc, f"each item of {what} must be a mapping with an id"))
            continue
        item_id = item.get("id")
        if not isinstance(item_id, str) or not _ID.match(item_id):
            problems.append(Problem(*item.key_loc.get("id", loc),
                                    f"bad or missing id {_shown.repr(item_id)} in {what} (lowercase letters, "
                                    "digits, - and _)"))
            continue
        if item_id in seen_here:
            problems.append(Problem(*item.key_loc["id"], f"duplicate id {_shown.repr(item_id)} in {what}"))
            continue
        seen_here.add(item_id)
        disabled = item.get("disabled")
        if disabled is not None and not isinstance(disabled, bool):
            problems.append(Problem(*item.key_loc["disabled"], "disabled must be true or false"))
            continue
        if item_id in position:
            if disabled:
                removed.add(position[item_id])
                continue
            result[position[item_id]] = _merge_item(result[position[item_id]], item, problems)
        elif disabled:
            problems.append(Problem(*item.key_loc["id"], f"cannot disable {_shown.repr(item_id)}: {what} has no such id"))
        else:
            position[item_id] = len(result)
            result.append(item)
    kept = _empty(*result.loc)
    kept.extend(item for i, item in enumerate(result) if i not in removed)
    return kept


def _merge_item(base: LDict, override: LDict, problems: list[Problem], *,
                skip: tuple[str, ...] = ("disabled",)) -> LDict:
    """`base` with what `override` names: a mapping merges key by key, at any depth (a
    severity's `cadence: {executives: 20}` keeps its other audiences); a list of items merges
    by id; any other value, a plain list included, replaces the old one."""
    merged = LDict(base)
    merged.loc = base.loc
    merged.key_loc = dict(base.key_loc)
    for key, value in override.items():
        if key in skip:
            continue
        old = base.get(key)
        if isinstance(old, LList) and isinstance(value, LList) and all(isinstance(v, LDict) for v in old):
            merged[key] = _merge_items(old, value, problems, key)
        elif isinstance(old, LDict) and isinstance(value, LDict):
            merged[key] = _merge_item(old, value, problems, skip=())
        else:
            merged[key] = value
        merged.key_loc[key] = override.key_loc[key]
    return merged


# -- validation ------------------------------------------------------------------------------

def _type_ok(spec: F, value: Any) -> bool:
    if value is None:
        return spec.nullable
    if spec.kind in ("str", "page", "regex", "colour", "date"):
        return isinstance(value, str)
    if spec.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind in ("strlist", "list", "words"):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if spec.kind == "map":
        return isinstance(value, dict)
    if spec.kind == "items":
        return isinstance(value, list)
    if spec.kind == "offset":
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    return False


_TYPE_NAMES = {
    "str": "text", "page": "a handbook page", "regex": "a regular expression", "colour": "#rrggbb",
    "int": "a whole number", "bool": "true or false", "strlist": "a list of text",
    "list": "a list of ids", "map": "a mapping", "items": "a list of items",
    "offset": "a time into the drill (5m, 90s, 1m30s, or whole minutes)",
    "date": "a date in quotes, 'YYYY-MM-DD'", "words": "a list of single words",
}


def _check_fields(item: LDict, fields: dict[str, F], where: str, problems: list[Problem],
                  refs: list[tuple[Location, str, str, str]]) -> None:
    """Check one mapping against its fields; references are collected for later."""
    from console.handbook import check_page_ref
    from console.lint import PatternError, check_pattern

    for key in item:
        if key not in fields and key not in ("id", "disabled"):
            problems.append(Problem(*item.key_loc[key], f"unknown key {_shown.repr(key)} in {where}"))
    missing = [key for key, spec in fields.items() if spec.required and key not in item]
    if missing:
        problems.append(Problem(*item.loc, f"{where} is missing: {', '.join(missing)}"))
    for key, spec in fields.items():
        if key not in item:
            continue
        value, loc = item[key], item.key_loc[key]
        if not _type_ok(spec, value):
            problems.append(Problem(*loc, f"{key} must be {_TYPE_NAMES[spec.kind]}"
                                    + (" or null" if spec.nullable else "") + f", not {_shown.repr(value)}"))
            continue
        if value is None:
            continue
        if spec.kind == "str" and not value.strip():
            problems.append(Problem(*loc, f"{key} is empty"))
        if spec.choices and value not in spec.choices:
            problems.append(Problem(*loc, f"{key} {_shown.repr(value)} is not one of: {', '.join(spec.choices)}"))
        if spec.kind == "int" and ((spec.low is not None and value < spec.low)
                                   or (spec.high is not None and value > spec.high)):
            problems.append(Problem(*loc, f"{key} {value} is out of range "
                                    f"({spec.low if spec.low is not None else '…'}..{spec.high or '…'})"))
        if spec.kind == "offset":
            from console.scenarios import parse_offset

            try:
                parse_offset(value)
            except InputError as exc:
                problems.append(Problem(*loc, f"{key}: {exc}"))
        if spec.kind == "date" and not _is_date(value):
            problems.append(Problem(*loc, f"{key} {_shown.repr(value)} is not a date (YYYY-MM-DD)"))
        if spec.kind == "words" and (not value or not all(_WORD.match(w) for w in value)):
            bad = [w for w in value if not _WORD.match(w)]
            problems.append(Problem(*loc, f"{key}: {_shown.repr(bad[0])} is not one word of letters" if bad
                                    else f"{key} is empty"))
        if spec.kind == "colour" and not _COLOUR.match(value):
            problems.append(Problem(*loc, f"{key} {_shown.repr(value)} is not a #rrggbb colour"))
        if spec.kind == "regex":
            try:
                check_pattern(value)
            except PatternError as exc:
                problems.append(Problem(*loc, f"{key} {exc}"))
        if spec.kind == "page":
            why = check_page_ref(value)
            if why:
                problems.append(Problem(*loc, f"{key}: {why}"))
        if spec.kind == "map":
            inner = value if isinstance(value, LDict) else None
            if inner is not None and spec.fields:
                fields = spec.fields() if callable(spec.fields) else spec.fields
                _check_fields(inner, fields, f"{where} {key}", problems, refs)
        if spec.kind == "items" and spec.fields:
            if not value:
                problems.append(Problem(*loc, f"{where} has an empty {key} list"))
            for sub in value:
                if isinstance(sub, LDict) and "id" in sub:
                    _check_fields(sub, spec.fields, f"{key} item {_shown.repr(sub['id'])}", problems, refs)
        if spec.ref:
            for target in ([value] if isinstance(value, str) else value):
                refs.append((loc, key, target, spec.ref))


def _validate(lists: dict[str, LList], problems: list[Problem]) -> None:
    refs: list[tuple[Location, str, str, str]] = []
    for base, file_lists in SCHEMA.items():
        for list_name, fields in file_lists.items():
            for item in lists[list_name]:
                if isinstance(item, LDict):
                    _check_fields(item, fields, f"{list_name} item {_shown.repr(item['id'])}", problems, refs)
    ids = {name: {i["id"] for i in items if isinstance(i, LDict)} for name, items in lists.items()}
    ids["everyone"] = {"everyone"}
    ids["scopes"] = set(_SCOPES_EXTRA)
    for loc, key, target, ref in refs:
        allowed = set().union(*(ids[name] for name in ref.split("|")))
        if target not in allowed:
            problems.append(Problem(*loc, f"{key} refers to {_shown.repr(target)}, which is not defined "
                                    f"(in {ref.replace('|', ' or ')})"))
    _cross_checks(lists, problems)


def _cross_checks(lists: dict[str, LList], problems: list[Problem]) -> None:
    """Rules that span items: what the core relies on, and uniqueness beyond one list."""
    def loc_of(name: str) -> Location:
        return lists[name].loc

    severities = lists["severities"]
    levels = sorted(s.get("level") for s in severities if isinstance(s.get("level"), int))
    if levels != [1, 2, 3, 4, 5]:
        problems.append(Problem(*loc_of("severities"), f"severities must define levels 1 to 5 once each, found {levels}"))
    role_ids = {r["id"] for r in lists["roles"]}
    for key in CORE_ROLES:
        if key not in role_ids:
            problems.append(Problem(*loc_of("roles"), f"role {_shown.repr(key)} is missing; the console needs it"))
    kind_ids = {k["id"] for k in lists["entry_kinds"]}
    for missing in sorted(set(WRITTEN_KINDS) - kind_ids):
        problems.append(Problem(*loc_of("entry_kinds"), f"entry kind {_shown.repr(missing)} is missing; the console writes it"))
    if "automatic" not in {b["id"] for b in lists["backups"] if isinstance(b, LDict)}:
        problems.append(Problem(*loc_of("backups"), "backup settings 'automatic' are missing; the console needs them"))
    _check_role_words(lists["roles"], problems)
    _check_cadences(lists["severities"], lists["update_templates"], problems)
    _unique(lists["entry_kinds"], "key", problems)
    _unique(lists["sections"], "number", problems)
    seen: dict[str, Location] = {}
    for checklist in lists["checklists"]:
        for item in checklist.get("items") or []:
            if isinstance(item, LDict) and "id" in item:
                if item["id"] in seen:
                    problems.append(Problem(*item.key_loc["id"], f"checklist item id {_shown.repr(item['id'])} "
                                            f"is already used at {seen[item['id']][0]}:{seen[item['id']][1]}"))
                seen.setdefault(item["id"], item.key_loc["id"])
    from console.scenarios import check_scenario_text

    for scenario in lists["scenarios"]:
        problems.extend(Problem(*loc, why) for loc, why in check_scenario_text(scenario))
    for check in lists["debrief_checks"]:
        needs = {"roles_named": "roles", "handover": "rule"}.get(check.get("check"))
        if needs and not check.get(needs):
            problems.append(Problem(*check.loc, f"debrief check {_shown.repr(check['id'])} "
                                    f"({check['check']}) needs {needs}"))
    _check_subteams(lists["subteams"], lists["span_of_control"], problems)
    for rule in lists["lint_rules"]:
        if rule.get("check") == "regex" and not rule.get("pattern"):
            problems.append(Problem(*rule.loc, f"lint rule {_shown.repr(rule['id'])} has check regex but no pattern"))


def _check_subteams(teams: LList, spans: LList, problems: list[Problem]) -> None:
    """A team's name is one word (typed first in `/subteam Alpha …`) naming one team only, by
    name or id, in any case; one span of control per role."""
    seen: dict[str, str] = {}
    for team in teams:
        name = team.get("name") if isinstance(team, LDict) else None
        if isinstance(name, str) and name.strip():
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name, re.ASCII):
                problems.append(Problem(*team.key_loc["name"], f"sub-team name {_shown.repr(name)} must be one "
                                        "word of letters, digits, - or _ (it is typed in /subteam NAME …)"))
                continue
            for word in {name.casefold(), team["id"].casefold()}:
                if word in seen and seen[word] != team["id"]:
                    problems.append(Problem(*team.key_loc["name"], f"sub-team name {_shown.repr(name)} "
                                            f"already names sub-team {_shown.repr(seen[word])}"))
                seen.setdefault(word, team["id"])
    _unique(spans, "role", problems)


def _unique(items: Iterable[LDict], key: str, problems: list[Problem]) -> None:
    seen: dict[Any, str] = {}
    for item in items:
        if key in item:
            if item[key] in seen:
                problems.append(Problem(*item.key_loc[key], f"{key} {_shown.repr(item[key])} is already used by {_shown.repr(seen[item[key]])}"))
            seen.setdefault(item[key], item["id"])


def _check_role_words(roles: LList, problems: list[Problem]) -> None:
    """Every word that names a role (id or alias) names one role only and is no other command;
    every role-bar key is one letter, used once."""
    from console.verbs import FIXED_VERB_NAMES  # the language's own verbs

    seen: dict[str, str] = {}
    keys: dict[str, str] = {}
    for role in roles:
        words = [role["id"]] + [str(a).strip().lower() for a in role.get("aliases") or ()]
        for word in words:
            loc = role.key_loc.get("aliases", role.loc) if word != role["id"] else role.key_loc["id"]
            if not re.fullmatch(r"[a-z][a-z0-9_]*", word, re.ASCII):
                problems.append(Problem(*loc, f"role word {_shown.repr(word)} must be lower-case letters, digits or _"))
            elif word in FIXED_VERB_NAMES:
                problems.append(Problem(*loc, f"role word {_shown.repr(word)} is already the command /{word}"))
            elif word in seen and seen[word] != role["id"]:
                problems.append(Problem(*loc, f"role word {_shown.repr(word)} already names role {_shown.repr(seen[word])}"))
            seen.setdefault(word, role["id"])
        key = role.get("key")
        if key is not None:
            key = str(key).strip().lower()
            if not re.fullmatch(r"[a-z]", key, re.ASCII):
                problems.append(Problem(*role.key_loc["key"], f"key {_shown.repr(key)} must be one letter"))
            elif key in keys:
                problems.append(Problem(*role.key_loc["key"], f"key {_shown.repr(key)} is already role {_shown.repr(keys[key])}'s"))
            keys.setdefault(key, role["id"])


def _check_cadences(severities: LList, templates: LList, problems: list[Problem]) -> None:
    """A severity's cadence names update audiences (those of updates.yaml) or deputy_callout."""
    audiences = {t.get("audience") for t in templates} | {"deputy_callout"}
    for severity in severities:
        cadence = severity.get("cadence")
        if not isinstance(cadence, LDict):
            continue
        for audience, minutes in cadence.items():
            loc = cadence.key_loc[audience]
            if audience not in audiences:
                problems.append(Problem(*loc, f"cadence {_shown.repr(audience)} is no update audience "
                                        f"(updates.yaml has: {', '.join(sorted(a for a in audiences if a))})"))
            elif minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1):
                problems.append(Problem(*loc, f"cadence {audience} must be whole minutes (1 or more) or null, "
                                        f"not {_shown.repr(minutes)}"))
