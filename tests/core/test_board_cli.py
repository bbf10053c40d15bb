"""The board from the command line: tasks and checklist ticks, one clear line per mistake."""

import json

import pytest

from tests.helpers import assert_refused, run




def timeline(capsys, clock) -> list[tuple[str, str, str]]:
    code, out, _ = run(capsys, "export", "INC-1", "--format", "json", clock=clock)
    assert code == 0
    return [(e["kind"], e["author"], e["text"]) for e in json.loads(out)["timeline"]]


def test_tasks_from_the_command_line(capsys, where, clock):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    code, out, err = run(capsys, "task", "INC-1", "Ben", "10m", "Roll back deploy 4121",
                         "--by", "Ana", clock=clock)
    assert (code, out, err) == (0, "T1\n", "")
    assert run(capsys, "task", "1", "Cy", "5", "Check replicas", clock=clock)[1] == "T2\n"
    clock.advance(minutes=20)  # both overdue: an extension counts from now (14:20)
    code, out, _ = run(capsys, "task-extend", "INC-1", "t1", "15", "--by", "Ana", clock=clock)
    assert code == 0
    assert out == ("INC-1 2026-03-29T14:20:00.000Z [task] Ana: Extended by 15 min: "
                   "Roll back deploy 4121 (Ben), now due 14:35Z\n")
    code, out, _ = run(capsys, "task-done", "INC-1", "T2", clock=clock)
    assert (code, out) == (0, "INC-1 2026-03-29T14:20:00.000Z [task] Tester: Done: Check replicas (Cy)\n")
    assert timeline(capsys, clock)[1:] == [
        ("task", "Ana", "Ben: Roll back deploy 4121 (check back in 10 min)"),
        ("task", "Tester", "Cy: Check replicas (check back in 5 min)"),
        ("task", "Ana", "Extended by 15 min: Roll back deploy 4121 (Ben), now due 14:35Z"),
        ("task", "Tester", "Done: Check replicas (Cy)"),
    ]
    document = json.loads(run(capsys, "export", "INC-1", "--format", "json", clock=clock)[1])
    assert [(t["id"], t["due_at"], t["done_at"]) for t in document["tasks"]] == [
        ("T1", "2026-03-29T14:35:00.000Z", None),
        ("T2", "2026-03-29T14:05:00.000Z", "2026-03-29T14:20:00.000Z"),
    ]


def test_checklist_ticks_from_the_command_line(capsys, where, clock):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    code, out, _ = run(capsys, "check", "INC-1", "ic-before-01-rooms", "--by", "Ana", clock=clock)
    assert code == 0
    assert out == ("INC-1 2026-03-29T14:00:00.000Z [action] Ana: Checked: Set up the incident "
                   "call and chat rooms and publish how to join them\n")
    clock.advance(minutes=1)
    assert run(capsys, "uncheck", "INC-1", "ic-before-01-rooms", clock=clock)[0] == 0
    assert run(capsys, "check", "INC-1", "ic-before-02-funnel", clock=clock)[0] == 0
    document = json.loads(run(capsys, "export", "INC-1", "--format", "json", clock=clock)[1])
    assert document["checklist"] == [
        {"item": "ic-before-01-rooms", "checked": False, "by": "Tester",
         "at": "2026-03-29T14:01:00.000Z"},
        {"item": "ic-before-02-funnel", "checked": True, "by": "Tester",
         "at": "2026-03-29T14:01:00.000Z"},
    ]
    assert [k for k, _, _ in timeline(capsys, clock)[1:]] == ["action"] * 3


def test_an_item_added_by_the_organisation_can_be_ticked(capsys, where, clock, tmp_path):
    overrides = tmp_path / "process"
    overrides.mkdir()
    (overrides / "checklists.yaml").write_text(
        "checklists:\n"
        "- id: ic-before\n"
        "  items:\n"
        "  - id: ic-before-99-local\n"
        "    text: Tell the local site lead\n",
        encoding="utf-8",
    )
    assert run(capsys, "declare", "x", clock=clock)[0] == 0
    code, out, err = run(capsys, "check", "INC-1", "ic-before-99-local", "--process",
                         str(overrides), clock=clock)
    assert (code, err) == (0, ""), err
    assert out.endswith("Checked: Tell the local site lead\n")
    code, _, err = run(capsys, "check", "INC-1", "ic-before-99-local", clock=clock)
    assert code == 2 and "unknown checklist item 'ic-before-99-local'" in err


BAD_COMMANDS = [
    (["task", "INC-9", "Ben", "5", "x"], "no incident INC-9"),
    (["task", "INC-x", "Ben", "5", "x"], "bad incident reference"),
    (["task", "INC-1", "Ben", "0", "x"], "bad minutes"),
    (["task", "INC-1", "Ben", "90s", "x"], "bad minutes"),
    (["task", "INC-1", "Ben", "1441", "x"], "bad minutes"),
    (["task", "INC-1", "", "5", "x"], "NAME is empty; usage: /task NAME MINUTES TEXT"),
    (["task", "INC-1", "Ben", "5", "  "], "TEXT is empty; usage: /task NAME MINUTES TEXT"),
    (["task", "INC-1", "Ben", "5"], "the following arguments are required: TEXT"),
    (["task-done", "INC-1", "T9"], "no task T9 on INC-1"),
    (["task-done", "INC-1", "X1"], "bad task reference"),
    (["task-done", "INC-1", "T2"], "T2 is already done"),
    (["task-done", "INC-2", "T1"], "no incident INC-2"),
    (["task-extend", "INC-1", "T1", "1h"], "bad minutes"),
    (["task-extend", "INC-1", "T2", "5"], "T2 is already done"),
    (["task-extend", "INC-1", "T0", "5"], "bad task reference"),
    (["task-extend", "INC-1", "T1"], "the following arguments are required: MINUTES"),
    (["check", "INC-1", "no-such-item"], "unknown checklist item 'no-such-item'"),
    (["check", "INC-1", "ic-before-01-rooms"], "is already checked"),
    (["uncheck", "INC-1", "ic-before-02-funnel"], "is not checked"),
    (["uncheck", "INC-1", "nope"], "unknown checklist item 'nope'"),
    (["check", "INC-9", "ic-before-02-funnel"], "no incident INC-9"),
]


@pytest.mark.parametrize("argv, message", BAD_COMMANDS)
def test_bad_board_input_is_one_line_exit_2_and_changes_nothing(capsys, where, clock, argv, message):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    assert run(capsys, "task", "INC-1", "Ben", "5", "open one", clock=clock)[0] == 0
    assert run(capsys, "task", "INC-1", "Cy", "5", "done one", clock=clock)[0] == 0
    assert run(capsys, "task-done", "INC-1", "T2", clock=clock)[0] == 0
    assert run(capsys, "check", "INC-1", "ic-before-01-rooms", clock=clock)[0] == 0
    assert_refused(capsys, where.db_path, argv, message, clock=clock)
