"""Hybrid logical clocks: the order every console agrees on for a team's ops.

An HLC is fixed-width text that sorts as it compares, `{unix_ms:013d}.{counter:04d}.{replica}`:
the wall clock in milliseconds (or a little ahead of it, see below), a counter that orders
several ops within one millisecond, and the id of the console that made it, which breaks any
remaining tie (two consoles never make the same HLC). Text comparison is the order.

A console's next HLC is after every HLC it has recorded or received, so an op always sorts
after everything its writer could have seen, whatever the writer's wall clock says. A received
HLC moves the clock on only up to `MAX_AHEAD` past this console's wall clock, so a console
whose clock is far ahead cannot drag everyone else's clock into the future with it. Nor can
it date its own ops ahead: in a team, a console whose clock is ahead of the server's dates its
ops by the server's (console/ledger.py), and the server refuses an op dated more than
`MAX_AHEAD` past its own clock (console/team/migrations/0002), which then waits on its console
until the server's clock reaches it. Otherwise a register change from a laptop set a day
ahead would outrank, for that day, every change made after it.

Rows written before the op log existed get a synthetic HLC at migration, `{row id:013d}.0000.
{replica}`: it sorts before any real one (a 13-digit millisecond count starts with 1 from 2001
until 2286) and keeps those rows in the order they were written.
"""

from datetime import datetime, timedelta

# How far past this console's own clock a received HLC may move it (and, on the server, how far
# ahead of the server's clock an op may be). Five minutes, as for a back-dated time typed ahead.
MAX_AHEAD = timedelta(minutes=5)
_MS_WIDTH = 13
_COUNTER_WIDTH = 4
_COUNTER_MAX = 10 ** _COUNTER_WIDTH - 1
REPLICA_AT = _MS_WIDTH + 1 + _COUNTER_WIDTH + 1  # where the replica starts in an HLC (0-based)


def make(ms: int, counter: int, replica: str) -> str:
    """The HLC text for a millisecond count, a counter and a replica id."""
    return f"{ms:0{_MS_WIDTH}d}.{counter:0{_COUNTER_WIDTH}d}.{replica}"


def parse(text: str) -> tuple[int, int, str]:
    """(milliseconds, counter, replica) from an HLC; ValueError if it is not one."""
    ms, counter, replica = text.split(".", 2)
    if len(ms) != _MS_WIDTH or len(counter) != _COUNTER_WIDTH or not replica:
        raise ValueError(f"not an HLC: {text!r}")
    if not (ms.isascii() and ms.isdigit() and counter.isascii() and counter.isdigit()):
        raise ValueError(f"not an HLC: {text!r}")
    return int(ms), int(counter), replica


def is_valid(text: object) -> bool:
    try:
        parse(text)  # type: ignore[arg-type]
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


_AHEAD_MS = int(MAX_AHEAD.total_seconds() * 1000)


def ceiling(now: datetime) -> str:
    """The greatest HLC this console's clock may be moved to at `now` (any replica sorts under
    it): what a received HLC is clamped to."""
    return f"{millis(now) + _AHEAD_MS:0{_MS_WIDTH}d}.{_COUNTER_MAX}.~"


def following(last: str | None, now: datetime, replica: str) -> str:
    """The next HLC of `replica` at wall-clock time `now`, after `last` (the greatest valid HLC
    this console has recorded or received, already clamped to `ceiling(now)`; None when there is
    none). On every write, so it reads `last` by position rather than through `parse`.

    Later than `last` always: at the same or an earlier millisecond, the counter goes up; when it
    runs out, the next millisecond."""
    ms = millis(now)
    if last is None or int(last[:_MS_WIDTH]) < ms:
        return f"{ms:0{_MS_WIDTH}d}.0000.{replica}"
    last_ms = int(last[:_MS_WIDTH])
    last_counter = int(last[_MS_WIDTH + 1:_MS_WIDTH + 1 + _COUNTER_WIDTH])
    if last_counter < _COUNTER_MAX:
        return make(last_ms, last_counter + 1, replica)
    return make(last_ms + 1, 0, replica)


def too_far_ahead(text: str, now: datetime) -> bool:
    """Whether an HLC is more than `MAX_AHEAD` past `now` (the server refuses such ops)."""
    return text > ceiling(now)


def legacy(row_id: int, replica: str) -> str:
    """The synthetic HLC of a row written before the op log existed (see the module's doc)."""
    return make(row_id, 0, replica)
