"""Running a drill (issue 14): the drill incident, its injects as they fall due, replay, the CLI."""

import json
import sqlite3
from pathlib import Path

import pytest

from console import metrics, scenarios
from console.clock import SystemClock
from console.errors import InputError
from console.process import load_process
from console.scenarios import Inject, Scenario
from console.service import IncidentService
from tests.conftest import FakeClock
from tests.helpers import assert_refused, run

PROCESS = load_process(None)


def short(*offsets: int, title: str = "Short drill") -> Scenario:
    """A scenario with one inject at each offset (seconds)."""
    injects = tuple(Inject(at, "finding", "Dee (SME)", f"SME report: finding {n}") for n, at in enumerate(offsets, 1))
    return Scenario("short", title, 2, False, "A short drill.", injects)


def texts(service, incident_id):
    return [e.text for e in service.read.timeline.all(incident_id)]


def test_a_drill_is_a_drill_incident_with_its_first_injects_written(service, clock):
    change = service.drills.start(scenarios.find(PROCESS, "checkout-failure"), by="Trainer", speed=10)
    incident = change.incident
    assert incident.drill and incident.severity == 2 and incident.title.startswith("Drill: checkout")
    assert [e.kind for e in change.entries] == ["status", "note", "note"]
    assert change.entries[2].text.startswith("Customer ticket: Forty tickets")
    assert change.entries[2].author == "Support"
    drill = service.read.drills.get(incident.id)
    assert drill.speed == 10 and drill.scenario == "checkout-failure" and drill.written == {1}
    assert service.read.drills.running() == [drill]


def test_injects_fall_due_at_their_offset_divided_by_the_speed(service, clock):
    incident = service.drills.start(short(0, 60, 120, 600), by="Trainer", speed=10).incident
    assert service.drills.tick() == []  # nothing due: nothing written
    clock.advance(seconds=5.9)
    assert service.drills.tick() == []
    clock.advance(seconds=0.1)  # 6 s at 10x is the inject at 60 s
    (change,) = service.drills.tick()
    assert [e.text for e in change.entries] == ["SME report: finding 2"]
    assert change.entries[0].occurred_at == "2026-03-29T14:00:06.000Z"
    clock.advance(seconds=120)  # everything left at once, each at its own time
    (change,) = service.drills.tick(incident.id)
    assert [e.occurred_at for e in change.entries] == ["2026-03-29T14:00:12.000Z", "2026-03-29T14:01:00.000Z"]
    drill = service.read.drills.get(incident.id)
    assert drill.finished and drill.next_due() is None
    assert service.read.drills.running() == [] and service.drills.tick() == []


def test_a_resolved_drill_stops_injecting(service, clock):
    incident = service.drills.start(short(0, 60), by="Trainer", speed=1).incident
    service.incidents.set_status(incident.id, "resolved", by="Ana")
    clock.advance(minutes=5)
    assert service.drills.tick() == [] and service.read.drills.running() == []
    assert "SME report: finding 2" not in texts(service, incident.id)


def test_two_windows_ticking_one_drill_write_each_inject_once(where, clock):
    one = IncidentService.open(where.db_path, clock)
    two = IncidentService.open(where.db_path, clock)
    try:
        incident = one.drills.start(short(0, 30, 60), by="Trainer", speed=1).incident
        clock.advance(seconds=45)
        assert len(one.drills.tick()) == 1
        assert two.drills.tick() == []  # read again under the write lock: already there
        clock.advance(seconds=30)
        assert len(two.drills.tick()) == 1 and one.drills.tick() == []
        assert texts(one, incident.id).count("SME report: finding 2") == 1
        assert texts(one, incident.id).count("SME report: finding 3") == 1
    finally:
        one.close()
        two.close()


