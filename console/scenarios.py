"""Drill scenarios: a title, a severity and injects at offsets, read from the process data.

A scenario lives in `data/scenarios/*.yaml` (an override folder's `scenarios/` adds or changes
them by id, see data/FORMAT.md). Each inject is something that happens to the trainee Incident
Commander at a time into the drill: an SME reports, a team is paged, an executive asks for an
ETA, a customer ticket arrives, a timer runs out, the impact changes severity. What each inject
type is (its label and the timeline entry kind it is written as) is `drills.yaml`'s
`inject_types`. A past incident becomes a scenario too (`replay`): its timeline as injects at
their original offsets, leaving out what the trainee must do themselves.

This module reads; console/drills.py runs a scenario as a drill.
"""

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from console import domain, times
from console.errors import InputError, NotFound
from console.patterns import LazyPattern
from console.vocabulary import UPDATE_KINDS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.process import Process
    from console.queries import Reader

MIN_SPEED, MAX_SPEED = 1, 60
MAX_OFFSET = 24 * 3600  # a drill is a day at most
# Replaying a past incident leaves out what the trainee Incident Commander does themselves (and
# what the debrief scores): naming roles, handing over, tasks, decisions, updates sent, ending
# the call. Everything else that happened (findings, pages, notes, system status, severity
# changes...) comes back as injects. Status updates are written as one of UPDATE_KINDS.
TRAINEE_KINDS = frozenset({"roster", "handover", "task", "decision", "call_end", *UPDATE_KINDS})
_OFFSET = LazyPattern(r"^\s*(?:([0-9]{1,4})\s*h)?\s*(?:([0-9]{1,5})\s*m)?\s*(?:([0-9]{1,6})\s*s)?\s*$",
                     re.IGNORECASE | re.ASCII)


class Inject(NamedTuple):
    """One thing that happens `at` seconds into the drill (scenario time, before any speed-up)."""

    at: int
    kind: str  # the timeline entry kind it is written as
    author: str  # who says it
    text: str


class Scenario(NamedTuple):
    id: str
    title: str
    severity: int | None
    security: bool
    summary: str
    injects: tuple[Inject, ...]  # in order of `at`
    page: str | None = None
    replay_of: str | None = None  # the uid of the incident a replay was made from


def parse_offset(value: Any) -> int:
    """Seconds into a drill: `5m`, `90s`, `1m30s`, `1h`, or a whole number of minutes."""
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value * 60
    else:
        match = _OFFSET.match(str(value)) if isinstance(value, str) else None
        if match is None or not any(match.groups()):
            raise InputError(f"bad time into the drill {str(value)[:40]!r}: expected 5m, 90s, 1m30s or 1h")
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if not 0 <= seconds <= MAX_OFFSET:
        raise InputError(f"time into the drill {value!r} is outside 0..24h")
    return seconds


def parse_speed(value: Any) -> int:
    """How many times faster than real time a drill runs: a whole number 1..60 (`10` or `10x`)."""
    text = str(value).strip().lower().removesuffix("x").removesuffix("×")
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and MIN_SPEED <= int(text) <= MAX_SPEED):
        raise InputError(f"bad speed {str(value)[:20]!r}: expected a whole number from {MIN_SPEED} to {MAX_SPEED}")
    return int(text)


def check_scenario_text(scenario: dict) -> list[tuple[tuple[str, int], str]]:
    """What the store would refuse in a scenario's texts, found when the process is checked
    (where, why): a drill never fails half-way through on a title or an inject too long."""
    found = []
    limits = (("title", domain.MAX_TITLE), ("from", domain.MAX_NAME), ("text", domain.MAX_TEXT))
    for item in [scenario] + [i for i in scenario.get("injects") or () if isinstance(i, dict)]:
        for key, limit in limits:
            value = item.get(key)
            if isinstance(value, str) and len(value) > limit:
                where = getattr(item, "key_loc", {}).get(key) or getattr(item, "loc", ("scenarios", 1))
                found.append((where, f"{key} is {len(value)} characters; at most {limit}"))
    return found


def all_scenarios(process: "Process") -> list[Scenario]:
    """Every scenario of the process, in the order of their files."""
    kinds = {t["id"]: t for t in process.items("inject_types")}
    return [_scenario(item, kinds) for item in process.items("scenarios")]


def find(process: "Process", scenario_id: str) -> Scenario:
    wanted = (scenario_id or "").strip().lower()
    scenarios = all_scenarios(process)
    for scenario in scenarios:
        if scenario.id == wanted:
            return scenario
    known = ", ".join(s.id for s in scenarios) or "none"
    raise NotFound(f"no scenario {scenario_id!r}: the process has {known}")


def _scenario(item: dict, types: dict[str, dict]) -> Scenario:
    injects = sorted(
        (Inject(parse_offset(i["at"]), types[i["type"]]["kind"], i["from"],
                f"{types[i['type']]['label']}: {i['text']}")
         for i in item["injects"]),
        key=lambda inject: inject.at,
    )
    return Scenario(item["id"], item["title"], item["severity"], bool(item.get("security")),
                    item["summary"], tuple(injects), item.get("page"))


def replay(read: "Reader", incident_id: int, severity_kind: str = "severity") -> Scenario:
    """A past incident as a scenario: its timeline as injects at their offsets from the
    declaration, without the trainee's own moves (TRAINEE_KINDS) or retracted entries; a
    severity change comes back as a system entry the trainee must act on."""
    incident = read.incidents.get(incident_id)
    start = times.from_text(incident.declared_at)
    injects = []
    drill = read.drills.get(incident_id)
    start_note = drill.uid if drill else None  # a drill's own start note is not replayed
    for entry in read.timeline.all(incident_id):
        if entry.kind in TRAINEE_KINDS or entry.retracted or entry.uid == start_note:
            continue
        offset = int((times.from_text(entry.occurred_at) - start).total_seconds())
        kind, text = entry.kind, entry.current_text
        if kind == severity_kind:
            kind, text = "system", f"Replayed: {text}"
        injects.append(Inject(min(max(offset, 0), MAX_OFFSET), kind, entry.author, text))
    if not injects:
        raise InputError(f"{incident.ref} has nothing to replay: its timeline holds only what the "
                         "Incident Commander does")
    title = f"Replay of {incident.ref}: {incident.shown_title}"[: domain.MAX_TITLE]
    return Scenario(f"replay-{incident.ref.lower()}", title, _first_severity(read, incident),
                    incident.security, f"{incident.ref} as it happened, for training.",
                    tuple(sorted(injects, key=lambda i: i.at)), replay_of=incident.uid)


def _first_severity(read: "Reader", incident) -> int | None:
    """The severity the incident was declared at (its first severity change says what it was
    before), else the one it has now."""
    for entry in read.timeline.all(incident.id):
        if entry.kind == "severity":
            match = re.match(r"Severity SEV-([1-5]) ->", entry.text)
            return int(match.group(1)) if match else incident.severity
    return incident.severity
