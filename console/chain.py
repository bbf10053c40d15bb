"""The hash chain over each incident's record: what makes tampering with the file visible.

Each incident's entries, and their revisions, retractions and pins (the rows its timeline is
made of), form a chain of SHA-256 links (docs/design/chain.md):

    digest = sha256(encoding of the row)        a JSON array, fixed field order, UTF-8
    link   = sha256(previous link + digest)     the first link follows sha256(GENESIS + uid)

Links are kept in `chain_links` (migration 0013; keyed by `position` since 0020, see `SPAN`),
one per row, in the chain's order: the row's
HLC, then its kind (entry, revision, retraction, pin), then its entry's uid, then its digest -
the same order on every console of a team. A link is made in the same transaction as its row
(`Ledger.writing` calls `Chain.link` before it commits, for every row written through
`Ledger.insert`); a row that sorts before rows already linked (an op that arrived late from
another console) relinks the chain from its place, reusing the digests kept for the rows after
it, so a row changed by hand stays detected.

    Chain(conn).link([(table, row_id, row), ...])  link rows written in this transaction
    ChainReads(conn, path).verify(incident_id)  None, or the first `Break`
    ChainReads(conn, path).head(incident_id)    the `Head`: how many links, the last one

Only the standard library (hashlib, json): nothing here slows a write or the window's first
paint. Signing a head is console.chain_seal's.
"""

import json
import json.encoder
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from console.domain import format_entry_ref, format_ref
from console.errors import NotFound
from console.ops import Applied, operation
from console.store import storage_errors

try:  # SHA-256 without importing hashlib, which loads OpenSSL (~5 ms on every command that writes)
    if sys.version_info >= (3, 12):
        from _sha2 import sha256
    else:
        from _sha256 import sha256
except ImportError:  # pragma: no cover - a Python built without its own SHA-256
    from hashlib import sha256

GENESIS = b"incident-console chain 1\n"
ALGORITHM = "sha256-chain/1"  # what an export names the chain's rules by

# The tables the chain covers, each with its kind's rank in the order (and its word).
SOURCES = ("entries", "entry_revisions", "entry_retractions", "pins")
KINDS = ("entry", "revision", "retraction", "pin")
RANK = {table: rank for rank, table in enumerate(SOURCES)}

# One row of each table as the chain reads it: (incident id, the row's HLC, its entry's uid (as
# stored: `_canonical_uid` gives it as first written), its entry's HLC, its entry's row id, then the fields the encoding covers).
_ENTRY_FIELDS = ("kind", "text", "author", "occurred_at", "recorded_at")
_ROW = {
    "entries": "SELECT e.incident_id, e.hlc, e.uid, e.hlc, e.id, "
               f"{', '.join('e.' + field for field in _ENTRY_FIELDS)} FROM entries e WHERE e.id = ?",
    **{table: f"SELECT e.incident_id, r.hlc, e.uid, e.hlc, e.id, r.{field}, r.\"by\", r.at "
              f"FROM {table} r JOIN entries e ON e.id = r.entry_id WHERE r.id = ?"
       for table, field in (("entry_revisions", "text"), ("entry_retractions", "reason"),
                            ("pins", "pinned"))},
}


def _entry_as_read(row_id: int, inserted: dict | None) -> tuple | None:
    """An entry's row as `_ROW` reads it, from the values it was inserted with; None unless
    they are all there as the table keeps them (an integer incident id, the rest text)."""
    try:
        row = (inserted["incident_id"], inserted["hlc"], inserted["uid"], inserted["hlc"], row_id,
               *(inserted[field] for field in _ENTRY_FIELDS))
    except (KeyError, TypeError):
        return None
    if type(row[0]) is not int or not all(type(value) is str for value in row[1:4] + row[5:]):
        return None
    return row


def genesis(incident_uid: str) -> bytes:
    """What the first link follows: bound to the incident, so chains cannot be swapped."""
    return sha256(GENESIS + incident_uid.encode()).digest()


