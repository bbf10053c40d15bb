"""The debrief (issue 14): what the handbook asks of an IC, scored against the record with evidence."""

import json

import pytest

from console.debrief import CHECKS, debrief
from console.process import DEBRIEF_CHECKS, load_process
from console.scenarios import Inject, Scenario
from tests.helpers import run

PROCESS = load_process(None)


def drill(service, speed=1, severity=2):
    injects = (Inject(0, "finding", "Dee (SME)", "SME report: card failures"),
               Inject(60, "decision", "Exec", "Exec decides: fix it now"))
    scenario = Scenario("t", "Drill: checkout", severity, False, "A test drill.", injects)
    return service.drills.start(scenario, by="Trainer", speed=speed).incident


def items(service, incident_id, clock):
    return {i.id: i for i in debrief(service.read, PROCESS, incident_id, clock.now()).items}


def test_every_check_the_process_may_name_has_code():
    assert set(CHECKS) == set(DEBRIEF_CHECKS)


def test_a_well_run_drill_passes_every_scored_item_with_its_evidence(service, clock):
    incident = drill(service)
    i = incident.id
    clock.advance(minutes=1)
    service.roster.assign(i, "ic", "Ana", by="Ana")
    service.roster.assign(i, "deputy", "Ben", by="Ana")
    clock.advance(minutes=1)
    service.roster.assign(i, "scribe", "Cy", by="Ana")
    task = service.tasks.add(i, "Dee", 10, "roll back 4121", by="Ana").task
    decision = service.timeline.log(i, "roll back 4121 -- objections: none", by="Cy", kind="decision").entries[0]
    for _ in range(3):  # every 12 minutes to everyone: inside 15 (responders) and 30
        clock.advance(minutes=12)
        service.drills.tick()
        for audience in ("responders", "executives", "customers"):
            service.updates.send(i, audience, "rolling back, next update in 15 minutes", by="Ana")
        if service.read.tasks.get(i, task.number).done_at is None:
            service.tasks.done(i, task.number, by="Ana")  # at 14 min: due at 12, within 2 of grace
    service.incidents.set_status(i, "resolved", by="Ana")
    found = items(service, i, clock)
    assert {k: v.result for k, v in found.items()} == {
        "command-staff": "pass", "updates": "pass", "tasks": "pass", "decisions": "pass",
        "span": "pass", "handover": "pass"}
    assert found["span"].summary == "at most 2 direct report(s) (threshold 7)"
    staff = found["command-staff"].evidence
    assert [e.text for e in staff] == ["Incident Commander: Ana, 1.0 min after the declaration",
                                       "Deputy: Ben, 1.0 min after the declaration",
                                       "Scribe: Cy, 2.0 min after the declaration"]
    assert all(e.entry and e.entry.startswith("E") for e in staff)
    assert found["decisions"].evidence[0].entry == decision.ref
    assert found["tasks"].evidence[0].text.startswith("T1 Dee: roll back 4121 (done")
    assert found["command-staff"].page == "during/during_an_incident"


def test_a_poorly_run_drill_fails_each_item_and_says_why(service, clock):
    i = drill(service).id
    clock.advance(minutes=9)
    service.roster.assign(i, "ic", "Ana", by="Ana")
    service.tasks.add(i, "Dee", 5, "look at the logs", by="Ana")
    service.timeline.log(i, "we roll back", by="Ana", kind="decision")
    clock.advance(minutes=200)
    found = items(service, i, clock)
    assert {k: v.passed for k, v in found.items()} == {
        "command-staff": False, "updates": False, "tasks": False, "decisions": False, "span": True,
        "handover": False}
    assert found["command-staff"].summary == ("never named: Deputy, Scribe; named after 5 min: "
                                              "Incident Commander")
    assert found["updates"].summary == "late or missing: responders, executives, customers"
    assert found["tasks"].summary == "not checked back on time: T1"
    assert "passed with nobody checking back" in found["tasks"].evidence[0].text
    assert found["decisions"].evidence[0].text == "we roll back - no objections asked for"
    assert found["handover"].summary == "held past 180 min without a hand-over: Ana"
    # The exec's "decision" is an inject, not the trainee's: it is not counted.
    assert len(found["decisions"].evidence) == 1


