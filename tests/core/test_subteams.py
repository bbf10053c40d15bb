"""Sub-teams of a complex incident (console.subteams, issue 14): spun off with a leader, a
time-box and members, joined, done; the process data they come from (subteams.yaml) and its
overrides; the verbs and the CLI."""

import json
import sqlite3
from pathlib import Path

import pytest

from console.commands import Language
from console.errors import InputError
from console.process import ProcessError, load_process
from console.service import IncidentService
from console.vocabulary import Vocabulary
from tests.helpers import ALL_TABLES, assert_refused, run

TABLES = ALL_TABLES + ("subteams", "subteam_members")


@pytest.fixture
def incident(service):
    change = service.incidents.declare("Checkout down", by="Ana", severity=1)
    service.roster.assign(change.incident.id, "ic", "Ana", by="Ana")
    return change.incident.id


def roles_now(service, incident_id) -> set[tuple[str, str]]:
    return {(a.role, a.person) for a in service.read.roster.current(incident_id)}


# -- spinning a team off ----------------------------------------------------------------------

def test_a_team_spun_off_has_its_leader_its_check_back_task_and_its_members(service, clock, incident):
    service.roster.assign(incident, "sme", "Ben", by="Ana")
    change = service.subteams.add(incident, "alpha", "Dee Patel", "20m", "replica lag",
                                  members=["Ben", "Cy"], by="Ana")
    assert ("subteam_leader", "Dee Patel") in roles_now(service, incident)
    task = change.task
    assert (task.owner, task.text, task.done_at) == ("Dee Patel", "Alpha: replica lag", None)
    assert task.due_at == "2026-03-29T14:20:00.000Z"  # the time-box is a task like any other
    [team] = service.read.subteams.active(incident)
    assert (team.name, team.leader, team.problem, team.members) == ("Alpha", "Dee Patel", "replica lag",
                                                                   ("Ben", "Cy"))
    assert (team.room, team.bridge, team.task_uid) == ("#team-alpha", "+1.555.123.4567", task.uid)
    kinds = [(e.kind, e.text) for e in change.entries]
    assert kinds == [
        ("team", "Sub-team Alpha spun off: Dee Patel leads, on replica lag; check back in 20 min "
                 "(room #team-alpha, bridge +1.555.123.4567)"),
        ("roster", "Sub-team Leader: Dee Patel"),
        ("task", "Dee Patel: Alpha: replica lag (check back in 20 min)"),
        ("team", "Ben joins Alpha (led by Dee Patel)"),
        ("team", "Cy joins Alpha (led by Dee Patel)"),
    ]
    assert [e.id for e in change.entries] == [e.id for e in service.read.timeline.all(incident)][-5:]


def test_the_team_is_written_in_one_transaction_with_its_ops(service, incident):
    service.subteams.add(incident, "Bravo", "Gil", 15, "payments errors", members=["Hal"], by="Ana")
    verbs = [v for (v,) in service.ledger.execute("SELECT verb FROM ops ORDER BY seq").fetchall()]
    assert verbs[-4:] == ["subteam.add", "role.assign", "task.add", "subteam.join"]


def test_a_leader_named_among_the_members_is_not_a_member_and_names_count_once(service, incident):
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["dee", "Ben", "ben ", "Cy"], by="Ana")
    assert service.read.subteams.active(incident)[0].members == ("Ben", "Cy")


def test_a_back_dated_spin_off_counts_the_time_box_from_then(service, clock, incident):
    clock.advance(minutes=30)
    language = Language.default()
    change = language.run(service, incident, "@14:10Z /subteam Alpha Dee Patel 20m replica lag".replace(
        "@14:10Z", "@2026-03-29T14:10Z"), by="Ana")
    assert change.task.assigned_at == "2026-03-29T14:10:00.000Z"
    assert change.task.due_at == "2026-03-29T14:30:00.000Z"
    assert service.read.subteams.active(incident)[0].started_at == "2026-03-29T14:10:00.000Z"


@pytest.mark.parametrize("setup, call, message", [
    (None, ("Delta", "Dee", 20, "lag"), "bad sub-team 'Delta': expected one of Alpha, Bravo, Charlie"),
    (None, ("Alpha", "Dee", 0, "lag"), "bad minutes"),
    (None, ("Alpha", "Dee", 20, "   "), "problem"),
    (None, ("Alpha", "", 20, "lag"), "leader"),
    (None, ("Alpha", "Dee", 20, "x" * 201), "problem"),
    (("Alpha", "Gil", 20, "db"), ("Alpha", "Dee", 20, "lag"), "Alpha is already working on 'db' (led by Gil)"),
    (("Alpha", "Gil", 20, "db"), ("Bravo", "gil", 20, "lag"), "gil already leads Alpha"),
])
def test_a_spin_off_that_cannot_be_is_refused_and_writes_nothing(service, incident, setup, call, message):
    if setup:
        service.subteams.add(incident, *setup, by="Ana")
    before = service.ledger.execute("SELECT count(*) FROM ops").fetchone()[0]
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        service.subteams.add(incident, *call, by="Ana")
    assert service.ledger.execute("SELECT count(*) FROM ops").fetchone()[0] == before