def encode(rank: int, hlc: str, uid: str, entry_hlc: str, fields: tuple) -> bytes:
    """The canonical bytes of one row: a JSON array (its kind, its entry's uid and HLC, its own
    HLC, then its fields in a fixed order), no spaces, non-ASCII as UTF-8 - the text
    `json.dumps(record, ensure_ascii=False, separators=(",", ":"))` makes. Written out here with
    the json module's own string encoder because every value is a string, an integer or null:
    three times faster than `json.dumps`, which builds an encoder per call (verify makes a million
    of these); `tests/core/test_chain.py` holds the two to the same bytes."""
    if rank == 0:
        record = (KINDS[0], uid, hlc, *fields)
    else:
        record = (KINDS[rank], uid, entry_hlc, hlc, *fields)
    return ("[" + ",".join([_string(v) if type(v) is str else _scalar(v) for v in record]) + "]").encode()


_string = json.encoder.encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False


def _scalar(value) -> str:
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # not one the store holds


def digest_of(rank: int, hlc: str, uid: str, entry_hlc: str, fields: tuple) -> bytes:
    return sha256(encode(rank, hlc, uid, entry_hlc, fields)).digest()


def follow(previous: bytes, digest: bytes) -> bytes:
    """The link of a row whose digest is `digest`, after the link `previous`."""
    return sha256(previous + digest).digest()


# Where a link is kept (migration 0020): its row id, `position`, is its incident's id times SPAN
# plus its place n, so an incident's links are one range of the table's own B-tree and a new
# one goes at its right edge (keyed by (incident, n) WITHOUT ROWID, a link cost ~1.5 pages to
# write, that B-tree's page splits included; as a row id, ~1.1). A file from before 0020 keys
# them by (incident, n): migration 0013 builds the chain with this code, and a backup's heads
# are read as it is. `Layout` words the same questions for either.
SPAN = 1 << 32


class Layout(NamedTuple):
    keyed: bool  # by `position` (0020 on)

    def of(self, t: str = "") -> str:
        """An incident's links (named parameters of `where`; `t` a table alias with its dot)."""
        return f"{t}position BETWEEN :lo AND :hi" if self.keyed else f"{t}incident_id = :incident"

    def at(self, t: str = "") -> str:
        """Link :n of an incident."""
        return f"{t}position = :lo + :n" if self.keyed else f"{t}incident_id = :incident AND {t}n = :n"

    def order(self, t: str = "") -> str:
        return f"{t}position" if self.keyed else f"{t}n"


def layout(conn: sqlite3.Connection) -> Layout:
    return Layout(any(column[1] == "position" for column in conn.execute("PRAGMA table_info(chain_links)")))


def where(incident_id: int, n: int = 0, **more) -> dict:
    """The named parameters of a `Layout`'s words for an incident (and its link `n`)."""
    return {"incident": incident_id, "lo": incident_id * SPAN, "hi": incident_id * SPAN + SPAN - 1,
            "n": n, **more}


class _Item(NamedTuple):
    """A row to link: its place in the order is (hlc, rank, uid, digest)."""

    hlc: str
    rank: int
    uid: str
    digest: bytes
    row_id: int


