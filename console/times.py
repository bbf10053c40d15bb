"""Parsing and formatting times.

Times are stored in UTC as fixed-width ISO 8601 text (`2026-11-27T14:02:07.123Z`) so that
SQLite sorts them correctly as plain strings and every export can use them unchanged. People
type either a full ISO 8601 time with an offset or `Z`, or `HH:MM`, meaning today in local time.
A moment that can only lie in the past (when the impact began) may also be typed `@14:02`,
`20m ago` or `1h 30m ago` (`parse_past`).
"""

import re
from datetime import datetime, timedelta, timezone, tzinfo

from console.errors import InputError
from console.patterns import LazyPattern

_HHMM = LazyPattern(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$", re.ASCII)  # ASCII digits, as everywhere
# `20m ago`, `1h ago`, `1h 30m ago`, `90 min ago`, `2 hours ago`: hours, minutes or both.
_AGO = LazyPattern(
    r"^(?:(?P<hours>[0-9]{1,4})\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<minutes>[0-9]{1,5})\s*m(?:in(?:ute)?s?)?)?\s+ago$",
    re.ASCII | re.IGNORECASE,
)
_ISO_START = LazyPattern(r"^[0-9]{4}-", re.ASCII)
PAST_FORMS = "14:02, @14:02, 20m ago, 1h ago or 2026-03-29T14:02Z"
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
    # isoformat, not strftime: 4 us against 6.5, and a note's commit writes several of these.
    return utc.isoformat(timespec="milliseconds")[:23] + "Z"  # without its "+00:00"


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
        raise in_the_future(text, now, local_tz)
    return moment


def in_the_future(typed: str, now: datetime, local_tz: tzinfo | None = None) -> InputError:
    """The refusal of a time that lies ahead: what was typed, and now to the minute, local and
    UTC. To the minute, so the line says the same while a person retypes it (the note box shows
    a refusal once, not again as its preview)."""
    local, utc = now.astimezone(local_tz), now.astimezone(timezone.utc)
    return InputError(f"bad time {typed!r}: it is in the future (it is {local:%H:%M} here now, "
                      f"{utc:%Y-%m-%d %H:%M}Z)")


def parse_past(text: str, now: datetime, local_tz: tzinfo | None = None) -> datetime | None:
    """A moment that lies in the past, as typed: when the impact began.

    Empty (or `now`) is None: the caller's default, the moment of declaring. `20m ago` and
    `1h 30m ago` count back from `now`. `14:02` (or `@14:02`, as in the note box) is the last
    time the local clock read 14:02: today, or yesterday when today's 14:02 is still ahead by
    more than FUTURE_TOLERANCE. Within that tolerance a time ahead of `now` (a watch running
    fast) is taken as `now`, as is a full ISO 8601 time; further ahead is refused.
    """
    if not isinstance(text, str):
        raise InputError(f"bad time {text!r}: use {PAST_FORMS}")
    raw = text.strip()
    typed = raw
    if raw.startswith("@"):
        raw = raw[1:].strip()
    if not raw or raw.casefold() == "now":
        return None
    ago = _AGO.match(raw)
    if ago and (ago["hours"] or ago["minutes"]):
        back = timedelta(hours=int(ago["hours"] or 0), minutes=int(ago["minutes"] or 0))
        moment = now - back
        if moment < EARLIEST:
            raise InputError(f"bad time {typed!r}: that is before {EARLIEST:%Y-%m-%d}")
        return moment.astimezone(timezone.utc)
    if _HHMM.match(raw):
        moment = parse_time(raw, now, local_tz, future=timedelta(days=1))
        if moment - now > FUTURE_TOLERANCE:  # 23:50 typed at 00:10 is yesterday's, by the wall clock
            local = moment.astimezone(local_tz or now.astimezone().tzinfo)
            moment = (local - timedelta(days=1)).astimezone(timezone.utc)
    elif _ISO_START.match(raw):
        moment = parse_time(raw, now, local_tz)  # says itself what is wrong with a full time
    else:
        raise InputError(f"bad time {typed!r}: use {PAST_FORMS}")
    return min(moment, now.astimezone(timezone.utc))


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
