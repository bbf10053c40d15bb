"""The record chain's head in every export that carries the record (JSON, Markdown, HTML, PDF),
and each copy checked back against the database: it matches while the record is as exported
and as it grows, and stops matching once a row it covered is changed behind the triggers."""

import io
import json
import re

import pytest

from console import chain_seal
from tests.core.test_chain import tamper
from tests.helpers import run

HEAD = re.compile(r"head ([0-9a-f]{64})")


@pytest.fixture
def incident(service, clock):
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    for text in ("db-3 is lagging", "d: roll back the deploy", "payments are fine"):
        clock.advance(minutes=1)
        service.timeline.log(incident.id, text, by="Ben")
    service.history.set_pin(incident.id, 2, True, by="Ana")
    return incident


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_an_export_is_checked_back_against_the_database(service, incident, clock, capsys, tmp_path,
                                                        where, fmt):
    head = service.read.chain.head(incident.id)
    copy = tmp_path / f"INC-1.{fmt}"
    code, _, err = run(capsys, "export", "INC-1", "--format", fmt, "-o", str(copy), clock=clock)
    assert code == 0
    assert err.count("\n") <= 1  # at most the one-line note that the head is unsigned here
    text = copy.read_text()
    assert head.link in text and head.links == 5
    code, out, _ = run(capsys, "verify", "--export", str(copy), clock=clock)
    assert code == 0, out
    assert out.splitlines()[0] == f"{copy} (INC-1): matches the database at link 5, and the chain holds"
    # The record goes on: the copy still matches the start of it.
    service.timeline.log(incident.id, "later", by="Ana")
    assert run(capsys, "verify", "--export", str(copy), clock=clock)[0] == 0
    service.close()
    tamper(where, "UPDATE entries SET author = 'Mallory' WHERE id = 3")
    code, out, _ = run(capsys, "verify", "--export", str(copy), clock=clock)
    assert (code, out) == (1, "INC-1: E3 was changed after it was written (link 3)\n")


def test_the_pdf_prints_the_head_and_it_is_checked_by_hand(service, incident, clock, capsys, tmp_path, where):
    copy = tmp_path / "INC-1.pdf"
    code, _, _ = run(capsys, "export", "INC-1", "--format", "pdf", "-o", str(copy), clock=clock)
    assert code == 0
    text = _pdf_text(copy.read_bytes())
    head = service.read.chain.head(incident.id)
    assert "\ufb00" not in text  # no "ff" ligature: the head copies out of the PDF as printed
    # The line may be broken across lines of the page: read it with the spaces taken out.
    assert head.link in text.replace(" ", "") and "5 links" in text
    code, out, err = run(capsys, "verify", "--export", str(copy), clock=clock)
    assert code == 2 and "a PDF; check the head printed on its last page" in err
    code, out, _ = run(capsys, "verify", "INC-1", "--head", head.link, "--links", "5", clock=clock)
    assert (code, out) == (0, "INC-1: matches the database at link 5, and the chain holds\n")
    code, out, _ = run(capsys, "verify", "INC-1", "--head", "ab" * 32, "--links", "5", clock=clock)
    assert code == 1 and "is not in the database's chain" in out


def test_the_pdf_prints_text_without_ligatures():
    from ui.pdf import render_pdf

    text = _pdf_text(render_pdf("<html><body><p>head 6ffec1 staff offer</p><h2>fluff</h2></body></html>"))
    assert text.startswith("head 6ffec1 staff offer fluff")


def test_the_json_block_and_the_line_say_the_same(service, incident):
    block = chain_seal.block(service.read.chain.head(incident.id))
    assert chain_seal.parse_line(chain_seal.line(block)) == {
        key: block[key] for key in ("algorithm", "incident", "links", "head", "chained_from",
                                    "signature", "public_key")}


def test_an_export_of_another_database_is_not_found_here(service, incident, clock, capsys, tmp_path):
    copy = tmp_path / "INC-1.json"
    assert run(capsys, "export", "INC-1", "--format", "json", "-o", str(copy), clock=clock)[0] == 0
    document = json.loads(copy.read_text())
    document["chain"]["incident"] = "f" * 32
    copy.write_text(json.dumps(document))
    code, out, _ = run(capsys, "verify", "--export", str(copy), clock=clock)
    assert (code, out) == (1, f"{copy}: its incident ({'f' * 32}) is not in this database\n")


@pytest.mark.parametrize("content, says", [
    (b"", "no record chain head in it"),
    (b"\xff\xfe not text", "not UTF-8 text"),
    (b"{not json", "not a JSON export"),
    (b'{"format": "incident-console/1"}', "no record chain head in it"),
    (b'{"chain": {"incident": 1, "links": "2", "head": "x"}}', "its chain head is not one this version writes"),
    (b'{"chain": {"incident": "a", "links": true, "head": "' + b"a" * 64 + b'"}}',
     "its chain head is not one this version writes"),
    (b"{\"chain\": " + b"[" * 100_000, "not a JSON export"),
    (b"%PDF-1.4 nothing", "a PDF"),
])
def test_a_file_that_is_not_an_export_is_refused_in_one_line(service, incident, clock, capsys, tmp_path,
                                                            content, says):
    copy = tmp_path / "copy"
    copy.write_bytes(content)
    code, out, err = run(capsys, "verify", "--export", str(copy), clock=clock)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and says in err


def test_a_folder_or_a_missing_file_is_refused(capsys, clock, tmp_path):
    for name in (tmp_path, tmp_path / "missing.json"):
        code, out, err = run(capsys, "verify", "--export", str(name), clock=clock)
        assert code == 2 and "not a file" in err
