"""The after-incident subcommands: the post-mortem, its lint and meeting, and follow-ups.

Kept apart from `console.cli` (which parses the command line and runs the incident-time
commands) so each file reads in one sitting. Same rules: bad input is one line on stderr,
exit 2, nothing written; a lint that finds something exits 1.
"""

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from console import domain, times
from console.errors import InputError
from console.paths import MAX_READ_BYTES, decode_utf8, read_text

COMMANDS = ("postmortem", "lint", "followups", "followup", "followup-done")


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("postmortem", parents=[common], help="the post-mortem: show, save, owner, status, meeting")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    q = verbs.add_parser("show", parents=[common], help="the latest saved text, or a fresh draft")
    q.add_argument("ref")
    q.add_argument("--draft", action="store_true", help="a fresh draft from the record, even if one was saved")
    q.add_argument("--all-entries", action="store_true", help="every entry in the timeline table, not just pins")
    q = verbs.add_parser("save", parents=[common], help="keep a new version from FILE (- for stdin)")
    q.add_argument("ref")
    q.add_argument("file")
    q.add_argument("--by", metavar="NAME")
    q = verbs.add_parser("owner", parents=[common], help="name the one owner and the deadline")
    q.add_argument("ref")
    q.add_argument("person")
    q.add_argument("deadline", metavar="YYYY-MM-DD")
    q.add_argument("--by", metavar="NAME")
    q = verbs.add_parser("ack", parents=[common], help="the owner acknowledges (or someone types it for them)")
    q.add_argument("ref")
    q.add_argument("--by", metavar="NAME")
    q.add_argument("--for", dest="on_behalf_of", metavar="OWNER",
                   help="record the owner's spoken yes, typed by --by on their behalf")
    q = verbs.add_parser("status", parents=[common], help="draft, in_review, reviewed, closed")
    q.add_argument("ref")
    q.add_argument("status")
    q.add_argument("--by", metavar="NAME")
    q = verbs.add_parser("meeting", parents=[common], help="record the meeting time (and the call recording)")
    q.add_argument("ref")
    q.add_argument("time", metavar="TIME", help="ISO 8601 with an offset or Z")
    q.add_argument("--recording", metavar="URL")
    q.add_argument("--by", metavar="NAME")
    q = verbs.add_parser("due", parents=[common], help="when the meeting must be held by")
    q.add_argument("ref")
    q.add_argument("--holidays", metavar="FILE", help="one ISO date per line (default: holidays.txt in the config folder)")

    p = sub.add_parser("lint", parents=[common], help="check the post-mortem's language; exit 1 on findings")
    p.add_argument("ref")
    p.add_argument("--file", metavar="FILE", help="lint this Markdown instead of the saved text")

    p = sub.add_parser("followups", parents=[common], help="action items across incidents, by due date")
    p.add_argument("--all", action="store_true", help="include done ones")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("followup", parents=[common], help="add an action item")
    p.add_argument("ref")
    p.add_argument("text")
    p.add_argument("--owner")
    p.add_argument("--due", metavar="YYYY-MM-DD")
    p.add_argument("--ticket")
    p.add_argument("--by", metavar="NAME")
    p = sub.add_parser("followup-done", parents=[common], help="mark an action item done")
    p.add_argument("item", metavar="A<n>")
    p.add_argument("--by", metavar="NAME")


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"bad {what} {text!r}: expected YYYY-MM-DD") from None


def _stdin_text(what: str) -> str:
    """Standard input as UTF-8 text (bounded, like a file), or one line saying why not."""
    data = sys.stdin.buffer.read(MAX_READ_BYTES + 1)
    if len(data) > MAX_READ_BYTES:
        raise InputError(f"{what} on standard input: too big (more than {MAX_READ_BYTES:,} bytes)")
    return decode_utf8(data, f"{what} on standard input")


def holidays(where, path: str | None) -> frozenset[date]:
    from console.meeting import holidays_from

    file = Path(path) if path else where.config_dir / "holidays.txt"
    if not path and not os.path.lexists(file):
        return frozenset()  # no list of holidays is an empty one; any other problem is said
    return holidays_from(read_text(file, "holidays file"), source=str(file))


def meeting_due_for(process, incident, where, holidays_file: str | None = None) -> date | None:
    from console.meeting import counting_day, meeting_due

    if incident.severity is None:
        return None
    start = counting_day(declared_at=incident.declared_at, resolved_at=incident.resolved_at)
    return meeting_due(process, incident.severity, start, holidays=holidays(where, holidays_file))


