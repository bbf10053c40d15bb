"""The blameless-language linter: every rule of data/lint_rules.yaml, found and not found.

Each rule gets a real sentence it must catch (rule, section and the exact words underlined)
and a real sentence it must leave alone. Switching rules off is tested against a stand-in
process whose `items` returns copies of the rules with some keys changed. How well the blame
rules do on many sentences is measured in test_blame_corpus.py.
"""

import copy
from pathlib import Path

import pytest

from console import lint
from console.process import load_process

ROSTER = ["Ana Lima", "Ben Ode", "May Otieno"]


@pytest.fixture(scope="module")
def process():
    return load_process()


class StandIn:
    """The real process, with some lint rules changed: `items` returns modified copies."""

    def __init__(self, process, **rule_changes: dict) -> None:
        self._process = process
        self._changes = rule_changes

    def items(self, name: str) -> list[dict]:
        items = copy.deepcopy(self._process.items(name))
        if name == "lint_rules":
            for rule in items:
                rule.update(self._changes.get(rule["id"].replace("-", "_"), {}))
        return items


@pytest.fixture(scope="module")
def optional_off(process):
    return StandIn(process, s1_blame_words={"enabled": False}, s2_hindsight_words={"enabled": False},
                   s3_person_failed_to={"enabled": False})


def postmortem(process, **sections: str) -> str:
    """A post-mortem in the template's shape with the given section bodies, in template order."""
    parts = ["# Postmortem: checkout slow on 2026-03-29", "", "Owner: Dee Patel", ""]
    for section in process.items("sections"):
        parts.append(f"## {section['number']}. {section['title']}")
        parts.append(sections.get(section["id"], ""))
        parts.append("")
    return "\n".join(parts)


def hits(findings, rule: str) -> list[tuple[str, str]]:
    return [(f.section, f.text) for f in findings if f.rule == rule]


def check(process, rule: str, **sections: str) -> list[tuple[str, str]]:
    findings = lint.lint(process, postmortem(process, **sections), roster=ROSTER)
    return hits(findings, rule)


# -- one example each way, per rule ---------------------------------------------------------

def test_u1_outage_unless_total(process):
    assert check(process, "u1-outage", resolution="The reports page had an outage until 15:10.") == [
        ("resolution", "outage")]
    assert check(process, "u1-outage", resolution="It was a total outage of the reports page.") == []


def test_u2_human_error(process):
    assert check(process, "u2-human-error", how_we_did="### 8b. What didn't go so well?\nIt was operator error.") == [
        ("how_we_did", "operator error")]
    assert check(process, "u2-human-error", how_we_did="The script had no rate limit.") == []


def test_u3_roster_name_as_the_subject_of_a_failure_verb(process):
    overview = "Ana forgot to scale the pool, and 8% of orders were late."
    assert check(process, "u3-no-naming", overview=overview) == [("overview", "Ana forgot")]
    assert check(process, "u3-no-naming", contributing_factors="- Ben Ode accidentally broke the config.\n"
                 "- It was May's mistake.") == [
        ("contributing_factors", "Ben Ode accidentally broke"), ("contributing_factors", "May's mistake")]
    # A name doing ordinary work, a lower-case "may", and forgetting nothing.
    assert check(process, "u3-no-naming", what_happened="Ana rolled back the deploy. The deploy may have caused it.",
                 resolution="Ana forgot nothing: she rolled back at 14:44.") == []


