"""The evidence log of an incident (issue 14, handbook: during/security_incident_response).

Evidence is meant for security incidents, and may be added to any incident. Adding a file
keeps a read-only copy of it in this install's evidence folder (console/evidence_files.py:
copied first, then recorded) and records its SHA-256, size, name and original path, who added
it and when. A piece of evidence is its content: one per incident and SHA-256, so the same
file added again is the same evidence, with one more custody event.

The chain of custody is the record: every add, verify and export is a custody event, written
with its timeline entry in one op (`evidence.add`, `evidence.verify`, `evidence.export`), so
the entries are in the incident's hash chain (an add's entry names the full SHA-256) and a
team's consoles receive the metadata like any other write. The bytes never leave this
install: on another console of the team the evidence is listed, and its copy is "kept on
another console", not missing.

    service.evidence.add(incident_id, FILE, folder=..., by=..., note=...)   -> Added
    service.evidence.verify(incident_id, folder=..., by=...)                 -> Verified
    service.evidence.export(incident_id, folder=..., to=DIR, by=...)         -> Exported
    reader.evidence.items(incident_id), reader.evidence.custody(incident_id)

Each is two steps, so that the window can do the slow one (copying, hashing, writing files) on
a thread of its own and give the writer thread only the record: `prepare` then `record`,
`check` then `record_verified`, `evidence_export.export` then `record_exported`.

Verifying re-hashes every kept copy and every original still at the path it was added from
(on this console): a kept copy changed or missing is a failure (`Verified.failed`); an
original changed, moved or unreadable is reported as what it is - the original's own business,
since the kept copy is the evidence.

The evidence commands are not verbs of the command language: they take files, which the note
box does not; the window has its own path bar (ui/evidence_window.py).
"""

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain, evidence_files, times
from console.domain import Change, Entry
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

ENTRY_KIND = "evidence"  # entry_kinds.yaml
MAX_NOTE = 500
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
# What verify says of a kept copy, and of an original.
COPY_OK, COPY_CHANGED, COPY_MISSING, COPY_ELSEWHERE = "match", "changed", "missing", "elsewhere"
ORIGINAL_OK, ORIGINAL_CHANGED, ORIGINAL_GONE, ORIGINAL_UNREADABLE = "match", "changed", "gone", "unreadable"


class Item(NamedTuple):
    """One piece of evidence: its content, who first added it, and every path it came from."""

    ref: str  # V<n>: its place among the incident's evidence, in HLC order (the same in a team)
    uid: str
    sha256: str
    size: int
    name: str
    added_by: str
    added_at: str
    here: bool  # added on this console at least once (so its copy should be here)
    sources: tuple[tuple[str, bool], ...]  # (original path, added on this console), each once
    state: str | None  # what the newest verify said of its copy (None: never verified)


class Event(NamedTuple):
    """One custody event."""

    action: str  # added, verified, exported
    evidence_uid: str | None  # an add's evidence; None for a verify or export (all of it)
    path: str | None  # where an add came from, or the folder an export went to
    note: str | None
    result: dict | None  # a verify's findings; an export's files and manifest hash
    replica: str
    by: str
    at: str

    def result_by_ref(self, refs: dict[str, str]) -> dict | None:
        """The result with each piece of evidence named by its ref (V1), not its uid: a verify's
        `copies` ({V1: match|changed|missing|elsewhere}) and `originals` ([V1, path,
        changed|gone|unreadable]); an export's `files` and `manifest` (its SHA-256)."""
        if self.result is None or self.action != "verified":
            return self.result
        return {"copies": {refs.get(uid, uid): state for uid, state in self.result.get("copies", {}).items()},
                "originals": [[refs.get(uid, uid), path, state] for uid, path, state in self.result.get("originals", [])]}


class Added(NamedTuple):
    change: Change
    item: Item
    again: bool  # this content was already evidence of the incident


