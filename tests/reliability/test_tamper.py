"""A short run of the tampering trials in the normal suite (more on demand:
python -m tests.reliability.tamper --trials 1000)."""

from tests.reliability.tamper import run_trials


def test_every_tampering_is_found_on_its_incident_and_nowhere_else(tmp_path):
    result = run_trials(tmp_path, trials=60, seed=3)
    assert result["problems"] == []
    assert result["trials"] >= 50  # a few end with only the newest rows gone: the head itself
    assert len(result["kinds"]) == 8  # every kind of change was made
