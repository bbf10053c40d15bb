"""What the `team` subcommands do (their parsers are in console/cli_team.py), and the push
after a CLI write in team mode (`push_after_write`, called by the CLI's Session as it closes).

See console/cli_team.py for the commands as a person types them.
"""

import json
import sys
import threading

from console import domain, secrets
from console.errors import ConsoleError, InputError, StorageUnavailable
from console.team import config, last_exchange

PUSH_BUDGET = 1.0  # seconds a CLI write waits for its push before saying "queued"
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


def _keyring_password(session, team: config.TeamConfig) -> str | None:
    if not team.keyring:
        return None
    return secrets.get(config.secret_name(session.where, team.url))


def _connect(url: str, password: str | None, timeout: float = EXCHANGE_TIMEOUT):
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
    if password is not None:
        secrets.check()  # no secure keyring: refused before anything is sent or stored
    try:
        server = _connect(url, password)
    except PasswordNeeded as exc:
        if password is not None or not exc.missing:
            raise InputError(str(exc)) from None
        secrets.check()
        password = _ask_password(url)
        try:
            server = _connect(url, password)
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
            config.save(where, config.TeamConfig(url, name, session.clock.now().isoformat(), password is not None))
        except ConsoleError:
            if password is not None:
                secrets.delete(name_in_keyring)
            raise
        print(f"joined the team at {url} as {name}")
        _exchange(session, server)
    return 0


def _exchange(session, server) -> None:
    """A full exchange, said in one line (a failure part-way: queued, on stderr)."""
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
        server = _connect(team.url, _keyring_password(session, team))
    except StorageUnavailable as exc:
        last_exchange.failed(session.where, str(exc))
        raise
    with server:
        _exchange(session, server)
    return 0


def _waiting(session) -> int:
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
        with _connect(team.url, _keyring_password(session, team)) as server:
            online, problem, version = True, None, server.version
    except StorageUnavailable as exc:
        online, problem, version = False, str(exc), None
    waiting = _waiting(session)
    last = last_exchange.load(where)
    if session.args.json:
        print(json.dumps({"joined": True, "url": team.url, "name": team.name, "joined_at": team.joined_at,
                          "password_in_keyring": team.keyring, "online": online, "problem": problem,
                          "schema_version": version, "waiting": waiting, **last._asdict()},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"server     {team.url}")
    print(f"you        {team.name}")
    print(f"state      {'online' if online else 'offline: ' + problem}")
    print(f"waiting    {waiting} event{'s' if waiting != 1 else ''} to send")
    print(f"last sync  {last.in_step_at or 'never'}")
    if last.failure and (not online or (last.failed_at or "") > (last.in_step_at or "")):
        print(f"last error {last.failed_at}: {last.failure}")
    return 0


def _leave(session) -> int:
    where = session.where
    team = _team(session)
    waiting = _waiting(session)
    if team.keyring:
        try:
            secrets.delete(config.secret_name(where, team.url))
        except StorageUnavailable as exc:
            print(f"incident-console: the password could not be removed from the keyring: {exc}", file=sys.stderr)
    config.remove(where)
    last_exchange.forget(where)
    unsent = f"; {waiting} event{'s' if waiting != 1 else ''} never reached it (kept here)" if waiting else ""
    print(f"left the team at {team.url}{unsent}")
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

    def connect(password):
        from console.team.server import Server

        return Server.connect(url, password=password, check_schema=False)

    try:
        server = connect(password)
    except PasswordNeeded as exc:
        if password is not None or not exc.missing:
            raise InputError(str(exc)) from None
        server = connect(_ask_password(url))
    with server:
        done = server.migrate(tuple(roles))
    change = f"version {done.before} -> {done.after}" if done.after != done.before else f"already at version {done.after}"
    grants = "; ".join(f"{role} may read and add to the log, nothing more" for role in done.roles)
    print(f"team schema: {change}" + (f"; {grants}" if grants else ""))
    return 0


# -- after a CLI write ----------------------------------------------------------------------

def push_after_write(session) -> None:
    """After a CLI write (see `_push_after_write`); never raises: a failure is "queued"."""
    try:
        _push_after_write(session)
    except ConsoleError as exc:
        last_exchange.failed(session.where, str(exc))
        print(f"incident-console: queued: the write is kept here; it goes to the team server later ({exc})",
              file=sys.stderr)


def _push_after_write(session) -> None:
    """Try to push what this command wrote, for up to PUSH_BUDGET seconds; "queued" otherwise.

    The local commit already happened (that is the write's acknowledgement); this never
    changes the exit status. The network part (keyring, connect, push, number) runs on a
    thread the command does not wait for beyond the budget; the bookkeeping in the database
    (numbers, pushed marks) happens here, on the writer's own thread, only once the server has
    the ops. A push cut off half-way is sent again next time, which the server ignores.
    """
    from console.team.exchange import BATCH

    where = session.where
    team = config.load(where)
    if team is None:
        return
    service = session.service()
    ops = service.sync.outgoing(BATCH)
    if not ops:
        return
    outcome: dict = {}

    def push() -> None:
        try:
            with _connect(team.url, _keyring_password(session, team), timeout=2) as server:
                server.push(ops)
                outcome["numbers"] = server.number(op.incident for op in ops)
        except ConsoleError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - never a traceback after an acknowledged write
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    worker = threading.Thread(target=push, name="team-push", daemon=True)
    worker.start()
    worker.join(PUSH_BUDGET)
    if "numbers" in outcome:
        if outcome["numbers"]:
            service.sync.set_numbers(outcome["numbers"])
        service.sync.mark_pushed([op.uid for op in ops])
        last_exchange.pushed(where)
        return
    why = outcome.get("error") or f"no answer from the team server within {PUSH_BUDGET:g} s"
    last_exchange.failed(where, why)
    waiting = service.sync.waiting()
    print(f"incident-console: queued: {waiting} event{'s' if waiting != 1 else ''} will go to the team server "
          f"when it can be reached ({why})", file=sys.stderr)
