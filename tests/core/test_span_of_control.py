"""The IC's span of control (console.span, issue 14): who reports directly to the IC, the
process's threshold, the warning (never a refusal), the prompt it fires, and what `show --json`
reports for scripts."""

import json

import pytest

from console import board, span
from console.domain import Incident, RoleAssignment
from console.process import load_process
from console.span import span_at, span_of_control, span_of_incident, span_over_time
from tests.helpers import run

PROCESS = load_process()


def held(*pairs, since="2026-03-29T14:00:00.000Z") -> list[RoleAssignment]:
    return [RoleAssignment(n, 1, role, person, since) for n, (role, person) in enumerate(pairs, 1)]


@pytest.fixture
def incident(service):
    change = service.incidents.declare("Checkout down", by="Ana", severity=1)
    service.roster.assign(change.incident.id, "ic", "Ana", by="Ana")
    return change.incident.id


def test_the_direct_reports_are_the_command_staff_liaisons_smes_and_team_leaders():
    roles = held(("ic", "Ana"), ("deputy", "Ben"), ("scribe", "Cy"), ("customer_liaison", "Dee"),
                 ("internal_liaison", "Eve"), ("sme", "Fay"), ("postmortem_owner", "Gus"),
                 ("ic_shadow", "Hal"))
    measured = span_of_control(PROCESS, roles, [])
    assert measured.reports == ("Ben", "Cy", "Dee", "Eve", "Fay")  # not the IC, owner or shadow
    assert (measured.count, measured.threshold, measured.over, measured.warning) == (5, 7, False, None)


def test_each_person_counts_once_and_the_ic_never_reports_to_themselves():
    roles = held(("ic", "Ana"), ("sme", "ana"), ("deputy", "Ben"), ("scribe", "ben"), ("sme", "Cy"))
    assert span_of_control(PROCESS, roles, []).reports == ("Ben", "Cy")


def test_ended_terms_do_not_count():
    roles = held(("ic", "Ana"), ("sme", "Ben"), ("sme", "Cy"))
    roles[1] = roles[1]._replace(to_at="2026-03-29T14:10:00.000Z")
    assert span_of_control(PROCESS, roles, []).reports == ("Cy",)


def test_past_the_threshold_it_warns_and_suggests_sub_teams_at_exactly_it_it_does_not():
    seven = held(("ic", "Ana"), *[("sme", f"SME {n}") for n in range(7)])
    assert span_of_control(PROCESS, seven, []).warning is None
    eight = held(("ic", "Ana"), *[("sme", f"SME {n}") for n in range(8)])
    measured = span_of_control(PROCESS, eight, [])
    assert measured.over and measured.warning == (
        "8 people report to the IC directly (about 7 at most). Spin off a sub-team with a leader, one per problem.")
    assert measured.to_json() == {"count": 8, "threshold": 7, "warning": measured.warning,
                                  "reports": [f"SME {n}" for n in range(8)]}


def test_smes_in_a_team_report_to_its_leader_who_reports_to_the_ic(service, incident):
    for n in range(8):
        service.roster.assign(incident, "sme", f"SME {n}", by="Ana")
    service.roster.assign(incident, "deputy", "Ben", by="Ana")
    before = span_of_incident(service.read, PROCESS, incident)
    assert (before.count, before.over) == (9, True)
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=[f"SME {n}" for n in range(5)], by="Ana")
    after = span_of_incident(service.read, PROCESS, incident)
    assert after.reports == ("SME 5", "SME 6", "SME 7", "Ben", "Dee")
    assert (after.count, after.over) == (5, False)
    service.subteams.done(incident, "Alpha", by="Ana")  # back with the IC; the leader's term ends
    assert span_of_incident(service.read, PROCESS, incident).count == 9


def test_a_deputy_in_a_team_still_reports_to_the_ic(service, incident):
    service.roster.assign(incident, "deputy", "Ben", by="Ana")
    service.roster.assign(incident, "sme", "Ben", by="Ana")
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["Ben"], by="Ana")
    assert span_of_incident(service.read, PROCESS, incident).reports == ("Ben", "Dee")


def test_the_threshold_and_the_roles_that_report_come_from_the_process(tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "subteams.yaml").write_text(
        "span_of_control:\n- id: ic-span\n  threshold: 2\n  reports: [deputy, sme]\n", encoding="utf-8")
    process = load_process(folder)
    roles = held(("ic", "Ana"), ("scribe", "Cy"), ("sme", "Ben"), ("sme", "Dee"), ("deputy", "Eve"))
    measured = span_of_control(process, roles, [])
    assert (measured.reports, measured.warning) == (("Ben", "Dee", "Eve"), (
        "3 people report to the IC directly (about 2 at most). Spin off a sub-team with a leader, one per problem."))


