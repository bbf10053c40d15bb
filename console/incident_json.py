"""The JSON export: a documented, versioned format other tools can rely on.

Format `incident-console/1` (schema: `data/export.schema.json`). Every time is ISO 8601 UTC
ending in `Z`; the timeline is sorted by when things happened; metrics are whole seconds, or
null where the incident has not reached that point. A field never changes meaning within a
version: a new meaning means `incident-console/2`. New fields may be added within a version,
as the board (`tasks`, `checklist`, `updates`), the sub-teams (`subteams`) and the evidence log
(`evidence`: its items and chain of custody) were, and each timeline item's `id`, `pinned`,
`retracted` and `revisions` (its `text` stays what was first written).

In a team (console.sync) the export is the same on every console that has the same ops: no
local row id appears (the incident is INC-<server number>; an entry is E<n>, its place in the
timeline, which is ordered by when it happened, then the HLC and the uid of what wrote it; a
task is its number; a follow-up is A<n>, its place among the incident's follow-ups), and what
is local only (drafts) is never in it.

`chain` is the head of the incident's record chain (console.chain, docs/design/chain.md) as
it stood when the export was made - how many links and the last one - signed with this
install's key where there is one (`signature`, `public_key`; else `unsigned` says why), so a
copy can be checked later against the database: `incident-console verify --export FILE`.
"""

import json
from typing import Any

from console import times
from console.chain import ALGORITHM
from console.domain import Incident
from console.queries import Reader

FORMAT = "incident-console/1"


