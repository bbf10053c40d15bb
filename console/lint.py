"""The blameless-language linter: what the process's lint rules find in a post-mortem or a message.

Pure functions over text. The rules are data (`data/lint_rules.yaml`, merged with an
organisation's overrides), so the linter runs whatever `process.items("lint_rules")` holds:
`check: regex` rules run their `pattern`, and the named checks are implemented here. Each
finding carries the rule, the post-mortem section it is in, and the exact span (1-based line,
character offsets into the whole text) so an editor can underline it and a reviewer can jump
to it. Rules with `check: manual` cannot be decided by a program; `manual_checks` hands them
to the reviewer's checklist instead of pretending to report them.

A post-mortem is Markdown in the template's shape (`data/postmortem.yaml`): `## N. Title`
starts the section numbered N, and `### Na.` subsections belong to their parent. Text before
the first numbered heading (the title and header fields) is the section "header".
"""

import bisect
import itertools
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

import re2

from console import announcement, blame

MESSAGE_SCOPES = ("customer_message", "external_message", "security_announcement")
HEADER_SECTION = "header"
MESSAGE_SECTION = "message"


class Finding(NamedTuple):
    rule: str
    section: str
    line: int  # 1-based, in the whole text
    start: int  # character offsets into the whole text: text == whole[start:end]
    end: int
    text: str
    message: str
    suggestion: str
    page: str

    @property
    def summary(self) -> str:
        """The finding in one line, for a status line or a terminal: what, why, what instead."""
        shown = " ".join(self.text.split())
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        return f"“{shown}”: {self.message} Try: {self.suggestion}"


class _Section(NamedTuple):
    id: str
    start: int  # the body: from the line after the heading to the next heading that splits
    end: int
    heading: int = -1  # where its heading line starts (-1: it has none)
    part: str | None = None  # the subsection's id (`### 10b.` is external_message), if in one


# -- the public functions --------------------------------------------------------------------

def lint(process: Any, markdown: str, *, roster: Iterable[str] = (),
         scope_extra: tuple[str, ...] = ()) -> list[Finding]:
    """Every enabled, machine-checkable rule whose scope covers a section, over a post-mortem.

    `scope_extra` names what else the whole text is (`external_message` for the status-page
    text, say): rules scoped to those then run over every section, because such rules are
    about the message as a whole, not about a post-mortem section. A subsection is covered by
    the rules scoped to its own id too: section 10b (`external_message`) is the customer
    message, so the message rules run on it.
    """
    unknown = [s for s in scope_extra if s not in MESSAGE_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r}; expected one of: {', '.join(MESSAGE_SCOPES)}")
    sections = _sections(process, markdown)
    rules = [r for r in process.items("lint_rules") if r.get("enabled") and r.get("check") != "manual"]
    return _run(process, markdown, _mask_headings(markdown), sections, rules, list(roster),
                lambda rule, section: _covers(rule, section, scope_extra))


def lint_text_for(process: Any, text: str, rule_ids: Iterable[str], *,
                  roster: Iterable[str] = ()) -> list[Finding]:
    """Just the named rules over a short plain text (the customer update composer's draft).

    The caller chose the rules (an update template's `rules`), so scopes are not consulted;
    a rule the organisation disabled, an unknown id or a manual check does not run.
    """
    known = {r["id"]: r for r in process.items("lint_rules")}
    rules = []
    for rule_id in dict.fromkeys(rule_ids):
        rule = known.get(rule_id)
        if rule and rule.get("enabled") and rule.get("check") != "manual":
            rules.append(rule)
    sections = [_Section(MESSAGE_SECTION, 0, len(text))]
    return _run(process, text, text, sections, rules, list(roster), lambda rule, section: True)


def message_rules(process: Any, audience: str, *, security: bool = False) -> list[str]:
    """The rules a status update to `audience` must pass: its template's `rules`, and on a
    security incident its `security_rules` too (updates.yaml)."""
    ids: list[str] = []
    for template in process.items("update_templates"):
        if template["audience"] == audience:
            ids += list(template.get("rules") or [])
            if security:
                ids += list(template.get("security_rules") or [])
    return list(dict.fromkeys(ids))