class Finding(NamedTuple):
    item: Item
    what: str  # "copy" or "original"
    state: str
    path: str | None = None

    @property
    def failed(self) -> bool:
        return self.what == "copy" and self.state in (COPY_CHANGED, COPY_MISSING)

    def line(self) -> str:
        label = f"{self.item.ref} {self.item.name} ({self.item.sha256[:12]})"
        if self.what == "copy":
            return {
                COPY_CHANGED: f"{label}: FAILED: the kept copy has changed since it was added",
                COPY_MISSING: f"{label}: FAILED: the kept copy is missing from the evidence folder",
                COPY_ELSEWHERE: f"{label}: kept on another console of the team, not checked here",
                COPY_OK: f"{label}: the kept copy matches",
            }[self.state]
        said = {ORIGINAL_CHANGED: "has changed since it was added",
                ORIGINAL_GONE: "is no longer there (moved or deleted)",
                ORIGINAL_UNREADABLE: "cannot be read"}[self.state]
        return (f"{label}: note: the original at {self.path} {said}; that is the original's business, "
                "the kept copy is the evidence")


class Verified(NamedTuple):
    change: Change | None  # None when there was nothing to verify
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.failed)


class Exported(NamedTuple):
    change: Change
    files: tuple[Path, ...]
    manifest_sha256: str


_ORIGINAL_SAYS = {ORIGINAL_CHANGED: "has changed", ORIGINAL_GONE: "is gone", ORIGINAL_UNREADABLE: "cannot be read"}


class Prepared(NamedTuple):
    """A file kept in the evidence folder, not yet recorded: where it came from, the copy."""

    path: str
    name: str
    kept: evidence_files.Kept


def prepare(file, folder: Path) -> Prepared:
    """Open `file` (a regular file, or InputError) and keep a copy of it (console.evidence_files).
    Touches no database: the window runs it on a thread of its own."""
    source = evidence_files.open_source(file)
    try:
        return Prepared(source.path, source.name, evidence_files.keep(source, folder))
    finally:
        source.close()


def marking_of(incident, process) -> str | None:
    """A security incident's marking, at the head of its evidence's manifest (console.security)."""
    if not incident.security:
        return None
    from console.security import marking

    return marking(process)


def _clean(by: str, note: str | None) -> tuple[str, str | None]:
    return (domain.clean_text(by, "author", domain.MAX_NAME),
            domain.clean_text(note, "note", MAX_NOTE) if note is not None else None)


def evidence_uid(incident_uid: str, sha256: str) -> str:
    """The uid of an incident's evidence with this content: the same on every console."""
    return hashlib.sha256(f"evidence\n{incident_uid}\n{sha256}".encode()).hexdigest()[:32]


