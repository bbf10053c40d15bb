"""The timeline as CSV (RFC 4180), for spreadsheets: the `csv` export format.

A pure function of the JSON export document (`console.incident_json.to_document`): it opens no
database and reads no clock, so it can be tested on any input.

Everything a person typed is hostile here: a note can hold commas, quotes, line breaks, or text
a spreadsheet would run as a formula. The cells neutralise the formula and nothing else, so the
text still reads as it was written.
"""

import csv
import io
from typing import Any

TIMELINE_COLUMNS = ("occurred_at", "kind", "author", "text", "recorded_at", "pinned", "retracted")
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (tab and
# carriage return too, for some importers): `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` in a note
# would run when the scribe's CSV is opened ("CSV injection", OWASP). Such a cell gets a leading
# `'`, which spreadsheets read as "this is text". A cell that already starts with `'` gets one
# too, so the prefix can always be taken off again (`from_csv_cell`).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def to_csv_cell(value: str) -> str:
    """`value` made safe to open in a spreadsheet: a leading `'` where it could be a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def from_csv_cell(cell: str) -> str:
    """The text `to_csv_cell` was given: its `'` prefix taken off again, where it added one."""
    return cell[1:] if cell[:1] == "'" and cell[1:].startswith(_FORMULA_STARTS) else cell


def _flag(value: Any) -> str:
    return "true" if value else "false"


def timeline_csv(document: dict[str, Any]) -> str:
    """The timeline as RFC 4180 CSV, one row per entry in the document's order (by time).

    Columns: occurred_at, kind, author, text, recorded_at, pinned, retracted (a security
    incident's first, `marking`, holds its marking on every row). Every field is
    quoted text (quotes doubled, line breaks kept inside the quotes), rows end in CRLF, and
    `pinned` and `retracted` are `true` or `false`. `text` is the entry's current text - its
    newest correction where it has one - since a post-mortem wants the corrected facts; the
    JSON export keeps the first-written text and every revision. Cells that a spreadsheet would
    take for a formula start with `'` (see `to_csv_cell`); `from_csv_cell` undoes it.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    # A security incident's marking is a first column, on every row: a row copied out of the
    # sheet still carries it.
    marking = document["incident"].get("marking")
    mark = (marking,) if marking else ()
    writer.writerow(("marking",) * len(mark) + TIMELINE_COLUMNS)
    for item in document["timeline"]:
        revisions = item.get("revisions") or ()
        text = revisions[-1]["text"] if revisions else item["text"]
        writer.writerow(to_csv_cell(str(value)) for value in (
            *mark, item["occurred_at"], item["kind"], item["author"], text, item["recorded_at"],
            _flag(item.get("pinned")), _flag(item.get("retracted")),
        ))
    return out.getvalue()
