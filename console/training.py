"""The training record: shadow and reverse-shadow shifts and drills, per person, toward the
Incident Commander qualification.

What counts, and how many of each, is the process's `qualification` list (drills.yaml). A shift
is recorded by hand (`training add PERSON shadow`): a week of shadowing is not something the
record can see. What the record can see counts by itself: a qualification item with a `role`
counts every incident in which the person held that role (`counts_in: drills` only drill
incidents, `incidents` only real ones) - the Incident Commander of a drill has run a drill, the
Incident Commander Shadow of a real incident has shadowed it. An incident recorded by hand under
the same kind is counted once.

Records are only ever added (op `training.add`); a record belongs to no incident's op stream
(it may name one), so its op carries no incident.
"""

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.errors import InputError
from console.ops import Applied, Op, canonical, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger
    from console.process import Process
    from console.queries import Reader

MAX_NOTE = 500


class Record(NamedTuple):
    """One line of someone's training: recorded by hand, or seen in the record (`derived`)."""

    person: str
    kind: str
    at: str
    incident: str | None  # the incident's ref
    note: str | None
    by: str | None
    derived: bool = False


class Progress(NamedTuple):
    """One qualification item for one person: how many they have of how many needed."""

    kind: str
    label: str
    needed: int
    records: tuple[Record, ...]

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def met(self) -> bool:
        return self.count >= self.needed


def kinds(process: "Process") -> dict[str, dict]:
    """The qualification's items by id (what `training add` accepts)."""
    return {item["id"]: item for item in process.items("qualification")}


class Training:
    """Record a training shift or drill for a person."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def add(self, person: str, kind: str, *, by: str, incident_id: int | None = None,
            note: str | None = None, at: datetime | None = None) -> Record:
        ledger = self._ledger
        name = domain.clean_text(person, "person", domain.MAX_NAME)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        known = kinds(ledger.vocabulary.process or _default_process())
        wanted = (kind or "").strip().lower()
        if wanted not in known:
            raise InputError(f"bad training kind {kind!r}: expected one of {', '.join(known)}")
        note = domain.clean_text(note, "note", MAX_NOTE) if note is not None else None
        incident = ledger.read.incidents.get(incident_id) if incident_id is not None else None
        moment = at or ledger.now()
        body = {"uid": ledger.new_uid(), "person": name, "kind": wanted, "note": note, "by": author,
                "at": times.to_text(moment), "incident": incident.uid if incident else None}
        with ledger.writing():
            # An op of no incident: it is numbered by none, and runs anywhere (`declares`).
            op = Op(ledger.new_uid(), ledger.replica, ledger.next_hlc(), None, "training.add",
                    canonical(body))
            ledger.store_op(op, None)
            self._added(Applied(op, body, None, True))
        return Record(name, wanted, body["at"], incident.ref if incident else None, note, author)

    @operation("training.add", declares=True)
    def _added(self, op: Applied):
        ledger = self._ledger
        body = op.body
        incident_id = None
        if body["incident"] is not None:
            incident_id = ledger.row_of("incidents", body["incident"])  # Missing: waits for it
        ledger.insert("training", {
            "uid": body["uid"], "person": body["person"], "kind": body["kind"],
            "incident_id": incident_id, "note": body["note"], "at": body["at"], "by": body["by"],
            "hlc": op.hlc,
        })


class TrainingReads:
    """The training record as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def recorded(self) -> list[tuple]:
        """(person, kind, at, incident id, note, by) of every record added, oldest first."""
        with storage_errors(self._path):
            return self._conn.execute(
                'SELECT person, kind, at, incident_id, note, "by" FROM training ORDER BY at, hlc, id'
            ).fetchall()

    def held(self, role: str) -> list[tuple]:
        """(person, incident id, drill, from) of everyone who held `role` in an incident,
        once per person and incident (their first term)."""
        with storage_errors(self._path):
            return self._conn.execute(
                "SELECT a.person, a.incident_id, i.drill, min(a.from_at) FROM role_assignments a "
                "JOIN incidents i ON i.id = a.incident_id WHERE a.role = ? "
                "GROUP BY a.person COLLATE NOCASE, a.incident_id ORDER BY min(a.from_at)",
                (role,),
            ).fetchall()


def progress(read: "Reader", process: "Process", person: str | None = None) -> dict[str, list[Progress]]:
    """Each person's progress (or one person's, matched without regard to case), by the
    qualification's items in their order; people by name."""
    items = process.items("qualification")
    refs: dict[int, str] = {}

    def ref(incident_id: int | None) -> str | None:
        if incident_id is None:
            return None
        if incident_id not in refs:
            refs[incident_id] = read.incidents.get(incident_id).ref
        return refs[incident_id]

    names: dict[str, str] = {}  # casefolded -> as first written
    found: dict[tuple[str, str], list[Record]] = {}
    for who, kind, at, incident_id, note, by in read.training.recorded():
        key = names.setdefault(who.casefold(), who).casefold()
        found.setdefault((key, kind), []).append(Record(names[key], kind, at, ref(incident_id), note, by))
    for item in items:
        if not item.get("role"):
            continue
        in_drills = item.get("counts_in", "drills") == "drills"
        for who, incident_id, drill, at in read.training.held(item["role"]):
            if bool(drill) != in_drills:
                continue
            key = names.setdefault(who.casefold(), who).casefold()
            records = found.setdefault((key, item["id"]), [])
            if any(r.incident == ref(incident_id) for r in records):
                continue  # recorded by hand too: once
            records.append(Record(names[key], item["id"], at, ref(incident_id), None, None, derived=True))
    people = sorted(names.values(), key=str.casefold)
    if person is not None:
        wanted = person.strip().casefold()
        people = [p for p in people if p.casefold() == wanted] or [person.strip()]
    return {
        who: [Progress(item["id"], item["label"], item["needed"],
                       tuple(sorted(found.get((who.casefold(), item["id"]), []), key=lambda r: r.at)))
              for item in items]
        for who in people
    }


def _default_process():
    from console.vocabulary import Vocabulary

    return Vocabulary.default().process