def test_consoles_that_both_wrote_an_inject_keep_it_once_after_exchanging_ops(tmp_path):
    """Two consoles of a team tick the same drill apart: each writes the inject, and once each
    has the other's op the inject is still in each timeline once (the effect skips it)."""
    clock = FakeClock()
    one = IncidentService.open(tmp_path / "one.sqlite3", clock)
    two = IncidentService.open(tmp_path / "two.sqlite3", clock)
    try:
        incident = one.drills.start(short(0, 30), by="Trainer", speed=1).incident
        two.sync.apply(one.sync.outgoing())
        there = two.read.incidents.all()[0]
        clock.advance(seconds=31)
        one.drills.tick()
        two.drills.tick()
        one.sync.apply(two.sync.outgoing())
        two.sync.apply(one.sync.outgoing())
        for service, incident_id in ((one, incident.id), (two, there.id)):
            assert texts(service, incident_id).count("SME report: finding 2") == 1
        assert [e.occurred_at for e in one.read.timeline.all(incident.id)] == \
               [e.occurred_at for e in two.read.timeline.all(there.id)]
    finally:
        one.close()
        two.close()


def test_injects_are_timeline_entries_only_never_updates_and_drills_stay_out_of_metrics(service, clock):
    incident = service.drills.start(scenarios.find(PROCESS, "checkout-failure"), by="T", speed=60).incident
    clock.advance(minutes=1)
    service.drills.tick()
    assert service.read.drills.get(incident.id).finished
    assert service.read.updates.all(incident.id) == []  # nothing was "sent" to any audience
    service.incidents.set_status(incident.id, "resolved", by="T")
    assert metrics.monthly(service.read.incidents.all()) == []


def test_replay_makes_injects_of_what_happened_at_its_offsets(service, clock):
    real = service.incidents.declare("Search down", by="Ana", severity=3).incident
    clock.advance(minutes=2)
    service.timeline.log(real.id, "index shards red", by="Ben", kind="finding")
    service.roster.assign(real.id, "ic", "Ana", by="Ana")
    clock.advance(minutes=3)
    service.incidents.set_severity(real.id, 2, by="Ana")
    service.timeline.log(real.id, "roll back the mapping change", by="Ana", kind="decision")
    service.tasks.add(real.id, "Ben", 5, "roll back", by="Ana")
    for audience in ("responders", "customers"):  # status updates are the trainee's: not replayed
        service.updates.send(real.id, audience, "rolling back the mapping change", by="Ana")
    retracted = service.timeline.log(real.id, "wrong host", by="Ben", kind="note").entries[0]
    service.history.retract(real.id, retracted.id, reason="typo", by="Ben")
    scenario = scenarios.replay(service.read, real.id)
    assert scenario.severity == 3 and scenario.title == "Replay of INC-1: Search down"
    assert scenario.replay_of == real.uid
    assert [(i.at, i.kind, i.author, i.text) for i in scenario.injects] == [
        (120, "finding", "Ben", "index shards red"),
        (300, "system", "Ana", "Replayed: Severity SEV-3 -> SEV-2"),
    ]
    drill = service.drills.start(scenario, by="Trainer", speed=60).incident
    assert drill.drill and drill.id != real.id
    clock.advance(seconds=5)
    service.drills.tick()
    assert texts(service, drill.id)[-2:] == ["index shards red", "Replayed: Severity SEV-3 -> SEV-2"]
    again = scenarios.replay(service.read, drill.id)  # a drill replays without its start note
    assert [i.text for i in again.injects] == [i.text for i in scenario.injects]


def test_replaying_an_incident_with_nothing_but_the_ics_moves_is_refused(service, clock):
    incident = service.incidents.declare("Quiet", by="Ana", severity=3).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    with pytest.raises(InputError, match="nothing to replay"):
        scenarios.replay(service.read, incident.id)


# -- the command line ---------------------------------------------------------------------------


