"""What the `team` subcommands do; their parsers, and the commands as a person types them, are
in console/cli_team.py.
"""

import json
import sys

from console import domain, secrets
from console.errors import ConsoleError, InputError, StorageUnavailable
from console.team import config, last_exchange

EXCHANGE_TIMEOUT = 5  # seconds to reach the server for join, status and sync


def run(session) -> int:
    verbs = {"join": _join, "status": _status, "sync": _sync, "leave": _leave, "migrate": _migrate}
    return verbs[session.args.verb](session)


# -- passwords ------------------------------------------------------------------------------

def _stdin_password() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise InputError("--password-stdin: no password on standard input")
    return password


def _ask_password(url: str) -> str:
    """The password, typed at the terminal without echo; refused where there is no terminal."""
    if not sys.stdin.isatty():
        raise InputError(f"the team server at {url} wants a password: run this in a terminal, "
                         "or give it with --password-stdin")
    import getpass

    password = getpass.getpass(f"Password for {url}: ")
    if not password:
        raise InputError("no password typed")
    return password


def keyring_password(where, team: config.TeamConfig) -> str | None:
    """The password `team join` kept for this console's server, or None if it kept none."""
    if not team.keyring:
        return None
    return secrets.get(config.secret_name(where, team.url), team.keyring)


def connect(url: str, password: str | None, timeout: float = EXCHANGE_TIMEOUT):
    from console.team.server import Server

    return Server.connect(url, password=password, timeout=timeout)


def _check_url(url: str) -> None:
    """A URL libpq can read; bad input otherwise (said without the URL, which may hold a secret)."""
    import psycopg

    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()).removeprefix("missing \"=\" after ").split(" in connection info")[0]
        raise InputError(f"team server URL: libpq cannot read it ({reason[:120]})") from None


# -- join, status, sync, leave ----------------------------------------------------------------

def _join(session) -> int:
    from console.team.server import PasswordNeeded

    args, where = session.args, session.where
    url, password = config.split_url(args.url)
    _check_url(url)
    name = domain.clean_text(args.name if args.name is not None else session.by, "--name", domain.MAX_NAME)
    current = config.load(where)
    if current is not None and current.url != url:
        raise InputError(f"this console is in the team at {current.url}: incident-console team leave first")
    if args.password_stdin:
        if password is not None:
            raise InputError("a password in the URL and --password-stdin: give it one way")
        password = _stdin_password()
    if password is None and current is not None and current.keyring:
        password = keyring_password(where, current)  # joining the same server again
    keyring = secrets.check() if password is not None else None  # refused before anything is sent
    try:
        server = connect(url, password)
    except PasswordNeeded as exc:
        if password is not None or not exc.missing:
            raise InputError(str(exc)) from None
        keyring = secrets.check()
        password = _ask_password(url)
        try:
            server = connect(url, password)
        except PasswordNeeded as again:
            raise InputError(str(again)) from None
    with server:
        if server.can_rewrite():
            raise InputError(f"{url}: this role may change or delete the team's log; consoles join as a role "
                             "with SELECT and INSERT only (team migrate --console-role ROLE)")
        name_in_keyring = config.secret_name(where, url)
        if password is not None:
            secrets.store(name_in_keyring, password)
        try:
            config.save(where, config.TeamConfig(url, name, session.clock.now().isoformat(), keyring))
        except ConsoleError:
            if password is not None:
                secrets.delete(name_in_keyring)
            raise
        # Refs become the server's numbers, and what was written before the op log becomes ops.
        session.service().sync.join(url)
        print(f"joined the team at {url} as {name}")
        try:
            _exchange(session, server)
        except StorageUnavailable as exc:  # joined all the same: what waits goes with the next sync
            print(f"incident-console: queued: the first exchange stopped part-way ({exc})", file=sys.stderr)
    return 0


