"""The offline handbook: every page present and linked, anchors resolve, search finds terms."""

import pytest

from console import handbook
from console.cli import main
from console.process import load_process

PAGES = {
    "about", "getting_started", "oncall/being_oncall", "oncall/alerting_principles",
    "before/what_is_an_incident", "before/severity_levels", "before/different_roles",
    "before/call_etiquette", "before/complex_incidents", "during/during_an_incident",
    "during/security_incident_response", "after/after_an_incident", "after/post_mortem_process",
    "after/post_mortem_template", "after/effective_post_mortems", "training/overview",
    "training/glossary", "training/incident_commander", "training/deputy", "training/scribe",
    "training/subject_matter_expert", "training/customer_liaison", "training/internal_liaison",
    "training/courses/incident_response", "resources/reading", "resources/chatops",
    "resources/anti_patterns",
}


def test_all_27_pages_and_the_home_page_are_there():
    pages = handbook.load_pages()
    assert set(pages) == PAGES | {"index"}
    assert len(PAGES) == 27
    for page in pages.values():
        assert page.title and page.title != page.id
        assert page.sections[0].level == 1


def test_every_link_between_pages_resolves():
    assert handbook.broken_links() == []


def test_broken_links_are_found():
    page = handbook.parse_page("before/x", "# X\n\nSee [sev](severity_levels.md#sev-9) and "
                                           "[web](https://example.com) and [gone](../nowhere.md).\n")
    pages = dict(handbook.load_pages(), **{"before/x": page})
    problems = handbook.broken_links(pages)
    assert [p.split(": ", 1)[0] for p in problems if p.startswith("before/x")] == ["before/x.md:3"] * 3
    assert any("no heading with anchor #sev-9" in p for p in problems)
    assert any("outside links" in p for p in problems)
    assert any("no handbook page 'nowhere'" in p for p in problems)


def test_every_page_is_in_the_navigation_once():
    placed = [page for _, ids in handbook.navigation() for page in ids]
    assert sorted(placed) == sorted(PAGES | {"index"})


def test_glossary_terms_have_anchors_on_the_glossary_page():
    glossary = handbook.load_pages()["training/glossary"]
    for term in load_process().items("terms"):
        assert term["id"] in glossary.anchors, term["term"]


@pytest.mark.parametrize("text, expected", [
    ("Span of Control", "span-of-control"), ("SEV-1", "sev-1"), ("What's new?", "whats-new"),
    ("`!ic page`", "ic-page"), ("How'd We Do?", "howd-we-do"), ("8a. What went well", "8a-what-went-well"),
])
def test_slugs_follow_githubs_rules(text, expected):
    assert handbook.slugify(text) == expected


@pytest.fixture(scope="module")
def index():
    return handbook.HandbookIndex(process=load_process())


@pytest.mark.parametrize("query, page, anchor", [
    ("span of control", "training/glossary", "span-of-control"),
    ("CAN report", "training/glossary", "can-report"),
    ("executive swoop", "training/glossary", "executive-swoop"),
])
def test_search_finds_the_terms_first(index, query, page, anchor):
    hits = index.search(query)
    assert (hits[0].page, hits[0].anchor) == (page, anchor)
    assert "\x02" in hits[0].snippet or "\x02" in hits[0].title_hits


def test_search_covers_checklists_and_prompts(index):
    kinds = {hit.kind for hit in index.search("strong objections", limit=40)}
    assert {"prompt", "page"} <= kinds
    assert any(hit.kind == "checklist" for hit in index.search("forensics", limit=40))


def test_search_tolerates_any_input(index):
    for text in ["", "   ", '"', "AND OR NOT", "*", "sev-1 (", "ünïcödé", "x" * 500]:
        index.search(text)
    assert index.search("") == []


def test_handbook_search_on_the_command_line(capsys):
    assert main(["handbook", "search", "span", "of", "control", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Span of control  (training/glossary#span-of-control)")
    assert "[span]" in out.lower()
    assert main(["handbook", "search", "zzzzqqq"]) == 1


def checklist_hit(index, query, text):
    return next(h for h in index.search(query, limit=40) if h.kind == "checklist" and text in h.title)


@pytest.mark.parametrize("query, item, page, anchor, line", [
    ("keep order", "Keep order", "training/incident_commander", "keeping-order", "one speaker"),
    ("forensics", "Run forensics", "during/security_incident_response", "forensic-analysis", "systems are secure"),
    ("postmortem owner", "Name one postmortem owner", "after/post_mortem_process", "naming-the-owner", "owner"),
])
def test_a_checklist_item_is_placed_at_its_section_and_line(index, query, item, page, anchor, line):
    hit = checklist_hit(index, query, item)
    assert (hit.page, hit.anchor, hit.line) == (page, "", "")  # listing is quick: placed when opened
    placed = index.place(hit)
    assert (placed.page, placed.anchor) == (page, anchor)
    assert line in placed.line


def test_every_checklist_item_and_prompt_lands_on_a_heading_of_its_page(index):
    pages = handbook.load_pages()
    documents = [row for row in handbook._process_documents(load_process()) if row[0] in ("checklist", "prompt")]
    assert len(documents) > 100
    for kind, title, body, page, anchor in documents:
        placed = index.place(handbook.Hit(kind, title, page, anchor, body))
        assert placed.anchor == "" or placed.anchor in pages[page].anchors, title
        assert placed.line, title  # a line of that section shares its words


def test_page_hits_are_already_placed(index):
    hit = index.search("span of control")[0]
    assert index.place(hit) is hit
