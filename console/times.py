"""Parsing and formatting times.

Times are stored in UTC as fixed-width ISO 8601 text (`2026-11-27T14:02:07.123Z`) so that
SQLite sorts them correctly as plain strings and every export can use them unchanged. People
type either a full ISO 8601 time with an offset or `Z`, or `HH:MM`, meaning today in local time.
"""

import re
from datetime import datetime, timedelta, timezone, tzinfo

from console.errors import InputError

_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$", re.ASCII)  # ASCII digits, as everywhere
# How far in the future a typed time may lie before we call it a typo (clock skew between
# the person's watch and this machine).
FUTURE_TOLERANCE = timedelta(minutes=5)
# The times the console stores: from the Unix epoch to the end of year 9999. Earlier ones are
# typos (and `strftime` would not write years before 1000 in four digits, which would break
# sorting the stored text); later ones cannot be written as ISO 8601 at all.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)


def to_text(moment: datetime) -> str:
    """Format an aware datetime as stored: UTC, millisecond precision, ending in Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in the console is timezone-aware")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_text(text: str) -> datetime:
    """Read a stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_time(
    text: str, now: datetime, local_tz: tzinfo | None = None, *, future: timedelta = FUTURE_TOLERANCE
) -> datetime:
    """Turn what a person typed into an aware UTC datetime, or say why it cannot be used.

    `HH:MM` means today in local time (`local_tz`, by default this machine's zone). A full time
    must carry an offset or `Z`: a bare `2026-03-29T14:02` is ambiguous between zones, and a
    wrong guess would silently shift the timeline. A time more than `future` after `now` is
    refused (a meeting passes a long one), and so is one outside EARLIEST..LATEST, whatever
    its offset: `0001-01-01T00:30+01:00` falls before year 1 in UTC.
    """
    if not isinstance(text, str):
        raise InputError(f"bad time {text!r}: expected text such as 14:02 or 2026-03-29T14:02:00Z")
    raw = text.strip()
    match = _HHMM.match(raw)
    if match:
        zone = local_tz or now.astimezone().tzinfo
        local_now = now.astimezone(zone)
        moment = local_now.replace(
            hour=int(match.group(1)), minute=int(match.group(2)), second=0, microsecond=0
        )
    else:
        try:
            moment = datetime.fromisoformat(raw.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"bad time {text!r}: use HH:MM (today, local time) or ISO 8601 with an offset, "
                "e.g. 2026-03-29T14:02:00Z"
            ) from None
        if moment.tzinfo is None:
            raise InputError(
                f"bad time {text!r}: add an offset or Z (e.g. {raw}Z), or use HH:MM for local time"
            )
    try:
        moment = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # 0001-01-01T00:30+01:00, 9999-12-31T23:59-14:00
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise InputError(
            f"bad time {text!r}: out of range (from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} in UTC)"
        )
    if moment - now > future:
        raise InputError(f"bad time {text!r}: it is in the future (now is {to_text(now)})")
    return moment


def format_duration(seconds: float) -> str:
    """A compact elapsed time for a header: `42s`, `7m 05s`, `2h 03m`, `3d 04h`."""
    total = int(max(0, seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
