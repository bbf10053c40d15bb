"""The people directory: who can be reached, and how (issue 13).

A person has a name, and may have an e-mail address, a chat handle, a team, a phone number and
whether they are on call now. The directory belongs to no incident: it is what completion
offers for a NAME or a TEAM, what `incident-console people QUERY` answers (the handbook's
`!ic who` and `!ic responders`), how a Slack export's authors become our names, and where the
post-mortem invitation finds e-mail addresses.

    service.people.put(rows)         add or update people, all or none (one op, `people.put`)
    reader.people.all()              everyone, by name
    reader.people.find(query)        name, handle, e-mail or team containing the words
    reader.people.lookup(word)       the one person whose name, handle or e-mail is `word`
    reader.people.by_name(name) / by_handle(handle) / by_email(address)
    reader.people.email_of(name)     a person's e-mail address, or None
    reader.people.teams()            every team named, by name
    reader.people.completion(names)  what a NAME completes to, and each one's team and on call
    reader.people.on_call()          who is on call now, by team

Writes go through the op log like every other write, so a team's consoles share one directory.
A person's uid is made from their e-mail address (else their name), so two consoles adding the
same person apart make the same row; the row is one register and the newest op (by HLC) wins.
A row given to `put` is matched with the directory on its e-mail address, else on its name
(only a person with no other address): importing the same file again changes nothing.
"""

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

# What a person is made of, in the order files and exports name them; all but `name` optional.
FIELDS = ("name", "email", "handle", "team", "on_call", "phone")
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_PEOPLE = 100_000  # in one import: more is not a directory but a mistake
_COLUMNS = "uid, name, email, handle, team, on_call, phone"


class Person(NamedTuple):
    uid: str
    name: str
    email: str | None = None
    handle: str | None = None
    team: str | None = None
    on_call: bool = False
    phone: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "email": self.email, "handle": self.handle, "team": self.team,
                "on_call": self.on_call, "phone": self.phone}

    @property
    def tags(self) -> str:
        """What completion shows beside the name: `payments, on call` (may be empty)."""
        return ", ".join(filter(None, (self.team, "on call" if self.on_call else None)))

    @property
    def summary(self) -> str:
        """One line: `Ana Alvarez (payments, on call) @ana ana@example.com`."""
        tags = self.tags
        return " ".join(filter(None, (self.name, f"({tags})" if tags else None,
                                      f"@{self.handle}" if self.handle else None, self.email, self.phone)))


class Imported(NamedTuple):
    """What a `put` did: the people added, those updated, and how many were already so."""

    added: tuple[Person, ...]
    updated: tuple[Person, ...]
    unchanged: int

    @property
    def text(self) -> str:
        return f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged"


# -- checking one person ----------------------------------------------------------------------

def _optional(value, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} is not text")
    value = " ".join(value.split())
    return domain.clean_text(value, what, limit) if value else None


def clean_email(value) -> str | None:
    """An e-mail address as given (trimmed), or InputError saying why it is not one."""
    email = _optional(value, "e-mail", MAX_EMAIL)
    if email is None:
        return None
    local, at, host = email.rpartition("@")
    if not at or not local or "." not in host.strip(".") or " " in email or host.startswith("."):
        raise InputError(f"e-mail {email!r} is not an address such as ana@example.com")
    return email


def clean_handle(value) -> str | None:
    """A chat handle without its `@`: one word."""
    handle = _optional(value, "chat handle", domain.MAX_NAME)
    if handle is None:
        return None
    handle = handle.lstrip("@")
    if not handle or " " in handle:
        raise InputError(f"chat handle {value.strip()!r} is not one word such as @ana")
    return handle


_YES = {"yes", "y", "true", "1", "on", "x"}
_NO = {"no", "n", "false", "0", "off", ""}