class _OnLinks:
    """What reads or writes `chain_links` shares: its connection, and the table's layout, read
    once (the first time it is needed)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._layout: Layout | None = None

    @property
    def _where(self) -> Layout:
        if self._layout is None:
            self._layout = layout(self._conn)
        return self._layout


class Chain(_OnLinks):
    """Extends the chains on the writer connection, inside the caller's transaction.

    Each incident's last link is kept from one write to the next, so a note need not read it
    back: it holds while no other connection has committed since (`PRAGMA data_version`, read
    under the write lock, says so) and the transaction that wrote it was not rolled back (the
    ledger calls `forget` when one is)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self._tails: dict[int, tuple] = {}  # incident id -> its last link, as `_extend` reads it
        self._version: int | None = None  # data_version when they were kept

    def forget(self) -> None:
        """Drop the last links kept: the transaction that wrote them did not commit."""
        self._tails.clear()

    def link(self, written: Iterable[tuple[str, int, dict | None]]) -> None:
        """Link the rows (table, row id, the row as inserted or None) written in this
        transaction, incident by incident. An entry inserted whole (`Ledger.insert`) is linked
        from the values it was inserted with, which are what the table holds (an entry is never
        changed, and its columns keep the text and integers given them); any other row is read
        back, with its entry's uid and HLC."""
        by_incident: dict[int, list[_Item]] = {}
        for table, row_id, inserted in written:
            row = _entry_as_read(row_id, inserted) if table == "entries" else None
            if row is None:
                row = self._conn.execute(_ROW[table], (row_id,)).fetchone()
            if row is None:
                continue  # rolled back by a savepoint: it is not there to link
            incident_id, hlc, uid, entry_hlc, _entry_id, *fields = row
            rank, uid = RANK[table], _canonical_uid(uid, entry_hlc)
            by_incident.setdefault(incident_id, []).append(
                _Item(hlc, rank, uid, digest_of(rank, hlc, uid, entry_hlc, tuple(fields)), row_id))
        if not by_incident:
            return
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        if version != self._version:  # another connection has written: what was kept may be stale
            self._tails.clear()
            self._version = version
        for incident_id, items in by_incident.items():
            self._extend(incident_id, sorted(items))

    def _extend(self, incident_id: int, items: list[_Item]) -> None:
        conn = self._conn
        on = self._where
        tail = self._tails.pop(incident_id, None)
        if tail is None:
            tail = conn.execute(
                f"SELECT n, hlc, source, uid, digest, link, {on.order()} FROM chain_links WHERE {on.of()} "
                f"ORDER BY {on.order()} DESC LIMIT 1", where(incident_id)).fetchone()
        top = tail[6] if tail else 0  # the last position taken
        if tail is None:
            n, previous = 0, genesis(self._uid(incident_id))
        elif tail[1:5] < items[0][:4]:
            n, previous = tail[0], tail[5]
        else:
            n, previous, displaced = self._cut(incident_id, items[0])
            items = sorted(items + displaced)
            (top,) = conn.execute(f"SELECT coalesce(max({on.order()}), 0) FROM chain_links WHERE {on.of()}",
                                  where(incident_id)).fetchone()
        rows = []
        for item in items:
            n += 1
            previous = follow(previous, item.digest)
            # Its incident's SPAN plus n; past the last one taken if a hand renumbered the
            # links (verify says so): the write goes on, as the chain's other writes do.
            top = max(top + 1, incident_id * SPAN + n)
            rows.append((incident_id, n, item.rank, item.row_id, item.hlc, item.uid, item.digest,
                         previous, top))
        keyed = on.keyed
        conn.executemany(
            "INSERT INTO chain_links (incident_id, n, source, row_id, hlc, uid, digest, link"
            f"{', position' if keyed else ''}) VALUES (?, ?, ?, ?, ?, ?, ?, ?{', ?' if keyed else ''})",
            rows if keyed else [row[:-1] for row in rows])
        _, n, rank, _, hlc, uid, digest, link, top = rows[-1]
        self._tails[incident_id] = (n, hlc, rank, uid, digest, link, top if keyed else n)

    def _cut(self, incident_id: int, first: _Item) -> tuple[int, bytes, list[_Item]]:
        """Take off the links that sort after `first` (a row that arrived late): where the
        chain goes on, the link before, and the rows taken off with the digests they had."""
        displaced = []
        start = 0
        on = self._where
        for n, hlc, rank, uid, digest, row_id in self._conn.execute(
                f"SELECT n, hlc, source, uid, digest, row_id FROM chain_links WHERE {on.of()} "
                f"ORDER BY {on.order()} DESC", where(incident_id)):
            if (hlc, rank, uid, digest) < first[:4]:
                start = n
                break
            displaced.append(_Item(hlc, rank, uid, digest, row_id))
        self._conn.execute(f"DELETE FROM chain_links WHERE {on.of()} AND n > :n",
                           where(incident_id, start))
        previous = self._conn.execute(
            f"SELECT link FROM chain_links WHERE {on.at()}", where(incident_id, start)
        ).fetchone()
        return start, previous[0] if previous else genesis(self._uid(incident_id)), displaced

    def _uid(self, incident_id: int) -> str:
        return self._conn.execute("SELECT uid FROM incidents WHERE id = ?",
                                  (incident_id,)).fetchone()[0]

    def build(self, incident_id: int) -> int:
        """Link every row of an incident that has no link yet, in the chain's order (a database
        from before the chain, at migration 0013). How many rows it linked."""
        linked = {(rank, row_id) for rank, row_id in self._conn.execute(
            f"SELECT source, row_id FROM chain_links WHERE {self._where.of()}", where(incident_id))}
        written = [(table, row_id) for table, row_id in _rows_of(self._conn, incident_id)
                   if (RANK[table], row_id) not in linked]
        self.link((table, row_id, None) for table, row_id in written)
        return len(written)


