"""Hybrid logical clocks: fixed-width text that sorts as it compares, monotonic per replica,
moved on by a later one received, but never more than MAX_AHEAD past our own clock."""

from datetime import datetime, timedelta, timezone

import pytest

from console import hlc

NOW = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)


def test_the_text_is_fixed_width_and_sorts_like_the_clock():
    early = hlc.make(hlc.millis(NOW), 0, "aaaa")
    later = hlc.make(hlc.millis(NOW) + 1, 0, "aaaa")
    assert len(early) == len(later) == len("1774792800000.0000.aaaa")
    assert early < later
    assert hlc.make(5, 9, "z") < hlc.make(5, 10, "a")  # the counter before the replica
    assert hlc.parse(early) == (hlc.millis(NOW), 0, "aaaa")


def test_each_next_one_is_later_even_when_the_wall_clock_goes_back():
    stamps = [hlc.following(None, NOW, "r1")]
    for moment in (NOW, NOW, NOW - timedelta(seconds=30), NOW + timedelta(milliseconds=1)):
        stamps.append(hlc.following(stamps[-1], moment, "r1"))
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert stamps[-1].startswith(f"{hlc.millis(NOW) + 1:013d}.")


def test_a_received_later_one_moves_the_clock_on():
    theirs = hlc.make(hlc.millis(NOW) + 60_000, 7, "r2")  # a minute ahead of us
    ours = hlc.following(theirs, NOW, "r1")
    assert ours > theirs
    assert hlc.parse(ours) == (hlc.millis(NOW) + 60_000, 8, "r1")


def test_the_counter_running_out_takes_the_next_millisecond():
    full = hlc.make(hlc.millis(NOW), 9999, "r1")
    assert hlc.parse(hlc.following(full, NOW, "r1")) == (hlc.millis(NOW) + 1, 0, "r1")


def test_the_bound_on_clocks_ahead():
    assert hlc.MAX_AHEAD == timedelta(minutes=5)
    near = hlc.make(hlc.millis(NOW + timedelta(minutes=4, seconds=59)), 0, "r2")
    far = hlc.make(hlc.millis(NOW + timedelta(minutes=5, seconds=1)), 0, "r2")
    assert not hlc.too_far_ahead(near, NOW)
    assert hlc.too_far_ahead(far, NOW)
    assert near < hlc.ceiling(NOW) < far


def test_rows_from_before_the_op_log_sort_first_in_their_order():
    assert hlc.legacy(2, "r1") < hlc.legacy(10, "r1") < hlc.following(None, NOW, "r1")
    assert hlc.legacy(2, "r1") < "1"


@pytest.mark.parametrize("text", ["", "x", "1774792800000.000.r", "17747928000000.0000.r",
                                  "1774792800000.0000.", "１７７４７９２８０００００.0000.r", None])
def test_what_is_not_an_hlc(text):
    assert not hlc.is_valid(text)