def lint_message(process: Any, text: str, audience: str, *, roster: Iterable[str] = (),
                 security: bool = False) -> list[Finding]:
    """What the message rules find in a status update to `audience`: the one check every
    entry point runs (the composer as you type, and the core's update operation as it is sent,
    from the note box, the palette or the command line)."""
    return lint_text_for(process, text, message_rules(process, audience, security=security), roster=roster)


def manual_checks(process: Any) -> list[dict]:
    """The enabled rules a person must check (spelling, honesty): for the reviewer's checklist."""
    return [dict(r) for r in process.items("lint_rules") if r.get("enabled") and r.get("check") == "manual"]


# -- running the rules -----------------------------------------------------------------------

def _covers(rule: dict, section: _Section, scope_extra: tuple[str, ...]) -> bool:
    scope = rule.get("scope") or []
    return ("all" in scope or section.id in scope or section.part in scope
            or any(s in scope for s in scope_extra))


def _run(process: Any, whole: str, masked: str, sections: list[_Section], rules: list[dict],
         roster: list[str], covers) -> list[Finding]:
    found: list[Finding] = []
    starts = _line_starts(whole)

    def emit(rule: dict, section: _Section, start: int, end: int) -> None:
        line = bisect.bisect_right(starts, start)
        found.append(Finding(rule["id"], section.id, line, start, end, whole[start:end],
                             rule["message"], rule["suggestion"], rule["page"]))

    for rule in rules:
        covered = [s for s in sections if covers(rule, s)]
        if not covered:
            continue
        check = rule.get("check")
        if check == "acronyms":
            for section, start, end in _acronyms(process, masked, covered):
                emit(rule, section, start, end)
            continue
        if check == "apology":
            for section, start, end in _apology(masked, covered):
                emit(rule, section, start, end)
            continue
        if check == "unfilled":
            for section, start, end in _unfilled(rule, whole, masked, covered):
                emit(rule, section, start, end)
            continue
        per_section = _PER_SECTION.get(check)
        for section in covered:
            if check in announcement.CHECKS:  # the security announcement's own
                spans = announcement.CHECKS[check](rule, masked, section.start, section.end)
            elif check == "regex":
                spans = _regex(rule["pattern"], masked, section)
            elif check == "roster_blame":
                spans = blame.find(rule, roster, masked, section.start, section.end)
            elif per_section is not None:
                spans = per_section(masked, section)
            else:  # a check this version does not know: the process validation names them all
                spans = []
            for start, end in spans:
                emit(rule, section, start, end)
    return sorted(found, key=lambda f: (f.start, f.end, f.rule))


# -- the document's shape --------------------------------------------------------------------

_TEMPLATE_HEADING = re.compile(r"^#{2,3}[ \t]+\d+[a-z]?\.(?:[ \t].*)?$", re.MULTILINE)
_NUMBERED = re.compile(r"^(##|###)[ \t]+(\d+)([a-z]?)\.(?:[ \t].*)?$", re.MULTILINE)


def _sections(process: Any, text: str) -> list[_Section]:
    """Split at `## N.` headings; the number picks the section id of `postmortem.yaml`.

    A `### 8b.` subsection is a piece of its parent: its findings name the parent (`how_we_did`),
    and the rules scoped to its own id (`didnt_go_well`) cover it too. A number the template
    does not have becomes `section-N`, which only `all`-scoped rules look at.
    """
    by_number = {s["number"]: s for s in process.items("sections")}
    result: list[_Section] = []
    current, part, body_start, heading = HEADER_SECTION, None, 0, -1
    for match in _NUMBERED.finditer(text):
        number = int(match.group(2))
        if match.group(1) == "###" and (not match.group(3) or current != _section_id(by_number, number)):
            continue  # a subsection heading that is not the template's, inside its section
        result.append(_Section(current, body_start, match.start(), heading, part))
        current, part = _section_id(by_number, number), None
        if match.group(3):
            subs = (by_number.get(number) or {}).get("subsections") or []
            index = ord(match.group(3)) - ord("a")
            part = subs[index]["id"] if index < len(subs) else None
        body_start, heading = min(match.end() + 1, len(text)), match.start()
    result.append(_Section(current, body_start, len(text), heading, part))
    return [s for s in result if s.id != HEADER_SECTION or text[s.start:s.end].strip()]


