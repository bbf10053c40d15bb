"""The scribe's command language: one line in, one entry or one change out.

Parsing is pure, so most of these read lines against the default process's prefixes and a
fixed "now"; the running tests go through the real service and read the file back. Every
refusal is checked to have written nothing.
"""

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console import domain, times
from console.commands import Language, Parsed
from console.errors import InputError, NotFound
from console.process import load_process
from tests.helpers import run

PROCESS = load_process(None)
LANG = Language.from_process(PROCESS)
KINDS = LANG.prefixes
COMMANDS = LANG.verbs.names
NOW = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
LOCAL = timezone(timedelta(hours=2))  # the scribe's zone in these tests: 14:00Z is 16:00 local


def parse(line: str, **kw) -> Parsed:
    return LANG.parse(line, now=NOW, local_tz=LOCAL, **kw)


def parse_line(line: str, *, language: Language = LANG, now: datetime, local_tz=None) -> Parsed:
    return language.parse(line, now=now, local_tz=local_tz)


def format_line(parsed: Parsed, language: Language = LANG) -> str:
    return language.format(parsed)


def complete(text: str, people: list[str]) -> list[str]:
    return LANG.complete(text, people)


def run_line(service, process, incident_id, line, **kw):
    return Language.from_process(process).run(service, incident_id, line, **kw)


def utc(hour: int, minute: int, day: int = 29) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


# -- prefixes -------------------------------------------------------------------------------------


def test_prefixes_come_from_the_entry_kinds_keys():
    assert {key: KINDS[key] for key in ("d", "todo", "f", "n", "sys", "p")} == {
        "d": "decision", "todo": "todo", "f": "finding", "n": "note", "sys": "system", "p": "page",
    }
    assert set(KINDS.values()) == {k["id"] for k in PROCESS.items("entry_kinds")}


def test_an_organisation_that_renames_a_key_changes_the_prefix(tmp_path):
    (tmp_path / "entry_kinds.yaml").write_text("entry_kinds:\n- id: decision\n  key: dec\n")
    lang = Language.from_process(load_process(tmp_path))
    assert parse_line("dec: roll back", language=lang, now=NOW).kind == "decision"
    assert parse_line("d: roll back", language=lang, now=NOW) == Parsed(None, "note", "d: roll back")


# -- entries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, kind, text", [
    ("db-2 replica lag is 40s", "note", "db-2 replica lag is 40s"),
    ("d: roll back deploy 4121", "decision", "roll back deploy 4121"),
    ("D:roll back", "decision", "roll back"),
    ("todo: why did the canary miss it?", "todo", "why did the canary miss it?"),
    ("TODO:   spaces after the colon", "todo", "spaces after the colon"),
    ("f: db-2 lagging (Ben)", "finding", "db-2 lagging (Ben)"),
    ("sys: NORMAL -> degraded", "system", "NORMAL -> degraded"),
    ("pub: status page updated", "comms", "status page updated"),
    ("n: d: a note that starts like a decision", "note", "d: a note that starts like a decision"),
    ("n: /var/log is full", "note", "/var/log is full"),
    # Not keys of the process: the text stays as typed.
    ("http://grafana/d/db", "note", "http://grafana/d/db"),
    ("Note: this is a plain note", "note", "Note: this is a plain note"),
    ("decision: plain too", "note", "decision: plain too"),
    ("d : a space before the colon", "note", "d : a space before the colon"),
    ("@Ana can you look at db-2", "note", "@Ana can you look at db-2"),
    ("! db-2 is down", "note", "! db-2 is down"),
    ("!ic page", "note", "!ic page"),
    ("two\nlines", "note", "two\nlines"),
])
def test_plain_text_and_prefixes(line, kind, text):
    assert parse(line) == Parsed(command=None, kind=kind, text=text, at=None, args={})


def test_control_characters_are_dropped_as_the_store_would():
    assert parse("  db\x00-2 \x07lag\x7f\r  ").text == "db-2 lag"
    assert parse("d:\x00 roll back").text == "roll back"


