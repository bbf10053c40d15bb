"""Response metrics per severity per month: how long to declare, to mitigate, to resolve.

Medians rather than means: one incident left open over a weekend would otherwise dominate a
month. Drills are left out (they measure practice, not incidents), and so are incidents whose
severity was never set. Months are UTC calendar months of the declaration.
"""

import csv
import io
import statistics
from dataclasses import dataclass

from console.domain import Incident
from console.incident_json import metrics as incident_metrics

# Each measure, and how a person reads its name (the window's chart, its measure box).
MEASURE_NAMES = {
    "time_to_declare": "Time to declare",
    "time_to_mitigate_from_start": "Time to mitigate (from impact start)",
    "time_to_resolve_from_start": "Time to resolve (from impact start)",
}
MEASURES = tuple(MEASURE_NAMES)


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    severity: int
    incidents: int
    medians: dict[str, float | None]  # seconds, per measure; None when no incident reached it


def monthly(incidents: list[Incident]) -> list[MonthRow]:
    groups: dict[tuple[str, int], list[Incident]] = {}
    for incident in incidents:
        if incident.drill or incident.severity is None:
            continue
        groups.setdefault((incident.declared_at[:7], incident.severity), []).append(incident)
    rows = []
    for (month, severity), members in sorted(groups.items()):
        values = {m: [v for i in members if (v := incident_metrics(i)[m]) is not None] for m in MEASURES}
        rows.append(MonthRow(month, severity, len(members),
                             {m: (statistics.median(v) if v else None) for m, v in values.items()}))
    return rows


def to_csv(rows: list[MonthRow]) -> str:
    """RFC 4180 CSV, minutes with one decimal (what a person reads), empty where not reached."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", "severity", "incidents", *(f"median_{m}_minutes" for m in MEASURES)])
    for row in rows:
        writer.writerow([row.month, f"SEV-{row.severity}", row.incidents,
                         *("" if row.medians[m] is None else f"{row.medians[m] / 60:.1f}" for m in MEASURES)])
    return out.getvalue()
