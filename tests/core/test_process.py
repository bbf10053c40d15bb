"""The default process meets the handbook's counts; broken overrides say file:line."""

from collections import Counter
from pathlib import Path

import pytest

from console import process as proc
from console.cli import main
from console.process import ProcessError, load_process


@pytest.fixture(scope="module")
def default():
    return load_process()


def test_the_defaults_meet_the_handbooks_counts(default):
    counts = default.counts()
    assert counts["severities"] == 5
    kinds = Counter(r["kind"] for r in default.items("roles"))
    assert kinds == {"core": 6, "auxiliary": 3}
    assert {r["id"] for r in default.items("roles")} >= {
        "ic", "deputy", "scribe", "sme", "customer_liaison", "internal_liaison",
        "subteam_leader", "postmortem_owner", "ic_shadow"}
    ic_steps = default.by_id("checklists", "ic-during")["items"]
    assert len(ic_steps) >= 23
    assert {i["step"] for i in ic_steps} == set(proc._STEPS)
    assert len(default.by_id("checklists", "security")["items"]) == 14
    assert counts["prompts"] == 109
    assert Counter(p["audience"] for p in default.items("prompts")) == {
        "everyone": 32, "ic": 32, "sme": 13, "scribe": 12, "deputy": 8,
        "customer_liaison": 8, "internal_liaison": 4}
    assert {p["moment"] for p in default.items("prompts")} == set(proc._MOMENTS)
    assert counts["entry_kinds"] == 14
    assert counts["sections"] == 10
    assert [s["number"] for s in default.items("sections")] == list(range(1, 11))
    assert [s["id"] for s in default.items("statuses")] == ["draft", "in_review", "reviewed", "closed"]
    assert sum(r["source"] == "handbook" for r in default.items("lint_rules")) >= 16
    assert counts["commands"] == 9
    assert {c["chatops"] for c in default.items("commands")} == {
        "!ic", "!ic page", "!ic responders", "!ic page responders", "!ic who <user>",
        "!ic page <user>", "!status", "!status stalk", "!status unstalk"}
    assert counts["anti_patterns"] == 14
    assert counts["terms"] >= 59
    assert {u["audience"] for u in default.items("update_templates")} == {
        "responders", "executives", "customers"}


def test_cadences_and_deadlines_come_from_the_severity(default):
    sev1, sev2 = default.severity(1), default.severity(2)
    assert sev1["postmortem"] == {"required": True, "meeting_within": 3, "day_kind": "calendar"}
    assert sev2["postmortem"] == {"required": True, "meeting_within": 5, "day_kind": "business"}
    assert sev1["cadence"]["deputy_callout"] == 10
    handoff = {r["id"]: r for r in default.items("handoff_rules")}
    assert handoff["ic-handover-suggest"]["after_minutes"] == 60
    assert handoff["ic-handover-limit"]["after_minutes"] == 180
    assert handoff["default-successor"]["successor"] == "deputy"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(folder: Path) -> list[str]:
    with pytest.raises(ProcessError) as caught:
        load_process(folder)
    return [str(p) for p in caught.value.problems]


