"""The export formats, declared once: one `Exporter` each.

The CLI's `export --format` (its choices and its help) and the window's "export everything"
are read from here, and the tests hold the README's list to it. An exporter renders one
incident from a read-only view of the store - a `Reader`, the loaded process (for the formats
that say `needs_process`) and the time now - into text, or bytes for a `binary` format. It
writes nothing: the caller writes the result through `write` (the CLI) or
`console.files.write_private` (the window), atomically and privately.

The formats the core can render are `BUILT_IN`. One that needs more than the core - the PDF,
laid out by Qt's printing - lives with what it needs and registers its `Exporter` as an entry
point in the `incident_console.exporters` group (`pyproject.toml`), so the core never names it.
Entry points are read only for a name that is not built in, or when every format is asked for.

Adding a format is one `Exporter` here (or an entry point) and a test.
"""

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console import plugins
from console.errors import InputError, NotInstalled

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process
    from console.queries import Reader

# render(reader, incident_id, process, now): `process` is None unless the exporter needs it.
Render = Callable[["Reader", int, "Process | None", datetime], "str | bytes"]


@dataclass(frozen=True)
class Exporter:
    name: str  # the `--format` value
    suffix: str  # the file's suffix, with its dot
    description: str  # one line, for the CLI's help
    render: Render
    binary: bool = False  # bytes; else text, written as UTF-8
    needs_file: bool = False  # never to a terminal by accident: `-o FILE` (`-o -` on purpose)
    needs_process: bool = False  # rendered from the process definition (the post-mortem template)

    def export(self, reader: "Reader", incident_id: int, *, process: "Process | None",
               now: datetime) -> str | bytes:
        """The incident in this format. NotFound for an unknown incident; NothingToExport
        when the incident has nothing in this format yet."""
        if self.needs_process and process is None:
            raise TypeError(f"the {self.name} export needs the process")
        result = self.render(reader, incident_id, process, now)
        if isinstance(result, bytes) != self.binary:
            raise TypeError(f"the {self.name} export rendered {type(result).__name__}")
        return result


# The renderers are imported when a format is rendered, not when the CLI builds its parser.

def _json(reader, incident_id, process, now) -> str:
    from console.incident_json import to_json

    return to_json(reader, incident_id, signed=True, process=process)


DRILL_MARK = "DRILL - a training exercise, not a real incident."


def _markdown(reader, incident_id, process, now) -> str:
    from console import postmortem

    text = postmortem.markdown_file(postmortem.current_text(reader, process, incident_id, now=now))
    incident = reader.incidents.get(incident_id)
    # A drill's post-mortem says so before anything else, whatever its saved text says.
    text = f"**{DRILL_MARK}**\n\n{text}" if incident.drill else text
    if incident.security:  # its marking heads it and closes it (console.security)
        mark = f"**{security_mark(incident, process)}**\n\n"
        return mark + text + chain_footer(reader, incident_id) + "\n" + mark
    return text + chain_footer(reader, incident_id)


def security_mark(incident, process) -> str:
    """The line that heads and ends every page of a security incident's documents."""
    from console.security import marking

    return f"{marking(process)} - {incident.shown_title}"


def chain_footer(reader, incident_id) -> str:
    """The record chain's head, signed where it can be, under a rule at the end of the post-mortem
    (so the HTML page and the PDF print it too): what a copy is checked against later."""
    from console import chain_seal

    return f"\n---\n\n{chain_seal.line(chain_seal.block(reader.chain.head(incident_id)))}\n"


def _html(reader, incident_id, process, now) -> str:
    from console.postmortem_html import postmortem_html

    incident = reader.incidents.get(incident_id)
    drill = "DRILL: " if incident.drill else ""
    return postmortem_html(_markdown(reader, incident_id, process, now),
                           title=f"{drill}Post-mortem: {incident.ref} {incident.shown_title}",
                           running=security_mark(incident, process) if incident.security else None)


