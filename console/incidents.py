"""The incident itself: declaring one, its severity and its status, and reading them back."""

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import domain, times
from console.domain import Change, Incident, format_ref
from console.errors import InputError, NotFound
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

_COLUMNS = (
    "id, title, severity, status, security, drill, started_at, declared_at, "
    "mitigated_at, resolved_at"
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
        with ledger.writing():
            incident_id = ledger.insert(
                "incidents",
                {
                    "title": title,
                    "severity": severity,
                    "status": "active",
                    "security": int(security),
                    "drill": int(drill),
                    "started_at": times.to_text(started),
                    "declared_at": times.to_text(declared),
                },
            )
            flags = [label for label, on in (("security", security), ("drill", drill)) if on]
            sev = f"SEV-{severity}" if severity else "severity not set"
            text = f"Incident declared: {title} ({sev}" + "".join(f", {f}" for f in flags) + ")"
            entry = ledger.append(incident_id, "status", text, author, declared, now)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

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
        with ledger.writing():
            ledger.update("incidents", incident_id, {"severity": level})
            entry = ledger.append(
                incident_id, "severity", f"Severity {old} -> SEV-{level}", author, at or now, now
            )
        return Change(ledger.read.incidents.get(incident_id), (entry,))

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
        with ledger.writing():
            ledger.update("incidents", incident_id, changes)
            entry = ledger.append(incident_id, "status", text, author, moment, now)
        return Change(ledger.read.incidents.get(incident_id), (entry,))


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
        resolved_at=row[9],
    )