def _section_id(by_number: dict, number: int) -> str:
    section = by_number.get(number)
    return section["id"] if section else f"section-{number}"


_TO_WRITE = re.compile(r"^_To write:_ .*$", re.MULTILINE)


def _mask_headings(text: str) -> str:
    """Blank out the template's numbered headings (same length, so offsets hold): their titles
    are the template's words, not the writer's. Other headings, such as the document's title,
    are the writer's and are linted like any text."""
    text = _TEMPLATE_HEADING.sub(lambda m: " " * len(m.group(0)), text)
    # The draft's "_To write:_ …" lines are the template's guidance, not the writer's words.
    return _TO_WRITE.sub(lambda m: " " * len(m.group(0)), text)


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _lines(text: str, section: _Section) -> Iterable[tuple[int, str]]:
    """(offset, line without its newline) for each line of a section's body."""
    position = section.start
    for line in text[section.start:section.end].split("\n"):
        yield position, line
        position += len(line) + 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# -- regex rules -----------------------------------------------------------------------------

# A rule's pattern comes from the process files, which an organisation writes, and it runs on
# every keystroke in the editor. Python's `re` backtracks: `^(a+)+$` takes minutes on a
# 41-character line. RE2 runs in time linear in the text, whatever the pattern, and refuses
# what would need backtracking (lookarounds, backreferences). Its `\w`, `\d` and `\b` are ASCII;
# `\pL` is any letter. A match is the finding, or, when the pattern has a group named `hit`,
# that group: `\btotal outages?\b|\b(?P<hit>outages?)\b` finds "outage" except in "total outage".
HIT_GROUP = "hit"
# Each match is one more search from where the last ended, and a search may read to the end of
# the text (`a(.*z)?` on "aaaa…"): the matches a rule reports per section are capped, so a rule
# costs at most this many passes over a section, whatever the pattern.
MAX_MATCHES = 200
# Texts with every kind of position a pattern can assert (start and end of text and of a line,
# inside and at the edge of a word, between spaces): a pattern with an empty match in one of
# them is refused. One that slips through is still bounded by MAX_MATCHES.
_EMPTY_PROBES = ("", "a", " ", "aa", "a a", "  ", "\n", "a\na", " \n ", "\n\n", "a.", ".a")


class PatternError(ValueError):
    """A lint pattern that RE2 cannot run; the message says why and what to write instead."""


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error reaches the user as a `file:line` problem instead
    return options


@lru_cache(maxsize=256)
def compile_pattern(pattern: str):
    """A rule's pattern, compiled as the linter runs it, or PatternError."""
    # (?m) as well: a `^` in a pattern means "where a sentence can start", and in a Markdown
    # document every line (a bullet, a table row) is such a place.
    try:
        return re2.compile("(?m)" + pattern, _options())
    except re2.error as exc:
        why = exc.args[0] if exc.args else "RE2 refused it"
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        why = why.replace("(?m)" + pattern, pattern)
        why = why if len(why) <= 160 else why[:160] + "…"  # RE2 quotes the pattern, maybe whole
        hint = ""
        if re.search(r"\(\?<?[=!]|\\[1-9]", pattern):
            hint = ("; RE2 has no lookarounds or backreferences, which can take exponential time: "
                    "to skip some matches, match what to skip in another branch and put what to "
                    "report in a group named hit (see data/FORMAT.md)")
        raise PatternError(f"cannot run in RE2: {why}{hint}") from None


def check_pattern(pattern: str) -> None:
    """PatternError unless `pattern` can run as a rule: RE2 compiles it, and it never matches
    empty text (which underlines nothing, and would cost one search per character)."""
    regexp = compile_pattern(pattern)
    for probe in _EMPTY_PROBES:
        if any(match.end() == match.start() for match in regexp.finditer(probe)):
            raise PatternError("can match empty text, which underlines nothing; make every "
                               "branch match at least one character")


