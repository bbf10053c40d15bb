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
