"""The after-incident commands: the post-mortem, its lint, the meeting, follow-ups, exports.

Kept apart from `console.cli` (which parses the command line and runs the incident-time
commands) so each file reads in one sitting. Same rules: bad input is one line on stderr,
exit 2, nothing written; a lint that finds something exits 1.
"""

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from console import domain, times
from console.clock import Clock
from console.errors import InputError
from console.paths import MAX_READ_BYTES, decode_utf8, read_text
from console.files import check_target, write_private

COMMANDS = ("postmortem", "lint", "followups", "followup", "followup-done")
FORMATS = ["json", "md", "html", "pdf", "csv", "ics"]


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
    q = verbs.add_parser("ack", parents=[common], help="the owner acknowledges")
    q.add_argument("ref")
    q.add_argument("--by", metavar="NAME")
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


def postmortem_text(service, process, incident_id: int, *, draft: bool = False, all_entries: bool = False,
                    now: datetime | None = None) -> str:
    """The latest saved post-mortem, or a draft generated from the record."""
    from console.postmortem import generate

    saved = None if draft else service.read.latest_postmortem_text(incident_id)
    return saved or generate(service.read, process, incident_id, all_entries=all_entries, now=now)


def roster(service, incident_id: int) -> list[str]:
    return sorted({a.person for a in service.read.roles(incident_id)}, key=str.casefold)


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


def invitation(service, incident_id: int, *, now: datetime) -> str:
    """The meeting as an .ics file: owner, ICs and every responder invited."""
    from console.meeting import ics_invitation

    incident = service.read.incident(incident_id)
    record = service.read.postmortem(incident_id)
    if record is None or not record.meeting_at:
        raise InputError(f"no meeting booked for {incident.ref} yet: "
                         f"incident-console postmortem meeting {incident.ref} TIME")
    people = roster(service, incident_id)
    if record.owner and record.owner not in people:
        people.insert(0, record.owner)
    description = (f"Post-mortem review of {incident.ref} {incident.title}. "
                   f"Owner: {record.owner or 'not named'}. Agenda: timeline recap; key and unusual "
                   "points; how it could have been caught; customer impact; action items.")
    return ics_invitation(
        uid=f"postmortem-{incident.ref}@incident-console", title=f"Post-mortem: {incident.ref} {incident.title}",
        start=times.from_text(record.meeting_at), organizer=record.owner or "Incident Commander",
        attendees=[(person, None) for person in people], description=description, now=now,
    )


def export(service, process, incident_id: int, fmt: str, *, now: datetime,
           output: Path | str | None) -> str | bytes:
    """The incident in one of the export formats: text, or bytes for the PDF (Qt's printing).

    `output` is where it will go (None or "-": standard output); a PDF needs one, so that
    its bytes are not sent to a terminal by accident. Nothing is written here: see
    `write_export`.
    """
    from console.export import to_document, to_json
    from console.exports import postmortem_html, postmortem_markdown, timeline_csv

    incident = service.read.incident(incident_id)
    if fmt == "pdf" and output is None:
        raise InputError("a PDF needs a file: add -o FILE (or -o - for standard output)")
    if output is not None and str(output) != "-":
        check_target(Path(output))  # a bad target is refused before any work is done
    if fmt == "json":
        return to_json(service.read, incident_id)
    if fmt == "csv":
        return timeline_csv(to_document(service.read, incident_id))
    if fmt == "ics":
        return invitation(service, incident_id, now=now)
    markdown = postmortem_markdown(postmortem_text(service, process, incident_id, now=now))
    if fmt == "md":
        return markdown
    html = postmortem_html(markdown, title=f"Post-mortem: {incident.ref} {incident.title}")
    if fmt == "html":
        return html
    from ui.pdf import render_pdf  # Qt's printing, loaded only for this format

    return render_pdf(html)


def write_export(result: str | bytes, output: Path | str | None) -> None:
    """An export to `output`: standard output for None or "-", else the file, atomically and
    privately (`console.files.write_private`: a regular file or nothing is replaced)."""
    if output is None or str(output) == "-":
        if isinstance(result, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(result)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(result)
        return
    write_private(Path(output), result)


def run(args: argparse.Namespace, where, clock: Clock, by: str, load_process) -> int:
    from console.incidents import IncidentService

    now = clock.now()
    if args.command == "followup-done":
        item_id = domain.parse_action_item_ref(args.item)
        service = IncidentService.open(where.db_path, clock)
        item = service.update_action_item(item_id, done=True, by=by)
        print(f"{item.ref} done: {item.text}")
        return 0
    if args.command == "followups":
        service = IncidentService.open(where.db_path, clock)
        items = service.read.action_items(open_only=not args.all)
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
    incident_id = domain.parse_ref(args.ref)
    if args.command == "followup":
        due = _date(args.due, "due date") if args.due else None
        service = IncidentService.open(where.db_path, clock)
        item = service.add_action_item(incident_id, args.text, owner=args.owner, due_on=due,
                                       ticket=args.ticket, by=by)
        print(item.ref)
        return 0
    process = load_process()
    service = IncidentService.open(where.db_path, clock)
    if args.command == "lint":
        from console.lint import lint

        text = read_text(args.file, "post-mortem file") if args.file else \
            postmortem_text(service, process, incident_id, now=now)
        findings = lint(process, text, roster=roster(service, incident_id))
        for f in findings:
            print(f"{f.section}:{f.line}: {f.rule}: {f.message} (“{f.text}”; try: {f.suggestion})")
        return 1 if findings else 0
    verb = args.verb
    if verb == "show":
        sys.stdout.write(postmortem_text(service, process, incident_id, draft=args.draft,
                                         all_entries=args.all_entries, now=now))
        return 0
    if verb == "save":
        text = _stdin_text("post-mortem") if args.file == "-" else read_text(args.file, "post-mortem file")
        version = service.save_postmortem(incident_id, text, by=by)
        print(f"saved version {version}")
        return 0
    if verb == "owner":
        record = service.name_postmortem_owner(incident_id, args.person, _date(args.deadline, "deadline"), by=by)
        print(f"owner {record.owner}, due {record.deadline}; waiting for their acknowledgement")
        return 0
    if verb == "ack":
        record = service.acknowledge_postmortem(incident_id, by=by)
        print(f"acknowledged by {record.owner} at {record.acknowledged_at}")
        return 0
    if verb == "status":
        record = service.set_postmortem_status(incident_id, args.status, by=by, process=process)
        print(f"status {record.status}")
        return 0
    if verb == "meeting":
        from console.meeting import MEETING_AHEAD

        at = times.parse_time(args.time, now, future=MEETING_AHEAD)  # a meeting is in the future
        record = service.set_postmortem_details(incident_id, meeting_at=at, recording=args.recording, by=by)
        print(f"meeting {record.meeting_at}" + (f", recording {record.recording}" if record.recording else ""))
        return 0
    if verb == "due":
        incident = service.read.incident(incident_id)
        due = meeting_due_for(process, incident, where, args.holidays)
        if due is None:
            print(f"{incident.ref}: no post-mortem meeting required at {incident.severity and f'SEV-{incident.severity}' or 'an unset severity'}")
        else:
            print(f"{incident.ref}: meeting by {due.isoformat()} ({due:%A})")
        return 0
    raise InputError(f"unknown postmortem verb {verb!r}")  # pragma: no cover - argparse stops it
