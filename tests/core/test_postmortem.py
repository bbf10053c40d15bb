"""The post-mortem: the draft generated from the record, its header, versions and action items."""

import re
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from console import postmortem
from console.domain import ActionItem, PostmortemRecord
from console.errors import InputError, NotFound
from console.process import load_process

HOSTILE = "rollback | failed `rm -rf /` <script>alert(1)</script>\nsecond line שלום עליכם \u202eevil"
PM_TABLES = ("postmortems", "postmortem_versions", "action_items", "entries")


@pytest.fixture(scope="module")
def process():
    return load_process()


def rows(where):
    conn = sqlite3.connect(where.db_path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in PM_TABLES}
    finally:
        conn.close()


@pytest.fixture
def scripted(service, clock):
    """Impact from 13:50; declared SEV-2 at 14:00, SEV-1 at 14:10, back to SEV-2 at 14:40,
    resolved at 15:00. Ana is IC until she hands over to Cy at 14:20; Ben is the scribe."""
    start = clock.now()
    incident = service.incidents.declare(
        "Checkout down", by="Ana", severity=2, started_at=start - timedelta(minutes=10)
    ).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    service.roster.assign(incident.id, "scribe", "Ben", by="Ana")
    clock.advance(minutes=5)
    hostile = service.timeline.log(incident.id, HOSTILE, by="Ben", kind="finding").entries[0]
    service.history.set_pin(incident.id, hostile.id, True, by="Ben")
    clock.advance(minutes=5)
    service.incidents.set_severity(incident.id, 1, by="Ana")
    paged = service.timeline.log(incident.id, "Paged payments, see https://chat.example/p/1", by="Ben",
                                 kind="page").entries[0]
    service.history.set_pin(incident.id, paged.id, True, by="Ben")
    wrong = service.timeline.log(incident.id, "db-3 is the cause", by="Ben", kind="finding").entries[0]
    service.history.set_pin(incident.id, wrong.id, True, by="Ben")
    service.history.retract(incident.id, wrong.id, by="Ben", reason="it was db-2")
    clock.advance(minutes=10)
    service.roster.assign(incident.id, "ic", "Cy", by="Ana")
    todo1 = service.timeline.log(incident.id, "add replica lag alert", by="Ben", kind="todo").entries[0]
    todo2 = service.timeline.log(incident.id, "runbook for failover", by="Ben", kind="todo").entries[0]
    service.history.revise(incident.id, todo2.id, "write the runbook for failover", by="Ben")
    gone = service.timeline.log(incident.id, "not needed", by="Ben", kind="todo").entries[0]
    service.history.retract(incident.id, gone.id, by="Ben")
    clock.advance(minutes=20)
    service.incidents.set_severity(incident.id, 2, by="Cy")
    service.timeline.log(incident.id, "unpinned detail", by="Ben")
    clock.advance(minutes=20)
    service.incidents.set_status(incident.id, "resolved", by="Cy")
    return {"incident": service.read.incidents.get(incident.id), "hostile": hostile, "todos": (todo1, todo2),
            "gone": gone, "wrong": wrong}


def section(text, number):
    """The body of `## N.` up to the next `## ` heading."""
    match = re.search(rf"^## {number}\. .*?$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no section {number}"
    return match.group(1)


def test_the_draft_follows_the_template_order(service, process, scripted):
    text = postmortem.generate(service.read, process, scripted["incident"].id)
    headings = re.findall(r"^(##+ .*)$", text, flags=re.M)
    sections = sorted(process.items("sections"), key=lambda s: s["number"])
    expected = []
    for s in sections:
        expected.append(f"## {s['number']}. {s['title']}")
        for i, sub in enumerate(s.get("subsections") or []):
            expected.append(f"### {s['number']}{'abcde'[i]}. {sub['title']}")
    assert headings == expected
    assert headings[0] == "## 1. Overview" and headings[-3] == "## 10. Messaging"
    assert "### 8a. What went well?" in headings and "### 10b. External message" in headings
    assert "<!--" not in text


def test_the_header_says_to_be_set_until_the_record_knows(service, process, scripted, clock):
    incident = scripted["incident"]
    text = postmortem.generate(service.read, process, incident.id)
    assert "- **Postmortem owner:** to be set" in text
    assert "- **Meeting scheduled for:** to be set" in text
    assert "- **Call recording:** to be set" in text
    assert "- **Status:** Draft" in text
    service.postmortem.name_owner(incident.id, "Dee", date(2026, 4, 1), by="Cy")
    service.postmortem.acknowledge(incident.id, by="Dee")
    service.postmortem.set_details(
        incident.id, meeting_at=datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc),
        recording="https://rec.example/call|<b>", by="Dee",
    )
    service.postmortem.set_status(incident.id, "in_review", by="Dee")
    text = postmortem.generate(service.read, process, incident.id)
    assert "- **Postmortem owner:** Dee, due 2026-04-01, acknowledged 2026-03-29 15:00 UTC" in text
    assert "- **Meeting scheduled for:** 2026-03-31 10:00 UTC" in text
    assert "- **Call recording:** https://rec.example/call\\|&lt;b&gt;" in text
    assert "- **Status:** In review" in text


