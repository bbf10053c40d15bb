"""The `notify` and `outbox` subcommands (issue 13): destinations, and the messages going out.

    incident-console notify add NAME URL --audience AUDIENCE [--security]   # URL "-": from stdin
    incident-console notify list [--json]
    incident-console notify test NAME            # one test message, now; exit 1 if it did not go
    incident-console notify remove NAME
    incident-console outbox [--json]             # every message: its state, tries, last error
    incident-console outbox flush                # send what is due now
    incident-console outbox resend|drop|release ID

The URL is never printed: not by `list`, not in an error. A URL apprise cannot use is bad
input (exit 2); no secure keyring is the environment (exit 1); nothing is stored either way.

After an `update` or a `page` (or a `log` line that is one) has committed, console/cli.py
calls `send_after_write`: the new messages get one try of at most AFTER_WRITE_SECONDS, and
what did not go stays queued, said in one line on stderr.

The command line imports this module to build its parser on every run, so it imports nothing
heavy: apprise and the keyring only when a command needs them.
"""

import argparse
import json
import sys

COMMANDS = ("notify", "outbox", "invite")
AFTER_WRITE_SECONDS = 4.0


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("notify", parents=[common], help="where updates and pages go: apprise URLs, kept in the keyring")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    q = verbs.add_parser("add", parents=[common], help="add a destination (its URL goes into the OS keyring only)")
    q.add_argument("name", metavar="NAME", help="a short name: letters, digits, '.', '_', '-'")
    q.add_argument("url", metavar="URL", help="an apprise URL: slack://…, mailtos://…, pagerduty://…, json://…; "
                                            "- reads it from standard input (kept out of the shell's history)")
    q.add_argument("--audience", metavar="AUDIENCE", required=True,
                   help="who it reaches: an update audience of the process, or page (for /page)")
    q.add_argument("--security", action="store_true",
                   help="it may carry a security incident's messages (never a text-message service)")
    q = verbs.add_parser("list", parents=[common], help="the destinations (names, services, audiences; never URLs)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q = verbs.add_parser("test", parents=[common], help="send a test message to NAME now")
    q.add_argument("name", metavar="NAME")
    q = verbs.add_parser("remove", parents=[common], help="forget NAME and its URL; its unsent messages are dropped")
    q.add_argument("name", metavar="NAME")

    p = sub.add_parser("invite", parents=[common],
                       help="e-mail the post-mortem meeting's invitation (.ics attached) through an e-mail destination")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--via", metavar="NAME", required=True, help="an e-mail destination (notify add NAME mailtos://…)")
    p.add_argument("--to", metavar="ADDRESS", action="append", default=[], dest="to",
                   help="also invite this address (repeat for each); the owner, the ICs and the responders "
                        "are found in the people directory")
    p.add_argument("--by", metavar="NAME", help="who sends it (default: this seat)")

    p = sub.add_parser("outbox", parents=[common], help="messages going out: waiting, sent, failed, unknown, held")
    p.add_argument("--json", action="store_true", help="print JSON")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", parser_class=parser_class)
    verbs.add_parser("flush", parents=[common], help="send what is due now; exit 1 while a message is failed or unknown")
    for verb, what in (("resend", "send an unknown or failed message again"),
                       ("drop", "give up a message (it is not sent)"),
                       ("release", "send a held message despite the message rules (recorded as an override)")):
        q = verbs.add_parser(verb, parents=[common], help=what)
        q.add_argument("id", metavar="ID", help="the message, as `outbox` lists it (M12)")
        q.add_argument("--by", metavar="NAME", help="who does it (default: this seat)")


def run(session) -> int:
    args = session.args
    if args.command == "notify":
        return _NOTIFY[args.verb](session)
    if args.command == "invite":
        return _invite(session)
    return _OUTBOX[args.verb or "list"](session)


def _invite(session) -> int:
    """The post-mortem invitation, e-mailed with its .ics to the owner, the ICs and the
    responders at the addresses the people directory has for them, and to any --to; who has no
    address there is named in one line on stderr (and is still in the .ics, by name)."""
    from console import postmortem, sender
    from console.destinations import check_name
    from console.errors import InputError

    args = session.args
    check_name(args.via)
    extra = sender.check_addresses(args.to)
    incident_id = session.incident()
    service = session.service()
    names = postmortem.invitees(service.read, incident_id)
    found = {name: service.read.people.email_of(name) for name in names}
    missing = [name for name, address in found.items() if not address]
    addresses = list(dict.fromkeys([a for a in found.values() if a] + extra))
    if not addresses:
        raise InputError("no one to invite: nobody in the incident has an e-mail address in the people "
                         "directory (incident-console people import FILE), and no --to was given")
    destination = service.destinations.get(args.via)
    if not sender.sends_email(destination.service):
        raise InputError(f"{destination.name} is {destination.service}, not e-mail: the invitation needs "
                         "a mailto:// or mailtos:// destination")
    now = session.clock.now()
    ics = postmortem.invitation(service.read, incident_id, now=now)
    record = service.read.postmortem.record(incident_id)
    change = service.outbox.invite(incident_id, destination.name, addresses, by=session.by, ics=ics,
                                   when=f"{record.meeting_at[:16].replace('T', ' ')} UTC")
    for entry in change.entries:
        print(f"{change.incident.ref} {entry.occurred_at} [{entry.kind}] {entry.author}: {entry.text}")
    if missing:
        print(f"incident-console: no e-mail address in the people directory for {', '.join(missing)}; "
              "not e-mailed", file=sys.stderr)
    send_after_write(session, session.new_messages())
    return 0


# -- notify -----------------------------------------------------------------------------------------

def _vocabulary(session):
    from console.vocabulary import Vocabulary

    return Vocabulary.from_process(session.process())


def _add(session) -> int:
    from console import destinations

    args = session.args
    vocabulary = _vocabulary(session)
    destinations.check_name(args.name)  # bad input is refused before anything is opened
    destinations.check_audience(args.audience, vocabulary)
    url = sys.stdin.readline().strip() if args.url == "-" else args.url
    added = session.service(vocabulary).destinations.add(args.name, url, args.audience, security=args.security)
    flags = " (security incidents too)" if added.security else ""
    print(f"added {added.name}: {added.service}, to {added.audience}{flags}; its URL is in the keyring")
    return 0


def _list_destinations(session) -> int:
    rows = session.service().read.destinations.all()
    if session.args.json:
        print(json.dumps([{"name": d.name, "service": d.service, "audience": d.audience, "security": d.security,
                           "texts_phones": d.phone, "added_at": d.added_at} for d in rows], indent=2))
        return 0
    if not rows:
        print("no destinations (incident-console notify add NAME URL --audience AUDIENCE)", file=sys.stderr)
    for d in rows:
        print(f"{d.name:<20} {d.service:<12} {d.audience:<12} {'security' if d.security else ''}".rstrip())
    return 0


def _test(session) -> int:
    from console import secrets, sender
    from console.errors import InputError
    from console.outbox import OutboxRow

    service = session.service()
    destination = service.destinations.get(session.args.name)
    url = secrets.get(destination.secret)
    if url is None:
        raise InputError(f"the keyring has no URL for {destination.name} (notify remove, then add it again)")
    uid = service.ledger.new_uid()
    row = OutboxRow(0, uid, uid, 0, destination.id, destination.name, destination.audience,
                    "Test from Incident Console", f"A test message to {destination.name}; nothing is wrong.",
                    None, "sending", 0, None, None, None, "", None)
    outcome = sender.deliver(url, row, sender.SEND_TIMEOUT)
    if outcome.kind == "sent":
        print(f"sent a test message to {destination.name}")
        return 0
    print(f"incident-console: {destination.name}: not sent: {outcome.reason}", file=sys.stderr)
    return 1


def _remove(session) -> int:
    removed = session.service().destinations.remove(session.args.name)
    print(f"removed {removed.name} and its URL")
    return 0


_NOTIFY = {"add": _add, "list": _list_destinations, "test": _test, "remove": _remove}


# -- outbox -----------------------------------------------------------------------------------------

def _list_outbox(session) -> int:
    from console.domain import format_ref

    read = session.service().read
    rows = read.outbox.all()
    if session.args.json:
        print(json.dumps([{"id": r.ref, "incident": format_ref(r.incident_id), "destination": r.destination,
                           "audience": r.audience, "state": r.state, "attempts": r.attempts,
                           "next_at": r.next_at, "last_error": r.last_error, "created_at": r.created_at,
                           "done_at": r.done_at, "key": r.uid, "recipient": r.recipients or None,
                           "tries": [a._asdict() for a in read.outbox.attempts(r.id)]} for r in rows],
                         ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("the outbox is empty", file=sys.stderr)
    for r in rows:
        when = f" next {r.next_at}" if r.state == "waiting" and r.next_at else ""
        error = f"  ({r.last_error})" if r.last_error and r.state != "sent" else ""
        via = f"{r.destination} to {r.recipients}" if r.recipients else r.destination
        print(f"{r.ref:<6} {format_ref(r.incident_id):<8} {r.audience:<11} {via:<16} "
              f"{r.shown_state}, {r.attempts} tries{when}{error}")
    return 0


def _flush(session) -> int:
    from console.sender import Sender

    service = session.service()
    done = Sender(service, by=session.by).run()
    counts = service.read.outbox.counts()
    print(", ".join(f"{n} {state}" for state, n in sorted(done.items())) or "nothing was due")
    left = {s: counts.get(s, 0) for s in ("waiting", "unknown", "failed", "held") if counts.get(s)}
    if left:
        print("outbox: " + ", ".join(f"{n} {s}" for s, n in left.items()), file=sys.stderr)
    return 1 if left.get("failed") or left.get("unknown") else 0  # a person has something to decide


def _act(name: str):
    def act(session) -> int:
        from console.outbox import parse_row_ref

        row_id = parse_row_ref(session.args.id)
        service = session.service()
        change = getattr(service.outbox, name)(row_id, by=session.by)
        for entry in change.entries:
            print(f"{change.incident.ref} {entry.occurred_at} [{entry.kind}] {entry.author}: {entry.text}")
        if name != "drop":
            send_after_write(session, {row_id})
        return 0
    return act


_OUTBOX = {"list": _list_outbox, "flush": _flush, "resend": _act("resend"), "drop": _act("drop"),
           "release": _act("release")}


def send_after_write(session, only: set[int]) -> None:
    """One short try for the messages a command just queued; one line for what is left."""
    if not only:
        return
    import time

    from console.sender import Sender

    service = session.service()
    try:
        Sender(service, by=session.by).run(deadline=time.monotonic() + AFTER_WRITE_SECONDS, only=only)
    except Exception as exc:  # noqa: BLE001 - the write is committed; sending is later's job
        print(f"incident-console: not sent yet ({type(exc).__name__}); queued: incident-console outbox flush",
              file=sys.stderr)
        return
    rows = [service.read.outbox.get(i) for i in sorted(only)]
    for row in rows:
        if row is None or row.state == "sent":
            continue
        print(f"incident-console: {row.ref} to {row.destination}: {row.shown_state}"
              + (f" ({row.last_error})" if row.last_error else "")
              + ("; queued (incident-console outbox flush)" if row.state == "waiting" else ""), file=sys.stderr)
