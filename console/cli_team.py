"""The `team` subcommands (issue 12): join a team server, see where this console stands, sync
now, leave; and `team migrate`, which the server's owner runs once per release.

    incident-console team join URL [--name NAME] [--password-stdin]
    incident-console team status [--json]
    incident-console team sync            # exit 0 in step, 1 unreachable
    incident-console team leave
    incident-console team migrate URL [--console-role ROLE]... [--password-stdin]

The URL is stored without a password (console/team/config.py). A password the server asks
for is typed once (or given on standard input) and kept in the OS keyring only
(console/secrets.py); with no secure keyring the join is refused and nothing is stored. A
passfile (PGPASSFILE, ~/.pgpass) or a server that trusts the connection needs none.

After a CLI write in team mode the write is already committed here, which is its
acknowledgement; then the console tries for about a second to push it, and says "queued" on
stderr when it could not (console/team/commands.py, push_after_write). Same rules as the rest
of the CLI: one line for a refusal, exit 2 for bad input, 1 for the environment (the server
unreachable included).

The command line imports this module to build its parser on every run, so it imports nothing:
the commands, and what they need, are in console/team/commands.py.
"""

import argparse

COMMANDS = ("team",)


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("team", parents=[common], help="share incidents through a team server (PostgreSQL)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    q = verbs.add_parser("join", parents=[common], help="join the team server at URL (asks for a password if it wants one)")
    q.add_argument("url", metavar="URL", help="postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=verify-full&sslrootcert=FILE]")
    q.add_argument("--name", metavar="NAME", help="who sits at this console (default: this seat)")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q = verbs.add_parser("status", parents=[common], help="the server, online or not, events waiting, last sync")
    q.add_argument("--json", action="store_true", help="print JSON")
    verbs.add_parser("sync", parents=[common], help="push and pull now; exit 0 when in step, 1 when unreachable")
    verbs.add_parser("leave", parents=[common], help="stop syncing; forget the server and its password")
    q = verbs.add_parser("migrate", parents=[common],
                         help="(the server's owner) create or update the team schema and grant the consoles' role")
    q.add_argument("url", metavar="URL", help="postgresql://OWNER@HOST[:PORT]/DATABASE, as the role that owns the tables")
    q.add_argument("--console-role", metavar="ROLE", action="append", default=[], dest="console_roles",
                   help="the role consoles connect as: SELECT and INSERT only (repeat for more)")
    q.add_argument("--password-stdin", action="store_true", help="read the owner's password from standard input")


def run(session) -> int:
    from console.team import commands

    return commands.run(session)
