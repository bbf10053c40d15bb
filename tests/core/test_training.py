"""The training record toward the IC qualification (issue 14): recorded shifts, derived drills and shadowing."""

import json
import sqlite3
from pathlib import Path

import pytest

from console import training
from console.process import load_process
from console.scenarios import Inject, Scenario
from console.service import IncidentService
from tests.conftest import FakeClock
from tests.helpers import assert_refused, run

PROCESS = load_process(None)
SCENARIO = Scenario("t", "Drill: t", 2, False, "t", (Inject(0, "note", "Support", "Customer ticket: x"),))


def counts(service, person=None):
    return {who: {p.kind: p.count for p in items} for who, items in
            training.progress(service.read, PROCESS, person).items()}


def test_recorded_shifts_and_what_the_record_shows_count_toward_the_qualification(service, clock):
    service.training.add("Ana Silva", "shadow", by="Lead", note="week 47 with Ben")
    service.training.add("ana silva", "reverse-shadow", by="Lead")
    for _ in range(2):  # IC of two drills
        d = service.drills.start(SCENARIO, by="Trainer").incident
        service.roster.assign(d.id, "ic", "Ana Silva", by="Trainer")
    real = service.incidents.declare("Real one", by="Ben", severity=2).incident
    service.roster.assign(real.id, "ic_shadow", "Cy", by="Ben")  # shadowing a real incident
    service.roster.assign(real.id, "ic", "Ana Silva", by="Ben")  # IC of a real one: no drill
    assert counts(service) == {"Ana Silva": {"shadow": 1, "reverse-shadow": 1, "drill": 2},
                               "Cy": {"shadow": 1, "reverse-shadow": 0, "drill": 0}}
    ana = training.progress(service.read, PROCESS, "ANA SILVA")["Ana Silva"]
    assert all(p.met for p in ana)
    assert [r.incident for r in ana[2].records] == ["INC-1", "INC-2"] and ana[2].records[0].derived
    assert ana[0].records[0].note == "week 47 with Ben" and ana[0].records[0].by == "Lead"


def test_an_incident_recorded_by_hand_and_seen_in_the_record_counts_once(service, clock):
    d = service.drills.start(SCENARIO, by="Trainer").incident
    service.roster.assign(d.id, "ic", "Ana", by="Trainer")
    service.training.add("Ana", "drill", by="Lead", incident_id=d.id)
    assert counts(service, "Ana") == {"Ana": {"shadow": 0, "reverse-shadow": 0, "drill": 1}}


def test_someone_with_no_record_is_listed_with_nothing(service):
    assert counts(service, "Nobody") == {"Nobody": {"shadow": 0, "reverse-shadow": 0, "drill": 0}}


def test_a_training_record_replicates_without_an_incident_number(tmp_path):
    clock = FakeClock()
    one = IncidentService.open(tmp_path / "one.sqlite3", clock)
    two = IncidentService.open(tmp_path / "two.sqlite3", clock)
    try:
        one.training.add("Ana", "shadow", by="Lead")
        (op,) = one.sync.outgoing()
        assert op.verb == "training.add" and op.incident is None
        assert two.sync.apply([op]) == 1
        assert counts(two, "Ana")["Ana"]["shadow"] == 1
    finally:
        one.close()
        two.close()


def test_training_cli(capsys, clock):
    assert run(capsys, "training", clock=clock)[1] == "no training recorded yet: training add PERSON KIND [REF]\n"
    run(capsys, "drill", "start", "checkout-failure", clock=clock)
    run(capsys, "role", "INC-1", "ic", "Ana Silva", clock=clock)
    code, out, _ = run(capsys, "training", "add", "Ana Silva", "shadow", "--note", "week 47", clock=clock)
    assert (code, out) == (0, "Ana Silva: shadow\n")
    code, out, _ = run(capsys, "training", "add", "Ben", "drill", "INC-1", clock=clock)
    assert (code, out) == (0, "Ben: drill (INC-1)\n")
    code, out, _ = run(capsys, "training", "Ana Silva", clock=clock)
    assert out.splitlines() == [
        "Ana Silva: 1 of 3 toward Incident Commander",
        "  shadow          1 of 1  Shadow shifts (a week each, watching a current Incident Commander)  [2026-03-29]",
        "  reverse-shadow  0 of 1  Reverse-shadow shifts (a week each, leading with an Incident Commander behind you)",
        "  drill           1 of 2  Drills run as Incident Commander  [INC-1]",
    ]
    code, out, _ = run(capsys, "training", "--json", clock=clock)
    people = {p["person"]: p for p in json.loads(out)}
    assert set(people) == {"Ana Silva", "Ben"} and not people["Ben"]["qualified"]
    assert people["Ana Silva"]["items"][2]["records"][0]["derived"] is True


@pytest.mark.parametrize("argv, message", [
    (["training", "add", "Ana", "juggling"], "bad training kind 'juggling': expected one of shadow, reverse-shadow, drill"),
    (["training", "add", "Ana"], "usage: training add PERSON KIND [REF]"),
    (["training", "add", "Ana", "shadow", "INC-5"], "no incident INC-5"),
    (["training", "Ana", "Ben"], "training takes one PERSON"),
])
def test_bad_training_commands_write_nothing(capsys, clock, where, argv, message):
    run(capsys, "declare", "Real", "--sev", "2", clock=clock)
    assert_refused(capsys, Path(where.db_path), argv, message, clock=clock)
    conn = sqlite3.connect(where.db_path)
    assert conn.execute("SELECT count(*) FROM training").fetchone() == (0,)
    conn.close()
