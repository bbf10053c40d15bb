"""The head log: where each incident's record chain stood, kept outside the database file.

The chain (console.chain) shows a row changed, removed or added anywhere but at the end: the
newest rows removed together with their links leave a shorter chain that holds. So the console
writes down, outside the file, how far each chain had got - one line per incident and moment in
an append-only file in the state folder (`Paths.head_log`, 0600 in a 0700 folder):

    {"incident": UID, "links": N, "head": HEX, "rows": [E, R, X, P], "at": TIME, "why": WHY,
     "signature": "ed25519:…" or null, "public_key": "ed25519:…" or null}

`rows` are the highest row ids of the four chained tables at that moment: the rows the head
covers are the incident's rows with ids up to those (rows are only ever added, each with a
higher id), which is how a head is still checked after a team's late ops relinked the chain
(the count only grows and the places move; the rows a head covered are still there, in the
chain's order). A line is signed with this install's key (console.chain_seal) when the process
has it at hand, over the same message an export's head is signed with.

Lines are written after each backup (the window's at start-up, after each resolve and every N
minutes of writing; `incident-console backup`), each export, each resolve from the command line,
and when the window closes - never on a note's write - and only for incidents whose head is not
in the log's last megabyte already, so the log grows with changes, not with time. A restore
writes a `restored` line: heads from before it are the replaced database's.

`verify` checks every incident's chain against the heads of the log and of every kept backup
(a backup's chain is a prefix of the live one): fewer links than a head knew is "truncated: N
links missing after E<k>".

    HeadLog(path).record(conn, why)          append the heads of every incident (or some)
    record_file(path, db_path, why)          the same from a database file (a backup just taken)
    HeadLog(path).restored(name)             the database was replaced by a restore
    witnesses(head_log, backup_dir)          (heads, problems) from the log and the backups
    Shortfall / check(conn, incident_id, heads)   the first head the chain does not reach
    missing(conn, heads)                     incidents the heads knew that are not in the file
"""

import json
import os
import sqlite3
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from console.chain import SOURCES, follow, genesis, layout, where
from console.domain import format_entry_ref, format_ref

LOG_NAME = "heads.log"
TAIL = 1 << 20  # how much of the log's end a new record reads to leave out heads already there
MAX_LOG = 512 * 1024 * 1024  # a log bigger than this is not one we wrote (about 2M lines)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # the log itself is never a symlink


class Seen(NamedTuple):
    """A head written down somewhere: the log, or a backup's own chain."""

    incident_uid: str
    links: int
    link: str  # hex
    rows: tuple[int, ...]  # the highest row id of each chained table (SOURCES) then
    at: str
    where: str  # "the head log's line 12 (backup)", "backup incidents-….sqlite3"


class Shortfall(NamedTuple):
    """A head the chain does not reach: links missing at its end, or another chain."""

    incident_id: int
    missing: int  # links the head knew that are not there (0: the chain differs)
    after: str  # the last row still there, as people name it ("E12", "the start")
    seen: Seen

    def line(self) -> str:
        ref = format_ref(self.incident_id)
        if self.missing:
            links = "link" if self.missing == 1 else "links"
            return (f"{ref}: truncated: {self.missing} {links} missing after {self.after}: "
                    f"{self.seen.where} knew {self.seen.links} at {self.seen.at}")
        return (f"{ref}: does not pass through a head written down before ({self.seen.where}: "
                f"{self.seen.links} links at {self.seen.at}): the record was changed or made again after it")


