"""The words of an incident - roles, entry kinds, audiences - read from the loaded process.

Nothing else in the console lists them: the command language, the CLI, the board, the store's
checks and the help all ask a `Vocabulary`. Adding a role is a `roles.yaml` change (shipped or
an override): its id and aliases become commands (`/ic`, `/cl`), its `key` a letter in the
window's role bar, its `max` how many may hold it at once, its `exclusive` whether its holder
may hold anything else (the board warns when they do).

What the core itself relies on is named here and checked by the process loader: the
Incident Commander (`COMMANDER`: a new one is a hand-over of command), the Scribe, and the
entry kinds the console writes on its own (`WRITTEN_KINDS`). The post-mortem owner
(`POSTMORTEM_OWNER`) is optional: when the process has that role, naming the owner gives it.
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from console.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.process import Process

COMMANDER = "ic"
SCRIBE = "scribe"
REQUIRED_ROLES = (COMMANDER, SCRIBE)
POSTMORTEM_OWNER = "postmortem_owner"
# The role the leader of a sub-team holds (console.subteams gives and ends it with the team).
TEAM_LEADER = "subteam_leader"
# Kinds the console writes by itself (a role given, a severity or status changed, a task, a
# status update, a page, the call's end...): a process may relabel them, never remove them.
WRITTEN_KINDS = ("roster", "handover", "severity", "status", "comms", "task", "decision", "todo",
                 "page", "call_end", "note", "action", "team", "evidence")
DEFAULT_KIND = "note"
# Status updates to these audiences are part of running the incident ("status" entries); every
# other audience is a communication ("comms"). Read from each update template's `kind`.
UPDATE_KINDS = ("status", "comms")


class Role(NamedTuple):
    id: str
    name: str
    short: str
    aliases: tuple[str, ...]
    key: str | None  # the letter that picks it in the window's role bar
    max: int | None  # None: any number may hold it; 1: a new holder replaces the previous one
    exclusive: bool  # its holder should hold no other role
    core: bool

    @property
    def words(self) -> tuple[str, ...]:
        """Everything a person may type for this role: its id and its aliases."""
        return (self.id,) + self.aliases

    @property
    def command(self) -> str:
        """The word the palette and the canonical line use: the shortest one (`cl`, not
        `customer_liaison`; `ic`)."""
        return min(self.words, key=lambda w: (len(w), self.words.index(w)))

    @property
    def single(self) -> bool:
        return self.max == 1


class Team(NamedTuple):
    """A sub-team the process names (subteams.yaml): Alpha, with its room and bridge."""

    id: str
    name: str
    room: str
    bridge: str


class Kind(NamedTuple):
    id: str
    label: str
    key: str  # the typing prefix: `d` in `d: roll back`
    derived: bool  # written by the console when a command changes the incident


class Vocabulary(NamedTuple):
    roles: tuple[Role, ...]
    kinds: tuple[Kind, ...]
    audiences: tuple[str, ...]
    update_kinds: dict  # audience -> "status" or "comms"
    checklist: dict  # checklist step id -> its text (what /check ITEM names)
    # What it was read from (a Process, or None): the core's checks read it (lint rules). Not
    # annotated "Process | None": NamedTuple compiles a string annotation, and the first compile()
    # of a process builds Python's AST types (~3 ms of every command).
    process: Any = None
    teams: tuple[Team, ...] = ()  # the sub-teams an IC can spin off (subteams.yaml)

    @classmethod
    def from_process(cls, process: "Process") -> "Vocabulary":
        """The process's words; made once per loaded process and kept with it."""
        cached = getattr(process, "_vocabulary", None)
        if cached is None:
            cached = cls._read(process)
            process._vocabulary = cached  # noqa: SLF001 - the process is immutable once loaded
        return cached

    @classmethod
    def _read(cls, process: "Process") -> "Vocabulary":
        roles = tuple(
            Role(
                id=r["id"], name=r["name"], short=r["short"],
                aliases=tuple(a.strip().lower() for a in r.get("aliases") or ()),
                key=(str(r["key"]).strip().lower() if r.get("key") else None),
                max=r.get("max"), exclusive=bool(r.get("exclusive")), core=r.get("kind") == "core",
            )
            for r in process.items("roles")
        )
        kinds = tuple(
            Kind(k["id"], k["label"], str(k["key"]).strip().lower(), k.get("source") == "derived")
            for k in process.items("entry_kinds")
        )
        audiences: list[str] = []
        update_kinds: dict[str, str] = {}
        for template in process.items("update_templates"):
            audience = template["audience"]
            if audience not in audiences:
                audiences.append(audience)
                update_kinds[audience] = template.get("kind") or "comms"
        checklist = {item["id"]: item["text"]
                     for group in process.items("checklists") for item in group["items"]}
        teams = tuple(Team(t["id"], t["name"], t["room"], t["bridge"]) for t in process.items("subteams"))
        return cls(roles, kinds, tuple(audiences), update_kinds, checklist, process, teams)

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "Vocabulary":
        """The shipped process's words (no override): for code that runs without a process."""
        from console.process import load_process

        return Vocabulary.from_process(load_process(None))

    # -- roles ---------------------------------------------------------------------------------

    def role(self, text: str) -> Role:
        """A role by any of its words (`cl`, `Customer_Liaison`, `customer-liaison`)."""
        word = (text or "").strip().lower().replace("-", "_")
        for role in self.roles:
            if word in role.words:
                return role
        known = ", ".join(w for r in self.roles for w in r.words)
        raise InputError(f"bad role {text!r}: expected one of {known}")

    def role_by_id(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def role_name(self, role_id: str) -> str:
        role = self.role_by_id(role_id)
        return role.name if role else role_id

    # -- entry kinds -----------------------------------------------------------------------------

    def kind(self, text: str) -> str:
        kind = (text or "").strip().lower()
        for known in self.kinds:  # on every note: no tuple of ids made first
            if known.id == kind:
                return kind
        raise InputError(f"bad entry kind {text!r}: expected one of {', '.join(self.kind_ids)}")

    @property
    def kind_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)

    @property
    def derived_kinds(self) -> frozenset[str]:
        """Entries that record a change the console made to the incident: not editable."""
        return frozenset(k.id for k in self.kinds if k.derived)

    @property
    def prefixes(self) -> dict[str, str]:
        """Typing prefix -> entry kind id (`"d"` -> `"decision"`)."""
        return {k.key: k.id for k in self.kinds}

    # -- audiences ---------------------------------------------------------------------------------

    def audience(self, text: str) -> str:
        audience = (text or "").strip().lower()
        if audience not in self.audiences:
            raise InputError(f"bad audience {text!r}: expected one of {', '.join(self.audiences)}")
        return audience

    # -- sub-teams -------------------------------------------------------------------------------

    def team(self, text: str) -> Team:
        """A sub-team by its name or id, in any case (`Alpha`, `alpha`)."""
        word = (text or "").strip().casefold()
        for team in self.teams:
            if word in (team.name.casefold(), team.id.casefold()):
                return team
        if not self.teams:
            raise InputError("the process names no sub-teams (subteams.yaml)")
        raise InputError(f"bad sub-team {text!r}: expected one of {', '.join(t.name for t in self.teams)}")

    # -- checklist steps -------------------------------------------------------------------------

    def check_item(self, text: str) -> str:
        item = (text or "").strip()
        if item not in self.checklist:
            raise InputError(f"unknown checklist item {item!r}")
        return item