class Evidence:
    """Add, verify and export an incident's evidence (each a custody event with its entry)."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def add(self, incident_id: int, file, *, folder: Path, by: str, note: str | None = None) -> Added:
        """Keep a read-only copy of `file` and record it: checked, copied, then recorded."""
        _clean(by, note)
        self._ledger.read.incidents.get(incident_id)  # a REF that names nothing copies nothing
        return self.record(incident_id, prepare(file, folder), by=by, note=note)

    def record(self, incident_id: int, prepared: "Prepared", *, by: str, note: str | None = None) -> Added:
        """Record a file `prepare` kept (the window copies on a thread of its own, then records
        here); a record that fails removes the copy it made."""
        ledger = self._ledger
        try:
            author, note = _clean(by, note)
            incident = ledger.read.incidents.get(incident_id)
            kept = prepared.kept
            uid = evidence_uid(incident.uid, kept.sha256)
            again = ledger.read.evidence.get(incident_id, uid) is not None
            now = ledger.now()
            text = (f"Evidence {'added again' if again else 'added'}: {prepared.name} "
                    f"({evidence_files.size_text(kept.size)}, SHA-256 {kept.sha256}) from {prepared.path}"
                    + (f"; note: {note}" if note else "")
                    + ("; the copy kept under this hash had changed and is replaced by this one"
                       if kept.replaced else ""))
            body = {"evidence": uid, "sha256": kept.sha256, "size": kept.size, "name": prepared.name,
                    "uid": ledger.new_uid(), "path": prepared.path, "note": note, "by": author,
                    "at": times.to_text(now), "entry": ledger.entry(ENTRY_KIND, text, author, now, now)}
            with ledger.writing():
                entry = ledger.record(self._added, incident, body)
        except BaseException:
            evidence_files.discard(prepared.kept)  # recorded nothing: keep nothing this add made
            raise
        return Added(Change(incident, (entry,)), ledger.read.evidence.get(incident_id, uid), again)

    @operation("evidence.add")
    def _added(self, op: Applied) -> Entry:
        body = op.body
        ledger = self._ledger
        ledger.execute(
            "INSERT OR IGNORE INTO evidence (uid, incident_id, sha256, size, name, hlc) VALUES (?, ?, ?, ?, ?, ?)",
            (body["evidence"], op.incident_id, body["sha256"], body["size"], body["name"], op.hlc))
        self._custody(op, "added", body["evidence"], body["path"], body["note"], None)
        return ledger.put_entry(op, body["entry"])

    def _custody(self, op: Applied, action: str, evidence: str | None, path: str | None,
                 note: str | None, result: dict | None) -> None:
        body = op.body
        self._ledger.insert("evidence_custody", {
            "uid": body["uid"], "incident_id": op.incident_id, "evidence_uid": evidence, "action": action,
            "path": path, "note": note, "result": json.dumps(result, sort_keys=True) if result is not None else None,
            "replica": op.op.replica, "by": body["by"], "at": body["at"], "hlc": op.hlc})

    def verify(self, incident_id: int, *, folder: Path, by: str) -> Verified:
        """Re-hash every kept copy and every original still at its path (added here), and
        record what was found as a custody event."""
        domain.clean_text(by, "author", domain.MAX_NAME)
        return self.record_verified(incident_id, check(self._ledger.read.evidence.items(incident_id), folder),
                                    by=by)

    def record_verified(self, incident_id: int, findings: list[Finding], *, by: str) -> Verified:
        """Record a verify whose `findings` `check` made (the window hashes on a thread)."""
        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        if not findings:
            return Verified(None, ())
        failed = [f for f in findings if f.failed]
        notes = [f for f in findings if f.what == "original"]
        copies = {f.item.uid: f.state for f in findings if f.what == "copy"}
        checked = sum(1 for state in copies.values() if state != COPY_ELSEWHERE)
        matching = sum(1 for state in copies.values() if state == COPY_OK)
        summary = (f"{matching} of {checked} kept copies match" if checked else "no copy is kept on this console")
        summary += "".join(f"; {f.item.name} ({f.item.sha256[:12]}): the kept copy "
                           f"{'has changed' if f.state == COPY_CHANGED else 'is missing'}" for f in failed)
        summary += "".join(f"; {f.item.name}: the original at {f.path} {_ORIGINAL_SAYS[f.state]}" for f in notes)
        now = ledger.now()
        result = {"copies": copies, "originals": [[f.item.uid, f.path, f.state] for f in notes]}
        body = {"uid": ledger.new_uid(), "by": author, "at": times.to_text(now), "result": result,
                "entry": ledger.entry(ENTRY_KIND, f"Evidence verified by {author}: {summary}", author, now, now)}
        with ledger.writing():
            entry = ledger.record(self._verified, incident, body)
        return Verified(Change(incident, (entry,)), tuple(findings))

    @operation("evidence.verify")
    def _verified(self, op: Applied) -> Entry:
        self._custody(op, "verified", None, None, None, op.body["result"])
        return self._ledger.put_entry(op, op.body["entry"])

    def export(self, incident_id: int, *, folder: Path, to, by: str) -> Exported:
        """Copy every kept copy out to `to` (a new or empty folder) with a manifest of hashes,
        and record the export as a custody event ("exported by X to DIR")."""
        from console import evidence_export

        ledger = self._ledger
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        items = ledger.read.evidence.items(incident_id)
        if not items:
            raise InputError(f"{incident.ref} has no evidence to export")
        written = evidence_export.export(incident.ref, items, ledger.read.evidence.custody(incident_id), folder,
                                         to, author, times.to_text(ledger.now()),
                                         marking_of(incident, ledger.vocabulary.process))
        return self.record_exported(incident_id, written, by=author)

    def record_exported(self, incident_id: int, written, *, by: str) -> Exported:
        """Record an export `evidence_export.export` wrote (the window writes on a thread); a
        record that fails removes what was written."""
        from console import evidence_export

        ledger = self._ledger
        try:
            author = domain.clean_text(by, "author", domain.MAX_NAME)
            incident = ledger.read.incidents.get(incident_id)
            now = ledger.now()
            count = len(written.files) - 2
            text = (f"Evidence exported by {author} to {written.folder}: {count} file{'' if count == 1 else 's'}, "
                    f"{MANIFEST} SHA-256 {written.manifest}")
            body = {"uid": ledger.new_uid(), "by": author, "at": times.to_text(now), "to": str(written.folder),
                    "result": {"files": count, "manifest": written.manifest},
                    "entry": ledger.entry(ENTRY_KIND, text, author, now, now)}
            with ledger.writing():
                entry = ledger.record(self._exported, incident, body)
        except BaseException:
            evidence_export.undo(written)  # an export not recorded is not left behind
            raise
        return Exported(Change(incident, (entry,)), written.files, written.manifest)

    @operation("evidence.export")
    def _exported(self, op: Applied) -> Entry:
        self._custody(op, "exported", None, op.body["to"], None, op.body["result"])
        return self._ledger.put_entry(op, op.body["entry"])


def check(items: list[Item], folder: Path) -> list[Finding]:
    """What each kept copy and each original (added on this console) shows now."""
    findings = []
    for item in items:
        copy = folder / item.sha256
        if not item.here and not copy.exists():
            findings.append(Finding(item, "copy", COPY_ELSEWHERE))
        else:
            try:
                sha, _ = evidence_files.hash_file(copy)
                state = COPY_OK if sha == item.sha256 else COPY_CHANGED
            except FileNotFoundError:
                state = COPY_MISSING
            except (OSError, InputError):
                state = COPY_CHANGED  # something else stands under its name
            findings.append(Finding(item, "copy", state))
        for path, here in item.sources:
            if not here:
                continue  # a path on another console's machine
            try:
                sha, _ = evidence_files.hash_file(path)
            except FileNotFoundError:
                findings.append(Finding(item, "original", ORIGINAL_GONE, path))
                continue
            except (OSError, InputError):
                findings.append(Finding(item, "original", ORIGINAL_UNREADABLE, path))
                continue
            if sha != item.sha256:
                findings.append(Finding(item, "original", ORIGINAL_CHANGED, path))
    return findings


class EvidenceReads:
    """The evidence and its custody as stored; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def custody(self, incident_id: int) -> list[Event]:
        """Every custody event of the incident, oldest first (HLC order)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT action, evidence_uid, path, note, result, replica, "by", at FROM evidence_custody '
                "WHERE incident_id = ? ORDER BY hlc, uid", (incident_id,)).fetchall()
        return [Event(a, e, p, n, json.loads(r) if r else None, rep, b, at) for a, e, p, n, r, rep, b, at in rows]

    def items(self, incident_id: int) -> list[Item]:
        """The incident's evidence, V1 first, each with its sources and newest verify state."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT uid, sha256, size, name FROM evidence WHERE incident_id = ? ORDER BY hlc, uid",
                (incident_id,)).fetchall()
            replica = self._conn.execute("SELECT replica FROM sync_state").fetchone()[0] if rows else None
        if not rows:
            return []
        events = self.custody(incident_id)
        first: dict[str, Event] = {}
        sources: dict[str, dict[str, bool]] = {}
        state: dict[str, str] = {}
        for event in events:  # in HLC order
            if event.action == "added":
                first.setdefault(event.evidence_uid, event)
                paths = sources.setdefault(event.evidence_uid, {})
                paths[event.path] = paths.get(event.path, False) or event.replica == replica
            elif event.action == "verified":
                state.update(event.result.get("copies", {}))
        # In the order of each one's first add, named after it: two consoles that added the same
        # file apart made one row each first, and agree on these once they have the same ops.
        place = {uid: n for n, uid in enumerate(first)}
        rows.sort(key=lambda row: place.get(row[0], len(place)))
        items = []
        for number, (uid, sha, size, name) in enumerate(rows, 1):
            added = first.get(uid)
            paths = sources.get(uid, {})
            items.append(Item(f"V{number}", uid, sha, size, os.path.basename(added.path) if added else name,
                              added.by if added else "", added.at if added else "", any(paths.values()),
                              tuple(paths.items()), state.get(uid)))
        return items

    def get(self, incident_id: int, uid: str) -> Item | None:
        return next((i for i in self.items(incident_id) if i.uid == uid), None)

    def count(self, incident_id: int) -> int:
        with storage_errors(self._path):
            return self._conn.execute("SELECT count(*) FROM evidence WHERE incident_id = ?",
                                      (incident_id,)).fetchone()[0]