def run(session) -> int:
    """Run an after-incident command in the CLI's session (console.cli.Session)."""
    from console import postmortem  # the process, the reader and the meeting rules: not for parsing

    args, where, by = session.args, session.where, session.by
    now = session.clock.now()
    if args.command == "followup-done":
        item_id = domain.parse_action_item_ref(args.item)
        service = session.service()
        item = service.followups.update(item_id, done=True, by=by)
        print(f"{item.ref} done: {item.text}")
        return 0
    if args.command == "followups":
        service = session.service()
        items = service.read.followups.all(open_only=not args.all)
        today = now.date().isoformat()
        if args.json:
            print(json.dumps([{
                "id": i.ref, "incident": domain.format_ref(i.incident_id), "text": i.text, "owner": i.owner,
                "due_on": i.due_on, "ticket": i.ticket, "done_at": i.done_at,
                "overdue": bool(i.due_on and not i.done_at and i.due_on < today)} for i in items],
                ensure_ascii=False, indent=2))
            return 0
        for i in items:
            flag = "OVERDUE " if i.due_on and not i.done_at and i.due_on < today else ("done    " if i.done_at else "        ")
            print(f"{flag}{i.due_on or 'no date':<10}  {i.ref:<5} {domain.format_ref(i.incident_id):<7} "
                  f"{i.owner or '-':<12} {i.ticket or '-':<10} {i.text}")
        return 0
    incident_id = session.incident()
    if args.command == "followup":
        due = _date(args.due, "due date") if args.due else None
        service = session.service()
        item = service.followups.add(incident_id, args.text, owner=args.owner, due_on=due,
                                     ticket=args.ticket, by=by)
        print(item.ref)
        return 0
    process = session.process()
    service = session.service()
    if args.command == "lint":
        from console.lint import lint

        text = read_text(args.file, "post-mortem file") if args.file else \
            postmortem.current_text(service.read, process, incident_id, now=now)
        findings = lint(process, text, roster=postmortem.roster(service.read, incident_id))
        for f in findings:
            print(f"{f.section}:{f.line}: {f.rule}: {f.message} (“{f.text}”; try: {f.suggestion})")
        return 1 if findings else 0
    verb = args.verb
    if verb == "show":
        sys.stdout.write(postmortem.current_text(service.read, process, incident_id, draft=args.draft,
                                                 all_entries=args.all_entries, now=now))
        return 0
    if verb == "save":
        text = _stdin_text("post-mortem") if args.file == "-" else read_text(args.file, "post-mortem file")
        version = service.postmortem.save(incident_id, text, by=by)
        print(f"saved version {version}")
        return 0
    if verb == "owner":
        record = service.postmortem.name_owner(incident_id, args.person, _date(args.deadline, "deadline"), by=by)
        print(f"owner {record.owner}, due {record.deadline}; waiting for their acknowledgement")
        return 0
    if verb == "ack":
        record = service.postmortem.acknowledge(incident_id, by=by, on_behalf_of=args.on_behalf_of)
        typed = f" (typed by {record.ack_typed_by})" if record.ack_typed_by else ""
        print(f"acknowledged by {record.owner}{typed} at {record.acknowledged_at}")
        return 0
    if verb == "status":
        record = service.postmortem.set_status(incident_id, args.status, by=by, process=process)
        print(f"status {record.status}")
        return 0
    if verb == "meeting":
        from console.meeting import MEETING_AHEAD

        at = times.parse_time(args.time, now, future=MEETING_AHEAD)  # a meeting is in the future
        record = service.postmortem.set_details(incident_id, meeting_at=at, recording=args.recording, by=by)
        print(f"meeting {record.meeting_at}" + (f", recording {record.recording}" if record.recording else ""))
        return 0
    if verb == "due":
        incident = service.read.incidents.get(incident_id)
        due = meeting_due_for(process, incident, where, args.holidays)
        if due is None:
            print(f"{incident.ref}: no post-mortem meeting required at {incident.severity and f'SEV-{incident.severity}' or 'an unset severity'}")
        else:
            print(f"{incident.ref}: meeting by {due.isoformat()} ({due:%A})")
        return 0
    raise InputError(f"unknown postmortem verb {verb!r}")  # pragma: no cover - argparse stops it
