"""What a security incident does differently (handbook: during/security_incident_response).

    service.security.rename(incident_id, codename|None, by=)   a new codename (None: a random one)
    service.security.clear(incident_id, by=, note=)            forensics: the attack was not internal
    new_codename(ledger)            two random words from the process (security.yaml)
    marking(process)                heads every page of its exports; the whole subject of its e-mails
    held_until_cleared(vocabulary, incident, audience)   a message that must wait for /forensics-clear

A security incident is known by its **codename** wherever someone other than its responders
could see it (`Incident.shown_title`): the window's title, the incident list, notifications,
messages, exports and their file names. Its real title is shown on its board only.

Nothing about it leaves the response team until the Incident Commander records that forensics
shows the attack was not internal: until then, a message to an audience outside the team (an
update template whose `kind` is comms) is recorded and held, and `outbox release` will not let
it go. Its external statements must pass the security announcement rules before they are
recorded as sent (console.updates), and none of its messages go to a destination that texts
phones (console.outbox).
"""

import os
from typing import TYPE_CHECKING

from console import domain
from console.domain import Change, Incident
from console.errors import InputError
from console.ops import Applied, operation

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger
    from console.vocabulary import Vocabulary

# glossary.yaml's term for the marking (docs/decisions.md says why it keeps the handbook's words).
MARKING_TERM = "attorney-work-project"
_MARKING_FALLBACK = "Attorney Work Project"  # for a process that has switched the term off
HOLD_REASON = "held: a security incident's messages wait until forensics shows the attack was not internal"
MAX_CODENAME = 60


def marking(process) -> str:
    """The marking of a security incident's documents and the whole subject of its e-mails
    (`process` None: the shipped process's)."""
    if process is None:
        from console.vocabulary import Vocabulary

        process = Vocabulary.default().process
    for term in process.items("terms") if process is not None else ():
        if term.get("id") == MARKING_TERM:
            return term["term"]
    return _MARKING_FALLBACK


def _words(process) -> tuple[list[str], list[str]]:
    items = process.items("codenames") if process is not None else []
    if not items:
        return ["Project"], [f"{n:04d}" for n in range(10000)]
    return list(items[0]["first"]), list(items[0]["second"])


def _pick(words: list[str]) -> str:
    return words[int.from_bytes(os.urandom(4), "big") % len(words)]


def new_codename(ledger: "Ledger") -> str:
    """Two random words (a gem and a mythical animal, as shipped), not one in use already."""
    first, second = _words(ledger.vocabulary.process)
    taken = {row[0] for row in ledger.execute("SELECT codename FROM incidents WHERE codename IS NOT NULL")}
    name = f"{_pick(first)} {_pick(second)}"
    for _ in range(20):
        if name not in taken:
            break
        name = f"{_pick(first)} {_pick(second)}"
    return name


def check_codename(text: str) -> str:
    """A codename as typed: two or more words of letters, digits, spaces or hyphens, one line."""
    name = " ".join(domain.clean_text(text, "codename", MAX_CODENAME).split())
    if not all(ch.isalnum() or ch in " -" for ch in name):
        raise InputError(f"codename {name!r}: use letters, digits, spaces and hyphens only "
                         "(it names chat rooms and files)")
    return name


def outside_the_team(vocabulary: "Vocabulary", audience: str) -> bool:
    """Whether a message to `audience` leaves the response team: its update template's kind
    is comms (updates.yaml); the responders' status updates stay on the call."""
    return vocabulary.update_kinds.get(audience, "comms") == "comms"


def held_until_cleared(vocabulary: "Vocabulary", incident: Incident, audience: str) -> bool:
    """Whether a message of `incident` to `audience` must wait for /forensics-clear."""
    return bool(incident.security and not incident.drill and incident.cleared_at is None
                and outside_the_team(vocabulary, audience))


def export_text(process, formats: list[str], where: str) -> str:
    """The timeline entry a security incident's export writes: what, where, which marking."""
    return f"Exported ({', '.join(formats)}) to {where}, marked {marking(process)}"


def title_shows(incident: Incident, rendered: "str | bytes") -> bool:
    """Whether a security incident's real title is in an export as rendered: something a person
    typed (a note, the post-mortem's text) carried it where the codename was meant to stand."""
    if not incident.security or isinstance(rendered, bytes):
        return False
    return " ".join(incident.title.split()).casefold() in " ".join(rendered.split()).casefold()


TITLE_SHOWS = ("the export holds the incident's real title, typed in a note or the post-mortem; "
               "the codename is meant to stand in for it: correct the text and export again")


def require_security(incident: Incident, what: str) -> None:
    if not incident.security:
        raise InputError(f"{incident.ref} is not a security incident; {what} is for security incidents only")


class Security:
    """A security incident's codename and its forensics clearance (each with its entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def rename(self, incident_id: int, codename: str | None, *, by: str) -> Change:
        """Give the incident a new codename (None: two new random words)."""
        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        require_security(incident, "a codename")
        name = check_codename(codename) if codename is not None else new_codename(ledger)
        if name == incident.codename:
            raise InputError(f"{incident.ref} is already {name}")
        taken = ledger.execute("SELECT 1 FROM incidents WHERE codename = ? AND id != ?", (name, incident_id)).fetchone()
        if taken:
            raise InputError(f"another incident is already called {name}; choose another codename")
        now = ledger.now()
        old = incident.codename or "no codename"
        body = {"codename": name, "entry": ledger.entry("status", f"Codename {old} -> {name}", author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._renamed, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

    @operation("incident.codename", register="codename", says=lambda b: b["codename"])
    def _renamed(self, op: Applied):
        self._ledger.set_register("incidents", ("id", op.incident_id), "codename",
                                  {"codename": op.body["codename"]}, op.hlc)
        return self._ledger.put_entry(op, op.body["entry"])

    def clear(self, incident_id: int, *, by: str, note: str | None = None) -> Change:
        """Record that forensics shows the attack was not internal: messages beyond the
        response team may go out from now on (those held before wait for `outbox release`)."""
        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        require_security(incident, "forensics clearance")
        if incident.cleared_at is not None:
            raise InputError(f"{incident.ref}: forensics already cleared at {incident.cleared_at}")
        extra = f" ({domain.clean_text(note, 'note', domain.MAX_TEXT)})" if note and note.strip() else ""
        now = ledger.now()
        text = (f"Forensics: the attack was not internal{extra}. Communication beyond the response "
                "team may go out now.")
        entry = ledger.entry("status", text, author, now, now)
        body = {"by": author, "at": entry["recorded_at"], "entry": entry}
        with ledger.writing():
            entry = ledger.record(self._cleared, incident, body)
        return Change(ledger.read.incidents.get(incident_id), (entry,))

    @operation("incident.forensics", register="cleared", says=lambda b: f"cleared by {b['by']}")
    def _cleared(self, op: Applied):
        self._ledger.set_register("incidents", ("id", op.incident_id), "cleared",
                                  {"cleared_at": op.body["at"], "cleared_by": op.body["by"]}, op.hlc)
        return self._ledger.put_entry(op, op.body["entry"])
