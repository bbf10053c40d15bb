"""The export registry: every format declared once, found by the CLI and the window, each one
rendered from a real store and read back by its own reader.

A format registered by another package is found through its entry point: the PDF (ui/pdf.py,
installed with this project) and, here, a small real package written to a temporary folder and
put on `sys.path`, as pip would install one.
"""

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from console import exports, plugins
from console.errors import InputError, NothingToExport, NotInstalled
from console.process import load_process
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "db-2 lag | 40s `rm -rf` <script>alert(1)</script> שלום"


def _tags(page: str) -> list[str]:
    class Tags(HTMLParser):
        tags: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

    parser = Tags()
    parser.feed(page)
    return parser.tags


def _ics(data: str) -> str:
    icalendar = pytest.importorskip("icalendar")
    return icalendar.Calendar.from_ical(data).walk("VEVENT")[0].decoded("DTSTART").isoformat()


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


# Each format read back by its own reader: what a person or a tool opening the file would see.
# A format with no reader here fails `test_every_format_is_read_back_here`.
READ_BACK = {
    "json": lambda data: HOSTILE in [item["text"] for item in json.loads(data)["timeline"]],
    "md": lambda data: data.startswith("# Postmortem: INC-1 Checkout down\n") and "<script>" not in data,
    "html": lambda data: "table" in _tags(data) and "script" not in _tags(data),
    "csv": lambda data: HOSTILE in [row[3] for row in csv.reader(io.StringIO(data))],
    "ics": lambda data: _ics(data) == "2026-04-02T10:00:00+00:00",
    "pdf": lambda data: "Postmortem: INC-1 Checkout down" in _pdf(data),
}


@pytest.fixture
def incident(service, clock):
    """A resolved incident with a pinned hostile note and a post-mortem meeting booked."""
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    note = service.timeline.log(incident.id, HOSTILE, by="Ana").entries[0]
    service.history.set_pin(incident.id, note.id, True, by="Ana")
    clock.advance(minutes=42)
    service.incidents.set_status(incident.id, "resolved", by="Ana")
    meeting = clock.now().replace(year=2026, month=4, day=2, hour=10, minute=0)
    service.postmortem.set_details(incident.id, meeting_at=meeting, by="Ana")
    return incident


def test_the_formats_are_the_built_in_ones_and_the_pdf():
    assert exports.names() == ["json", "md", "html", "csv", "ics", "pdf"]
    every = exports.every()
    assert [e.name for e in every] == exports.names()
    assert len({e.suffix for e in every}) == len(every)
    assert all(e.suffix.startswith(".") and e.description for e in every)
    assert [e.name for e in every if e.binary] == ["pdf"] == [e.name for e in every if e.needs_file]


def test_the_pdf_is_found_through_its_entry_point_and_only_when_asked_for():
    import ui.pdf

    assert exports.find("pdf") is ui.pdf.EXPORTER
    assert plugins.names(plugins.EXPORTERS) == ["pdf"]
    # A built-in format reads no package metadata (importlib.metadata alone costs ~25 ms).
    script = ("import sys\nfrom console import exports\nexports.find('json')\n"
              "print('importlib.metadata' in sys.modules, 'ui' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_every_format_is_read_back_here():
    assert sorted(READ_BACK) == sorted(exports.names())


@pytest.mark.parametrize("name", sorted(READ_BACK))
def test_each_format_renders_the_incident_and_reads_back(service, clock, incident, name):
    exporter = exports.find(name)
    process = load_process() if exporter.needs_process else None
    data = exporter.export(service.read, incident.id, process=process, now=clock.now())
    assert isinstance(data, bytes) == exporter.binary
    assert READ_BACK[name](data)


def test_an_unknown_incident_or_format_is_refused(service, clock):
    with pytest.raises(InputError, match="no incident INC-9"):
        exports.find("json").export(service.read, 9, process=None, now=clock.now())
    with pytest.raises(InputError, match="unknown export format 'docx': expected one of json, md, html, csv, ics, pdf"):
        exports.find("docx")


def test_no_meeting_means_no_invitation(service, clock):
    incident = service.incidents.declare("Checkout down", by="Ana").incident
    with pytest.raises(NothingToExport, match="no meeting booked for INC-1"):
        exports.find("ics").export(service.read, incident.id, process=None, now=clock.now())


def test_a_format_that_needs_the_process_is_not_rendered_without_it(service, clock, incident):
    with pytest.raises(TypeError, match="needs the process"):
        exports.find("md").export(service.read, incident.id, process=None, now=clock.now())


def test_the_cli_reads_its_choices_and_help_from_the_registry(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "export", "-h")
    out = "".join(capsys.readouterr().out.split())  # the help is wrapped to the terminal
    for exporter in exports.every():
        assert "".join(f"{exporter.name}: {exporter.description}".split()) in out
    with pytest.raises(SystemExit) as stop:
        run(capsys, "export", "INC-1", "--format", "docx")
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    choices = err.split("choose from", 1)[1]
    assert all(name in choices for name in exports.names())


def test_the_readme_names_only_formats_there_are_and_lists_none_of_its_own():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"--format ([A-Za-z|]+)", readme)
    assert "FORMAT" in named and "json" in named  # the list itself is `export -h`'s
    assert all(name in exports.names() for name in named if name != "FORMAT")