# The sentences (issue 11): a responder named as the doer of a failure whatever the verb
# or form, and neutral facts about people. The names are not all on the roster.
BLAMED = [
    ("Ben pushed a bad deploy and carelessly skipped the canary, so checkout obviously failed.",
     "Ben pushed a bad deploy"),
    ("Ana's deploy broke checkout.", "Ana's deploy broke"),
    ("The deploy was botched by Dee.", "botched by Dee"),
    ("The incident was caused by Ana's change.", "caused by Ana's"),
    ("The on-call engineer failed to acknowledge the page.", "The on-call engineer failed to"),
    ("Checkout failed because Sam skipped the canary.", "Sam skipped"),
    ("Kofi pushed an untested hotfix straight to production.", "Kofi pushed an untested hotfix"),
    ("She forgot to drain the node.", "She forgot"),
    ("Ana never checked the staging results.", "Ana never checked"),
    ("Omar's script wiped the staging bucket.", "Omar's script wiped"),
    ("The on-call was asleep and missed every page.", "The on-call was asleep and missed"),
    ("Our engineer deployed on a Friday without telling anyone.", "Our engineer deployed on a Friday without telling"),
    ("It was Cy who broke the build.", "Cy who broke"),
    ("The bad deploy was Ana's.", "Ana's"),
    ("The checkout errors came from a typo Cy made in the config.", "typo Cy made"),
]
NEUTRAL = [
    "Ana Alvarez took command at 14:05.",
    "Ben paged the payments team.",
    "Checkout broke at 14:02 when the new config went live.",
    "The health check failed to detect the full connection pool.",
    "Ana assigned the rollback to Ben with a 10-minute check-back.",
    "Omar deleted the stale feature flags during the planned cleanup.",
    "Sam from the network team joined at 14:25.",
    "It was Cy who noticed the first error in the logs.",
    "May restarted the staging cluster to test the fix.",
    "The deploy at 13:58 was Ana's first on the new pipeline.",
]


@pytest.mark.parametrize(("sentence", "underlined"), BLAMED)
def test_u3_a_person_as_the_doer_of_a_failure_in_any_form(process, sentence, underlined):
    found = lint.lint_text_for(process, sentence, ["u3-no-naming"], roster=["Ana Alvarez", "Ben Ode", "Cy Park", "Dee Patel"])
    assert [f.text for f in found] == [underlined]


@pytest.mark.parametrize("sentence", NEUTRAL)
def test_u3_neutral_facts_about_people_stay_clean(process, sentence):
    roster = ["Ana Alvarez", "Ben Ode", "Cy Park", "Dee Patel", "May Otieno"]
    assert lint.lint_text_for(process, sentence, ["u3-no-naming"], roster=roster) == []


def test_u3_reads_its_words_from_the_rule(process):
    """The word lists are process data: an organisation's own failure verb is found."""
    sentence = "Ben yeeted the config."
    assert lint.lint_text_for(process, sentence, ["u3-no-naming"], roster=["Ben Ode"]) == []
    words = dict(process.by_id("lint_rules", "u3-no-naming")["words"])
    words["failures"] = list(words["failures"]) + ["yeeted"]
    changed = StandIn(process, u3_no_naming={"words": words})
    assert [f.text for f in lint.lint_text_for(changed, sentence, ["u3-no-naming"], roster=["Ben Ode"])] == [
        "Ben yeeted"]


def test_u4_counterfactual(process):
    counterfactual = "The service would not have failed with a rate limit."
    assert check(process, "u4-counterfactual", what_happened=counterfactual) == [("what_happened", "would not have")]
    assert check(process, "u4-counterfactual", what_happened="The service failed at 14:02 when the pool filled.") == []


def test_u5_what_happened_apart_from_the_fix(process):
    plan = "The pool filled. To prevent this, alerts were added."
    assert check(process, "u5-happened-vs-fix", what_happened=plan) == [("what_happened", "To prevent")]
    assert check(process, "u5-happened-vs-fix", what_happened="The pool filled at 14:02 and the alert fired.",
                 action_items="- We will add an alarm OPS-12 sev2_20260329 sev2") == []


def test_u6_acronyms_not_expanded_on_first_use(process):
    findings = lint.lint(process, postmortem(process, what_happened="The DB filled up. The DB was restarted.",
                                             timeline="The DB graph."), roster=ROSTER)
    assert hits(findings, "u6-explain-acronyms") == [("what_happened", "DB")]  # once, at its first use
    expanded = ("The Subject Matter Expert (SME) checked the WAL (write-ahead log) and the SME paged the IC "
                "at 14:02 UTC during the SEV-1 and SEV2. Disk use hit 2 GB; `HTTP 500` came back from "
                "https://status.example/ABC. Ticket OPS-12 tracks the TODO. The DNS (Domain Name System) "
                "and the database (DB) were fine; PagerDuty (PD) paged.")
    assert check(process, "u6-explain-acronyms", what_happened=expanded) == []
    fenced = "The pool filled:\n```\nFATAL: too many connections (SQLSTATE 53300)\n```\n"
    assert check(process, "u6-explain-acronyms", what_happened=fenced) == []


