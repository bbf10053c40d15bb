"""The record chain (console.chain): every kind of tampering by a person holding the file is
found and named, while SQLite's own integrity check says the file is fine - which is the point:
the append-only triggers stop an honest mistake, the chain shows a deliberate one.

Each tampering is done the way such a person would: a plain sqlite3 connection to the closed
file, the append-only trigger dropped, the rows changed, the trigger put back.
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from console import chain, cli, incident_json
from console.chain import ChainReads
from console.service import IncidentService
from console.store import connect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRIGGERS = {
    table: [f"{table}_are_append_only_update", f"{table}_are_append_only_delete"]
    for table in ("entries", "entry_revisions", "entry_retractions", "pins")
}


@pytest.fixture
def record(service, clock):
    """INC-1 with E1 (the declaration) .. E6, a correction of E3, E4 pinned, E5 retracted."""
    incident = service.incidents.declare("Checkout fails", by="Ana", severity=2).incident
    for text, kind in (("db-3 is lagging", "finding"), ("payments are fine", "note"),
                       ("roll back the deploy", "decision"), ("call the vendor", "note"),
                       ("restart the workers", "note")):
        clock.advance(minutes=1)
        service.timeline.log(incident.id, text, by="Ben", kind=kind)
    clock.advance(minutes=1)
    service.history.revise(incident.id, 3, "payments are fine in the EU", by="Ana")
    service.history.set_pin(incident.id, 4, True, by="Ana")
    service.history.retract(incident.id, 5, by="Ana", reason="wrong incident")
    return incident


def tamper(where, *statements: str, tables=("entries",)) -> None:
    """What a person with the file does: drop the triggers, change rows, put the triggers back
    exactly as they were. The file passes SQLite's integrity check afterwards."""
    conn = sqlite3.connect(where.db_path)
    kept = {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    with conn:
        for table in tables:
            for name in TRIGGERS[table]:
                conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(statement)
        for table in tables:
            for name in TRIGGERS[table]:
                conn.execute(kept[name])
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def reopened(where, clock):
    return IncidentService.open(where.db_path, clock)


def verify_cli(capsys, *argv):
    code = cli.main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_record_as_written_holds_and_its_head_counts_every_row(service, record, capsys):
    assert service.read.chain.verify(record.id) is None
    head = service.read.chain.head(record.id)
    # 6 entries, 1 revision, 1 pin, 1 retraction
    assert head.links == 9 and len(head.link) == 64 and head.chained_from is None
    service.close()
    code, out, err = verify_cli(capsys, "INC-1")
    assert (code, err) == (0, "")
    assert out.startswith("INC-1: the record chain holds (9 links, head ")


def test_editing_E3s_text_and_author_behind_the_triggers_is_named(service, record, where, clock, capsys):
    service.close()
    tamper(where, "UPDATE entries SET text = 'payments are down', author = 'Mallory' WHERE id = 3")
    again = reopened(where, clock)
    # Everything else behaves normally, as the issue found...
    assert again.read.timeline.entry(record.id, 3).author == "Mallory"
    found = again.read.chain.verify(record.id)
    assert (found.what, found.how, found.n) == ("E3", "changed", 3)
    again.close()
    code, out, _ = verify_cli(capsys, "INC-1")
    assert code == 1
    assert out == "INC-1: E3 was changed after it was written (link 3)\n"


def test_a_deleted_decision_is_named(service, record, where, clock):
    service.close()
    tamper(where, "DELETE FROM entries WHERE kind = 'decision'")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how) == ("E4", "deleted")


def test_a_deleted_entry_and_its_link_break_the_next_link(service, record, where, clock):
    service.close()
    tamper(where, "DELETE FROM entries WHERE id = 4",
           "DELETE FROM chain_links WHERE row_id = 4 AND source = 0",
           "UPDATE chain_links SET n = n - 1 WHERE n > 4")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how, found.n) == ("E5", "out of place", 4)


def test_an_inserted_entry_is_named(service, record, where, clock):
    service.close()
    tamper(where, "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
                  "SELECT 'planted', incident_id, 'decision', 'we agreed to wait', 'Ben', occurred_at, "
                  "recorded_at, hlc || 'a' FROM entries WHERE id = 2")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how, found.n) == ("E7", "inserted", 3)


def test_reordered_entries_are_named(service, record, where, clock):
    service.close()
    # E2 and E3 swap places in the timeline: their times swapped.
    tamper(where, "UPDATE entries SET occurred_at = CASE id WHEN 2 THEN "
                  "(SELECT occurred_at FROM entries WHERE id = 3) ELSE "
                  "(SELECT occurred_at FROM entries WHERE id = 2) END WHERE id IN (2, 3)")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how) == ("E2", "changed")


