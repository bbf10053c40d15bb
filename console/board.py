"""What the IC's board works out from the process and the record: warnings, cadences, prompts.

Nothing here stores or draws anything. Given the process, the incident, its current roles and
the time, these functions say what the board should show: role warnings (never blocks), when
the next status update is due per audience, the deputy's elapsed-time marks, which prompts
apply at a moment and checklist progress. What the message rules find in a draft is the
linter's (console.lint.lint_message).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from string import Formatter
from typing import Any

from console import times
from console.domain import Incident, RoleAssignment
from console.vocabulary import COMMANDER, Vocabulary


@dataclass(frozen=True)
class Warning:
    level: str  # info, suggest, strong
    text: str
    role: str | None = None
    page: str | None = None


def severity_definition(process: Any, incident: Incident) -> dict | None:
    return process.severity(incident.severity) if incident.severity else None


def role_warnings(process: Any, incident: Incident, roles: list[RoleAssignment], now: datetime) -> list[Warning]:
    """Warnings about who holds what; the board shows them, it never refuses an assignment."""
    warnings: list[Warning] = []
    by_role: dict[str, list[RoleAssignment]] = {}
    for assignment in roles:
        if assignment.to_at is None:
            by_role.setdefault(assignment.role, []).append(assignment)
    vocabulary = Vocabulary.from_process(process)
    ic = by_role.get(COMMANDER, [])
    if incident.status != "resolved" and not ic:
        warnings.append(Warning("strong", "Nobody is Incident Commander. A trained IC should take command.",
                                COMMANDER, "before/different_roles"))
    # A role marked `exclusive` in the process: its holder should hold nothing else.
    for role in (r for r in vocabulary.roles if r.exclusive):
        for holder in by_role.get(role.id, []):
            others = [vocabulary.role_name(a.role) for other, held in by_role.items() if other != role.id
                      for a in held if a.person.casefold() == holder.person.casefold()]
            if others:
                warnings.append(Warning("strong", f"{holder.person} is {role.short} and also "
                                        f"{', '.join(others)}: the {role.short} holds no other role.",
                                        role.id, "before/different_roles"))
    level = incident.severity
    if level is not None and incident.status == "active":
        for role in process.items("roles"):
            needed = role.get("needed_from_level")
            if needed is not None and level <= needed and role["id"] != COMMANDER and not by_role.get(role["id"]):
                warnings.append(Warning("suggest", f"No {role['name']} yet: SEV-{level} needs one.",
                                        role["id"], role.get("page")))
    rules = {r["id"]: r for r in process.items("handoff_rules")}
    if ic and incident.status != "resolved":
        held = now - times.from_text(ic[-1].from_at)
        for rule_id in ("ic-handover-limit", "ic-handover-suggest"):
            rule = rules.get(rule_id)
            if rule and rule.get("after_minutes") and held >= timedelta(minutes=rule["after_minutes"]):
                warnings.append(Warning(rule["level"], f"{ic[-1].person} has been IC for "
                                        f"{times.format_duration(held.total_seconds())}. {rule['text']}",
                                        "ic", rule.get("page")))
                break
    return warnings


def concurrent_changes(process: Any, conflicts: list) -> list[Warning]:
    """One warning for each value consoles of a team changed without seeing each other's change
    (console.sync's conflicts): who set what, and the value every console keeps."""
    vocabulary = Vocabulary.from_process(process)
    warnings = []
    for conflict in conflicts:
        kind, _, role = conflict.register.partition(":")
        what = vocabulary.role_name(role) if role else kind.capitalize()
        warnings.append(Warning("suggest", f"{what} {conflict.text()}.", role or None))
    return warnings


def elapsed_marks(process: Any, incident: Incident, now: datetime) -> tuple[int, datetime | None]:
    """The deputy's elapsed-time callouts: how many marks have passed, and when the next one is."""
    definition = severity_definition(process, incident)
    every = (definition or {}).get("cadence", {}).get("deputy_callout")
    if not every or incident.status == "resolved":
        return 0, None
    start = times.from_text(incident.declared_at)
    passed = int((now - start).total_seconds() // (every * 60))
    return passed, start + timedelta(minutes=every * (passed + 1))


@dataclass(frozen=True)
class UpdateDue:
    audience: str
    every: int | None  # minutes; None when this severity has no cadence for the audience
    due_at: datetime | None
    last_at: datetime | None


def updates_due(process: Any, incident: Incident, last_sent: dict[str, str | None]) -> list[UpdateDue]:
    """When the next update to each audience is due: the cadence after the last one sent
    (or after the declaration when none has been)."""
    definition = severity_definition(process, incident)
    cadence = (definition or {}).get("cadence", {})
    result = []
    for audience in Vocabulary.from_process(process).audiences:
        every = cadence.get(audience)
        last = last_sent.get(audience)
        last_at = times.from_text(last) if last else None
        if not every or incident.status == "resolved":
            result.append(UpdateDue(audience, every, None, last_at))
            continue
        base = last_at or times.from_text(incident.declared_at)
        result.append(UpdateDue(audience, every, base + timedelta(minutes=every), last_at))
    return result


def prompts_for(process: Any, moment: str, audiences: tuple[str, ...] = ("ic",)) -> list[dict]:
    """The call-etiquette prompts that apply at a moment, for the chosen audiences."""
    return [p for p in process.items("prompts") if p["moment"] == moment and p["audience"] in audiences]


def moment_holds(moment: str, incident: Incident, *, commander: str | None, overdue: int,
                 span_over: bool = False) -> bool:
    """Whether what a moment's prompts speak to is still so, asked again on every change and
    every second: the opening prompts while nobody is IC, a time-box's while a task is
    overdue, the span of control's while too many report to the IC, the close's while the incident is resolved. The others (a decision, a task just
    given, a lull) hold while the incident is open, for as long as the board shows them."""
    if moment == "at_close":
        return incident.status == "resolved"
    if incident.status == "resolved":
        return False
    if moment == "on_join":
        return commander is None
    if moment == "timer_expired":
        return overdue > 0
    if moment == "span_exceeded":  # console.span: more report to the IC than the threshold
        return span_over
    return True


class RecordClock:
    """The time the board's durations are counted to: now while the incident is open, the
    moment it was resolved once it is (task countdowns and time in a role are final then).

    A clock like `console.clock.Clock` (`now()`), over the real one; `follow` is told the
    incident after every change, so a reopened incident's clocks run again.
    """

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self.stopped_at: datetime | None = None

    def follow(self, incident: Incident) -> None:
        resolved = incident.status == "resolved" and incident.resolved_at
        self.stopped_at = times.from_text(incident.resolved_at) if resolved else None

    def now(self) -> datetime:
        now = self._clock.now()
        return min(now, self.stopped_at) if self.stopped_at is not None else now


def checklists_for(process: Any, role: str, phase: str, *, security: bool) -> list[dict]:
    return [c for c in process.items("checklists")
            if c["role"] == role and c["phase"] == phase and (security or not c["security_only"])]


def checklist_heading(checklist: dict) -> str:
    """A checklist's title, with when the process was last reviewed and last tested where the
    process data keeps either (the security page asks for both): "not recorded" for the other."""
    if not checklist.get("last_reviewed") and not checklist.get("last_tested"):
        return checklist["title"]
    reviewed = checklist.get("last_reviewed") or "not recorded"
    tested = checklist.get("last_tested") or "not recorded"
    return f"{checklist['title']} (last reviewed {reviewed}; last tested {tested})"


def checklist_item(process: Any, item_id: str) -> dict | None:
    for checklist in process.items("checklists"):
        for item in checklist["items"]:
            if item["id"] == item_id:
                return item
    return None


def progress(items: list[dict], checked: set[str]) -> tuple[int, int, dict | None]:
    """(done, total, next unchecked item) for a list of checklist items."""
    done = sum(1 for item in items if item["id"] in checked)
    upcoming = next((item for item in items if item["id"] not in checked), None)
    return done, len(items), upcoming


def fill_template(body: str, values: dict[str, str]) -> str:
    """Fill `{placeholders}`; unknown ones stay as they are for the writer to see."""
    known = {name for _, name, _, _ in Formatter().parse(body) if name}
    return body.format_map({name: values.get(name, "{" + name + "}") for name in known})