def test_a_member_of_a_team_cannot_lead_another_and_a_leader_cannot_join(service, incident):
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["Ben"], by="Ana")
    with pytest.raises(InputError, match="Ben is in Alpha"):
        service.subteams.add(incident, "Bravo", "Ben", 20, "dns", by="Ana")
    service.subteams.add(incident, "Bravo", "Gil", 20, "dns", by="Ana")
    with pytest.raises(InputError, match="Gil leads Bravo and cannot join Alpha"):
        service.subteams.join(incident, "Alpha", "Gil", by="Ana")
    with pytest.raises(InputError, match="Dee leads Alpha and cannot join Charlie"):
        service.subteams.add(incident, "Charlie", "Ivy", 20, "cdn", members=["Dee"], by="Ana")


# -- joining and moving ------------------------------------------------------------------------

def test_joining_another_team_is_a_move(service, incident):
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["Ben"], by="Ana")
    service.subteams.add(incident, "Bravo", "Gil", 20, "dns", by="Ana")
    change = service.subteams.join(incident, "bravo", "ben", by="Ana")
    assert change.entries[0].text == "ben moves from Alpha to Bravo (led by Gil)"
    alpha, bravo = service.read.subteams.active(incident)
    assert (alpha.members, bravo.members) == ((), ("ben",))
    assert alpha.ever == ("Ben",)
    service.subteams.join(incident, "Alpha", "Ben", by="Ana")  # and back
    alpha, bravo = service.read.subteams.active(incident)
    assert (alpha.members, bravo.members) == (("Ben",), ())


@pytest.mark.parametrize("team, person, message", [
    ("Charlie", "Ben", "Charlie is not working on INC-1: spin it off first"),
    ("Alpha", "BEN", "BEN is already in Alpha"),
    ("Alpha", "Dee", "Dee leads Alpha and cannot join Alpha"),
    ("Zulu", "Ben", "bad sub-team 'Zulu'"),
    ("Alpha", "  ", "person is empty"),
])
def test_a_join_that_cannot_be_is_refused(service, incident, team, person, message):
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["Ben"], by="Ana")
    with pytest.raises(InputError, match=message):
        service.subteams.join(incident, team, person, by="Ana")


# -- done --------------------------------------------------------------------------------------

def test_a_team_done_sends_its_members_back_ends_the_task_and_the_leaders_term(service, clock, incident):
    change = service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["Ben", "Cy"], by="Ana")
    clock.advance(minutes=12)
    done = service.subteams.done(incident, "ALPHA", by="Ana")
    assert [(e.kind, e.text) for e in done.entries] == [
        ("team", "Sub-team Alpha done (lag), led by Dee; Ben, Cy back with the IC"),
        ("task", "Done: Alpha: lag (Dee)"),
        ("roster", "Dee is no longer Sub-team Leader"),
    ]
    [team] = service.read.subteams.all(incident)
    assert team.done_at == "2026-03-29T14:12:00.000Z" and team.members == () and team.ever == ("Ben", "Cy")
    assert service.read.subteams.active(incident) == []
    assert service.read.tasks.by_uid(change.task.uid).done_at == "2026-03-29T14:12:00.000Z"
    assert ("subteam_leader", "Dee") not in roles_now(service, incident)
    with pytest.raises(InputError, match="Alpha is not working on INC-1"):
        service.subteams.done(incident, "Alpha", by="Ana")
    # The name is free again: a new Alpha, on another problem.
    service.subteams.add(incident, "Alpha", "Gil", 10, "cache", by="Ana")
    assert [t.problem for t in service.read.subteams.all(incident)] == ["lag", "cache"]


def test_a_team_whose_check_back_was_already_done_is_done_without_a_second_task_entry(service, incident):
    change = service.subteams.add(incident, "Alpha", "Dee", 20, "lag", by="Ana")
    service.tasks.done(incident, change.task.number, by="Dee")
    done = service.subteams.done(incident, "Alpha", by="Ana")
    assert [e.kind for e in done.entries] == ["team", "roster"]