def test_u7_timeline_rows_need_a_link_and_a_utc_time(process):
    timeline = ("| Time (UTC) | Event | Data link |\n|---|---|---|\n"
                "| 14:02 | Deploy started | [deploy log](https://ci.example/1) |\n"
                "| 14:05 EAT | Paged the database on-call |  |\n"
                "| 2026-03-29T14:44:00+03:00 | Rolled back | [graph](https://g.example/2) |\n")
    assert check(process, "u7-timeline-evidence", timeline=timeline) == [
        ("timeline", "| 14:05 EAT | Paged the database on-call |  |"), ("timeline", "14:05 EAT"),
        ("timeline", "2026-03-29T14:44:00+03:00")]
    good = ("| Time (UTC) | Event | Data link |\n|---|---|---|\n"
            "| 14:02 | Deploy started | [deploy log](https://ci.example/1) |\n"
            "| 14:05:30 | Paged | https://pager.example/i/9 |\n"
            "| 2026-03-29 14:20 | Pool raised \\| replicas restarted | https://ci.example/2 |\n"  # as drafts write it
            "| 2026-03-29T14:44:00Z | Rolled back | [graph](https://g.example/2) |\n")
    assert check(process, "u7-timeline-evidence", timeline=good) == []


def test_u8_impact_needs_exact_numbers(process):
    impact = ("| Measure | Value |\n|---|---|\n| Time at SEV-1 | ?mins |\n| Time at SEV-2 | ?? |\n"
              "| Orders late | TBD |\n| Accounts affected | several |\n")
    assert check(process, "u8-exact-impact", impact=impact) == [
        ("impact", "?mins"), ("impact", "??"), ("impact", "TBD"), ("impact", "| Accounts affected | several |")]
    assert check(process, "u8-exact-impact", impact="Checkout was slow for many customers.") == [
        ("impact", "Checkout was slow for many customers.")]
    good = ("| Measure | Value |\n|---|---|\n| Time at SEV-1 | 0 min |\n| Time at SEV-2 | 42 min |\n"
            "| Orders late | 8% (412 of 5,150) |\n| Records lost | 0 |\n")
    assert check(process, "u8-exact-impact", impact=good) == []


def test_u9_overview_of_at_most_two_sentences(process):
    overview = ("On 2026-03-29 checkout was slow for 42 minutes. A retry storm filled the pool. "
                "About 8% of orders were late.")
    assert check(process, "u9-brief-overview", overview=overview) == [("overview", "About 8% of orders were late.")]
    short = ("On 2026-03-29 (a Sunday, i.e. low traffic) checkout was slow for 42 min. at SEV-2, e.g. for "
             "mobile users. Retries filled the pool and 99.5% of orders went through")
    assert check(process, "u9-brief-overview", overview=short) == []


def test_u10_action_items_need_a_ticket_and_both_tags(process):
    items = ("- Add a pool alarm OPS-12 sev2_20260329\n"
             "- Document pool sizing sev2_20260329 sev2\n"
             "- [ ] Review timeouts #45 sev2_20260329 sev1\n"
             "| Item | Ticket |\n|---|---|\n| Retry budget | none |\n")
    assert check(process, "u10-ticket-tags", action_items=items) == [
        ("action_items", "Add a pool alarm OPS-12 sev2_20260329"),
        ("action_items", "Document pool sizing sev2_20260329 sev2"),
        ("action_items", "Review timeouts #45 sev2_20260329 sev1"),
        ("action_items", "| Retry budget | none |")]
    good = ("- Add a pool alarm OPS-12 sev2_20260329 sev2\n"
            "- [ ] Raise the pool size — tags: sev2_20260329, sev2 — ticket: OPS-13\n"  # as drafts write it
            "1. Send the internal email #45 sev2 sev2_20260329\n"
            "| Item | Ticket |\n|---|---|\n| Retry budget | PAY-7 sev2_20260329 sev2 |\n")
    assert check(process, "u10-ticket-tags", action_items=good) == []