ORIGIN_VERB = "import.chain_origin"


class ChainOrigins:
    """Since when an incident's chain has been kept as rows were written, the same on every
    console: migration 0013 records it as an op for each incident it chained after the fact."""

    def __init__(self, ledger) -> None:
        self._ledger = ledger

    @operation(ORIGIN_VERB)
    def _origin(self, op: Applied) -> None:
        """The earliest such moment wins (two consoles upgraded apart each made one)."""
        self._ledger.execute(
            "INSERT INTO chain_origins (incident_id, chained_from) VALUES (?, ?) "
            "ON CONFLICT (incident_id) DO UPDATE SET chained_from = "
            "min(chained_from, excluded.chained_from)",
            (op.incident_id, op.body["chained_from"]))


def _rows_of(conn: sqlite3.Connection, incident_id: int) -> Iterator[tuple[str, int]]:
    """(table, row id) of every row of an incident the chain covers."""
    yield from (("entries", row_id) for (row_id,) in conn.execute(
        "SELECT id FROM entries WHERE incident_id = ?", (incident_id,)))
    for table in SOURCES[1:]:
        yield from ((table, row_id) for (row_id,) in conn.execute(
            f"SELECT r.id FROM {table} r JOIN entries e ON e.id = r.entry_id "
            "WHERE e.incident_id = ?", (incident_id,)))


class Head(NamedTuple):
    """Where an incident's chain stands: its incident, how many links, the last one (hex), the
    HLC of the last row, and since when it has been kept as rows were written (None: since the
    incident began here; else the time of migration 0013, which chained the rows before it)."""

    incident_uid: str
    links: int
    link: str
    chained_from: str | None

    def line(self) -> str:
        since = (f"chained from {self.chained_from} (rows before were chained then)"
                 if self.chained_from else "chained from the start")
        return f"record chain ({ALGORITHM}): {self.links} links, head {self.link}, {since}"


class Break(NamedTuple):
    """The first place an incident's chain does not hold."""

    incident_id: int
    what: str  # the row, as people name it: "E3", "E3's revision by Ana at 14:02"
    how: str  # changed, deleted, inserted, out of place
    n: int  # the link's place in the chain (for inserted: where it would go)

    def line(self) -> str:
        return f"{format_ref(self.incident_id)}: {self.what} {_HOW[self.how]} (link {self.n})"


_HOW = {
    "changed": "was changed after it was written",
    "deleted": "was deleted",
    "inserted": "was inserted: it is not in the chain",
    "out of place": "does not follow the link before it: something before it was removed, "
                    "added or moved",
}