def test_an_extended_check_back_is_the_teams_countdown(service, clock, incident):
    change = service.subteams.add(incident, "Alpha", "Dee", 20, "lag", by="Ana")
    service.tasks.extend(incident, change.task.number, 10, by="Ana")
    task = service.read.tasks.by_uid(service.read.subteams.active(incident)[0].task_uid)
    assert task.due_at == "2026-03-29T14:30:00.000Z"


# -- the Sub-team Leader role is held by a team's leader only -----------------------------------

def test_the_team_leader_role_is_given_only_with_a_team(service, incident):
    with pytest.raises(InputError, match="leads a sub-team: write /subteam TEAM NAME MINUTES PROBLEM"):
        service.roster.assign(incident, "subteam_leader", "Gil", by="Ana")
    service.subteams.add(incident, "Alpha", "Gil", 20, "lag", by="Ana")
    with pytest.raises(InputError, match="/subteam-done TEAM"):
        service.roster.relieve(incident, "subteam_leader", "Gil", by="Ana")
    language = Language.default()
    for line in ("/role subteam_leader Gil", "/relieve subteam_leader Gil"):
        with pytest.raises(InputError, match="leads a sub-team"):
            language.run(service, incident, line, by="Ana")
    assert language.verbs.get("subteam_leader") is None  # no verb of its own: /subteam gives it
    assert [c.split()[-1] for c in language.complete("/role s", [])] == ["scribe", "sme"]


# -- the command language ------------------------------------------------------------------------

@pytest.mark.parametrize("line, args", [
    ("/subteam Alpha Dee Patel 20m replica lag",
     {"team": "Alpha", "leader": "Dee Patel", "minutes": 20, "problem": "replica lag", "members": []}),
    ("/subteam bravo Gil 5 dns -- members: Ben, Cy Ode",
     {"team": "Bravo", "leader": "Gil", "minutes": 5, "problem": "dns", "members": ["Ben", "Cy Ode"]}),
    ("/join charlie Ben Okafor", {"team": "Charlie", "person": "Ben Okafor"}),
    ("/subteam-done ALPHA", {"team": "Alpha"}),
])
def test_the_verbs_read_and_write_back_their_lines(line, args):
    language = Language.default()
    from datetime import datetime, timezone

    parsed = language.parse(line, now=datetime(2026, 3, 29, 14, tzinfo=timezone.utc))
    assert parsed.args == args
    again = language.parse(language.format(parsed), now=datetime(2026, 3, 29, 14, tzinfo=timezone.utc))
    assert again.args == args


@pytest.mark.parametrize("line, message", [
    ("/subteam Alpha Dee lag", "usage: /subteam TEAM LEADER MINUTES PROBLEM"),
    ("/subteam Alpha 20m lag", "usage: /subteam TEAM LEADER MINUTES PROBLEM"),
    ("/subteam Alpha Dee 20m -- members: Ben", "the problem is empty"),
    ("/subteam Omega Dee 20m lag", "bad sub-team 'Omega'"),
    ("/join Alpha", "usage: /join TEAM NAME"),
    ("/subteam-done", "usage: /subteam-done TEAM"),
    ("/subteam-done Alpha Bravo", "usage: /subteam-done TEAM"),
    ("@14:00 /subteam-done Alpha", "cannot be back-dated"),
])
def test_a_bad_line_is_one_clear_refusal(line, message):
    from datetime import datetime, timezone

    with pytest.raises(InputError, match=message):
        Language.default().parse(line, now=datetime(2026, 3, 29, 15, tzinfo=timezone.utc))


def test_tab_offers_the_process_teams():
    language = Language.default()
    assert language.complete("/subteam ", []) == ["/subteam Alpha ", "/subteam Bravo ", "/subteam Charlie "]
    assert language.complete("/join b", []) == ["/join Bravo "]  # typed in any case, offered as named
    assert language.complete("/join ", ["Ana"])[:1] == ["/join Alpha "]


# -- the process data ------------------------------------------------------------------------------

def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "subteams.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_teams_are_the_handbooks(capsys):
    teams = Vocabulary.from_process(load_process()).teams
    assert [(t.name, t.room, t.bridge) for t in teams] == [
        ("Alpha", "#team-alpha", "+1.555.123.4567"), ("Bravo", "#team-bravo", "+1.555.123.4568"),
        ("Charlie", "#team-charlie", "+1.555.123.4569")]
    code, out, err = run(capsys, "process", "check")
    assert code == 0 and "3 subteams, 1 span of control" in out