def _regex(pattern: str, text: str, section: _Section) -> list[tuple[int, int]]:
    regexp = compile_pattern(pattern)
    hit = regexp.groupindex.get(HIT_GROUP, 0)
    spans = []
    matches = regexp.finditer(text[section.start:section.end])
    for match in itertools.islice(matches, MAX_MATCHES):
        start, end = match.span(hit)
        if end > start:  # also skips a match without its hit group (-1, -1)
            spans.append((section.start + start, section.start + end))
    return spans


# -- acronyms --------------------------------------------------------------------------------

# Two capitals or more (after the first capital the next letter is one: A1B is, A12 is not).
# Possessive, the second capital found by a lookahead: "AAAA…Ab" must not be tried at every
# split of its letters, which made a 10,000-letter word take seconds.
_CAPS = re.compile(r"(?<![\w])([A-Z](?=[0-9]*+[A-Z])[A-Z0-9]*+)(s?)(?![\w])")
_CODE_OR_URL = re.compile(r"(?s:```.*?```)|`[^`\n]*`|<?https?://[^\s)>\]]+>?")
# Standards, time zones and units a reader already knows, and that nobody expands.
_STANDARD = frozenset({
    "UTC", "GMT", "ISO", "AM", "PM",
    "KB", "MB", "GB", "TB", "PB", "EB", "KBPS", "MBPS", "GBPS", "HZ", "KHZ", "MHZ", "GHZ",
    "USD", "EUR", "GBP", "KES", "UGX", "TZS", "NGN", "ZAR", "INR", "JPY", "CHF", "CAD", "AUD", "CNY",
})
_MINOR_WORDS = frozenset({"of", "and", "the", "for", "to", "in", "on", "a", "an", "at", "by", "as", "with", "&"})
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")


def _known_terms(process: Any) -> set[str]:
    """ALL-CAPS words of the glossary's terms and aliases (IC, SME, TODO, CAN report…)."""
    known: set[str] = set()
    for term in process.items("terms"):
        for phrase in [term.get("term", "")] + list(term.get("aliases") or []):
            known.update(m.group(1) for m in _CAPS.finditer(phrase))
    return known


def _spells(letters: str, words: list[str]) -> bool:
    """Do these words spell the acronym? Each word gives its first letter, a CamelCase word may
    give its capitals too (PagerDuty -> PD, PostgreSQL -> PG), a one-word expansion may give
    any of its letters in order (database -> DB), and minor words (of, and, the…) may give
    nothing."""
    def gives(word: str, wanted: str) -> bool:
        more = word[1:] if len(words) == 1 else "".join(c for c in word[1:] if c.isupper())
        rest = iter(more.lower())
        return word[0].lower() == wanted[0] and all(letter in rest for letter in wanted[1:])

    @lru_cache(maxsize=None)
    def match(i: int, j: int) -> bool:
        if j == len(words):
            return i == len(letters)
        word = words[j]
        if word.lower() in _MINOR_WORDS and match(i, j + 1):
            return True
        longest = min(len(letters), i + len(word))  # a word gives at most one letter per letter
        return any(gives(word, letters[i:k]) and match(k, j + 1) for k in range(longest, i, -1))
    return bool(letters) and match(0, 0)


def _expanded(text: str, start: int, end: int, acronym: str) -> bool:
    """"Subject Matter Expert (SME)" or "SME (Subject Matter Expert)" at this occurrence."""
    letters = "".join(c for c in acronym.lower() if c.isalpha())
    after = re.match(r"\s*\(([^()\n]{1,120})\)", text[end:end + 130])
    if after and _spells(letters, _WORD.findall(after.group(1))):
        return True
    before = re.search(r"([^()\n]{1,120})\(\s*$", text[max(0, start - 130):start])
    if before and re.match(r"\s*\)", text[end:end + 5]):
        words = _WORD.findall(before.group(1))
        longest = min(len(words), len(letters) + 4)  # room for a few minor words
        return any(_spells(letters, words[-k:]) for k in range(1, longest + 1))
    return False