def test_rows_swapped_whole_are_out_of_place(service, record, where, clock):
    service.close()
    # E2 and E3 swap row ids, everything else kept: the timeline shows them the other way round.
    tamper(where, "UPDATE entries SET id = -2 WHERE id = 2", "UPDATE entries SET id = 2 WHERE id = 3",
           "UPDATE entries SET id = 3 WHERE id = -2")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how, found.n) == ("E2", "out of place", 2)


def test_an_edited_revision_is_named(service, record, where, clock):
    service.close()
    tamper(where, "UPDATE entry_revisions SET text = 'payments were never fine'", tables=("entry_revisions",))
    found = reopened(where, clock).read.chain.verify(record.id)
    assert found.how == "changed"
    assert found.what.startswith("E3's revision by Ana at ")


def test_a_deleted_retraction_is_named(service, record, where, clock):
    service.close()
    tamper(where, "DELETE FROM entry_retractions", tables=("entry_retractions",))
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what.split(" by ")[0], found.how) == ("E5's retraction", "deleted")


def test_an_inserted_pin_is_named(service, record, where, clock):
    service.close()
    tamper(where, "INSERT INTO pins (entry_id, pinned, \"by\", at, hlc) "
                  "SELECT 2, 1, 'Mallory', at, hlc FROM pins LIMIT 1", tables=("pins",))
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.how, found.what.split(" by ")[0]) == ("inserted", "E2's pin")


def test_a_changed_link_is_named(service, record, where, clock):
    service.close()
    tamper(where, "UPDATE chain_links SET link = zeroblob(32) WHERE n = 6")
    found = reopened(where, clock).read.chain.verify(record.id)
    assert (found.what, found.how, found.n) == ("E6", "out of place", 6)


def test_writing_after_tampering_does_not_hide_it(service, record, where, clock):
    """The next write links only what it wrote: a row planted by hand stays unlinked, and a
    changed one keeps the digest it had."""
    service.close()
    tamper(where, "UPDATE entries SET text = 'nothing to see' WHERE id = 6",
           "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at, hlc) "
           "VALUES ('planted', 1, 'note', 'planted', 'Ben', '2026-03-29T14:20:00.000Z', "
           "'2026-03-29T14:20:00.000Z', '9999999999999.0000.zz')")
    again = reopened(where, clock)
    clock.advance(minutes=1)
    again.timeline.log(record.id, "a later note", by="Ana")
    found = again.read.chain.verify(record.id)
    assert (found.what, found.how) == ("E6", "changed")


def test_two_writers_taking_turns_on_one_file_keep_one_chain(service, record, where, clock):
    """A writer keeps each incident's last link between its writes; another connection's
    commit in between (the command line beside the window, a team's follower) makes it read
    the link again, or the next note would follow a link that is no longer the last."""
    other = reopened(where, clock)
    try:
        for turn in range(3):
            for writer in (service, other, other, service):
                clock.advance(seconds=10)
                writer.timeline.log(record.id, f"turn {turn}", by="Ana")
        assert service.read.chain.verify(record.id) is None
        assert service.read.chain.head(record.id).links == other.read.chain.head(record.id).links
    finally:
        other.close()


def test_a_write_rolled_back_leaves_no_kept_link_behind(service, record, clock):
    """A note linked inside a transaction that then fails is rolled back with its link; the
    next note links after the last link that is there."""
    before = service.read.chain.head(record.id).links
    with pytest.raises(RuntimeError):
        with service.ledger.writing():
            service.timeline.log(record.id, "written, then rolled back", by="Ana")
            raise RuntimeError("the operation around it failed")
    clock.advance(minutes=1)
    service.timeline.log(record.id, "the next note", by="Ana")
    assert service.read.chain.verify(record.id) is None
    assert service.read.chain.head(record.id).links == before + 1


def test_a_whole_chain_made_again_by_hand_holds_but_not_against_an_earlier_export(
        service, record, where, clock, tmp_path, capsys):
    """Someone with the file and this code can rebuild every link after changing a row: the
    file then checks out on its own. What they cannot change is a head already handed out."""
    exported = tmp_path / "INC-1.json"
    exported.write_text(incident_json.to_json(service.read, record.id))
    service.close()
    tamper(where, "UPDATE entries SET text = 'roll forward' WHERE id = 4", "DELETE FROM chain_links")
    conn = connect(where.db_path)
    with conn:
        chain.Chain(conn).build(record.id)
    conn.close()
    assert reopened(where, clock).read.chain.verify(record.id) is None
    code, out, _ = verify_cli(capsys, "--export", str(exported))
    assert code == 1
    assert "its head (link 9) is not in the database's chain" in out