def test_sections_only_a_person_can_write_hold_the_templates_hint(service, process, scripted):
    text = postmortem.generate(service.read, process, scripted["incident"].id)
    by_id = {s["id"]: s for s in process.items("sections")}
    for sid in ("overview", "what_happened", "contributing_factors", "resolution"):
        body = section(text, by_id[sid]["number"])
        assert body.strip() == f"_To write:_ {by_id[sid]['help']}"
    for sid in ("how_we_did", "messaging"):
        body = section(text, by_id[sid]["number"])
        for sub in by_id[sid]["subsections"]:
            assert f"{sub['title']}\n\n_To write:_ {sub['help']}" in body
    impact = section(text, 5)
    assert "_To write:_ Requests, deliveries or jobs handled late" in impact


def test_impact_counts_the_time_at_each_severity_from_impact_start_to_resolution(
    service, process, scripted
):
    incident = scripted["incident"]
    assert postmortem.time_at_severity(incident, service.read.timeline.all(incident.id),
                                       datetime.now(timezone.utc)) == {1: 30 * 60, 2: 40 * 60}
    impact = section(postmortem.generate(service.read, process, incident.id), 5)
    assert "From impact start 2026-03-29 13:50 UTC to resolved 2026-03-29 15:00 UTC." in impact
    assert "| SEV-1 | 30 | 30m 00s |" in impact
    assert "| SEV-2 | 40 | 40m 00s |" in impact
    assert impact.index("| SEV-1 |") < impact.index("| SEV-2 |")


def test_impact_of_an_open_incident_runs_to_now_and_counts_a_back_dated_change(service, clock):
    start = clock.now()
    incident = service.incidents.declare("Slow search", by="Ana").incident  # no severity yet
    clock.advance(minutes=30)
    service.incidents.set_severity(incident.id, 3, by="Ana", at=start + timedelta(minutes=10))
    incident = service.read.incidents.get(incident.id)
    totals = postmortem.time_at_severity(
        incident, service.read.timeline.all(incident.id), start + timedelta(minutes=45)
    )
    assert totals == {3: 35 * 60, None: 10 * 60}
    unchanged = service.incidents.declare("Quiet", by="Ana", severity=4).incident
    assert postmortem.time_at_severity(
        unchanged, service.read.timeline.all(unchanged.id), clock.now() + timedelta(minutes=5)
    ) == {4: 5 * 60}


def test_responders_list_current_and_past_holders_with_ic_and_scribe_marked(
    service, process, scripted
):
    body = section(postmortem.generate(service.read, process, scripted["incident"].id), 6)
    assert "- Ana **(IC)**: Incident Commander 14:00–14:20 (UTC)" in body
    assert "- Ben **(Scribe)**: Scribe 14:00–end (UTC)" in body
    assert "- Cy **(IC)**: Incident Commander 14:20–end (UTC)" in body
    assert body.index("- Ana") < body.index("- Ben") < body.index("- Cy")


