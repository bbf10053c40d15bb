"""Drills: a scenario run as an incident flagged as a drill, its injects written as it runs.

`Drills.start` declares the drill incident (flagged `drill`, so metrics leave it out and every
view marks it) and records the drill - the scenario's injects, the speed, the moment it began -
in one transaction. Nothing runs by itself: `Drills.tick` writes every inject that has fallen
due (scenario offset / speed after the start) into the drill's timeline, as one `drill.inject`
op each. Whoever has the database open drives the clock: the window ticks once a second while
it is open, `incident-console drill tick` writes what is due now, and `drill start --follow`
stays in the foreground ticking until the last inject is in. An inject's entry has a uid and a
time made from the drill and its number, and its effect skips an inject already written, so two
windows (or two consoles of a team) ticking the same drill write each inject once.

An inject is only ever a timeline entry of the drill incident: it is never a status update,
never a page, never sent anywhere. Whatever sends messages out (an outbox) must refuse anything
of an incident whose `drill` flag is set (`Incident.drill`): that flag is the one test.
"""

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.domain import Change
from console.ops import Applied, operation
from console.scenarios import Inject, Scenario, parse_speed
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.incidents import Incidents
    from console.ledger import Ledger


class Drill(NamedTuple):
    id: int
    uid: str
    incident_id: int
    scenario: str
    speed: int
    started_at: str
    injects: tuple[Inject, ...]
    replay_of: str | None
    by: str
    written: frozenset[int]  # the numbers (1-based) of the injects already in the timeline

    def due_at(self, number: int) -> datetime:
        """When inject `number` falls due: its offset, sped up, after the start."""
        return times.from_text(self.started_at) + timedelta(seconds=self.injects[number - 1].at / self.speed)

    def due(self, now: datetime) -> list[int]:
        """The numbers of the injects due by `now` and not yet written."""
        return [n for n in range(1, len(self.injects) + 1)
                if n not in self.written and self.due_at(n) <= now]

    @property
    def finished(self) -> bool:
        return len(self.written) == len(self.injects)

    def next_due(self) -> datetime | None:
        pending = [self.due_at(n) for n in range(1, len(self.injects) + 1) if n not in self.written]
        return min(pending) if pending else None


