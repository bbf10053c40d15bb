"""Who is named as the doer of a failure: the check behind the blameless rule (`check: roster_blame`).

The handbook: don't name and shame. A person who deployed a breaking change is a failure of the
system that let them, not their fault. This finds a person written as the doer of a failure, in
the forms people write it:

- a person, then a failure only people commit: "Cy forgot", "Dee skipped", "Will misconfigured",
  "May let the certificate expire";
- a person, then an action on a bad thing: "Ben pushed a bad deploy", "Marcus rebooted the wrong
  server" (a listed action, or any verb ending in -ed);
- a person, then "accidentally", "carelessly"... and the verb: "Will accidentally deleted";
- a person, then a failure verb and what it hit: "Dee broke the build", "Ana caused the incident"
  ("Checkout broke at 14:02" hits nothing, so it is not);
- a person on the roster not doing something: "Ana never checked", "Cy didn't follow";
- later in the person's clause: a joined verb ("was asleep and missed every page"), or "without
  telling anyone";
- a person's work doing the failing ("Ana's deploy broke checkout", "Omar's script wiped"), a
  person's mistake ("It was Ben's mistake", "Ana's bad query", "The bad deploy was Ana's", "a
  typo Cy made");
- a failure done by a person: "the deploy was botched by Dee", "caused by Ana's change".

A person is a name on the incident's roster (the full name, or the first name, matched as written,
so "may have" is never May), "he" or "she", a role ("the on-call engineer", "our SRE"), or a
capitalised word where a subject stands (the start of a sentence or clause) that the rule's
`not_names` does not list. Neutral facts about people ("Ana Alvarez took command at 14:05", "Ben
paged the payments team") are not found. tests/fixtures/blame_corpus.yaml measures how often it
is right.

Every word list is the rule's `words` in `data/lint_rules.yaml`, so an organisation can add its
own. Pure functions over text; each word is looked at a bounded number of times.
"""

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

# A word (letters first; inner apostrophes and hyphens kept: didn't, fat-fingered, Ana's), a
# number (14:02, 8.5), or a run of the punctuation that ends a clause. Compiled when first used:
# process validation imports this module for the names of the word lists.
_TOKEN = r"[^\W\d_](?:[\w'’-]*[^\W_])?|\d+(?:[:.,]\d+)*|[.!?;:,()\[\]\"“”—–\n]+"
# How far the verb may stand from its subject: a few adverbs ("Ben Ode accidentally broke").
_MAX_ADVERBS = 3
_FILLERS = frozenset({"also", "then", "just", "again", "already", "still", "even", "really", "had",
                      "has", "have", "was", "were", "is", "kept", "who"})
# How far back from "by NAME" the failure may stand ("The config was broken by Will").
_PASSIVE_REACH = 8
# How far after "NAME's" the failing verb may stand ("Ben Ode's config change broke").
_POSSESSIVE_REACH = 4
_OBJECT_REACH = 3  # "pushed a [very] bad deploy"
# How far along its clause a person's later verb may stand ("was asleep and missed every page").
_CLAUSE_REACH = 12
_WILDCARD = "*"  # in a phrase: one to three words ("let * expire")
_WILDCARD_WIDTH = 3
_JOINS = frozenset({"and", "but", "then"})  # "Dee improvised and made things worse"
_NEGATED = frozenset({"nothing", "none"})  # "Ana forgot nothing"


class Words(NamedTuple):
    """The rule's word lists. Phrases are indexed by their first word."""

    failures: dict  # only people do these wrong: forgot, skipped, messed up, let * expire
    failure_verbs: dict  # a system can do these too: broke, caused, took down
    actions: dict  # everyday actions, blame with a bad object: pushed, ran, rolled out
    bad: frozenset  # what makes the object bad: bad, wrong, untested
    blame_adverbs: frozenset  # accidentally, carelessly
    omissions: dict  # did not, never
    not_omitted: frozenset  # "Ana did not need to"
    without: frozenset  # "deployed without telling anyone"
    mistakes: frozenset  # mistake, fault, typo, hesitation
    people: frozenset  # on-call, engineer, release manager
    pronouns: frozenset  # he, she
    not_names: frozenset  # capitalised words that are not names: The, We, After, Monday
    determiners: frozenset  # what an object starts with: the, a, his
    role_determiners: frozenset  # what a role starts with: the, our, a
    clause_words: frozenset  # after these a new subject can stand: and, because, when


_PHRASE_LISTS = ("failures", "failure_verbs", "actions", "omissions")
# The names of the rule's word lists (`words:` in lint_rules.yaml), as the process validates them.
WORD_LISTS = Words._fields


