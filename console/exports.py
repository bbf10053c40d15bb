"""Exports for people and their tools: the timeline as CSV, the post-mortem as Markdown or HTML.

Pure functions of data already loaded - the JSON export document (`console.export.to_document`)
and the post-mortem's Markdown text - so they open no database, read no clock and can be
tested on any input. Every one returns `str`; the caller writes it as UTF-8.

Everything a person typed is hostile here: a note can hold commas, quotes, line breaks, HTML,
or text a spreadsheet would run as a formula. Each format neutralises what is dangerous in it
and nothing else, so the text still reads as it was written.
"""

import csv
import html
import io
from typing import Any

from markdown_it import MarkdownIt

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

    Columns: occurred_at, kind, author, text, recorded_at, pinned, retracted. Every field is
    quoted text (quotes doubled, line breaks kept inside the quotes), rows end in CRLF, and
    `pinned` and `retracted` are `true` or `false`. `text` is the entry's current text - its
    newest correction where it has one - since a post-mortem wants the corrected facts; the
    JSON export keeps the first-written text and every revision. Cells that a spreadsheet would
    take for a formula start with `'` (see `to_csv_cell`); `from_csv_cell` undoes it.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(TIMELINE_COLUMNS)
    for item in document["timeline"]:
        revisions = item.get("revisions") or ()
        text = revisions[-1]["text"] if revisions else item["text"]
        writer.writerow(to_csv_cell(str(value)) for value in (
            item["occurred_at"], item["kind"], item["author"], text, item["recorded_at"],
            _flag(item.get("pinned")), _flag(item.get("retracted")),
        ))
    return out.getvalue()


def postmortem_markdown(markdown: str) -> str:
    """The post-mortem's Markdown as generated, ending in exactly one line break or more.

    A passthrough: the generator already escapes user text, and changing a single character
    here would make the file differ from what the owner reviewed. Only a missing final newline
    is added, which POSIX tools and diffs expect.
    """
    return markdown if markdown.endswith("\n") else markdown + "\n"


def _renderer() -> MarkdownIt:
    # CommonMark with raw HTML switched off (`html=False`): `<script>` or `<img onerror=...>` in
    # the source comes out as visible text, escaped. markdown-it also refuses `javascript:`,
    # `vbscript:`, `file:` and non-image `data:` link targets. Tables (GFM) are turned on
    # because the template's Timeline and Impact sections are tables.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


# Small and printable: the post-mortem is read on paper or as a PDF at the meeting. Links show
# their address when printed, since paper cannot be clicked.
_STYLE = """\
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: #111; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; margin: 1.4em 0 .5em; }
h1 { font-size: 1.7em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .95em; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eee; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
pre { background: #f4f4f4; padding: .6em; white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote { margin: 1em 0; padding-left: 1em; border-left: 3px solid #ccc; color: #444; }
@page { margin: 18mm 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; }
  tr, pre, blockquote { break-inside: avoid; }
  thead { display: table-header-group; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; color: #444; }
}
"""

# Belt and braces: even if markup ever slipped through, the page may run no script and load
# nothing but its own inline style and images.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"


def postmortem_html(markdown: str, *, title: str) -> str:
    """The post-mortem as one self-contained, printable HTML page.

    The Markdown is rendered with raw HTML disabled, so nothing a person typed can become
    markup: tags show as text, unsafe link targets stay plain text. The title is escaped. The
    page carries its stylesheet inline and a Content-Security-Policy that forbids scripts.
    """
    body = _renderer().render(markdown)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title, quote=True)}</title>\n"
        f"<style>\n{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )
