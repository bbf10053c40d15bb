"""Search over the timeline: current texts, filters, snippets, any input, rank or newest first."""

import uuid

import pytest

from console import search
from console.search import SearchHit, match_query


@pytest.fixture(params=["waiting", "indexed"])
def two(request, service, clock):
    """Two incidents with a few entries each: (first, second, {name: entry}); each test runs
    with the entries still waiting for the search index (console.search_index: matched in
    memory) and with them indexed (the writer's idle catch-up), which must find the same."""
    first = service.incidents.declare("Checkout down", by="Ana", severity=1).incident
    second = service.incidents.declare("Login slow", by="Ana", severity=3).incident
    entries = {}
    for name, incident, text, kind, by in [
        ("lag", first, "replica lag on db-2 is 40 s", "finding", "Ben"),
        ("rollback", first, "rolled back deploy 4121", "action", "Cy"),
        ("decide", first, "we roll back the replica config", "decision", "Ana"),
        ("typo", first, "failover to db-3", "note", "Ben"),
        ("elsewhere", second, "replica in eu-west lagging", "finding", "Ben"),
        ("accents", second, "Ünïcödé service name in the alert", "note", "Dee"),
    ]:
        clock.advance(seconds=10)
        entries[name] = service.timeline.log(incident.id, text, by=by, kind=kind).entries[0]
    if request.param == "indexed":
        service.checkpoint()
    return first, second, entries


def ids(hits):
    return [hit.entry.id for hit in hits]


def test_search_one_incident_or_all(service, two):
    first, second, e = two
    assert set(ids(service.read.search.find("replica", incident_id=first.id))) == {e["lag"].id, e["decide"].id}
    assert set(ids(service.read.search.find("replica"))) == {e["lag"].id, e["decide"].id, e["elsewhere"].id}
    assert ids(service.read.search.find("replica", incident_id=second.id)) == [e["elsewhere"].id]
    assert service.read.search.find("replica", incident_id=99) == []


def test_every_word_must_appear_in_any_order(service, two):
    first, _, e = two
    assert ids(service.read.search.find("db-2 replica", incident_id=first.id)) == [e["lag"].id]
    assert ids(service.read.search.find("BACK roll", incident_id=first.id)) == [e["decide"].id]
    assert service.read.search.find("replica nowhere") == []


def test_accents_do_not_matter(service, two):
    _, _, e = two
    assert ids(service.read.search.find("unicode")) == [e["accents"].id]
    assert ids(service.read.search.find("ÜNICODE")) == [e["accents"].id]


def test_filters_by_kind_author_and_pins(service, two):
    first, _, e = two
    read = service.read
    assert ids(read.search.find("replica", incident_id=first.id, kinds=["decision"])) == [e["decide"].id]
    assert set(ids(read.search.find("replica", incident_id=first.id, kinds=["decision", "finding"]))) == {
        e["lag"].id, e["decide"].id}
    assert read.search.find("replica", incident_id=first.id, kinds=["todo"]) == []
    assert ids(read.search.find("replica", incident_id=first.id, author="Ben")) == [e["lag"].id]
    assert set(ids(read.search.find("replica", author="Ben"))) == {e["lag"].id, e["elsewhere"].id}
    assert read.search.find("replica", author="Nobody") == []
    assert read.search.find("replica", pinned_only=True) == []
    service.history.set_pin(first.id, e["decide"].id, True, by="Ana")
    hits = read.search.find("replica", pinned_only=True)
    assert ids(hits) == [e["decide"].id] and hits[0].entry.pinned
    assert read.search.find("replica", pinned_only=True, author="Ben") == []
    assert ids(read.search.find("replica", pinned_only=True, kinds=["decision"], author="Ana",
                                incident_id=first.id)) == [e["decide"].id]


def test_revised_text_is_found_and_the_corrected_words_are_not(service, two):
    first, _, e = two
    service.history.revise(first.id, e["typo"].id, "failover to db-2 replica", by="Ben")
    hits = service.read.search.find("replica", incident_id=first.id)
    assert set(ids(hits)) == {e["lag"].id, e["decide"].id, e["typo"].id}
    typo = next(h for h in hits if h.entry.id == e["typo"].id)
    assert typo.entry.current_text == "failover to db-2 replica"
    assert typo.snippet == "failover to db-2 \x02replica\x03"
    assert service.read.search.find("db-3") == []  # what it said before is history, not its text
    service.history.revise(first.id, e["typo"].id, "failover to db-4", by="Ben")  # twice: the newest counts
    assert e["typo"].id not in ids(service.read.search.find("replica"))
    assert ids(service.read.search.find("db-4")) == [e["typo"].id]
    assert ids(service.read.search.find("db-4", author="Ben", incident_id=first.id, kinds=["note"])) == [e["typo"].id]
    assert service.read.search.find("db-4", kinds=["finding"]) == []


def test_retracted_entries_are_found_and_say_so(service, two):
    first, _, e = two
    service.history.retract(first.id, e["lag"].id, by="Ana", reason="duplicate")
    (hit,) = [h for h in service.read.search.find("replica", incident_id=first.id) if h.entry.id == e["lag"].id]
    assert hit.entry.retracted


def test_snippets_mark_the_matches(service, two):
    first, _, e = two
    (hit,) = service.read.search.find("db-2 lag", incident_id=first.id)
    assert isinstance(hit, SearchHit)
    assert hit.snippet == "replica \x02lag\x03 on \x02db\x03-\x022\x03 is 40 s"
    assert hit.snippet_marked() == "replica [lag] on [db]-[2] is 40 s"
    # a hit still reads as its entry, as search's results did before they had snippets
    assert (hit.text, hit.id, hit.author) == ("replica lag on db-2 is 40 s", e["lag"].id, "Ben")
    with pytest.raises(AttributeError):
        hit.no_such_field


