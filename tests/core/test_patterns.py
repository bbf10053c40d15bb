"""LazyPattern: compiled on first use, and then the same as the compiled pattern."""

import re

import pytest

from console.patterns import LazyPattern


def test_it_compiles_on_first_use_and_answers_as_re_does():
    lazy = LazyPattern(r"(\d+)m?", re.ASCII | re.IGNORECASE)
    assert lazy._compiled is None  # noqa: SLF001 - what the class is for
    assert lazy.fullmatch("15M").group(1) == "15"
    assert lazy.compiled is re.compile(r"(\d+)m?", re.ASCII | re.IGNORECASE)
    assert lazy.match("7 minutes").group(1) == "7"
    assert lazy.search("in 20m").group(1) == "20"
    assert lazy.fullmatch("١٥") is None  # ASCII digits only, as the flags say
    assert LazyPattern(r"\s*,\s*").split("a , b,c", maxsplit=1) == ["a", "b,c"]


def test_a_bad_pattern_fails_on_first_use():
    lazy = LazyPattern("(")
    with pytest.raises(re.error):
        lazy.match("x")