def words_of(rule: dict) -> Words:
    """The rule's `words`, read once per distinct mapping (the process is immutable)."""
    given = rule.get("words") or {}
    return _words(tuple((name, tuple(given.get(name) or ())) for name in WORD_LISTS))


@lru_cache(maxsize=16)
def _words(given: tuple[tuple[str, tuple[str, ...]], ...]) -> Words:
    lists: dict = {}
    for name, phrases in given:
        split = [tuple(_norm(w) for w in str(p).split()) for p in phrases if str(p).strip()]
        if name in _PHRASE_LISTS:
            index: dict[str, list[tuple[str, ...]]] = {}
            for phrase in split:
                index.setdefault(phrase[0], []).append(phrase)
            lists[name] = {first: tuple(sorted(found, key=len, reverse=True)) for first, found in index.items()}
        elif name in ("people",):
            lists[name] = frozenset(split)
        else:
            lists[name] = frozenset(" ".join(p) for p in split)
    return Words(**lists)


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


class _Token(NamedTuple):
    text: str  # as written, without a possessive 's
    low: str  # lower case, straight apostrophes
    start: int
    end: int
    word: bool
    possessive: bool


@lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern:
    return re.compile(_TOKEN)


_new = tuple.__new__  # a token without the NamedTuple constructor's Python call: ~10,000 a section


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    out = []
    for match in _token_pattern().finditer(text, start, end):
        raw = match.group(0)
        word = raw[0].isalpha()
        possessive = word and len(raw) > 2 and raw[-1] in "sS" and raw[-2] in "'’"
        shown = raw[:-2] if possessive else raw
        low = shown.lower()
        if "’" in low:
            low = low.replace("’", "'")
        out.append(_new(_Token, (shown, low, match.start(), match.end(), word, possessive)))
    return out


# -- who ---------------------------------------------------------------------------------------

class _Person(NamedTuple):
    end: int  # the index of the token after the person
    known: bool  # on the roster, a pronoun or a role: not just a capitalised word
    possessive: bool


def _roster_names(roster: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Each responder's full name and first name, by first word, longest first."""
    names: set[tuple[str, ...]] = set()
    for name in roster:
        parts = tuple(name.split())
        if parts:
            names.add(parts)
            if len(parts[0]) >= 2:
                names.add(parts[:1])
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for name in sorted(names, key=len, reverse=True):
        by_first.setdefault(name[0], []).append(name)
    return by_first


def _capitalised(token: _Token, words: Words) -> bool:
    text = token.text
    return (token.word and len(text) >= 2 and text[0].isupper() and not text.isupper()
            and token.low not in words.not_names and "-" not in text)


def _role(tokens: list[_Token], i: int, words: Words) -> _Person | None:
    """"the on-call", "our junior engineer", "the release manager": a role after its determiner."""
    last_words = _last_words(words.people)
    if not any(t.low in last_words for t in tokens[i + 1:i + 4]):
        return None
    for width in (3, 2, 1):
        phrase = tuple(t.low for t in tokens[i + 1:i + 1 + width] if t.word)
        if len(phrase) == width and any(phrase[cut:] in words.people for cut in range(width)):
            last = tokens[i + width]
            if not any(t.possessive for t in tokens[i + 1:i + width]):
                return _Person(i + 1 + width, True, last.possessive)
    return None


@lru_cache(maxsize=16)
def _last_words(people: frozenset) -> frozenset:
    return frozenset(phrase[-1] for phrase in people)


@lru_cache(maxsize=16)
def _could_name(pronouns: frozenset, people: frozenset, first_names: tuple[str, ...]) -> re.Pattern:
    """Any word in lower-case text that could start a person: a pronoun, a role, a name."""
    found = {_norm(word) for word in pronouns | _last_words(people) | set(first_names)}
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(found, key=len, reverse=True))) + r")\b")


def _person(tokens: list[_Token], i: int, names: dict[str, list[tuple[str, ...]]], words: Words,
            subject: bool) -> _Person | None:
    """The person whose name starts at token i, if one does. `subject`: token i stands where
    a subject can (a capitalised word there may be a name the roster does not know)."""
    token = tokens[i]
    if not token.word:
        return None
    for name in names.get(token.text, ()):
        last = i + len(name)
        if last <= len(tokens) and all(t.word and t.text == part for t, part in zip(tokens[i:last], name)) \
                and not any(t.possessive for t in tokens[i:last - 1]):
            return _Person(last, True, tokens[last - 1].possessive)
    if token.low in words.pronouns and not token.possessive:
        return _Person(i + 1, True, False)
    if token.low in words.role_determiners:
        return _role(tokens, i, words)
    if not _capitalised(token, words):
        return None
    if token.possessive:  # "Priya's migration" names a person wherever it stands
        return _Person(i + 1, False, True)
    if not subject:
        return None
    end = i + 1
    if end < len(tokens) and _capitalised(tokens[end], words):  # "Sam Lee"
        end += 1
    return _Person(end, False, tokens[end - 1].possessive)


