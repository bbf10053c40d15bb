"""The `incident-console` command: the window, or a headless subcommand.

The CLI runs the same core operations as the window and imports no Qt unless it is asked to
open the window. Bad input gets one line on stderr and exit status 2, and nothing is written:
every operation validates before its transaction and runs in one. Exit statuses: 0 done; 1
the environment stopped us (storage, permissions; and `lint` findings); 2 bad input (a bad
argument, file or process definition); 70 a bug of ours, said in one line (set INCIDENT_CONSOLE_DEBUG=1 for
its traceback); 130 interrupted. Never a traceback: tests/core/test_hostile_input.py keeps it so.
"""

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from console import desktop, domain, paths, times
from console.clock import Clock, SystemClock
from console.errors import ConsoleError, InputError, StorageUnavailable
from console.identity import seat_name

EXIT_INPUT = 2
EXIT_ENVIRONMENT = 1
EXIT_BUG = 70  # EX_SOFTWARE: an exception we did not expect
EXIT_INTERRUPTED = 130
DEBUG_ENV = "INCIDENT_CONSOLE_DEBUG"
# Arguments that name files or folders: any bytes the file system allows are fine there.
# Every other argument is text to be stored or matched, and must be valid UTF-8.
_PATH_ARGUMENTS = frozenset({"home", "process", "dir", "file", "output", "holidays"})
MAX_LIMIT = 100


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` finds it ($COLUMNS, then the
    terminal, else 80), without importing shutil (~6 ms) on every command."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, given the width: argparse makes one for every argument
    added (to check its metavar), and left alone each imports shutil to measure the terminal."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         width if width is not None else _columns() - 2)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line (not usage + error) with exit 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # noqa: D102 - argparse's hook
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


class _Unread(Exception):
    """The command line cannot be read without the whole parser (which then says why)."""


class _FirstLook(_Parser):
    def error(self, message: str) -> None:  # noqa: D102 - argparse's hook
        raise _Unread(message)


def _first_look(argv: Sequence[str]) -> argparse.Namespace | None:
    """--home, --process and the subcommand's name, read as the whole parser reads them;
    None when they cannot be read so."""
    early = _FirstLook(add_help=False)
    early.add_argument("--home")
    early.add_argument("--process")
    early.add_argument("command", nargs="?")
    try:
        return early.parse_known_args(argv)[0]
    except _Unread:
        return None


def _command_modules() -> tuple:
    """The subcommands that live in modules of their own, in the help's order: each has
    COMMANDS (its names), add_parsers(sub, common, parser_class) and run(session), and keeps
    its heavy imports for its run. Adding one is this function's two lines."""
    from console import (cli_backup, cli_drill, cli_evidence, cli_import, cli_outbox, cli_people, cli_postmortem,
                         cli_team, cli_verify)

    return (cli_postmortem, cli_team, cli_verify, cli_drill, cli_people, cli_import, cli_backup, cli_outbox,
            cli_evidence)


def _build_parser(words=None, only: str | None = None) -> argparse.ArgumentParser:
    """The command line. `words` (a Vocabulary) is given only when help is asked for,
    so that help names the process's roles without every command loading the process.

    `only` names the one subcommand to build (forty subparsers take ~20 ms, which every run
    would pay): None builds all of them, "" none (the window); a name no subcommand has
    builds all of them, so that argparse lists the choices."""
    def wanted(*names: str) -> bool:
        return only is None or only in names

    common = _Parser(add_help=False)
    common.add_argument(
        "--home", metavar="DIR", default=argparse.SUPPRESS,
        help=f"keep every file under DIR (also ${paths.HOME_ENV})",
    )
    common.add_argument(
        "--process", metavar="DIR", default=argparse.SUPPRESS,
        help="the organisation's process overrides (default: the config folder's process/)",
    )
    parser = _Parser(
        prog="incident-console", parents=[common],
        description="Run a major incident: with no command, open the window.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    if wanted("declare"):
        p = sub.add_parser("declare", parents=[common], help="declare an incident; prints its reference")
        p.add_argument("title")
        p.add_argument("--sev", metavar="N", help="severity 1..5 (1 is the most severe)")
        p.add_argument("--at", metavar="TIME", help="when it was declared (default: now)")
        p.add_argument("--started", "--began", dest="started", metavar="TIME",
                       help="when the impact began: 14:02, @14:02, 20m ago, 1h ago (default: --at)")
        p.add_argument("--security", action="store_true", help="a security incident")
        p.add_argument("--drill", action="store_true", help="a drill (left out of metrics)")
        p.add_argument("--by", metavar="NAME", help="who declares (default: this seat)")

    if wanted("list"):
        p = sub.add_parser("list", parents=[common], help="list incidents")
        p.add_argument("--json", action="store_true", help="print JSON")

    if wanted("show"):
        p = sub.add_parser("show", parents=[common],
                           help="an incident now: severity, status, who holds each role, and "
                                "what consoles of a team changed concurrently")
        p.add_argument("ref")
        p.add_argument("--json", action="store_true", help="print JSON")

    if wanted("log"):
        p = sub.add_parser("log", parents=[common],
                           help="a line of the command language: a note, d: a decision, /task …")
        p.add_argument("ref")
        p.add_argument("text", help="as typed in the note box (see README: the command language)")
        p.add_argument("--kind", metavar="K",
                       help="record TEXT as given, as a K entry (the language is not read)")
        p.add_argument("--at", metavar="TIME", help="when it happened (default: now)")
        p.add_argument("--by", metavar="NAME", help="author (default: this seat)")

    if only != "":
        _add_verb_parsers(sub, common, words, wanted)

    if wanted("process"):
        p = sub.add_parser("process", parents=[common], help="check or show the incident process")
        verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=_Parser)
        q = verbs.add_parser("check", parents=[common], help="validate the defaults merged with DIR")
        q.add_argument("dir", nargs="?", metavar="DIR", help="override folder (default: --process)")
        q = verbs.add_parser("show", parents=[common], help="print the merged process")
        q.add_argument("--json", action="store_true", required=True, help="as JSON")

    if wanted("handbook"):
        p = sub.add_parser("handbook", parents=[common], help="search the offline handbook")
        verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=_Parser)
        q = verbs.add_parser("search", parents=[common], help="print the best matches")
        q.add_argument("query", nargs="+")
        q.add_argument("--limit", type=_limit, default=10, metavar="N", help=f"at most N hits (1..{MAX_LIMIT})")

    if only != "" and only not in sub.choices:  # a command built above needs none of these modules
        for module in _command_modules():
            if wanted(*module.COMMANDS):
                module.add_parsers(sub, common, _Parser)
    if wanted(desktop.COMMAND):
        desktop.add_parser(sub, common, _Parser)

    if wanted("metrics"):
        p = sub.add_parser("metrics", parents=[common],
                           help="median time to declare, mitigate, resolve per severity per month")
        p.add_argument("--csv", action="store_true", help="print CSV (RFC 4180)")

    if wanted("export"):
        from console import exports

        p = sub.add_parser("export", parents=[common], help="export an incident")
        p.add_argument("ref")
        # The registry is read only when the option is used or its help shown (console/exports.py).
        formats = p.add_argument("--format", choices=exports.Formats(), metavar="FORMAT", required=True,
                                 help="%(described)s")
        formats.described = formats.choices  # each name with its description, in the help
        p.add_argument("-o", "--output", metavar="FILE", help="write to FILE, a regular file, mode 0600 (default or -: stdout)")
        p.add_argument("--by", metavar="NAME", help="who exports: a security incident's export is a timeline "
                       "entry (default: this seat)")
    if only and not sub.choices:
        return _build_parser(words)
    return parser


def _add_verb_parsers(sub, common: argparse.ArgumentParser, words, wanted) -> None:
    """One subcommand per verb of the command language, read from its declaration:
    `incident-console VERB REF ARGS...` does what `/VERB ARGS` typed in the note box does."""
    from console.verbs import FIXED_VERBS

    groups: dict[str, argparse._SubParsersAction] = {}
    for verb in FIXED_VERBS:
        if not verb.cli or not wanted(verb.name, *verb.cli_names, *verb.cli_path[:1]):
            continue
        if verb.cli_path:  # `subteam add`: under its group, which has its own reads (`subteam list`)
            group = verb.cli_path[0]
            if group not in groups:
                groups[group] = _add_group_parser(sub, common, group)
            p = groups[group].add_parser(verb.cli_path[1], parents=[common], help=f"{verb.summary} (as {verb.usage})")
        else:
            p = sub.add_parser(verb.name, aliases=list(verb.cli_names), parents=[common],
                               help=f"{verb.summary} (as {verb.usage})")
        p.set_defaults(verb_name=verb.name)
        p.add_argument("ref")
        for param in verb.params:
            offered = param.choices(words) if words is not None and callable(param.choices) else ()
            p.add_argument(param.name, metavar=param.metavar.strip("()"), nargs="?" if param.optional else None,
                           help=("one of: " + ", ".join(offered)) if offered and len(offered) < 30 else None)
        if verb.back_datable:
            p.add_argument("--at", metavar="TIME", help="when it happened (default: now)")
        p.add_argument("--by", metavar="NAME", help="who did it (default: this seat)")
        for flag, flag_help in verb.flags:
            p.add_argument(f"--{flag}", action="store_true", help=flag_help)


# The groups some verbs' subcommands live under, with what the group reads besides.
_GROUPS = {"subteam": "sub-teams of a complex incident: add, join, done, list"}


def _add_group_parser(sub, common: argparse.ArgumentParser, group: str):
    p = sub.add_parser(group, parents=[common], help=_GROUPS[group])
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=_Parser)
    if group == "subteam":
        q = verbs.add_parser("list", parents=[common], help="the sub-teams, their leaders, members and "
                             "check-backs, and the IC's span of control")
        q.add_argument("ref")
        q.add_argument("--json", action="store_true", help="print JSON")
    return verbs


def _limit(text: str) -> int:
    """--limit: ASCII digits, 1..MAX_LIMIT (argparse turns the error into one line)."""
    if not (text.isascii() and text.strip().isdigit() and 1 <= int(text) <= MAX_LIMIT):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _undecodable_argument(args: argparse.Namespace, argv: Sequence[str]) -> str | None:
    """The first text argument that was not valid UTF-8, as one line; None if there is none.

    Python hands such bytes over as lone surrogates ("\\udcff"), which nothing can store.
    Arguments that name files are left alone: a file name may be any bytes.
    """
    paths_given = {value for name, value in vars(args).items() if name in _PATH_ARGUMENTS and value}
    for number, arg in enumerate(argv, start=1):
        if not _has_surrogates(arg):
            continue
        option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        value = value if eq else arg
        if value in paths_given:
            continue
        names = [name for name, v in vars(args).items() if v == value or (isinstance(v, list) and value in v)]
        if eq:
            label = option
        elif names and number > 1 and argv[number - 2] == "--" + names[0].replace("_", "-"):
            label = argv[number - 2]
        else:
            label = " ".join(filter(None, (args.command, getattr(args, "verb", None),
                                           names[0].upper() if names else None)))
        bad = next(ch for ch in arg if "\udc80" <= ch <= "\udcff")
        return f"argument {number} ({label}): not valid UTF-8 (byte 0x{ord(bad) - 0xDC00:02x})"
    return None


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _time(text: str | None, clock: Clock):
    return None if text is None else times.parse_time(text, clock.now())


def process_dir(args: argparse.Namespace, where: paths.Paths) -> Path:
    chosen = getattr(args, "dir", None) or getattr(args, "process", None)
    return Path(chosen).expanduser() if chosen else where.process_dir


def _process(args: argparse.Namespace, where: paths.Paths):
    """The process a command runs by: validated once per change of its files, then read from
    the cache folder (console/process.py)."""
    from console.process import load_process

    return load_process(process_dir(args, where), where.cache_dir)


def _run_process(args: argparse.Namespace, where: paths.Paths) -> int:
    from console.process import ProcessError, load_process

    folder = process_dir(args, where)
    if getattr(args, "dir", None) and not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    try:
        process = load_process(folder)
    except ProcessError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the process was not loaded", file=sys.stderr)
        return EXIT_INPUT
    if args.verb == "show":
        print(json.dumps(process.to_plain(), ensure_ascii=False, indent=2))
        return 0
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in process.counts().items())
    print(f"ok: {counts}")
    return 0


def _run_handbook(args: argparse.Namespace, where: paths.Paths) -> int:
    from console.handbook import HandbookIndex
    from console.process import ProcessError

    try:
        process = _process(args, where)
    except ProcessError:
        process = None  # the pages alone are still worth searching
    hits = HandbookIndex(process=process).search(" ".join(args.query), limit=args.limit)
    if not hits:
        print(f"incident-console: no matches in the handbook for {' '.join(args.query)!r}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    for hit in hits:
        ref = hit.page + (f"#{hit.anchor}" if hit.anchor else "")
        print(f"{hit.title}  ({ref})\n    {hit.snippet_marked('[', ']')}")
    return 0


class Session:
    """One run of the command: its arguments, paths, clock and author, the process (loaded
    once, when a command asks for it) and at most one service - opened on first use, with the
    process's vocabulary when the command has one, and closed when the run ends."""

    def __init__(self, args: argparse.Namespace, where: paths.Paths, clock: Clock) -> None:
        self.args, self.where, self.clock = args, where, clock
        self._process = None
        self._service = None
        self._changes_at_open = 0
        self._outbox_at_open = 0
        self._pusher = None  # team mode: pushes what the command wrote (console/team/after_write.py)

    @property
    def by(self) -> str:
        """--by, else $INCIDENT_CONSOLE_NAME, else the name given at `team join`, else the login."""
        return getattr(self.args, "by", None) or seat_name(self.where)

    def process(self):
        if self._process is None:
            self._process = _process(self.args, self.where)
        return self._process

    def service(self, vocabulary=None):
        if self._service is None:
            from console.service import IncidentService
            from console.team import config

            self._service = IncidentService.open(self.where.db_path, self.clock, vocabulary, self._upgrading)
            if config.joined(self.where):
                # The push gets ready as the command's first write begins, never for a command
                # that only reads: a helper thread still importing psycopg or asking the keyring
                # as the interpreter shut down crashed it (SIGSEGV after `list` on 3.12).
                self._service.ledger.before_first_write = self._start_pusher
            self._changes_at_open = self._service.ledger.conn.total_changes
            self._outbox_at_open = self._service.read.outbox.newest_id()
        return self._service

    def _upgrading(self, migrations: int) -> None:
        # A large file takes seconds (0020 took 7.8 s at 1,000,000 entries): said, on stderr.
        print(f"incident-console: upgrading {self.where.db_path} from an earlier version "
              f"({migrations} schema change{'s' if migrations != 1 else ''}); this is done once",
              file=sys.stderr, flush=True)

    def _start_pusher(self) -> None:
        from console.team.after_write import Pusher

        self._pusher = Pusher.start(self.where)

    def new_messages(self) -> set[int]:
        """The outbox rows this run queued (an update or a page it recorded)."""
        if self._service is None or self._service.ledger.conn.total_changes == self._changes_at_open:
            return set()
        return self._service.read.outbox.ids_after(self._outbox_at_open)

    def check_ref(self) -> None:
        """Read the command's REF before anything is opened: a bad one touches nothing."""
        from console.incidents import IncidentReads

        IncidentReads.parse(self.args.ref)

    def incident(self, vocabulary=None) -> int:
        """The incident the command's REF names (in a team INC-N is the server's number N, and
        NEW-N an incident declared here)."""
        self.check_ref()
        return self.service(vocabulary).read.incidents.resolve(self.args.ref)

    def close(self) -> None:
        """Close the service; in team mode, after a write, first try to push it."""
        if self._service is not None:
            try:
                if self._pusher is not None:
                    if self._service.ledger.conn.total_changes > self._changes_at_open:
                        self._pusher.push(self._service)
                    else:
                        self._pusher.cancel()
            finally:
                self._service.close()
                self._service = None


def _run(args: argparse.Namespace, where: paths.Paths, clock: Clock) -> int:
    """Run one command: its handler from the table below, over one session closed at the end."""
    session = Session(args, where, clock)
    try:
        if getattr(args, "verb_name", None):
            change = _run_verb(session)
            code = _print_change(session, change)
            _witness_resolve(session, change)
            _send_new_messages(session)
            return code
        handler = _HANDLERS.get(args.command)
        if handler is None:
            module = next((m for m in _command_modules() if args.command in m.COMMANDS), None)
            if module is None:  # pragma: no cover - argparse stops it
                raise InputError(f"unknown command {args.command!r}")
            return module.run(session)
        return handler(session)
    finally:
        session.close()


def _metrics(session: Session) -> int:
    from console import metrics

    rows = metrics.monthly(session.service().read.incidents.all())
    if session.args.csv:
        sys.stdout.write(metrics.to_csv(rows))
        return 0
    print("month    sev    n  declare  mitigate  resolve   (median minutes; drills left out)")
    for row in rows:
        cells = ["—" if row.medians[m] is None else f"{row.medians[m] / 60:.1f}" for m in metrics.MEASURES]
        print(f"{row.month}  SEV-{row.severity} {row.incidents:>3}  {cells[0]:>7}  {cells[1]:>8}  {cells[2]:>7}")
    return 0


def _list(session: Session) -> int:
    incidents = session.service().read.incidents.all()
    if session.args.json:
        print(json.dumps([
            {"ref": i.ref, "title": i.shown_title, "severity": i.severity, "status": i.status,
             "security": i.security, "drill": i.drill, "started_at": i.started_at,
             "declared_at": i.declared_at, "mitigated_at": i.mitigated_at,
             "resolved_at": i.resolved_at}
            for i in incidents
        ], ensure_ascii=False, indent=2))
    else:
        for i in incidents:
            sev = f"SEV-{i.severity}" if i.severity else "SEV-?"
            print(f"{i.ref:<8} {sev:<6} {i.status:<10} {i.declared_at}  {i.shown_title}")
    return 0


def _show(session: Session) -> int:
    """The incident as it stands; in a team, each value consoles changed without seeing each
    other's change: who set what, and which value every console keeps."""
    incident_id = session.incident()
    read = session.service().read
    incident = read.incidents.get(incident_id)
    roles = read.roster.current(incident_id)
    conflicts = read.sync.conflicts(incident_id)
    span, teams = _span_and_teams(session, incident_id)
    if session.args.json:
        print(json.dumps({
            "ref": incident.ref, "title": incident.title, "severity": incident.severity,
            "status": incident.status, "declared_at": incident.declared_at,
            **({"codename": incident.codename, "forensics_cleared_at": incident.cleared_at}
               if incident.security else {}),
            "roles": [{"role": a.role, "person": a.person, "from": a.from_at} for a in roles],
            "span_of_control": span.to_json(),
            "subteams": [_team_json(t, read) for t in teams],
            "concurrent": [
                {"value": c.register, "kept": {"by": c.kept[0], "set": c.kept[1]},
                 "others": [{"by": who, "set": what} for who, what in c.others], "text": c.text()}
                for c in conflicts
            ],
        }, ensure_ascii=False, indent=2))
        return 0
    sev = f"SEV-{incident.severity}" if incident.severity else "SEV-?"
    print(f"{incident.ref} {sev} {incident.status}  {incident.title}")
    if incident.security:
        cleared = (f"forensics cleared {incident.cleared_at}" if incident.cleared_at else
                   "messages beyond the response team held until /forensics-clear")
        print(f"  security incident, known as {incident.shown_title}; {cleared}")
    for a in roles:
        print(f"  {a.role}: {a.person} (since {a.from_at})")
    for conflict in conflicts:
        print(f"  {conflict.register} {conflict.text()}")
    for team in teams:
        print(f"  {_team_line(team, read)}")
    if span.warning:
        print(f"  {span.warning}")
    return 0


def _span_and_teams(session: Session, incident_id: int):
    """The IC's span of control now (console.span) and the teams working."""
    from console.span import span_of_control

    read = session.service().read
    teams = read.subteams.active(incident_id)
    return span_of_control(session.process(), read.roster.current(incident_id), teams), teams


def _team_json(team, read) -> dict:
    task = read.tasks.by_uid(team.task_uid)
    return {"team": team.name, "leader": team.leader, "problem": team.problem, "members": list(team.members),
            "room": team.room, "bridge": team.bridge, "started_at": team.started_at, "done_at": team.done_at,
            "check_back": {"task": task.ref, "due_at": task.due_at, "done": task.done_at is not None}
            if task else None}


def _team_line(team, read) -> str:
    task = read.tasks.by_uid(team.task_uid)
    members = ", ".join(team.members) or "no members yet"
    due = f", check back {task.ref} at {task.due_at}" if task and task.done_at is None else ""
    done = f", done {team.done_at}" if team.done_at else ""
    return f"{team.name}: {team.leader} leads, on {team.problem} ({members}){due}{done}"


def _subteams(session: Session) -> int:
    """`subteam list REF`: every team of the incident, done ones too, and the IC's span."""
    incident_id = session.incident()
    read = session.service().read
    teams = read.subteams.all(incident_id)
    span, _ = _span_and_teams(session, incident_id)
    if session.args.json:
        print(json.dumps({"subteams": [_team_json(t, read) for t in teams],
                          "span_of_control": span.to_json()}, ensure_ascii=False, indent=2))
        return 0
    for team in teams:
        print(_team_line(team, read))
    if not teams:
        print(f"{read.incidents.get(incident_id).ref}: no sub-teams")
    if span.warning:
        print(span.warning)
    return 0


def _declare(session: Session) -> int:
    args, clock = session.args, session.clock
    # Everything typed is read before the database is touched.
    severity = domain.parse_severity(args.sev) if args.sev is not None else None
    declared = _time(args.at, clock)
    started = times.parse_past(args.started, clock.now()) if args.started is not None else None
    change = session.service().incidents.declare(
        args.title, by=session.by, severity=severity, declared_at=declared, started_at=started,
        security=args.security, drill=args.drill,
    )
    print(change.incident.ref)
    return 0


def _export(session: Session) -> int:
    from console import exports

    args = session.args
    session.check_ref()
    exporter = exports.find(args.format)
    output = args.output or None  # "-" is standard output
    exports.check_output(exporter, output)  # a bad target is refused before any work is done
    incident_id = session.incident()
    service = session.service()
    incident = service.read.incidents.get(incident_id)
    # A security incident's export is marked with the process's marking (console.security), and
    # is an entry by its exporter: who that is is checked before anything is written.
    process = session.process() if exporter.needs_process or incident.security else None
    if incident.security:
        from console import domain

        domain.clean_text(session.by, "author", domain.MAX_NAME)
    result = exporter.export(service.read, incident_id, process=process, now=session.clock.now())
    exports.write(exporter, result, output)
    if incident.security:
        from console.security import TITLE_SHOWS, export_text, title_shows

        if title_shows(incident, result):
            print(f"incident-console: warning: {TITLE_SHOWS}", file=sys.stderr)
        where = "standard output" if output in (None, "-") else str(Path(output).resolve())
        service.timeline.log(incident_id, export_text(process, [exporter.name], where), by=session.by, kind="note")
    if exporter.needs_file and output != "-":
        print(f"wrote {output}")
    seal = sys.modules.get("console.chain_seal")  # the export printed the record chain's head
    if seal is not None and seal.notice():
        print(f"incident-console: note: {seal.notice()}", file=sys.stderr)
    from console import heads  # the head handed out is written down outside the database too

    problem = heads.HeadLog(session.where.head_log).record(
        service.ledger.conn, "export", [incident_id], ask_keyring=seal is not None)
    if problem:
        print(f"incident-console: note: {problem}", file=sys.stderr)
    return 0


def _log(session: Session) -> int:
    from console.commands import Language

    args = session.args
    session.check_ref()
    at = _time(args.at, session.clock)
    language = Language.from_process(session.process())
    incident_id = session.incident(language.vocabulary)
    if args.kind is not None:
        # An explicit kind means "this text, literally": scripts can log any text, even one
        # that starts with "/" or "@" or a prefix, without it being read as a command.
        kind = language.vocabulary.kind(args.kind)
        service = session.service(language.vocabulary)
        change = service.timeline.log(incident_id, args.text, by=session.by, kind=kind, occurred_at=at)
        return _print_change(session, change)
    parsed = language.parse(args.text, now=session.clock.now())
    if at is not None:
        parsed = language.backdate(parsed, at)
    change = language.execute(session.service(language.vocabulary), incident_id, parsed, by=session.by)
    code = _print_change(session, change)
    _witness_resolve(session, change)
    _send_new_messages(session)
    return code


def _witness_resolve(session: Session, change) -> None:
    """A resolve writes the incident's chain head down outside the database (console/heads.py)."""
    if (change.incident is not None and change.incident.status == "resolved"
            and any(entry.kind == "status" for entry in change.entries)):
        from console import heads

        problem = heads.HeadLog(session.where.head_log).record(
            session.service().ledger.conn, "resolve", [change.incident.id])
        if problem:
            print(f"incident-console: note: {problem}", file=sys.stderr)


def _send_new_messages(session: Session) -> None:
    """An update or a page queued messages: one short try now (console/cli_outbox.py)."""
    new = session.new_messages()
    if new:
        from console import cli_outbox

        cli_outbox.send_after_write(session, new)


def _run_verb(session: Session):
    """A verb's subcommand: its arguments read by the verb's own declaration, then its operation."""
    from console.commands import Language

    args = session.args
    session.check_ref()
    at = _time(getattr(args, "at", None), session.clock)
    language = Language.from_process(session.process())
    verb = language.verbs[args.verb_name]
    parsed = language.parse_arguments(verb.name, [getattr(args, p.name) for p in verb.params])
    if verb.flags:
        parsed = parsed._replace(args={**parsed.args, **{f: getattr(args, f) for f, _ in verb.flags}})
    if at is not None:
        parsed = language.backdate(parsed, at)
    incident_id = session.incident(language.vocabulary)
    return language.execute(session.service(language.vocabulary), incident_id, parsed, by=session.by)


def _print_change(session: Session, change) -> int:
    if change.task is not None and getattr(session.args, "verb_name", None) == "task":
        print(change.task.ref)  # what a script needs to /done or /extend it later
        return 0
    for entry in change.entries:
        print(f"{change.incident.ref} {entry.occurred_at} [{entry.kind}] {entry.author}: {entry.text}")
    for finding in change.findings:  # the message rules' findings on an update: recorded all the same
        print(f"incident-console: {finding.rule}: {finding.summary}", file=sys.stderr)
    return 0


# The commands that are not verbs of the command language (those are derived from
# console/verbs.py) and not the post-mortem's (console/cli_postmortem.py), each with its handler.
_HANDLERS = {
    desktop.COMMAND: lambda session: desktop.run(session.args),
    "process": lambda session: _run_process(session.args, session.where),
    "handbook": lambda session: _run_handbook(session.args, session.where),
    "metrics": _metrics,
    "list": _list,
    "show": _show,
    "declare": _declare,
    "export": _export,
    "log": _log,
    "subteam": _subteams,
}


def _help_words(first: argparse.Namespace | None):
    """The process's vocabulary for help text, or None when it cannot be loaded."""
    if first is None:
        return None
    try:
        from console.vocabulary import Vocabulary

        return Vocabulary.from_process(_process(first, paths.resolve(first.home)))
    except ConsoleError:
        return None


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """Run the command line `argv` (None: this process's own, which ends with it); its exit
    status.

    Python's collector of reference cycles is paused while a command of this module runs: each
    ends in a moment, what it makes is freed by reference counting or at exit, and collecting
    while its ~50 modules load took ~6 ms of a `log`. Run as the process's command line, it
    stays paused to the end: turned back on, it would go through everything the command made
    once more, and again on the way out (~8 ms); and what is alive then is frozen, so that the
    interpreter's last collection, as it shuts down, does not go through it all a third time
    (~10 ms). Objects are freed by reference counting as the modules are torn down, as ever;
    those left in reference cycles are not finalized at exit, which Python never promises.
    The window and the subcommand modules' commands (a drill that follows, team mode,
    imports...) run with it on, as they may run long, and end as Python ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, clock, collecting)
    finally:
        if argv is not None:  # called in-process (tests): as it was
            if collecting:
                gc.enable()
        elif not gc.isenabled():
            gc.freeze()


def _main(argv: Sequence[str] | None, clock: Clock | None, collecting: bool) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    asks_help = any(arg in ("-h", "--help") for arg in argv)
    first = _first_look(argv)
    only = None if asks_help or first is None else first.command or ""
    parser = _build_parser(_help_words(first) if asks_help else None, only)
    args = parser.parse_args(argv)
    try:
        problem = _undecodable_argument(args, argv)
        if problem:
            raise InputError(problem)
        where = paths.resolve(getattr(args, "home", None))
        paths.check_home(where)
    except ConsoleError as exc:
        return _say(exc)
    if collecting and (args.command is None or (args.command not in _HANDLERS and not getattr(args, "verb_name", None))):
        gc.enable()  # the window, or a subcommand module's command
    if args.command is None:  # the window, found through its entry point (console/plugins.py)
        from console import plugins

        try:
            window = plugins.load(plugins.GUI, plugins.WINDOW, where.cache_dir)
        except ConsoleError as exc:
            return _say(exc)
        return window(where, process_dir(args, where))
    try:
        code = _run(args, where, clock or SystemClock())
        _flush_stdout()  # a full disk or a closed pipe is found here, not at exit
        return code
    except BrokenPipeError:  # `incident-console process show --json | head`
        _drop_stdout()
        return 0
    except ConsoleError as exc:
        from console import damage

        if damage.is_damage(exc.__cause__) and not isinstance(exc, damage.DatabaseDamaged):
            exc = damage.report(where.db_path, str(exc.__cause__))  # found past the first reads
        return _say(exc)
    except KeyboardInterrupt:
        print("incident-console: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # the environment: a file or stream the system would not let us use
        _drop_stdout()
        where_ = exc.filename if isinstance(exc.filename, str) else "standard output"  # a stream
        print(f"incident-console: error: {where_}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, but still one line
        if os.environ.get(DEBUG_ENV):
            raise
        text = " ".join(str(exc).split())[:300]
        print(f"incident-console: internal error (a bug, please report it): {type(exc).__name__}: {text} "
              f"(set {DEBUG_ENV}=1 for details)", file=sys.stderr)
        return EXIT_BUG


def _say(exc: ConsoleError) -> int:
    """One line on stderr for a refusal; its exit status (2 bad input, 1 the environment)."""
    problems = getattr(exc, "problems", None)  # a process definition with several mistakes
    if problems and len(problems) > 1:
        text = f"{problems[0]} (and {len(problems) - 1} more: incident-console process check)"
    else:
        text = str(exc)
    text = " ".join(text.splitlines()) or type(exc).__name__
    print(f"incident-console: error: {text}", file=sys.stderr)
    return EXIT_INPUT if isinstance(exc, InputError) else EXIT_ENVIRONMENT


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()  # what is still buffered goes nowhere, not to a second error at exit
        raise StorageUnavailable(f"standard output: {exc.strerror or exc}; what was printed is incomplete") from None


def _drop_stdout() -> None:
    """Send what is left for stdout nowhere, so the interpreter's final flush cannot fail."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
