"""A security incident (issue 14, console.security): its codename wherever others may see it,
its marking on every export, its statements checked by the security announcement rules before
they are recorded as sent, its messages beyond the response team held until forensics clears
it, its exports recorded in its timeline, and the checklist's review dates."""

import csv
import io
import json
import re
from datetime import timedelta
from importlib.resources import files

import jsonschema
import pytest

from console import announcement, board, exports, lint
from console.domain import Incident
from console.errors import InputError
from console.process import ProcessError, load_process
from console.security import held_until_cleared, marking
from console.vocabulary import Vocabulary
from tests.helpers import assert_refused, run

TITLE = "Customer card numbers read through a leaked admin token"
TITLE_WORDS = ("card numbers", "leaked admin token", "Customer card")
MARKING = "Attorney Work Project"


@pytest.fixture(scope="module")
def process():
    return load_process()


@pytest.fixture
def secret(service):
    incident = service.incidents.declare(TITLE, by="Ana", severity=1, security=True).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    return service.read.incidents.get(incident.id)


def _words(process):
    [item] = process.items("codenames")
    return item["first"], item["second"]


# -- the codename ------------------------------------------------------------------------------

def test_a_security_incident_gets_two_random_words_from_the_process(service, secret, process):
    first, second = _words(process)
    one, two = secret.codename.split(" ")
    assert one in first and two in second
    assert secret.shown_title == secret.codename and secret.title == TITLE
    # Its record names it by the codename from its first entry on.
    [declared] = service.read.timeline.all(secret.id)[:1]
    assert declared.text == f"Incident declared: {secret.codename} (SEV-1, security)"
    assert TITLE not in declared.text


def test_codenames_are_random_and_not_reused(service):
    names = {service.incidents.declare(f"leak {n}", by="Ana", security=True).incident.codename for n in range(12)}
    assert len(names) == 12  # 24 x 22 pairs: twelve draws may collide, the check draws again


def test_an_ordinary_incident_has_no_codename_and_shows_its_title(service):
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    assert incident.codename is None and incident.shown_title == "Checkout down"
    with pytest.raises(InputError, match="not a security incident"):
        service.security.rename(incident.id, "Jade Roc", by="Ana")


def test_the_codename_can_be_changed_by_name_or_drawn_again(service, secret):
    change = service.security.rename(secret.id, "  Harbour   Lantern ", by="Ana")
    assert change.incident.codename == "Harbour Lantern"
    assert change.entries[0].text == f"Codename {secret.codename} -> Harbour Lantern"
    drawn = service.security.rename(secret.id, None, by="Ana").incident.codename
    assert drawn != "Harbour Lantern" and len(drawn.split()) == 2
    with pytest.raises(InputError, match="already"):
        service.security.rename(secret.id, drawn, by="Ana")


def test_a_codename_in_use_or_with_odd_characters_is_refused(service, secret):
    other = service.incidents.declare("second leak", by="Ana", security=True).incident
    with pytest.raises(InputError, match="already called"):
        service.security.rename(other.id, secret.codename, by="Ana")
    for bad in ("Jade/Roc", "Jade; DROP", "Jade_Roc", "x" * 61, ""):
        with pytest.raises(InputError):
            service.security.rename(other.id, bad, by="Ana")


def test_the_codename_is_a_verb_of_the_command_language_and_the_cli(capsys, service, secret, where):
    code, out, err = run(capsys, "log", "INC-1", "/codename Topaz Yeti", "--by", "Ana")
    assert code == 0 and "Codename" in out and "Topaz Yeti" in out
    code, out, _ = run(capsys, "codename", "INC-1", "Amber Roc", "--by", "Ana")
    assert code == 0 and "Amber Roc" in out
    assert_refused(capsys, where.db_path, ["codename", "INC-1", "Amber/Roc", "--by", "Ana"], "codename")
    assert_refused(capsys, where.db_path, ["codename", "INC-1", "Amber Roc", "--by", "Ana"], "already Amber Roc")


def test_list_shows_the_codename_and_show_the_real_title_too(capsys, service, secret):
    code, out, _ = run(capsys, "list")
    assert code == 0 and secret.codename in out and TITLE not in out
    code, out, _ = run(capsys, "list", "--json")
    assert [i["title"] for i in json.loads(out)] == [secret.codename]
    code, out, _ = run(capsys, "show", "INC-1")
    assert TITLE in out and f"known as {secret.codename}" in out and "held until /forensics-clear" in out
    code, out, _ = run(capsys, "show", "INC-1", "--json")
    shown = json.loads(out)
    assert (shown["title"], shown["codename"], shown["forensics_cleared_at"]) == (TITLE, secret.codename, None)