def _seconds(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return round((times.from_text(end) - times.from_text(start)).total_seconds())


def metrics(incident: Incident) -> dict[str, int | None]:
    """Time to declare, mitigate and resolve, from impact start and from declaration."""
    return {
        "time_to_declare": _seconds(incident.started_at, incident.declared_at),
        "time_to_mitigate_from_start": _seconds(incident.started_at, incident.mitigated_at),
        "time_to_mitigate_from_declared": _seconds(incident.declared_at, incident.mitigated_at),
        "time_to_resolve_from_start": _seconds(incident.started_at, incident.resolved_at),
        "time_to_resolve_from_declared": _seconds(incident.declared_at, incident.resolved_at),
    }


def _timeline(reader: Reader, incident_id: int, team: bool) -> list[dict[str, Any]]:
    """Each entry as first written (`text`), with its corrections, retraction and pin state.

    Three queries however long the timeline: the entries, then every revision and every
    retraction of the incident, matched up here.
    """
    revisions = reader.history.revisions(incident_id)
    retractions = reader.history.retractions(incident_id)
    items = []
    for place, e in enumerate(reader.timeline.all(incident_id, team_order=team), 1):
        retraction = retractions.get(e.id)
        items.append({
            "id": f"E{place}" if team else e.ref,
            "kind": e.kind,
            "text": e.text,
            "author": e.author,
            "occurred_at": e.occurred_at,
            "recorded_at": e.recorded_at,
            "pinned": e.pinned,
            "retracted": (
                {"reason": retraction.reason, "by": retraction.by, "at": retraction.at}
                if retraction else None
            ),
            "revisions": [
                {"text": r.text, "by": r.by, "at": r.at} for r in revisions.get(e.id, ())
            ],
        })
    return items


def to_document(reader: Reader, incident_id: int, process: Any = None) -> dict[str, Any]:
    """The incident as the JSON export's document. A security incident's is named by its
    codename (never its title) and carries its marking (`process`'s: console.security)."""
    incident = reader.incidents.get(incident_id)
    team = reader.sync.team() is not None
    followups = reader.followups.all(incident_id, team_order=team)
    return {
        "format": FORMAT,
        "incident": {
            "ref": incident.ref,
            "title": incident.shown_title,
            "severity": incident.severity,
            "status": incident.status,
            "security": incident.security,
            "drill": incident.drill,
            "started_at": incident.started_at,
            "declared_at": incident.declared_at,
            "mitigated_at": incident.mitigated_at,
            "resolved_at": incident.resolved_at,
            **_security(incident, process),
        },
        "roles": [
            {"role": a.role, "person": a.person, "from": a.from_at, "to": a.to_at}
            for a in reader.roster.all(incident_id)
        ],
        "timeline": _timeline(reader, incident_id, team),
        "metrics": metrics(incident),
        "tasks": [
            {
                "id": t.ref,
                "owner": t.owner,
                "text": t.text,
                "assigned_at": t.assigned_at,
                "due_at": t.due_at,
                "done_at": t.done_at,
                "extensions": [
                    {"minutes": x.minutes, "at": x.at, "by": x.by} for x in t.extensions
                ],
            }
            for t in sorted(reader.tasks.all(incident_id), key=lambda t: t.number)
        ],
        "checklist": [
            {"item": c.item_id, "checked": c.checked, "by": c.by, "at": c.at}
            for c in sorted(reader.checklist.state(incident_id).values(), key=lambda c: c.item_id)
        ],
        "updates": [
            {"audience": u.audience, "text": u.text, "by": u.by, "sent_at": u.sent_at}
            for u in reader.updates.all(incident_id)
        ],
        "postmortem": _postmortem(reader, incident_id),
        "chain": chain_head(reader, incident_id),
        "followups": [
            {"id": f"A{place}" if team else i.ref, "text": i.text, "owner": i.owner,
             "due_on": i.due_on, "ticket": i.ticket, "done_at": i.done_at,
             "created_at": i.created_at}
            for place, i in enumerate(followups, 1)
        ],
        "subteams": _subteams(reader, incident_id),
        "evidence": _evidence(reader, incident_id),
    }


def _evidence(reader: Reader, incident_id: int) -> dict[str, Any]:
    """The evidence log (console.evidence): each piece of evidence by its content, and the
    chain of custody - every add, verify and export, who and when - oldest first."""
    items = reader.evidence.items(incident_id) if reader.evidence.count(incident_id) else []
    refs = {i.uid: i.ref for i in items}
    return {
        "items": [{"id": i.ref, "sha256": i.sha256, "size": i.size, "name": i.name, "added_by": i.added_by,
                   "added_at": i.added_at, "sources": [path for path, _ in i.sources]} for i in items],
        "custody": [{"action": e.action, "evidence": refs.get(e.evidence_uid), "by": e.by, "at": e.at,
                     "path": e.path, "note": e.note, "result": e.result_by_ref(refs)}
                    for e in reader.evidence.custody(incident_id)] if items else [],
    }


def _subteams(reader: Reader, incident_id: int) -> list[dict[str, Any]]:
    """The sub-teams spun off, in the order they were (console.subteams): the leader's
    check-back is a task of `tasks`, named by its number."""
    tasks = {t.uid: t.ref for t in reader.tasks.all(incident_id)}
    return [
        {"team": t.name, "leader": t.leader, "problem": t.problem, "room": t.room, "bridge": t.bridge,
         "check_back": tasks.get(t.task_uid), "started_at": t.started_at, "done_at": t.done_at,
         "members": list(t.members), "joined": list(t.ever)}
        for t in reader.subteams.all(incident_id)
    ]


def _postmortem(reader: Reader, incident_id: int) -> dict[str, Any] | None:
    """The post-mortem's record and every saved version (the newest last), or None."""
    record = reader.postmortem.record(incident_id)
    versions = reader.postmortem.versions(incident_id)
    if record is None and not versions:
        return None
    return {
        "owner": record.owner if record else None,
        "deadline": record.deadline if record else None,
        "acknowledged_at": record.acknowledged_at if record else None,
        "meeting_at": record.meeting_at if record else None,
        "recording": record.recording if record else None,
        "status": record.status if record else "draft",
        "versions": [{"text": v.text, "by": v.by, "at": v.at} for v in versions],
    }


def chain_head(reader: Reader, incident_id: int) -> dict[str, Any]:
    """The head of the incident's record chain (console.chain), unsigned: the same on every
    console of a team that has the same ops."""
    head = reader.chain.head(incident_id)
    return {"algorithm": ALGORITHM, "incident": head.incident_uid, "links": head.links,
            "head": head.link, "chained_from": head.chained_from}


def _security(incident, process) -> dict[str, Any]:
    if not incident.security:
        return {}
    from console.security import marking

    return {"marking": marking(process), "codename": incident.shown_title,
            "forensics_cleared_at": incident.cleared_at}


def to_json(reader: Reader, incident_id: int, *, signed: bool = False, process: Any = None) -> str:
    """The export's text; `signed`: its chain head signed with this install's key, where the
    keyring has one (console.chain_seal; the `json` export)."""
    document = to_document(reader, incident_id, process)
    if signed:
        from console import chain_seal

        document["chain"] = chain_seal.block(reader.chain.head(incident_id))
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
