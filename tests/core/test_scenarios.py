"""Drill scenarios as process data (issue 14): shipped, overridable by id, checked by `process check`."""

import pytest

from console import scenarios
from console.errors import InputError, NotFound
from console.process import ProcessError, load_process
from tests.helpers import run

SHIPPED = ("checkout-failure", "security-breach", "complex-outage")


def test_the_shipped_scenarios_load_in_scenario_order():
    process = load_process(None)
    found = {s.id: s for s in scenarios.all_scenarios(process)}
    assert set(SHIPPED) <= set(found)
    assert found["security-breach"].security and not found["checkout-failure"].security
    for scenario in found.values():
        offsets = [i.at for i in scenario.injects]
        assert offsets == sorted(offsets) and offsets[0] == 0
        assert scenario.severity in (1, 2)


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_each_shipped_scenario_uses_every_inject_type(scenario_id):
    """An SME report, a page, an executive asking, a customer ticket, a timer running out and a
    change of impact: each is a line starting with its type's label, written as its kind."""
    process = load_process(None)
    scenario = scenarios.find(process, scenario_id)
    for kind in process.items("inject_types"):
        assert any(i.text.startswith(kind["label"] + ": ") and i.kind == kind["kind"]
                   for i in scenario.injects), kind["id"]


def test_an_override_adds_changes_and_removes_scenarios_by_id(tmp_path):
    folder = tmp_path / "process" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "ours.yaml").write_text(
        "scenarios:\n"
        "- id: dns-outage\n  title: Our DNS drill\n  severity: 3\n  summary: Names stop resolving.\n"
        "  page: during/during_an_incident\n  injects:\n"
        "  - {id: a, at: 1m30s, type: page, from: Paging, text: DNS on-call joins.}\n"
        "  - {id: b, at: 0, type: customer_ticket, from: Support, text: Sites unreachable.}\n"
        "- id: checkout-failure\n  title: Checkout, our way\n"
        "- id: security-breach\n  disabled: true\n")
    process = load_process(tmp_path / "process")
    found = {s.id: s for s in scenarios.all_scenarios(process)}
    assert "security-breach" not in found
    assert found["checkout-failure"].title == "Checkout, our way"
    assert len(found["checkout-failure"].injects) == 9  # the shipped injects are kept
    dns = found["dns-outage"]
    assert [(i.at, i.kind, i.text) for i in dns.injects] == [
        (0, "note", "Customer ticket: Sites unreachable."), (90, "page", "Page: DNS on-call joins.")]


def test_a_bad_scenario_is_one_problem_naming_its_file_and_line(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "bad.yaml").write_text(
        "scenarios:\n- id: broken\n  title: Broken\n  severity: 2\n  summary: x\n"
        "  page: during/during_an_incident\n  injects:\n"
        "  - id: a\n    at: soon\n    type: page\n    from: P\n    text: t\n")
    with pytest.raises(ProcessError) as caught:
        load_process(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'bad.yaml'}:9: at: bad time into the drill 'soon': expected 5m, 90s, 1m30s or 1h"]


def test_process_check_counts_scenarios_and_refuses_a_bad_one(tmp_path, capsys):
    code, out, _ = run(capsys, "process", "check")
    assert code == 0 and " 3 scenarios" in out and " 6 inject types" in out
    folder = tmp_path / "o" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text("scenarios:\n- id: checkout-failure\n  severity: 0\n")
    code, out, err = run(capsys, "process", "check", str(tmp_path / "o"))
    assert code == 2 and out == ""
    assert err.splitlines()[0] == f"{folder / 'x.yaml'}:3: severity 0 is out of range (1..5)"


@pytest.mark.parametrize("text, seconds", [
    ("0m", 0), ("5m", 300), ("90s", 90), ("1m30s", 90), ("1h", 3600), ("1h 2m 3s", 3723), (7, 420), ("24h", 86400)])
def test_offsets(text, seconds):
    assert scenarios.parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "5", "5 minutes", "-1m", "25h", "١m", True, 1441, "5m5m"])
def test_bad_offsets(text):
    with pytest.raises(InputError):
        scenarios.parse_offset(text)


@pytest.mark.parametrize("text, speed", [("1", 1), ("60", 60), ("10x", 10), (" 5 ", 5), (30, 30)])
def test_speeds(text, speed):
    assert scenarios.parse_speed(text) == speed


@pytest.mark.parametrize("text", ["0", "61", "1.5", "-1", "", "ten", "١٠", "9" * 30])
def test_bad_speeds(text):
    with pytest.raises(InputError, match="from 1 to 60"):
        scenarios.parse_speed(text)


def test_an_unknown_scenario_names_the_ones_there_are():
    with pytest.raises(NotFound, match="checkout-failure"):
        scenarios.find(load_process(None), "nope")


def test_drill_list_prints_every_scenario(capsys):
    code, out, _ = run(capsys, "drill", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["checkout-failure", "complex-outage", "security-breach"]
    code, out, _ = run(capsys, "drill", "list", "--json")
    import json

    listed = {s["id"]: s for s in json.loads(out)}
    assert listed["checkout-failure"]["injects"] == 9 and listed["checkout-failure"]["minutes"] == 38