def test_a_row_arriving_late_relinks_the_chain_and_keeps_a_changed_row_found(service, record, where, clock):
    """An op that sorts before rows already linked (from a console that was offline) relinks the
    chain from its place, with the digests the rows had: a row changed meanwhile stays found."""
    from console.ops import Op, canonical, entry_ref

    late = Op("late-op", "0ther0replica000", "0000000000001.0000.0ther0replica000", record.uid,
              "entry.log", canonical({"entry": {
                  "uid": "late-entry", "kind": "note", "text": "written offline", "author": "Cy",
                  "occurred_at": "2026-03-29T14:00:30.000Z", "recorded_at": "2026-03-29T14:00:30.000Z"}}))
    assert service.sync.apply([late]) == 1
    assert service.read.chain.verify(record.id) is None
    links = service.ledger.execute("SELECT source, row_id FROM chain_links ORDER BY n").fetchall()
    assert links[0] == (0, 7)  # the late entry, first by its HLC
    service.close()
    tamper(where, "UPDATE entries SET author = 'Mallory' WHERE id = 2")
    again = reopened(where, clock)
    later = Op("later-op", "0ther0replica000", "0000000000002.0000.0ther0replica000", record.uid,
               "entry.revise", canonical({"target": entry_ref("late-entry", late.hlc),
                                          "text": "written offline, fixed", "by": "Cy",
                                          "at": "2026-03-29T14:00:40.000Z"}))
    assert again.sync.apply([later]) == 1
    found = again.read.chain.verify(record.id)
    assert (found.what, found.how) == ("E2", "changed")


def test_two_consoles_applying_the_same_ops_in_other_orders_have_the_same_head(where, tmp_path, clock):
    from tests.conftest import FakeClock

    a = IncidentService.open(tmp_path / "a.sqlite3", FakeClock())
    b = IncidentService.open(tmp_path / "b.sqlite3", FakeClock())
    b.ledger.execute("UPDATE sync_state SET replica = 'bbbbbbbbbbbbbbbb'")
    b.ledger.conn.commit()
    b.ledger._replica = None
    incident = a.incidents.declare("Checkout fails", by="Ana", severity=2).incident
    b.sync.apply(a.sync.outgoing())
    on_b = b.read.incidents.all()[0]
    for n in range(3):  # both write while apart
        a.timeline.log(incident.id, f"a{n}", by="Ana")
        b.timeline.log(on_b.id, f"b{n}", by="Ben")
    b.history.set_pin(on_b.id, b.read.timeline.all(on_b.id)[-1].id, True, by="Ben")
    from_a, from_b = a.sync.outgoing(), b.sync.outgoing()
    a.sync.apply(list(reversed(from_b)))
    b.sync.apply(from_a)
    assert a.read.chain.verify(incident.id) is None and b.read.chain.verify(on_b.id) is None
    head_a, head_b = a.read.chain.head(incident.id), b.read.chain.head(on_b.id)
    assert head_a == head_b and head_a.links == 8
    a.close()
    b.close()


def test_a_database_from_before_the_chain_is_chained_at_migration(tmp_path, clock, capsys, monkeypatch):
    from console import paths

    home = tmp_path / "old"
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    where = paths.resolve()
    where.db_path.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "schema_0001.sqlite3", where.db_path)
    service = IncidentService.open(where.db_path, clock)
    incidents = service.read.incidents.all()
    assert incidents
    for incident in incidents:
        assert service.read.chain.verify(incident.id) is None
        head = service.read.chain.head(incident.id)
        assert head.chained_from is not None
        assert head.links == service.read.timeline.count(incident.id)
        block = json.loads(incident_json.to_json(service.read, incident.id))["chain"]
        assert block["chained_from"] == head.chained_from
    # a write after the migration goes on the same chain
    before = service.read.chain.head(incidents[0].id)
    service.timeline.log(incidents[0].id, "after the upgrade", by="Ana")
    assert service.read.chain.head(incidents[0].id).links == before.links + 1
    service.close()
    code, out, _ = verify_cli(capsys, "--all")
    assert code == 0
    assert len(out.splitlines()) == len(incidents)
    assert all(", chained from 20" in line for line in out.splitlines())


def test_verify_all_names_each_broken_incident_on_its_own_line(service, record, where, clock, capsys):
    other = service.incidents.declare("Search slow", by="Ana", severity=3).incident
    service.timeline.log(other.id, "index rebuilt", by="Ana")
    service.close()
    tamper(where, f"DELETE FROM entries WHERE incident_id = {other.id} AND text = 'index rebuilt'")
    code, out, _ = verify_cli(capsys, "--all")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("INC-1: the record chain holds")
    assert lines[1] == "INC-2: E8 was deleted (link 2)"