class Drills:
    """Start a drill from a scenario; write its injects as they fall due."""

    def __init__(self, ledger: "Ledger", incidents: "Incidents") -> None:
        self._ledger = ledger
        self._incidents = incidents

    def start(self, scenario: Scenario, *, by: str, speed: int | str = 1) -> Change:
        """Declare the drill incident and record the drill; the injects due at once (offset 0)
        are written in the same transaction. The Change names the incident."""
        speed = parse_speed(speed)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        ledger = self._ledger
        declaration = self._incidents.declaration(scenario.title, by=author, severity=scenario.severity,
                                                  security=scenario.security, drill=True)
        now = ledger.now()
        uid = ledger.new_uid()
        minutes = scenario.injects[-1].at / 60 if scenario.injects else 0
        text = (f"Drill started: {scenario.id} at {speed}x, {len(scenario.injects)} injects over "
                f"{minutes:g} min of scenario time. Nothing of this drill leaves the console.")
        body = {
            "uid": uid, "scenario": scenario.id, "speed": speed, "started_at": times.to_text(now),
            "injects": [list(i) for i in scenario.injects], "replay_of": scenario.replay_of, "by": author,
            "entry": ledger.entry("note", text, author, now, now, uid=uid),
        }
        with ledger.writing():
            incident_id, declared = ledger.record(self._incidents._declared, None, declaration)  # noqa: SLF001
            incident = ledger.read.incidents.get(incident_id)
            started = ledger.record(self._started, incident, body)
            entries = [declared, started, *self._write_due(incident, now)]
        return Change(ledger.read.incidents.get(incident_id), tuple(e for e in entries if e))

    @operation("drill.start")
    def _started(self, op: Applied):
        body = op.body
        self._ledger.insert("drills", {
            "uid": body["uid"], "incident_id": op.incident_id, "scenario": body["scenario"],
            "speed": body["speed"], "started_at": body["started_at"],
            "injects": json.dumps(body["injects"], ensure_ascii=False), "replay_of": body["replay_of"],
            "by": body["by"], "hlc": op.hlc,
        })
        return self._ledger.put_entry(op, body["entry"])

    def tick(self, incident_id: int | None = None) -> list[Change]:
        """Write every inject due by now, of one drill or of every drill still running (one
        transaction per drill); a Change per drill that got any. Reads only, when none is due."""
        ledger = self._ledger
        now = ledger.now()
        drills = ledger.read.drills.running() if incident_id is None else [
            d for d in [ledger.read.drills.get(incident_id)] if d is not None]
        changes = []
        for drill in drills:
            if not drill.due(now):
                continue
            incident = ledger.read.incidents.get(drill.incident_id)
            if incident.status == "resolved":
                continue
            with ledger.writing():
                entries = self._write_due(incident, now)
            if entries:
                changes.append(Change(incident, tuple(entries)))
        return changes

    def _write_due(self, incident, now: datetime) -> list:
        """Inside the caller's transaction: the due injects of `incident`'s drill, read again
        under the write lock (another process may have just written some)."""
        ledger = self._ledger
        drill = ledger.read.drills.get(incident.id)
        written = []
        for number in drill.due(now):
            inject = drill.injects[number - 1]
            entry = ledger.entry(inject.kind, inject.text, inject.author, drill.due_at(number), now,
                                 uid=f"{drill.uid}-{number}")
            body = {"drill": drill.uid, "number": number, "entry": entry}
            result = ledger.record(self._injected, incident, body)
            if result is not None:
                written.append(result)
        return written

    @operation("drill.inject")
    def _injected(self, op: Applied):
        """The inject's entry, unless this inject is already written (two windows, or two
        consoles of a team, ticked the same drill): each inject is in the timeline once."""
        ledger = self._ledger
        drill_id = ledger.row_of("drills", op.body["drill"])
        if ledger.execute("SELECT 1 FROM drill_injects WHERE drill_id = ? AND number = ?",
                          (drill_id, op.body["number"])).fetchone():
            return None
        entry = ledger.put_entry(op, op.body["entry"])
        ledger.insert("drill_injects", {"drill_id": drill_id, "number": op.body["number"],
                                        "entry_id": entry.id, "hlc": op.hlc})
        return entry


class DrillReads:
    """Drills as stored; never writes."""

    # Each drill with the numbers of its injects already written, in one row.
    _SELECT = ('SELECT d.id, d.uid, d.incident_id, d.scenario, d.speed, d.started_at, d.injects, d.replay_of, '
               'd."by", (SELECT json_group_array(x.number) FROM drill_injects x WHERE x.drill_id = d.id) '
               "FROM drills d")

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def get(self, incident_id: int) -> Drill | None:
        """The drill an incident runs; None for an incident declared as a drill by hand, or a
        real one."""
        with storage_errors(self._path):
            row = self._conn.execute(f"{self._SELECT} WHERE d.incident_id = ?", (incident_id,)).fetchone()
        return _drill(row) if row else None

    def running(self) -> list[Drill]:
        """Every drill with injects still to write whose incident is not resolved (one query:
        the window asks every second)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"{self._SELECT} JOIN incidents i ON i.id = d.incident_id WHERE i.status != 'resolved' "
                "AND (SELECT count(*) FROM drill_injects x WHERE x.drill_id = d.id) "
                "< json_array_length(d.injects) ORDER BY d.id").fetchall()
        return [_drill(row) for row in rows]

    def inject_entries(self, incident_id: int) -> frozenset[int]:
        """The ids of the timeline entries the drill wrote (its start and its injects): not the
        trainee's work, and not replayed."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT x.entry_id FROM drill_injects x JOIN drills d ON d.id = x.drill_id "
                "WHERE d.incident_id = ? UNION SELECT e.id FROM entries e JOIN drills d "
                "ON e.uid = d.uid AND e.incident_id = d.incident_id WHERE d.incident_id = ?",
                (incident_id, incident_id)).fetchall()
        return frozenset(r[0] for r in rows)


def _drill(row: tuple) -> Drill:
    injects = tuple(Inject(*i) for i in json.loads(row[6]))
    return Drill(row[0], row[1], row[2], row[3], row[4], row[5], injects, row[7], row[8],
                 frozenset(json.loads(row[9])))