def _acronyms(process: Any, text: str, covered: list[_Section]) -> list[tuple[_Section, int, int]]:
    """The first use of each ALL-CAPS word in the covered sections, when it is not expanded there.

    Later uses are not reported: one expansion is enough, and one finding per acronym is what
    the writer needs. Code in backticks, links, SEV-N, ticket keys (ABC-123), glossary terms
    and aliases, time zones, ISO names and units are not acronyms to explain.
    """
    known = _known_terms(process) | _STANDARD
    plain = _CODE_OR_URL.sub(lambda m: " " * len(m.group(0)), text)
    seen: set[str] = set()
    result = []
    for section in covered:
        for match in _CAPS.finditer(plain, section.start, section.end):
            acronym = match.group(1)
            if acronym in known or acronym in seen or re.fullmatch(r"SEV\d+", acronym):
                continue
            if re.match(r"-\d", plain[match.end():match.end() + 2]):
                continue  # SEV-1, and ticket keys like OPS-123
            seen.add(acronym)
            if not _expanded(plain, match.start(), match.end(), acronym):
                result.append((section, match.start(), match.end()))
    return result


# -- sentence_count --------------------------------------------------------------------------

_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "approx", "incl", "cf", "no", "mr", "mrs", "ms", "dr",
                            "st", "min", "mins"})
# A run of stops is tried once, from its first stop and without giving any back (no shorter
# run can be followed by a space), so "......x" is not quadratic.
_SENTENCE_BREAK = re.compile(r"(?<![.!?])[.!?]++[\"”’)\]*_]*+(?=\s|$)|\n[ \t]*\n"
                             r"|\n(?=[ \t]*(?:[-*+]|\d+[.)])[ \t])")
_MAX_SENTENCES = 2


def _word_before(text: str, start: int, end: int) -> str:
    """The word (letters, digits, `_` and `.`) that ends at `end` (or just before a newline
    there), not reaching before `start`: read backwards, so each stop costs its word only."""
    if end > start and text[end - 1] == "\n":
        end -= 1
    first = end
    while first > start and (text[first - 1].isalnum() or text[first - 1] in "._"):
        first -= 1
    return text[first:end]


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans: a stop (not after e.g., i.e. or an initial), a blank line or a new bullet."""
    spans, piece = [], start
    for match in _SENTENCE_BREAK.finditer(text, start, end):
        if match.group(0)[0] == ".":
            token = _word_before(text, piece, match.start()).lower()
            if token in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", token):  # J. Smith, U.S.
                continue
        bounds = _trimmed(text, piece, match.end())
        if re.search(r"\w", text[bounds[0]:bounds[1]]):
            spans.append(bounds)
        piece = match.end()
    bounds = _trimmed(text, piece, end)
    if re.search(r"\w", text[bounds[0]:bounds[1]]):
        spans.append(bounds)
    return spans


def _sentence_count(text: str, section: _Section) -> list[tuple[int, int]]:
    """More than two sentences: the span is what is past the second, the part to cut."""
    spans = _sentences(text, section.start, section.end)
    if len(spans) <= _MAX_SENTENCES:
        return []
    return [(spans[_MAX_SENTENCES][0], spans[-1][1])]


# -- tables (timeline, impact, action items) -------------------------------------------------

class _Row(NamedTuple):
    start: int  # the row's text, trimmed
    end: int
    cells: list[tuple[str, int, int]]  # (trimmed text, start, end)


_SEPARATOR_CELL = re.compile(r":?-{2,}:?")


def _separator_row(line: str) -> bool:
    """`|---|:--:|`: cells of two dashes or more, each with an optional colon at either end, the
    outer pipes optional. Split, not one regex: runs of spaces between optional parts made that
    regex quadratic in the length of a line."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return all(_SEPARATOR_CELL.fullmatch(cell.strip()) for cell in body.split("|"))


def _split_cells(line: str, offset: int) -> list[tuple[str, int, int]]:
    """The cells of a row that starts with `|` (the closing `|` may be left out)."""
    cells = []
    edges = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if not line.rstrip().endswith("|"):
        edges.append(len(line.rstrip()))
    for left, right in zip(edges, edges[1:]):
        start, end = _trimmed(line, left + 1, right)
        cells.append((line[start:end], offset + start, offset + end))
    return cells


