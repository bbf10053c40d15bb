"""`incident-console verify`: does each incident's record chain (console.chain) still hold?

    incident-console verify REF                 exit 0 when it holds, 1 naming the first row that does not
    incident-console verify --all               every incident, one line each; 1 if any fails
    incident-console verify --export FILE       an export's head (JSON, Markdown or HTML) against
                                                the database: its signature, and the chain through it
    incident-console verify REF --head HEX --links N    a head read off a printed copy (the PDF)

Each chain that holds is also checked against the heads written down outside the database - the
head log and every kept backup (console/heads.py): a chain shorter than one of them was cut at
its end ("truncated: N links missing after E<k>"). A broken chain is a finding, not an error: its line goes to standard output and the exit status
is 1. A REF or FILE that cannot be read is refused in one line (exit 2), as everywhere.

The command line imports this module to build its parser on every run, so it imports nothing.
"""

import argparse
import re

COMMANDS = ("verify",)
MAX_EXPORT = 512 * 1024 * 1024  # an export bigger than this is not one of ours


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("verify", parents=[common],
                       help="check that incidents' records were not changed by hand (their hash chain)")
    p.add_argument("ref", nargs="?", help="the incident (or --all, or --export FILE)")
    p.add_argument("--all", action="store_true", help="every incident")
    p.add_argument("--export", metavar="FILE", help="check an export's chain head against the database")
    p.add_argument("--head", metavar="HEX", help="with REF: a head printed on a copy (64 hex digits)")
    p.add_argument("--links", metavar="N", help="with --head: how many links the copy says")


def run(session) -> int:
    from console.errors import InputError

    args = session.args
    asked = sum((args.ref is not None, bool(args.all), args.export is not None))
    if asked != 1 or (args.export is not None and args.ref is not None):
        raise InputError("verify: give one of REF, --all or --export FILE")
    if (args.head is None) != (args.links is None) or (args.head is not None and args.ref is None):
        raise InputError("verify: --head HEX and --links N go together, with REF")
    if args.export is not None:
        return _export(session, args.export)
    if args.head is not None:
        return _head(session, args.head, args.links)
    if args.ref is not None:
        session.check_ref()
    service = session.service()
    chain = service.read.chain
    ids = chain.incidents() if args.all else [session.incident()]
    witnessed = _Witnesses(session)
    broken = 0
    for incident_id in ids:
        found = chain.verify(incident_id) or witnessed.check(incident_id)
        if found is None:
            print(_holds(service.read, incident_id))
        else:
            broken += 1
            print(found.line())
    for problem in witnessed.problems(every_incident=bool(args.all)):
        broken += 1
        print(problem)
    return 1 if broken else 0


class _Witnesses:
    """The heads written down outside the database - the head log and every kept backup
    (console/heads.py) - read once, when the first chain that holds is checked against them."""

    def __init__(self, session) -> None:
        self._session = session
        self._heads = None
        self._problems: list[str] = []

    def _read(self) -> list:
        from console import heads

        if self._heads is None:
            where = self._session.where
            self._heads, self._problems = heads.witnesses(where.head_log, where.backup_dir)
        return self._heads

    def check(self, incident_id: int):
        from console import heads

        return heads.check(self._session.service().ledger.conn, incident_id, self._read())

    def problems(self, every_incident: bool = False) -> list[str]:
        """What was wrong with the log or a backup; with `every_incident`, also each incident a
        head was written down for that is no longer in the database."""
        if not every_incident:
            return self._problems
        from console import heads

        return self._problems + heads.missing(self._session.service().ledger.conn, self._read())


def _holds(read, incident_id: int) -> str:
    head = read.chain.head(incident_id)
    ref = read.incidents.get(incident_id).ref
    since = f", chained from {head.chained_from}" if head.chained_from else ""
    return f"{ref}: the record chain holds ({head.links} links, head {head.link[:16]}…{since})"


def _head(session, text: str, links: str) -> int:
    from console.errors import InputError

    head = text.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", head):
        raise InputError(f"verify: --head {text[:80]!r} is not 64 hex digits")
    if not re.fullmatch(r"[0-9]{1,12}", links.strip()):
        raise InputError(f"verify: --links {links[:40]!r} is not a whole number")
    incident_id = session.incident()
    read = session.service().read
    return _against(read, incident_id, int(links), head, read.incidents.get(incident_id).ref, session)


def _against(read, incident_id: int, links: int, head: str, what: str, session=None) -> int:
    """The chain holds (and reaches the heads written down outside it), and passes through
    `head` at link `links`."""
    found = read.chain.verify(incident_id) or (_Witnesses(session).check(incident_id) if session else None)
    if found is not None:
        print(found.line())
        return 1
    if links == 0:
        from console.chain import genesis

        there = genesis(read.chain.head(incident_id).incident_uid).hex()
    else:
        there = read.chain.link_at(incident_id, links)
    if there != head:
        print(f"{what}: its head (link {links}) is not in the database's chain: the copy or the "
              "database was changed after it was made")
        return 1
    print(f"{what}: matches the database at link {links}, and the chain holds")
    return 0


def _export(session, name: str) -> int:
    import json
    from pathlib import Path

    from console import chain_seal
    from console.errors import InputError, StorageUnavailable

    path = Path(name)
    try:
        if not path.is_file():
            raise InputError(f"verify: {name}: not a file")
        if path.stat().st_size > MAX_EXPORT:
            raise InputError(f"verify: {name}: too big for an export ({path.stat().st_size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise StorageUnavailable(f"verify: {name}: {exc.strerror or exc}") from None
    if data.startswith(b"%PDF"):
        raise InputError(f"verify: {name}: a PDF; check the head printed on its last page with "
                         "`verify REF --head HEX --links N`, or give the JSON, Markdown or HTML export")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"verify: {name}: not UTF-8 text (not an export)") from None
    if text.lstrip().startswith("{"):
        try:
            block = json.loads(text).get("chain")
        except (ValueError, AttributeError, RecursionError):
            raise InputError(f"verify: {name}: not a JSON export (it does not parse)") from None
        if not isinstance(block, dict) or not {"incident", "links", "head"} <= set(block):
            raise InputError(f"verify: {name}: no record chain head in it (an export made before the chain?)")
    else:
        try:
            block = chain_seal.parse_line(text)
        except InputError as exc:
            raise InputError(f"verify: {name}: {exc}") from None
    incident, links, head = block["incident"], block["links"], block["head"]
    if not (isinstance(incident, str) and isinstance(links, int) and not isinstance(links, bool)
            and links >= 0 and isinstance(head, str) and re.fullmatch(r"[0-9a-f]{64}", head)):
        raise InputError(f"verify: {name}: its chain head is not one this version writes")
    read = session.service().read
    row = session.service().ledger.execute("SELECT id FROM incidents WHERE uid = ?", (incident,)).fetchone()
    if row is None:
        print(f"{name}: its incident ({incident}) is not in this database")
        return 1
    signed = "not signed"
    if block.get("signature"):
        wrong = chain_seal.check(block)
        if wrong is not None:
            print(f"{name}: {wrong}: the copy was altered")
            return 1
        ours = chain_seal.public_key()
        signed = ("signed by this install's key" if ours and block["public_key"] == f"{chain_seal.SCHEME}:{ours}"
                  else f"signed by key {block['public_key']} (not this install's)")
    ref = read.incidents.get(row[0]).ref
    code = _against(read, row[0], links, head, f"{name} ({ref})", session)
    if code == 0:
        print(f"{name}: {signed}")
    return code