def heads_of(conn: sqlite3.Connection, incident_ids: list[int] | None = None) -> list[tuple[str, int, str]]:
    """(incident uid, links, head hex) of each incident (all, or those given): O(incidents)."""
    if incident_ids is None:
        incident_ids = [i for (i,) in conn.execute("SELECT id FROM incidents ORDER BY id")]
    found = []
    on = layout(conn)  # a backup's may be from before 0020
    for incident_id in incident_ids:
        row = conn.execute("SELECT uid FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if row is None:
            continue
        last = conn.execute(f"SELECT n, link FROM chain_links WHERE {on.of()} ORDER BY {on.order()} DESC "
                            "LIMIT 1", where(incident_id)).fetchone()
        n, link = last if last else (0, genesis(row[0]))
        found.append((row[0], n, link.hex()))
    return found


def high_rows(conn: sqlite3.Connection) -> tuple[int, ...]:
    """The highest row id of each chained table (each an O(log n) lookup)."""
    return tuple(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
                 for table in SOURCES)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class HeadLog:
    """The append-only file of heads. Writing never fails a caller's work: a log that cannot be
    written is said in the returned line (None when written)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def record(self, conn: sqlite3.Connection, why: str, incident_ids: list[int] | None = None,
               *, ask_keyring: bool = False) -> str | None:
        """Append the heads of the incidents (all, or those given) as the connection sees them.
        Signed when this process holds the install's key (asking the keyring first only with
        `ask_keyring`: never on a window's thread)."""
        try:
            own = not conn.in_transaction
            if own:
                conn.execute("BEGIN")  # one read transaction: the heads and the row ids agree
            try:
                heads = heads_of(conn, incident_ids)
                rows = high_rows(conn)
            finally:
                if own:
                    conn.execute("COMMIT")
        except sqlite3.Error as exc:
            return f"the head log was not written: {exc}"
        at = _now()
        lines = []
        latest = self._latest()
        for uid, links, link in heads:
            if latest.get(uid) == (links, link):
                continue  # written down already, and not changed since: the log grows with changes only
            line = {"incident": uid, "links": links, "head": link, "rows": list(rows), "at": at,
                    "why": why}
            line.update(_signed(line, ask_keyring))
            lines.append(line)
        return self._append(lines)

    def restored(self, name: str, *, ask_keyring: bool = True) -> str | None:
        """The database was replaced by `name`: heads before this line are the old database's."""
        line = {"restored": name, "at": _now()}
        line.update(_signed(line, ask_keyring))
        return self._append([line])

    def _latest(self) -> dict[str, tuple[int, str]]:
        """The newest (links, head) of each incident in the log's last TAIL bytes (since a
        restore): what a new line need not say again."""
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return {}
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return {}
            with os.fdopen(os.dup(fd), "rb") as file:
                size = file.seek(0, os.SEEK_END)
                file.seek(max(0, size - TAIL))
                data = file.read(TAIL)
        except OSError:
            return {}
        finally:
            os.close(fd)
        raw = data.decode("utf-8", errors="replace").split("\n")
        if size > TAIL:
            raw = raw[1:]  # the first line was cut where the tail starts
        latest: dict[str, tuple[int, str]] = {}
        for item in raw[:-1]:  # the last is empty, or a line cut short
            try:
                line = json.loads(item)
                if "restored" in line:
                    latest = {}
                else:
                    latest[line["incident"]] = (line["links"], line["head"])
            except (ValueError, KeyError, TypeError, RecursionError):
                continue
        return latest

    def _append(self, lines: list[dict]) -> str | None:
        if not lines:
            return None
        data = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for line in lines).encode()
        try:
            from console.paths import ensure_private_dir

            ensure_private_dir(self.path.parent)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | os.O_NONBLOCK, 0o600)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return f"the head log {self.path} is not a regular file: nothing was written to it"
                os.write(fd, data)  # one write: lines are never interleaved with another process's
            finally:
                os.close(fd)
        except OSError as exc:
            return f"the head log {self.path} was not written: {exc.strerror or exc}"
        except Exception as exc:  # noqa: BLE001 - the folder check's own errors (a file in the way)
            return f"the head log {self.path} was not written: {exc}"
        return None

    def _contents(self) -> bytes:
        """The log's bytes; ValueError when it is not a regular file of a sane size (a FIFO
        would hold the reader for ever, a symlink may point anywhere)."""
        fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK)
        try:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode):
                raise ValueError("is not a regular file")
            if found.st_size > MAX_LOG:
                raise ValueError(f"is too big to be ours ({found.st_size} bytes)")
            with os.fdopen(os.dup(fd), "rb") as file:
                return file.read(MAX_LOG + 1)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[Seen], list[str], str | None]:
        """(the heads since the newest restore, problems, when that restore was). A line cut
        short at the end (a crash while writing) is left out; any other line that is not one
        of ours, or whose signature does not hold, is a problem."""
        try:
            data = self._contents()
        except FileNotFoundError:
            return [], [], None
        except OSError as exc:
            return [], [f"the head log {self.path} cannot be read: {exc.strerror or exc}"], None
        except ValueError as exc:
            return [], [f"the head log {self.path} {exc}: it was not read"], None
        text = data.decode("utf-8", errors="replace")
        raw = text.split("\n")
        if raw and raw[-1] != "":
            raw = raw[:-1]  # the last line was cut short
        seen: list[Seen] = []
        problems: list[str] = []
        restored_at = None
        for number, item in enumerate(raw, 1):
            if not item.strip():
                continue
            where = f"the head log's line {number}"
            try:
                line = json.loads(item)
                if not isinstance(line, dict):
                    raise ValueError
                if "restored" in line:
                    wrong = _check_signature(line)
                    if wrong:
                        problems.append(f"{where}: {wrong}: the log was altered")
                        continue
                    seen, restored_at = [], str(line["at"])  # the heads before were the old database's
                    continue
                uid, links, link, rows, at = (line["incident"], line["links"], line["head"],
                                              line["rows"], line["at"])
                if not (isinstance(uid, str) and type(links) is int and links >= 0
                        and isinstance(link, str) and len(link) == 64 and isinstance(rows, list)
                        and len(rows) == len(SOURCES) and all(type(r) is int for r in rows)):
                    raise ValueError
                bytes.fromhex(link)
            except (ValueError, KeyError, TypeError, RecursionError):
                problems.append(f"{where} is not a head this version writes: the log was altered")
                continue
            wrong = _check_signature(line)
            if wrong:
                problems.append(f"{where}: {wrong}: the log was altered")
                continue
            seen.append(Seen(uid, links, link, tuple(rows), str(at),
                             f"the head log's line {number} ({line.get('why')})"))
        return seen, problems, restored_at