def _tables(text: str, section: _Section) -> list[tuple[_Row, list[_Row]]]:
    """Markdown tables in a section: (header row, data rows)."""
    tables: list[list[_Row]] = []
    previous_was_row = False
    for offset, line in _lines(text, section):
        if not line.strip().startswith("|"):
            previous_was_row = False
            continue
        if _separator_row(line):
            previous_was_row = True
            continue
        start, end = _trimmed(line, 0, len(line))
        row = _Row(offset + start, offset + end, _split_cells(line, offset))
        if not previous_was_row:
            tables.append([])
        tables[-1].append(row)
        previous_was_row = True
    return [(rows[0], rows[1:]) for rows in tables]


def _column(header: _Row, words: tuple[str, ...], default: int) -> int:
    for word in words:
        for i, (cell, _, _) in enumerate(header.cells):
            if word in cell.lower():
                return i
    return default


# -- timeline_links --------------------------------------------------------------------------

_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
# The column is "Time (UTC)", so a time with no zone is UTC (the console's own drafts write
# `2026-03-29 14:05`); what fails is another zone, an offset, or a 12-hour clock.
_UTC_TIME = re.compile(rf"(?:\d{{4}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ])?{_CLOCK}(?:Z|[ ]?UTC)?")
_EMPTY_CELL = frozenset({"", "-", "--", "—", "–", "?", "??", "tbd", "todo", "n/a", "na", "none"})


def _bare(cell: str) -> str:
    return cell.strip().strip("*_`").strip()


def _timeline_links(text: str, section: _Section) -> list[tuple[int, int]]:
    """Each timeline row needs its evidence and a UTC time.

    A row with an empty data-link cell (or one holding only a placeholder such as `-` or `TBD`)
    is underlined whole. A time must be `HH:MM[:SS]`, optionally after the date
    (`2026-03-29 14:05`, `2026-03-29T14:05:00Z`) and optionally marked `Z` or `UTC`; one in
    another zone or with an offset (`14:02 EAT`, `+03:00`) or on a 12-hour clock (`2:05 pm`)
    is underlined in its cell.
    """
    spans = []
    for header, rows in _tables(text, section):
        time_col = _column(header, ("time",), 0)
        link_col = _column(header, ("link", "data", "evidence", "source"), len(header.cells) - 1)
        for row in rows:
            if time_col < len(row.cells):
                cell, start, end = row.cells[time_col]
                if not _UTC_TIME.fullmatch(_bare(cell)):
                    spans.append((start, end) if end > start else (row.start, row.end))
            link = row.cells[link_col][0] if link_col < len(row.cells) else ""
            if _bare(link).lower() in _EMPTY_CELL:
                spans.append((row.start, row.end))
    return spans


# -- impact_numbers --------------------------------------------------------------------------

# Upper-case only for the short ones: "na" and "xx" are words in other languages and in names.
_PLACEHOLDER = re.compile(r"\?{2,}|\?[ ]?(?i:mins?|minutes?|hours?|hrs?)\b|\?[ ]?%"
                          r"|(?<![\w/])(?:(?i:tbd|tbc)|XX+|N/A)(?![\w/])")


def _impact_numbers(text: str, section: _Section) -> list[tuple[int, int]]:
    """Placeholders anywhere (`??`, `?mins`, `TBD`, `TBC`, `XX`, `N/A`); a table row whose values
    hold no digit (the first cell is the label, so `Time at SEV-1 | TBD` is not rescued by its
    label); and an impact section with words but no digit at all."""
    spans = [m.span() for m in _PLACEHOLDER.finditer(text, section.start, section.end)]
    placeholder_starts = [start for start, _ in spans]  # in order; looked up, not scanned per row
    for _, rows in _tables(text, section):
        for row in rows:
            first = bisect.bisect_left(placeholder_starts, row.start)
            if first < len(placeholder_starts) and placeholder_starts[first] < row.end:
                continue
            values = row.cells[1:] if len(row.cells) > 1 else row.cells
            if not any(re.search(r"\d", cell) for cell, _, _ in values):
                spans.append((row.start, row.end))
    body = text[section.start:section.end]
    if not spans and re.search(r"\w", body) and not re.search(r"\d", body):
        spans.append(_trimmed(text, section.start, section.end))
    return sorted(spans)


# -- action_item_tags ------------------------------------------------------------------------