def test_without_a_span_rule_it_is_never_warned_about(tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "subteams.yaml").write_text("span_of_control:\n- id: ic-span\n  disabled: true\n", encoding="utf-8")
    roles = held(("ic", "Ana"), *[("sme", f"SME {n}") for n in range(20)])
    measured = span_of_control(load_process(folder), roles, [])
    assert (measured.count, measured.threshold, measured.warning) == (0, None, None)


# -- over time: what a drill's debrief reads ---------------------------------------------------------

def test_the_span_at_a_moment_and_over_time(service, clock, incident):
    for n in range(8):
        clock.advance(minutes=1)
        service.roster.assign(incident, "sme", f"SME {n}", by="Ana")
    clock.advance(minutes=5)  # 14:13: eight report, one too many
    service.subteams.add(incident, "Alpha", "Dee", 20, "lag", members=["SME 0", "SME 1", "SME 2"], by="Ana")
    clock.advance(minutes=2)
    service.subteams.join(incident, "Alpha", "SME 3", by="Ana")
    clock.advance(minutes=10)
    service.subteams.done(incident, "Alpha", by="Ana")
    read = service.read
    args = (PROCESS, read.roster.all(incident), read.subteams.all(incident), read.subteams.memberships(incident))
    assert span_at(*args, "2026-03-29T14:08:30.000Z").count == 8
    assert span_at(*args, "2026-03-29T14:13:00.000Z").reports == ("SME 3", "SME 4", "SME 5", "SME 6",
                                                                  "SME 7", "Dee")
    assert span_at(*args, "2026-03-29T14:15:00.000Z").count == 5
    assert span_at(*args, "2026-03-29T14:25:00.000Z").count == 8  # done: back with the IC, Dee relieved
    history = [(at[11:16], measured.count) for at, measured in span_over_time(*args)]
    assert history == [("14:00", 0), ("14:01", 1), ("14:02", 2), ("14:03", 3), ("14:04", 4), ("14:05", 5),
                       ("14:06", 6), ("14:07", 7), ("14:08", 8), ("14:13", 6), ("14:15", 5), ("14:25", 8)]
    over = [at[11:16] for at, measured in span_over_time(*args) if measured.over]
    assert over == ["14:08", "14:25"]


# -- the board and its prompt ----------------------------------------------------------------------

def test_the_span_prompt_is_the_handbooks_and_holds_while_the_span_is_exceeded():
    prompts = board.prompts_for(PROCESS, "span_exceeded")
    assert [p["id"] for p in prompts] == ["ic-25-span-of-control"]
    assert prompts[0]["page"] == "before/complex_incidents"
    assert "ic-25-span-of-control" not in [p["id"] for p in board.prompts_for(PROCESS, "periodic")]
    open_ = Incident(1, "x", 1, "active", False, False, "2026-03-29T14:00:00.000Z", "2026-03-29T14:00:00.000Z")
    assert board.moment_holds("span_exceeded", open_, commander="Ana", overdue=0, span_over=True)
    assert not board.moment_holds("span_exceeded", open_, commander="Ana", overdue=0, span_over=False)
    resolved = open_._replace(status="resolved")
    assert not board.moment_holds("span_exceeded", resolved, commander="Ana", overdue=0, span_over=True)


def test_the_rule_names_its_handbook_page():
    assert span.rule(PROCESS)["page"] == "before/complex_incidents"
    assert span.rule(PROCESS, "deputy") is None


# -- for scripts ------------------------------------------------------------------------------------

def test_show_reports_the_span_for_scripts_and_says_the_warning(capsys, clock):
    assert run(capsys, "declare", "Checkout down", "--sev", "1", clock=clock)[0] == 0
    assert run(capsys, "role", "INC-1", "ic", "Ana", clock=clock)[0] == 0
    for n in range(7):
        assert run(capsys, "role", "INC-1", "sme", f"SME {n}", clock=clock)[0] == 0
    shown = json.loads(run(capsys, "show", "INC-1", "--json", clock=clock)[1])
    assert shown["span_of_control"]["count"] == 7 and shown["span_of_control"]["warning"] is None
    assert run(capsys, "role", "INC-1", "deputy", "Ben", clock=clock)[0] == 0
    shown = json.loads(run(capsys, "show", "INC-1", "--json", clock=clock)[1])
    assert shown["span_of_control"]["count"] == 8 and shown["span_of_control"]["threshold"] == 7
    assert shown["span_of_control"]["warning"].startswith("8 people report to the IC directly")
    text = run(capsys, "show", "INC-1", clock=clock)[1]
    assert text.splitlines()[-1] == ("  8 people report to the IC directly (about 7 at most). Spin off a "
                                     "sub-team with a leader, one per problem.")
    listed = run(capsys, "subteam", "list", "INC-1", clock=clock)[1]
    assert listed.splitlines() == ["INC-1: no sub-teams", text.splitlines()[-1].strip()]

