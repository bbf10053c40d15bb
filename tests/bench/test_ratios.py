"""The benchmarks' ratio with its interval (tests/bench/ratios.py)."""

import random

import pytest

from tests.bench.ratios import Ratio, percentile, ratio


def _timed(rng: random.Random, scale: float, count: int, noisy_blocks: set[int], block: int = 50):
    """Samples as a benchmark takes them: a long-tailed base, some blocks slowed by the machine."""
    return [scale * rng.lognormvariate(0, 0.35) * (3.0 if i // block in noisy_blocks else 1.0)
            for i in range(count)]


def test_the_percentile_is_the_benchmarks_rank():
    samples = list(range(1, 1001))
    assert percentile(samples, 0.99) == 990
    assert percentile(samples, 0.5) == 500
    assert percentile([7.0], 0.99) == 7.0


def test_the_interval_holds_the_true_ratio_about_as_often_as_it_says():
    """Ours three times the floor, the same blocks slowed on both sides: a 95% interval holds
    3.0 in about 19 runs of 20 (a fixed seed; fewer than 16 would be a broken interval)."""
    rng = random.Random(1)
    held = 0
    for _ in range(20):
        noisy = set(rng.sample(range(60), 3))
        found = ratio(_timed(rng, 3.0, 3_000, noisy), _timed(rng, 1.0, 3_000, noisy), resamples=100)
        held += found.low <= 3.0 <= found.high
    assert held >= 16


def test_more_samples_narrow_the_interval():
    rng = random.Random(3)
    small = ratio(_timed(rng, 3.0, 3_000, set()), _timed(rng, 1.0, 3_000, set()), resamples=100)
    big = ratio(_timed(rng, 3.0, 30_000, set()), _timed(rng, 1.0, 30_000, set()), resamples=100)
    assert big.high - big.low < (small.high - small.low) / 2


def test_the_verdict_counts_the_interval_not_the_point():
    assert Ratio(2.8, 2.7, 2.9).verdict(3.0) == "met"
    assert Ratio(3.3, 3.1, 3.5).verdict(3.0) == "not met"
    assert Ratio(2.9, 2.8, 3.1).verdict(3.0) == "at the target (its interval spans it)"
    assert "95% interval 2.70-2.90x" in Ratio(2.8, 2.7, 2.9).line(3.0)


def test_a_clearly_slower_side_is_not_met_and_a_clearly_faster_one_is():
    rng = random.Random(2)
    floor = _timed(rng, 1.0, 10_000, set())
    assert ratio(_timed(rng, 3.5, 10_000, set()), floor, resamples=100).verdict(3.0) == "not met"
    assert ratio(_timed(rng, 2.5, 10_000, set()), floor, resamples=100).verdict(3.0) == "met"


def test_sides_timed_differently_are_refused():
    with pytest.raises(ValueError, match="timed alike"):
        ratio([1.0, 2.0], [1.0])
