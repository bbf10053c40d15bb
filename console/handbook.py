"""The offline handbook: its pages, their links and anchors, and a full-text index.

Pages are Markdown files under `resources/handbook/` (`console.paths.handbook_pages`). A page
is named by its path without `.md` (`before/severity_levels`); anchors are GitHub-style slugs of
its headings. The search index is an in-memory SQLite FTS5 table built on demand: one document
per page section (so a hit can open at its heading), plus the process's glossary terms,
checklist items and prompts when a process is given.
"""

import math
import posixpath
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from console.paths import handbook_pages

HOME = "index"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def slugify(heading: str) -> str:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens."""
    text = _LINK.sub(r"\1", heading)
    text = re.sub(r"[`*_]", "", text).strip().lower()
    kept = "".join(
        ch for ch in text
        if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N")
    )
    return kept.replace(" ", "-")


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading."""

    anchor: str
    title: str
    level: int
    body: str


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    markdown: str
    sections: tuple[Section, ...]
    anchors: frozenset[str]
    links: tuple[tuple[int, str], ...] = field(default=())  # (line, href)


def parse_page(page_id: str, markdown: str) -> Page:
    """Split a page into sections by heading and collect its anchors and links."""
    title = page_id
    sections: list[Section] = []
    seen: dict[str, int] = {}
    current: tuple[str, str, int] | None = None
    body: list[str] = []
    links: list[tuple[int, str]] = []
    in_fence = False

    def close() -> None:
        if current is not None:
            sections.append(Section(current[0], current[1], current[2], "\n".join(body).strip()))

    for number, line in enumerate(markdown.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            close()
            level, text = len(heading.group(1)), heading.group(2)
            slug = slugify(text)
            if slug in seen:  # GitHub numbers repeated headings
                seen[slug] += 1
                slug = f"{slug}-{seen[slug]}"
            else:
                seen[slug] = 0
            if level == 1 and title == page_id:
                title = _LINK.sub(r"\1", text)
            current, body = (slug, _LINK.sub(r"\1", text), level), []
        else:
            body.append(line)
        if not in_fence:
            links.extend((number, m.group(2)) for m in _LINK.finditer(line))
    close()
    anchors = frozenset(s.anchor for s in sections)
    return Page(page_id, title, markdown, tuple(sections), anchors, tuple(links))


@lru_cache(maxsize=1)
def load_pages() -> dict[str, Page]:
    """Every handbook page, by id."""
    return {page_id: parse_page(page_id, entry.read_text(encoding="utf-8")) for page_id, entry in handbook_pages()}


def resolve_link(from_page: str, href: str) -> tuple[str, str] | None:
    """A link on `from_page` -> (page id, anchor); None for an outside address."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        return None
    target, _, anchor = href.partition("#")
    if not target:
        return from_page, anchor
    base = posixpath.dirname(from_page)
    path = posixpath.normpath(posixpath.join(base, target))
    if path.endswith(".md"):
        path = path[:-3]
    return path, anchor


def split_page_ref(ref: str) -> tuple[str, str]:
    """`training/glossary#span-of-control` -> (`training/glossary`, `span-of-control`)."""
    page, _, anchor = ref.partition("#")
    return page, anchor


def check_page_ref(ref: str, pages: dict[str, Page] | None = None) -> str | None:
    """What is wrong with a page reference, or None when it resolves."""
    pages = load_pages() if pages is None else pages
    page_id, anchor = split_page_ref(ref)
    if page_id not in pages:
        return f"no handbook page {page_id!r}"
    if anchor and anchor not in pages[page_id].anchors:
        return f"page {page_id!r} has no heading with anchor #{anchor}"
    return None


def broken_links(pages: dict[str, Page] | None = None) -> list[str]:
    """Every link between pages that does not resolve, as `page.md:line: href: why`."""
    pages = load_pages() if pages is None else pages
    problems = []
    for page in pages.values():
        for line, href in page.links:
            target = resolve_link(page.id, href)
            if target is None:
                problems.append(f"{page.id}.md:{line}: {href}: outside links are not allowed offline")
                continue
            why = check_page_ref(f"{target[0]}#{target[1]}" if target[1] else target[0], pages)
            if why:
                problems.append(f"{page.id}.md:{line}: {href}: {why}")
    return problems


def navigation(pages: dict[str, Page] | None = None) -> list[tuple[str, list[str]]]:
    """The page tree, in the home page's order: (section title, [page ids]).

    The home page's `##` sections are the groups; pages its introduction links to (and any
    page it does not link to at all) come first, under "Start here".
    """
    pages = load_pages() if pages is None else pages
    home = pages[HOME]

    def linked(body: str) -> list[str]:
        ids = []
        for match in _LINK.finditer(body):
            target = resolve_link(HOME, match.group(2))
            if target and not target[1] and target[0] in pages:
                ids.append(target[0])
        return ids

    groups: list[tuple[str, list[str]]] = []
    placed = {HOME}
    for section in home.sections:
        if section.level < 2:
            continue
        ids = [i for i in dict.fromkeys(linked(section.body)) if i not in placed]
        placed.update(ids)
        if ids:
            groups.append((section.title, ids))
    intro = [s for s in home.sections if s.level == 1]
    start = [HOME] + [i for i in dict.fromkeys(linked(intro[0].body if intro else "")) if i not in placed]
    placed.update(start)
    start += sorted(set(pages) - placed)
    return [("Start here", start)] + groups


def plain_text(markdown: str) -> str:
    """Markdown to searchable text: links to their words, markup and table rules dropped."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*(#{1,6}|>|!!!|[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`|]", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


