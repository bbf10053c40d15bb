"""Span of control: how many people report directly to the Incident Commander, and whether that is
past the process's threshold (subteams.yaml, `span_of_control`; about 7 in the handbook).

The direct reports are the holders of the roles the process lists in `reports` (deputy, scribe,
liaisons, SMEs, team leaders), each person once, never the IC themselves; an SME who is in a
sub-team reports to the team's leader instead. Past the threshold the board
warns and suggests sub-teams; nothing is ever refused.

    span_of_control(process, roles, teams) -> Span     now (current roles, active teams)
    span_at(process, roles, teams, memberships, at)   at a moment of the record (a debrief)
    span_over_time(...) -> [(moment, Span)]           at every change, to find the peak
    span_of_incident(reader, process, incident_id)    now, read from the store

`Span.to_json()` is what `incident-console show REF --json` reports as `span_of_control`.
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

from console.domain import RoleAssignment
from console.subteams import Membership, Subteam
from console.vocabulary import COMMANDER

SME = "sme"  # the role whose holders move under their leader in a team (the handbook's SMEs)


class Span(NamedTuple):
    """The direct reports of one role (the IC) at one moment."""

    role: str
    reports: tuple[str, ...]  # the people, in the order they took their first reporting role
    threshold: int | None  # None: the process sets none (the span is counted, never warned about)
    advice: str = ""
    page: str | None = None

    @property
    def count(self) -> int:
        return len(self.reports)

    @property
    def over(self) -> bool:
        return self.threshold is not None and self.count > self.threshold

    @property
    def warning(self) -> str | None:
        """One line for the board, or None within the threshold."""
        if not self.over:
            return None
        return (f"{self.count} people report to the IC directly (about {self.threshold} at most). "
                f"{self.advice}".strip())

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "threshold": self.threshold, "warning": self.warning,
                "reports": list(self.reports)}


def rule(process: Any, role: str = COMMANDER) -> dict | None:
    """The process's span-of-control item for `role` (None when it has none)."""
    return next((item for item in process.items("span_of_control") if item["role"] == role), None)


def _count(process: Any, holders: Iterable[RoleAssignment], in_team: set[str], role: str) -> Span:
    item = rule(process, role)
    if item is None:
        return Span(role, (), None)
    reporting = set(item["reports"])
    supervisors = {a.person.casefold() for a in holders if a.role == role}
    people: dict[str, str] = {}
    for assignment in holders:
        key = assignment.person.casefold()
        if assignment.role not in reporting or key in supervisors or key in people:
            continue
        if assignment.role == SME and key in in_team:
            continue  # reports to the team's leader
        people[key] = assignment.person
    # An SME who also holds another reporting role (deputy, say) still reports to the IC: the
    # loop above skips only the SME term, so a later term of theirs counts them.
    return Span(role, tuple(people.values()), item["threshold"], item.get("text", ""), item.get("page"))


def span_of_control(process: Any, roles: Iterable[RoleAssignment], teams: Iterable[Subteam],
                    role: str = COMMANDER) -> Span:
    """The span now: the roles held now (`to_at` None) and the members of the teams working."""
    held = sorted((a for a in roles if a.to_at is None), key=lambda a: a.from_at)
    in_team = {m.casefold() for t in teams if t.active for m in t.members}
    return _count(process, held, in_team, role)


def span_at(process: Any, roles: Iterable[RoleAssignment], teams: Iterable[Subteam],
            memberships: Iterable[Membership], at: str, role: str = COMMANDER) -> Span:
    """The span at the moment `at` (UTC text as stored): the terms running then, and each
    person's team then (their newest membership joined by then, in a team not yet done)."""
    teams = list(teams)
    held = sorted((a for a in roles if a.from_at <= at and (a.to_at is None or a.to_at > at)),
                  key=lambda a: a.from_at)
    working = {t.id for t in teams if t.started_at <= at and (t.done_at is None or t.done_at > at)}
    newest: dict[str, Membership] = {}
    for membership in sorted(memberships, key=lambda m: m.hlc):
        if membership.joined_at <= at:
            newest[membership.person.casefold()] = membership
    in_team = {key for key, m in newest.items() if m.subteam_id in working}
    return _count(process, held, in_team, role)


def span_over_time(process: Any, roles: list[RoleAssignment], teams: list[Subteam],
                   memberships: list[Membership], role: str = COMMANDER) -> list[tuple[str, Span]]:
    """The span at every moment it may have changed (a term began or ended, a team started or
    finished, someone joined a team), in time order: a debrief finds the peak and how long the
    span stayed past the threshold."""
    moments = {a.from_at for a in roles} | {a.to_at for a in roles if a.to_at}
    moments |= {t.started_at for t in teams} | {t.done_at for t in teams if t.done_at}
    moments |= {m.joined_at for m in memberships}
    return [(at, span_at(process, roles, teams, memberships, at, role)) for at in sorted(moments)]


def span_of_incident(reader: Any, process: Any, incident_id: int, role: str = COMMANDER) -> Span:
    """The span now, read from the store (`reader`: console.queries.Reader)."""
    return span_of_control(process, reader.roster.current(incident_id),
                           reader.subteams.active(incident_id), role)

