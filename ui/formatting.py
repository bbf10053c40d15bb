"""How times and severities read on screen: local time first, UTC beside it."""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from console import times
from ui import palette

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process

@dataclass(frozen=True)
class KindStyles:
    """How each timeline entry kind reads: its label and colour, from the process."""

    labels: dict[str, str]
    colours: dict[str, str]

    @classmethod
    def from_process(cls, process: "Process") -> "KindStyles":
        kinds = process.items("entry_kinds")
        return cls({k["id"]: k["label"] for k in kinds}, {k["id"]: k["colour"] for k in kinds})

    def label(self, kind: str) -> str:
        return self.labels.get(kind, kind).upper()

    @property
    def width(self) -> int:
        """The longest label: the timeline pads to it so entry texts line up."""
        return max((len(label) for label in self.labels.values()), default=8)

    def colour(self, kind: str) -> str:
        return self.colours.get(kind) or palette.hex_colour("neutral_fill")


def severity_text(level: int | None) -> str:
    return f"SEV-{level}" if level else "SEV-?"


def local_and_utc(stamp: str, today: datetime, zone: tzinfo | None = None) -> str:
    """`14:02:07 (13:02Z)`; with the date when it is not today's."""
    moment = times.from_text(stamp)
    local = moment.astimezone(zone)
    utc = moment
    if local.date() == today.astimezone(zone).date():
        return f"{local:%H:%M:%S} ({utc:%H:%M}Z)"
    return f"{local:%Y-%m-%d %H:%M:%S} ({utc:%H:%M}Z)"
