"""The incident, its roles and its timeline: values and the rules that check input.

The rules here are those the store relies on whatever process an organisation defines:
severity is 1..5, status moves active -> mitigated -> resolved (and may reopen), and the role
keys the core itself writes. Names and wording come from the process definition.
"""

import re
from dataclasses import dataclass, field

from console.errors import InputError

SEVERITIES = (1, 2, 3, 4, 5)
STATUSES = ("active", "mitigated", "resolved")
ROLE_KEYS = ("ic", "deputy", "scribe", "sme", "customer_liaison", "internal_liaison")
ROLE_ALIASES = {"cl": "customer_liaison", "il": "internal_liaison"}
# Roles held by one person at a time: assigning a new holder ends the previous one's term.
# The others (deputy, sme) can have several holders at once.
SINGLE_HOLDER_ROLES = frozenset({"ic", "scribe", "customer_liaison", "internal_liaison"})
ROLE_NAMES = {
    "ic": "Incident Commander",
    "deputy": "Deputy",
    "scribe": "Scribe",
    "sme": "Subject Matter Expert",
    "customer_liaison": "Customer Liaison",
    "internal_liaison": "Internal Liaison",
}
# The timeline's entry kinds (the handbook's fourteen). The ones the console writes by itself
# when something changes: status, severity, roster (a role assigned) and handover (command
# passed). The rest are typed by the scribe.
ENTRY_KINDS = (
    "roster", "action", "task", "status", "decision", "finding", "note",
    "todo", "system", "call_end", "severity", "comms", "handover", "page",
)
MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_NAME = 100

_REF = re.compile(r"^\s*(?:inc-?)?(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    severity: int | None
    status: str
    security: bool
    drill: bool
    started_at: str
    declared_at: str
    mitigated_at: str | None = None
    resolved_at: str | None = None

    @property
    def ref(self) -> str:
        return format_ref(self.id)


@dataclass(frozen=True)
class RoleAssignment:
    id: int
    incident_id: int
    role: str
    person: str
    from_at: str
    to_at: str | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    uid: str
    incident_id: int
    kind: str
    text: str
    author: str
    occurred_at: str
    recorded_at: str

    @property
    def sort_key(self) -> tuple[str, int]:
        """The timeline's order: when it happened, then when it was written."""
        return (self.occurred_at, self.id)


@dataclass(frozen=True)
class Change:
    """What one operation changed, so a view can refresh just that."""

    incident: Incident
    entries: tuple[Entry, ...] = field(default_factory=tuple)
    roles_changed: bool = False


def format_ref(incident_id: int) -> str:
    return f"INC-{incident_id}"


def parse_ref(text: str) -> int:
    """`INC-12`, `inc-12` or `12` -> 12."""
    match = _REF.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad incident reference {text!r}: expected INC-<number>, e.g. INC-3")
    return int(match.group(1))


def parse_severity(text: str | int) -> int:
    raw = str(text).strip().upper().removeprefix("SEV-").removeprefix("SEV")
    if raw.isdigit() and int(raw) in SEVERITIES:
        return int(raw)
    raise InputError(f"bad severity {text!r}: expected 1 to 5 (1 is the most severe)")


def parse_status(text: str) -> str:
    state = (text or "").strip().lower()
    if state not in STATUSES:
        raise InputError(f"bad status {text!r}: expected one of {', '.join(STATUSES)}")
    return state


def parse_role(text: str) -> str:
    key = (text or "").strip().lower().replace("-", "_")
    key = ROLE_ALIASES.get(key, key)
    if key not in ROLE_KEYS:
        known = ", ".join(ROLE_KEYS + tuple(ROLE_ALIASES))
        raise InputError(f"bad role {text!r}: expected one of {known}")
    return key


def parse_kind(text: str) -> str:
    kind = (text or "").strip().lower()
    if kind not in ENTRY_KINDS:
        raise InputError(f"bad entry kind {text!r}: expected one of {', '.join(ENTRY_KINDS)}")
    return kind


def clean_text(text: str, what: str, limit: int, *, multiline: bool = False) -> str:
    """Strip, refuse empty or oversized text, and drop control characters (NUL included)."""
    if text is None:
        raise InputError(f"{what} is empty")
    allowed = "\n\t" if multiline else "\t"
    cleaned = "".join(ch for ch in text if ch in allowed or (ch >= " " and ch != "\x7f"))
    cleaned = cleaned.strip()
    if not cleaned:
        raise InputError(f"{what} is empty")
    if len(cleaned) > limit:
        raise InputError(f"{what} is too long: {len(cleaned)} characters, the limit is {limit}")
    return cleaned