# -- back-dating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("line, at", [
    ("@13:02 replica lag started", utc(11, 2)),            # HH:MM today, local (+02:00)
    ("@2026-03-29 13:02 replica lag started", utc(11, 2)),  # a date and a time: local
    ("@2026-03-29T13:02 replica lag started", utc(11, 2)),
    ("@2026-03-29 9:02 replica lag started", utc(7, 2)),
    ("@2026-03-28T23:59:30 replica lag started", utc(21, 59, 28).replace(second=30)),
    ("@2026-03-29T13:02Z replica lag started", utc(13, 2)),  # with Z or an offset: as given
    ("@2026-03-29 13:02z replica lag started", utc(13, 2)),
    ("@2026-03-29T15:02+02:00 replica lag started", utc(13, 2)),
    ("@2026-03-29T08:02-0500 replica lag started", utc(13, 2)),
])
def test_back_dating_forms(line, at):
    assert parse(line) == Parsed(None, "note", "replica lag started", at)


def test_the_time_can_come_before_or_after_the_prefix():
    expected = Parsed(None, "decision", "roll back", utc(12, 2))
    assert parse("@14:02 d: roll back") == expected
    assert parse("d: @14:02 roll back") == expected
    assert parse("@14:02   D:roll back") == expected


def test_only_the_first_time_counts():
    parsed = parse("@14:02 d: @14:03 roll back")
    assert (parsed.at, parsed.text) == (utc(12, 2), "@14:03 roll back")


def test_hh_mm_defaults_to_this_machines_zone():
    local = NOW.astimezone() - timedelta(minutes=7)
    parsed = parse_line(f"@{local:%H:%M} x", now=NOW)
    assert parsed.at == local.replace(second=0, microsecond=0).astimezone(timezone.utc)


def test_a_local_date_uses_that_dates_offset():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover - no time zone database
        pytest.skip("no time zone database")
    # Summer time starts in Berlin at 02:00 on 2026-03-29.
    before = parse_line("@2026-03-29 01:30 x", now=NOW, local_tz=berlin)
    after = parse_line("@2026-03-29 03:30 x", now=NOW, local_tz=berlin)
    assert (before.at, after.at) == (utc(0, 30), utc(1, 30))


@pytest.mark.parametrize("line", [
    "@25:00 x", "@14.02 x", "@14:2 x", "@1402 x", "@14:02x", "@2026-03-29 x",
    "@2026-02-30 10:00 x", "@2026-3-29 10:00 x", "@2026-03-29T24:00Z x", "@0001-01-01T00:00+05:00 x",
    "@9999-12-31T23:59-05:00 x", "@2026-03-29T10:00+99:99 x", "d: @7pm x", "/sev @1pm 2",
])
def test_a_malformed_time_says_which_forms_work(line):
    with pytest.raises(InputError) as caught:
        parse(line)
    message = str(caught.value)
    assert message.startswith("bad time '@")
    assert "@HH:MM" in message and "@YYYY-MM-DD HH:MM" in message and "offset" in message


@pytest.mark.parametrize("line", ["@16:30 x", "@2026-03-29 16:30 x", "@2026-03-29T14:30Z x"])
def test_a_time_in_the_future_is_a_typo(line):
    with pytest.raises(InputError, match=r"bad time '@.*': it is in the future \(it is 16:0\d here now, "
                                         r"2026-03-29 14:0\dZ\)$"):
        parse(line)
    assert parse("@16:04 within the five minutes of skew").at == utc(14, 4)


# -- commands -------------------------------------------------------------------------------------


CALL_END = "Call over; continue in the chat room"


