"""Exports never reach out or mislead, end to end: notes logged through the CLI, pinned into
the post-mortem's timeline, exported as Markdown, HTML and PDF and read back (the HTML with
the standard library's parser, the PDF with pypdf).

- nothing in an export loads from elsewhere: no remote image, and the PDF renderer reads no
  local file and no URL an `<img>` names;
- a link whose text is not its address shows the address;
- a note written on several lines reads on several lines.
"""

import http.server
import io
import threading
import unicodedata

import pytest
from pypdf import PdfReader

from tests.core.test_postmortem_html import Page
from tests.helpers import run, without_unsigned_note

TRACKER = "https://tracker.example/pixel.png?who=reader"
EVIL = "https://evil.example/login"
NOTES = [
    "first line of the finding\nsecond line of the finding",
    f"graph: ![p99]({TRACKER})",
    f"status page: [https://status.example.com]({EVIL})",
]


@pytest.fixture
def incident(capsys, clock):
    assert run(capsys, "declare", "Checkout down", "--sev", "2", "--by", "Ana", clock=clock)[0] == 0
    for note in NOTES:
        clock.advance(seconds=30)
        assert run(capsys, "log", "INC-1", note, "--kind", "note", "--by", "Ana", clock=clock)[0] == 0
        assert run(capsys, "log", "INC-1", "/pin", "--by", "Ana", clock=clock)[0] == 0
    return "INC-1"


def export(capsys, clock, fmt, *extra):
    code, out, err = run(capsys, "export", "INC-1", "--format", fmt, *extra, clock=clock)
    assert (code, without_unsigned_note(err)) == (0, "")
    return out


def test_the_markdown_keeps_each_note_in_its_row_with_its_line_break(capsys, clock, incident):
    from markdown_it import MarkdownIt

    markdown = export(capsys, clock, "md")
    row = next(line for line in markdown.splitlines() if "first line" in line)
    assert "first line of the finding<br>second line of the finding" in row
    # Read as GitHub and other CommonMark renderers read it: one cell, two lines.
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    cell = next(td for td in rendered.split("<td>") if "first line" in td)
    assert "first line of the finding<br>second line of the finding" in cell


def test_the_html_loads_nothing_shows_every_address_and_breaks_lines(capsys, clock, incident):
    page = Page(export(capsys, clock, "html"))
    assert "img" not in page.names()
    assert not [t for t, a in page.tags if "src" in a]
    text = "".join(data for _, data in page.text)
    assert TRACKER in text  # the image is a link, its address in plain sight
    assert f"https://status.example.com ({EVIL})" in text
    assert "<br>" not in text and "first line of the finding" in page.text_in("td")
    cell_breaks = [t for t, _ in page.tags if t == "br"]
    assert len(cell_breaks) == 1


def pdf_lines(data: bytes) -> list[str]:
    """The PDF's text lines, spaces squeezed and ligatures (the font's "ﬁ") spelt out."""
    return [" ".join(unicodedata.normalize("NFKC", line).split()) for page in PdfReader(io.BytesIO(data)).pages
            for line in page.extract_text().splitlines()]


def pdf_images(data: bytes) -> list[tuple[int, int]]:
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        objects = (page.get("/Resources") or {}).get("/XObject") or {}
        for name in objects:
            xobject = objects[name].get_object()
            if xobject.get("/Subtype") == "/Image":
                out.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return out


def test_the_pdf_breaks_lines_and_shows_every_address(capsys, clock, incident, tmp_path):
    target = tmp_path / "pm.pdf"
    export(capsys, clock, "pdf", "-o", str(target))
    data = target.read_bytes()
    lines = pdf_lines(data)
    words = " ".join(lines)
    assert "<br>" not in words
    first = next(line for line in lines if "first line of the finding" in line)
    assert "second line" not in first
    assert any(line.startswith("second line") for line in lines)  # its own line (the cell may wrap it)
    joined = "".join(lines)  # an address may wrap in its narrow cell
    assert f"({EVIL})" in joined and f"({TRACKER})" in joined
    assert pdf_images(data) == []


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_pdf_renderer_reads_no_file_and_no_url_an_image_names(tmp_path):
    from PySide6.QtGui import QColor, QImage

    from ui.pdf import render_pdf

    picture = tmp_path / "private-screenshot.png"
    image = QImage(37, 23, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(picture))
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/pixel.png"
        data = render_pdf(
            f'<p>before <img src="{picture}"> <img src="file://{picture}"> <img src="{url}"></p>'
            f'<table><tr><td><img src="{picture}"></td></tr></table><p>after</p>')
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF-") and "after" in " ".join(pdf_lines(data))
    assert (37, 23) not in pdf_images(data)  # the local picture was not read into the PDF
    assert _Counter.hits == []