def test_the_timeline_is_generated_from_the_log_escaped_and_without_retracted_entries(service, process, scripted):
    """With nothing but the scribe's log: when the impact began, the declaration, the hand-overs,
    the severity and status changes, the page and the findings; not the roster, the TODOs, a plain
    note or a retracted entry."""
    body = section(postmortem.generate(service.read, process, scripted["incident"].id), 7)
    lines = body.strip().splitlines()
    assert lines[:2] == ["| Time (UTC) | Event | Data link |", "|---|---|---|"]
    events = [line.split(" | ")[1] for line in lines[2:]]
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| 2026-03-29 13:50", "| 2026-03-29 14:00", "| 2026-03-29 14:00", "| 2026-03-29 14:05",
        "| 2026-03-29 14:10", "| 2026-03-29 14:10", "| 2026-03-29 14:20", "| 2026-03-29 14:40",
        "| 2026-03-29 15:00"]
    assert events[0] == postmortem.IMPACT_BEGAN
    assert events[1:3] == ["Incident declared: Checkout down (SEV-2)", "Ana is Incident Commander"]
    assert events[4:] == ["Severity SEV-2 -&gt; SEV-1", "Paged payments, see https://chat.example/p/1",
                          "Command passed from Ana to Cy", "Severity SEV-1 -&gt; SEV-2", "Status active -&gt; resolved"]
    assert "db-3 is the cause" not in body and "unpinned detail" not in body  # retracted; a note
    assert "Scribe: Ben" not in body and "replica lag alert" not in body  # the roster; a TODO
    hostile_row = lines[5]
    assert hostile_row.startswith("| 2026-03-29 14:05 | rollback \\| failed \\`rm -rf /\\` ")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line שלום עליכם evil |" in hostile_row
    assert "<script>" not in body and "\u202e" not in body
    # every row has exactly three cells: no unescaped pipe slipped through
    for line in lines:
        assert len(re.findall(r"(?<!\\)\|", line)) == 4
    assert lines[7] == (
        "| 2026-03-29 14:10 | Paged payments, see https://chat.example/p/1 | "
        "https://chat.example/p/1 |"
    )


def test_pins_refine_the_timeline_and_noise_stays_out(service, process, clock):
    """A pinned note joins the table; status updates to the responders and checklist ticks are
    left out unless pinned; the customers' update is an event."""
    incident = service.incidents.declare("Search slow", by="Ana", severity=2).incident
    clock.advance(minutes=1)
    note = service.timeline.log(incident.id, "Graph shows p99 at 4 s https://g.example/9", by="Ben").entries[0]
    service.timeline.log(incident.id, "a chat aside", by="Ben")
    service.history.set_pin(incident.id, note.id, True, by="Ben")
    service.updates.send(incident.id, "responders", "Status update: still looking", by="Ana")
    service.updates.send(incident.id, "customers", "Search is slow for some of you. Sorry.", by="Ana")
    step = process.items("checklists")[0]["items"][0]
    service.checklist.set(incident.id, step["id"], True, by="Ana", label=step["text"])
    service.timeline.log(incident.id, "Drained node 3", by="Ben", kind="action")
    events = [line.split(" | ")[1] for line in section(
        postmortem.generate(service.read, process, incident.id), 7).strip().splitlines()[2:]]
    assert events == [postmortem.IMPACT_BEGAN, "Incident declared: Search slow (SEV-2)",
                      "Graph shows p99 at 4 s https://g.example/9",
                      "Update to customers: Search is slow for some of you. Sorry.", "Drained node 3"]
    tick = next(e for e in service.read.timeline.all(incident.id) if e.text.endswith(step["text"]))
    service.history.set_pin(incident.id, tick.id, True, by="Ana")
    assert tick.text in section(postmortem.generate(service.read, process, incident.id), 7)


def test_the_timeline_takes_its_kinds_from_the_process(service, tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "postmortem.yaml").write_text(
        "sections:\n  - id: timeline\n    kinds: [decision]\n    updates: []\n", encoding="utf-8")
    only_decisions = load_process(folder)
    incident = service.incidents.declare("Queue stuck", by="Ana", severity=3).incident
    service.timeline.log(incident.id, "Roll back the consumer", by="Ben", kind="decision")
    service.timeline.log(incident.id, "Consumer lag at 40k", by="Ben", kind="finding")
    events = [line.split(" | ")[1] for line in section(
        postmortem.generate(service.read, only_decisions, incident.id), 7).strip().splitlines()[2:]]
    assert events == [postmortem.IMPACT_BEGAN, "Roll back the consumer"]