def test_u11_no_fix_time_in_customer_messages(process):
    draft = "We expect this to be resolved within 30 minutes."
    found = lint.lint_text_for(process, draft, ["u11-no-eta"])
    assert [(f.rule, f.section, f.text) for f in found] == [
        ("u11-no-eta", "message", "expect this to be resolved"), ("u11-no-eta", "message", "within 30 minutes")]
    assert lint.lint_text_for(process, "We are rolling out a fix. Next update at 15:30 UTC.", ["u11-no-eta"]) == []
    # In a whole text it runs only when the text is a customer message.
    assert hits(lint.lint(process, draft, scope_extra=("customer_message",)), "u11-no-eta") == [
        ("header", "expect this to be resolved"), ("header", "within 30 minutes")]
    assert hits(lint.lint(process, draft), "u11-no-eta") == []


ESTIMATES = [
    ("A fix is being rolled out and should be complete in 15 minutes.", "in 15 minutes"),
    ("This should be resolved by 14:00.", "by 14:00"),
    ("We hope to be back within the hour.", "within the hour"),
    ("Service will be restored shortly.", "shortly"),
    ("ETA for the fix is 30 minutes.", "ETA"),
    ("This should be resolved soon.", "soon"),
    ("The fix lands by 2pm UTC.", "by 2pm"),
    ("Payments should work again in about 2 hours.", "in about 2 hours"),
    ("We'll be back up later today.", "later today"),
    ("It should be working by the end of the day.", "by the end of the day"),
    ("Checkout should recover any minute now.", "any minute now"),
]
NOT_ESTIMATES = [
    "Next update in 30 minutes.",
    "Next update: in 30 minutes.",
    "We will share an update within the hour.",
    "We will post another update by 15:00 UTC.",
    "Checkout was slow for 15 minutes.",
    "Within 10 minutes of the change, errors rose.",
    "Errors had stopped by 14:20.",
    "We will let you know as soon as it is fixed.",
    "Some customers could not pay between 14:02 and 14:44.",
]


@pytest.mark.parametrize(("sentence", "estimate"), ESTIMATES)
def test_u11_catches_estimates_however_phrased(process, sentence, estimate):
    assert estimate in [f.text for f in lint.lint_text_for(process, sentence, ["u11-no-eta"])]


@pytest.mark.parametrize("sentence", NOT_ESTIMATES)
def test_u11_leaves_next_update_times_and_the_past_alone(process, sentence):
    assert lint.lint_text_for(process, sentence, ["u11-no-eta"]) == []


def test_u12_no_internal_detail(process):
    found = lint.lint_text_for(process, "Host api-east-12 at 10.0.3.7 and db1.corp restarted.",
                               ["u12-no-internal-detail"])
    assert [(f.section, f.text) for f in found] == [("message", "api-east-12"), ("message", "10.0.3.7"),
                                                    ("message", "db1.corp")]
    assert lint.lint_text_for(process, "Some customers could not pay by card; version 2.4 is fine.",
                              ["u12-no-internal-detail"]) == []


def test_u13_a_genuine_apology_in_the_external_message(process):
    rote = "Summary\nCheckout was slow.\nWe apologize for any inconvenience this may have caused."
    assert hits(lint.lint(process, rote, scope_extra=("external_message",)), "u13-genuine-apology") == [
        ("header", "We apologize for any inconvenience this may have caused")]
    none = "Summary\nCheckout was slow for 42 minutes."
    assert hits(lint.lint(process, none, scope_extra=("external_message",)), "u13-genuine-apology") == [
        ("header", "Summary")]
    genuine = ("Summary\nWe are sorry: for 42 minutes on 29 March many of you could not finish paying, "
               "and some orders arrived late.")
    assert hits(lint.lint(process, genuine, scope_extra=("external_message",)), "u13-genuine-apology") == []
    assert hits(lint.lint(process, none), "u13-genuine-apology") == []  # not an external message
    assert [(f.section, f.text) for f in lint.lint_text_for(process, none, ["u13-genuine-apology"])] == [
        ("message", "Summary")]


