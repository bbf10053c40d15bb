"""Where "now" comes from.

Everything that needs the time takes a clock, so tests drive time with a fake one instead of
sleeping or patching `datetime`.
"""

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)