@pytest.mark.parametrize("line, expected", [
    ("/sev 1", Parsed("sev", None, "", None, {"level": 1})),
    ("/SEV sev-2", Parsed("sev", None, "", None, {"level": 2})),
    ("/status Mitigated", Parsed("status", None, "", None, {"state": "mitigated"})),
    ("/ic Ana  Alvarez", Parsed("ic", None, "", None, {"role": "ic", "person": "Ana Alvarez", "service": None})),
    ("/deputy Ben", Parsed("deputy", None, "", None, {"role": "deputy", "person": "Ben", "service": None})),
    ("/scribe Cy", Parsed("scribe", None, "", None, {"role": "scribe", "person": "Cy", "service": None})),
    ("/cl Eve", Parsed("cl", None, "", None, {"role": "customer_liaison", "person": "Eve", "service": None})),
    ("/il Fay", Parsed("il", None, "", None, {"role": "internal_liaison", "person": "Fay", "service": None})),
    ("/sme Dee Patel", Parsed("sme", None, "", None,
                              {"role": "sme", "person": "Dee Patel", "service": None})),
    ("/sme Dee Patel (payments)", Parsed("sme", None, "", None,
                                         {"role": "sme", "person": "Dee Patel", "service": "payments"})),
    ("/sme Dee Patel for payments api", Parsed("sme", None, "", None, {
        "role": "sme", "person": "Dee Patel", "service": "payments api"})),
    ("/sme Dee Patel FOR payments (EU)", Parsed("sme", None, "", None, {
        "role": "sme", "person": "Dee Patel FOR payments", "service": "EU"})),
    ("/sme Dee payments", Parsed("sme", None, "", None,
                                 {"role": "sme", "person": "Dee payments", "service": None})),
    ("/task Ana 5m check the replicas", Parsed("task", None, "check the replicas", None,
                                               {"person": "Ana", "minutes": 5})),
    ("/task Ana Alvarez 15 check  the replicas", Parsed("task", None, "check the replicas", None,
                                                       {"person": "Ana Alvarez", "minutes": 15})),
    ("/task Ana 5M roll back 4121 in 10m", Parsed("task", None, "roll back 4121 in 10m", None,
                                                  {"person": "Ana", "minutes": 5})),
    ("/done T3", Parsed("done", None, "", None, {"task_id": 3})),
    ("/done 3", Parsed("done", None, "", None, {"task_id": 3})),
    ("/extend t3 5m", Parsed("extend", None, "", None, {"task_id": 3, "minutes": 5})),
    ("/decision roll back 4121", Parsed("decision", "decision", "roll back 4121", None,
                                        {"objections": None})),
    ("/decision roll back 4121 -- objections: Ben worried about data loss",
     Parsed("decision", "decision", "roll back 4121 -- objections: Ben worried about data loss",
            None, {"objections": "Ben worried about data loss"})),
    ("/todo find out why the canary missed it", Parsed("todo", "todo",
                                                       "find out why the canary missed it")),
    ("/pin", Parsed("pin", None, "", None, {"entry_id": None})),
    ("/pin E12", Parsed("pin", None, "", None, {"entry_id": 12})),
    ("/pin 12", Parsed("pin", None, "", None, {"entry_id": 12})),
    ("/page db-oncall", Parsed("page", "page", "Paged db-oncall", None, {"team": "db-oncall"})),
    ("/page Ben  Okafor", Parsed("page", "page", "Paged Ben Okafor", None, {"team": "Ben Okafor"})),
    ("/update", Parsed("update", None, "", None, {"audience": None})),
    ("/update customers", Parsed("update", None, "", None, {"audience": "customers"})),
    ("/update Executives rollback under way", Parsed("update", None, "rollback under way", None,
                                                     {"audience": "executives"})),
    ("/end", Parsed("end", "call_end", CALL_END)),
])
def test_every_command(line, expected):
    assert parse(line) == expected


def test_commands_can_be_back_dated_where_their_operation_takes_a_time():
    assert parse("@13:02 /sev 2") == Parsed("sev", None, "", utc(11, 2), {"level": 2})
    assert parse("/sev @13:02 2") == parse("@13:02 /sev 2")
    assert parse("/decision @13:02 roll back").at == utc(11, 2)
    assert parse("@13:02 /decision @13:03 roll back").text == "@13:03 roll back"
    for line in ("@13:02 /done T1", "/extend @13:02 T1 5", "@13:02 /pin", "@13:02 /update"):
        with pytest.raises(InputError, match=r"cannot be back-dated"):
            parse(line)


