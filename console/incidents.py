"""The incident itself: declaring one, its severity and its status, and reading them back.

Severity and status are registers (console.ops): each holds the value of the newest op that set
it, by HLC, so consoles that changed one while apart end with the same value; the declaration
sets both.
"""

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, Incident, format_ref
from console.errors import InputError, NotFound
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

# In a team (sync_state.team set) an incident is named by the server's number, or NEW-<id>
# until it has one.
_COLUMNS = (
    "id, title, severity, status, security, drill, started_at, declared_at, "
    "mitigated_at, resolved_at, uid, CASE WHEN (SELECT team FROM sync_state) IS NOT NULL THEN "
    "coalesce('INC-' || (SELECT number FROM team_numbers n WHERE n.incident = incidents.uid), "
    "'NEW-' || id) END, codename, cleared_at"
)


class Incidents:
    """Declare an incident, set its severity, move its status (each with its timeline entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def declare(
        self,
        title: str,
        *,
        by: str,
        severity: int | None = None,
        declared_at: datetime | None = None,
        started_at: datetime | None = None,
        security: bool = False,
        drill: bool = False,
    ) -> Change:
        """Open a new incident. Impact start defaults to the declaration time."""
        body = self.declaration(title, by=by, severity=severity, declared_at=declared_at,
                                started_at=started_at, security=security, drill=drill)
        ledger = self._ledger
        with ledger.writing():
            incident_id, entry = ledger.record(self._declared, None, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

    def declaration(self, title: str, *, by: str, severity: int | None = None,
                    declared_at: datetime | None = None, started_at: datetime | None = None,
                    security: bool = False, drill: bool = False) -> dict:
        """The body of the op that declares an incident (checked; nothing written): what
        `declare` records, and what a drill records with its own op in one transaction."""
        title = domain.clean_text(title, "title", domain.MAX_TITLE)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        if severity is not None:
            severity = domain.parse_severity(severity)
        ledger = self._ledger
        now = ledger.now()
        declared = declared_at or now
        started = started_at or declared
        if started > declared:
            raise InputError(
                f"impact start {times.to_text(started)} is after the declaration "
                f"{times.to_text(declared)}"
            )
        flags = [label for label, on in (("security", security), ("drill", drill)) if on]
        sev = f"SEV-{severity}" if severity else "severity not set"
        # A security incident's record names it by its codename, from its first entry on: the
        # entries travel in every export, and the real title stays on its board.
        codename = None
        if security:
            from console.security import new_codename

            codename = new_codename(ledger)
        text = f"Incident declared: {codename or title} ({sev}" + "".join(f", {f}" for f in flags) + ")"
        body = {
            "uid": ledger.new_uid(), "title": title, "severity": severity,
            "security": bool(security), "drill": bool(drill), "codename": codename,
            "started_at": times.to_text(started), "declared_at": times.to_text(declared),
            "entry": ledger.entry("status", text, author, declared, now),
        }
        return body

    @operation("incident.declare", register="declare", declares=True,
               says=lambda b: f"SEV-{b['severity']}" if b["severity"] else "no severity")
    def _declared(self, op: Applied):
        ledger = self._ledger
        body = op.body
        incident_id = ledger.insert(
            "incidents",
            {
                "uid": body["uid"],
                "title": body["title"],
                "severity": body["severity"],
                "status": "active",
                "security": int(body["security"]),
                "drill": int(body["drill"]),
                "started_at": body["started_at"],
                "declared_at": body["declared_at"],
                "severity_hlc": op.hlc,
                "status_hlc": op.hlc,
                "codename": body.get("codename"),
                "codename_hlc": op.hlc,
            },
        )
        return incident_id, ledger.put_entry(op._replace(incident_id=incident_id), body["entry"])

    def set_severity(
        self, incident_id: int, severity: int | str, *, by: str, at: datetime | None = None
    ) -> Change:
        level = domain.parse_severity(severity)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        if incident.severity == level:
            raise InputError(f"{incident.ref} is already SEV-{level}")
        old = f"SEV-{incident.severity}" if incident.severity else "not set"
        now = ledger.now()
        body = {"severity": level,
                "entry": ledger.entry("severity", f"Severity {old} -> SEV-{level}", author,
                                      at or now, now)}
        with ledger.writing():
            entry = ledger.record(self._severity_set, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

    @operation("incident.severity", register="severity", says=lambda b: f"SEV-{b['severity']}")
    def _severity_set(self, op: Applied):
        self._ledger.set_register("incidents", ("id", op.incident_id), "severity",
                                  {"severity": op.body["severity"]}, op.hlc)
        return self._ledger.put_entry(op, op.body["entry"])

    def set_status(
        self, incident_id: int, status: str, *, by: str, at: datetime | None = None
    ) -> Change:
        """Move between active, mitigated and resolved; any move back is a reopen.

        Resolving an incident that was never marked mitigated records mitigation at the same
        moment: it cannot have been resolved without being mitigated.
        """
        state = domain.parse_status(status)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        incident = ledger.read.incidents.get(incident_id)
        if incident.status == state:
            raise InputError(f"{incident.ref} is already {state}")
        now = ledger.now()
        moment = at or now
        stamp = times.to_text(moment)
        if stamp < incident.started_at:
            raise InputError(f"{stamp} is before the impact started ({incident.started_at})")
        changes: dict[str, object] = {"status": state}
        if state == "active":
            changes.update(mitigated_at=None, resolved_at=None)
            text = f"Reopened: {incident.status} -> active"
        elif state == "mitigated":
            changes.update(mitigated_at=stamp, resolved_at=None)
            text = f"Status {incident.status} -> mitigated"
        else:
            changes.update(resolved_at=stamp, mitigated_at=incident.mitigated_at or stamp)
            text = f"Status {incident.status} -> resolved"
        body = {**changes, "entry": ledger.entry("status", text, author, moment, now)}
        with ledger.writing():
            entry = ledger.record(self._status_set, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

    @operation("incident.status", register="status", says=lambda b: b["status"])
    def _status_set(self, op: Applied):
        """The status with the times it carries (what its writer worked out from what it saw)."""
        body = op.body
        self._ledger.set_register("incidents", ("id", op.incident_id), "status", {
            "status": body["status"], "mitigated_at": body["mitigated_at"], "resolved_at": body["resolved_at"]},
            op.hlc)
        return self._ledger.put_entry(op, body["entry"])


class IncidentReads:
    """Incidents as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self) -> list[Incident]:
        """Every incident, the open ones first, newest first within each group."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM incidents ORDER BY status = 'resolved', id DESC"
            ).fetchall()
        return [_incident(row) for row in rows]

    def resolve(self, ref: str) -> int:
        """The row id of the incident a person named: `INC-12`, `12` or, in a team, `NEW-4`.

        Solo, INC-<n> is the incident with id n. In a team, INC-<n> is the server's number n
        (or a ref an incident had before: INC-<id> from before joining), and NEW-<id> is an
        incident declared here, numbered or not (its old ref keeps working)."""
        text = (ref or "").strip()
        provisional, number = self.parse(text)
        with storage_errors(self._path):
            if provisional:
                row = self._conn.execute("SELECT id FROM incidents WHERE id = ?", (number,)).fetchone()
            elif self._conn.execute("SELECT team FROM sync_state").fetchone()[0] is None:
                row = (number,)
            else:
                row = self._conn.execute(
                    "SELECT i.id FROM team_numbers n JOIN incidents i ON i.uid = n.incident "
                    "WHERE n.number = ? UNION ALL "
                    "SELECT incident_id FROM incident_aliases WHERE alias = ? LIMIT 1",
                    (number, f"INC-{number}"),
                ).fetchone()
        if row is None:
            raise NotFound(f"no incident {text}")
        return row[0]

    @staticmethod
    def parse(ref: str) -> tuple[bool, int]:
        """(whether it is a provisional NEW-<id>, the number) of an incident ref as typed;
        InputError when it is not one (read before anything is opened)."""
        text = (ref or "").strip()
        provisional = text[:4].casefold() == "new-"
        return provisional, domain.parse_ref(text[4:] if provisional else text)

    def get(self, incident_id: int) -> Incident:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no incident {format_ref(incident_id)}")
        return _incident(row)


def _incident(row: tuple) -> Incident:
    return Incident(
        id=row[0], title=row[1], severity=row[2], status=row[3], security=bool(row[4]),
        drill=bool(row[5]), started_at=row[6], declared_at=row[7], mitigated_at=row[8],
        resolved_at=row[9], uid=row[10], name=row[11], codename=row[12], cleared_at=row[13],
    )
