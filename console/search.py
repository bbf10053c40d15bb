"""Finding entries: by the words they say now, and by kind, author or pin.

Search is over each entry's current text (the original while it was never corrected, else
its newest revision), through the two full-text indexes the store keeps (`entries_fts`,
`entry_revisions_fts`), and the newest entries `entries_fts` does not hold yet, matched in
memory the same way (console.search_index). A filter that allows few entries is read by index into a list of ids
and only those are visited, so a rare author or the pins cost as little on a million entries
as on ten.
"""

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from typing import NamedTuple
from pathlib import Path

from console.domain import Entry
from console.search_index import Backlog
from console.store import storage_errors
from console.timeline import ENTRY_COLUMNS, KINDS_OF, PINNED_NOW, entry_from_row

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


class SearchHit(NamedTuple):
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


class Search:
    """Entries found by words and filters; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._backlog = Backlog(conn)  # entries the index does not hold yet (console.search_index)

    def filter(
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
                f"SELECT {ENTRY_COLUMNS} FROM entries e WHERE {where} "
                "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [entry_from_row(row) for row in rows]

    def find(
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
            with storage_errors(self._path), self._one_snapshot():
                backlog = self._backlog.match(match, (_HIT_START, _HIT_END))
                ranked = self._match_count(match) + len(backlog) <= RANK_AT_MOST
                rows = self._search_current(match, where, params, candidates, ranked, limit)
                rows += self._search_revised(match, where, params, candidates, ranked, limit)
                rows += self._search_backlog(backlog, where, params, candidates, ranked)
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc).lower():  # match_query should make this unreachable
                return []
            raise
        # bm25 is lower for better matches; the indexes' scores are close enough to interleave
        # (each is relative to its own table's word counts). The backlog's are relative to its
        # few entries: exact while the index holds none of the matches, else approximate.
        rows.sort(key=(lambda row: row[-1]) if ranked else (lambda row: -row[0]))
        return [SearchHit(entry_from_row(row[:11]), row[11]) for row in rows[:limit]]

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
            f"SELECT {ENTRY_COLUMNS}, "
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

    @contextlib.contextmanager
    def _one_snapshot(self) -> Iterator[None]:
        """The index, its watermark and the backlog read as of one moment (a read transaction),
        so an entry indexed meanwhile by a writer is found once, not twice or never."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            if self._conn.in_transaction:
                self._conn.rollback()

    def _search_backlog(
        self, backlog: list[tuple[int, str, float]], where: str, params: tuple,
        candidates: list[int] | None, ranked: bool,
    ) -> list[tuple]:
        """The matches among the entries not indexed yet (console.search_index), never
        corrected and passing the filters: entry columns, snippet, score."""
        if candidates is not None:
            allowed = set(candidates)
            backlog = [hit for hit in backlog if hit[0] in allowed]
        if not backlog:
            return []
        found = {entry_id: (snippet, score if ranked else 0) for entry_id, snippet, score in backlog}
        rows = self._conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries e WHERE {where} "
            f"AND e.id IN ({', '.join('?' * len(found))}) "
            "AND NOT EXISTS (SELECT 1 FROM entry_revisions r WHERE r.entry_id = e.id)",
            (*params, *found),
        ).fetchall()
        return [(*row, *found[row[0]]) for row in rows]

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
            f"SELECT {ENTRY_COLUMNS}, "
            f"snippet(entry_revisions_fts, 0, '{_HIT_START}', '{_HIT_END}', '…', 16), "
            f"{score} AS score "
            "FROM entry_revisions_fts "
            "JOIN entry_revisions v ON v.id = entry_revisions_fts.rowid "
            "JOIN entries e ON e.id = v.entry_id "
            f"WHERE entry_revisions_fts MATCH ? AND {where} "
            "AND v.id = (SELECT r.id FROM entry_revisions r WHERE r.entry_id = v.entry_id "
            "ORDER BY r.hlc DESC, r.id DESC LIMIT 1) "  # the newest by HLC (console.timeline)
            f"ORDER BY {order} LIMIT ?",
            (match, *params, limit),
        ).fetchall()

    def _match_count(self, match: str) -> int:
        """How many texts match, counted no further than one past `RANK_AT_MOST`."""
        return self._conn.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH :match "
            "LIMIT :limit)) + (SELECT count(*) FROM (SELECT 1 FROM entry_revisions_fts "
            "WHERE entry_revisions_fts MATCH :match LIMIT :limit))",
            {"match": match, "limit": RANK_AT_MOST + 1},
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
                lists.append([entry_id for (entry_id,) in self._conn.execute(PINNED_NOW)])
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

        The (incident, kind, author) index starts with the incident, so across all incidents
        each incident is one seek (incidents are few; their entries are many); an author is
        one seek a kind (`KINDS_OF`; kinds are few too).
        """
        incidents = ([incident_id] if incident_id is not None else
                     [i for (i,) in self._conn.execute("SELECT id FROM incidents ORDER BY id")])
        kinds = "" if column == "kind" else f"AND kind IN ({KINDS_OF}SELECT kind FROM k) "
        ids: list[int] = []
        with storage_errors(self._path):
            for incident in incidents:
                for value in values:
                    ids += [
                        entry_id
                        for (entry_id,) in self._conn.execute(
                            f"SELECT id FROM entries WHERE incident_id = :incident {kinds}"
                            f"AND {column} = :value LIMIT :limit",
                            {"incident": incident, "value": value, "limit": FEW + 1 - len(ids)},
                        )
                    ]
                    if len(ids) > FEW:
                        return None
        return ids
