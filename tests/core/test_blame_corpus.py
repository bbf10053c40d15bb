"""How well the blame rules do on sentences written for it (tests/fixtures/blame_corpus.yaml).

The hit rate is the share of blameful sentences in which at least one of the corpus's rules
finds something; the false-alarm rate is the share of blameless sentences in which any does.
Each sentence is linted on its own, as a message is, with the corpus's roster as the incident's
responders. The figures, per set and in all:

    .venv/bin/python -m tests.core.test_blame_corpus            (add -v to list every miss)
"""

import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from console import lint
from console.process import load_process

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "blame_corpus.yaml"
SETS = ("written_with_the_rules", "first_blind", "second_blind", "third_blind")
HONEST = "third_blind"  # written after the rules were frozen, never tuned on
MIN_HIT_RATE = 0.90  # over the whole corpus
MAX_FALSE_ALARMS = 0.05
MIN_HONEST_HIT_RATE = 0.70  # the blind set's figure when it was measured, less a margin
MAX_HONEST_FALSE_ALARMS = 0.05


class Rates(NamedTuple):
    found: int
    blameful: int
    alarms: int
    blameless: int
    misses: list[str]
    false_alarms: list[str]

    @property
    def hit_rate(self) -> float:
        return self.found / self.blameful

    @property
    def false_alarm_rate(self) -> float:
        return self.alarms / self.blameless

    def __add__(self, other: "Rates") -> "Rates":  # type: ignore[override]
        return Rates(*(a + b for a, b in zip(self, other)))

    def line(self, name: str) -> str:
        return (f"{name:<24} hit {self.found:>3}/{self.blameful:<3} {self.hit_rate:6.1%}   "
                f"false alarms {self.alarms:>2}/{self.blameless:<3} {self.false_alarm_rate:5.1%}")


def corpus() -> dict:
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


def measure(process, data: dict, name: str) -> Rates:
    def found(sentence: str) -> bool:
        return bool(lint.lint_text_for(process, sentence, data["rules"], roster=data["roster"]))

    blameful, blameless = data[name]["blameful"], data[name]["blameless"]
    misses = [s for s in blameful if not found(s)]
    alarms = [s for s in blameless if found(s)]
    return Rates(len(blameful) - len(misses), len(blameful), len(alarms), len(blameless), misses, alarms)


@pytest.fixture(scope="module")
def data():
    return corpus()


@pytest.fixture(scope="module")
def rates(data):
    process = load_process()
    return {name: measure(process, data, name) for name in SETS}


def test_the_corpus_is_big_and_varied_enough(data):
    blameful = [s for name in SETS for s in data[name]["blameful"]]
    blameless = [s for name in SETS for s in data[name]["blameless"]]
    assert len(blameful) >= 60 and len(blameless) >= 60
    assert len(set(blameful + blameless)) == len(blameful + blameless)  # no sentence twice
    assert set(data["rules"]) <= {r["id"] for r in load_process().items("lint_rules")}


def test_hit_and_false_alarm_rates_over_the_corpus(rates):
    total = sum(rates.values(), Rates(0, 0, 0, 0, [], []))
    assert total.hit_rate >= MIN_HIT_RATE, total.misses
    assert total.false_alarm_rate <= MAX_FALSE_ALARMS, total.false_alarms


def test_rates_on_the_set_the_rules_never_saw(rates):
    honest = rates[HONEST]
    assert honest.hit_rate >= MIN_HONEST_HIT_RATE, honest.misses
    assert honest.false_alarm_rate <= MAX_HONEST_FALSE_ALARMS, honest.false_alarms


def test_the_rules_are_switched_off_by_the_process(data):
    """The measure is of the process's rules: with them off, nothing is found."""
    process = load_process()

    class Off:
        def items(self, name):
            items = process.items(name)
            return [dict(r, enabled=False) for r in items] if name == "lint_rules" else items

    assert measure(Off(), data, HONEST).found == 0


def main(argv: list[str]) -> int:
    data, process = corpus(), load_process()
    total = Rates(0, 0, 0, 0, [], [])
    for name in SETS:
        rates = measure(process, data, name)
        total += rates
        print(rates.line(name))
        if "-v" in argv:
            for sentence in rates.misses:
                print(f"    missed:      {sentence}")
            for sentence in rates.false_alarms:
                print(f"    false alarm: {sentence}")
    print(total.line("all"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