BROKEN = [
    ("severities.yaml", "severities:\n  - id: sev1\n    title: [oops\n", 3, "bad YAML"),
    ("severities.yaml", "severities:\n  - id: sev1\n    titel: Huge\n", 3, "unknown key 'titel'"),
    ("severities.yaml", "severities:\n  - id: sev2\n    major: maybe\n", 3, "major must be true or false"),
    ("severities.yaml", "severities:\n  - id: sev3\n    level: 3\n  - id: sev3\n    level: 3\n", 4,
     "duplicate id 'sev3'"),
    ("prompts.yaml", "prompts:\n  - id: ic-new\n    audience: boss\n    moment: lull\n    text: Hi\n"
     "    page: before/call_etiquette\n", 3, "audience refers to 'boss', which is not defined"),
    ("prompts.yaml", "prompts:\n  - id: ic-new\n    audience: ic\n    moment: sometime\n    text: Hi\n"
     "    page: before/call_etiquette\n", 4, "moment 'sometime' is not one of"),
    ("prompts.yaml", "prompts:\n  - id: ic-new\n    audience: ic\n    moment: lull\n    text: Hi\n"
     "    page: before/nowhere\n", 6, "no handbook page 'before/nowhere'"),
    ("checklists.yaml", "checklists:\n  - id: deputy-extra\n    role: deputy\n    phase: during\n"
     "    title: Extra\n    security_only: false\n    page: training/deputy\n    items: []\n", 8,
     "has an empty items list"),
    ("checklists.yaml", "checklists:\n  - id: ic-during\n    items:\n      - id: ic-during-99\n", 4,
     "missing: text"),
    ("roles.yaml", "roles:\n  - id: scribe\n    disabled: true\n", 1, "role 'scribe' is missing"),
    ("roles.yaml", "roles:\n  - id: scrib\n    disabled: true\n", 2, "cannot disable 'scrib'"),
    ("lint_rules.yaml", "lint_rules:\n  - id: u1-outage\n    pattern: 'out(age'\n", 3,
     "pattern cannot run in RE2: missing ): out(age"),
    ("entry_kinds.yaml", "entry_kinds:\n  - id: note\n    colour: red\n", 3, "not a #rrggbb colour"),
    ("severities.yaml", "- just a list\n", 1, "expected a mapping"),
    ("severities.yaml", "sevs:\n  - id: sev1\n", 1, "unknown list 'sevs'"),
    ("severity.yaml", "severities: []\n", 1, "unknown process file 'severity.yaml'"),
]


@pytest.mark.parametrize("name, text, line, message", BROKEN, ids=[b[3] for b in BROKEN])
def test_each_kind_of_mistake_is_reported_with_file_and_line(tmp_path, name, text, line, message):
    folder = tmp_path / "process"
    path = write(folder, name, text)
    found = problems_for(folder)
    if message.startswith("role 'scribe' is missing"):
        assert any(message in p for p in found), found
        return
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in found), found


def test_a_valid_override_changes_exactly_what_it_names(tmp_path, default):
    folder = tmp_path / "process"
    write(folder, "severities.yaml", "severities:\n  - id: sev2\n    cadence:\n      responders: 10\n"
          "      executives: 20\n      customers: 30\n      deputy_callout: 5\n")
    write(folder, "prompts.yaml", "prompts:\n  - id: ic-99-say-thanks\n    audience: ic\n"
          "    moment: at_close\n    text: Thank the team by name.\n    page: before/call_etiquette\n"
          "  - id: everyone-02-quiet-spot\n    disabled: true\n")
    write(folder, "checklists.yaml", "checklists:\n  - id: security\n    items:\n"
          "      - id: security-extra-legal\n        text: Ask legal whether regulators must be told\n")
    merged = load_process(folder)
    assert merged.severity(2)["cadence"]["responders"] == 10
    assert merged.severity(2)["title"] == default.severity(2)["title"]
    assert merged.severity(1) == default.severity(1)
    assert merged.counts()["prompts"] == 109  # one added, one disabled
    assert "ic-99-say-thanks" in {p["id"] for p in merged.items("prompts")}
    assert "everyone-02-quiet-spot" in {p["id"] for p in default.items("prompts")}
    assert "everyone-02-quiet-spot" not in {p["id"] for p in merged.items("prompts")}
    security = merged.by_id("checklists", "security")["items"]
    assert len(security) == 15 and security[-1]["id"] == "security-extra-legal"
    changed = {name for name in default.to_plain() if merged.to_plain()[name] != default.to_plain()[name]}
    assert changed == {"severities", "prompts", "checklists"}


def test_process_check_on_the_command_line(tmp_path, capsys):
    assert main(["process", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 5 severities, 9 roles") and "109 prompts" in out
    folder = tmp_path / "bad"
    path = write(folder, "roles.yaml", "roles:\n  - id: ic\n    max: many\n")
    assert main(["process", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: max must be a whole number or null, not 'many'" in err
    assert main(["--process", str(folder), "process", "check"]) == 2
    assert main(["process", "check", str(tmp_path / "missing")]) == 2


def test_process_show_json_is_the_merged_process(capsys):
    import json

    assert main(["process", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["prompts"]) == 109 and shown["severities"][0]["name"] == "SEV-1"
