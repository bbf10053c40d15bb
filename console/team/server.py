"""One connection to the team server: push ops, pull ops after a cursor, number incidents, and
wait for the wake-up.

The connection is made with the password as a keyword (never written into a URL, so it cannot
end up in a stored URL, a log line or an error message), libpq's TLS options passing through
from the URL (`sslmode=verify-full`, `sslrootcert=`), a short connect timeout, and TCP
keepalives and a user timeout so that a link cut in the middle of a call is noticed. It runs in
autocommit: a push is one short explicit transaction, a pull one statement, and LISTEN works.

The pull reads after a `(xid, seq)` cursor and only rows whose transaction id is below the
oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`): sequence numbers
are handed out before commit, so a transaction with a lower seq can commit after one with a
higher seq, and a "highest seq seen" cursor would skip it for ever.

Every failure is a ConsoleError in one line: `Unreachable` (the server cannot be reached or the
link dropped), `PasswordNeeded` (it wants a password, or refused the one given),
`schema.ServerSchemaError` (another version), `ServerRefused` (anything else it said no to).
"""

from collections.abc import Iterable, Sequence

import psycopg

from console.errors import ConsoleError, InputError, StorageUnavailable
from console.ops import Op
from console.team import schema

CHANNEL = "incident_console"  # the channel migrations/0001 notifies on
CONNECT_TIMEOUT = 5  # seconds; libpq's own minimum is 2
_START = (0, 0)  # the cursor before the first op

# Defaults for what the URL does not say: who we are in pg_stat_activity, and dead links found
# in seconds rather than the kernel's two hours.
_DEFAULTS = {
    "application_name": "incident-console",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "15000",
}
_COLUMNS = ", ".join(Op._fields)
_QUALIFIED = ", ".join(f"o.{name}" for name in Op._fields)


class Unreachable(StorageUnavailable):
    """The team server cannot be reached, or the link dropped; nothing is lost, only queued."""


class PasswordNeeded(StorageUnavailable):
    """The server asks for a password (`missing`), or refused the one it was given."""

    def __init__(self, message: str, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing


class ServerRefused(StorageUnavailable):
    """The server understood and said no (a permission, a constraint)."""


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    for prefix in ("connection failed: ",):
        text = text.removeprefix(prefix)
    return text[:300] or type(exc).__name__


def _connect_error(exc: psycopg.Error, params: dict) -> ConsoleError:
    text = _first_line(exc)
    if text.startswith("connection is bad: invalid") or "invalid connection option" in text:
        return InputError(f"team server URL: {text.removeprefix('connection is bad: ')}")  # libpq's own check
    user = params.get("user") or "the default user"
    if "no password supplied" in text:
        return PasswordNeeded(f"the team server wants a password for {user}", missing=True)
    if "password authentication failed" in text:
        return PasswordNeeded(f"the team server refused the password for {user}", missing=False)
    where = params.get("host") or "localhost"
    if "certificate" in text or "does not match host name" in text:
        return Unreachable(f"team server {where}: its TLS certificate was not accepted: {text}")
    return Unreachable(f"team server {where} unreachable: {text}")


def _call_error(exc: psycopg.Error) -> StorageUnavailable:
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, psycopg.errors.QueryCanceled):
        return Unreachable(f"lost the team server: {_first_line(exc)}")
    message = exc.diag.message_primary if getattr(exc, "diag", None) is not None else None
    return ServerRefused(f"the team server refused: {message or _first_line(exc)}")


def connect_params(url: str, password: str | None, timeout: float) -> dict:
    """The keywords for psycopg.connect: the URL's own, our defaults for what it leaves out,
    the timeout, and the password (only as a keyword)."""
    params = dict(psycopg.conninfo.conninfo_to_dict(url))
    for key, value in _DEFAULTS.items():
        params.setdefault(key, value)
    params["connect_timeout"] = str(max(2, int(round(timeout))))
    if password is not None:
        params["password"] = password
    return params


def parse_cursor(text: str | None) -> tuple[int, int]:
    """`xid:seq` as stored after the last pull; None (or anything unreadable) is the start."""
    if text:
        xid, _, seq = text.partition(":")
        if xid.isdigit() and seq.isdigit():
            return int(xid), int(seq)
    return _START


def format_cursor(position: tuple[int, int]) -> str:
    return f"{position[0]}:{position[1]}"