def test_an_old_security_incident_without_a_codename_never_shows_its_title(service):
    old = Incident(1, "secret thing", 1, "active", True, False, "2026-01-01T00:00:00.000Z",
                   "2026-01-01T00:00:00.000Z")
    assert old.shown_title == "Security incident"


# -- forensics clearance and the messages it holds ---------------------------------------------

def test_forensics_clearance_is_recorded_once_and_only_for_a_security_incident(service, secret, clock):
    clock.advance(minutes=40)
    change = service.security.clear(secret.id, by="Ana", note="no insider sessions in the audit log")
    assert change.incident.cleared_at == "2026-03-29T14:40:00.000Z"
    assert change.entries[0].text.startswith("Forensics: the attack was not internal (no insider sessions")
    with pytest.raises(InputError, match="already cleared"):
        service.security.clear(secret.id, by="Ana")
    ordinary = service.incidents.declare("Checkout down", by="Ana").incident
    with pytest.raises(InputError, match="not a security incident"):
        service.security.clear(ordinary.id, by="Ana")


def test_what_is_held_until_forensics_clears(process, secret):
    vocabulary = Vocabulary.from_process(process)
    # The responders' status updates stay on the call; executives and customers are outside.
    assert not held_until_cleared(vocabulary, secret, "responders")
    assert held_until_cleared(vocabulary, secret, "executives")
    assert held_until_cleared(vocabulary, secret, "customers")
    assert not held_until_cleared(vocabulary, secret._replace(cleared_at="2026-03-29T15:00:00.000Z"), "customers")
    assert not held_until_cleared(vocabulary, secret._replace(security=False), "customers")


def test_an_update_beyond_the_team_is_marked_held_in_its_op(service, secret):
    service.updates.send(secret.id, "executives", "Contained; details on the secure channel.", by="Ana")
    service.updates.send(secret.id, "responders", "We are at SEV-1; next update 15:00.", by="Ana")
    bodies = [json.loads(b) for (b,) in service.ledger.execute(
        "SELECT body FROM ops WHERE verb = 'update.send' ORDER BY seq").fetchall()]
    assert [b.get("security_hold", False) for b in bodies] == [True, False]


# -- the security announcement rules ------------------------------------------------------------

GOOD = ("Security notice, 30 November 2026: card numbers of some customers were read\n"
        "On 29 November an attacker used a stolen access token. We are sorry: the failure was ours. "
        "We revoked the token, and we are writing to each customer affected.")


@pytest.mark.parametrize("text, rule", [
    (GOOD.replace("30 November 2026", "this week"), "u15b-dated-title"),
    (GOOD + " We take security very seriously.", "u15-security-announcement"),
    (GOOD + " The token leaked from a build on GitHub.", "u15c-third-parties"),
])
def test_a_statement_that_breaks_the_security_rules_is_not_recorded(service, secret, text, rule):
    before = service.read.updates.all(secret.id)
    with pytest.raises(InputError, match=f"not sent: INC-1 is a security incident.*{rule}"):
        service.updates.send(secret.id, "customers", text, by="Ana", override=True)
    assert service.read.updates.all(secret.id) == before


def test_a_statement_that_keeps_the_rules_is_recorded(service, secret):
    linked = GOOD + " GitHub has described the leak itself: https://github.blog/2026-11-29-token-leak"
    change = service.updates.send(secret.id, "customers", linked, by="Ana")
    assert not {f.rule for f in change.findings} & {"u15-security-announcement", "u15b-dated-title",
                                                     "u15c-third-parties"}
    assert [u.audience for u in service.read.updates.all(secret.id)] == ["customers"]


def test_the_same_text_for_an_ordinary_incident_is_advice_only(service):
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    change = service.updates.send(incident.id, "customers", GOOD + " We take security very seriously.", by="Ana")
    assert change.entries  # recorded: the security rules are not even run
    assert "u15-security-announcement" not in {f.rule for f in change.findings}


def test_the_cli_refuses_such_a_statement_in_one_line_and_writes_nothing(capsys, service, secret, where):
    assert_refused(capsys, where.db_path, ["update", "INC-1", "customers", "Sorry. We take security seriously.",
                                           "--by", "Ana"], "not sent: INC-1 is a security incident")


@pytest.mark.parametrize("title, dated", [
    ("Security notice, 2026-11-30: what happened", True),
    ("30 November 2026 - our statement", True),
    ("Statement of Nov. 30, 2026", True),
    ("Update 30/11/2026", True),
    ("Security notice: what happened", False),
    ("Update for November", False),
])
def test_a_dated_title(title, dated):
    text = f"{title}\nSecond line 2026-11-30."
    assert (announcement.dated_title({}, text, 0, len(text)) == []) == dated