def test_u14_and_u16_are_reviewer_checks_never_findings(process):
    manual = {rule["id"]: rule for rule in lint.manual_checks(process)}
    assert set(manual) == {"u14-spelling", "u16-honesty"}
    assert manual["u16-honesty"]["message"].startswith("Reviewer check")
    typos = "Summary\nWe are sory: chekout was slow."
    ids = {f.rule for f in lint.lint(process, typos, scope_extra=("external_message",))}
    ids |= {f.rule for f in lint.lint_text_for(process, typos, ["u14-spelling", "u16-honesty"])}
    assert not ids & {"u14-spelling", "u16-honesty"}


def test_u15_security_announcement(process):
    text = "On 2026-03-29 we found a leak. We take the security of your data very seriously."
    assert hits(lint.lint(process, text, scope_extra=("security_announcement",)), "u15-security-announcement") == [
        ("header", "take the security of your data very seriously")]
    plain = "On 2026-03-29 we found that 412 invoices were readable by other accounts for 2 hours."
    assert hits(lint.lint(process, plain, scope_extra=("security_announcement",)), "u15-security-announcement") == []


def test_u15b_dated_title(process):
    undated = "Security notice\nOn 2026-03-29 we found that invoices were readable."
    assert hits(lint.lint(process, undated, scope_extra=("security_announcement",)), "u15b-dated-title") == [
        ("header", "Security notice")]
    dated = "Security notice, 29 March 2026\nWe found that invoices were readable."
    assert hits(lint.lint(process, dated, scope_extra=("security_announcement",)), "u15b-dated-title") == []


def test_u15c_third_parties(process):
    named = "On 2026-03-29 we found that a key kept on Amazon Web Services had leaked."
    assert hits(lint.lint(process, named, scope_extra=("security_announcement",)), "u15c-third-parties") == [
        ("header", "Amazon Web Services")]
    linked = "On 2026-03-29 Okta told us of its breach (https://okta.example/2026-03-29). We rotated every key."
    assert hits(lint.lint(process, linked, scope_extra=("security_announcement",)), "u15c-third-parties") == []


def test_s1_blame_words(process, optional_off):
    doc = postmortem(process, contributing_factors="The change was careless. The fault lies with the release team.")
    assert hits(lint.lint(process, doc), "s1-blame-words") == [
        ("contributing_factors", "careless"), ("contributing_factors", "fault lies with")]
    assert hits(lint.lint(optional_off, doc), "s1-blame-words") == []  # an override can switch it off
    clean = postmortem(process, contributing_factors="The change skipped review because the check was optional. "
                       "The postmortem is blameless.")
    assert hits(lint.lint(process, clean), "s1-blame-words") == []


def test_s2_hindsight_words(process, optional_off):
    doc = postmortem(process, what_happened="We simply restarted the pool. If only we had. It was obvious.")
    assert hits(lint.lint(process, doc), "s2-hindsight-words") == [
        ("what_happened", "simply"), ("what_happened", "If only"), ("what_happened", "obvious")]
    assert hits(lint.lint(optional_off, doc), "s2-hindsight-words") == []
    clean = postmortem(process, what_happened="We restarted the pool at 14:40, just after the alert. "
                       "The cause was not obvious at the time.")
    assert hits(lint.lint(process, clean), "s2-hindsight-words") == []


def test_s3_person_failed_to(process, optional_off):
    doc = postmortem(process, timeline="Someone failed to check the graph.")
    assert hits(lint.lint(process, doc), "s3-person-failed-to") == [("timeline", "Someone failed to")]
    assert hits(lint.lint(optional_off, doc), "s3-person-failed-to") == []
    clean = postmortem(process, timeline="The health check failed to notice the full pool.")
    assert hits(lint.lint(process, clean), "s3-person-failed-to") == []


# -- u17: not filled in yet --------------------------------------------------------------------

