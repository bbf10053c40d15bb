"""The after-incident commands end to end on a real store: draft, lint, meeting, follow-ups,
and every export read back by its own reader."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from tests.helpers import run

HOSTILE = "db-2 lag | 40s `rm -rf` <script>alert(1)</script> שלום"


@pytest.fixture
def incident(capsys, clock):
    for argv in (["declare", "Checkout down", "--sev", "2"], ["log", "INC-1", "/ic Ana"],
                 ["log", "INC-1", "/scribe Cy"], ["log", "INC-1", f"f: {HOSTILE}"], ["log", "INC-1", "/pin"],
                 ["log", "INC-1", "todo: canary missed it"]):
        assert run(capsys, *argv, "--by", "Ana", clock=clock)[0] == 0
    clock.advance(minutes=42)
    assert run(capsys, "status", "INC-1", "resolved", clock=clock)[0] == 0
    return "INC-1"


def test_the_draft_holds_the_record_and_lint_reads_it(capsys, clock, incident):
    code, out, _ = run(capsys, "postmortem", "show", incident, clock=clock)
    assert code == 0 and out.startswith("# Postmortem: INC-1 Checkout down")
    assert "## 10. Messaging" in out and "Ana **(IC)**" in out and "Cy **(Scribe)**" in out
    assert "db-2 lag \\| 40s" in out and "<script>" not in out
    code, out, _ = run(capsys, "lint", incident, clock=clock)
    assert code == 1
    rules = {line.split(": ")[1] for line in out.splitlines()}
    assert "u7-timeline-evidence" in rules  # the pinned row has no data link
    assert "u1-outage" not in rules  # the template's guidance is not linted, only what people write


def test_lint_passes_a_clean_file_and_fails_a_blaming_one(capsys, clock, incident, tmp_path):
    clean = tmp_path / "clean.md"
    clean.write_text("## 1. Overview\n\nA config change slowed checkout for 42 minutes.\n", encoding="utf-8")
    assert run(capsys, "lint", incident, "--file", str(clean), clock=clock)[0] == 0
    blaming = tmp_path / "blame.md"
    blaming.write_text("## 1. Overview\n\nAna broke checkout. It was human error.\n", encoding="utf-8")
    code, out, _ = run(capsys, "lint", incident, "--file", str(blaming), clock=clock)
    assert code == 1
    assert "overview:3: u3-no-naming:" in out and "“Ana broke”" in out
    assert "human error" in out


def test_owner_meeting_invitation_and_status(capsys, clock, incident):
    assert run(capsys, "postmortem", "due", incident, clock=clock)[1].strip() == "INC-1: meeting by 2026-04-03 (Friday)"
    assert run(capsys, "postmortem", "owner", incident, "Ana", "2026-04-03", clock=clock)[0] == 0
    assert run(capsys, "postmortem", "ack", incident, "--by", "Ana", clock=clock)[0] == 0
    code, _, err = run(capsys, "export", incident, "--format", "ics", clock=clock)
    assert code == 2 and "no meeting booked" in err
    assert run(capsys, "postmortem", "meeting", incident, "2026-04-02T10:00:00Z", clock=clock)[0] == 0
    code, ics, _ = run(capsys, "export", incident, "--format", "ics", clock=clock)
    icalendar = pytest.importorskip("icalendar")
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART").isoformat() == "2026-04-02T10:00:00+00:00"
    assert {str(a.params["CN"]) for a in event.get("ATTENDEE")} >= {"Ana", "Cy"}
    code, _, err = run(capsys, "postmortem", "status", incident, "closed", clock=clock)
    assert code == 2 and "In review" in err
    assert run(capsys, "postmortem", "status", incident, "in_review", clock=clock)[0] == 0


def test_exports_are_read_back_by_their_readers(capsys, clock, incident, tmp_path):
    _, md, _ = run(capsys, "export", incident, "--format", "md", clock=clock)
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    assert any(t.type == "table_open" for t in tokens)
    assert not any(t.type in ("html_block", "html_inline") for t in tokens)
    _, html, _ = run(capsys, "export", incident, "--format", "html", clock=clock)

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "table" in parser.tags
    _, text, _ = run(capsys, "export", incident, "--format", "csv", clock=clock)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["occurred_at", "kind", "author", "text"]
    assert any(row[3] == HOSTILE for row in rows[1:])
    _, doc, _ = run(capsys, "export", incident, "--format", "json", clock=clock)
    assert json.loads(doc)["format"] == "incident-console/1"
    pdf = tmp_path / "pm.pdf"
    assert run(capsys, "export", incident, "--format", "pdf", "-o", str(pdf), clock=clock)[0] == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and oct(pdf.stat().st_mode & 0o777) == "0o600"
    from pypdf import PdfReader

    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(pdf)).pages)
    assert "Postmortem: INC-1 Checkout down" in words and "Time at each severity" in words
    code, _, err = run(capsys, "export", incident, "--format", "pdf", clock=clock)
    assert code == 2 and "-o FILE" in err


def test_followups_across_incidents_sorted_with_overdue_marked(capsys, clock, incident):
    assert run(capsys, "declare", "Search slow", "--sev", "3", clock=clock)[0] == 0
    assert run(capsys, "followup", "INC-2", "Index rebuild runbook", "--due", "2026-03-01", clock=clock)[1] == "A1\n"
    assert run(capsys, "followup", incident, "Canary check", "--owner", "Dee", "--due", "2026-05-01",
               "--ticket", "OPS-7", clock=clock)[1] == "A2\n"
    assert run(capsys, "followup", incident, "No date yet", clock=clock)[0] == 0
    out = run(capsys, "followups", clock=clock)[1].splitlines()
    assert [line.split()[0] for line in out] == ["OVERDUE", "2026-05-01", "no"]
    assert run(capsys, "followup-done", "A1", clock=clock)[0] == 0
    listed = json.loads(run(capsys, "followups", "--all", "--json", clock=clock)[1])
    assert [i["id"] for i in listed][:2] == ["A1", "A2"] and listed[0]["done_at"]
    assert run(capsys, "followup", incident, "x", "--due", "soon", clock=clock)[0] == 2
    assert run(capsys, "followup-done", "B7", clock=clock)[0] == 2


def test_the_json_export_carries_the_postmortem_and_followups(capsys, clock, incident, tmp_path):
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))
    _, before, _ = run(capsys, "export", incident, "--format", "json", clock=clock)
    assert json.loads(before)["postmortem"] is None and json.loads(before)["followups"] == []
    draft = tmp_path / "pm.md"
    draft.write_text(run(capsys, "postmortem", "show", incident, clock=clock)[1], encoding="utf-8")
    assert run(capsys, "postmortem", "save", incident, str(draft), "--by", "Ana", clock=clock)[0] == 0
    assert run(capsys, "postmortem", "owner", incident, "Ana", "2026-04-03", clock=clock)[0] == 0
    assert run(capsys, "followup", incident, "Canary check", "--due", "2026-04-10", clock=clock)[0] == 0
    _, after, _ = run(capsys, "export", incident, "--format", "json", clock=clock)
    document = json.loads(after)
    jsonschema.validate(document, schema)
    assert document["postmortem"]["owner"] == "Ana" and document["postmortem"]["status"] == "draft"
    assert document["postmortem"]["versions"][0]["text"].startswith("# Postmortem: INC-1")
    assert document["followups"][0]["id"] == "A1" and document["followups"][0]["due_on"] == "2026-04-10"


def test_the_scribe_types_the_owners_acknowledgement_for_them(capsys, clock, incident):
    assert run(capsys, "postmortem", "owner", incident, "Dee Patel", "2026-12-04", "--by", "Ana",
               clock=clock)[0] == 0
    code, _, err = run(capsys, "postmortem", "ack", incident, "--by", "Cy", clock=clock)
    assert code == 2 and "only the postmortem owner (Dee Patel)" in err  # Cy is not the owner
    code, out, _ = run(capsys, "postmortem", "ack", incident, "--by", "Cy", "--for", "dee patel",
                       clock=clock)
    assert code == 0 and out.startswith("acknowledged by Dee Patel (typed by Cy) at ")
    _, exported, _ = run(capsys, "export", incident, "--format", "json", clock=clock)
    said = [e["text"] for e in json.loads(exported)["timeline"] if "acknowledged" in e["text"]]
    assert said == ["Cy (Scribe) for Dee Patel: acknowledged the postmortem, due 2026-12-04"]
