"""The head log (console/heads.py): a chain cut at its end - the newest rows removed together
with their links - holds on its own, and is found against the heads written down outside the
file: the head log in the state folder and every kept backup. A team's late ops relink the chain
without being taken for a cut, and a restore starts the heads again.

Tampering is done as a person with the file would: a plain sqlite3 connection to the closed
file, the append-only triggers dropped, rows and links removed, the triggers put back.
"""

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.ops import Op, canonical
from console.service import IncidentService
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def record(service, clock):
    """INC-1: the declaration and five notes (E1..E6), a correction of E3 and a pin of E4;
    INC-2 beside it with two entries."""
    incident = service.incidents.declare("Checkout fails", by="Ana", severity=2).incident
    for n in range(5):
        clock.advance(minutes=1)
        service.timeline.log(incident.id, f"note {n}", by="Ben")
    service.history.revise(incident.id, 3, "note 1, corrected", by="Ana")
    service.history.set_pin(incident.id, 4, True, by="Ana")
    other = service.incidents.declare("Search slow", by="Ana", severity=3).incident
    service.timeline.log(other.id, "index rebuilt", by="Cy")
    return incident


def cut(db_path: Path, incident_id: int, count: int) -> None:
    """Remove an incident's newest `count` links and their rows, as a careful person would:
    what is left is a shorter chain that holds on its own."""
    conn = sqlite3.connect(db_path)
    triggers = {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    with conn:
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        top = conn.execute("SELECT max(n) FROM chain_links WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        for n, source, row_id in conn.execute(
                "SELECT n, source, row_id FROM chain_links WHERE incident_id = ? AND n > ?",
                (incident_id, top - count)).fetchall():
            table = ("entries", "entry_revisions", "entry_retractions", "pins")[source]
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            conn.execute("DELETE FROM chain_links WHERE incident_id = ? AND n = ?", (incident_id, n))
        for sql in triggers.values():
            conn.execute(sql)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def lines(where) -> list[dict]:
    return [json.loads(line) for line in where.head_log.read_text().splitlines()]


def test_a_cut_at_the_end_holds_alone_and_is_found_against_the_head_log(service, record, where, capsys):
    run(capsys, "backup")  # writes the heads down (and keeps a backup: removed below)
    service.close()
    for file in where.backup_dir.iterdir():
        file.unlink()
    cut(where.db_path, record.id, 2)  # the correction of E3 and the pin of E4, the newest rows
    assert IncidentService.open(where.db_path, None).read.chain.verify(record.id) is None
    code, out, _ = run(capsys, "verify", "--all")
    assert code == 1
    found, other = out.splitlines()
    assert found.startswith("INC-1: truncated: 2 links missing after E6: the head log's line 1 (backup) "
                            "knew 8 at ")
    assert other.startswith("INC-2: the record chain holds")


def test_a_cut_is_found_against_a_kept_backup_when_the_log_is_gone(service, record, where, capsys, clock):
    run(capsys, "backup")
    service.close()
    where.head_log.unlink()
    cut(where.db_path, record.id, 3)
    code, out, _ = run(capsys, "verify", "INC-1")
    (backup,) = [p.name for p in where.backup_dir.glob("*.sqlite3")]
    assert code == 1
    assert out.startswith(f"INC-1: truncated: 3 links missing after E5: backup {backup} knew 8 at ")


def test_rows_written_after_a_cut_do_not_hide_it(service, record, where, capsys, clock):
    """New rows take the removed rows' ids: the rows the head covered are no longer its rows."""
    run(capsys, "backup")
    service.close()
    cut(where.db_path, record.id, 2)
    again = IncidentService.open(where.db_path, clock)
    for n in range(3):
        again.timeline.log(record.id, f"later {n}", by="Ana")
    again.close()
    code, out, _ = run(capsys, "verify", "INC-1")
    assert code == 1 and out.startswith("INC-1: ")
    assert "a head written down before" in out or "truncated" in out


def test_a_chain_made_again_by_hand_does_not_pass_through_a_logged_head(service, record, where, capsys):
    from console import chain
    from console.store import connect

    run(capsys, "export", "INC-1", "--format", "json", "-o", str(where.data_dir.parent / "x.json"))
    service.close()
    conn = sqlite3.connect(where.db_path)
    triggers = {n: s for n, s in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    with conn:
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE entries SET text = 'roll forward' WHERE id = 4")
        conn.execute("DELETE FROM chain_links WHERE incident_id = 1")
        for sql in triggers.values():
            conn.execute(sql)
    conn.close()
    conn = connect(where.db_path)
    with conn:
        chain.Chain(conn).build(record.id)
    conn.close()
    code, out, _ = run(capsys, "verify", "INC-1")
    assert code == 1
    assert out.startswith("INC-1: does not pass through a head written down before (the head log's "
                          "line 1 (export): 8 links at ")


def _late(incident, n: int, at: str) -> Op:
    """An op from another console, written while it was offline: it sorts before rows here."""
    return Op(f"late-op-{n}", "0ther0replica000", f"000000000000{n}.0000.0ther0replica000", incident.uid,
              "entry.log", canonical({"entry": {
                  "uid": f"late-entry-{n}", "kind": "note", "text": f"written offline {n}",
                  "author": "Cy", "occurred_at": at, "recorded_at": at}}))


def test_a_relink_after_late_ops_is_not_a_cut_and_a_cut_after_it_still_is(service, record, where, capsys, clock):
    run(capsys, "backup")
    assert service.sync.apply([_late(record, 1, "2026-03-29T14:00:30.000Z")]) == 1
    links = service.ledger.execute("SELECT source, row_id FROM chain_links WHERE incident_id = 1 "
                                   "ORDER BY n").fetchall()
    assert links[0] == (0, 9)  # the late entry went first: every place after it moved
    code, out, _ = run(capsys, "verify", "INC-1")
    assert (code, out.split(" (")[0]) == (0, "INC-1: the record chain holds")
    run(capsys, "backup")  # 9 links, relinked
    assert service.sync.apply([_late(record, 2, "2026-03-29T14:00:40.000Z")]) == 1
    assert run(capsys, "verify", "INC-1")[0] == 0  # against both backups and both lines
    service.close()
    cut(where.db_path, record.id, 1)
    code, out, _ = run(capsys, "verify", "INC-1")
    assert code == 1 and out.startswith("INC-1: truncated: 1 link missing after E")


def test_a_restore_starts_the_heads_again(service, record, where, capsys, clock):
    run(capsys, "backup")
    (first,) = where.backup_dir.glob("*.sqlite3")
    clock.advance(minutes=1)
    service.timeline.log(record.id, "after the backup", by="Ana")
    service.incidents.set_status(record.id, "resolved", by="Ana")
    service.close()
    run(capsys, "export", "INC-1", "--format", "json", "-o", str(where.data_dir.parent / "x.json"))
    code, out, err = run(capsys, "restore", str(first))
    assert code == 0, err
    # The log and the copy kept before the restore know a longer chain: the replaced database's.
    code, out, _ = run(capsys, "verify", "--all")
    assert code == 0, out
    assert [line.get("why", "restored") for line in lines(where)] == ["backup", "backup", "export",
                                                                      "restored", "restore", "restore"]


def test_the_head_log_is_private_and_kept_apart_from_the_data(service, record, where, capsys):
    run(capsys, "backup")
    assert where.head_log.parent != where.data_dir
    assert where.data_dir not in where.head_log.parents
    assert stat.S_IMODE(where.head_log.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.head_log.parent.stat().st_mode) == 0o700
    (line, _) = lines(where)
    assert set(line) == {"incident", "links", "head", "rows", "at", "why", "signature", "public_key"}
    assert (line["incident"], line["links"], line["rows"]) == (record.uid, 8, [8, 1, 0, 1])
    assert line["head"] == service.read.chain.head(record.id).link


def test_the_log_grows_with_changes_not_with_time(service, record, where, capsys, clock):
    for _ in range(3):
        run(capsys, "backup")
    assert len(lines(where)) == 2  # one line per incident, written once
    service.timeline.log(record.id, "one more", by="Ana")
    run(capsys, "backup")
    assert [line["links"] for line in lines(where)] == [8, 2, 9]


def test_a_resolve_from_the_command_line_writes_its_head_down(service, record, where, capsys):
    service.close()
    code, _, err = run(capsys, "status", "INC-1", "resolved")
    assert code == 0, err
    (line,) = lines(where)
    assert (line["why"], line["links"]) == ("resolve", 9)


def test_a_write_never_touches_the_head_log(service, record, where, capsys):
    """The notes' write path stays as it was: only backups, exports, resolves and the window's
    close write heads down."""
    service.close()
    for text in ("one", "two", "d: three"):
        assert run(capsys, "log", "INC-1", text)[0] == 0
    assert not where.head_log.exists()


@pytest.mark.parametrize("junk, says", [
    (b"not json\n", "the head log's line 3 is not a head this version writes"),
    (b"[" * 100_000 + b"\n", "the head log's line 3 is not a head this version writes"),
    (b'{"incident": 1, "links": 2, "head": "x", "rows": [], "at": ""}\n', "line 3 is not a head"),
    (b"\xff\xfe\x00\n", "line 3 is not a head"),
    (b'{"restored": "x", "at": "t", "signature": "ed25519:00", "public_key": "ed25519:00"}\n',
     "line 3: its signature or public key is not an Ed25519 one"),
])
def test_a_head_log_that_is_not_ours_is_said_in_a_line(service, record, where, capsys, junk, says):
    run(capsys, "backup")
    with open(where.head_log, "ab") as file:
        file.write(junk)
    code, out, err = run(capsys, "verify", "INC-1")
    assert code == 1 and err == ""
    assert out.splitlines()[0].startswith("INC-1: the record chain holds")
    assert says in out.splitlines()[1] and len(out.splitlines()) == 2


def test_a_line_cut_short_by_a_crash_is_left_out(service, record, where, capsys):
    run(capsys, "backup")
    with open(where.head_log, "ab") as file:
        file.write(b'{"incident":"')
    assert run(capsys, "verify", "INC-1")[0] == 0


def test_lines_are_signed_with_the_install_key_and_an_altered_one_is_found(secret_service, tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    env.update(secret_service.env, INCIDENT_CONSOLE_HOME=str(home), INCIDENT_CONSOLE_NAME="Ana")

    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "console", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    for argv in (("declare", "Checkout fails"), ("log", "INC-1", "db-3 is lagging"), ("backup",)):
        assert cli(*argv).returncode == 0
    log = home / "state" / "heads.log"
    (line,) = [json.loads(t) for t in log.read_text().splitlines()]
    assert line["signature"].startswith("ed25519:") and line["public_key"].startswith("ed25519:")
    assert cli("verify", "INC-1").returncode == 0
    line["links"] = 1  # a head moved back to where a cut would leave it
    log.write_text(json.dumps(line) + "\n")
    done = cli("verify", "INC-1")
    assert done.returncode == 1
    assert "the head log's line 1: its signature does not match its head: the log was altered" in done.stdout


def test_an_incident_removed_whole_is_named_by_verify_all(service, record, where, capsys):
    run(capsys, "backup")
    service.close()
    conn = sqlite3.connect(where.db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    triggers = {n: s for n, s in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    with conn:
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        for table in ("entry_revisions", "entry_retractions", "pins"):
            conn.execute(f"DELETE FROM {table} WHERE entry_id IN (SELECT id FROM entries WHERE incident_id = 2)")
        for table in ("chain_links", "entries", "role_assignments"):
            conn.execute(f"DELETE FROM {table} WHERE incident_id = 2")
        uid = conn.execute("SELECT uid FROM incidents WHERE id = 2").fetchone()[0]
        conn.execute("DELETE FROM incidents WHERE id = 2")
        for sql in triggers.values():
            conn.execute(sql)
    conn.close()
    code, out, _ = run(capsys, "verify", "--all")
    assert code == 1
    assert out.splitlines()[0].startswith("INC-1: the record chain holds")
    gone = [line for line in out.splitlines() if line.startswith(f"incident {uid} is gone: ")]
    assert len(gone) == 1 and "knew it with 2 links" in gone[0]
    assert run(capsys, "verify", "INC-1")[0] == 0  # one incident's check is about that incident


@pytest.mark.parametrize("kind", ["fifo", "folder", "symlink"])
def test_a_head_log_that_is_not_a_file_is_said_and_never_waited_on(service, record, where, capsys, tmp_path, kind):
    where.head_log.parent.mkdir(mode=0o700, parents=True)
    if kind == "fifo":
        os.mkfifo(where.head_log)
    elif kind == "folder":
        where.head_log.mkdir()
    else:
        (tmp_path / "elsewhere").write_text("")
        where.head_log.symlink_to(tmp_path / "elsewhere")
    code, out, err = run(capsys, "backup")
    assert code == 0 and err.startswith("incident-console: note: the head log ")
    assert (tmp_path / "elsewhere").read_text() == "" if kind == "symlink" else True
    code, out, _ = run(capsys, "verify", "INC-1")
    assert code == 1 and out.splitlines()[1].startswith(f"the head log {where.head_log} ")
