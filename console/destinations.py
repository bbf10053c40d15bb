"""Destinations: where updates and pages go out (issue 13), each an apprise URL kept secret.

    incident-console notify add NAME URL --audience AUDIENCE [--security]
    incident-console notify list | test NAME | remove NAME

The whole URL is a secret (it carries the service's token): it goes into the OS keyring
through console/secrets.py, under a key of its own (`destination/<uid>`), and nowhere else;
the database keeps the name, the service (the URL's scheme), the audience, whether the
destination may carry a security incident's messages, and whether it texts phones (no
security incident's message goes to one). With no secure keyring nothing is stored.

A destination's audience is one of the process's update audiences, or the entry kind `/page`
writes (`page`): a page goes to every destination of that audience (console.outbox).

Destinations are local to this console: they are not ops and are never replicated.
"""

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import times
from console.errors import InputError, NotFound
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger
    from console.vocabulary import Vocabulary

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}", re.ASCII)
_COLUMNS = "id, name, service, audience, security, phone, secret, added_at"


class Destination(NamedTuple):
    id: int
    name: str
    service: str
    audience: str
    security: bool
    phone: bool
    secret: str  # the keyring entry's name (the URL is there, never here)
    added_at: str


def page_audience() -> str:
    """The audience pages go to: the entry kind the `/page` verb writes (console/verbs.py)."""
    from console.verbs import FIXED_VERBS

    return next(verb.kind for verb in FIXED_VERBS if verb.name == "page")


def audiences(vocabulary: "Vocabulary") -> tuple[str, ...]:
    """Every audience a destination can serve: the process's, and pages."""
    return (*vocabulary.audiences, page_audience())


def check_name(text: str) -> str:
    name = (text or "").strip().lower()
    if not _NAME.fullmatch(name):
        shown = ascii(text[:40]) if isinstance(text, str) else "?"
        raise InputError(f"bad destination name {shown}: use 1-40 letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


def check_audience(text: str, vocabulary: "Vocabulary") -> str:
    audience = (text or "").strip().lower()
    known = audiences(vocabulary)
    if audience not in known:
        raise InputError(f"bad audience {text[:40]!r}: expected one of {', '.join(known)}")
    return audience


class Destinations:
    """Add, remove and read this console's destinations."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def add(self, name: str, url: str, audience: str, *, security: bool = False) -> Destination:
        """Check everything, then keep the URL in the keyring and the rest here.

        InputError (nothing stored) for a bad name, audience or URL, a name in use, or a
        security destination that texts phones; KeyringUnavailable when there is no secure
        keyring."""
        ledger = self._ledger
        name = check_name(name)
        audience = check_audience(audience, ledger.vocabulary)
        from console.sender import inspect_url  # apprise: only when a URL is read

        service, phone = inspect_url(url)
        url = url.strip()
        if security and phone:
            raise InputError(f"destination {name}: {service} texts phones, and a security incident's "
                             "messages never go by text message; leave out --security")
        if self.find(name) is not None:
            raise InputError(f"a destination named {name} exists already (notify remove {name} first)")
        from console import secrets  # the keyring: only when a destination is added or removed

        secrets.check()  # no secure keyring: one line naming the one found, nothing stored
        key = f"destination/{ledger.new_uid()}"
        secrets.store(key, url)
        row = {"name": name, "service": service, "audience": audience, "security": int(security),
               "phone": int(phone), "secret": key, "added_at": times.to_text(ledger.now())}
        try:
            with ledger.writing():
                row_id = ledger.insert("destinations", row)
        except BaseException:
            secrets.delete(key)
            raise
        return Destination(row_id, name, service, audience, bool(security), bool(phone), key, row["added_at"])

    def remove(self, name: str) -> Destination:
        """Forget a destination and its URL; its messages not yet sent are dropped."""
        ledger = self._ledger
        from console import secrets

        destination = self.get(name)
        with ledger.writing():
            ledger.execute("UPDATE outbox SET state = 'dropped', last_error = 'destination removed', "
                           "done_at = ? WHERE destination_id = ? AND state IN ('waiting', 'held', 'unknown', "
                           "'failed')", (times.to_text(ledger.now()), destination.id))
            ledger.execute("DELETE FROM destinations WHERE id = ?", (destination.id,))
        secrets.delete(destination.secret)
        return destination

    def get(self, name: str) -> Destination:
        found = self.find(check_name(name))
        if found is None:
            raise NotFound(f"no destination named {check_name(name)} (incident-console notify list)")
        return found

    def find(self, name: str) -> Destination | None:
        return DestinationReads(self._ledger.conn, self._ledger.path).find(name)


class DestinationReads:
    """Destinations as kept; never writes (and never reads a URL)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self) -> list[Destination]:
        with storage_errors(self._path):
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM destinations ORDER BY name").fetchall()
        return [_destination(row) for row in rows]

    def find(self, name: str) -> Destination | None:
        with storage_errors(self._path):
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM destinations WHERE name = ?", (name,)).fetchone()
        return _destination(row) if row else None

    def by_id(self, destination_id: int) -> Destination | None:
        with storage_errors(self._path):
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM destinations WHERE id = ?",
                                     (destination_id,)).fetchone()
        return _destination(row) if row else None

    def for_audience(self, audience: str) -> list[Destination]:
        with storage_errors(self._path):
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM destinations WHERE audience = ? ORDER BY id",
                                      (audience,)).fetchall()
        return [_destination(row) for row in rows]


def _destination(row: tuple) -> Destination:
    return Destination(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), row[6], row[7])
