"""Metrics per severity per month, drills left out, medians in minutes."""

import csv
import io
from datetime import datetime, timedelta, timezone

from console import metrics


def incident_at(service, clock, when, severity, *, minutes_to_mitigate=None, minutes_to_resolve=None,
                drill=False, started_before=0):
    clock.current = when
    incident = service.incidents.declare("x", by="Ana", severity=severity, drill=drill,
                                         started_at=when - timedelta(minutes=started_before)).incident
    if minutes_to_mitigate is not None:
        clock.current = when + timedelta(minutes=minutes_to_mitigate)
        service.incidents.set_status(incident.id, "mitigated", by="Ana")
    if minutes_to_resolve is not None:
        clock.current = when + timedelta(minutes=minutes_to_resolve)
        service.incidents.set_status(incident.id, "resolved", by="Ana")
    return incident


def test_medians_per_month_and_severity_without_drills(service, clock):
    march = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    incident_at(service, clock, march, 1, minutes_to_mitigate=20, minutes_to_resolve=60, started_before=10)
    incident_at(service, clock, march + timedelta(days=3), 1, minutes_to_mitigate=40, minutes_to_resolve=100)
    incident_at(service, clock, march + timedelta(days=4), 1, minutes_to_mitigate=1, minutes_to_resolve=2,
                drill=True)
    incident_at(service, clock, march + timedelta(days=5), 2, minutes_to_mitigate=30)
    incident_at(service, clock, datetime(2026, 4, 1, 0, 30, tzinfo=timezone.utc), 1, minutes_to_resolve=90)
    rows = metrics.monthly(service.read.incidents.all())
    assert [(r.month, r.severity, r.incidents) for r in rows] == [
        ("2026-03", 1, 2), ("2026-03", 2, 1), ("2026-04", 1, 1)]
    sev1 = rows[0].medians
    assert sev1["time_to_declare"] == 5 * 60  # median of 10 and 0 minutes
    assert sev1["time_to_mitigate_from_start"] == 35 * 60  # (30 + 40) / 2
    assert sev1["time_to_resolve_from_start"] == 85 * 60  # (70 + 100) / 2
    assert rows[1].medians["time_to_resolve_from_start"] is None
    table = list(csv.reader(io.StringIO(metrics.to_csv(rows))))
    assert table[0][:3] == ["month", "severity", "incidents"]
    assert table[1] == ["2026-03", "SEV-1", "2", "5.0", "35.0", "85.0"]
    assert table[2][5] == ""


def test_metrics_on_the_command_line(service, clock, capsys):
    from console.cli import main

    incident_at(service, clock, datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), 2, minutes_to_resolve=45)
    assert main(["metrics"], clock=clock) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["2026-03", "SEV-2", "1", "0.0", "45.0", "45.0"]
    assert main(["metrics", "--csv"], clock=clock) == 0
    assert capsys.readouterr().out.splitlines()[1] == "2026-03,SEV-2,1,0.0,45.0,45.0"