def test_every_export_of_the_post_mortem_shows_the_generated_timeline(service, process, scripted, clock):
    from console import exports

    incident = scripted["incident"]
    for name in ("md", "html"):
        exporter = exports.find(name)
        result = exporter.export(service.read, incident.id, process=process, now=clock.now())
        text = result if isinstance(result, str) else result.decode("utf-8")
        assert "Command passed from Ana to Cy" in text and postmortem.IMPACT_BEGAN in text, name


def test_all_entries_uses_current_text_and_still_skips_retracted(service, process, scripted):
    body = section(
        postmortem.generate(service.read, process, scripted["incident"].id, all_entries=True), 7
    )
    assert "unpinned detail" in body and "Severity SEV-2 -&gt; SEV-1" in body
    assert "write the runbook for failover" in body and "| runbook for failover" not in body
    assert "db-3 is the cause" not in body and "not needed" not in body


def test_the_data_link_is_the_first_web_address_without_closing_punctuation(service, process, clock):
    incident = service.incidents.declare("Links", by="Ana", severity=3).incident
    for text in ("graph (see https://grafana.example/d/1?x=2).", "no link here", "log: http://l.example/q|x"):
        entry = service.timeline.log(incident.id, text, by="Ben").entries[0]
        service.history.set_pin(incident.id, entry.id, True, by="Ben")
    rows_ = section(postmortem.generate(service.read, process, incident.id), 7).strip().splitlines()[4:]
    assert rows_[0].endswith("| graph (see https://grafana.example/d/1?x=2). | https://grafana.example/d/1?x=2 |")
    assert rows_[1].endswith("| no link here |  |")
    assert rows_[2].endswith("| log: http://l.example/q\\|x | http://l.example/q |")


def test_escaping_cannot_be_undone_by_a_typed_backslash():
    assert postmortem.escape_inline("a\\|b") == "a\\\\\\|b"
    assert postmortem.escape_inline("x\r\n\ny\tz") == "x<br>y z"
    assert postmortem.escape_inline("Tom & <i>") == "Tom &amp; &lt;i&gt;"


def test_action_items_are_the_todos_tagged_with_final_severity_and_date(service, process, scripted):
    incident = scripted["incident"]
    body = section(postmortem.generate(service.read, process, incident.id), 9)
    assert body.strip().splitlines() == [
        "- [ ] add replica lag alert — tags: sev2_20260329, sev2",
        "- [ ] write the runbook for failover — tags: sev2_20260329, sev2",
    ]
    items = service.followups.import_todos(incident.id, by="Cy")
    service.followups.update(items[0].id, owner="Ben", ticket="OPS-7", done=True, by="Cy")
    service.followups.add(incident.id, "email the results", by="Dee")
    body = section(postmortem.generate(service.read, process, incident.id), 9)
    assert body.strip().splitlines() == [
        "- [x] add replica lag alert — tags: sev2_20260329, sev2 — owner: Ben, ticket: OPS-7",
        "- [ ] write the runbook for failover — tags: sev2_20260329, sev2",
        "- [ ] email the results — tags: sev2_20260329, sev2",
    ]


def test_status_moves_follow_the_process(service, scripted, where):
    incident = scripted["incident"]
    assert service.read.postmortem.record(incident.id) is None
    before = rows(where)
    with pytest.raises(InputError, match="cannot go from Draft to Closed; from Draft it can go to: In review"):
        service.postmortem.set_status(incident.id, "closed", by="Cy")
    with pytest.raises(InputError, match="already Draft"):
        service.postmortem.set_status(incident.id, "draft", by="Cy")
    with pytest.raises(InputError, match="bad postmortem status 'done'"):
        service.postmortem.set_status(incident.id, "done", by="Cy")
    assert rows(where) == before
    record = service.postmortem.set_status(incident.id, "In review", by="Cy")
    assert record.status == "in_review"
    assert service.read.timeline.all(incident.id)[-1].text == "Postmortem status: Draft -> In review"
    with pytest.raises(InputError, match="from In review it can go to: Reviewed, Closed"):
        service.postmortem.set_status(incident.id, "draft", by="Cy")
    service.postmortem.set_status(incident.id, "reviewed", by="Cy")
    service.postmortem.set_status(incident.id, "closed", by="Cy")
    with pytest.raises(InputError, match="from Closed it can go to: nothing"):
        service.postmortem.set_status(incident.id, "reviewed", by="Cy")
    assert [e.text for e in service.read.timeline.all(incident.id)[-3:]] == [
        "Postmortem status: Draft -> In review",
        "Postmortem status: In review -> Reviewed",
        "Postmortem status: Reviewed -> Closed",
    ]


