from datetime import datetime, timedelta, timezone

import pytest

from console import times
from console.errors import InputError

NOW = datetime(2026, 3, 29, 14, 0, 0, tzinfo=timezone.utc)
PARIS = timezone(timedelta(hours=2))


def test_stored_text_is_fixed_width_utc_with_z():
    moment = datetime(2026, 3, 29, 16, 2, 7, 123456, tzinfo=PARIS)
    assert times.to_text(moment) == "2026-03-29T14:02:07.123Z"
    assert times.from_text("2026-03-29T14:02:07.123Z") == datetime(
        2026, 3, 29, 14, 2, 7, 123000, tzinfo=timezone.utc
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        times.to_text(datetime(2026, 3, 29, 14, 0))


def test_hh_mm_means_today_in_local_time():
    parsed = times.parse_time("15:30", NOW, local_tz=PARIS)
    assert parsed == datetime(2026, 3, 29, 13, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-29T13:02:00Z", datetime(2026, 3, 29, 13, 2, tzinfo=timezone.utc)),
        ("2026-03-29T15:02:00+02:00", datetime(2026, 3, 29, 13, 2, tzinfo=timezone.utc)),
        ("2026-03-29 13:02z", datetime(2026, 3, 29, 13, 2, tzinfo=timezone.utc)),
    ],
)
def test_iso_times_with_offsets(text, expected):
    assert times.parse_time(text, NOW) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("25:00", "HH:MM"),
        ("yesterday", "HH:MM"),
        ("2026-03-29T13:02", "add an offset"),
        ("2026-03-30T13:02Z", "in the future"),
        ("", "HH:MM"),
    ],
)
def test_bad_times_say_why(text, fragment):
    with pytest.raises(InputError, match=fragment):
        times.parse_time(text, NOW, local_tz=PARIS)


def test_durations_read_compactly():
    assert times.format_duration(42) == "42s"
    assert times.format_duration(425) == "7m 05s"
    assert times.format_duration(7380) == "2h 03m"
    assert times.format_duration(3 * 86400 + 4 * 3600) == "3d 04h"


# -- when the impact began: parse_past -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20m ago", datetime(2026, 3, 29, 13, 40, tzinfo=timezone.utc)),
        ("1h ago", datetime(2026, 3, 29, 13, 0, tzinfo=timezone.utc)),
        ("1h 30m ago", datetime(2026, 3, 29, 12, 30, tzinfo=timezone.utc)),
        ("1h30m ago", datetime(2026, 3, 29, 12, 30, tzinfo=timezone.utc)),
        ("90 min ago", datetime(2026, 3, 29, 12, 30, tzinfo=timezone.utc)),
        ("2 hours ago", datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc)),
        ("5 Minutes AGO", datetime(2026, 3, 29, 13, 55, tzinfo=timezone.utc)),
        ("15:30", datetime(2026, 3, 29, 13, 30, tzinfo=timezone.utc)),  # Paris local
        ("@15:30", datetime(2026, 3, 29, 13, 30, tzinfo=timezone.utc)),
        ("  @ 15:30 ", datetime(2026, 3, 29, 13, 30, tzinfo=timezone.utc)),
        ("2026-03-29T13:02Z", datetime(2026, 3, 29, 13, 2, tzinfo=timezone.utc)),
        ("@2026-03-29T15:02+02:00", datetime(2026, 3, 29, 13, 2, tzinfo=timezone.utc)),
    ],
)
def test_past_moments_as_typed(text, expected):
    assert times.parse_past(text, NOW, local_tz=PARIS) == expected


@pytest.mark.parametrize("text", ["", "   ", "@", "now", "NOW"])
def test_an_empty_past_moment_means_the_callers_default(text):
    assert times.parse_past(text, NOW, local_tz=PARIS) is None


def test_a_clock_time_still_ahead_today_is_yesterdays():
    # 16:30 in Paris is 14:30Z, half an hour ahead of NOW: the impact began yesterday.
    assert times.parse_past("16:30", NOW, local_tz=PARIS) == datetime(2026, 3, 28, 14, 30, tzinfo=timezone.utc)
    # Just after midnight, 23:50 is a few minutes ago, the day before.
    late = datetime(2026, 3, 29, 22, 10, tzinfo=timezone.utc)  # 00:10 on the 30th in Paris
    assert times.parse_past("23:50", late, local_tz=PARIS) == datetime(2026, 3, 29, 21, 50, tzinfo=timezone.utc)


def test_a_watch_a_little_fast_gives_now_not_yesterday():
    # 16:03 in Paris is 3 minutes ahead of NOW (14:00Z): within the tolerance, so it is now.
    assert times.parse_past("16:03", NOW, local_tz=PARIS) == NOW
    assert times.parse_past("2026-03-29T14:04Z", NOW) == NOW


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("yesterday", "20m ago"),
        ("20 ago", "20m ago"),
        ("20m", "20m ago"),
        ("ago", "20m ago"),
        ("25:00", "20m ago"),
        ("１h ago", "20m ago"),  # full-width digits are not read as numbers
        ("2026-03-29T13:02", "add an offset"),
        ("2026-03-30T13:02Z", "in the future"),
        ("99999h ago", "20m ago"),  # five digits of hours is no impact start (and no overflow)
        (None, "20m ago"),
    ],
)
def test_bad_past_moments_say_why_in_one_line(text, fragment):
    with pytest.raises(InputError, match=fragment) as caught:
        times.parse_past(text, NOW, local_tz=PARIS)
    assert "\n" not in str(caught.value)


def test_counting_back_past_the_epoch_is_refused():
    early = datetime(1970, 1, 1, 1, 0, tzinfo=timezone.utc)
    with pytest.raises(InputError, match="before 1970-01-01"):
        times.parse_past("2h ago", early)