# -- what they did -----------------------------------------------------------------------------

def _matches(tokens: list[_Token], k: int, phrase: tuple[str, ...]) -> int:
    """The index after `phrase` matched at token k ("*" is one to three words), or -1."""
    if not phrase:
        return k
    if k >= len(tokens) or not tokens[k].word:
        return -1
    if phrase[0] == _WILDCARD:
        for width in range(1, _WILDCARD_WIDTH + 1):
            if k + width > len(tokens) or not tokens[k + width - 1].word:
                return -1
            end = _matches(tokens, k + width, phrase[1:])
            if end >= 0:
                return end
        return -1
    if tokens[k].low != phrase[0] or (tokens[k].possessive and len(phrase) > 1):
        return -1
    return _matches(tokens, k + 1, phrase[1:])


def _phrase(tokens: list[_Token], k: int, phrases: dict) -> int:
    """The index after the longest phrase of `phrases` starting at token k, or -1."""
    if k >= len(tokens) or not tokens[k].word:
        return -1
    for phrase in phrases.get(tokens[k].low, ()):
        end = _matches(tokens, k, phrase)
        if end >= 0:
            return end
    return -1


def _word_after(tokens: list[_Token], k: int) -> int:
    """k + 1 if token k is a word (the noun after "bad": "a bad deploy"), else k."""
    return k + 1 if k < len(tokens) and tokens[k].word else k


def _bad_within(tokens: list[_Token], k: int, words: Words) -> int:
    """The index after a bad thing among the next few words ("a very bad deploy"), or -1."""
    for j in range(k, min(k + _OBJECT_REACH, len(tokens))):
        if not tokens[j].word:
            return -1
        if tokens[j].low in words.bad:
            return _word_after(tokens, j + 1)
    return -1


def _verb(tokens: list[_Token], k: int, person: _Person, words: Words) -> int:
    """The failure whose verb stands at token k, with `person` its subject: the index after, -1
    when the verb is no failure, or 0 when token k is no verb of ours (an adverb, perhaps)."""
    low = tokens[k].low
    if low in words.blame_adverbs:
        return _word_after(tokens, k + 1)
    end = _phrase(tokens, k, words.failures)
    if end > 0:
        return -1 if end < len(tokens) and tokens[end].low in _NEGATED else end
    end = _phrase(tokens, k, words.actions)
    if end < 0 and len(low) > 4 and low.endswith("ed"):  # any other verb in the past tense
        end = k + 1
    if end > 0:
        found = _bad_within(tokens, end, words)
        if found > 0 or low not in words.failure_verbs:
            return found
    end = _phrase(tokens, k, words.failure_verbs)
    if end > 0:
        following = tokens[end] if end < len(tokens) else None
        return end if following is not None and following.low in words.determiners else -1
    if person.known:
        end = _phrase(tokens, k, words.omissions)
        if end > 0:
            verb = tokens[end] if end < len(tokens) else None
            if verb is not None and verb.word and verb.low not in words.not_omitted:
                return end + 1
            return -1
    return 0


def _after_person(tokens: list[_Token], person: _Person, words: Words) -> int:
    """The index after the failure a person is the subject of, or -1 (not a failure).

    The verb may follow a few adverbs ("Ben Ode accidentally broke"); further along the clause
    a joined verb may be the failure ("was asleep and missed every page"), or what the person
    did was done "without telling anyone"."""
    k, adverbs = person.end, 0
    if k + 1 < len(tokens) and tokens[k].text == "," and _verb(tokens, k + 1, person, words) > 0:
        k += 1  # "Our SRE, Ana, misjudged": a name set off by commas
    while k < len(tokens) and tokens[k].word:
        found = _verb(tokens, k, person, words)
        if found != 0:
            if found > 0:
                return found
            break
        low = tokens[k].low
        if adverbs < _MAX_ADVERBS and (low.endswith("ly") or low in _FILLERS):
            k, adverbs = k + 1, adverbs + 1
            continue
        break
    # Along the rest of the clause: a joined verb, or "without telling".
    for j in range(k, min(k + _CLAUSE_REACH, len(tokens))):
        token = tokens[j]
        if not token.word:
            return -1
        if token.low == "without" and j + 1 < len(tokens) and tokens[j + 1].low in words.without:
            return j + 2
        if token.low in _JOINS and j + 1 < len(tokens) and tokens[j + 1].word:
            found = _verb(tokens, j + 1, person, words)
            if found > 0:
                return found
    return -1