@pytest.mark.parametrize("line, message", [
    ("/sevv 1", "unknown command /sevv — did you mean /sev?"),
    ("/stauts resolved", "unknown command /stauts — did you mean /status?"),
    ("/tsak Ana 5m x", "unknown command /tsak — did you mean /task?"),
    ("/deputyy Ben", "unknown command /deputyy — did you mean /deputy?"),
    ("/var/log is full", "unknown command /var/log — the palette (Ctrl+K)"),
    ("/", "a command name is missing after /"),
    ("/sev", "usage: /sev N, e.g. /sev 2"),
    ("/sev 1 2", "usage: /sev N, e.g. /sev 2"),
    ("/sev 9", "bad severity '9': expected 1 to 5"),
    ("/sev ²", "bad severity '²'"),
    ("/status", "usage: /status STATE, e.g. /status mitigated"),
    ("/status done", "bad status 'done'"),
    ("/ic", "usage: /ic NAME [(SERVICE)], e.g. /ic Ana Alvarez"),
    ("/ic " + "x" * 101, "person is too long: 101 characters, the limit is 100"),
    ("/sme", "usage: /sme NAME [(SERVICE)]"),
    ("/sme Dee ( )", "SERVICE is empty; usage: /sme NAME [(SERVICE)]"),
    ("/sme Dee (" + "p" * 101 + ")", "service is too long"),
    ("/task", "usage: /task NAME MINUTES TEXT, e.g. /task Ana 5m check the replicas"),
    ("/task Ana", "usage: /task NAME MINUTES TEXT"),
    ("/task Ana check the replicas", "usage: /task NAME MINUTES TEXT"),
    ("/task 5m check the replicas", "usage: /task NAME MINUTES TEXT"),
    ("/task Ana 5m", "usage: /task NAME MINUTES TEXT"),
    ("/task Ana 0m check", "bad minutes '0m'"),
    ("/task Ana 1441 check", "bad minutes '1441'"),
    ("/task Ana 5m " + "x" * 201, "task text is too long: 201 characters, the limit is 200"),
    ("/done", "usage: /done TASK, e.g. /done T3"),
    ("/done T3 T4", "usage: /done TASK"),
    ("/done X3", "bad task reference 'X3'"),
    ("/extend T3", "usage: /extend TASK MINUTES, e.g. /extend T3 5m"),
    ("/extend T3 1h", "bad minutes '1h'"),
    ("/decision", "usage: /decision TEXT"),
    ("/todo   ", "usage: /todo TEXT"),
    ("/pin E1 E2", "usage: /pin [ENTRY]"),
    ("/pin X1", "bad entry reference 'X1'"),
    ("/page", "usage: /page TEAM, e.g. /page db-oncall"),
    ("/update everyone hello", "bad audience 'everyone'"),
    ("/end now", "usage: /end, e.g. /end"),
    ("", "nothing to record"),
    (" \t\n ", "nothing to record"),
    ("\x00\x01 \x7f", "nothing to record"),
    ("@13:02", "nothing to record"),
    ("d:", "nothing to record after d:"),
    ("todo:   @13:02  ", "nothing to record after todo:"),
    ("x" * (domain.MAX_TEXT + 1), "the line is too long: 10001 characters, the limit is 10000"),
])
def test_mistakes_are_one_clear_line(line, message):
    with pytest.raises(InputError) as caught:
        parse(line)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_long_unknown_command_is_shortened_in_the_message():
    with pytest.raises(InputError) as caught:
        parse("/" + "q" * 500)
    assert len(str(caught.value)) < 300


def test_the_limit_is_counted_after_cleaning():
    assert parse("x" * domain.MAX_TEXT + "\x00" * 5 + "   ").text == "x" * domain.MAX_TEXT


def test_every_command_has_a_usage_an_example_that_parses_and_a_help_line():
    assert list(COMMANDS) == [
        "sev", "status", "codename", "forensics-clear", "ic", "deputy", "scribe", "sme", "cl", "il",
        "postmortem_owner", "ic_shadow", "role", "relieve", "subteam", "join", "subteam-done",
        "task", "done", "extend", "reassign",
        "check", "uncheck", "decision", "todo", "pin", "page", "update", "end"]
    for verb in LANG.verbs:
        assert verb.usage.split()[0] == f"/{verb.name}" and verb.summary
        assert parse(verb.example).command == verb.name


