"""A short run of the tampering trials in the normal suite (more on demand:
python -m tests.reliability.tamper --trials 1000)."""

from tests.reliability.tamper import run_trials


def test_every_tampering_is_found_on_its_incident_and_nowhere_else(tmp_path):
    result = run_trials(tmp_path, trials=60, seed=3)
    assert result["problems"] == []
    assert result["trials"] == 60  # a cut at the end too: found against the head log
    assert len(result["kinds"]) >= 9  # every kind of change was made, the cut at the end too