def clean_on_call(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if not isinstance(value, str):
        raise InputError("on call is not yes or no")
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    shown = value.strip() if len(value.strip()) <= 20 else value.strip()[:19] + "…"
    raise InputError(f"on call {shown!r} is not yes or no")


class FieldError(InputError):
    """One field of a person is wrong (`field` names it, for a file to say which column)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _name(value) -> str:
    if not isinstance(value, str):
        raise InputError("the name is missing")
    return domain.clean_text(" ".join(value.split()), "name", domain.MAX_NAME)


_READERS = {"name": _name, "email": clean_email, "handle": clean_handle,
            "team": lambda v: _optional(v, "team", domain.MAX_NAME), "on_call": clean_on_call,
            "phone": lambda v: _optional(v, "phone", 40)}


def clean_person(fields: Mapping) -> dict:
    """The fields given (a subset of FIELDS, `name` required) checked and cleaned; FieldError
    saying which field is wrong. A field not given stays out (an update keeps its value)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise InputError(f"unknown field {sorted(unknown)[0]!r}")
    cleaned = {}
    for field in FIELDS:
        if field in fields or field == "name":
            try:
                cleaned[field] = _READERS[field](fields.get(field))
            except FieldError:
                raise
            except InputError as exc:
                raise FieldError(field, str(exc)) from None
    return cleaned


def uid_for(person: Mapping) -> str:
    """The uid a new person gets: made from the e-mail address, else the name, so consoles
    that add the same person apart make the same row."""
    key = f"email:{person['email'].casefold()}" if person.get("email") else f"name:{person['name'].casefold()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


# -- writing -----------------------------------------------------------------------------------

class People:
    """Add and update people in the directory."""

    def __init__(self, ledger: "Ledger") -> None:
        self._ledger = ledger

    def plan(self, rows: Iterable[Mapping], where: Callable[[int], str] | None = None
             ) -> tuple[list[dict], Imported]:
        """What `put` would write for `rows` (each checked with `clean_person`), without writing:
        the full rows, and what changes. InputError for the first bad one, named by `where(n)`
        (the row's place in a file, n from 1; default `person n`)."""
        where = where or (lambda number: f"person {number}")
        read = self._ledger.read.people
        written: list[dict] = []
        added: list[Person] = []
        updated: list[Person] = []
        unchanged = 0
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            if number > MAX_PEOPLE:
                raise InputError(f"more than {MAX_PEOPLE:,} people in one import")
            try:
                person = clean_person(row)
            except InputError as exc:
                raise InputError(f"{where(number)}: {exc}") from None
            key = f"email:{person['email'].casefold()}" if person.get("email") else f"name:{person['name'].casefold()}"
            if key in seen:
                what = key.split(":", 1)[1]
                raise InputError(f"{where(number)}: {what} is also {where(seen[key])}")
            seen[key] = number
            existing = read.by_email(person["email"]) if person.get("email") else None
            if existing is None:
                named = read.by_name(person["name"])
                if named is not None and (not named.email or not person.get("email")):
                    existing = named
            if existing is None:
                full = {field: person.get(field) for field in FIELDS}
                full["on_call"] = bool(full["on_call"])
                full["uid"] = uid_for(full)
                added.append(Person(**full))
                written.append(full)
                continue
            full = {**existing._asdict(), **person}
            if Person(**full) == existing:
                unchanged += 1
                continue
            updated.append(Person(**full))
            written.append(full)
        return written, Imported(tuple(added), tuple(updated), unchanged)

    def put(self, rows: Iterable[Mapping], where: Callable[[int], str] | None = None) -> Imported:
        """Add or update people (matched on e-mail, else name): all in one transaction, or
        none (InputError naming the first bad row). Nothing to change writes nothing."""
        ledger = self._ledger
        written, imported = self.plan(rows, where)
        if written:
            with ledger.writing():
                ledger.record(self._put, None, {"people": written})
        return imported

    @operation("people.put")
    def _put(self, op: Applied) -> None:
        for person in op.body["people"]:
            self._ledger.execute(
                f"INSERT INTO people ({_COLUMNS}, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (uid) DO UPDATE SET name = excluded.name, email = excluded.email, "
                "handle = excluded.handle, team = excluded.team, on_call = excluded.on_call, "
                "phone = excluded.phone, hlc = excluded.hlc WHERE people.hlc < excluded.hlc",
                (person["uid"], person["name"], person["email"], person["handle"], person["team"],
                 int(bool(person["on_call"])), person["phone"], op.hlc),
            )


# -- reading -----------------------------------------------------------------------------------

def _person(row: tuple) -> Person:
    return Person(*row[:5], bool(row[5]), row[6])


class PeopleReads:
    """The directory as it is; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._cached: tuple | None = None  # (version, what completion reads), see _for_completion

    def _people(self, where: str = "1", params: tuple = ()) -> list[Person]:
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM people WHERE {where} ORDER BY name COLLATE NOCASE, id", params
            ).fetchall()
        return [_person(row) for row in rows]

    def all(self) -> list[Person]:
        return self._people()

    def count(self) -> int:
        with storage_errors(self._path):
            return self._conn.execute("SELECT count(*) FROM people").fetchone()[0]

    def by_name(self, name: str) -> Person | None:
        found = self._people("name = ? COLLATE NOCASE", (" ".join(name.split()),))
        return found[0] if found else None

    def by_email(self, address: str) -> Person | None:
        found = self._people("email = ? COLLATE NOCASE", (address.strip(),))
        return found[0] if found else None

    def by_handle(self, handle: str) -> Person | None:
        found = self._people("handle = ? COLLATE NOCASE", (handle.strip().lstrip("@"),))
        return found[0] if found else None

    def lookup(self, word: str) -> Person | None:
        """The person whose name, chat handle or e-mail address is `word` (in that order)."""
        if not isinstance(word, str) or not word.strip():
            return None
        return self.by_name(word) or self.by_handle(word) or self.by_email(word)

    def email_of(self, name: str) -> str | None:
        """The e-mail address of the person called `name` (or with that handle), if known."""
        person = self.by_name(name) or self.by_handle(name)
        return person.email if person is not None else None

    def find(self, query: str = "", *, on_call: bool = False) -> list[Person]:
        """Everyone whose name, handle, e-mail or team contains every word of `query` (any
        case); exact matches of the whole query first. `on_call`: only those on call."""
        words = query.casefold().split()
        whole = " ".join(words)
        found = []
        for person in self._people("on_call = 1" if on_call else "1"):
            fields = [f.casefold() for f in (person.name, person.handle, person.email, person.team) if f]
            if all(any(word.lstrip("@") in field for field in fields) for word in words):
                found.append(person)
        if whole:
            found.sort(key=lambda p: whole.lstrip("@") not in
                       {f.casefold() for f in (p.name, p.handle, p.email, p.team) if f})
        return found

    def on_call(self) -> list[Person]:
        """Who is on call now, by team then name (the handbook's `!ic responders`)."""
        return sorted(self._people("on_call = 1"), key=lambda p: ((p.team or "").casefold(), p.name.casefold()))

    def completion(self, in_incident: Iterable[str]) -> tuple[list[str], dict[str, str]]:
        """What a NAME completes to: the names in the incident, then everyone in the directory
        (a name once, any case), each list by name; and each directory name's tags (team, on
        call) for the suggestions to show beside it."""
        first = sorted(set(in_incident), key=str.casefold)
        seen = {name.casefold() for name in first}
        names, notes = self._for_completion()
        return first + [name for key, name in names if key not in seen], notes

    def _for_completion(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """(casefolded name, name) once per name, and the notes: read again only when the
        directory changed, since the board asks on every refresh and a directory may hold 10,000
        people. Every change stamps its rows with its op's HLC, so the rows' HLCs say whether
        anything changed - their count, the newest, and the sums of their times and counters,
        which also move when an older op from elsewhere changes a row still older."""
        with storage_errors(self._path):
            version = self._conn.execute(
                "SELECT count(*), max(hlc), sum(CAST(substr(hlc, 1, 13) AS INTEGER)), "
                "sum(CAST(substr(hlc, 15, 4) AS INTEGER)) FROM people").fetchone()
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
            rows = self._conn.execute(
                "SELECT name, team, on_call FROM people ORDER BY name COLLATE NOCASE").fetchall()
        names, notes, seen = [], {}, set()
        for name, team, on_call in rows:
            if name not in notes and (team or on_call):
                notes[name] = f"{team}, on call" if team and on_call else team or "on call"
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                names.append((key, name))
        self._cached = (version, (names, notes))
        return names, notes

    def teams(self) -> list[str]:
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT DISTINCT team FROM people WHERE team IS NOT NULL ORDER BY team COLLATE NOCASE"
            ).fetchall()
        return [team for (team,) in rows]
