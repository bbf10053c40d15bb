"""How times and severities read on screen: local time first, UTC beside it."""

from datetime import datetime, tzinfo

from console import times

KIND_LABELS = {
    "roster": "ROSTER", "action": "ACTION", "task": "TASK", "status": "STATUS",
    "decision": "DECISION", "finding": "FINDING", "note": "NOTE", "todo": "TODO",
    "system": "SYSTEM", "call_end": "CALL END", "severity": "SEVERITY", "comms": "COMMS",
    "handover": "HANDOVER", "page": "PAGE",
}
KIND_COLOURS = {
    "roster": "#5b7fb8", "action": "#2f8f6b", "task": "#8a6bbd", "status": "#3d8fb0",
    "decision": "#c0742a", "finding": "#b5483f", "note": "#7d8590", "todo": "#b08a1e",
    "system": "#4f9a9a", "call_end": "#6b6f78", "severity": "#c2415b", "comms": "#3f7fd1",
    "handover": "#a05ab0", "page": "#5f9e3a",
}


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
