"""The drill and training subcommands: scenarios, running a drill, its debrief, the training record.

    incident-console drill list [--json]
    incident-console drill start SCENARIO [--speed N] [--follow]   # prints the drill's ref
    incident-console drill start --replay REF [--speed N] [--follow]
    incident-console drill tick [REF]          # write the injects due now
    incident-console drill debrief REF [--json]
    incident-console training [PERSON] [--json]
    incident-console training add PERSON KIND [REF] [--note TEXT]

Who writes a drill's injects: whoever has the database open. `drill start` records the drill and
writes what is due at once; the window writes the rest as they fall due while it is open (any
window on the database); `drill tick` writes what is due now (for a script, or a trainer without
the window); `--follow` keeps the command in the foreground, writing and printing each inject
as it falls due until the last (Ctrl+C leaves the drill running for the window).
Same rules as the rest of the CLI: bad input is one line, exit 2, nothing written.
"""

import argparse
import json
import sys
import time

from console.errors import InputError

COMMANDS = ("drill", "training")


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("drill", parents=[common], help="drills: list scenarios, start one, its debrief")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    q = verbs.add_parser("list", parents=[common], help="the process's scenarios")
    q.add_argument("--json", action="store_true", help="print JSON")
    q = verbs.add_parser("start", parents=[common], help="start a drill; prints its reference")
    q.add_argument("scenario", nargs="?", help="a scenario's id (drill list)")
    q.add_argument("--replay", metavar="REF", help="replay a past incident's timeline as the drill")
    q.add_argument("--speed", metavar="N", default="1", help="1..60 times faster than real time (default 1)")
    q.add_argument("--follow", action="store_true", help="stay, writing each inject as it falls due")
    q.add_argument("--by", metavar="NAME", help="who runs it (default: this seat)")
    q = verbs.add_parser("tick", parents=[common], help="write the injects due now")
    q.add_argument("ref", nargs="?", help="one drill (default: every drill running)")
    q = verbs.add_parser("debrief", parents=[common], help="score the Incident Commander against the record")
    q.add_argument("ref")
    q.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("training", parents=[common],
                       help="training toward Incident Commander: training [PERSON], training add PERSON KIND [REF]")
    p.add_argument("words", nargs="*", metavar="PERSON | add PERSON KIND [REF]")
    p.add_argument("--note", metavar="TEXT", help="with add: a note (who was shadowed, the week)")
    p.add_argument("--by", metavar="NAME", help="with add: who records it (default: this seat)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(session) -> int:
    args = session.args
    if args.command == "training":
        return _training(session)
    return {"list": _list, "start": _start, "tick": _tick, "debrief": _debrief}[args.verb](session)


def _list(session) -> int:
    from console.scenarios import all_scenarios

    scenarios = all_scenarios(session.process())
    if session.args.json:
        print(json.dumps([{"id": s.id, "title": s.title, "severity": s.severity, "security": s.security,
                           "summary": s.summary, "injects": len(s.injects),
                           "minutes": s.injects[-1].at / 60 if s.injects else 0} for s in scenarios],
                         ensure_ascii=False, indent=2))
        return 0
    for s in scenarios:
        minutes = s.injects[-1].at / 60 if s.injects else 0
        flags = " security" if s.security else ""
        print(f"{s.id:<22} SEV-{s.severity}{flags}  {len(s.injects)} injects over {minutes:g} min  {s.title}")
    return 0


def _start(session) -> int:
    from console import scenarios
    from console.incidents import IncidentReads
    from console.vocabulary import Vocabulary

    args = session.args
    speed = scenarios.parse_speed(args.speed)  # read before anything is opened
    if (args.scenario is None) == (args.replay is None):
        raise InputError("drill start: name a SCENARIO (drill list) or --replay REF, not both")
    process = session.process()
    vocabulary = Vocabulary.from_process(process)
    if args.replay is not None:
        IncidentReads.parse(args.replay)
        service = session.service(vocabulary)
        scenario = scenarios.replay(service.read, service.read.incidents.resolve(args.replay))
    else:
        scenario = scenarios.find(process, args.scenario)
        service = session.service(vocabulary)
    change = service.drills.start(scenario, by=session.by, speed=speed)
    print(change.incident.ref)
    if args.follow:
        _print_injects(service, change)
        sys.stdout.flush()
        return _follow(session, service, change.incident.id)
    return 0


def _follow(session, service, incident_id: int) -> int:
    """Write and print each inject as it falls due, until the last is in or the drill is resolved."""
    while True:
        for change in service.drills.tick(incident_id):
            _print_injects(service, change)
        sys.stdout.flush()
        drill = service.read.drills.get(incident_id)
        if drill.finished or service.read.incidents.get(incident_id).status == "resolved":
            return 0
        wait = (drill.next_due() - session.clock.now()).total_seconds()
        time.sleep(min(max(wait, 0.02), 1.0))


def _print_injects(service, change) -> None:
    injects = service.read.drills.inject_entries(change.incident.id)
    start_note = service.read.drills.get(change.incident.id).uid
    for entry in change.entries:
        if entry.id in injects and entry.uid != start_note:
            print(f"{change.incident.ref} {entry.occurred_at} [{entry.kind}] {entry.author}: {entry.text}")


def _tick(session) -> int:
    from console.vocabulary import Vocabulary

    vocabulary = Vocabulary.from_process(session.process())
    incident_id = session.incident(vocabulary) if session.args.ref else None
    service = session.service(vocabulary)
    if incident_id is not None and service.read.drills.get(incident_id) is None:
        raise InputError(f"{session.args.ref} is not a drill started from a scenario")
    for change in service.drills.tick(incident_id):
        _print_injects(service, change)
    return 0


def _debrief(session) -> int:
    from console.debrief import debrief
    from console.vocabulary import Vocabulary

    process = session.process()
    incident_id = session.incident(Vocabulary.from_process(process))
    result = debrief(session.service().read, process, incident_id, session.clock.now())
    if session.args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(format_debrief(result))
    return 0


def format_debrief(result) -> str:
    incident = result.incident
    flag = "DRILL " if incident.drill else ""
    clock = f"scenario time, {result.speed}x" if result.speed != 1 else "real time"
    lines = [f"{incident.ref} {flag}SEV-{incident.severity or '?'} {incident.shown_title}",
             f"Debrief ({clock}, up to {result.ended_at}): {result.passed} of {result.scored} scored items passed"]
    for item in result.items:
        lines.append(f"{item.result.upper():<10} {item.title}: {item.summary}")
        for e in item.evidence:
            where = f"{e.entry} " if e.entry else ""
            lines.append(f"{'':<11}{where}{e.at[11:19]}Z  {e.text}")
        lines.append(f"{'':<11}handbook: {item.page}")
    return "\n".join(lines)


def _training(session) -> int:
    from console import training
    from console.vocabulary import Vocabulary

    args = session.args
    words = list(args.words)
    process = session.process()
    vocabulary = Vocabulary.from_process(process)
    if words and words[0] == "add":
        if len(words) not in (3, 4):
            raise InputError("usage: training add PERSON KIND [REF], e.g. training add 'Ana Silva' shadow")
        kinds = training.kinds(process)
        if words[2].strip().lower() not in kinds:
            raise InputError(f"bad training kind {words[2]!r}: expected one of {', '.join(kinds)}")
        incident_id = None
        if len(words) == 4:
            session.args.ref = words[3]
            incident_id = session.incident(vocabulary)
        record = session.service(vocabulary).training.add(words[1], words[2], by=session.by,
                                                          incident_id=incident_id, note=args.note)
        print(f"{record.person}: {record.kind}" + (f" ({record.incident})" if record.incident else ""))
        return 0
    if len(words) > 1:
        raise InputError("training takes one PERSON (quote a name with spaces), or: training add PERSON KIND [REF]")
    if args.note is not None:
        raise InputError("--note goes with training add")
    people = training.progress(session.service(vocabulary).read, process, words[0] if words else None)
    if args.json:
        print(json.dumps([{"person": who, "qualified": all(p.met for p in items), "items": [
            {"kind": p.kind, "label": p.label, "needed": p.needed, "count": p.count, "met": p.met,
             "records": [{"at": r.at, "incident": r.incident, "note": r.note, "by": r.by, "derived": r.derived}
                         for r in p.records]} for p in items]} for who, items in people.items()],
            ensure_ascii=False, indent=2))
        return 0
    if not people:
        print("no training recorded yet: training add PERSON KIND [REF]")
    for who, items in people.items():
        done = sum(1 for p in items if p.met)
        print(f"{who}: {done} of {len(items)} toward Incident Commander"
              + (" - ready for the Incident Commander schedule" if done == len(items) else ""))
        for p in items:
            seen = ", ".join(r.incident or r.at[:10] for r in p.records)
            print(f"  {p.kind:<15} {p.count} of {p.needed}  {p.label}" + (f"  [{seen}]" if seen else ""))
    return 0