def test_long_texts_are_cut_around_the_match(service, two):
    first, _, _ = two
    words = [f"word{i}" for i in range(200)]
    words[120] = "needle"
    service.timeline.log(first.id, " ".join(words), by="Ben")
    (hit,) = service.read.search.find("needle")
    assert "\x02needle\x03" in hit.snippet and hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.split()) <= 16


@pytest.mark.parametrize("text", [
    "", "   ", '"', "'", '"unbalanced', "AND", "OR NOT", "NEAR(replica lag, 2)", "*", "replica*",
    "re*", "(", ")", "replica)", "col:replica", "text:replica", "^replica", "-replica", "+", "\x00",
    "replica\x00lag", "🔥", "'; DROP TABLE entries; --", "x" * 5000, "a " * 300, "\\", "%", "_",
])
def test_hostile_queries_never_raise(service, two, text):
    hits = service.read.search.find(text)
    assert isinstance(hits, list)
    service.read.search.find(text, incident_id=two[0].id, kinds=[text], author=text, pinned_only=True)


def test_what_a_person_types_becomes_a_safe_query():
    assert match_query("") is None and match_query(" * ( ") is None
    assert match_query('replica "lag') == '"replica" "lag"'
    assert match_query("NEAR(a b)") == '"NEAR" "a" "b"'
    assert match_query("repl* a* lag") == '"repl"* "a" "lag"'  # a prefix only when asked, 3+ letters


def test_an_explicit_prefix(service, two):
    _, _, e = two
    assert service.read.search.find("repl") == []
    assert len(service.read.search.find("repl*")) == 3


def test_a_small_match_set_is_ranked_a_large_one_is_newest_first(service, clock):
    incident = service.incidents.declare("Big", by="Ana").incident
    clock.advance(minutes=1)
    best = service.timeline.log(incident.id, "replica replica replica", by="Ben").entries[0]
    clock.advance(minutes=1)
    weak = service.timeline.log(incident.id, "the replica set in region east, with a long story around it "
                                    "that goes on and on about everything else that happened", by="Ben").entries[0]
    hits = service.read.search.find("replica", incident_id=incident.id)
    assert ids(hits) == [best.id, weak.id]  # ranked: bm25 prefers the densest match
    # beyond RANK_AT_MOST matches, ranking would cost seconds: newest first instead
    _bulk(service, incident.id, search.RANK_AT_MOST, "filler replica {i}")
    newest = service.timeline.log(incident.id, "replica replica replica again", by="Ben").entries[0]
    hits = service.read.search.find("replica", incident_id=incident.id, limit=5)
    assert len(hits) == 5 and hits[0].entry.id == newest.id
    assert ids(hits) == sorted(ids(hits), reverse=True)
    assert best.id not in ids(hits)
    # a rare word among them is still ranked
    assert ids(service.read.search.find("east", incident_id=incident.id)) == [weak.id]


def test_newest_first_through_a_filter_that_allows_few(service, clock):
    incident = service.incidents.declare("Big", by="Ana").incident
    _bulk(service, incident.id, search.RANK_AT_MOST + 10, "filler replica {i}")
    mine = [service.timeline.log(incident.id, f"replica note {i}", by="Quinn").entries[0] for i in range(3)]
    decision = service.timeline.log(incident.id, "replica decision", by="Ben", kind="decision").entries[0]
    service.history.set_pin(incident.id, mine[0].id, True, by="Ana")
    read = service.read
    assert ids(read.search.find("replica", incident_id=incident.id, author="Quinn")) == [m.id for m in reversed(mine)]
    assert ids(read.search.find("replica", author="Quinn")) == [m.id for m in reversed(mine)]
    assert ids(read.search.find("replica", incident_id=incident.id, kinds=["decision"])) == [decision.id]
    assert ids(read.search.find("replica", incident_id=incident.id, pinned_only=True)) == [mine[0].id]
    assert len(read.search.find("replica", incident_id=incident.id, author="bench", limit=7)) == 7


def test_filter_without_words(service, two, clock):
    first, _, e = two
    read = service.read
    assert [x.id for x in read.search.filter(first.id, kinds=["finding", "note"])] == [e["typo"].id, e["lag"].id]
    assert [x.id for x in read.search.filter(first.id, author="Ben")] == [e["typo"].id, e["lag"].id]
    assert read.search.filter(first.id, pinned_only=True) == []
    service.history.set_pin(first.id, e["rollback"].id, True, by="Ana")
    (pinned,) = read.search.filter(first.id, pinned_only=True)
    assert pinned.id == e["rollback"].id and pinned.pinned
    assert len(read.search.filter(first.id)) == 5  # the declaration and the four entries
    assert [x.id for x in read.search.filter(first.id, limit=2)] == [e["typo"].id, e["decide"].id]
    assert read.search.filter(first.id, author="Nobody") == []


def test_search_limit(service, two):
    assert len(service.read.search.find("replica", limit=1)) == 1
    assert service.read.search.find("replica", limit=0) == []


def _bulk(service, incident_id: int, count: int, text: str) -> None:
    """Many entries at once, as a bulk import writes them: one transaction, triggers firing."""
    now = "2026-03-29T14:00:00.000Z"
    with service.ledger.writing():
        service.ledger.conn.executemany(
            "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at) "
            "VALUES (?, ?, 'note', ?, 'bench', ?, ?)",
            [(uuid.uuid4().hex, incident_id, text.format(i=i), now, now) for i in range(count)],
        )