def record_file(head_log: Path, db_path: Path, why: str, *, ask_keyring: bool = False) -> str | None:
    """Append the heads of every incident of a database file (the live one, or a backup just
    taken: its snapshot); None when written, else why not in one line."""
    from console.errors import ConsoleError
    from console.store import connect

    try:
        conn = connect(Path(db_path), read_only=True)
    except ConsoleError as exc:
        return f"the head log was not written: {exc}"
    try:
        return HeadLog(head_log).record(conn, why, ask_keyring=ask_keyring)
    finally:
        conn.close()


def _message(line: dict) -> bytes:
    from console import chain_seal

    if "restored" in line:
        return f"restored\n{line['restored']}\n{line['at']}".encode()
    return chain_seal.message(line["incident"], line["links"], line["head"])


def _signed(line: dict, ask_keyring: bool) -> dict:
    """The line's signature fields: signed when the key is at hand, else nulls."""
    from console import chain_seal

    if not ask_keyring and not chain_seal.known():
        return {"signature": None, "public_key": None}
    if ask_keyring:
        chain_seal.prepare()
    return chain_seal.sign(_message(line))


def _check_signature(line: dict) -> str | None:
    if not line.get("signature"):
        return None
    from console import chain_seal

    return chain_seal.check_message(_message(line), line.get("signature"), line.get("public_key"))