# Verify reads every link with its row in one pass (by row id: no second index is kept).
_WALK = """
SELECT l.n, l.source, l.row_id, l.hlc, l.uid, l.digest, l.link,
       coalesce(e.incident_id, t.incident_id), coalesce(e.hlc, r.hlc, x.hlc, p.hlc),
       coalesce(e.uid, t.uid), coalesce(e.hlc, t.hlc), coalesce(e.id, t.id),
       e.kind, coalesce(e.text, r.text, x.reason, p.pinned), coalesce(e.author, r."by", x."by", p."by"),
       coalesce(e.occurred_at, r.at, x.at, p.at), e.recorded_at,
       (e.id IS NOT NULL OR r.id IS NOT NULL OR x.id IS NOT NULL OR p.id IS NOT NULL)
FROM chain_links l
LEFT JOIN entries e ON l.source = 0 AND e.id = l.row_id
LEFT JOIN entry_revisions r ON l.source = 1 AND r.id = l.row_id
LEFT JOIN entry_retractions x ON l.source = 2 AND x.id = l.row_id
LEFT JOIN pins p ON l.source = 3 AND p.id = l.row_id
LEFT JOIN entries t ON t.id = coalesce(r.entry_id, x.entry_id, p.entry_id)
WHERE {of} ORDER BY {order}
"""


def _canonical_uid(uid: str, hlc: str) -> str:
    suffix = f"~{hlc}"
    return uid[: -len(suffix)] if hlc and uid.endswith(suffix) else uid


