"""The security announcement's own checks (lint rules `dated_title` and `third_parties`).

A public statement about a breach carries its date in its title, so that it cannot be taken
for the statement about a later one, and names no outside company that may have been the way
in - unless that company has disclosed it itself, and then the statement links to the
disclosure (handbook: during/security_incident_response). Both run over a section of the text,
as console.lint's other checks do, and return the spans to underline.
"""

import re
from functools import lru_cache

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b"                                      # 2026-11-30
    r"|\b\d{1,2}[./]\d{1,2}[./]\d{4}\b"                               # 30/11/2026, 11.30.2026
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}\b"    # 30 November 2026
    rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",              # November 30, 2026
    re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")


def dated_title(rule: dict, masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The title (the first line with words) when it has no date in it."""
    for match in re.finditer(r"[^\n]+", masked[:end]):
        if match.start() < start or not match.group().strip():
            continue
        if _DATE.search(match.group()):
            return []
        text = match.group()
        left = len(text) - len(text.lstrip())
        return [(match.start() + left, match.start() + len(text.rstrip()))]
    return []


@lru_cache(maxsize=8)
def _names(names: tuple[str, ...]) -> re.Pattern | None:
    wanted = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in wanted) + r")(?![\w])", re.IGNORECASE)


def third_parties(rule: dict, masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Each outside company the rule lists (`words: third_parties`) named in a sentence that
    does not link to a disclosure (a URL in the same sentence)."""
    pattern = _names(tuple((rule.get("words") or {}).get("third_parties") or ()))
    if pattern is None:
        return []
    spans = []
    for match in pattern.finditer(masked, start, end):
        sentence_start = max((m.end() for m in _SENTENCE_END.finditer(masked, start, match.start())), default=start)
        after = _SENTENCE_END.search(masked, match.end(), end)
        sentence = masked[sentence_start:after.start() if after else end]
        if not _URL.search(sentence):
            spans.append(match.span())
    return spans


# The checks by their name in lint_rules.yaml (`check:`): each (rule, text, start, end) -> spans.
CHECKS = {"dated_title": dated_title, "third_parties": third_parties}
