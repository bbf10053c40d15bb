"""`incident-console people import FILE` (CSV, vCard) and `people [QUERY]`: the whole file or
nothing, one line naming the line and column that is wrong, re-imports that update and never
duplicate, and the handbook's "who" (`!ic who`, `!ic responders`) answered from the directory."""

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import run

CSV = (
    "Name,E-mail,Chat handle,Team,On call,Phone\n"
    "Ana Alvarez,ana@example.com,@ana,payments,yes,+44 20 7946 0001\n"
    "Ben Okafor,ben@example.com,ben,database,no,\n"
    '"Chen, Cy",cy@example.com,cy,payments,1,\n'
)
VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dee Patel\r\nN:Patel;Dee;;;\r\nEMAIL;TYPE=work:dee@example.com\r\n"
    "ORG:Elimu;Storage\r\nIMPP:slack:dee\r\nX-ON-CALL:yes\r\nTEL;TYPE=cell:+1 555 0100\r\n"
    "NOTE:a folded\r\n  note line\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana Alvarez\r\nEMAIL:ana@example.com\r\nX-TEAM:checkout\r\nEND:VCARD\r\n"
)


def people(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT name, email, handle, team, on_call, phone FROM people ORDER BY name").fetchall()
    finally:
        conn.close()


def test_import_a_csv_then_again_then_a_vcard(capsys, tmp_path, where):
    (tmp_path / "people.csv").write_text(CSV)
    code, out, err = run(capsys, "people", "import", str(tmp_path / "people.csv"))
    assert (code, out, err) == (0, f"{tmp_path / 'people.csv'}: 3 added, 0 updated, 0 unchanged\n", "")
    assert run(capsys, "people", "import", str(tmp_path / "people.csv"))[1].endswith("0 added, 0 updated, 3 unchanged\n")
    (tmp_path / "people.vcf").write_text(VCF)
    assert run(capsys, "people", "import", str(tmp_path / "people.vcf"))[1].endswith("1 added, 1 updated, 0 unchanged\n")
    assert people(where.db_path) == [
        ("Ana Alvarez", "ana@example.com", "ana", "checkout", 1, "+44 20 7946 0001"),
        ("Ben Okafor", "ben@example.com", "ben", "database", 0, None),
        ("Chen, Cy", "cy@example.com", "cy", "payments", 1, None),
        ("Dee Patel", "dee@example.com", "dee", "Storage", 1, "+1 555 0100"),
    ]


def test_who_answers_from_the_directory(capsys, tmp_path):
    (tmp_path / "people.csv").write_text(CSV)
    run(capsys, "people", "import", str(tmp_path / "people.csv"))
    code, out, _ = run(capsys, "people")
    assert code == 0 and out.splitlines() == [
        "Ana Alvarez  payments  on call  @ana  ana@example.com  +44 20 7946 0001",
        "Ben Okafor   database           @ben  ben@example.com",
        "Chen, Cy     payments  on call  @cy   cy@example.com",
    ]
    assert run(capsys, "people", "@ben")[1] == "Ben Okafor  database  @ben  ben@example.com\n"
    assert [p["name"] for p in json.loads(run(capsys, "people", "payments", "--json")[1])] == ["Ana Alvarez", "Chen, Cy"]
    assert [p["name"] for p in json.loads(run(capsys, "people", "--on-call", "--json")[1])] == ["Ana Alvarez", "Chen, Cy"]
    assert json.loads(run(capsys, "people", "ana@example.com", "--json")[1]) == [
        {"name": "Ana Alvarez", "email": "ana@example.com", "handle": "ana", "team": "payments", "on_call": True,
         "phone": "+44 20 7946 0001"}]
    assert run(capsys, "people", "zed") == (1, "", "incident-console: nobody in the directory matches 'zed'\n")
    assert run(capsys, "people", "database", "--on-call") == (
        1, "", "incident-console: nobody in the directory matches 'database' and is on call\n")
    assert run(capsys, "people", "zed", "--json") == (0, "[]\n", "")


def test_an_empty_directory_says_how_to_fill_it(capsys):
    assert run(capsys, "people") == (1, "", "incident-console: the directory is empty: incident-console people import FILE\n")


BAD = {
    "bad e-mail": ("p.csv", "Name,Email\nAna,ana@example.com\nBen,not-an-address\n",
                   "p.csv line 3, column 2 (email): e-mail 'not-an-address' is not an address"),
    "unknown column": ("p.csv", "Name,Pager\nAna,1\n", "p.csv line 1, column 2: 'Pager' is not one of: name, email"),
    "no name column": ("p.csv", "Email,Team\na@example.com,x\n", "p.csv line 1: no name column"),
    "column twice": ("p.csv", "Name,Mail,E-mail\nA,a@x.org,b@x.org\n", "p.csv line 1, column 3: email is named twice"),
    "too many cells": ("p.csv", "Name,Email\nAna,a@example.com,x\n", "p.csv line 2: 3 cells, but the header has 2"),
    "open quote": ("p.csv", 'Name,Email\n"Ana,a@example.com\n', "p.csv line 2: not CSV"),
    "empty name": ("p.csv", "Name,Team\nAna,x\n ,y\n", "p.csv line 3, column 1 (name): name is empty"),
    "bad on call": ("p.csv", "Name;On call\nAna;maybe\n", "p.csv line 2, column 2 (on_call): on call 'maybe' is not yes or no"),
    "same person twice": ("p.csv", "Name,Email\nAna,a@example.com\nAnna,A@example.com\n",
                          "p.csv line 3: a@example.com is also "),
    "header only": ("p.csv", "Name,Email\n", "p.csv: no people after the header line"),
    "empty file": ("p.csv", "", "p.csv: empty"),
    "NUL": ("p.csv", "Name\nA\x00na\n", "p.csv: has a NUL byte"),
    "not UTF-8": ("p.csv", b"Name\nJos\xe9\n", "not valid UTF-8 (line 2"),
    "unclosed card": ("p.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\n", "p.vcf: not a vCard file"),
    "card bad e-mail": ("p.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEMAIL:ana\nEND:VCARD\n",
                        "p.vcf card 1 (EMAIL): e-mail 'ana' is not an address"),
    "card no name": ("p.vcf", "BEGIN:VCARD\nVERSION:3.0\nEMAIL:a@example.com\nEND:VCARD\n",
                     "p.vcf card 1 (FN): the name is missing"),
    "not a card": ("p.vcf", "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "p.vcf: card 1 is a VCALENDAR"),
    "no cards": ("p.vcf", "\n", "p.vcf: no cards"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_is_one_line_exit_2_and_nothing_written(capsys, tmp_path, where, case):
    (tmp_path / "ok.csv").write_text("Name,Email\nZoe,zoe@example.com\n")
    run(capsys, "people", "import", str(tmp_path / "ok.csv"))
    before = people(where.db_path)
    name, content, message = BAD[case]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run(capsys, "people", "import", str(path))
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("incident-console: error: ") and message in err, err
    assert people(where.db_path) == before


@pytest.mark.parametrize("argv", [["people", "import"], ["people", "import", "a.csv", "b.csv"],
                                  ["people", "import", "a.csv", "--json"]])
def test_import_takes_one_file(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
