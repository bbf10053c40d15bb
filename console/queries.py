"""Read-only queries over the store, on a plain sqlite3 connection.

Reads need nothing from sqlite-utils, so the window can open its list on the standard
library alone and paint before the heavier imports happen. Every query is keyed by index:
the timeline is read in pages from its newest end so an incident with a million entries
opens as fast as one with ten.
"""

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from console.domain import (
    CheckState, Entry, Extension, Incident, Retraction, Revision, RoleAssignment, Task, Update,
    format_entry_ref, format_ref, format_task_ref,
)
from console.domain import (
    ActionItem, PostmortemRecord, PostmortemVersion, format_action_item_ref,
)
from console.errors import NotFound
from console.store import storage_errors

_INCIDENT_COLUMNS = (
    "id, title, severity, status, security, drill, started_at, declared_at, "
    "mitigated_at, resolved_at"
)
# An entry with its state read from its history: three probes of small indexed tables per
# row (the newest revision, a retraction, the newest pin), so a page of 500 costs 1,500
# index lookups whatever the timeline's length. Every query names the entries table `e`.
_ENTRY_COLUMNS = (
    "e.id, e.uid, e.incident_id, e.kind, e.text, e.author, e.occurred_at, e.recorded_at, "
    "(SELECT r.text FROM entry_revisions r WHERE r.entry_id = e.id ORDER BY r.id DESC LIMIT 1), "
    "EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = e.id), "
    "coalesce((SELECT p.pinned FROM pins p WHERE p.entry_id = e.id ORDER BY p.id DESC LIMIT 1), 0)"
)
# The ids of entries pinned now (their newest pin row says pinned). Pins are few - a person
# pins by hand - so reading them all is cheaper than any index over the timeline.
_PINNED_NOW = (
    "SELECT p.entry_id FROM pins p WHERE p.pinned = 1 "
    "AND p.id = (SELECT max(q.id) FROM pins q WHERE q.entry_id = p.entry_id)"
)
# Search ranks its matches only when there are at most this many: bm25 must score every match
# before it can return the best, and a word found in most of a million entries takes seconds.
# Larger match sets come newest first, which FTS5 answers from its index order at once.
RANK_AT_MOST = 2000
# A filter that allows at most this many entries (an author who wrote little, a rare kind,
# the pins) is read by index into a list of ids, and only those are visited: for a common
# word each is one seek into the full-text index (50-200 us), taken newest first until a
# page is found, which costs less than walking the newest matches until enough pass.
FEW = 1000
_HIT_START, _HIT_END = "\x02", "\x03"
_TASK_COLUMNS = (
    "t.id, t.uid, t.incident_id, t.owner, t.text, t.assigned_at, t.due_at, t.done_at, "
    "t.created_by"
)
_UPDATE_COLUMNS = 'id, incident_id, audience, text, "by", sent_at'


def _incident(row: tuple) -> Incident:
    return Incident(
        id=row[0], title=row[1], severity=row[2], status=row[3], security=bool(row[4]),
        drill=bool(row[5]), started_at=row[6], declared_at=row[7], mitigated_at=row[8],
        resolved_at=row[9],
    )


def _entry(row: tuple) -> Entry:
    return Entry(*row[:9], retracted=bool(row[9]), pinned=bool(row[10]))


@dataclass(frozen=True)
class SearchHit:
    """An entry found by search, with the matched passage of its current text.

    `snippet` is plain text with each matched word between \\x02 and \\x03 (as in the
    handbook's hits). A hit also reads as its entry (`hit.text`, `hit.id`, ...), so code
    written when search returned entries keeps working.
    """

    entry: Entry
    snippet: str

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "entry":
            raise AttributeError(name)
        return getattr(self.entry, name)

    def snippet_marked(self, start: str = "[", end: str = "]") -> str:
        return self.snippet.replace(_HIT_START, start).replace(_HIT_END, end)


