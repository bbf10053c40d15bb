"""When the impact began, typed as a person would (`20m ago`, `@14:02`), on the CLI's declare."""

import json

from console import metrics
from console.service import IncidentService
from tests.helpers import assert_refused, run


def test_began_counts_back_from_now_and_time_to_declare_follows(capsys, where, clock):
    code, out, _ = run(capsys, "declare", "Checkout down", "--sev", "2", "--began", "20m ago", clock=clock)
    assert (code, out) == (0, "INC-1\n")
    code, out, _ = run(capsys, "list", "--json", clock=clock)
    listed = json.loads(out)[0]
    assert listed["started_at"] == "2026-03-29T13:40:00.000Z"
    assert listed["declared_at"] == "2026-03-29T14:00:00.000Z"
    service = IncidentService.open(where.db_path, clock)
    try:
        incident = service.read.incidents.get(1)
    finally:
        service.close()
    assert metrics.incident_metrics(incident)["time_to_declare"] == 20 * 60


def test_started_is_the_same_option_and_takes_the_same_forms(capsys, where, clock):
    assert run(capsys, "declare", "A", "--started", "@1h ago", clock=clock)[0] == 0
    assert run(capsys, "declare", "B", "--began", "2026-03-29T13:15:00Z", clock=clock)[0] == 0
    started = [i["started_at"] for i in json.loads(run(capsys, "list", "--json", clock=clock)[1])]
    assert started == ["2026-03-29T13:15:00.000Z", "2026-03-29T13:00:00.000Z"]


def test_a_bad_began_is_one_line_exit_2_and_nothing_written(capsys, where, clock):
    assert run(capsys, "declare", "First", clock=clock)[0] == 0  # the file exists to compare
    assert_refused(capsys, where.db_path, ["declare", "T", "--began", "a while ago"], "20m ago", clock=clock)
    assert_refused(capsys, where.db_path, ["declare", "T", "--began", "2026-03-30T10:00Z"], "in the future",
                   clock=clock)