def test_owner_is_named_with_a_deadline_and_confirms(service, scripted, where, clock):
    incident = scripted["incident"]
    before = rows(where)
    with pytest.raises(InputError, match="no postmortem owner yet"):
        service.postmortem.acknowledge(incident.id, by="Dee")
    with pytest.raises(InputError, match="bad postmortem deadline"):
        service.postmortem.name_owner(incident.id, "Dee", "2026-04-01", by="Cy")
    with pytest.raises(InputError, match="before INC-1 was declared"):
        service.postmortem.name_owner(incident.id, "Dee", date(2026, 3, 1), by="Cy")
    with pytest.raises(InputError, match="postmortem owner is empty"):
        service.postmortem.name_owner(incident.id, " ", date(2026, 4, 1), by="Cy")
    with pytest.raises(NotFound):
        service.postmortem.name_owner(99, "Dee", date(2026, 4, 1), by="Cy")
    with pytest.raises(InputError, match="nothing to set"):
        service.postmortem.set_details(incident.id, by="Cy")
    assert rows(where) == before
    record = service.postmortem.name_owner(incident.id, "Dee", date(2026, 4, 1), by="Cy")
    assert record == PostmortemRecord(incident.id, "Dee", "2026-04-01", None, None, None, "draft")
    assert service.read.timeline.all(incident.id)[-1].text == "Postmortem owner: Dee, due 2026-04-01"
    assert service.read.timeline.all(incident.id)[-1].kind == "note"
    with pytest.raises(InputError, match=r"only the postmortem owner \(Dee\)"):
        service.postmortem.acknowledge(incident.id, by="Cy")
    clock.advance(minutes=1)
    assert service.postmortem.acknowledge(incident.id, by="dee").acknowledged_at == "2026-03-29T15:01:00.000Z"
    with pytest.raises(InputError, match="already acknowledged"):
        service.postmortem.acknowledge(incident.id, by="Dee")
    # someone new must confirm again
    assert service.postmortem.name_owner(incident.id, "Eve", date(2026, 4, 2), by="Cy").acknowledged_at is None