def test_a_pdf_needs_a_file_and_goes_to_one_privately(capsys, clock, incident, tmp_path):
    code, out, err = run(capsys, "export", "INC-1", "--format", "pdf", clock=clock)
    assert (code, out) == (2, "") and "the pdf export needs a file: add -o FILE" in err
    target = tmp_path / "pm.pdf"
    code, out, _ = run(capsys, "export", "INC-1", "--format", "pdf", "-o", str(target), clock=clock)
    assert (code, out) == (0, f"wrote {target}\n")
    assert READ_BACK["pdf"](target.read_bytes()) and oct(target.stat().st_mode & 0o777) == "0o600"


# -- a format another package registers --------------------------------------------------------


def _install(folder: Path, name: str, module: str, target: str) -> None:
    """A real distribution in `folder`: its metadata with one exporter entry point, its module.
    The folder goes on `sys.path`; the module leaves `sys.modules` when the test ends."""
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{plugins.EXPORTERS}]\n{target}\n")
    (folder / f"{name}.py").write_text(textwrap.dedent(module))


TEXT_PLUGIN = """
    from console.exports import Exporter

    def _render(reader, incident_id, process, now):
        reader.incidents.get(incident_id)  # NotFound for an unknown incident
        return "".join(f"{e.text}\\n" for e in reader.timeline.all(incident_id))

    EXPORTER = Exporter("txt", ".txt", "the timeline as plain lines", _render)
    NOT_ONE = "a string"
"""


def test_a_registered_format_is_everywhere_without_touching_the_core(capsys, clock, incident, site):
    _install(site, "incident_console_txt", TEXT_PLUGIN, "txt = incident_console_txt:EXPORTER")
    assert exports.names() == ["json", "md", "html", "csv", "ics", "pdf", "txt"]
    assert exports.every()[-1].name == "txt"
    code, out, _ = run(capsys, "export", "INC-1", "--format", "txt", clock=clock)
    assert code == 0 and HOSTILE in out.splitlines()
    with pytest.raises(SystemExit):
        run(capsys, "export", "-h")
    assert "txt:thetimelineasplainlines" in "".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("target, problem", [
    ("broken = incident_console_txt:NOT_ONE", "registered as 'a string', not an Exporter named 'broken'"),
    ("wrong = incident_console_txt:EXPORTER", "not an Exporter named 'wrong'"),
    ("gone = incident_console_gone:EXPORTER", "'gone' (incident_console_gone:EXPORTER) will not load"),
])
def test_a_broken_registration_is_one_line_naming_it(capsys, clock, incident, site, target, problem):
    _install(site, "incident_console_txt", TEXT_PLUGIN, target)
    name = target.split(" = ")[0]
    with pytest.raises(NotInstalled, match=re.escape(problem)):
        exports.find(name)
    code, out, err = run(capsys, "export", "INC-1", "--format", name, clock=clock)
    assert (code, out) == (1, "") and problem in err and err.count("\n") == 1
    with pytest.raises(NotInstalled):
        exports.every()  # the window says so under the note box


def test_a_registered_format_may_not_replace_a_built_in_one(site):
    _install(site, "incident_console_txt", TEXT_PLUGIN, "json = incident_console_txt:EXPORTER")
    assert exports.find("json") is exports.BUILT_IN[0]
    with pytest.raises(NotInstalled, match="json registered over the built-in ones"):
        exports.every()
