"""Parsing and formatting times.

Times are stored in UTC as fixed-width ISO 8601 text (`2026-11-27T14:02:07.123Z`) so that
SQLite sorts them correctly as plain strings and every export can use them unchanged. People
type either a full ISO 8601 time with an offset or `Z`, or `HH:MM`, meaning today in local time.
"""

import re
from datetime import datetime, timedelta, timezone, tzinfo

from console.errors import InputError

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# How far in the future a typed time may lie before we call it a typo (clock skew between
# the person's watch and this machine).
FUTURE_TOLERANCE = timedelta(minutes=5)


def to_text(moment: datetime) -> str:
    """Format an aware datetime as stored: UTC, millisecond precision, ending in Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in the console is timezone-aware")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_text(text: str) -> datetime:
    """Read a stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_time(text: str, now: datetime, local_tz: tzinfo | None = None) -> datetime:
    """Turn what a person typed into an aware UTC datetime, or say why it cannot be used.

    `HH:MM` means today in local time (`local_tz`, by default this machine's zone). A full time
    must carry an offset or `Z`: a bare `2026-03-29T14:02` is ambiguous between zones, and a
    wrong guess would silently shift the timeline.
    """
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
    moment = moment.astimezone(timezone.utc)
    if moment - now > FUTURE_TOLERANCE:
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