def test_drill_start_prints_the_ref_and_tick_writes_what_is_due(capsys, clock, where):
    code, out, _ = run(capsys, "drill", "start", "checkout-failure", "--speed", "60", clock=clock)
    assert (code, out) == (0, "INC-1\n")
    clock.advance(seconds=4)  # four minutes of scenario time
    code, out, _ = run(capsys, "drill", "tick", clock=clock)
    assert code == 0
    assert [line.split("] ", 1)[1] for line in out.splitlines()] == [
        "Paging: Page: The payments on-call, Dee Patel, has been paged and is joining the call.",
        "Dee Patel (payments): SME report: About 60% of card authorisations fail with a timeout since "
        "14:02. Wallet payments look fine."]
    code, out, _ = run(capsys, "drill", "tick", "INC-1", clock=clock)
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "list", "--json", clock=clock)
    assert json.loads(out)[0]["drill"] is True


def test_drill_start_follow_writes_every_inject_then_returns(capsys, tmp_path):
    folder = tmp_path / "process" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "quick.yaml").write_text(
        "scenarios:\n- id: quick\n  title: Quick drill\n  severity: 2\n  summary: Fast.\n"
        "  page: during/during_an_incident\n  injects:\n"
        "  - {id: a, at: 0s, type: page, from: Paging, text: First.}\n"
        "  - {id: b, at: 6s, type: sme_report, from: Dee, text: Second.}\n"
        "  - {id: c, at: 12s, type: timer_expired, from: Deputy, text: Third.}\n")
    code, out, _ = run(capsys, "drill", "start", "quick", "--speed", "60", "--follow",
                       "--process", str(tmp_path / "process"), clock=SystemClock())
    lines = out.splitlines()
    assert code == 0 and lines[0] == "INC-1"
    assert [line.split("] ", 1)[1] for line in lines[1:]] == [
        "Paging: Page: First.", "Dee: SME report: Second.", "Deputy: Timer ran out: Third."]


def test_drill_start_replay(capsys, clock):
    run(capsys, "declare", "Search down", "--sev", "3", clock=clock)
    clock.advance(minutes=1)
    run(capsys, "log", "INC-1", "f: shards red", clock=clock)
    code, out, _ = run(capsys, "drill", "start", "--replay", "INC-1", "--speed", "60", clock=clock)
    assert (code, out) == (0, "INC-2\n")
    clock.advance(seconds=1)
    code, out, _ = run(capsys, "drill", "tick", "INC-2", clock=clock)
    assert out.endswith("[finding] Tester: shards red\n")


@pytest.mark.parametrize("argv, message", [
    (["drill", "start", "nope"], "no scenario 'nope'"),
    (["drill", "start", "checkout-failure", "--speed", "61"], "expected a whole number from 1 to 60"),
    (["drill", "start"], "name a SCENARIO (drill list) or --replay REF"),
    (["drill", "start", "checkout-failure", "--replay", "INC-1"], "not both"),
    (["drill", "start", "--replay", "INC-7"], "no incident INC-7"),
    (["drill", "tick", "INC-1"], "INC-1 is not a drill started from a scenario"),
])
def test_bad_drill_commands_write_nothing(capsys, clock, where, argv, message):
    run(capsys, "declare", "Real one", "--sev", "2", clock=clock)
    assert_refused(capsys, Path(where.db_path), argv, message, clock=clock)
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("SELECT count(*) FROM drills").fetchone() == (0,)
    conn.close()


def test_every_export_of_a_drill_says_it_is_one(capsys, clock):
    run(capsys, "declare", "Real one", "--sev", "2", clock=clock)
    run(capsys, "log", "INC-1", "f: shards red", clock=clock)
    run(capsys, "drill", "start", "--replay", "INC-1", clock=clock)  # a title without "Drill"
    outputs = {fmt: run(capsys, "export", "INC-2", "--format", fmt, clock=clock)[1]
               for fmt in ("json", "md", "html", "csv")}
    assert json.loads(outputs["json"])["incident"]["drill"] is True
    assert outputs["md"].startswith("**DRILL - a training exercise, not a real incident.**\n")
    assert "<title>DRILL: Post-mortem: INC-2 Replay of INC-1: Real one</title>" in outputs["html"]
    assert "DRILL - a training exercise" in outputs["html"]
    assert "(SEV-2, drill)" in outputs["csv"]
    real = run(capsys, "export", "INC-1", "--format", "md", clock=clock)[1]
    assert "DRILL" not in real