@pytest.mark.parametrize("argv, says", [
    ([], "give one of REF, --all or --export FILE"),
    (["INC-1", "--all"], "give one of REF, --all or --export FILE"),
    (["--all", "--head", "ab" * 32, "--links", "2"], "--head HEX and --links N go together, with REF"),
    (["INC-1", "--head", "xyz", "--links", "2"], "is not 64 hex digits"),
    (["INC-1", "--head", "ab" * 32, "--links", "-2"], "is not a whole number"),
    (["INC-x"], "INC-x"),
])
def test_verify_refuses_what_it_cannot_read_in_one_line(service, record, capsys, argv, says):
    service.close()
    code, out, err = verify_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and says in err


def test_verify_reads_nothing_but_the_chain_and_its_rows(service, record):
    """The check reads through its own connection and writes nothing."""
    reads = ChainReads(connect(service.ledger.path, read_only=True), service.ledger.path)
    assert reads.verify(record.id) is None
    assert reads.head(record.id) == service.read.chain.head(record.id)


def test_the_check_in_a_process_of_its_own_says_what_verify_says(service, record, where, clock, tmp_path):
    import subprocess
    import sys

    def check(path) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "console.chain_check", str(path), str(record.id)],
                              capture_output=True, text=True, timeout=60)
        return done.returncode, json.loads(done.stdout)

    service.close()
    assert check(where.db_path) == (0, {"holds": True})
    tamper(where, "DELETE FROM entries WHERE id = 2")
    assert check(where.db_path) == (0, {"holds": False, "incident_id": 1, "what": "E2", "how": "deleted",
                                        "n": 2, "line": "INC-1: E2 was deleted (link 2)"})
    code, said = check(tmp_path / "nothing.sqlite3")
    assert code == 1 and "no such database" in said["error"]
    assert not (tmp_path / "nothing.sqlite3").exists()


def test_a_write_imports_no_signing_and_no_keyring(home):
    """The chain is linked on every write with the standard library only: cryptography and the
    keyring are for exports and checks."""
    import subprocess
    import sys

    script = ("import json, sys\nfrom console.cli import main\n"
              "codes = [main(['declare', 'Checkout down']), main(['log', 'INC-1', 'd: roll back']),\n"
              "         main(['verify', 'INC-1'])]\n"
              "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('cryptography', 'keyring')\n"
              "               or m in ('console.chain_seal', 'console.secrets'))\n"
              "print(json.dumps({'codes': codes, 'heavy': heavy}), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2],
                          env={"INCIDENT_CONSOLE_HOME": str(home), "INCIDENT_CONSOLE_NAME": "Ana",
                               "PATH": "/usr/bin:/bin"})
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"codes": [0, 0, 0], "heavy": []}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VALUE = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.text(),
                   st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000)))


@settings(max_examples=500, deadline=None)
@given(rank=st.integers(0, 3), hlc=st.text(), uid=st.text(), entry_hlc=st.text(),
       fields=st.lists(_VALUE, min_size=3, max_size=5))
def test_the_encoding_is_json_dumps_of_the_record(rank, hlc, uid, entry_hlc, fields):
    """The encoding is written out by hand for speed; it must be the bytes json.dumps makes."""
    record = [chain.KINDS[rank], uid, hlc] if rank == 0 else [chain.KINDS[rank], uid, entry_hlc, hlc]
    expected = json.dumps(record + fields, ensure_ascii=False, separators=(",", ":")).encode()
    assert chain.encode(rank, hlc, uid, entry_hlc, tuple(fields)) == expected


def test_a_chat_import_is_chained_and_checks_out(capsys, clock, tmp_path, where):
    """Entries imported from a chat export (many entries in one op, one HLC) are linked too."""
    from datetime import datetime, timezone

    from tests.helpers import run
    from tests.slack_fixture import realistic

    clock.current = datetime(2026, 3, 29, 13, 50, tzinfo=timezone.utc)
    assert run(capsys, "declare", "Checkout down", "--sev", "2", clock=clock)[0] == 0
    clock.current = datetime(2026, 3, 31, 9, 0, tzinfo=timezone.utc)
    code, _, _ = run(capsys, "import", "slack", str(realistic(tmp_path)), "--channel", "inc-checkout",
                     "INC-1", clock=clock)
    assert code == 0
    code, out, _ = verify_cli(capsys, "INC-1")
    assert code == 0 and out.startswith("INC-1: the record chain holds (9 links")
    tamper(where, "UPDATE entries SET author = 'Mallory' WHERE uid LIKE 'slack:%' AND id = "
                  "(SELECT max(id) FROM entries)")
    code, out, _ = verify_cli(capsys, "INC-1")
    assert code == 1 and "was changed after it was written" in out
