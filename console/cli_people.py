"""The `people` command (issue 13): the directory of people, and who answers for what.

    incident-console people [QUERY] [--on-call] [--json]   # the handbook's `!ic who`, `!ic responders`
    incident-console people import FILE                    # CSV with a header row, or vCard (.vcf)

`people QUERY` lists everyone whose name, chat handle, e-mail or team contains every word of
QUERY (an exact match first); `--on-call` only those on call now, by team. `people import`
adds and updates people from a file (console/people_files.py): matched on e-mail, else name,
so importing the same file again changes nothing; a mistake anywhere refuses the whole file,
naming its line and column, and nothing is written.

The command line imports this module to build its parser on every run, so it imports nothing.
"""

import argparse
import json
import sys

COMMANDS = ("people",)


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("people", parents=[common],
                       help="who is who: name, team, chat handle, e-mail, on call (`people import FILE` fills it)")
    p.add_argument("query", nargs="*", metavar="QUERY",
                   help="words of a name, handle, e-mail or team; or: import FILE (CSV or .vcf)")
    p.add_argument("--on-call", action="store_true", help="only those on call now, by team")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(session) -> int:
    from console.errors import InputError

    args = session.args
    words = list(args.query)
    if words and words[0] == "import":
        if len(words) != 2:
            raise InputError("write: incident-console people import FILE (one CSV or .vcf file)")
        if args.on_call or args.json:
            raise InputError("people import takes no --on-call or --json")
        return _import(session, words[1])
    return _find(session, " ".join(words))


def _import(session, file: str) -> int:
    from console.people_files import read_people

    rows, where = read_people(file)  # every row checked before the database is opened
    imported = session.service().people.put(rows, where)
    print(f"{file}: {imported.text}")
    return 0


def _find(session, query: str) -> int:
    read = session.service().read.people
    found = read.find(query, on_call=session.args.on_call)
    if session.args.on_call:
        found.sort(key=lambda p: ((p.team or "").casefold(), p.name.casefold()))
    if session.args.json:
        print(json.dumps([person.as_json() for person in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        if read.count() == 0:
            print("incident-console: the directory is empty: incident-console people import FILE", file=sys.stderr)
        else:
            said = [f"matches {query!r}"] if query else []
            if session.args.on_call:
                said.append("is on call")
            print(f"incident-console: nobody in the directory {' and '.join(said)}", file=sys.stderr)
        return 1
    columns = [(p.name, p.team or "", "on call" if p.on_call else "", f"@{p.handle}" if p.handle else "",
                p.email or "", p.phone or "") for p in found]
    widths = [max(len(row[i]) for row in columns) for i in range(6)]
    for row in columns:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths) if width).rstrip())
    return 0
