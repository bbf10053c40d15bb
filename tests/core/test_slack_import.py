"""Slack import: one channel of a workspace export (zip or folder, built by code in
tests/slack_fixture.py) becomes timeline entries - authors through users.json and the people
directory, `ts` as when it happened, threads with their parent, markup readable, the command
language's prefixes honoured, joins/bots/hidden left out and counted - and importing twice
adds nothing. --dry-run writes nothing. Hostile exports: one line, exit 2, nothing written."""

import json
import os
import sqlite3
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests import slack_fixture
from tests.helpers import run
from tests.slack_fixture import MESSAGES, USERS, realistic, ts, write_export, zip_of

AFTER = datetime(2026, 3, 31, 9, 0, tzinfo=timezone.utc)  # the import runs after the incident
PEOPLE = "Name,E-mail,Chat handle,Team,On call\nAna Alvarez,ana@example.com,@ana,payments,yes\nBen Okafor,,ben,database,no\n"


@pytest.fixture
def incident(capsys, clock, tmp_path):
    """INC-1 declared just before the channel's first message; the clock moved on to AFTER."""
    clock.current = datetime(2026, 3, 29, 13, 50, tzinfo=timezone.utc)
    assert run(capsys, "declare", "Checkout down", "--sev", "2", clock=clock)[0] == 0
    clock.current = AFTER
    return clock


def entries(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT occurred_at, kind, author, text, recorded_at FROM entries "
                            "WHERE uid LIKE 'slack:%' ORDER BY occurred_at, id").fetchall()
    finally:
        conn.close()