class Server:
    """An open connection to the team server, its schema checked."""

    @classmethod
    def connect(cls, url: str, *, password: str | None = None, timeout: float = CONNECT_TIMEOUT,
                check_schema: bool = True) -> "Server":
        """Connect to `url` (no password in it) and check the server speaks our schema."""
        params = connect_params(url, password, timeout)
        try:
            conn = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as exc:
            raise _connect_error(exc, params) from None
        server = cls(conn)
        if check_schema:
            try:
                server.version = schema.check(conn)
            except BaseException:
                server.close()
                raise
        return server

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.version: int | None = None
        self._listening = False

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, sql: str, params: Sequence | None = None) -> psycopg.Cursor:
        try:
            return self.conn.execute(sql, params)
        except psycopg.Error as exc:
            raise _call_error(exc) from None

    def push(self, ops: Sequence[Op]) -> int:
        """Add `ops` to the server's log in one transaction, in their order; an op whose uid is
        there already is left as it is. Returns how many were new."""
        if not ops:
            return 0
        columns = list(zip(*ops))
        placeholders = ", ".join(["%s::text[]"] * len(Op._fields))
        try:
            with self.conn.transaction():
                cursor = self.conn.execute(
                    f"INSERT INTO ops ({_COLUMNS}) "
                    f"SELECT {_COLUMNS} FROM unnest({placeholders}) WITH ORDINALITY AS o({_COLUMNS}, n) "
                    "ORDER BY n ON CONFLICT (uid) DO NOTHING",
                    [list(column) for column in columns],
                )
                return cursor.rowcount
        except psycopg.Error as exc:
            raise _call_error(exc) from None

    def pull(self, cursor: str | None, limit: int) -> tuple[list[Op], str | None]:
        """Up to `limit` ops after `cursor`, in the server's order, and the cursor after them
        (the same cursor when there was nothing new)."""
        position = parse_cursor(cursor)
        # Ordered by the column, not the text made of it for the answer (which would put xid
        # 1000 before 999), so that the (xid, seq) index is read in order.
        rows = self._run(
            f"SELECT o.xid::text AS xid_text, o.seq, {_QUALIFIED} FROM ops o "
            "WHERE (o.xid, o.seq) > (%s::text::xid8, %s::bigint) "
            "AND o.xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "ORDER BY o.xid, o.seq LIMIT %s",
            (str(position[0]), position[1], limit),
        ).fetchall()
        if not rows:
            return [], cursor
        last = rows[-1]
        return [Op(*row[2:]) for row in rows], format_cursor((int(last[0]), last[1]))

    def number(self, incidents: Iterable[str]) -> dict[str, int]:
        """The server's number of each incident (by uid), numbering those it has not numbered
        yet, in the order given. Each is numbered once, whoever asks."""
        wanted = list(dict.fromkeys(i for i in incidents if i))
        if not wanted:
            return {}
        known = dict(self._run("SELECT incident, number FROM incident_numbers WHERE incident = ANY(%s)",
                               (wanted,)).fetchall())
        missing = [i for i in wanted if i not in known]
        if missing:
            # Only the missing ones: ON CONFLICT still spends a number, which would leave gaps.
            self._run("INSERT INTO incident_numbers (incident) "
                      "SELECT i FROM unnest(%s::text[]) WITH ORDINALITY AS u(i, n) ORDER BY n "
                      "ON CONFLICT (incident) DO NOTHING", (missing,))
            known.update(self._run("SELECT incident, number FROM incident_numbers WHERE incident = ANY(%s)",
                                   (missing,)).fetchall())
        return known

    def clock_ms(self) -> int:
        """The server's clock, in milliseconds since the epoch (what migrations/0002 dates ops
        against)."""
        return int(self._run("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").fetchone()[0])

    def can_rewrite(self) -> bool:
        """Whether this connection's role may change or delete the log (a consoles' role must
        not: see grants.sql)."""
        row = self._run("SELECT has_table_privilege('ops', 'UPDATE') OR has_table_privilege('ops', 'DELETE') "
                        "OR has_table_privilege('ops', 'TRUNCATE')").fetchone()
        return bool(row[0])

    def migrate(self, console_roles: tuple[str, ...] = ()) -> "schema.Migrated":
        """`team migrate`: apply the pending migrations and the grants (schema.migrate), with
        this connection's role as the tables' owner; one transaction, all or nothing."""
        try:
            return schema.migrate(self.conn, console_roles)
        except psycopg.Error as exc:
            raise _call_error(exc) from None

    def listen(self) -> None:
        """Ask the server to wake this connection when ops are added (see `wait`)."""
        if not self._listening:
            self._run(f"LISTEN {CHANNEL}")
            self._listening = True

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a wake-up; True if one came. Only a hint: whoever
        waits also pulls on a timer, as a notification can be missed (say, across a reconnect)."""
        self.listen()
        try:
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                return True
        except psycopg.Error as exc:
            raise _call_error(exc) from None
        return False