def test_a_drill_run_faster_is_scored_in_scenario_time(service, clock):
    """At 10x, two minutes of wall-clock time are twenty of scenario time: past the 15-minute
    cadence of the responders' update."""
    i = drill(service, speed=10).id
    clock.advance(seconds=30)  # 5 scenario minutes
    service.roster.assign(i, "ic", "Ana", by="Ana")
    clock.advance(seconds=90)  # 20 scenario minutes after the declaration
    found = items(service, i, clock)
    assert found["command-staff"].evidence[0].text == "Incident Commander: Ana, 5.0 min after the declaration"
    assert "no update to responders for 20.0 min (cadence 15 min)" in [e.text for e in found["updates"].evidence]


def test_span_of_control_fails_while_too_many_report_to_the_ic_and_says_for_how_long(service, clock):
    i = drill(service, speed=10).id
    service.roster.assign(i, "ic", "Ana", by="Ana")
    service.roster.assign(i, "deputy", "Ben", by="Ana")
    clock.advance(seconds=30)
    smes = [f"SME {n}" for n in range(1, 8)]
    for name in smes:
        service.roster.assign(i, "sme", name, by="Ana")  # 8 direct reports: past 7
    clock.advance(seconds=60)  # ten minutes of scenario time
    service.subteams.add(i, "alpha", "SME 1", 20, "replica lag", members=smes[1:5], by="Ana")
    clock.advance(seconds=60)
    span = items(service, i, clock)["span"]
    assert span.passed is False
    assert span.summary == "past 7 direct reports for 10.0 min (peak 8): spin off sub-teams with leaders"
    assert [e.text for e in span.evidence] == [
        "peak: 8 direct report(s): Ben, SME 1, SME 2, SME 3, SME 4, SME 5, SME 6, SME 7",
        "8 direct reports, past 7", "back within the span"]
    assert all(e.entry and e.entry.startswith("E") for e in span.evidence)


def test_an_incident_over_before_the_first_update_was_due_does_not_read_as_updated(service, clock):
    """Seen in the debrief window: an incident resolved a few minutes in passed with "every
    audience updated on its cadence" when none had been sent. It passes (nothing was late),
    and says why."""
    i = drill(service).id
    clock.advance(minutes=4)
    found = items(service, i, clock)["updates"]
    assert found.passed is True
    assert found.summary == "no update was due yet: 4.0 min in, inside every audience's cadence"
    assert not found.evidence


def test_a_severity_with_no_cadence_leaves_updates_unscored(service, clock):
    i = drill(service, severity=4).id
    assert items(service, i, clock)["updates"].passed is None


def test_an_override_changes_a_threshold_and_removes_an_item(tmp_path, service, clock):
    (tmp_path / "drills.yaml").write_text(
        "debrief_checks:\n- id: command-staff\n  minutes: 30\n- id: span\n  disabled: true\n")
    process = load_process(tmp_path)
    i = drill(service).id
    clock.advance(minutes=20)
    for role, who in (("ic", "Ana"), ("deputy", "Ben"), ("scribe", "Cy")):
        service.roster.assign(i, role, who, by="Ana")
    result = debrief(service.read, process, i, clock.now())
    assert [item.id for item in result.items] == ["command-staff", "updates", "tasks", "decisions", "handover"]
    assert result.items[0].passed


def test_drill_debrief_prints_and_json(capsys, clock):
    run(capsys, "drill", "start", "checkout-failure", "--speed", "60", clock=clock)
    clock.advance(seconds=6)  # six minutes of scenario time
    run(capsys, "role", "INC-1", "ic", "Ana", clock=clock)
    code, out, _ = run(capsys, "drill", "debrief", "INC-1", clock=clock)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "INC-1 DRILL SEV-2 Drill: checkout fails for most card payments"
    assert lines[1].startswith("Debrief (scenario time, 60x, up to 2026-03-29T14:00:06.000Z): 3 of 6")
    assert "FAIL       Incident Commander, Deputy and Scribe named early: never named: Deputy, Scribe; " \
           "named after 5 min: Incident Commander" in lines
    assert "           handbook: during/during_an_incident" in lines
    code, out, _ = run(capsys, "drill", "debrief", "INC-1", "--json", clock=clock)
    data = json.loads(out)
    assert data["drill"] is True and data["speed"] == 60 and data["scenario"] == "checkout-failure"
    staff = data["items"][0]
    assert staff["result"] == "fail" and staff["evidence"][0]["entry"].startswith("E")
    assert staff["evidence"][0]["text"] == "Incident Commander: Ana, 6.0 min after the declaration"


@pytest.mark.parametrize("ref", ["INC-9", "nope"])
def test_debrief_of_no_incident_is_one_line(capsys, ref):
    code, out, err = run(capsys, "drill", "debrief", ref)
    assert code == 2 and out == "" and err.count("\n") == 1