def test_a_third_party_is_found_unless_its_sentence_links_a_disclosure():
    rule = {"words": {"third_parties": ["AWS", "Amazon Web Services", "Okta"]}}
    text = "The key was on amazon web services. Okta said so at https://okta.example/d. AWSome is a word."
    spans = announcement.third_parties(rule, text, 0, len(text))
    assert [text[a:b] for a, b in spans] == ["amazon web services"]


# -- exports: the marking and the codename, never the title -------------------------------------

@pytest.fixture
def full(service, secret, clock):
    service.timeline.log(secret.id, "isolated the admin hosts", by="Ben", kind="action")
    service.postmortem.name_owner(secret.id, "Ana", (clock.now() + timedelta(days=5)).date(), by="Ana")
    service.postmortem.set_details(secret.id, meeting_at=clock.now() + timedelta(days=2), by="Ana")
    return secret


def _text_of(name: str, data) -> str:
    if name == "pdf":
        from pypdf import PdfReader

        return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    return data


def test_every_export_carries_the_marking_and_the_codename_and_never_the_title(service, full, process, clock):
    found = {}
    for exporter in exports.every():
        data = exporter.export(service.read, full.id, process=process, now=clock.now())
        text = _text_of(exporter.name, data)
        found[exporter.name] = text
        assert not any(w.casefold() in text.casefold() for w in TITLE_WORDS), exporter.name
        assert MARKING.casefold() in text.casefold(), exporter.name
        assert exporter.name == "ics" or full.codename.casefold() in text.casefold(), exporter.name
    assert {"json", "md", "html", "csv", "ics", "pdf"} <= set(found)
    # Markdown: the marking heads and ends it; the page prints it on every page.
    assert found["md"].startswith(f"**{MARKING} - {full.codename}**")
    assert found["md"].rstrip().endswith(f"**{MARKING} - {full.codename}**")
    assert 'class="marking"' in found["html"] and "position: fixed" in found["html"]
    # The PDF: at the top of every page.
    from pypdf import PdfReader

    pdf = exports.find("pdf").export(service.read, full.id, process=process, now=clock.now())
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert all(" ".join(p.extract_text().split()).startswith(f"{MARKING} - {full.codename}".upper())
               for p in pages)
    # CSV: a marking column on every row.
    rows = list(csv.reader(io.StringIO(found["csv"])))
    assert rows[0][0] == "marking" and all(row[0] == MARKING for row in rows[1:])
    # The invitation's title is the marking alone, as an e-mail subject is.
    assert re.search(rf"^SUMMARY:{MARKING} - {full.codename}\r?$", found["ics"], re.MULTILINE)


def test_the_json_export_names_the_marking_and_validates(service, full, process, clock):
    schema = json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))
    document = json.loads(exports.find("json").export(service.read, full.id, process=process, now=clock.now()))
    jsonschema.validate(document, schema)
    wanted = {"title": full.codename, "codename": full.codename, "marking": MARKING, "forensics_cleared_at": None}
    assert {key: document["incident"][key] for key in wanted} == wanted


def test_the_marking_is_the_glossarys_term(process, tmp_path):
    assert marking(process) == MARKING
    (tmp_path / "glossary.yaml").write_text(
        "terms:\n- id: attorney-work-project\n  term: Attorney Work Product\n", encoding="utf-8")
    assert marking(load_process(tmp_path)) == "Attorney Work Product"


def test_an_export_that_holds_the_real_title_says_so(capsys, service, full, tmp_path):
    code, _, err = run(capsys, "export", "INC-1", "--format", "json", "-o", str(tmp_path / "a.json"))
    assert code == 0 and "warning" not in err
    service.timeline.log(full.id, f"Scribe typed it: {TITLE.upper()}", by="Ben")
    code, _, err = run(capsys, "export", "INC-1", "--format", "json", "-o", str(tmp_path / "b.json"))
    assert code == 0 and "warning: the export holds the incident's real title" in err


def test_an_export_from_the_cli_is_a_timeline_entry(capsys, service, full, where, tmp_path):
    target = tmp_path / "out.json"
    code, out, err = run(capsys, "export", "INC-1", "--format", "json", "-o", str(target), "--by", "Ben")
    assert code == 0
    last = service.read.timeline.all(full.id)[-1]
    assert (last.author, last.kind) == ("Ben", "note")
    assert last.text == f"Exported (json) to {target.resolve()}, marked {MARKING}"
    ordinary = service.incidents.declare("Checkout down", by="Ana").incident
    count = len(service.read.timeline.all(ordinary.id))
    run(capsys, "export", ordinary.ref, "--format", "json", "-o", str(tmp_path / "o.json"))
    assert len(service.read.timeline.all(ordinary.id)) == count  # only a security incident's


# -- the process data ----------------------------------------------------------------------------