def test_u17_hints_placeholders_and_empty_sections_are_unfilled(process):
    doc = ("# Postmortem: INC-1 Checkout slow\n\n- **Postmortem owner:** to be set\n\n"
           "## 1. Overview\n\n_To write:_ One or two short sentences.\n\n"
           "## 2. What happened\n\nThe pool filled at 14:02 ([graph](https://g.example/1)).\n\n"
           "## 3. Contributing factors\n\n"
           "## 4. Resolution\n\nRolled back at 14:44; next step [fill in the long-term fix].\n\n"
           "## 9. Action items\n\n- [ ] Add an alarm OPS-1 sev2_20260329 sev2\n- [x] Email {owner}\n")
    found = [(f.section, f.text) for f in lint.lint(process, doc) if f.rule == "u17-unfilled"]
    assert found == [
        ("header", "to be set"), ("overview", "_To write:_ One or two short sentences."),
        ("contributing_factors", "## 3. Contributing factors"),
        ("resolution", "[fill in the long-term fix]"), ("action_items", "{owner}")]


def test_u17_a_subsection_left_empty_is_unfilled_at_its_heading(process):
    doc = ("## 8. How did we do?\n\n### 8a. What went well?\n\nPaging took 2 minutes.\n\n"
           "### 8b. What didn't go so well?\n\n## 9. Action items\n\n- [ ] OPS-1 sev2_20260329 sev2\n")
    found = [(f.section, f.text) for f in lint.lint(process, doc) if f.rule == "u17-unfilled"]
    assert found == [("how_we_did", "### 8b. What didn't go so well?")]


def test_u17_the_untouched_customer_template_is_unfilled(process):
    template = next(t for t in process.items("update_templates") if t["audience"] == "customers")
    found = lint.lint_message(process, template["body"], "customers")
    assert "u17-unfilled" in {f.rule for f in found}
    assert "[Short headline in customers' words]" in [f.text for f in found]


def test_every_rule_of_the_process_has_a_test_here(process):
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [r["id"] for r in process.items("lint_rules") if f'"{r["id"]}"' not in source]
    assert untested == []


# -- sections, lines and offsets --------------------------------------------------------------

def test_lines_and_offsets_point_into_the_whole_document(process):
    doc = ("# Postmortem\n"                      # line 1
           "\n"                                  # 2
           "## 1. Overview\n"                    # 3
           "Checkout was slow.\n"                # 4
           "\n"                                  # 5
           "## 8. How did we do?\n"              # 6
           "### 8b. What didn't go so well?\n"   # 7
           "Paging was fine.\n"                  # 8
           "It was human error, again.\n")       # 9
    [finding] = [f for f in lint.lint(process, doc) if f.rule == "u2-human-error"]
    assert (finding.section, finding.line) == ("how_we_did", 9)
    assert finding.start == doc.index("human error") and finding.end == finding.start + len("human error")
    assert doc[finding.start:finding.end] == finding.text == "human error"
    assert finding.page == "after/effective_post_mortems" and finding.suggestion
    for f in lint.lint(process, postmortem(process, overview="A. B. C. D.", what_happened="The DB had an outage.")):
        document = postmortem(process, overview="A. B. C. D.", what_happened="The DB had an outage.")
        assert document[f.start:f.end] == f.text
        assert f.line == document.count("\n", 0, f.start) + 1


def test_subsections_belong_to_their_parent_and_template_headings_are_not_linted(process):
    doc = ("# Outage report\n\n"
           "## 10. Messaging\n### 10b. External message outage\nWe had an outage of card payments.\n"
           "## 11. Appendix\nThe outage graph.\n")
    assert hits(lint.lint(process, doc), "u1-outage") == [
        ("header", "Outage"), ("messaging", "outage"), ("section-11", "outage")]
    # Section-scoped rules do not look at a section the template does not have.
    assert hits(lint.lint(process, "## 11. Appendix\nIt was human error.\n"), "u2-human-error") == []
    # A heading without the template's number is the writer's own, inside the current section.
    doc = "## 2. What happened\n## Details\nIt was human error.\n"
    assert hits(lint.lint(process, doc), "u2-human-error") == [("what_happened", "human error")]


def test_message_scopes_are_checked(process):
    with pytest.raises(ValueError, match="customer_mesage"):
        lint.lint(process, "text", scope_extra=("customer_mesage",))