class ChainReads(_OnLinks):
    """Reads and checks the chains; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn)
        self._path = path
        self.path = path  # the database (a check on a thread of its own opens its own connection)

    def head(self, incident_id: int) -> Head:
        with storage_errors(self._path):
            uid = self._incident_uid(incident_id)
            on = self._where
            last = self._conn.execute(
                f"SELECT n, link FROM chain_links WHERE {on.of()} ORDER BY {on.order()} DESC LIMIT 1",
                where(incident_id)).fetchone()
            origin = self._conn.execute(
                "SELECT chained_from FROM chain_origins WHERE incident_id = ?", (incident_id,)
            ).fetchone()
        n, link = last if last else (0, genesis(uid))
        return Head(uid, n, link.hex(), origin[0] if origin else None)

    def _incident_uid(self, incident_id: int) -> str:
        row = self._conn.execute("SELECT uid FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if row is None:
            raise NotFound(f"no incident {format_ref(incident_id)}")
        return row[0]

    def link_at(self, incident_id: int, n: int) -> str | None:
        """The link at place `n` of an incident's chain (hex), if it is that long."""
        with storage_errors(self._path):
            row = self._conn.execute(f"SELECT link FROM chain_links WHERE {self._where.at()}",
                                     where(incident_id, n)).fetchone()
        return row[0].hex() if row else None

    def verify(self, incident_id: int) -> Break | None:
        """Recompute an incident's chain from its rows: None when every link holds, else the
        first place it does not (a row changed, deleted, inserted, or out of place)."""
        with storage_errors(self._path):
            uid = self._incident_uid(incident_id)
            found = self._walk(incident_id, genesis(uid))
            if found is not None:
                return found
            return self._inserted(incident_id)

    def _walk(self, incident_id: int, previous: bytes) -> Break | None:
        expected = 0
        from hashlib import sha256  # OpenSSL's: twice as fast per row as the built-in one
        on = self._where
        for row in self._conn.execute(_WALK.format(of=on.of("l."), order=on.order("l.")), where(incident_id)):
            (n, rank, row_id, hlc, uid, digest, link, owner, row_hlc, entry_uid, entry_hlc,
             entry_id, kind, text, author, at, recorded, exists) = row
            expected += 1
            if n != expected:
                return Break(incident_id, f"link {expected}", "deleted", expected)
            if not exists or owner != incident_id:
                if rank and (entry_id is None or owner != incident_id):
                    entry_id = self._entry_by_uid(incident_id, uid)
                return Break(incident_id, self._name(rank, row_id, entry_id, author, at),
                             "deleted", n)
            fields = (kind, text, author, at, recorded) if rank == 0 else (text, author, at)
            entry_uid = _canonical_uid(entry_uid, entry_hlc)
            if sha256(encode(rank, row_hlc, entry_uid, entry_hlc, fields)).digest() != digest:
                return Break(incident_id, self._name(rank, row_id, entry_id, author, at),
                             "changed" if (row_hlc, entry_uid) == (hlc, uid) else "out of place", n)
            previous = sha256(previous + digest).digest()
            if previous != link:
                return Break(incident_id, self._name(rank, row_id, entry_id, author, at),
                             "out of place", n)
        return None

    def _inserted(self, incident_id: int) -> Break | None:
        """A row of the incident no link names (someone added it by hand)."""
        linked = {rank: 0 for rank in range(len(SOURCES))}
        for rank, count in self._conn.execute(
                f"SELECT source, count(*) FROM chain_links WHERE {self._where.of()} GROUP BY source",
                where(incident_id)):
            linked[rank] = count
        there = {table: 0 for table in SOURCES}
        there["entries"] = self._conn.execute(
            "SELECT count(*) FROM entries WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        for table in SOURCES[1:]:
            there[table] = self._conn.execute(
                f"SELECT count(*) FROM {table} r JOIN entries e ON e.id = r.entry_id "
                "WHERE e.incident_id = ?", (incident_id,)).fetchone()[0]
        if all(there[table] == linked[RANK[table]] for table in SOURCES):
            return None
        ids = {rank: set() for rank in range(len(SOURCES))}
        for rank, row_id in self._conn.execute(
                f"SELECT source, row_id FROM chain_links WHERE {self._where.of()}", where(incident_id)):
            ids[rank].add(row_id)
        extra = []
        for table, row_id in _rows_of(self._conn, incident_id):
            if row_id not in ids[RANK[table]]:
                _, hlc, uid, entry_hlc, entry_id, *fields = self._conn.execute(
                    _ROW[table], (row_id,)).fetchone()
                uid = _canonical_uid(uid, entry_hlc)
                extra.append((hlc, RANK[table], uid, row_id, entry_id, fields))
        hlc, rank, uid, row_id, entry_id, fields = min(extra)
        place = self._conn.execute(
            f"SELECT count(*) FROM chain_links WHERE {self._where.of()} "
            "AND (hlc, source, uid) < (:hlc, :rank, :uid)",
            where(incident_id, hlc=hlc, rank=rank, uid=uid)).fetchone()[0] + 1
        author, at = (fields[2], fields[3]) if rank == 0 else (fields[1], fields[2])
        return Break(incident_id, self._name(rank, row_id, entry_id, author, at), "inserted", place)

    def _entry_by_uid(self, incident_id: int, uid: str) -> int | None:
        """The row id of the incident's entry first written with `uid` (naming a deleted row's
        entry)."""
        row = self._conn.execute(
            "SELECT id FROM entries WHERE incident_id = ? AND (uid = ? OR substr(uid, 1, ?) = ?) "
            "ORDER BY id LIMIT 1", (incident_id, uid, len(uid) + 1, f"{uid}~")).fetchone()
        return row[0] if row else None

    @staticmethod
    def _name(rank: int, row_id: int, entry_id: int | None, by: str | None, at: str | None) -> str:
        if rank == 0:
            return format_entry_ref(row_id)
        whose = f"{format_entry_ref(entry_id)}'s" if entry_id is not None else "an entry's"
        when = f" by {by} at {at}" if by else ""
        return f"{whose} {KINDS[rank]}{when}"

    def incidents(self) -> list[int]:
        """Every incident's row id, oldest first (`verify --all`)."""
        with storage_errors(self._path):
            return [row_id for (row_id,) in self._conn.execute("SELECT id FROM incidents ORDER BY id")]