def test_an_override_adds_a_team_changes_a_bridge_and_switches_one_off(tmp_path, where, clock):
    folder = tmp_path / "process"
    write(folder, "subteams:\n- id: delta\n  name: Delta\n  room: '#team-delta'\n  bridge: '+44 20 7946 0000'\n"
                  "- id: alpha\n  bridge: '+44 20 7946 0001'\n- id: charlie\n  disabled: true\n")
    process = load_process(folder)
    vocabulary = Vocabulary.from_process(process)
    assert [(t.name, t.bridge) for t in vocabulary.teams] == [
        ("Alpha", "+44 20 7946 0001"), ("Bravo", "+1.555.123.4568"), ("Delta", "+44 20 7946 0000")]
    service = IncidentService.open(where.db_path, clock, vocabulary)
    try:
        incident = service.incidents.declare("DNS", by="Ana").incident.id
        change = Language(vocabulary).run(service, incident, "/subteam delta Dee 20m dns", by="Ana")
        assert "room #team-delta, bridge +44 20 7946 0000" in change.entries[0].text
        with pytest.raises(InputError, match="bad sub-team 'Charlie': expected one of Alpha, Bravo, Delta"):
            Language(vocabulary).run(service, incident, "/subteam Charlie Gil 20m cdn", by="Ana")
    finally:
        service.close()


@pytest.mark.parametrize("text, line, message", [
    ("subteams:\n- id: delta\n  name: Delta Force\n  room: '#d'\n  bridge: '1'\n", 3,
     "sub-team name 'Delta Force' must be one word"),
    ("subteams:\n- id: delta\n  name: alpha\n  room: '#d'\n  bridge: '1'\n", 3,
     "sub-team name 'alpha' already names sub-team 'alpha'"),
    ("subteams:\n- id: delta\n  name: Delta\n  room: '#d'\n", 2, "is missing: bridge"),
    ("subteams:\n- id: delta\n  name: Delta\n  room: ''\n  bridge: '1'\n", 4, "room is empty"),
    ("subteams:\n- id: delta\n  name: [Delta]\n  room: '#d'\n  bridge: '1'\n", 3, "name must be text"),
    ("subteams:\n- id: alpha\n  colour: red\n", 3, "unknown key 'colour'"),
    ("span_of_control:\n- id: ic-span\n  threshold: 0\n", 3, "threshold 0 is out of range"),
    ("span_of_control:\n- id: ic-span\n  threshold: seven\n", 3, "threshold must be a whole number"),
    ("span_of_control:\n- id: ic-span\n  reports: [deputy, boss]\n", 3,
     "reports refers to 'boss', which is not defined"),
    ("span_of_control:\n- id: ic-span\n  role: chief\n", 3, "role refers to 'chief', which is not defined"),
    ("span_of_control:\n- id: two\n  role: ic\n  reports: [sme]\n  threshold: 5\n  text: x\n"
     "  page: before/complex_incidents\n", 3, "role 'ic' is already used by 'ic-span'"),
    ("subteams: {alpha: Alpha}\n", 1, "subteams must be a list of items"),
])
def test_a_hostile_override_is_one_problem_with_file_and_line(tmp_path, capsys, text, line, message):
    folder = tmp_path / "process"
    path = write(folder, text)
    with pytest.raises(ProcessError) as caught:
        load_process(folder)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in found), found
    code, out, err = run(capsys, "process", "check", str(folder))
    assert code == 2 and out == "" and message in err


# -- the command line -------------------------------------------------------------------------------

def test_the_cli_spins_off_joins_lists_and_finishes_a_team(capsys, clock, where):
    assert run(capsys, "declare", "Checkout down", "--sev", "1", clock=clock)[0] == 0
    code, out, err = run(capsys, "subteam", "add", "INC-1", "Alpha", "Dee Patel", "20m",
                         "replica lag -- members: Ben", clock=clock)
    assert code == 0 and err == ""
    assert "[team] Tester: Sub-team Alpha spun off: Dee Patel leads, on replica lag" in out
    assert run(capsys, "subteam", "join", "INC-1", "alpha", "Cy", clock=clock)[1].endswith(
        "[team] Tester: Cy joins Alpha (led by Dee Patel)\n")
    code, out, _ = run(capsys, "subteam", "list", "INC-1", clock=clock)
    assert out == "Alpha: Dee Patel leads, on replica lag (Ben, Cy), check back T1 at 2026-03-29T14:20:00.000Z\n"
    shown = json.loads(run(capsys, "show", "INC-1", "--json", clock=clock)[1])
    assert shown["subteams"][0]["members"] == ["Ben", "Cy"]
    assert shown["subteams"][0]["check_back"] == {"task": "T1", "due_at": "2026-03-29T14:20:00.000Z",
                                                  "done": False}
    assert shown["span_of_control"] == {"count": 1, "threshold": 7, "warning": None, "reports": ["Dee Patel"]}
    assert run(capsys, "subteam", "done", "INC-1", "Alpha", clock=clock)[0] == 0
    listed = json.loads(run(capsys, "subteam", "list", "INC-1", "--json", clock=clock)[1])
    assert listed["subteams"][0]["done_at"] == "2026-03-29T14:00:00.000Z"
    assert listed["subteams"][0]["check_back"]["done"] is True
    exported = json.loads(run(capsys, "export", "INC-1", "--format", "json", clock=clock)[1])
    assert exported["subteams"][0] == {
        "team": "Alpha", "leader": "Dee Patel", "problem": "replica lag", "room": "#team-alpha",
        "bridge": "+1.555.123.4567", "check_back": "T1", "started_at": "2026-03-29T14:00:00.000Z",
        "done_at": "2026-03-29T14:00:00.000Z", "members": [], "joined": ["Ben", "Cy"]}