def from_backups(folder: Path, since: str | None = None) -> tuple[list[Seen], list[str]]:
    """The heads of every incident in each kept backup (taken after `since`, a restore)."""
    from console import backups

    seen: list[Seen] = []
    problems: list[str] = []
    for backup in backups.listing(folder):
        at = backup.taken_at.isoformat(timespec="seconds").replace("+00:00", "Z")
        if since is not None and at <= since:
            continue  # from the database a restore replaced
        try:
            conn = sqlite3.connect(f"file:{backup.path}?mode=ro", uri=True)
            try:
                has = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'chain_links'").fetchone()
                if not has:
                    continue  # from before the chain
                rows = high_rows(conn)
                seen.extend(Seen(uid, links, link, rows, at, f"backup {backup.path.name}")
                            for uid, links, link in heads_of(conn))
            finally:
                conn.close()
        except sqlite3.Error as exc:
            problems.append(f"backup {backup.path.name} cannot be read ({exc}): its heads were not checked")
    return seen, problems


def witnesses(head_log: Path, backup_dir: Path) -> tuple[list[Seen], list[str]]:
    """Every head written down outside the database, and what was wrong with where they were."""
    logged, problems, restored_at = HeadLog(head_log).read()
    kept, unreadable = from_backups(backup_dir, restored_at)
    return logged + kept, problems + unreadable


def check(conn: sqlite3.Connection, incident_id: int, heads: list[Seen]) -> Shortfall | None:
    """The first head of this incident its chain does not reach (the largest first), or None.
    Call it once the chain itself holds (ChainReads.verify): its stored digests are its rows'."""
    uid = conn.execute("SELECT uid FROM incidents WHERE id = ?", (incident_id,)).fetchone()[0]
    mine = sorted((s for s in heads if s.incident_uid == uid), key=lambda s: -s.links)
    on = layout(conn)
    for seen in mine:
        at = conn.execute(f"SELECT link FROM chain_links WHERE {on.at()}",
                          where(incident_id, seen.links)).fetchone()
        if seen.links == 0 or (at is not None and at[0].hex() == seen.link):
            continue  # the chain passes through it where it was (no late op since)
        links = conn.execute(f"SELECT source, row_id, digest FROM chain_links WHERE {on.of()} "
                             f"ORDER BY {on.order()}", where(incident_id))  # streamed: a million links are not held
        found = _through(uid, links, seen)
        if found is not None:
            missing, last = found
            return Shortfall(incident_id, missing, _name(conn, last), seen)
    return None


def missing(conn: sqlite3.Connection, heads: list[Seen]) -> list[str]:
    """One line for each incident a head was written down for that is not in the database (an
    incident removed whole)."""
    there = {uid for (uid,) in conn.execute("SELECT uid FROM incidents")}
    gone: dict[str, Seen] = {}
    for seen in heads:
        if seen.incident_uid in there:
            continue
        known = gone.get(seen.incident_uid)
        if known is None or seen.links > known.links:
            gone[seen.incident_uid] = seen
    return [f"incident {uid} is gone: {seen.where} knew it with {seen.links} links at {seen.at}"
            for uid, seen in sorted(gone.items())]


def _through(uid: str, links, seen: Seen) -> tuple[int, tuple[int, int] | None] | None:
    """None when the rows the head covered, in the chain's order now, make its head; else
    (links missing, the last row there) - missing 0 when as many are there but the head differs."""
    previous, count, last = genesis(uid), 0, None
    for source, row_id, digest in links:
        if row_id <= seen.rows[source]:
            previous = follow(previous, digest)
            count += 1
            last = (source, row_id)
    if count == seen.links and previous.hex() == seen.link:
        return None
    return max(seen.links - count, 0), last


def _name(conn: sqlite3.Connection, last: tuple[int, int] | None) -> str:
    """The entry the last row still there belongs to ("E12"), or "the start"."""
    if last is None:
        return "the start"
    source, row_id = last
    if source == 0:
        return format_entry_ref(row_id)
    row = conn.execute(f"SELECT entry_id FROM {SOURCES[source]} WHERE id = ?", (row_id,)).fetchone()
    return format_entry_ref(row[0]) if row else "the start"