def everything(db: Path) -> list:
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(t, conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
    finally:
        conn.close()


def test_a_channel_becomes_the_timeline_it_was(capsys, incident, tmp_path, where):
    (tmp_path / "people.csv").write_text(PEOPLE)
    assert run(capsys, "people", "import", str(tmp_path / "people.csv"))[0] == 0
    export = realistic(tmp_path)
    code, out, err = run(capsys, "import", "slack", str(export), "--channel", "inc-checkout", "INC-1", clock=incident)
    assert (code, err) == (0, "")
    assert out == ("added to INC-1: #inc-checkout: 8 entries; left out: bots 1, hidden 1, joins/leaves 3\n")
    recorded = "2026-03-31T09:00:00.000Z"
    assert entries(where.db_path) == [
        ("2026-03-29T13:56:00.000Z", "note", "Ana Alvarez", "Checkout errors at 40% & rising, @here please join", recorded),
        ("2026-03-29T13:57:00.000Z", "finding", "Ben Okafor",
         "db-2 replica lag is 40s, see the dashboard (https://grafana.example/d/db)", recorded),
        ("2026-03-29T13:58:00.000Z", "note", "Cy Chen",
         "Reply to Ben Okafor (13:57:00Z): @Ben Okafor lag on db-3 too? <5s here", recorded),
        ("2026-03-29T14:01:00.000Z", "decision", "Ana Alvarez", "roll back deploy 4121 in #inc-checkout", recorded),
        ("2026-03-29T14:02:00.000Z", "note", "Ben Okafor", "/sev 1 ?", recorded),  # said, not run
        ("2026-03-29T14:03:00.000Z", "note", "Cy Chen",
         "error graph\n[file: errors.png] https://acme.slack.com/files/U03CY/F01/errors.png", recorded),
        # Filed by Slack under 2026-03-30, said on the 29th: sorted by ts, the day file ignored.
        ("2026-03-29T23:59:30.000Z", "note", "Ben Okafor", "mail oncall@example.com if it comes back", recorded),
        ("2026-03-29T23:59:30.000Z", "note", "Ana Alvarez", "thanks all", recorded),
    ]
    # The severity was not changed by "/sev 1 ?" in chat.
    assert json.loads(run(capsys, "show", "INC-1", "--json")[1])["severity"] == 2
    # Twice, and from the unpacked folder by channel id: nothing more.
    before = everything(where.db_path)
    code, out, _ = run(capsys, "import", "slack", str(tmp_path / "export"), "--channel", "C01CHECKOUT", "INC-1",
                       clock=incident)
    assert code == 0 and "0 entries; 8 already imported" in out
    assert everything(where.db_path) == before


def test_without_the_directory_the_exports_own_names_are_used(capsys, incident, tmp_path, where):
    run(capsys, "import", "slack", str(realistic(tmp_path)), "--channel", "#inc-checkout", "INC-1", clock=incident)
    authors = [row[2] for row in entries(where.db_path)]
    assert authors == ["Ana A.", "Benjamin Okafor", "Cy Chen", "Ana A.", "Benjamin Okafor", "Cy Chen",
                       "Benjamin Okafor", "Ana A."]
    assert entries(where.db_path)[2][3].startswith("Reply to Benjamin Okafor (13:57:00Z): @Benjamin Okafor")


def test_a_dry_run_prints_what_would_be_added_and_writes_nothing(capsys, incident, tmp_path, where):
    export = realistic(tmp_path)
    before = everything(where.db_path)
    code, out, err = run(capsys, "import", "slack", str(export), "--channel", "inc-checkout", "INC-1", "--dry-run",
                         clock=incident)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "INC-1 2026-03-29T13:56:00.000Z [note] Ana A.: Checkout errors at 40% & rising, @here please join"
    assert "INC-1 2026-03-29T14:01:00.000Z [decision] Ana A.: roll back deploy 4121 in #inc-checkout" in lines
    assert lines[-1] == "would add to INC-1: #inc-checkout: 8 entries; left out: bots 1, hidden 1, joins/leaves 3"
    assert everything(where.db_path) == before
    # Then for real, then a dry run again: nothing left to add.
    run(capsys, "import", "slack", str(export), "--channel", "inc-checkout", "INC-1", clock=incident)
    out = run(capsys, "import", "slack", str(export), "--channel", "inc-checkout", "INC-1", "--dry-run",
              clock=incident)[1]
    assert out == "would add to INC-1: #inc-checkout: 0 entries; 8 already imported; left out: bots 1, hidden 1, joins/leaves 3\n"


def test_new_messages_of_a_later_export_are_added_and_only_they(capsys, incident, tmp_path, where):
    first = zip_of(write_export(tmp_path / "first", messages=MESSAGES[:5]), tmp_path / "first.zip")
    run(capsys, "import", "slack", str(first), "--channel", "inc-checkout", "INC-1", clock=incident)
    assert len(entries(where.db_path)) == 3
    out = run(capsys, "import", "slack", str(realistic(tmp_path)), "--channel", "inc-checkout", "INC-1",
              clock=incident)[1]
    assert out.startswith("added to INC-1: #inc-checkout: 5 entries; 3 already imported;")
    assert len(entries(where.db_path)) == 8


def test_the_same_export_in_another_incident_is_imported_there_too(capsys, incident, tmp_path, where):
    export = realistic(tmp_path)
    run(capsys, "declare", "Second incident", clock=incident)
    for ref in ("INC-1", "INC-2", "INC-1"):
        run(capsys, "import", "slack", str(export), "--channel", "inc-checkout", ref, clock=incident)
    assert len(entries(where.db_path)) == 16


def test_a_team_gets_the_imported_entries_once_each(tmp_path):
    from console.commands import Language
    from console.service import IncidentService
    from console.slack_export import SlackExport
    from tests.conftest import FakeClock
    from tests.team.memory_exchange import MemoryExchange

    ana = IncidentService.open(tmp_path / "ana.sqlite3", FakeClock(AFTER))
    ben = IncidentService.open(tmp_path / "ben.sqlite3", FakeClock(AFTER))
    try:
        for console in (ana, ben):
            console.sync.join("memory")
        incident = ana.incidents.declare("Checkout down", by="Ana", severity=2).incident
        with SlackExport.open(realistic(tmp_path)) as export:
            ana.chat_import.write(ana.chat_import.plan(incident.id, export, "inc-checkout", Language.default()))
        exchange = MemoryExchange()
        exchange.sync("ana", ana)
        exchange.sync("ben", ben)
        here = ben.read.incidents.all()[0].id
        theirs = [(e.occurred_at, e.kind, e.author, e.text) for e in ben.read.timeline.all(here) if e.uid.startswith("slack:")]
        mine = [(e.occurred_at, e.kind, e.author, e.text) for e in ana.read.timeline.all(incident.id) if e.uid.startswith("slack:")]
        assert theirs == mine and len(mine) == 8
        # Ben imports the same export after syncing: nothing new.
        with SlackExport.open(tmp_path / "export") as export:
            plan = ben.chat_import.plan(here, export, "inc-checkout", Language.default())
        assert (len(plan.entries), plan.already) == (0, 8)
    finally:
        ana.close()
        ben.close()


# -- hostile exports ---------------------------------------------------------------------------

def _zip(target: Path, members: dict) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
        for name, data in members.items():
            packed.writestr(name, data if isinstance(data, bytes) else json.dumps(data))
    return target


GOOD = {"users.json": USERS, "channels.json": slack_fixture.CHANNELS}
MESSAGE = {"type": "message", "user": "U01ANA", "ts": ts(14, 0), "text": "hi"}


def _hostile(tmp_path: Path, name: str) -> str:
    """Each hostile export by name, made in `tmp_path`; its path."""
    day = "inc-checkout/2026-03-29.json"
    cases = {
        "no users.json": {"channels.json": slack_fixture.CHANNELS, day: [MESSAGE]},
        "no channels.json": {"users.json": USERS, day: [MESSAGE]},
        "users not a list": {**GOOD, "users.json": {"U1": "Ana"}},
        "user id a number": {**GOOD, "users.json": [{"id": 7, "name": "x"}]},
        "bad JSON": {**GOOD, day: b'[{"type": "message", "ts": '},
        "not UTF-8": {**GOOD, day: b'[{"text": "caf\xe9"}]'},
        "deep JSON": {**GOOD, day: b"[" * 100_000 + b"]" * 100_000},
        "ts a number": {**GOOD, day: [{**MESSAGE, "ts": 1774792680.0}]},
        "ts not a timestamp": {**GOOD, day: [{**MESSAGE, "ts": "yesterday"}]},
        "ts far future": {**GOOD, day: [{**MESSAGE, "ts": "9999999999.000000"}]},
        "text a list": {**GOOD, day: [{**MESSAGE, "text": ["a"]}]},
        "files not a list": {**GOOD, day: [{**MESSAGE, "files": "x"}]},
        "messages not a list": {**GOOD, day: {"ts": ts(14, 0)}},
        "path traversal": {**GOOD, "../evil.json": [MESSAGE], day: [MESSAGE]},
        "absolute name": {**GOOD, "/etc/evil.json": [MESSAGE]},
        "no such channel": {**GOOD},
    }
    if name == "not a zip":
        (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
        return str(tmp_path / "x.zip")
    if name == "zip bomb":
        target = tmp_path / "bomb.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
            packed.writestr("users.json", json.dumps(USERS))
            packed.writestr("channels.json", json.dumps(slack_fixture.CHANNELS))
            with packed.open(day, "w") as member:  # 60 MB of spaces inflates from ~60 KB
                block = b" " * (1 << 20)
                for _ in range(60):
                    member.write(block)
        assert target.stat().st_size < 1_000_000
        return str(target)
    if name == "duplicate member":
        target = tmp_path / "dup.zip"
        with zipfile.ZipFile(target, "w") as packed:
            packed.writestr("users.json", json.dumps(USERS))
            packed.writestr("channels.json", json.dumps(slack_fixture.CHANNELS))
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                packed.writestr(day, json.dumps([MESSAGE]))
                packed.writestr(day, json.dumps([{**MESSAGE, "text": "the other one"}]))
        return str(target)
    if name == "folder link outside":
        folder = write_export(tmp_path / "linked")
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "2026-03-29.json").write_text(json.dumps([MESSAGE]))
        for child in (folder / "inc-checkout").iterdir():
            child.unlink()
        (folder / "inc-checkout" / "2026-03-29.json").symlink_to(outside / "2026-03-29.json")
        return str(folder)
    if name == "a FIFO":
        os.mkfifo(tmp_path / "fifo.zip")
        return str(tmp_path / "fifo.zip")
    if name == "missing":
        return str(tmp_path / "nowhere.zip")
    return str(_zip(tmp_path / "hostile.zip", cases[name]))


HOSTILE = {
    "no users.json": "no users.json", "no channels.json": "no channels.json",
    "users not a list": "users.json: not a list of users", "user id a number": "users.json: user 1: id is not text",
    "bad JSON": "inc-checkout/2026-03-29.json: not JSON (line 1", "not UTF-8": "not valid UTF-8",
    "deep JSON": "nested too deeply",
    "ts a number": "message 1: ts '1774792680.0' is not a Slack timestamp",
    "ts not a timestamp": "message 1: ts 'yesterday' is not a Slack timestamp",
    "ts far future": "is in the future", "text a list": "message 1: text is not text",
    "files not a list": "files is not a list", "messages not a list": "not a list of messages",
    "path traversal": "'../evil.json' would leave the export", "absolute name": "would leave the export",
    "no such channel": "no channel 'nope'; it has: general, inc-checkout",
    "not a zip": "not a zip file", "zip bomb": "too big", "duplicate member": "is in it twice",
    "folder link outside": "is a link to outside the export", "a FIFO": "not a regular file or folder",
    "missing": "No such file",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_export_is_one_line_exit_2_and_nothing_written(capsys, incident, tmp_path, where, name):
    path = _hostile(tmp_path, name)
    channel = "nope" if name == "no such channel" else "inc-checkout"
    before = everything(where.db_path)
    code, out, err = run(capsys, "import", "slack", path, "--channel", channel, "INC-1", clock=incident)
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("incident-console: error: ")
    assert HOSTILE[name] in err, err
    assert everything(where.db_path) == before


def test_a_member_whose_declared_size_lies_cannot_inflate_past_it(tmp_path, capsys, incident, where):
    """zipfile stops at the size the directory declares and checks the CRC: a member that says
    it is small but inflates to more is refused, not read on."""
    target = _zip(tmp_path / "liar.zip", {**GOOD, "inc-checkout/2026-03-29.json": b" " * 5_000_000 + b"[]"})
    data = bytearray(target.read_bytes())
    name = b"inc-checkout/2026-03-29.json"
    central = data.rfind(b"PK\x01\x02", 0, data.rindex(name))  # the member's central directory record
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size: 100 bytes
    target.write_bytes(bytes(data))
    before = everything(where.db_path)
    code, out, err = run(capsys, "import", "slack", str(target), "--channel", "inc-checkout", "INC-1", clock=incident)
    assert code == 2 and "cannot be read" in err and err.count("\n") == 1, err
    assert everything(where.db_path) == before
