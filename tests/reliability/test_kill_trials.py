"""A short run of the kill trials in the normal suite (300 on demand: python -m tests.reliability.trials)."""

from tests.reliability.trials import run_trials


def test_no_acknowledged_write_is_lost_to_sigkill(tmp_path):
    result = run_trials(tmp_path / "home", trials=15, seed=1)
    assert result["problems"] == []
    assert result["lost"] == 0
    assert result["acknowledged"] > 15  # the victims really were writing when killed