def _after_possessive(tokens: list[_Token], person: _Person, words: Words) -> int:
    """"Ana's mistake", "Ana's bad query", "Ana's deploy broke", "Ana's plan was wrong":
    the index after, or -1."""
    k = person.end
    if k >= len(tokens) or not tokens[k].word:
        return -1 if _blamed_before(tokens, person, words) < 0 else k  # "The bad deploy was Ana's."
    if tokens[k].low in words.mistakes:
        return k + 1
    if tokens[k].low in words.bad:
        return _word_after(tokens, k + 1)
    for j in range(k + 1, min(k + 1 + _POSSESSIVE_REACH, len(tokens))):
        if not tokens[j].word:
            return -1
        if tokens[j].low in words.mistakes or tokens[j].low in words.bad:
            return j + 1
        for phrases in (words.failures, words.failure_verbs):
            end = _phrase(tokens, j, phrases)
            if end > 0:
                return end
    return -1


def _blamed_before(tokens: list[_Token], person: _Person, words: Words) -> int:
    """"The bad deploy was Ana's", "a typo Cy made": the index of the bad thing or mistake
    earlier in the clause that the person is said to own, or -1."""
    first = person.end - 1
    while first > 0 and tokens[first - 1].word and tokens[first - 1].text[:1].isupper() and not person.possessive:
        first -= 1
    for j in range(first - 1, max(-1, first - 1 - _PASSIVE_REACH), -1):
        if not tokens[j].word:
            return -1
        if tokens[j].low in words.mistakes or tokens[j].low in words.bad:
            return j
    return -1


def _done_by(tokens: list[_Token], by: int, person: _Person, words: Words) -> int:
    """"botched by Dee": the index of the failure word before `by`, or -1."""
    participle = by > 0 and tokens[by - 1].word and (
        tokens[by - 1].low.endswith("ed") or _phrase(tokens, by - 1, words.actions) == by)
    for j in range(by - 1, max(-1, by - 1 - _PASSIVE_REACH), -1):
        token = tokens[j]
        if not token.word:
            return -1
        if token.low in words.mistakes or (participle and token.low in words.bad):
            return j  # "the bug was introduced by Ben", "the wrong database was dropped by Ana"
        for phrases in ((words.failures, words.failure_verbs) if person.known else (words.failures,)):
            if _phrase(tokens, j, phrases) == by:
                return j
            if j > 0 and _phrase(tokens, j - 1, phrases) == by:  # "messed up by"
                return j - 1
    return -1


# -- the check ---------------------------------------------------------------------------------

def find(rule: dict, roster: Iterable[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of `text[start:end]` where a person is written as the doer of a failure."""
    words = words_of(rule)
    names = _roster_names(roster)
    segment = text[start:end]
    if segment == segment.lower() and not _could_name(words.pronouns, words.people, tuple(names)).search(segment):
        return []  # no capital, pronoun, role or name: nobody is named (and no word need be read)
    tokens = _tokens(text, start, end)
    spans: list[tuple[int, int]] = []
    covered = -1  # a finding's last token: the next one starts after it
    subject = True
    may_name = words.pronouns | words.role_determiners
    for i, token in enumerate(tokens):
        if i <= covered or not token.word or not (
                token.text[0].isupper() or token.low in may_name or token.text in names):
            subject = not token.word or token.low in words.clause_words
            continue  # most words: lower case, and no pronoun, role or name starts there
        after_by = i > 0 and tokens[i - 1].low == "by"
        person = _person(tokens, i, names, words, subject or after_by)
        found, first = -1, i
        if person is None and token.word and i > 0 and tokens[i - 1].low in words.mistakes \
                and _capitalised(token, words):
            person = _person(tokens, i, names, words, True)  # "a typo Cy made"
        if person is not None:
            if person.possessive:
                found = _after_possessive(tokens, person, words)
            else:
                found = _after_person(tokens, person, words)
                if found < 0 and not person.possessive and person.end < len(tokens) \
                        and _phrase(tokens, person.end, words.actions) > 0:
                    mistake = _blamed_before(tokens, person, words)
                    if mistake >= 0 and tokens[mistake].low in words.mistakes:
                        first, found = mistake, _phrase(tokens, person.end, words.actions)
            if found < 0 and after_by:
                passive = _done_by(tokens, i - 1, person, words)
                if passive >= 0:
                    first, found = passive, person.end
        if found > 0:
            spans.append((tokens[first].start, tokens[found - 1].end))
            covered = found - 1
        subject = not token.word or token.low in words.clause_words
    return spans