# -- search ----------------------------------------------------------------------------------

_HIT_START, _HIT_END = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    kind: str  # page, term, checklist, prompt
    title: str
    page: str
    anchor: str
    snippet: str  # plain text; matched words are between \x02 and \x03
    title_hits: str = ""  # the title with its matched words marked the same way
    line: str = ""  # a checklist item's or prompt's own line on its page (`HandbookIndex.place`)

    def snippet_marked(self, start: str = "[", end: str = "]") -> str:
        return self.snippet.replace(_HIT_START, start).replace(_HIT_END, end)


def fts_queries(text: str) -> list[str]:
    """What a person typed -> FTS5 queries, best first: the exact phrase, then every word
    (the last one as a prefix, for results while typing)."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return []
    every = " ".join(f'"{w}"' for w in words) + "*"
    if len(words) == 1:
        return [every]
    return ['"' + " ".join(words) + '"', every]


DATES_ROW = "| YYYY-MM-DD | YYYY-MM-DD |"  # a page's "last reviewed / last tested" row, to be filled


def with_review_dates(pages: dict[str, Page], process: Any) -> dict[str, Page]:
    """The pages, each one a checklist of the process points to (`page`) with its row of review
    dates filled from that checklist's `last_reviewed` and `last_tested` ("not recorded" for
    either that it does not keep)."""
    result = dict(pages)
    for checklist in process.items("checklists"):
        page = result.get(checklist.get("page", ""))
        if page is None or DATES_ROW not in page.markdown:
            continue
        if not checklist.get("last_reviewed") and not checklist.get("last_tested"):
            continue
        row = (f"| {checklist.get('last_reviewed') or 'not recorded'} | "
               f"{checklist.get('last_tested') or 'not recorded'} |")
        result[page.id] = parse_page(page.id, page.markdown.replace(DATES_ROW, row, 1))
    return result


class HandbookIndex:
    """An in-memory full-text index over the handbook (and, if given, the process items)."""

    def __init__(self, pages: dict[str, Page] | None = None, process: Any = None) -> None:
        self.pages = load_pages() if pages is None else pages
        if process is not None:
            self.pages = with_review_dates(self.pages, process)
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(kind UNINDEXED, title, body, page UNINDEXED, "
            "anchor UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"
        )
        rows = []
        for page in self.pages.values():
            for section in page.sections:
                title = page.title if section.level == 1 else f"{page.title} › {section.title}"
                rows.append(("page", title, plain_text(section.body), page.id,
                             "" if section.level == 1 else section.anchor))
        if process is not None:
            rows.extend(_process_documents(process))
        with self._conn:
            self._conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)
        self.size = len(rows)

    def search(self, text: str, limit: int = 20) -> list[Hit]:
        """Ranked hits: documents with the exact phrase first, then those with every word."""
        hits: list[Hit] = []
        places: set[tuple[str, str]] = set()
        seen_rows: set[int] = set()
        for query in fts_queries(text):
            try:
                rows = self._conn.execute(
                    "SELECT rowid, kind, title, page, anchor, "
                    f"snippet(docs, 2, '{_HIT_START}', '{_HIT_END}', '…', 16), "
                    f"highlight(docs, 1, '{_HIT_START}', '{_HIT_END}') "
                    "FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, 8.0, 1.0) LIMIT ?",
                    (query, limit * 2),  # room for the duplicates dropped below
                ).fetchall()
            except sqlite3.OperationalError:
                continue
            for rowid, kind, title, page, anchor, snippet, marked_title in rows:
                if rowid in seen_rows:
                    continue
                seen_rows.add(rowid)
                if (page, anchor) in places and kind == "page":
                    continue  # a glossary term and its heading on the glossary page: one hit
                places.add((page, anchor))
                hits.append(Hit(kind, title, page, anchor, snippet, marked_title))
        return hits[:limit]

    def place(self, hit: Hit) -> Hit:
        """A checklist item or prompt, placed on its page: the section and the line of that
        page that say it (its `page` names only the page), so it opens there, not at the top.
        Other hits are already placed. Done when a hit is opened, not for every hit listed."""
        if hit.kind not in ("checklist", "prompt") or hit.page not in self.pages:
            return hit
        # A checklist item is found by its own words first, then by its detail (the snippet).
        said = hit.title.rpartition(" › ")[2] if hit.kind == "checklist" else ""
        anchor, line = self.locate(hit.page, said, hit.anchor) if said else (hit.anchor, "")
        if not line:
            anchor, line = self.locate(hit.page, _unmarked(hit.snippet), hit.anchor)
        return replace(hit, anchor=anchor, line=line)

    def locate(self, page_id: str, text: str, anchor: str = "") -> tuple[str, str]:
        """Where on page `page_id` `text` is said: (the anchor of the section, the line).

        The section (only `anchor` when given) that shares the most words with `text` wins,
        words rare on the page counting more and words of its heading double; then its line
        sharing the most (its heading when none does). ("", "") when nothing on the page shares
        a word."""
        wanted = _stems(text)
        sections = [s for s in self.pages[page_id].sections if not anchor or s.anchor == anchor]
        if not wanted or not sections:
            return anchor, ""
        lines = {id(s): [s.title, *(plain_text(raw) for raw in s.body.splitlines() if raw.strip())]
                 for s in sections}
        found = {id(s): [_stems(line) for line in lines[id(s)]] for s in sections}
        in_sections: dict[str, int] = {}
        for section in sections:
            for stem in set().union(*found[id(section)]) & wanted:
                in_sections[stem] = in_sections.get(stem, 0) + 1

        def weight(stems: set[str]) -> float:
            return sum(math.log(1 + len(sections) / in_sections[stem]) for stem in stems & wanted)

        scores = [(weight(set().union(*found[id(s)])) + weight(found[id(s)][0]), -n, s)
                  for n, s in enumerate(sections)]
        score, _, section = max(scores, key=lambda t: t[:2])
        if score == 0:
            return anchor, ""
        # Its best line under the heading; the heading itself when none shares a word.
        ranked = [(weight(stems), -n) for n, stems in enumerate(found[id(section)]) if n]
        best = max(ranked, default=(0.0, 0))
        line = lines[id(section)][-best[1] if best[0] else 0]
        return ("" if section.level == 1 else section.anchor), line


_STOP = frozenset("the and for you are your with that this have from not but all can one any who "
                  "what when they them was were its into than then".split())


def _stems(text: str) -> set[str]:
    """The words of `text` that say something, roughly stemmed: an ending (-ing, -ed, -es, -s)
    dropped, then cut to five letters (released ~ release, keeping ~ keep)."""
    stems = set()
    for word in re.findall(r"\w+", text.casefold()):
        if len(word) < 3 or word in _STOP:
            continue
        for ending in ("ing", "ed", "es", "s"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
        stems.add(word[:5])
    return stems


def _unmarked(text: str) -> str:
    return text.replace(_HIT_START, "").replace(_HIT_END, "").replace("…", " ")


def _process_documents(process: Any) -> list[tuple[str, str, str, str, str]]:
    """Glossary terms, checklist items and prompts as search documents."""
    rows = []

    def where(ref: str) -> tuple[str, str]:
        return split_page_ref(ref or HOME)

    for term in process.items("terms"):
        page, anchor = "training/glossary", term["id"]
        aliases = ", ".join(term.get("aliases") or [])
        rows.append(("term", term["term"], f"{term['definition']} {aliases}".strip(), page, anchor))
    for checklist in process.items("checklists"):
        for item in checklist["items"]:
            page, anchor = where(item.get("page") or checklist.get("page", ""))
            rows.append(("checklist", f"{checklist['title']} › {item['text']}",
                         item.get("detail") or item["text"], page, anchor))
    for prompt in process.items("prompts"):
        page, anchor = where(prompt.get("page", ""))
        rows.append(("prompt", f"Prompt for {prompt['audience']}", prompt["text"], page, anchor))
    return rows
