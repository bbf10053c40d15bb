"""The `import` command (issue 13): bring a chat channel's history into an incident's timeline.

    incident-console import slack EXPORT --channel NAME REF [--dry-run]

EXPORT is a Slack workspace export, the .zip Slack sends or the folder it unpacks to; NAME one
of its channels (`inc-checkout`, `#inc-checkout` or its id). Every message becomes an entry of
REF's timeline at the time it was sent, by its author as the people directory names them
(console/chat_import.py says how). Importing again adds only what is new. `--dry-run` prints
what would be added and writes nothing. A hostile or broken export (bad JSON, wrong types, a
member that would leave the export, a zip that inflates without end, no users.json) is one
line, exit 2, and nothing is written.

The command line imports this module to build its parser on every run, so it imports nothing.
"""

import argparse

COMMANDS = ("import",)


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("import", parents=[common], help="bring a chat channel's history into an incident's timeline")
    sources = p.add_subparsers(dest="verb", metavar="SOURCE", required=True, parser_class=parser_class)
    q = sources.add_parser("slack", parents=[common], help="one channel of a Slack workspace export (.zip or folder)")
    q.add_argument("file", metavar="EXPORT", help="the export's .zip, or the folder it unpacks to")
    q.add_argument("--channel", required=True, metavar="NAME", help="the channel to import (name or id)")
    q.add_argument("ref", metavar="REF", help="the incident whose timeline gets the messages")
    q.add_argument("--dry-run", action="store_true", help="print what would be added; write nothing")


def run(session) -> int:
    from console.commands import Language
    from console.slack_export import SlackExport

    args = session.args
    session.check_ref()
    language = Language.from_process(session.process())
    with SlackExport.open(args.file) as export:
        export.channel(args.channel)  # a wrong channel is said before the database is opened
        service = session.service(language.vocabulary)
        incident_id = service.read.incidents.resolve(args.ref)
        plan = service.chat_import.plan(incident_id, export, args.channel, language)
    ref = plan.incident.ref
    if args.dry_run:
        for entry in plan.entries:
            print(f"{ref} {entry['occurred_at']} [{entry['kind']}] {entry['author']}: {entry['text']}")
        print(f"would add to {ref}: {plan.summary}")
        return 0
    service.chat_import.write(plan)
    print(f"added to {ref}: {plan.summary}")
    return 0
