"""The rows written before the op log, as ops: how a database from an older version joins a team.

Migration 0008 gave those rows uids and a synthetic HLC (console.hlc.legacy); they have no ops.
When the database joins a team (console.sync), `PastRows.make` turns each incident's into ops:
`import.incident` (the incident with its roles, tasks, ticks, updates and post-mortem, as they
stand), `import.entries` (its older entries with their history, ENTRIES_PER_OP at a time) and
`import.followups` (its older follow-ups, after the entries they may name). Their rows are here
already, so the ops are stored without running; on every other console their effects write the
rows, each with its own HLC, so the record comes out as it is here.
"""

from typing import TYPE_CHECKING, Any

from console.ops import Applied, Op, canonical, operation, register_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

LEGACY = "'1'"  # a row whose HLC sorts below this was written before the op log (console.hlc)
ENTRIES_PER_OP = 500  # older entries travel in ops of this many


class PastRows:
    """Make the ops that carry an incident's older rows, and write such rows from elsewhere."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def make(self, incident_id: int) -> int:
        """The ops that carry an incident's rows from before the op log (none when it has none,
        or they were made before): the incident with its other rows, then its entries."""
        ledger = self._ledger
        uid = ledger.uid_of("incidents", incident_id)
        snapshot = _Snapshot(ledger, incident_id)
        made = 0
        if not ledger.execute(
            "SELECT EXISTS (SELECT 1 FROM ops WHERE incident = ? AND register = 'declare')", (uid,)
        ).fetchone()[0]:
            self._put(uid, "import.incident", snapshot.incident(uid))
            made += 1
        for start, entries in snapshot.entry_batches():
            self._put(uid, "import.entries", {"entries": entries}, f"{uid}-entries-{start}")
            made += 1
        items = snapshot.followups()
        if items:  # after the entries, which they may name
            self._put(uid, "import.followups", {"items": items}, f"{uid}-followups-{len(items)}")
            made += 1
        return made

    def _put(self, incident_uid: str, verb: str, body: dict, uid: str | None = None) -> None:
        """Store an import op (its rows are here already: its effect runs only elsewhere)."""
        ledger = self._ledger
        uid = uid or f"{incident_uid}-incident"
        if ledger.execute("SELECT 1 FROM ops WHERE uid = ?", (uid,)).fetchone():
            return
        op = Op(uid, ledger.replica, ledger.next_hlc(), incident_uid, verb, canonical(body), None)
        ledger.store_op(op, register_of(verb, body))

    @operation("import.incident", register="declare", declares=True)
    def _incident_imported(self, op: Applied) -> None:
        _Snapshot.restore_incident(self._ledger, op)

    @operation("import.entries")
    def _entries_imported(self, op: Applied) -> None:
        _Snapshot.restore_entries(self._ledger, op)

    @operation("import.followups")
    def _followups_imported(self, op: Applied) -> None:
        _Snapshot.restore_followups(self._ledger, op)


class _Snapshot:
    """An incident's rows from before the op log, as import ops carry them, and back."""

    # Table -> the columns an import carries (besides the keys worked out on arrival).
    INCIDENT = ("uid", "title", "severity", "status", "security", "drill", "started_at",
                "declared_at", "mitigated_at", "resolved_at", "severity_hlc", "status_hlc",
                "codename", "codename_hlc", "cleared_at", "cleared_by", "cleared_hlc")
    ROLES = ("uid", "role", "person", "from_at", "to_at", "ended_at", "ended_hlc", "hlc")
    TASKS = ("uid", "number", "owner", "text", "assigned_at", "due_at", "done_at", "created_by",
             "hlc", "owner_hlc", "due_hlc", "done_hlc")
    EXTENSIONS = ("minutes", "at", "by", "hlc")
    CHECKS = ("item_id", "checked", "by", "at", "hlc")
    UPDATES = ("audience", "text", "by", "sent_at", "hlc")
    POSTMORTEM = ("owner", "deadline", "acknowledged_at", "ack_typed_by", "meeting_at",
                  "recording", "status", "owner_hlc", "meeting_hlc", "recording_hlc", "status_hlc")
    VERSIONS = ("text", "by", "at", "hlc")
    ITEMS = ("uid", "text", "owner", "due_on", "ticket", "done_at", "created_at", "hlc",
             "owner_hlc", "due_hlc", "ticket_hlc", "done_hlc")
    ENTRIES = ("uid", "kind", "text", "author", "occurred_at", "recorded_at", "hlc")
    REVISIONS = ("text", "by", "at", "hlc")
    RETRACTIONS = ("reason", "by", "at", "hlc")
    PINS = ("pinned", "by", "at", "hlc")

    def __init__(self, ledger: "Ledger", incident_id: int) -> None:
        self._ledger = ledger
        self._id = incident_id

    def _rows(self, table: str, columns: tuple[str, ...], where: str, params: tuple) -> list[dict]:
        names = ", ".join(f'"{c}"' for c in columns)
        rows = self._ledger.execute(f'SELECT {names} FROM "{table}" WHERE {where}', params).fetchall()
        return [dict(zip(columns, row)) for row in rows]

    def incident(self, uid: str) -> dict[str, Any]:
        rows = self._rows
        legacy = f"AND hlc < {LEGACY} ORDER BY id"
        (incident,) = rows("incidents", self.INCIDENT, "id = ?", (self._id,))
        postmortem = rows("postmortems", self.POSTMORTEM, "incident_id = ?", (self._id,))
        tasks = rows("tasks", self.TASKS + ("id",), f"incident_id = ? {legacy}", (self._id,))
        for task in tasks:
            task["extensions"] = rows("task_extensions", self.EXTENSIONS,
                                      f"task_id = ? {legacy}", (task.pop("id"),))
        return {
            "incident": incident,
            "roles": rows("role_assignments", self.ROLES, f"incident_id = ? {legacy}", (self._id,)),
            "tasks": tasks,
            "checks": rows("checks", self.CHECKS, f"incident_id = ? {legacy}", (self._id,)),
            "updates": rows("updates", self.UPDATES, f"incident_id = ? {legacy}", (self._id,)),
            "postmortem": postmortem[0] if postmortem else None,
            "versions": rows("postmortem_versions", self.VERSIONS, f"incident_id = ? {legacy}",
                             (self._id,)),
        }

    def followups(self) -> list[dict[str, Any]]:
        """The incident's older follow-ups, each naming the entry it came from (if any)."""
        items = self._rows("action_items", self.ITEMS + ("source_entry_id",),
                           f"incident_id = ? AND hlc < {LEGACY} ORDER BY id", (self._id,))
        for item in items:
            source = item.pop("source_entry_id")
            item["source"] = self._ledger.entry_ref(source) if source is not None else None
        return items

    def entry_batches(self):
        """(first row id, entries) for each batch of the incident's older entries, each entry
        with its older revisions, retractions and pins."""
        ledger = self._ledger
        after = 0
        while True:
            rows = self._rows("entries", self.ENTRIES + ("id",),
                              f"incident_id = ? AND hlc < {LEGACY} AND id > ? ORDER BY id LIMIT ?",
                              (self._id, after, ENTRIES_PER_OP))
            if not rows:
                return
            start = rows[0]["id"]
            for entry in rows:
                entry_id = entry.pop("id")
                legacy = f"entry_id = ? AND hlc < {LEGACY} ORDER BY id"
                entry["revisions"] = self._rows("entry_revisions", self.REVISIONS, legacy, (entry_id,))
                entry["retractions"] = self._rows("entry_retractions", self.RETRACTIONS, legacy,
                                                  (entry_id,))
                entry["pins"] = self._rows("pins", self.PINS, legacy, (entry_id,))
                after = entry_id
            if ledger.execute(
                "SELECT 1 FROM ops WHERE uid = ?",
                (f"{ledger.uid_of('incidents', self._id)}-entries-{start}",),
            ).fetchone() is None:
                yield start, rows

    @classmethod
    def restore_incident(cls, ledger: "Ledger", op: Applied) -> None:
        body = op.body
        incident_id = ledger.insert("incidents", dict(body["incident"]))
        for role in body["roles"]:
            ledger.insert("role_assignments", {**role, "incident_id": incident_id})
        for task in body["tasks"]:
            extensions = task.pop("extensions")
            task_id = ledger.insert("tasks", {**task, "incident_id": incident_id})
            for extension in extensions:
                ledger.insert("task_extensions", {**extension, "task_id": task_id})
        for table, key in (("checks", "checks"), ("updates", "updates"),
                           ("postmortem_versions", "versions")):
            for row in body[key]:
                ledger.insert(table, {**row, "incident_id": incident_id})
        if body["postmortem"] is not None:
            ledger.insert("postmortems", {**body["postmortem"], "incident_id": incident_id})

    @classmethod
    def restore_followups(cls, ledger: "Ledger", op: Applied) -> None:
        for item in op.body["items"]:
            source = item.pop("source")
            ledger.insert("action_items", {
                **item, "incident_id": op.incident_id,
                "source_entry_id": ledger.entry_of(source) if source is not None else None})

    @classmethod
    def restore_entries(cls, ledger: "Ledger", op: Applied) -> None:
        for entry in op.body["entries"]:
            history = {key: entry.pop(key) for key in ("revisions", "retractions", "pins")}
            entry_id = ledger.put_entry(op, entry).id  # with the entry's own HLC
            for table, key in (("entry_revisions", "revisions"), ("entry_retractions", "retractions"),
                               ("pins", "pins")):
                for past in history[key]:
                    ledger.insert(table, {**past, "entry_id": entry_id})