def test_the_security_checklist_shows_when_it_was_last_reviewed_and_tested(process):
    [checklist] = [c for c in process.items("checklists") if c["id"] == "security"]
    heading = board.checklist_heading(checklist)
    assert heading == f"{checklist['title']} (last reviewed {checklist['last_reviewed']}; last tested not recorded)"
    others = [c for c in process.items("checklists") if c["id"] != "security"]
    assert all(board.checklist_heading(c) == c["title"] for c in others)


def test_the_handbook_page_shows_the_same_dates(process):
    from console.handbook import DATES_ROW, HandbookIndex, load_pages

    page_id = "during/security_incident_response"
    assert DATES_ROW in load_pages()[page_id].markdown  # the shipped page leaves them to the process
    shown = HandbookIndex(process=process).pages[page_id].markdown
    assert DATES_ROW not in shown and "| 2026-11-30 | not recorded |" in shown


@pytest.mark.parametrize("value, message", [
    ("2026-02-30", "is not a date"),
    ("last week", "is not a date"),
    ("2026-11-30", None),
])
def test_a_checklist_date_must_be_a_date(tmp_path, value, message):
    (tmp_path / "checklists.yaml").write_text(
        f"checklists:\n- id: security\n  last_tested: '{value}'\n", encoding="utf-8")
    if message is None:
        [c] = [c for c in load_process(tmp_path).items("checklists") if c["id"] == "security"]
        assert c["last_tested"] == value
        return
    with pytest.raises(ProcessError, match=message):
        load_process(tmp_path)


def test_an_unquoted_date_is_refused_with_how_to_write_it(tmp_path):
    (tmp_path / "checklists.yaml").write_text(
        "checklists:\n- id: security\n  last_tested: 2026-11-30\n", encoding="utf-8")
    with pytest.raises(ProcessError, match="in quotes"):
        load_process(tmp_path)


@pytest.mark.parametrize("words, message", [
    ("[Jade, 'two words']", "is not one word"),
    ("[Jade, '']", "is not one word"),
    ("[]", "is empty"),
])
def test_codename_words_must_be_single_words(tmp_path, words, message):
    (tmp_path / "security.yaml").write_text(
        f"codenames:\n- id: codenames\n  first: {words}\n", encoding="utf-8")
    with pytest.raises(ProcessError, match=message):
        load_process(tmp_path)


def test_an_override_changes_the_codename_words(tmp_path, where, clock):
    from console.service import IncidentService

    (tmp_path / "security.yaml").write_text(
        "codenames:\n- id: codenames\n  first: [Velvet]\n  second: [Otter]\n", encoding="utf-8")
    service = IncidentService.open(where.db_path, clock, Vocabulary.from_process(load_process(tmp_path)))
    try:
        assert service.incidents.declare("x", by="Ana", security=True).incident.codename == "Velvet Otter"
    finally:
        service.close()


def test_the_rules_lint_runs_are_the_customers_security_rules(process):
    rules = set(lint.message_rules(process, "customers", security=True)) - set(lint.message_rules(process, "customers"))
    assert rules == {"u15-security-announcement", "u15b-dated-title", "u15c-third-parties"}


def test_a_security_drill_has_a_codename_too(service, process):
    from console.scenarios import all_scenarios

    scenario = next(s for s in all_scenarios(process) if s.security)
    incident = service.drills.start(scenario, by="Ana").incident
    assert incident.security and incident.drill and incident.codename
    assert scenario.title not in [e.text for e in service.read.timeline.all(incident.id)][0]


# -- a team: the codename and the clearance reach every console ----------------------------------

def test_two_consoles_agree_on_the_codename_and_the_clearance(tmp_path):
    from console.service import IncidentService
    from tests.conftest import FakeClock

    clock = FakeClock()
    one = IncidentService.open(tmp_path / "one.sqlite3", clock)
    two = IncidentService.open(tmp_path / "two.sqlite3", clock)
    try:
        incident = one.incidents.declare(TITLE, by="Ana", security=True).incident
        two.sync.apply(one.sync.outgoing())
        there = two.read.incidents.all()[0]
        assert there.codename == incident.codename
        # Renamed on both while apart: the newer op wins on both, as for any register.
        one.security.rename(incident.id, "Harbour Lantern", by="Ana")
        clock.advance(seconds=5)
        two.security.rename(there.id, "Quiet Heron", by="Ben")
        two.security.clear(there.id, by="Ben")
        one.sync.apply(two.sync.outgoing())
        two.sync.apply(one.sync.outgoing())
        mine, theirs = one.read.incidents.get(incident.id), two.read.incidents.get(there.id)
        assert (mine.codename, mine.cleared_at) == (theirs.codename, theirs.cleared_at)
        assert mine.codename == "Quiet Heron" and mine.cleared_at is not None
        assert one.read.chain.verify(incident.id) is None and two.read.chain.verify(there.id) is None
    finally:
        one.close()
        two.close()