def test_every_save_is_kept_and_versions_are_append_only(service, scripted, where, clock):
    incident = scripted["incident"]
    assert service.read.postmortem.latest_text(incident.id) is None
    first = service.postmortem.save(incident.id, "# draft one", by="Dee")
    clock.advance(minutes=1)
    second = service.postmortem.save(incident.id, "# draft two", by="Eve")
    assert service.postmortem.save(incident.id, "# draft two\n", by="Eve") == second
    versions = service.read.postmortem.versions(incident.id)
    assert [(v.id, v.text, v.by) for v in versions] == [(first, "# draft one", "Dee"), (second, "# draft two", "Eve")]
    assert service.read.postmortem.latest_text(incident.id) == "# draft two"
    before = rows(where)
    with pytest.raises(InputError, match="postmortem text is empty"):
        service.postmortem.save(incident.id, "  \n ", by="Dee")
    assert rows(where) == before
    conn = sqlite3.connect(where.db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="postmortem versions are append-only"):
            conn.execute("UPDATE postmortem_versions SET text = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="postmortem versions are append-only"):
            conn.execute("DELETE FROM postmortem_versions")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute("INSERT INTO postmortems (incident_id, status) VALUES (?, 'done')", (incident.id,))
    finally:
        conn.close()


def test_action_items_across_incidents_sort_by_due_date_nulls_last(service, clock, where):
    one = service.incidents.declare("One", by="Ana", severity=1).incident
    two = service.incidents.declare("Two", by="Ana", severity=2).incident
    late = service.followups.add(one.id, "late", due_on=date(2026, 5, 1), by="Ana")
    undated = service.followups.add(two.id, "undated", owner="Ben", by="Ana")
    soon = service.followups.add(two.id, "soon", due_on=date(2026, 4, 1), ticket="OPS-1", by="Ana")
    assert isinstance(soon, ActionItem) and soon.ref == f"A{soon.id}"
    assert [i.text for i in service.read.followups.all()] == ["soon", "late", "undated"]
    assert [i.text for i in service.read.followups.all(two.id)] == ["soon", "undated"]
    done = service.followups.update(soon.id, done=True, by="Ana")
    assert done.done_at == "2026-03-29T14:00:00.000Z" and done.ticket == "OPS-1"
    assert [i.text for i in service.read.followups.all(open_only=True)] == ["late", "undated"]
    cleared = service.followups.update(undated.id, owner=None, due_on=date(2026, 4, 15), by="Ana")
    assert (cleared.owner, cleared.due_on) == (None, "2026-04-15")
    assert service.followups.update(soon.id, done=False, by="Ana").done_at is None
    assert [i.id for i in service.read.followups.all()] == [soon.id, undated.id, late.id]
    before = rows(where)
    with pytest.raises(InputError, match=f"nothing to change on A{late.id}"):
        service.followups.update(late.id, by="Ana")
    with pytest.raises(InputError, match="is already open"):
        service.followups.update(late.id, done=False, by="Ana")
    with pytest.raises(InputError, match="bad due date"):
        service.followups.update(late.id, due_on="soon", by="Ana")
    with pytest.raises(NotFound, match="no action item A99"):
        service.followups.update(99, done=True, by="Ana")
    with pytest.raises(InputError, match="action item text is empty"):
        service.followups.add(one.id, " ", by="Ana")
    with pytest.raises(NotFound, match="no incident INC-9"):
        service.followups.add(9, "x", by="Ana")
    assert rows(where) == before


def test_import_todos_is_idempotent_and_skips_retracted(service, scripted, where):
    incident = scripted["incident"]
    todo1, todo2 = scripted["todos"]
    items = service.followups.import_todos(incident.id, by="Cy")
    assert [(i.text, i.source_entry_id) for i in items] == [
        ("add replica lag alert", todo1.id), ("write the runbook for failover", todo2.id)
    ]
    before = rows(where)
    assert service.followups.import_todos(incident.id, by="Cy") == []
    assert rows(where) == before
    with pytest.raises(InputError, match=f"E{todo1.id} is already action item A{items[0].id}"):
        service.followups.add(incident.id, "again", source_entry_id=todo1.id, by="Cy")
    later = service.timeline.log(incident.id, "load test checkout", by="Ben", kind="todo").entries[0]
    (new,) = service.followups.import_todos(incident.id, by="Cy")
    assert new.source_entry_id == later.id
    assert len(service.read.followups.all(incident.id)) == 3


def test_an_empty_record_says_what_is_missing_and_the_draft_can_be_saved(service, process, clock):
    incident = service.incidents.declare("Nothing yet", by="Ana").incident
    clock.advance(minutes=15)
    text = postmortem.generate(service.read, process, incident.id, now=clock.now())
    assert "_No roles were recorded._" in section(text, 6)
    assert section(text, 7).strip().splitlines()[2:] == [  # the impact start and the declaration
        "| 2026-03-29 14:00 | Impact began |  |", "| 2026-03-29 14:00 | Incident declared: Nothing yet (severity not set) |  |"]
    assert "_No TODO entries or action items yet._" in section(text, 9)
    impact = section(text, 5)
    assert "still open at 2026-03-29 14:15 UTC" in impact
    assert "| not set | 15 | 15m 00s |" in impact and "| SEV-1 | 0 | 0s |" in impact
    service.timeline.log(incident.id, "check the queue", by="Ben", kind="todo")
    assert "- [ ] check the queue — tags: severity not set" in section(
        postmortem.generate(service.read, process, incident.id), 9
    )
    version = service.postmortem.save(incident.id, text, by="Dee")
    assert service.read.postmortem.versions(incident.id)[-1].id == version
    assert service.read.postmortem.latest_text(incident.id) == text.strip()


def test_the_markdown_file_is_the_text_with_a_trailing_newline():
    assert postmortem.markdown_file("# INC-1\n\ntext") == "# INC-1\n\ntext\n"
    assert postmortem.markdown_file("# INC-1\n") == "# INC-1\n"
    assert postmortem.markdown_file("") == "\n"
    assert postmortem.markdown_file("a <b>\\* | x\n\n") == "a <b>\\* | x\n\n"
