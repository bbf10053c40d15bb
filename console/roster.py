"""The roster: who holds which role on an incident, with the whole history of who held it.

A term (one person in one role, from a moment) ends when they are relieved (`ended_at`) or, in a
role one person holds at a time, when the next holder by HLC begins: `to_at` is worked out from
the terms each time one changes (`_settle`), so consoles that named two ICs while apart agree on
who holds it now (the newer op's) and on when the other's term ended.
"""

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, RoleAssignment
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors
from console.vocabulary import COMMANDER, TEAM_LEADER

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger


class Roster:
    """Give a role to a person and relieve them of it; every term is kept."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def assign(
        self, incident_id: int, role: str, person: str, *, by: str, at: datetime | None = None,
        for_team: bool = False,
    ) -> Change:
        """Give a role to a person, keeping the history.

        The role's `max` in the process decides how many hold it: with 1, a new holder ends
        the previous holder's term at the same moment; with more, a holder past the limit is
        refused. A new Incident Commander is written as a hand-over of command. The Sub-team
        Leader is held by a team's leader only: console.subteams gives it (`for_team`).
        """
        ledger = self._ledger
        definition, name, author, incident, current, holder = self._look(
            incident_id, role, person, by, for_team
        )
        key, label = definition.id, definition.name
        if holder is not None:
            raise InputError(f"{name} is already {label} on {incident.ref}")
        now = ledger.now()
        moment = at or now
        stamp = times.to_text(moment)
        previous = current if definition.single else []
        if definition.max is not None and not definition.single and len(current) >= definition.max:
            raise InputError(
                f"{label} already has {len(current)} holders on {incident.ref} (at most "
                f"{definition.max}): relieve one first (/relieve {definition.command} NAME)"
            )
        for assignment in previous:
            if stamp < assignment.from_at:
                raise InputError(
                    f"{stamp} is before {assignment.person} became {label} ({assignment.from_at})"
                )
        if key == COMMANDER and previous:
            kind, text = "handover", f"Command passed from {previous[0].person} to {name}"
        elif key == COMMANDER:
            kind, text = "handover", f"{name} is Incident Commander"
        elif previous:
            kind, text = "roster", f"{label}: {name} (was {previous[0].person})"
        else:
            kind, text = "roster", f"{label}: {name}"
        body = {"role": key, "person": name, "term": ledger.new_uid(), "at": stamp,
                "single": definition.single, "entry": ledger.entry(kind, text, author, moment, now)}
        with ledger.writing():
            entry = ledger.record(self._assigned, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,), roles_changed=True)

    @operation("role.assign", register=lambda b: f"role:{b['role']}" if b["single"] else None,
               says=lambda b: b["person"])
    def _assigned(self, op: Applied):
        body = op.body
        self._ledger.insert(
            "role_assignments",
            {"uid": body["term"], "incident_id": op.incident_id, "role": body["role"],
             "person": body["person"], "from_at": body["at"], "hlc": op.hlc},
        )
        self._settle(op.incident_id, body["role"], body["single"])
        return self._ledger.put_entry(op, body["entry"])

    def hold(
        self, incident_id: int, role: str, person: str, *, by: str, at: datetime | None = None,
        for_team: bool = False,
    ) -> Change | None:
        """Make sure `person` holds `role`: assign it (as `assign` does) unless they already
        do, in which case nothing is written and None is returned."""
        definition, name, _, _, _, holder = self._look(incident_id, role, person, by, for_team)
        if holder is not None:
            return None
        return self.assign(incident_id, definition.id, name, by=by, at=at, for_team=for_team)

    def relieve(
        self, incident_id: int, role: str, person: str, *, by: str, at: datetime | None = None,
        for_team: bool = False,
    ) -> Change:
        """End a person's term in a role (at `at`, or now)."""
        ledger = self._ledger
        definition, name, author, incident, _, holder = self._look(incident_id, role, person, by,
                                                                   for_team)
        label = definition.name
        if holder is None:
            raise InputError(f"{name} does not hold {label} on {incident.ref}")
        now = ledger.now()
        moment = at or now
        stamp = times.to_text(moment)
        if stamp < holder.from_at:
            raise InputError(f"{stamp} is before {name} became {label} ({holder.from_at})")
        body = {"role": definition.id, "person": name, "at": stamp, "single": definition.single,
                "term": ledger.uid_of("role_assignments", holder.id),
                "entry": ledger.entry("roster", f"{name} is no longer {label}", author, moment, now)}
        with ledger.writing():
            entry = ledger.record(self._relieved, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,), roles_changed=True)

    @operation("role.relieve", register=lambda b: f"role:{b['role']}" if b["single"] else None,
               says=lambda b: "nobody")
    def _relieved(self, op: Applied):
        """The term ends when it was relieved; relieved twice while apart, the first by HLC."""
        ledger = self._ledger
        body = op.body
        ledger.row_of("role_assignments", body["term"])  # the term must be here first
        ledger.execute(
            "UPDATE role_assignments SET ended_at = ?, ended_hlc = ? "
            "WHERE uid = ? AND (ended_hlc IS NULL OR ended_hlc > ?)",
            (body["at"], op.hlc, body["term"], op.hlc),
        )
        self._settle(op.incident_id, body["role"], body["single"])
        return ledger.put_entry(op, body["entry"])

    def _settle(self, incident_id: int, role: str, single: bool) -> None:
        """Work out when each of a role's terms ended: when it was relieved, or in a one-holder
        role when the next term (by HLC) began, whichever is first, never before it began."""
        ledger = self._ledger
        terms = ledger.execute(
            "SELECT id, from_at, to_at, ended_at FROM role_assignments "
            "WHERE incident_id = ? AND role = ? ORDER BY hlc, id",
            (incident_id, role),
        ).fetchall()
        for i, (term_id, from_at, to_at, ended_at) in enumerate(terms):
            ends = [ended_at] if ended_at is not None else []
            if single and i + 1 < len(terms):
                ends.append(terms[i + 1][1])
            end = max(min(ends), from_at) if ends else None
            if end != to_at:
                ledger.update("role_assignments", term_id, {"to_at": end})

    def _look(self, incident_id: int, role: str, person: str, by: str, for_team: bool = False):
        """The role's definition, the cleaned names, the incident, the role's current
        holders and the one among them who is `person` (None if they hold it not)."""
        ledger = self._ledger
        definition = ledger.vocabulary.role(role)
        if definition.id == TEAM_LEADER and not for_team:
            raise InputError(f"the {definition.name} leads a sub-team: write /subteam TEAM NAME MINUTES "
                             "PROBLEM (e.g. /subteam Alpha Dee Patel 20m replica lag), and "
                             "/subteam-done TEAM when it is done")
        name = domain.clean_text(person, "person", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        current = [a for a in ledger.read.roster.current(incident_id) if a.role == definition.id]
        holder = next((a for a in current if a.person.casefold() == name.casefold()), None)
        return definition, name, author, incident, current, holder


class RosterReads:
    """Role assignments as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self, incident_id: int) -> list[RoleAssignment]:
        """Every role assignment, ended ones too, in the order they were made."""
        return self._read(incident_id, "")

    def current(self, incident_id: int) -> list[RoleAssignment]:
        """The roles held now, in the order they were given."""
        return self._read(incident_id, " AND to_at IS NULL")

    def _read(self, incident_id: int, only: str) -> list[RoleAssignment]:
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT id, incident_id, role, person, from_at, to_at FROM role_assignments "
                f"WHERE incident_id = ?{only} ORDER BY from_at, hlc, id",
                (incident_id,),
            ).fetchall()
        return [RoleAssignment(*row) for row in rows]
