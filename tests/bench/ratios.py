"""How sure a benchmark's ratio is: ours over its floor at one percentile, with a 95% interval.

A p99 from one run on this 2-core VM moves with what the machine does: the append benchmark's
p99 ratio read 2.33-3.64x over five runs of 10,000 notes a side, and the chain's 1.04-1.29x
over eighteen, while their p50 ratios stayed within a few hundredths. One such figure against a
target says little; so each ratio is given with the interval a bootstrap puts around it.

The two sides are timed in alternating blocks (`block` samples of ours, then `block` of the
floor, ...), so block k of each side ran at the same moment. A resample draws blocks with
replacement and takes the same blocks from both sides (a paired block bootstrap): what the
machine did during a block stays with both sides, as it did in the run.

    ratio(ours, floor, q=0.99, block=50) -> Ratio(value, low, high)
    Ratio.verdict(target)                 -> "met", "not met", or "at the target"
"""

import random
from typing import NamedTuple

RESAMPLES = 400
CONFIDENCE = 0.95


def percentile(samples: list[float], q: float) -> float:
    """The benchmarks' percentile: the sample at rank int(n * q) of the sorted ones (1-based)."""
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * q) - 1, 0)]


class Ratio(NamedTuple):
    value: float  # ours / floor, from every sample
    low: float  # the 95% interval's ends
    high: float

    def verdict(self, target: float) -> str:
        """Met only when the whole interval is at or under the target."""
        if self.high <= target:
            return "met"
        if self.low > target:
            return "not met"
        return "at the target (its interval spans it)"

    def line(self, target: float) -> str:
        return (f"{self.value:.2f}x (95% interval {self.low:.2f}-{self.high:.2f}x; "
                f"target <= {target}x): {self.verdict(target)}")


def ratio(ours: list[float], floor: list[float], *, q: float = 0.99, block: int = 50,
          resamples: int = RESAMPLES, seed: int = 15) -> Ratio:
    """Ours over the floor at percentile `q`, both timed in alternating blocks of `block`."""
    if len(ours) != len(floor) or not ours:
        raise ValueError(f"the two sides must be timed alike: {len(ours)} and {len(floor)} samples")
    ours_blocks = [ours[i:i + block] for i in range(0, len(ours), block)]
    floor_blocks = [floor[i:i + block] for i in range(0, len(floor), block)]
    rng = random.Random(seed)
    count = len(ours_blocks)
    draws = []
    for _ in range(resamples):
        picked = [rng.randrange(count) for _ in range(count)]
        draws.append(percentile([s for k in picked for s in ours_blocks[k]], q)
                     / percentile([s for k in picked for s in floor_blocks[k]], q))
    draws.sort()
    tail = (1 - CONFIDENCE) / 2
    return Ratio(percentile(ours, q) / percentile(floor, q),
                 draws[int(resamples * tail)], draws[min(int(resamples * (1 - tail)), resamples - 1)])