_ITEM_LINE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_TICKET = re.compile(r"(?<![\w-])(?!SEV-)[A-Z][A-Z0-9]+-\d+(?![\w])|(?<![\w&])#\d+(?![\w])")
_DATED_TAG = re.compile(r"(?<![\w])sev([1-5])_(\d{4})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\w])", re.IGNORECASE)
_SEV_TAG = re.compile(r"(?<![\w])sev([1-5])(?![\w])", re.IGNORECASE)


def _tagged(item: str) -> bool:
    if not _TICKET.search(item):
        return False
    levels = {tag.group(1) for tag in _SEV_TAG.finditer(item)}
    return any(tag.group(1) in levels for tag in _DATED_TAG.finditer(item))


def _action_item_tags(text: str, section: _Section) -> list[tuple[int, int]]:
    """Each action item (a bullet or numbered line, or a table row) needs a ticket reference
    (`ABC-123` or `#123`) and both tags of one severity: `sevN_YYYYMMDD` and `sevN`."""
    spans = []
    for offset, line in _lines(text, section):
        bullet = _ITEM_LINE.match(line)
        if bullet:
            start, end = _trimmed(text, offset + bullet.end(), offset + len(line))
            if end > start and not _tagged(text[start:end]):
                spans.append((start, end))
    for _, rows in _tables(text, section):
        for row in rows:
            if not _tagged(text[row.start:row.end]):
                spans.append((row.start, row.end))
    return sorted(spans)


# -- apology ---------------------------------------------------------------------------------

_APOLOGY = re.compile(r"\b(?:apologi[sz](?:e[sd]?|ing)|apology|apologies|sorry|regret)\b", re.IGNORECASE)
_ROTE_APOLOGY = re.compile(
    r"\b(?:we\s+(?:apologi[sz]e|are\s+sorry|regret)|apologi[sz]e|apologies|sorry|regret)\s+(?:for\s+)?"
    r"(?:any|the)\s+inconvenience(?:\s+(?:this|that|it)\s+(?:may\s+have\s+|might\s+have\s+|has\s+)?caused)?\b",
    re.IGNORECASE)


def _apology(text: str, covered: list[_Section]) -> list[tuple[_Section, int, int]]:
    """The message as a whole needs an apology, and not a stock one.

    A stock phrase ("we apologize for any inconvenience") is underlined where it is; a message
    with no apology at all is underlined on its first line, the top a reader sees.
    """
    result, apologised = [], False
    for section in covered:
        for match in _ROTE_APOLOGY.finditer(text, section.start, section.end):
            result.append((section, *match.span()))
        if _APOLOGY.search(text, section.start, section.end):
            apologised = True
    if apologised or not covered:
        return result
    for section in covered:
        for offset, line in _lines(text, section):
            start, end = _trimmed(text, offset, offset + len(line))
            if end > start:
                return [(section, start, end)]
    return []


# -- unfilled --------------------------------------------------------------------------------

def _unfilled(rule: dict, whole: str, masked: str, covered: list[_Section]) -> list[tuple[_Section, int, int]]:
    """What is not written yet: the draft's `_To write:_` hints left in place (they are masked
    from every other rule, so they are read from the whole text), the rule's placeholders (a
    `[bracketed hint]`, an unfilled `{placeholder}`, a header field still "to be set"), and a
    section or subsection with nothing under its heading (underlined at the heading)."""
    result = []
    for section in covered:
        hints = [m.span() for m in _TO_WRITE.finditer(whole, section.start, section.end)]
        spans = list(hints)
        if rule.get("pattern"):
            spans += _regex(rule["pattern"], masked, section)
        has_parts = section.part is None and any(o.id == section.id and o.part for o in covered)
        if not hints and not has_parts and section.heading >= 0 \
                and not re.search(r"\w", masked[section.start:section.end]):
            line_end = whole.find("\n", section.heading)
            spans.append(_trimmed(whole, section.heading, len(whole) if line_end < 0 else line_end))
        result += [(section, start, end) for start, end in sorted(spans)]
    return result


_PER_SECTION = {
    "sentence_count": _sentence_count,
    "timeline_links": _timeline_links,
    "impact_numbers": _impact_numbers,
    "action_item_tags": _action_item_tags,
}