@pytest.mark.parametrize("argv, message", [
    (["subteam", "add", "INC-1", "Delta", "Dee", "20m", "lag"], "bad sub-team 'Delta'"),
    (["subteam", "add", "INC-1", "Alpha", "Dee", "lots", "lag"], "bad minutes"),
    (["subteam", "add", "INC-1", "Alpha", "Dee", "20m"], "the following arguments are required"),
    (["subteam", "join", "INC-1", "Alpha", "Ben"], "Alpha is not working on INC-1"),
    (["subteam", "done", "INC-1", "Alpha"], "Alpha is not working on INC-1"),
    (["subteam", "done", "INC-1", "Alpha", "--at", "14:00"], "unrecognized arguments"),
    (["subteam", "list", "INC-2"], "INC-2"),
    (["subteam", "remove", "INC-1"], "invalid choice: 'remove'"),
    (["role", "INC-1", "subteam_leader", "Gil"], "leads a sub-team"),
    (["log", "INC-1", "/subteam Alpha Dee lag"], "usage: /subteam TEAM LEADER MINUTES PROBLEM"),
])
def test_the_cli_refuses_in_one_line_and_writes_nothing(capsys, clock, where, argv, message):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    db = where.db_path
    assert_refused(capsys, db, argv, message, clock=clock)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM subteams").fetchone()[0] == 0
    finally:
        conn.close()


# -- the post-mortem ---------------------------------------------------------------------------------

def test_the_post_mortem_names_the_teams_in_the_responders_and_the_timeline(service, clock, incident):
    from console import postmortem

    service.roster.assign(incident, "sme", "Ben", by="Ana")
    clock.advance(minutes=5)
    service.subteams.add(incident, "Alpha", "Dee Patel", 20, "replica lag", members=["Ben", "Cy"], by="Ana")
    clock.advance(minutes=5)
    service.subteams.add(incident, "Bravo", "Gil", 30, "dns | cache", by="Ana")
    clock.advance(minutes=2)
    service.subteams.join(incident, "Bravo", "Cy", by="Ana")
    clock.advance(minutes=8)
    service.subteams.done(incident, "Alpha", by="Ana")
    draft = postmortem.generate(service.read, load_process(), incident, now=clock.now())
    responders = draft.split("## 6. Responders")[1].split("## 7.")[0].strip().splitlines()
    assert responders == [
        "- Ana **(IC)**: Incident Commander 14:00–end (UTC)",
        "- Ben: Subject Matter Expert 14:00–end; in Alpha 14:05–14:20 (UTC)",
        "- Dee Patel: Sub-team Leader 14:05–14:20; led Alpha on replica lag 14:05–14:20 (UTC)",
        "- Gil: Sub-team Leader 14:10–end; led Bravo on dns \\| cache 14:10–end (UTC)",
        "- Cy: in Alpha 14:05–14:12; in Bravo 14:12–end (UTC)",  # in a team, with no role of their own
    ]
    timeline = draft.split("## 7. Timeline")[1].split("## 8.")[0]
    assert "| 2026-03-29 14:05 | Sub-team Alpha spun off: Dee Patel leads, on replica lag; check back in 20 min " \
           "(room #team-alpha, bridge +1.555.123.4567) |  |" in timeline
    assert "| 2026-03-29 14:12 | Cy moves from Alpha to Bravo (led by Gil) |  |" in timeline
    assert "| 2026-03-29 14:20 | Sub-team Alpha done (replica lag), led by Dee Patel; Ben back with the IC |  |" \
        in timeline