def match_query(text: str) -> str | None:
    """What a person typed -> one safe FTS5 query: every word must appear, in any order.

    Each word is quoted, so quotes, `AND`/`OR`/`NEAR`, `:`, `^` and brackets are searched as
    the words they contain and can never make the query invalid; None when nothing
    searchable was typed. Unlike the handbook's search, the last word is not made a prefix
    while typing: a prefix makes FTS5 merge the posting list of every word that starts
    with it, ~50 ms for `replica*` and ~180 ms for `r*` over a million entries, against
    ~1 ms for the word. A person who wants one asks for it: `repl*` (three letters or more).
    Only the first 32 words count.
    """
    terms = [
        f'"{word}"*' if star and len(word) >= 3 else f'"{word}"'
        for word, star in re.findall(r"(\w+)(\*?)", text or "", flags=re.UNICODE)
    ]
    return " ".join(terms[:32]) or None


class Reader:
    """Queries over one connection; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def incidents(self) -> list[Incident]:
        """Every incident, the open ones first, newest first within each group."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents "
                "ORDER BY status = 'resolved', id DESC"
            ).fetchall()
        return [_incident(row) for row in rows]

    def incident(self, incident_id: int) -> Incident:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no incident {format_ref(incident_id)}")
        return _incident(row)

    def roles(self, incident_id: int, *, current_only: bool = False) -> list[RoleAssignment]:
        """Role assignments in the order they were made (the full history unless asked)."""
        where = "incident_id = ?" + (" AND to_at IS NULL" if current_only else "")
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT id, incident_id, role, person, from_at, to_at FROM role_assignments "
                f"WHERE {where} ORDER BY from_at, id",
                (incident_id,),
            ).fetchall()
        return [RoleAssignment(*row) for row in rows]

    def entry_count(self, incident_id: int) -> int:
        with storage_errors(self._path):
            return self._conn.execute(
                "SELECT count(*) FROM entries WHERE incident_id = ?", (incident_id,)
            ).fetchone()[0]

    def timeline(self, incident_id: int) -> list[Entry]:
        """The whole timeline, oldest first (exports; the window pages instead)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.incident_id = ? "
                "ORDER BY e.occurred_at, e.id",
                (incident_id,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def timeline_page(
        self, incident_id: int, *, before: tuple[str, int] | None = None, limit: int = 500
    ) -> list[Entry]:
        """Up to `limit` entries older than `before` (or the newest ones), oldest first."""
        with storage_errors(self._path):
            if before is None:
                rows = self._conn.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.incident_id = ? "
                    "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                    (incident_id, limit),
                ).fetchall()
            else:
                rows = self._conn.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.incident_id = ? "
                    "AND (e.occurred_at, e.id) < (?, ?) "
                    "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                    (incident_id, before[0], before[1], limit),
                ).fetchall()
        rows.reverse()
        return [_entry(row) for row in rows]

    def entries_after(self, incident_id: int, after_id: int) -> list[Entry]:
        """Entries written after a known row id (what another writer added), oldest first.

        Read by row id (`+e.incident_id` keeps SQLite off the incident's index, which would
        walk every entry of a long incident to find the few new ones).
        """
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.id > ? AND +e.incident_id = ? "
                "ORDER BY e.id",
                (after_id, incident_id),
            ).fetchall()
        return [_entry(row) for row in rows]

    def entry_by_uid(self, uid: str) -> Entry | None:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.uid = ?", (uid,)
            ).fetchone()
        return _entry(row) if row else None

    def entry(self, incident_id: int, entry_id: int) -> Entry:
        """One entry of an incident, in its current state."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.id = ? AND e.incident_id = ?",
                (entry_id, incident_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"no entry {format_entry_ref(entry_id)} on {format_ref(incident_id)}")
        return _entry(row)

    def history(self, entry_id: int) -> tuple[Entry, list[Revision], Retraction | None]:
        """An entry as first written, every correction oldest first, and its retraction."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.id = ?", (entry_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no entry {format_entry_ref(entry_id)}")
            revisions = self._conn.execute(
                'SELECT text, "by", at FROM entry_revisions WHERE entry_id = ? ORDER BY id',
                (entry_id,),
            ).fetchall()
            retraction = self._conn.execute(
                'SELECT reason, "by", at FROM entry_retractions WHERE entry_id = ?', (entry_id,)
            ).fetchone()
        return (
            _entry(row),
            [Revision(*r) for r in revisions],
            Retraction(*retraction) if retraction else None,
        )

    def revisions(self, incident_id: int) -> dict[int, list[Revision]]:
        """Every correction on an incident's entries, by entry id, oldest first (exports)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT r.entry_id, r.text, r."by", r.at FROM entry_revisions r '
                "JOIN entries e ON e.id = r.entry_id WHERE e.incident_id = ? ORDER BY r.id",
                (incident_id,),
            ).fetchall()
        found: dict[int, list[Revision]] = {}
        for entry_id, text, by, at in rows:
            found.setdefault(entry_id, []).append(Revision(text, by, at))
        return found

    def retractions(self, incident_id: int) -> dict[int, Retraction]:
        """Every retraction on an incident's entries, by entry id (exports)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT x.entry_id, x.reason, x."by", x.at FROM entry_retractions x '
                "JOIN entries e ON e.id = x.entry_id WHERE e.incident_id = ?",
                (incident_id,),
            ).fetchall()
        return {entry_id: Retraction(reason, by, at) for entry_id, reason, by, at in rows}

    def latest_entry_by(self, incident_id: int, author: str) -> Entry | None:
        """The newest entry (by when it was written) `author` wrote and has not retracted.

        What `/pin` with no entry named pins. Read from the (incident, author) index
        newest first, so it is one short walk however long the timeline.
        """
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e "
                "WHERE e.incident_id = ? AND e.author = ? "
                "AND NOT EXISTS (SELECT 1 FROM entry_retractions x WHERE x.entry_id = e.id) "
                "ORDER BY e.id DESC LIMIT 1",
                (incident_id, author),
            ).fetchone()
        return _entry(row) if row else None

    def pinned(self, incident_id: int) -> list[Entry]:
        """The entries pinned now, in timeline order."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.id IN ({_PINNED_NOW}) "
                "AND +e.incident_id = ? ORDER BY e.occurred_at, e.id",
                (incident_id,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def authors(self, incident_id: int) -> list[str]:
        """Everyone who wrote on an incident's timeline, sorted (for a filter).

        A skip scan of the (incident, author) index: one seek per distinct author rather
        than a walk over every entry.
        """
        with storage_errors(self._path):
            rows = self._conn.execute(
                "WITH RECURSIVE a(name) AS ("
                " SELECT (SELECT min(author) FROM entries WHERE incident_id = ?1)"
                " UNION ALL"
                " SELECT (SELECT min(author) FROM entries"
                "         WHERE incident_id = ?1 AND author > a.name)"
                " FROM a WHERE a.name IS NOT NULL"
                ") SELECT name FROM a WHERE name IS NOT NULL",
                (incident_id,),
            ).fetchall()
        return sorted((name for (name,) in rows), key=str.casefold)

    def draft(self, seat: str, incident_id: int) -> str | None:
        """What `seat` was typing on this incident when it last paused, if anything."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT text FROM drafts WHERE seat = ? AND incident_id = ?", (seat, incident_id)
            ).fetchone()
        return row[0] if row else None

    # -- finding entries ----------------------------------------------------------------

    def filter_entries(
        self,
        incident_id: int,
        *,
        kinds: list[str] | tuple[str, ...] | None = None,
        author: str | None = None,
        pinned_only: bool = False,
        limit: int = 200,
    ) -> list[Entry]:
        """An incident's entries that pass the filters, newest first (a search with no words)."""
        where, params, candidates = self._filters(incident_id, kinds, author, pinned_only)
        if where is None:
            return []
        if candidates is None:  # walk the incident's timeline index, newest first
            where += " AND e.incident_id = ?"
            params = (*params, incident_id)
        else:  # a short list of ids: read just those
            where += f" AND e.id IN ({', '.join('?' * len(candidates))})"
            params = (*params, *candidates)
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE {where} "
                "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [_entry(row) for row in rows]

    def search(
        self,
        query: str,
        *,
        incident_id: int | None = None,
        kinds: list[str] | tuple[str, ...] | None = None,
        author: str | None = None,
        pinned_only: bool = False,
        limit: int = 50,
    ) -> list[SearchHit]:
        """Entries whose current text has every word typed, on one incident or all of them.

        The current text is what an entry says now: the original while it was never
        corrected, else its newest revision (a corrected word is not found again). Retracted
        entries are found too (they are still in the record; `entry.retracted` says so).
        At most `RANK_AT_MOST` matches are ranked by relevance (bm25); more come newest
        (last written) first. The size is counted with a LIMIT, so counting a common word
        costs no more than counting a rare one. A filter that allows few entries (an
        author, a kind, the pins) becomes the list of those entries, and only they are
        matched; see `_filters`.
        """
        match = match_query(query)
        if match is None or limit <= 0:
            return []
        where, params, candidates = self._filters(incident_id, kinds, author, pinned_only)
        if where is None:
            return []
        try:
            with storage_errors(self._path):
                ranked = self._match_count(match) <= RANK_AT_MOST
                rows = self._search_current(match, where, params, candidates, ranked, limit)
                rows += self._search_revised(match, where, params, candidates, ranked, limit)
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc).lower():  # match_query should make this unreachable
                return []
            raise
        # bm25 is lower for better matches; the two indexes' scores are close enough to
        # interleave (each is relative to its own table's word counts).
        rows.sort(key=(lambda row: row[-1]) if ranked else (lambda row: -row[0]))
        return [SearchHit(_entry(row[:11]), row[11]) for row in rows[:limit]]

    def _search_current(
        self, match: str, where: str, params: tuple, candidates: list[int] | None,
        ranked: bool, limit: int,
    ) -> list[tuple]:
        """Matches in entries never corrected: entry columns, snippet, score.

        Newest first is `ORDER BY entries_fts.rowid DESC`, which FTS5 answers in its own
        order: it stops after `limit` rows however many match. Ranked, the match set is
        small, and bm25 is computed in one pass: candidate ids are then only tested
        (`+rowid IN`), because as an FTS5 constraint each id would be a separate lookup
        that recounts the word's matches for bm25. Newest first, candidate ids are FTS5
        constraints, one seek each (~50-150 us, more when the index has many segments),
        taken newest first in growing batches until `limit` are found: with a common word
        most candidates match, so the first batch usually suffices.
        """
        sql = (
            f"SELECT {_ENTRY_COLUMNS}, "
            f"snippet(entries_fts, 0, '{_HIT_START}', '{_HIT_END}', '…', 16), "
            f"{'bm25(entries_fts)' if ranked else '0'} AS score "
            "FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid "
            f"WHERE entries_fts MATCH ? AND {where} "
            "AND NOT EXISTS (SELECT 1 FROM entry_revisions r WHERE r.entry_id = e.id)"
        )
        if candidates is None:
            order = "score" if ranked else "entries_fts.rowid DESC"
            return self._conn.execute(
                f"{sql} ORDER BY {order} LIMIT ?", (match, *params, limit)
            ).fetchall()
        if ranked:
            marks = ", ".join("?" * len(candidates))
            return self._conn.execute(
                f"{sql} AND +entries_fts.rowid IN ({marks}) ORDER BY score LIMIT ?",
                (match, *params, *candidates, limit),
            ).fetchall()
        found: list[tuple] = []
        newest_first = sorted(candidates, reverse=True)
        start, size = 0, limit + limit // 4 + 8  # most candidates match a common word
        while start < len(newest_first) and len(found) < limit:
            batch = newest_first[start:start + size]
            # ascending seeks: FTS5 seeks backwards several times slower
            found += self._conn.execute(
                f"{sql} AND entries_fts.rowid IN ({', '.join('?' * len(batch))}) "
                "ORDER BY e.id DESC LIMIT ?",
                (match, *params, *batch, limit - len(found)),
            ).fetchall()
            start, size = start + size, size * 2
        return found

    def _search_revised(
        self, match: str, where: str, params: tuple, candidates: list[int] | None,
        ranked: bool, limit: int,
    ) -> list[tuple]:
        """Matches in corrected entries' newest revision: entry columns, snippet, score.

        Corrections are made by hand and stay few, so their index drives and candidates
        are only tested.
        """
        if candidates is not None:
            where += f" AND +v.entry_id IN ({', '.join('?' * len(candidates))})"
            params = (*params, *candidates)
        score = "bm25(entry_revisions_fts)" if ranked else "0"
        order = "score" if ranked else "e.id DESC"
        return self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS}, "
            f"snippet(entry_revisions_fts, 0, '{_HIT_START}', '{_HIT_END}', '…', 16), "
            f"{score} AS score "
            "FROM entry_revisions_fts "
            "JOIN entry_revisions v ON v.id = entry_revisions_fts.rowid "
            "JOIN entries e ON e.id = v.entry_id "
            f"WHERE entry_revisions_fts MATCH ? AND {where} "
            "AND v.id = (SELECT max(r.id) FROM entry_revisions r WHERE r.entry_id = v.entry_id) "
            f"ORDER BY {order} LIMIT ?",
            (match, *params, limit),
        ).fetchall()

    def _match_count(self, match: str) -> int:
        """How many texts match, counted no further than one past `RANK_AT_MOST`."""
        return self._conn.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ?1 "
            "LIMIT ?2)) + (SELECT count(*) FROM (SELECT 1 FROM entry_revisions_fts "
            "WHERE entry_revisions_fts MATCH ?1 LIMIT ?2))",
            (match, RANK_AT_MOST + 1),
        ).fetchone()[0]

    def _filters(
        self,
        incident_id: int | None,
        kinds: list[str] | tuple[str, ...] | None,
        author: str | None,
        pinned_only: bool,
    ) -> tuple[str | None, tuple, list[int] | None]:
        """SQL conditions on `e` for the filters, their parameters, and the short list of
        entry ids they allow when one is known; (None, (), []) when nothing can pass.

        Pins, and an author or kinds with at most `FEW` entries, are read
        by index into that list, so a query can visit just those entries instead of
        walking every match of a common word (or every entry) to test each one. The
        conditions carry a unary `+`, which keeps SQLite from driving the query from the
        incident's index, which holds every entry of the incident.
        """
        clauses: list[str] = []
        params: list = []
        lists: list[list[int]] = []
        if incident_id is not None:
            clauses.append("+e.incident_id = ?")
            params.append(incident_id)
        if kinds:
            kinds = tuple(dict.fromkeys(kinds))
            clauses.append(f"+e.kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
            few = self._few_entries(incident_id, "kind", kinds)
            if few is not None:
                lists.append(few)
        if author is not None:
            clauses.append("+e.author = ?")
            params.append(author)
            few = self._few_entries(incident_id, "author", (author,))
            if few is not None:
                lists.append(few)
        if pinned_only:
            with storage_errors(self._path):
                lists.append([entry_id for (entry_id,) in self._conn.execute(_PINNED_NOW)])
        if not lists:
            return " AND ".join(clauses) or "1", tuple(params), None
        candidates = sorted(set.intersection(*map(set, lists)))
        if not candidates:
            return None, (), []
        return " AND ".join(clauses) or "1", tuple(params), candidates

    def _few_entries(
        self, incident_id: int | None, column: str, values: tuple[str, ...]
    ) -> list[int] | None:
        """Ids of the entries (of one incident, or of all) whose `column` is one of `values`,
        read by index, when there are at most `FEW`; None when there are more.

        The indexes start with the incident, so across all incidents each incident is one
        seek (incidents are few; their entries are many).
        """
        incidents = (
            "incident_id = ?1" if incident_id is not None
            else "incident_id IN (SELECT id FROM incidents)"
        )
        ids: list[int] = []
        with storage_errors(self._path):
            for value in values:
                ids += [
                    entry_id
                    for (entry_id,) in self._conn.execute(
                        f"SELECT id FROM entries WHERE {incidents} AND {column} = ?2 LIMIT ?3",
                        (incident_id, value, FEW + 1 - len(ids)),
                    )
                ]
                if len(ids) > FEW:
                    return None
        return ids

    # -- the board ----------------------------------------------------------------------

    def tasks(self, incident_id: int, *, open_only: bool = False) -> list[Task]:
        """An incident's tasks, the next check-back first (two queries, however many tasks)."""
        done = " AND t.done_at IS NULL" if open_only else ""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM tasks t WHERE t.incident_id = ?{done} "
                "ORDER BY t.due_at, t.id",
                (incident_id,),
            ).fetchall()
            if not rows:
                return []
            extensions = self._conn.execute(
                'SELECT x.task_id, x.minutes, x.at, x."by" FROM task_extensions x '
                f"JOIN tasks t ON t.id = x.task_id WHERE t.incident_id = ?{done} "
                "ORDER BY x.task_id, x.id",
                (incident_id,),
            ).fetchall()
        return self._with_extensions(rows, extensions)

    def task(self, incident_id: int, task_id: int) -> Task:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM tasks t WHERE t.id = ? AND t.incident_id = ?",
                (task_id, incident_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"no task {format_task_ref(task_id)} on {format_ref(incident_id)}")
            extensions = self._conn.execute(
                'SELECT task_id, minutes, at, "by" FROM task_extensions WHERE task_id = ? '
                "ORDER BY id",
                (task_id,),
            ).fetchall()
        return self._with_extensions([row], extensions)[0]

    def task_by_uid(self, uid: str) -> Task | None:
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, id FROM tasks WHERE uid = ?", (uid,)
            ).fetchone()
        return self.task(row[0], row[1]) if row else None

    def checklist(self, incident_id: int) -> dict[str, CheckState]:
        """Each ticked item's current state (its latest row), by item id; unticked items absent."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT item_id, checked, "by", at FROM checks WHERE id IN ('
                "SELECT max(id) FROM checks WHERE incident_id = ? GROUP BY item_id) "
                "ORDER BY item_id",
                (incident_id,),
            ).fetchall()
        return {row[0]: CheckState(row[0], bool(row[1]), row[2], row[3]) for row in rows}

    def updates(self, incident_id: int) -> list[Update]:
        """Every status update sent, oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE incident_id = ? "
                "ORDER BY sent_at, id",
                (incident_id,),
            ).fetchall()
        return [Update(*row) for row in rows]

    def last_update(self, incident_id: int, audience: str) -> Update | None:
        """The latest update to one audience (what an update-due timer counts from)."""
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE incident_id = ? AND audience = ? "
                "ORDER BY sent_at DESC, id DESC LIMIT 1",
                (incident_id, audience),
            ).fetchone()
        return Update(*row) if row else None

    def data_version(self) -> int:
        """A number that changes when another connection commits (never for our own writes).

        Cheap enough to poll every second: a window compares it with the last value it saw
        and re-reads only when something else (the CLI, another seat) wrote to the file.
        """
        with storage_errors(self._path):
            return self._conn.execute("PRAGMA data_version").fetchone()[0]

    @staticmethod
    def _with_extensions(rows: list[tuple], extensions: list[tuple]) -> list[Task]:
        by_task: dict[int, list[Extension]] = {}
        for task_id, minutes, at, by in extensions:
            by_task.setdefault(task_id, []).append(Extension(minutes, at, by))
        return [Task(*row, extensions=tuple(by_task.get(row[0], ()))) for row in rows]

    # -- the post-mortem ----------------------------------------------------------------

    def postmortem(self, incident_id: int) -> PostmortemRecord | None:
        """The post-mortem's header, or None while nobody has set any of it."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT incident_id, owner, deadline, acknowledged_at, meeting_at, recording, "
                "status FROM postmortems WHERE incident_id = ?",
                (incident_id,),
            ).fetchone()
        return PostmortemRecord(*row) if row else None

    def postmortem_versions(self, incident_id: int) -> list[PostmortemVersion]:
        """Every saved text of the post-mortem, oldest first."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                'SELECT id, incident_id, text, "by", at FROM postmortem_versions '
                "WHERE incident_id = ? ORDER BY id",
                (incident_id,),
            ).fetchall()
        return [PostmortemVersion(*row) for row in rows]

    def latest_postmortem_text(self, incident_id: int) -> str | None:
        """The newest saved text, or None if it was never saved."""
        with storage_errors(self._path):
            row = self._conn.execute(
                "SELECT text FROM postmortem_versions WHERE incident_id = ? "
                "ORDER BY id DESC LIMIT 1",
                (incident_id,),
            ).fetchone()
        return row[0] if row else None

    def action_items(
        self, incident_id: int | None = None, *, open_only: bool = False
    ) -> list[ActionItem]:
        """Action items of one incident, or of every incident (None), soonest due first.

        Items without a due date come last (a date nobody set is not "due now"); ties keep
        the order they were made in.
        """
        clauses, params = [], []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if open_only:
            clauses.append("done_at IS NULL")
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_ACTION_ITEM_COLUMNS} FROM action_items {where}"
                "ORDER BY due_on IS NULL, due_on, id",
                params,
            ).fetchall()
        return [ActionItem(*row) for row in rows]

    def action_item(self, item_id: int) -> ActionItem:
        with storage_errors(self._path):
            row = self._conn.execute(
                f"SELECT {_ACTION_ITEM_COLUMNS} FROM action_items WHERE id = ?", (item_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no action item {format_action_item_ref(item_id)}")
        return ActionItem(*row)


_ACTION_ITEM_COLUMNS = (
    "id, incident_id, text, owner, due_on, ticket, done_at, created_at, source_entry_id"
)