def _exchange(session, server) -> None:
    """A full exchange, said in one line; StorageUnavailable when it stops part-way."""
    from console.team.exchange import sync_once

    try:
        done = sync_once(session.service(), server)
    except StorageUnavailable as exc:
        last_exchange.failed(session.where, str(exc))
        raise
    last_exchange.in_step(session.where)
    print(f"in step: sent {done.pushed}, received {done.pulled} ({done.applied} new here)")


def _team(session) -> config.TeamConfig:
    team = config.load(session.where)
    if team is None:
        raise InputError("this console is not in a team: incident-console team join URL")
    return team


def _sync(session) -> int:
    team = _team(session)
    try:
        server = connect(team.url, keyring_password(session.where, team))
    except StorageUnavailable as exc:
        last_exchange.failed(session.where, str(exc))
        raise
    with server:
        _exchange(session, server)
    return 0


def waiting(session) -> int:
    """How many ops wait to go to the server."""
    return session.service().sync.waiting()


def _status(session) -> int:
    where = session.where
    team = config.load(where)
    if team is None:
        if session.args.json:
            print(json.dumps({"joined": False}))
        else:
            print("solo: this console is not in a team")
        return 0
    try:
        with connect(team.url, keyring_password(session.where, team)) as server:
            online, problem, version = True, None, server.version
    except StorageUnavailable as exc:
        online, problem, version = False, str(exc), None
    unsent = waiting(session)
    clock = session.service().sync.clock_notice()
    last = last_exchange.load(where)
    if session.args.json:
        print(json.dumps({"joined": True, "url": team.url, "name": team.name, "joined_at": team.joined_at,
                          "keyring": team.keyring, "online": online, "problem": problem,
                          "schema_version": version, "waiting": unsent, "clock": clock, **last._asdict()},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"server     {team.url}")
    print(f"you        {team.name}")
    print(f"state      {'online' if online else 'offline: ' + problem}")
    print(f"waiting    {unsent} event{'s' if unsent != 1 else ''} to send")
    print(f"last sync  {last.in_step_at or 'never'}")
    if clock:
        print(f"clock      {clock}")
    if last.failure and (not online or (last.failed_at or "") > (last.in_step_at or "")):
        print(f"last error {last.failed_at}: {last.failure}")
    return 0


def _leave(session) -> int:
    where = session.where
    try:
        team = _team(session)
    except StorageUnavailable:  # a spoiled team.json: leaving is how it is cleared
        if not config.remove(where):
            raise
        session.service().sync.leave()
        last_exchange.forget(where)
        print(f"left the team: {config.path(where)} could not be read and was removed")
        return 0
    unsent = waiting(session)
    if team.keyring:
        try:
            secrets.delete(config.secret_name(where, team.url))
        except StorageUnavailable as exc:
            print(f"incident-console: the password could not be removed from the keyring: {exc}", file=sys.stderr)
    session.service().sync.leave()
    config.remove(where)
    last_exchange.forget(where)
    kept = f"; {unsent} event{'s' if unsent != 1 else ''} never reached it (kept here)" if unsent else ""
    print(f"left the team at {team.url}{kept}")
    return 0


# -- the server's owner ---------------------------------------------------------------------

def _migrate(session) -> int:
    from console.team.server import PasswordNeeded

    args = session.args
    url, password = config.split_url(args.url)
    _check_url(url)
    roles = [domain.clean_text(r, "--console-role", 63) for r in args.console_roles]
    if args.password_stdin:
        password = _stdin_password()

    def reach(password):
        from console.team.server import Server

        return Server.connect(url, password=password, check_schema=False)

    try:
        server = reach(password)
    except PasswordNeeded as exc:
        if password is not None or not exc.missing:
            raise InputError(str(exc)) from None
        server = reach(_ask_password(url))
    with server:
        done = server.migrate(tuple(roles))
    change = f"version {done.before} -> {done.after}" if done.after != done.before else f"already at version {done.after}"
    grants = "; ".join(f"{role} may read and add to the log, nothing more" for role in done.roles)
    print(f"team schema: {change}" + (f"; {grants}" if grants else ""))
    return 0