def _csv(reader, incident_id, process, now) -> str:
    from console.incident_json import to_document
    from console.timeline_csv import timeline_csv

    return timeline_csv(to_document(reader, incident_id, process))


def _ics(reader, incident_id, process, now) -> str:
    from console.postmortem import invitation

    incident = reader.incidents.get(incident_id)
    # A security incident's invitation is titled with its marking alone, like its e-mails.
    return invitation(reader, incident_id, now=now,
                      marking=security_mark(incident, process) if incident.security else None)


BUILT_IN = (
    Exporter("json", ".json", "the whole incident as JSON (format incident-console/1)", _json),
    Exporter("md", ".md", "the post-mortem as Markdown (the saved text, else a draft)", _markdown,
             needs_process=True),
    Exporter("html", ".html", "the post-mortem as one printable HTML page", _html, needs_process=True),
    Exporter("csv", ".csv", "the timeline as CSV (RFC 4180), for spreadsheets", _csv),
    Exporter("ics", ".ics", "the post-mortem meeting's calendar invitation (once one is booked)", _ics),
)


def _built_in(name: str) -> Exporter | None:
    return next((exporter for exporter in BUILT_IN if exporter.name == name), None)


def _registered(name: str) -> Exporter:
    """The exporter registered as `name` in the entry points, or NotInstalled."""
    found = plugins.load(plugins.EXPORTERS, name)
    if not isinstance(found, Exporter) or found.name != name:
        raise NotInstalled(f"the export format {name!r} is registered as {found!r}, "
                           f"not an Exporter named {name!r}")
    return found


def names() -> list[str]:
    """Every format's name, built-in first; registered ones are not loaded."""
    built_in = [exporter.name for exporter in BUILT_IN]
    return built_in + [name for name in plugins.names(plugins.EXPORTERS) if name not in built_in]


def find(name: str) -> Exporter:
    """The format called `name`, or InputError naming the ones there are."""
    exporter = _built_in(name)
    if exporter is not None:
        return exporter
    if name in plugins.names(plugins.EXPORTERS):
        return _registered(name)
    raise InputError(f"unknown export format {name!r}: expected one of {', '.join(names())}")


def every() -> list[Exporter]:
    """Every format, built-in first. A registered one that shadows a built-in is refused."""
    shadowing = sorted(set(plugins.names(plugins.EXPORTERS)) & {e.name for e in BUILT_IN})
    if shadowing:
        raise NotInstalled(f"export format(s) {', '.join(shadowing)} registered over the built-in ones")
    return [*BUILT_IN, *(_registered(name) for name in names()[len(BUILT_IN):])]


class Formats:
    """The formats' names, read from the registry only when looked at: the CLI's `--format`
    choices (`in`, iteration) and its help (`str`: each name with its description)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (_built_in(name) is not None or name in names())

    def __iter__(self) -> Iterator[str]:
        return iter(names())

    def __str__(self) -> str:
        described = []
        for name in names():
            try:
                described.append(f"{name}: {find(name).description}")
            except NotInstalled as exc:  # the help still shows, and says what is wrong
                described.append(f"{name}: {exc}")
        return "; ".join(described)


def check_output(exporter: Exporter, output: Path | str | None) -> None:
    """Refuse, before any work, an output `write` could not use: a binary format to a terminal
    by accident, or a target that is not a regular file (`console.files.check_target`)."""
    from console.files import check_target

    if exporter.needs_file and output is None:
        raise InputError(f"the {exporter.name} export needs a file: add -o FILE (or -o - for standard output)")
    if output is not None and str(output) != "-":
        check_target(Path(output))


def write(exporter: Exporter, result: str | bytes, output: Path | str | None) -> None:
    """An export to `output`: standard output for None or "-", else the file, atomically and
    privately (`console.files.write_private`: a regular file or nothing is replaced)."""
    from console.files import write_private

    if output is not None and str(output) != "-":
        write_private(Path(output), result)
    elif exporter.binary:
        sys.stdout.flush()
        sys.stdout.buffer.write(result)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(result)
