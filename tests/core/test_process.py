"""The default process meets the handbook's counts; broken overrides say file:line."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from console import process as proc
from console.cli import main
from console.process import ProcessError, load_process

ROOT = Path(__file__).resolve().parents[2]


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
    assert counts["entry_kinds"] == 16
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


# -- the cache of validated processes --------------------------------------------------------

ROLES_OVERRIDE = "roles:\n  - id: ic\n    short: Boss\n"


def cache_file(where) -> Path:
    return where.cache_dir / proc.CACHE_FILE


def test_the_cache_holds_what_validation_gives_privately(tmp_path, where, default):
    folder = tmp_path / "process"
    write(folder, "roles.yaml", ROLES_OVERRIDE)
    first = load_process(folder, where.cache_dir)  # a miss: validated, then kept
    assert (cache_file(where).stat().st_mode & 0o777, where.cache_dir.stat().st_mode & 0o777) == (0o600, 0o700)
    again = load_process(folder, where.cache_dir)  # a hit
    uncached = load_process(folder)
    assert again.to_plain() == first.to_plain() == uncached.to_plain() != default.to_plain()
    assert again.sources == first.sources == uncached.sources
    assert again.by_id("roles", "ic")["short"] == "Boss"


def test_a_changed_override_is_validated_again(tmp_path, where):
    folder = tmp_path / "process"
    path = write(folder, "roles.yaml", ROLES_OVERRIDE)
    load_process(folder, where.cache_dir)
    kept = cache_file(where).read_bytes()
    path.write_text(ROLES_OVERRIDE.replace("Boss", "Chief"), encoding="utf-8")
    changed = load_process(folder, where.cache_dir)
    assert changed.by_id("roles", "ic")["short"] == "Chief"
    assert cache_file(where).read_bytes() != kept  # the new result replaced the old one
    path.unlink()
    assert load_process(folder, where.cache_dir).to_plain() == load_process().to_plain()


@pytest.mark.parametrize("name, text, line, message", BROKEN, ids=[b[3] for b in BROKEN])
def test_a_broken_override_is_refused_as_ever_and_never_cached(tmp_path, where, name, text, line, message):
    good = tmp_path / "good"
    write(good, "roles.yaml", ROLES_OVERRIDE)
    load_process(good, where.cache_dir)
    kept = cache_file(where).read_bytes()
    folder = tmp_path / "process"
    write(folder, name, text)
    for _ in range(2):  # the second time too: nothing of it was kept
        with pytest.raises(ProcessError) as caught:
            load_process(folder, where.cache_dir)
        assert [str(p) for p in caught.value.problems] == problems_for(folder)
    assert cache_file(where).read_bytes() == kept


def _spoil(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(b"\x00\xffnot json at all")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif how == "another key":
        stored = json.loads(path.read_bytes())
        path.write_text(json.dumps({**stored, "key": "0" * 64}))
    elif how == "a list missing":
        stored = json.loads(path.read_bytes())
        del stored["value"]["lists"]["roles"]
        path.write_text(json.dumps(stored))
    elif how == "not a mapping":
        path.write_text("[1, 2, 3]")
    elif how == "readable by others":
        path.chmod(0o644)
    elif how == "a symlink":
        target = path.with_name("elsewhere.json")
        path.rename(target)
        path.symlink_to(target)
    elif how == "a folder":
        path.unlink()
        path.mkdir()


SPOILED = ["garbage", "truncated", "another key", "a list missing", "not a mapping", "readable by others",
           "a symlink", "a folder"]


@pytest.mark.parametrize("how", SPOILED)
def test_a_spoiled_cache_is_ignored_and_written_again(tmp_path, where, how):
    folder = tmp_path / "process"
    write(folder, "roles.yaml", ROLES_OVERRIDE)
    expected = load_process(folder).to_plain()
    load_process(folder, where.cache_dir)
    _spoil(cache_file(where), how)
    assert load_process(folder, where.cache_dir).to_plain() == expected
    if how in ("a symlink", "a folder"):  # not ours to replace: left alone, validated every time
        assert cache_file(where).is_symlink() or cache_file(where).is_dir()
    else:
        assert cache_file(where).is_file() and cache_file(where).stat().st_mode & 0o777 == 0o600
    assert load_process(folder, where.cache_dir).to_plain() == expected


def test_a_cache_folder_that_cannot_be_made_costs_only_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert load_process(None, blocker / "cache").to_plain() == load_process().to_plain()


def test_a_hit_reads_no_yaml_and_checks_no_pattern_or_page(tmp_path, where):
    """In a fresh interpreter, a warm cache is read without PyYAML, RE2 or the handbook."""
    folder = tmp_path / "process"
    write(folder, "roles.yaml", ROLES_OVERRIDE)
    load_process(folder, where.cache_dir)
    script = ("import sys; from pathlib import Path; from console.process import load_process; "
              "p = load_process(Path(sys.argv[1]), Path(sys.argv[2])); "
              "print(p.by_id('roles', 'ic')['short'], sorted(m for m in ('yaml', 're2', 'console.handbook', "
              "'console.lint') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script, str(folder), str(where.cache_dir)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.startswith("Boss ") and done.stdout.rstrip().endswith("[]"), done.stdout + done.stderr


# -- the files' record: a process whose files have not changed is found without reading them --

@pytest.fixture
def settle(monkeypatch):
    """Set how long a file must be left alone before its look is remembered (proc.SETTLE_NS):
    0 by default here, so that the tests need not wait; an hour to say "nothing is settled"."""
    def set_settle(seconds: float) -> None:
        monkeypatch.setattr(proc, "SETTLE_NS", int(seconds * 1e9))

    set_settle(0)
    return set_settle


def test_settled_files_are_looked_at_not_read(tmp_path, where, settle):
    """In a fresh interpreter, nothing the key is made of is opened: each file is only stat'ed."""
    folder = tmp_path / "process"
    override = write(folder, "roles.yaml", ROLES_OVERRIDE)
    load_process(folder, where.cache_dir)  # validated, kept, and its files remembered
    assert (where.cache_dir / proc.FILES_FILE).stat().st_mode & 0o777 == 0o600
    script = ("import sys; from pathlib import Path; from console import process; "
              "process.SETTLE_NS = 0; opened = []; "
              "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None); "
              "p = process.load_process(Path(sys.argv[1]), Path(sys.argv[2])); "
              "print(p.by_id('roles', 'ic')['short'], sorted({Path(o).suffix for o in opened}))")
    done = subprocess.run([sys.executable, "-c", script, str(folder), str(where.cache_dir)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    # Only the two cache files (and modules' bytecode) are opened: no .yaml, .md or .py.
    assert done.stdout == "Boss ['.json', '.pyc']\n", done.stdout + done.stderr
    assert str(override) not in done.stdout


def test_a_file_changed_since_is_read_again_and_remembered_once_settled(tmp_path, where, settle):
    folder = tmp_path / "process"
    path = write(folder, "roles.yaml", ROLES_OVERRIDE)
    assert load_process(folder, where.cache_dir).by_id("roles", "ic")["short"] == "Boss"
    path.write_text(ROLES_OVERRIDE.replace("Boss", "Head"), encoding="utf-8")  # the same size
    for _ in range(2):
        assert load_process(folder, where.cache_dir).by_id("roles", "ic")["short"] == "Head"
    record = where.cache_dir / proc.FILES_FILE
    remembered = record.read_bytes()
    settle(3600)  # a file written now is not settled
    path.write_text(ROLES_OVERRIDE.replace("Boss", "Lead"), encoding="utf-8")
    for _ in range(2):
        assert load_process(folder, where.cache_dir).by_id("roles", "ic")["short"] == "Lead"
        assert record.read_bytes() == remembered  # validated, not remembered
    settle(0)
    for _ in range(2):
        assert load_process(folder, where.cache_dir).by_id("roles", "ic")["short"] == "Lead"
        assert record.read_bytes() != remembered
    default = load_process().to_plain()
    path.unlink()
    assert load_process(folder, where.cache_dir).to_plain() == default
    folder.rmdir()
    for _ in range(2):
        assert load_process(folder, where.cache_dir).to_plain() == default
    folder.write_text("not a folder")  # refused as ever, though no file it names has changed
    with pytest.raises(ProcessError, match="is not a folder"):
        load_process(folder, where.cache_dir)


@pytest.mark.parametrize("how", [h for h in SPOILED if h != "a list missing"] + ["a key of nothing kept"])
def test_a_spoiled_files_record_is_ignored(tmp_path, where, settle, how):
    folder = tmp_path / "process"
    write(folder, "roles.yaml", ROLES_OVERRIDE)
    expected = load_process(folder).to_plain()
    load_process(folder, where.cache_dir)
    record = where.cache_dir / proc.FILES_FILE
    if how == "a key of nothing kept":
        stored = json.loads(record.read_bytes())
        record.write_text(json.dumps({**stored, "value": "0" * 64}))
    else:
        _spoil(record, how)
    for _ in range(2):
        assert load_process(folder, where.cache_dir).to_plain() == expected


# -- settings: what an override of part of a mapping does, and no setting that does nothing --

def test_part_of_a_mapping_merges_key_by_key(tmp_path, default):
    folder = tmp_path / "process"
    write(folder, "severities.yaml", "severities:\n  - id: sev1\n    cadence: {executives: 20}\n"
          "    postmortem:\n      meeting_within: 2\n")
    write(folder, "roles.yaml", "roles:\n  - id: ic\n    duties:\n      during:\n      - Run the call.\n")
    merged = load_process(folder)
    sev1, was = merged.severity(1), default.severity(1)
    assert sev1["cadence"] == {**was["cadence"], "executives": 20}
    assert set(sev1["cadence"]) == {"responders", "executives", "customers", "deputy_callout"}
    assert sev1["postmortem"] == {**was["postmortem"], "meeting_within": 2}
    ic, ic_was = merged.by_id("roles", "ic"), default.by_id("roles", "ic")
    assert ic["duties"]["during"] == ["Run the call."]  # a plain list replaces the old one...
    assert ic["duties"]["before"] == ic_was["duties"]["before"] and ic_was["duties"]["before"]  # ...the rest stays
    assert ic["duties"]["after"] == ic_was["duties"]["after"]
    assert merged.severity(2) == default.severity(2)


def test_a_plain_list_in_an_override_replaces_the_list(tmp_path, default):
    folder = tmp_path / "process"
    write(folder, "severities.yaml", "severities:\n  - id: sev2\n    paged: [The on-call IC]\n")
    assert load_process(folder).severity(2)["paged"] == ["The on-call IC"]
    assert len(default.severity(2)["paged"]) > 1


def test_a_merged_mapping_still_says_where_a_mistake_was_written(tmp_path):
    folder = tmp_path / "process"
    path = write(folder, "severities.yaml", "severities:\n  - id: sev1\n    cadence:\n      executives: 0\n"
                 "      bosses: 5\n    postmortem:\n      day_kind: fortnight\n")
    found = problems_for(folder)
    assert any(p.startswith(f"{path}:4: cadence executives must be whole minutes") for p in found), found
    assert any(p.startswith(f"{path}:5: cadence 'bosses' is no update audience") for p in found), found
    assert any(p.startswith(f"{path}:7: day_kind 'fortnight' is not one of") for p in found), found
    assert len(found) == 3, found  # the keys it did not name are not checked again as its mistakes


def test_every_default_file_is_read_and_settings_yaml_is_gone(tmp_path, default):
    shipped = {p.name for p in (ROOT / "data").glob("*.yaml")}
    assert shipped | {proc.SCENARIO_FILES} == set(proc.SCHEMA)  # no process file that nothing reads
    assert len(list((ROOT / "data" / "scenarios").glob("*.yaml"))) >= 3
    assert "settings" not in default.to_plain()
    folder = tmp_path / "process"
    path = write(folder, "settings.yaml", "settings:\n  - id: exec-update-cadence\n    value: 20\n")
    assert problems_for(folder) == [f"{path}:1: {proc.RETIRED_FILES['settings.yaml']}"]
    assert "docs/decisions.md" in proc.RETIRED_FILES["settings.yaml"]


def test_the_decisions_page_names_files_and_ids_that_exist(default):
    import re

    text = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    kept = re.findall(r"^- \*\*Kept in:\*\* (.+)$", text, re.MULTILINE)
    assert len(kept) == len(re.findall(r"^## ", text, re.MULTILINE)) == 21
    ids = {item["id"] for items in default.to_plain().values() for item in items}
    ids |= {sub["id"] for c in default.items("checklists") for sub in c["items"]}
    for line in kept:
        names = re.findall(r"`([^`]+)`", line)
        files = [n for n in names if n.endswith(".yaml")]
        assert files and set(files) <= set(proc.SCHEMA), line
        for name in names:
            if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", name):  # an item id
                assert name in ids, (name, line)
