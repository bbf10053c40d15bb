"""The debrief: what the handbook asks of an Incident Commander, scored against the record.

Each item of drills.yaml's `debrief_checks` names one check below (its `check`), with its
thresholds and the handbook page to read; each check returns pass or fail (or "not scored" when
the record gives it nothing to score) with its evidence: the timeline entries, by ref and time,
it read. The drill's own injects are never counted as the trainee's work. In a drill run faster
than real time every duration is scenario time (wall-clock time multiplied by the speed), which
is what the handbook's minutes mean; any incident can be debriefed, at speed 1.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from console import times
from console.board import severity_definition
from console.domain import Entry, Incident
from console.drills import Drill
from console.updates import entry_text
from console.verbs import OBJECTIONS
from console.vocabulary import Vocabulary

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.process import Process
    from console.queries import Reader


class Evidence(NamedTuple):
    at: str  # when (UTC, as stored)
    text: str
    entry: str | None = None  # the timeline entry's ref (E12), when there is one


class Item(NamedTuple):
    id: str
    title: str
    passed: bool | None  # None: not scored (nothing in the record to score)
    summary: str
    evidence: tuple[Evidence, ...]
    page: str

    @property
    def result(self) -> str:
        return {True: "pass", False: "fail", None: "not scored"}[self.passed]


class Debrief(NamedTuple):
    incident: Incident
    drill: Drill | None
    speed: int
    ended_at: str  # the end of what was scored: the resolution, or when the debrief was made
    items: tuple[Item, ...]

    @property
    def passed(self) -> int:
        return sum(1 for i in self.items if i.passed)

    @property
    def scored(self) -> int:
        return sum(1 for i in self.items if i.passed is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident.ref, "title": self.incident.shown_title, "drill": self.incident.drill,
            "scenario": self.drill.scenario if self.drill else None, "speed": self.speed,
            "ended_at": self.ended_at, "passed": self.passed, "scored": self.scored,
            "items": [{"id": i.id, "title": i.title, "result": i.result, "summary": i.summary,
                       "page": i.page,
                       "evidence": [{"entry": e.entry, "at": e.at, "text": e.text} for e in i.evidence]}
                      for i in self.items],
        }


class _Record(NamedTuple):
    """What every check reads: the incident, the trainee's entries (injects left out) and the
    scale from wall-clock to scenario minutes."""

    read: "Reader"
    process: "Process"
    incident: Incident
    entries: tuple[Entry, ...]
    speed: int
    end: datetime

    def minutes(self, start: str | datetime, stop: str | datetime) -> float:
        """Scenario minutes from `start` to `stop`."""
        a = times.from_text(start) if isinstance(start, str) else start
        b = times.from_text(stop) if isinstance(stop, str) else stop
        return (b - a).total_seconds() * self.speed / 60

    def wall(self, minutes: float) -> timedelta:
        """Scenario minutes as wall-clock time."""
        return timedelta(minutes=minutes / self.speed)

    def entry_at(self, at: str, kinds: tuple[str, ...], contains: str = "") -> Entry | None:
        return next((e for e in self.entries if e.occurred_at == at and e.kind in kinds
                     and contains in e.text), None)


def debrief(read: "Reader", process: "Process", incident_id: int, now: datetime) -> Debrief:
    incident = read.incidents.get(incident_id)
    drill = read.drills.get(incident_id)
    injects = read.drills.inject_entries(incident_id)
    entries = tuple(e for e in read.timeline.all(incident_id) if e.id not in injects and not e.retracted)
    end = times.from_text(incident.resolved_at) if incident.resolved_at else now
    record = _Record(read, process, incident, entries, drill.speed if drill else 1, end)
    items = []
    for spec in process.items("debrief_checks"):
        passed, summary, evidence = CHECKS[spec["check"]](record, spec)
        items.append(Item(spec["id"], spec["title"], passed, summary, tuple(evidence), spec["page"]))
    return Debrief(incident, drill, record.speed, times.to_text(end), tuple(items))


def _ref(entry: Entry | None) -> str | None:
    return entry.ref if entry else None


def _m(minutes: float) -> str:
    return f"{minutes:.1f} min"


# -- the checks: (record, its drills.yaml item) -> (passed, summary, evidence) ----------------------

def roles_named(record: _Record, spec: dict):
    vocabulary = Vocabulary.from_process(record.process)
    terms = record.read.roster.all(record.incident.id)
    declared = record.incident.declared_at
    evidence, late, missing = [], [], []
    for role in spec["roles"]:
        name = vocabulary.role_name(role)
        first = min((t for t in terms if t.role == role), key=lambda t: t.from_at, default=None)
        if first is None:
            missing.append(name)
            evidence.append(Evidence(times.to_text(record.end), f"no {name} was named"))
            continue
        after = record.minutes(declared, first.from_at)
        if after > spec["minutes"]:
            late.append(name)
        entry = record.entry_at(first.from_at, ("roster", "handover"), first.person)
        evidence.append(Evidence(first.from_at, f"{name}: {first.person}, {_m(after)} after the declaration",
                                 _ref(entry)))
    if missing or late:
        parts = ([f"never named: {', '.join(missing)}"] if missing else []) + (
            [f"named after {spec['minutes']} min: {', '.join(late)}"] if late else [])
        return False, "; ".join(parts), evidence
    return True, f"all named within {spec['minutes']} min", evidence


def update_cadence(record: _Record, spec: dict):
    incident = record.incident
    cadence = (severity_definition(record.process, incident) or {}).get("cadence", {})
    vocabulary = Vocabulary.from_process(record.process)
    updates = record.read.updates.all(incident.id)
    evidence, late, counted = [], [], 0
    for audience in vocabulary.audiences:
        every = cadence.get(audience)
        if not every:
            continue
        counted += 1
        kind = vocabulary.update_kinds[audience]
        previous = incident.declared_at
        sent = [u for u in updates if u.audience == audience]
        for update in sent:
            gap = record.minutes(previous, update.sent_at)
            entry = record.entry_at(update.sent_at, (kind,), entry_text(audience, update.text)[:40])
            evidence.append(Evidence(update.sent_at, f"update to {audience}, {_m(gap)} after the last"
                                     + (f" (cadence {every} min)" if gap > every else ""), _ref(entry)))
            if gap > every:
                late.append(audience)
            previous = update.sent_at
        if record.minutes(previous, record.end) > every:
            late.append(audience)
            evidence.append(Evidence(times.to_text(record.end), f"no update to {audience} for "
                                     f"{_m(record.minutes(previous, record.end))} (cadence {every} min)"))
    if not counted:
        return None, f"SEV-{incident.severity or '?'} has no update cadence", evidence
    if late:
        return False, f"late or missing: {', '.join(dict.fromkeys(late))}", evidence
    if not updates:  # nothing sent and nothing late: it ended before the first was due
        return True, (f"no update was due yet: {_m(record.minutes(incident.declared_at, record.end))} "
                      "in, inside every audience's cadence"), evidence
    return True, "every audience updated on its cadence", evidence


def task_checkbacks(record: _Record, spec: dict):
    grace = spec.get("minutes", 0)
    tasks = record.read.tasks.all(record.incident.id)
    if not tasks:
        return False, "no task was handed out: give work to one named person with a check-back time", []
    evidence, missed = [], []
    end = record.end
    for task in sorted(tasks, key=lambda t: t.number):
        entry = record.read.timeline.by_uid(task.uid)
        due = times.from_text(task.due_at) - timedelta(minutes=sum(x.minutes for x in task.extensions))
        problem = None
        for extension in task.extensions:
            if times.from_text(extension.at) > due + record.wall(grace):
                problem = problem or f"check-back {times.to_text(due)[11:19]}Z passed before it was extended"
            due += timedelta(minutes=extension.minutes)
        if task.done_at and times.from_text(task.done_at) > due + record.wall(grace):
            problem = problem or f"done at {task.done_at[11:19]}Z, after the check-back at {times.to_text(due)[11:19]}Z"
        if not task.done_at and end > due + record.wall(grace):
            problem = problem or f"check-back {times.to_text(due)[11:19]}Z passed with nobody checking back"
        if problem:
            missed.append(task.ref)
        state = "done" if task.done_at else "open"
        evidence.append(Evidence(task.assigned_at, f"{task.ref} {task.owner}: {task.text} ({state}"
                                 + (f", {len(task.extensions)} extension(s)" if task.extensions else "")
                                 + ")" + (f" - {problem}" if problem else ""), _ref(entry)))
    if missed:
        return False, f"not checked back on time: {', '.join(missed)}", evidence
    return True, f"{len(tasks)} task(s), each checked back on time", evidence


def decisions_polled(record: _Record, spec: dict):
    decisions = [e for e in record.entries if e.kind == "decision"]
    if not decisions:
        return False, "no decision recorded: state \"we're proceeding with ...\" and record it (d: or /decision)", []
    evidence, silent = [], []
    for entry in decisions:
        polled = OBJECTIONS.search(entry.current_text) is not None
        if not polled:
            silent.append(entry.ref)
        evidence.append(Evidence(entry.occurred_at, entry.current_text[:160]
                                 + ("" if polled else " - no objections asked for"), entry.ref))
    if silent:
        return False, (f"{len(silent)} of {len(decisions)} decision(s) without strong objections asked for "
                       "(record them after `-- objections:`, `none` if there were none)"), evidence
    return True, f"{len(decisions)} decision(s), each with objections asked for", evidence


def handover(record: _Record, spec: dict):
    rule = next(r for r in record.process.items("handoff_rules") if r["id"] == spec["rule"])
    limit, role = rule.get("after_minutes"), rule.get("role")
    if not limit or not role:
        return None, f"hand-over rule {rule['id']} has no time limit", []
    name = Vocabulary.from_process(record.process).role_name(role)
    terms = [t for t in record.read.roster.all(record.incident.id) if t.role == role]
    if not terms:
        return None, f"nobody was {name}", []
    evidence, over = [], []
    for term in sorted(terms, key=lambda t: t.from_at):
        length = record.minutes(term.from_at, term.to_at or record.end)
        entry = record.entry_at(term.from_at, ("roster", "handover"), term.person)
        if length > limit:
            over.append(term.person)
        evidence.append(Evidence(term.from_at, f"{term.person}: {_m(length)} as {name}"
                                 + (f" (limit {limit} min)" if length > limit else ""), _ref(entry)))
    if over:
        return False, f"held past {limit} min without a hand-over: {', '.join(over)}", evidence
    return True, f"no term past {limit} min ({len(terms)} term(s))", evidence


def span_of_control(record: _Record, spec: dict):
    """The IC's direct reports at every moment the count may have changed (console/span.py):
    passed when it never went past the process's threshold; the evidence is the peak and each
    time it went over, with how long it stayed over."""
    from console import span

    rule = span.rule(record.process)
    if rule is None:
        return None, "the process sets no span of control for the Incident Commander", []
    i = record.incident.id
    end = times.to_text(record.end)
    spans = [(at, s) for at, s in span.span_over_time(
        record.process, record.read.roster.all(i), record.read.subteams.all(i), record.read.subteams.memberships(i))
        if at <= end]
    if not spans:
        return None, "nobody reported to the Incident Commander", []
    threshold = rule["threshold"]
    peak_at, peak = max(spans, key=lambda pair: pair[1].count)
    def entry(at: str) -> str | None:  # the role change (or team move) that made the count
        return _ref(next((e for e in record.entries if e.occurred_at == at), None))

    evidence = [Evidence(peak_at, f"peak: {peak.count} direct report(s): {', '.join(peak.reports)}",
                         entry(peak_at))]
    over_minutes, over_since = 0.0, None
    for n, (at, current) in enumerate(spans):
        if current.over and over_since is None:
            over_since = at
            evidence.append(Evidence(at, f"{current.count} direct reports, past {threshold}", entry(at)))
        if over_since is not None and (not current.over or n == len(spans) - 1):
            stop = at if not current.over else end
            over_minutes += record.minutes(over_since, stop)
            evidence.append(Evidence(stop, "back within the span" if not current.over
                                     else f"still past {threshold} at the end",
                                     entry(stop) if not current.over else None))
            over_since = None
    if over_minutes or peak.over:
        return False, (f"past {threshold} direct reports for {_m(over_minutes)} (peak {peak.count}): "
                       f"spin off sub-teams with leaders"), evidence
    return True, f"at most {peak.count} direct report(s) (threshold {threshold})", evidence


CHECKS: dict[str, Callable[[_Record, dict], tuple]] = {
    "roles_named": roles_named, "update_cadence": update_cadence, "task_checkbacks": task_checkbacks,
    "decisions_polled": decisions_polled, "span_of_control": span_of_control, "handover": handover,
}