# -- format_line ------------------------------------------------------------------------------


@pytest.mark.parametrize("line, written", [
    ("hello", "hello"),
    ("n: hello", "hello"),
    ("D:x", "d: x"),
    ("n: d: quoted", "n: d: quoted"),
    ("n: /var/log", "n: /var/log"),
    ("@13:02 x", "@2026-03-29T11:02:00Z x"),
    ("f: @13:02 x", "@2026-03-29T11:02:00Z f: x"),
    ("@13:02 n: @13:05 x", "@2026-03-29T11:02:00Z @13:05 x"),
    ("/SEV sev-1", "/sev 1"),
    ("/sme Dee   Patel for payments", "/sme Dee Patel (payments)"),
    ("/sme Dee for pay(ments) eu", "/sme Dee for pay(ments) eu"),
    ("/task Ana 15 check", "/task Ana 15m check"),
    ("/done 3", "/done T3"),
    ("/pin 7", "/pin E7"),
    ("/update", "/update"),
    ("/update customers", "/update customers"),
])
def test_format_line_writes_a_canonical_line(line, written):
    assert format_line(parse(line)) == written
    assert parse(written) == parse(line)


def test_format_line_uses_the_keys_it_is_given(tmp_path):
    (tmp_path / "entry_kinds.yaml").write_text("entry_kinds:\n- id: note\n  key: note\n")
    lang = Language.from_process(load_process(tmp_path))
    quoted = parse_line("note: d: x", language=lang, now=NOW)
    assert format_line(quoted, lang) == "note: d: x"  # `d:` is still a key: it needs quoting
    assert format_line(quoted) == "n: d: x"  # the shipped keys
    plain = parse_line("note: n: x", language=lang, now=NOW)
    assert format_line(plain, lang) == "n: x"  # `n:` is no key here: plain text
    assert parse_line("n: x", language=lang, now=NOW) == plain


# Lines built from the language's own pieces, so the properties also meet many lines that
# parse (plain st.text() is nearly always a note) and many that nearly do.
_PIECES = st.sampled_from([
    "/", "@", ":", " ", "  ", "\n", "\t", "\x00", "(", ")", " for ", "--", " -- objections: ",
    "d:", "D: ", "todo:", "n: ", "sys:", "http://", "Note:", "5", "5m", "0", "1441", "T3", "E12",
    "14:02", "@13:02", "@16:30", "@2026-03-29", "@2026-03-29 13:02", "@2026-03-29T13:02Z",
    "@2026-03-29T15:02+02:00", "Ana", "Dee Patel", "payments", "²", "٣", "x", "é",
    "customers", "mitigated", "sev-2",
] + [f"/{name} " for name in COMMANDS] + [f"/{name}" for name in COMMANDS])
LINES = st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=8).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_parse_line_only_ever_raises_input_error_and_round_trips(line):
    try:
        parsed = parse(line)
    except InputError:
        return
    assert parse(format_line(parsed)) == parsed


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_at_all(line):
    try:
        parsed = parse_line(line, now=NOW)
    except InputError:
        return
    assert parse_line(format_line(parsed), now=NOW) == parsed


# -- completion ------------------------------------------------------------------------------


PEOPLE = ["Ana Alvarez", "Anastasia", "Ben Okafor"]


@pytest.mark.parametrize("text, expected", [
    ("/", [f"/{n}" + (" " if n != "end" else "") for n in COMMANDS]),
    ("/de", ["/deputy ", "/decision "]),
    ("/DE", ["/deputy ", "/decision "]),
    ("  /en", ["  /end"]),
    ("/zz", []),
    ("/ic ", ["/ic Ana Alvarez", "/ic Anastasia", "/ic Ben Okafor"]),
    ("/deputy ana", ["/deputy Ana Alvarez", "/deputy Anastasia"]),
    ("/deputy Ana A", ["/deputy Ana Alvarez"]),
    ("/sme b", ["/sme Ben Okafor"]),
    ("/sme Ben (pay", []),
    ("/task Ana A", ["/task Ana Alvarez "]),
    ("/task Ana 5m ch", []),
    ("/status m", ["/status mitigated"]),
    ("/update c", ["/update customers "]),
    ("/sev 1", []),
    ("d: roll", []),
    ("hello", []),
])
def test_complete(text, expected):
    assert complete(text, PEOPLE) == expected


