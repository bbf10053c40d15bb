"""The `evidence` command (issue 14): the evidence log of an incident and its chain of custody.

    incident-console evidence add REF FILE [--note TEXT] [--by NAME]
    incident-console evidence list REF [--json]
    incident-console evidence verify REF [--by NAME]
    incident-console evidence export REF --to DIR [--by NAME]

`add` keeps a read-only copy of FILE in the evidence folder and records its SHA-256, size and
path; `verify` re-hashes every kept copy (a changed or missing copy: exit 1) and every original
still at its path (a changed or moved original is a note: exit 0, the kept copy is the
evidence); `export` writes the copies and a manifest into a new or empty DIR. Each is a custody
event on the incident's timeline. In a team the record travels, the files stay on the console
that kept them (console/evidence.py).

The command line imports this module to build its parser on every run, so it imports nothing.
"""

import argparse
import json

COMMANDS = ("evidence",)


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("evidence", parents=[common],
                       help="the evidence log (security incidents): add, list, verify, export")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    q = verbs.add_parser("add", parents=[common],
                         help="keep a read-only copy of FILE and record its SHA-256, size and path "
                              "(the record syncs in a team; the file stays on this console)")
    q.add_argument("ref")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--note", metavar="TEXT", help="what it is, where it came from")
    q.add_argument("--by", metavar="NAME", help="who adds it (default: this seat)")
    q = verbs.add_parser("list", parents=[common], help="the evidence and its chain of custody")
    q.add_argument("ref")
    q.add_argument("--json", action="store_true", help="print JSON")
    q = verbs.add_parser("verify", parents=[common],
                         help="re-hash the kept copies (changed or missing: exit 1) and the originals "
                              "(changed or moved: reported, exit 0)")
    q.add_argument("ref")
    q.add_argument("--by", metavar="NAME", help="who verifies (default: this seat)")
    q = verbs.add_parser("export", parents=[common],
                         help="copy the kept files with a manifest of their hashes into a new or empty DIR")
    q.add_argument("ref")
    q.add_argument("--to", dest="dir", metavar="DIR", required=True, help="a new or empty folder")
    q.add_argument("--by", metavar="NAME", help="who exports (default: this seat)")


def run(session) -> int:
    return {"add": _add, "list": _list, "verify": _verify, "export": _export}[session.args.verb](session)


def _add(session) -> int:
    from console import evidence_files

    args = session.args
    session.check_ref()
    evidence_files.check_name(args.file)  # a name that cannot be stored is refused before anything opens
    incident_id = session.incident()
    added = session.service().evidence.add(incident_id, args.file, folder=session.where.evidence_dir,
                                           by=session.by, note=args.note)
    item = added.item
    again = " (already evidence: one more custody event, the same copy)" if added.again else ""
    if "is replaced by this one" in added.change.entries[0].text:
        again += " (the copy kept under this hash had changed: replaced by this one)"
    print(f"{added.change.incident.ref} {item.ref} {item.sha256} {evidence_files.size_text(item.size)} "
          f"{item.name}{again}")
    return 0


def _list(session) -> int:
    from console import evidence_files

    incident_id = session.incident()
    read = session.service().read
    items = read.evidence.items(incident_id)
    if session.args.json:
        print(json.dumps({"evidence": [_item_json(i) for i in items],
                          "custody": [_event_json(e, items) for e in read.evidence.custody(incident_id)]},
                         ensure_ascii=False, indent=2))
        return 0
    if not items:
        print(f"{read.incidents.get(incident_id).ref}: no evidence")
        return 0
    for item in items:
        state = {None: "not verified", "match": "verified", "changed": "COPY CHANGED",
                 "missing": "COPY MISSING", "elsewhere": "kept on another console"}[item.state]
        print(f"{item.ref}  {item.sha256[:16]}  {evidence_files.size_text(item.size):>10}  {item.added_by}  "
              f"{item.added_at}  {state}  {item.name}")
    return 0


def _item_json(item) -> dict:
    return {"id": item.ref, "sha256": item.sha256, "size": item.size, "name": item.name,
            "added_by": item.added_by, "added_at": item.added_at,
            "sources": [path for path, _ in item.sources], "verified": item.state}


def _event_json(event, items) -> dict:
    return {"action": event.action, "by": event.by, "at": event.at, "path": event.path, "note": event.note,
            "evidence": next((i.ref for i in items if i.uid == event.evidence_uid), None)}


def _verify(session) -> int:
    incident_id = session.incident()
    verified = session.service().evidence.verify(incident_id, folder=session.where.evidence_dir, by=session.by)
    ref = session.service().read.incidents.get(incident_id).ref
    if verified.change is None:
        print(f"{ref}: no evidence to verify")
        return 0
    for finding in verified.findings:
        print(finding.line())
    copies = [f for f in verified.findings if f.what == "copy" and f.state != "elsewhere"]
    if verified.failed:
        print(f"{ref}: {len(verified.failed)} of {len(copies)} kept copies FAILED: the evidence folder was "
              "changed outside the console")
        return 1
    print(f"{ref}: all {len(copies)} kept copies match")
    return 0


def _export(session) -> int:
    args = session.args
    incident_id = session.incident()
    exported = session.service().evidence.export(incident_id, folder=session.where.evidence_dir, to=args.dir,
                                                 by=session.by)
    count = len(exported.files) - 2
    print(f"{exported.change.incident.ref}: {count} file{'' if count == 1 else 's'}, manifest.json and SHA256SUMS "
          f"in {exported.files[0].parent} (manifest SHA-256 {exported.manifest_sha256})")
    return 0
