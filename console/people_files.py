"""Reading a file of people for the directory: CSV with a header row, or vCard (.vcf).

    rows, where = read_people(path)      # rows for People.put; where(n) names row n in the file

CSV: the first row names the columns, in any order and any case: `name` (required), `email`
(or `e-mail`, `mail`), `handle` (or `chat`, `chat handle`, `slack`), `team`, `on call` (or
`on_call`, `oncall`: yes/no, true/false, 1/0; empty is no) and `phone`. A column the file does
not have leaves that field of a person already in the directory as it was; an empty cell
clears it. Commas, semicolons or tabs separate the cells (whichever the header row uses).

vCard (3.0 or 4.0, read with the `vobject` library): FN (else N) is the name, the first EMAIL
the e-mail, IMPP (its address without the scheme) else NICKNAME the chat handle, X-TEAM else
the second unit of ORG (`ORG:Elimu;Payments`) the team, X-ON-CALL whether on call, the first
TEL the phone.

Any mistake is one InputError naming the file, the line (CSV) or card (vCard), and the column
or field: the whole file is refused and nothing is written.
"""

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

from console import paths
from console.errors import InputError
from console.people import FieldError, clean_person

MAX_BYTES = 10_000_000  # a directory of 100,000 people is about 10 MB of CSV

_COLUMNS = {
    "name": "name", "full name": "name",
    "email": "email", "e-mail": "email", "mail": "email", "email address": "email",
    "handle": "handle", "chat": "handle", "chat handle": "handle", "slack": "handle",
    "team": "team",
    "on call": "on_call", "oncall": "on_call", "on-call": "on_call",
    "phone": "phone", "telephone": "phone",
}
_SHOWN = "name, email, handle, team, on call, phone"


def read_people(path: str | os.PathLike[str]) -> tuple[list[dict], Callable[[int], str]]:
    """The people in the file at `path` (CSV, or vCard when it ends in .vcf/.vcard or starts
    with BEGIN:VCARD), each checked; and how to name row n of it in a message."""
    label = os.fsdecode(path)
    text = paths.read_text(path, "people file", max_bytes=MAX_BYTES)
    if Path(label).suffix.lower() in (".vcf", ".vcard") or text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return _read_vcards(text, label)
    return _read_csv(text, label)


# -- CSV ---------------------------------------------------------------------------------------

def _read_csv(text: str, label: str) -> tuple[list[dict], Callable[[int], str]]:
    if "\x00" in text:
        raise InputError(f"{label}: has a NUL byte; is it really CSV?")
    header_line = text.split("\n", 1)[0]
    delimiter = next((d for d in (",", ";", "\t") if d in header_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InputError(f"{label}: empty; the first line names the columns ({_SHOWN})")
        fields = []
        for number, cell in enumerate(header, start=1):
            field = _COLUMNS.get(" ".join(cell.casefold().replace("_", " ").split()))
            if field is None:
                shown = cell.strip()[:40]
                raise InputError(f"{label} line 1, column {number}: {shown!r} is not one of: {_SHOWN}")
            if field in fields:
                raise InputError(f"{label} line 1, column {number}: {field} is named twice")
            fields.append(field)
        if "name" not in fields:
            raise InputError(f"{label} line 1: no name column (the columns are: {_SHOWN})")
        rows, lines = [], []
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(fields):
                raise InputError(f"{label} line {line}: {len(cells)} cells, but the header has {len(fields)}")
            row = dict(zip(fields, cells, strict=True))
            try:
                clean_person(row)
            except FieldError as exc:
                column = fields.index(exc.field) + 1
                raise InputError(f"{label} line {line}, column {column} ({exc.field}): {exc}") from None
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        raise InputError(f"{label} line {reader.line_num}: not CSV ({exc})") from None
    if not rows:
        raise InputError(f"{label}: no people after the header line")
    return rows, lambda n: f"{label} line {lines[n - 1]}"


# -- vCard -------------------------------------------------------------------------------------

def _read_vcards(text: str, label: str) -> tuple[list[dict], Callable[[int], str]]:
    import vobject  # only a vCard import pays for it

    rows: list[dict] = []
    try:
        for card in vobject.readComponents(text, validate=False, ignoreUnreadable=False):
            number = len(rows) + 1
            if card.name != "VCARD":
                raise InputError(f"{label}: card {number} is a {card.name[:20]}, not a VCARD")
            row = _card_row(card)
            try:
                clean_person(row)
            except FieldError as exc:
                raise InputError(f"{label} card {number} ({_vcard_field(exc.field)}): {exc}") from None
            rows.append(row)
    except InputError:
        raise
    except vobject.base.ParseError as exc:
        raise InputError(f"{label}: not a vCard file ({' '.join(str(exc).split())[:120]})") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, UnicodeError) as exc:
        raise InputError(f"{label} card {len(rows) + 1}: cannot be read ({type(exc).__name__})") from None
    if not rows:
        raise InputError(f"{label}: no cards (BEGIN:VCARD … END:VCARD)")
    return rows, lambda n: f"{label} card {n}"


_VCARD_FIELDS = {"name": "FN", "email": "EMAIL", "handle": "IMPP or NICKNAME", "team": "X-TEAM or ORG",
                 "on_call": "X-ON-CALL", "phone": "TEL"}


def _vcard_field(field: str) -> str:
    return _VCARD_FIELDS.get(field, field)


def _first(card, key: str):
    lines = card.contents.get(key) or []
    return lines[0].value if lines else None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v)
    return str(value)


def _card_row(card) -> dict:
    row: dict = {}
    name = _text(_first(card, "fn"))
    if not (name and name.strip()):
        n = _first(card, "n")
        if n is not None and hasattr(n, "given"):
            name = " ".join(filter(None, (_text(n.given), _text(n.family))))
    row["name"] = name
    if "email" in card.contents:
        row["email"] = _text(_first(card, "email"))
    impp = _text(_first(card, "impp"))
    if impp:
        row["handle"] = impp.split(":", 1)[-1]
    elif "nickname" in card.contents:
        row["handle"] = _text(_first(card, "nickname"))
    org = _first(card, "org")
    if "x-team" in card.contents:
        row["team"] = _text(_first(card, "x-team"))
    elif isinstance(org, (list, tuple)) and len(org) > 1:
        row["team"] = _text(org[1])
    if "x-on-call" in card.contents:
        row["on_call"] = _text(_first(card, "x-on-call"))
    if "tel" in card.contents:
        row["phone"] = _text(_first(card, "tel"))
    return row