def test_complete_names_each_person_once():
    assert complete("/ic a", ["Ana", "ana", "Ana"]) == ["/ic Ana"]


# -- running against the store ----------------------------------------------------------------


def _user_tables(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return [n for n in names
                if "id" in {c[1] for c in conn.execute(f'PRAGMA table_info("{n}")')}]
    finally:
        conn.close()


def everything(db_path: Path) -> list:
    """Every row of every table with an id (entries, tasks, pins, roles, updates…)."""
    conn = sqlite3.connect(db_path)
    try:
        return [(t, conn.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall())
                for t in _user_tables(db_path)]
    finally:
        conn.close()


@pytest.fixture
def incident(service):
    return service.incidents.declare("Checkout down", by="Ana", severity=2).incident


def go(service, incident, line, by="Cy", **kw):
    return run_line(service, PROCESS, incident.id, line, by=by, local_tz=LOCAL, **kw)


def entries(service, incident):
    return [(e.kind, e.text) for e in service.read.timeline.all(incident.id)][1:]


def test_entries_and_their_kinds(service, clock, incident):
    clock.advance(minutes=30)  # 14:30Z, 16:30 local
    go(service, incident, "db-2 lagging")
    go(service, incident, "d: roll back deploy 4121")
    change = go(service, incident, "@16:05 f: replica lag started")
    assert change.entries[0].occurred_at == "2026-03-29T14:05:00.000Z"
    assert change.entries[0].recorded_at == times.to_text(clock.now())
    go(service, incident, "/decision fail over -- objections: Ben worried about data loss")
    go(service, incident, "/todo why did the canary miss it")
    go(service, incident, "/page db-oncall")
    go(service, incident, "/end")
    assert sorted(entries(service, incident)) == sorted([
        ("note", "db-2 lagging"),
        ("decision", "roll back deploy 4121"),
        ("finding", "replica lag started"),
        ("decision", "fail over -- objections: Ben worried about data loss"),
        ("todo", "why did the canary miss it"),
        ("page", "Paged db-oncall"),
        ("call_end", "Call over; continue in the chat room"),
    ])
    assert service.read.timeline.all(incident.id)[1].text == "replica lag started"  # in time order
    assert {e.author for e in service.read.timeline.all(incident.id)[1:]} == {"Cy"}


def test_a_uid_makes_a_resent_line_harmless(service, incident):
    first = go(service, incident, "d: roll back", uid="u1")
    again = go(service, incident, "d: roll back", uid="u1")
    assert first.entries == again.entries and len(entries(service, incident)) == 1
    go(service, incident, "/task Ana 5m check the replicas", uid="u2")
    go(service, incident, "/task Ana 5m check the replicas", uid="u2")
    assert len(service.read.tasks.all(incident.id)) == 1


def test_severity_status_and_roles(service, clock, incident):
    clock.advance(minutes=10)
    assert go(service, incident, "/sev 1").incident.severity == 1
    change = go(service, incident, "/status mitigated")
    assert change.incident.status == "mitigated"
    go(service, incident, "@16:02 /ic Ana")
    go(service, incident, "/ic Ben")
    go(service, incident, "/deputy Cy")
    go(service, incident, "/scribe Dan")
    go(service, incident, "/cl Eve")
    go(service, incident, "/il Fay")
    go(service, incident, "/sme Gil")
    roles = {(a.role, a.person) for a in service.read.roster.current(incident.id)}
    assert roles == {("ic", "Ben"), ("deputy", "Cy"), ("scribe", "Dan"), ("customer_liaison", "Eve"),
                     ("internal_liaison", "Fay"), ("sme", "Gil")}
    ana = next(a for a in service.read.roster.all(incident.id) if a.person == "Ana")
    assert ana.from_at == "2026-03-29T14:02:00.000Z"
    texts = [t for _, t in entries(service, incident)]
    assert "Command passed from Ana to Ben" in texts and "Customer Liaison: Eve" in texts


def test_an_sme_for_a_service_adds_a_note_after_the_roster_entry(service, incident):
    change = go(service, incident, "/sme Dee Patel (payments)")
    assert [(e.kind, e.text) for e in change.entries] == [
        ("roster", "Subject Matter Expert: Dee Patel"), ("note", "Dee Patel: SME for payments"),
    ]
    assert change.roles_changed
    assert entries(service, incident) == [(e.kind, e.text) for e in change.entries]


def test_tasks(service, clock, incident):
    change = go(service, incident, "/task Ana Alvarez 5m check the replicas")
    assert (change.task.owner, change.task.text) == ("Ana Alvarez", "check the replicas")
    assert change.task.due_at == times.to_text(clock.now() + timedelta(minutes=5))
    clock.advance(minutes=7)
    extended = go(service, incident, f"/extend {change.task.ref} 10m").task
    assert extended.due_at == times.to_text(clock.now() + timedelta(minutes=10))
    assert go(service, incident, "/done T1").task.done_at == times.to_text(clock.now())


def test_updates(service, incident):
    go(service, incident, "/update executives rollback under way")
    assert [(u.audience, u.text, u.by) for u in service.read.updates.all(incident.id)] == [
        ("executives", "rollback under way", "Cy")]
    assert entries(service, incident) == [("comms", "Update to executives: rollback under way")]


def test_pins(service, incident):
    first = go(service, incident, "db-2 lagging").entries[0]
    go(service, incident, "d: roll back", by="Ben")
    pinned = go(service, incident, "/pin").entries[0]  # Cy's newest: the note
    assert (pinned.id, pinned.pinned) == (first.id, True)
    ben = service.read.timeline.latest_by(incident.id, "Ben")
    assert go(service, incident, f"/pin {ben.ref}").entries[0].pinned
    assert {e.id for e in service.read.timeline.pinned(incident.id)} == {first.id, ben.id}


@pytest.mark.parametrize("line, message", [
    ("/sev 2", "INC-1 is already SEV-2"),
    ("/status active", "INC-1 is already active"),
    ("/ic Ana", "Ana is already Incident Commander on INC-1"),
    ("/sme Dee (payments)", "Dee is already Subject Matter Expert on INC-1"),
    ("/done T1", "T1 is already done"),
    ("/extend T1 5m", "T1 is already done"),
    ("/done T9", "T9"),
    ("/pin", "E5 is already pinned"),  # Cy's newest entry: "Done: …"
    ("/pin E99", "no entry E99 on INC-1"),
    ("/update", "write /update AUDIENCE TEXT (in the window, a bare /update opens the composer)"),
    ("/update customers", "write /update AUDIENCE TEXT"),
    ("/sevv 1", "did you mean /sev?"),
    ("@25:00 x", "bad time"),
    ("", "nothing to record"),
])
def test_a_line_that_cannot_apply_records_nothing(service, where, incident, line, message):
    go(service, incident, "/ic Ana")
    go(service, incident, "/sme Dee")
    go(service, incident, "/task Ben 5m check the replicas")
    go(service, incident, "/done T1")
    go(service, incident, "/pin")
    before = everything(where.db_path)
    assert any(t == "pins" for t, _ in before)  # the pins are in the snapshot too
    with pytest.raises(InputError) as caught:
        go(service, incident, line)
    assert message in str(caught.value)
    assert everything(where.db_path) == before


def test_nothing_to_pin_yet(service, incident):
    with pytest.raises(InputError, match="Cy has written nothing on INC-1 to pin"):
        go(service, incident, "/pin")


def test_an_unknown_incident_is_refused(service):
    with pytest.raises(NotFound, match="no incident INC-7"):
        run_line(service, PROCESS, 7, "hello", by="Cy")


def test_now_defaults_to_the_services_clock(service, clock, incident):
    clock.advance(minutes=30)  # 14:30Z; a machine clock far from 2026 would refuse this
    local = (clock.now() - timedelta(minutes=3)).astimezone()
    change = run_line(service, PROCESS, incident.id, f"@{local:%H:%M} x", by="Cy")
    assert change.entries[0].occurred_at == "2026-03-29T14:27:00.000Z"


# -- the CLI runs the same language ------------------------------------------------------------


@pytest.fixture
def declared(capsys, clock):
    assert run(capsys, "declare", "Checkout down", "--sev", "2", clock=clock)[0] == 0


def test_the_cli_log_runs_commands(capsys, where, clock, declared):
    code, out, err = run(capsys, "log", "INC-1", "/task Ana 5m check replicas", "--by", "Ben",
                         clock=clock)
    assert (code, err) == (0, "")
    assert out == ("INC-1 2026-03-29T14:00:00.000Z [task] Ben: "
                   "Ana: check replicas (check back in 5 min)\n")
    code, out, _ = run(capsys, "log", "INC-1", "d: roll back", clock=clock)
    assert out.endswith("[decision] Tester: roll back\n")
    code, out, _ = run(capsys, "log", "INC-1", "/sme Dee (payments)", clock=clock)
    assert out.count("\n") == 2 and out.endswith("[note] Tester: Dee: SME for payments\n")
    code, out, _ = run(capsys, "log", "INC-1", "/sev 1", clock=clock)
    assert out.endswith("[severity] Tester: Severity SEV-2 -> SEV-1\n")


def test_an_explicit_kind_records_the_text_literally(capsys, where, clock, declared):
    code, out, _ = run(capsys, "log", "INC-1", "d: roll back", "--kind", "finding", clock=clock)
    assert out.endswith("[finding] Tester: d: roll back\n")
    code, out, _ = run(capsys, "log", "INC-1", "/sev 1", "--kind", "note", clock=clock)
    assert out.endswith("[note] Tester: /sev 1\n")
    assert run(capsys, "list", clock=clock)[1].split()[1] == "SEV-2"


def test_the_cli_at_back_dates_a_line(capsys, where, clock, declared):
    code, out, _ = run(capsys, "log", "INC-1", "f: db-2 lagging", "--at", "2026-03-29T13:58:00Z",
                       clock=clock)
    assert out == "INC-1 2026-03-29T13:58:00.000Z [finding] Tester: db-2 lagging\n"
    code, out, _ = run(capsys, "log", "INC-1", "/ic Ana", "--at", "2026-03-29T13:59:00Z", clock=clock)
    assert out.startswith("INC-1 2026-03-29T13:59:00.000Z [handover]")


@pytest.mark.parametrize("argv, message", [
    (["/sevv 1"], "unknown command /sevv — did you mean /sev?"),
    (["/task Ana 5m"], "usage: /task NAME MINUTES TEXT, e.g. /task Ana 5m check the replicas"),
    (["@25:00 x"], "bad time '@25:00'"),
    (["/sev 2"], "INC-1 is already SEV-2"),
    (["/update"], "write /update AUDIENCE TEXT"),
    (["@13:00 x", "--at", "13:00"], "the time is given twice"),
    (["/done T1", "--at", "2026-03-29T13:59:00Z"], "/done cannot be back-dated"),
    (["x" * (domain.MAX_TEXT + 1)], "the limit is 10000"),
])
def test_the_cli_refuses_a_bad_line_with_one_line(capsys, where, clock, declared, argv, message):
    before = everything(where.db_path)
    code, out, err = run(capsys, "log", "INC-1", *argv, clock=clock)
    assert (code, out) == (2, "")
    assert err.startswith("incident-console: error: ") and message in err and err.count("\n") == 1
    assert everything(where.db_path) == before



def test_the_sheet_folds_the_role_verbs_into_one_row_and_the_palette_does_not():
    grouped = LANG.help_rows(grouped=True)
    roles = [row for row in grouped if row[0].startswith("/ic · /deputy")]
    assert len(roles) == 1 and roles[0][0].endswith("/ic_shadow NAME [(SERVICE)]")
    # one row per role but the Sub-team Leader (given with a team, /subteam), folded into one
    assert len(LANG.help_rows()) == len(grouped) + len(PROCESS.items("roles")) - 2
