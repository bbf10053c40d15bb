"""The op: what one write operation did, as the unit a team's consoles replicate.

Every operation of the core that commits (declare, log, severity, a task's done...) records one
op in the same transaction as its rows (`Ledger.record`). An op is the operation's name (its
verb), the incident's uid and a body of canonical JSON holding everything the operation decided:
every uid it made, every time it used, every text it wrote. Its *effect* is a method of the noun
that owns it, marked once with `@operation("noun.verb")`: the effect writes the rows from the
body alone, never from what else the store holds, so running it on another console (which may
have received other ops first) gives the same rows. The same effect runs when the op is made
here and when it arrives from elsewhere (`service.sync.apply`).

A *register* is a value only one op can hold at a time (severity, status, the Incident
Commander): its ops name it (`register=`), and carry `base`, the uid of the newest op on that
register their writer knew, so concurrent changes can be found and shown.
"""

import json
from collections.abc import Callable
from typing import Any, NamedTuple


class Op(NamedTuple):
    """One op as stored and replicated. `body` is canonical JSON text (see `canonical`)."""

    uid: str
    replica: str
    hlc: str
    incident: str | None
    verb: str
    body: str
    base: str | None = None


class Applied(NamedTuple):
    """An op as its effect sees it: the op, its body read back, the incident's local row id
    (None until the incident is known here), and whether it was made on this console."""

    op: Op
    body: dict[str, Any]
    incident_id: int | None
    local: bool

    @property
    def hlc(self) -> str:
        return self.op.hlc


# Every effect by its verb, filled by `@operation` as the nouns' modules are imported.
OPERATIONS: dict[str, Callable] = {}


def operation(verb: str, *, register: "str | Callable[[dict], str | None] | None" = None,
              says: "Callable[[dict], str] | None" = None,
              declares: bool = False) -> Callable[[Callable], Callable]:
    """Mark a noun's method as the effect of the op named `verb` (declared here, once).

    `register` names the register the op sets (a name, or a function of the body for ops that
    set one only sometimes); `says` words the value it set ("SEV-1"), for the concurrent-change
    notice; `declares` is for the ops that make the incident they belong to."""

    def mark(effect: Callable) -> Callable:
        if verb in OPERATIONS:
            raise RuntimeError(f"op {verb!r} is declared twice")
        effect.op_name = verb
        effect.op_register = register
        effect.op_says = says
        effect.op_declares = declares
        OPERATIONS[verb] = effect
        return effect

    return mark


def register_of(verb: str, body: dict) -> str | None:
    """The register an op of `verb` with `body` sets, if any."""
    effect = OPERATIONS.get(verb)
    register = getattr(effect, "op_register", None)
    return register(body) if callable(register) else register


def canonical(body: dict[str, Any]) -> str:
    """The one text of a body: sorted keys, no spaces, non-ASCII kept as it is."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_ref(uid: str, hlc: str) -> dict[str, str]:
    """How an op names a timeline entry: its uid and its HLC (see `Ledger.put_entry`)."""
    return {"uid": uid, "hlc": hlc}


class Missing(LookupError):
    """An op names something this console does not have yet (it arrived out of order)."""