def test_each_audience_has_its_message_rules(process):
    draft = ("We expect this to be resolved within 30 minutes. Host api-east-12 is restarting after "
             "the outage. We are sorry.")
    findings = lint.lint_message(process, draft, "customers")
    assert {f.rule for f in findings} == {"u11-no-eta", "u12-no-internal-detail", "u1-outage"}
    assert all(draft[f.start:f.end] == f.text for f in findings)
    assert lint.lint_message(process, "We are sorry: some customers cannot sign in. Next update at 15:30 UTC.",
                             "customers") == []
    # Executives may hear an estimate; they are not told host names either.
    assert {f.rule for f in lint.lint_message(process, draft, "executives")} == {
        "u12-no-internal-detail", "u1-outage"}
    # A security incident's messages get the security announcement rules too: the stock line,
    # and a first line without a date.
    stock = "We take the security of your data very seriously. We are sorry."
    assert lint.lint_message(process, stock, "customers") == []
    assert [f.rule for f in lint.lint_message(process, stock, "customers", security=True)] == [
        "u15b-dated-title", "u15-security-announcement"]
    assert lint.message_rules(process, "nobody") == []


def test_a_finding_reads_in_one_line(process):
    [finding] = lint.lint_text_for(process, "Host api-east-12\nis down", ["u12-no-internal-detail"])
    assert finding.summary == ("“api-east-12”: Internal detail such as a server name or network address. It "
                               "means nothing to customers. Try: Describe what customers notice, not which "
                               "machine is affected.")
    assert "\n" not in lint.lint_text_for(process, "x\n" * 50, ["u13-genuine-apology"])[0].summary


def test_section_10b_is_checked_by_the_message_rules(process):
    external = ("### 10a. Internal email\nThe host api-east-12 ran out of memory.\n\n"
                "### 10b. External message\nSummary\nThe host api-east-12 ran out of memory. "
                "We apologize for any inconvenience.\n")
    findings = lint.lint(process, postmortem(process, messaging=external))
    assert hits(findings, "u12-no-internal-detail") == [("messaging", "api-east-12")]  # 10b's, not 10a's
    assert hits(findings, "u13-genuine-apology") == [("messaging", "We apologize for any inconvenience")]
    assert [f.line for f in findings if f.rule == "u12-no-internal-detail"] == [
        postmortem(process, messaging=external).splitlines().index("### 10b. External message") + 3]


# -- which rules run ----------------------------------------------------------------------------

def test_disabled_rules_do_not_run(process):
    off = StandIn(process, u1_outage={"enabled": False}, u6_explain_acronyms={"enabled": False})
    doc = postmortem(process, resolution="The DB outage ended at 15:10.")
    assert {"u1-outage", "u6-explain-acronyms"} <= {f.rule for f in lint.lint(process, doc)}
    assert not {"u1-outage", "u6-explain-acronyms"} & {f.rule for f in lint.lint(off, doc)}
    assert lint.lint_text_for(off, "A DB outage.", ["u1-outage", "u6-explain-acronyms"]) == []
    assert [f.text for f in lint.lint_text_for(process, "A DB outage.", ["u1-outage", "u6-explain-acronyms"])] == [
        "DB", "outage"]


def test_a_rule_added_by_an_organisation_override_runs(tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "lint_rules.yaml").write_text(
        "lint_rules:\n"
        "  - id: org-somehow\n"
        "    source: optional\n"
        "    enabled: true\n"
        "    scope: [what_happened, contributing_factors]\n"
        "    check: regex\n"
        "    pattern: '\\bsomehow\\b'\n"
        "    message: \"“Somehow” says we do not know yet.\"\n"
        "    suggestion: Find out how, or say what is still unknown.\n"
        "    page: after/effective_post_mortems\n"
        "  - id: u1-outage\n"
        "    enabled: false\n", encoding="utf-8")
    merged = load_process(folder)
    doc = postmortem(merged, what_happened="The pool somehow filled up during the outage.",
                     resolution="Somehow it recovered.")
    findings = lint.lint(merged, doc)
    assert hits(findings, "org-somehow") == [("what_happened", "somehow")]
    [finding] = [f for f in findings if f.rule == "org-somehow"]
    assert finding.message == "“Somehow” says we do not know yet."
    assert hits(findings, "u1-outage") == []
