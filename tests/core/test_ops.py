"""The op log: every write records its op in the same transaction; ops applied elsewhere give
the same record (idempotent, in any order); registers keep the newest op's value and say when
they were changed concurrently; refs in a team; a database from before the op log joins."""

import json
import shutil
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from console import hlc, incident_json
from console.errors import InputError, NotFound
from console.ops import OPERATIONS, canonical
from console.service import IncidentService
from tests.conftest import FakeClock
from tests.team.memory_exchange import MemoryExchange

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def ops_of(service, since: int = 0) -> list[tuple]:
    return service.ledger.execute(
        "SELECT seq, uid, replica, hlc, incident, verb, body, base, register, pushed FROM ops "
        "WHERE seq > ? ORDER BY seq", (since,)).fetchall()


def last_seq(service) -> int:
    return service.ledger.execute("SELECT coalesce(max(seq), 0) FROM ops").fetchone()[0]


@pytest.fixture
def replicas(tmp_path):
    """open(name) -> a joined console with its own file and clock; closed afterwards."""
    opened = []

    def open_(name: str, start: datetime | None = None, team: str = "memory") -> IncidentService:
        service = IncidentService.open(tmp_path / name / "incidents.sqlite3", FakeClock(start))
        if team:
            service.sync.join(team)
        opened.append(service)
        return service

    yield open_
    for service in opened:
        service.close()


def exports(service) -> list[str]:
    return sorted(incident_json.to_json(service.read, i.id) for i in service.read.incidents.all())


# -- recording --------------------------------------------------------------------------------

def test_every_write_operation_records_one_op_in_its_transaction(service, clock, tmp_path):
    """Each operation of the core, one after another: exactly its op(s), with its verb, and the
    script covers every verb there is (a new operation must be added here)."""
    seen: set[str] = set()

    def step(expected: list[str], run):
        before = last_seq(service)
        clock.advance(seconds=10)
        result = run()
        made = [row[5] for row in ops_of(service, before)]
        assert made == expected, (expected, made)
        seen.update(made)
        return result

    incident = step(["incident.declare"], lambda: service.incidents.declare("Checkout down", by="Ana")).incident
    i = incident.id
    step(["incident.severity"], lambda: service.incidents.set_severity(i, 2, by="Ana"))
    step(["incident.status"], lambda: service.incidents.set_status(i, "mitigated", by="Ana"))
    step(["role.assign"], lambda: service.roster.assign(i, "ic", "Ana", by="Ana"))
    step(["role.relieve"], lambda: service.roster.relieve(i, "ic", "Ana", by="Ana"))
    note = step(["entry.log"], lambda: service.timeline.log(i, "db-3 lags", by="Ben")).entries[0]
    todo = step(["entry.log"], lambda: service.timeline.log(i, "add an alert", by="Ben", kind="todo")).entries[0]
    step(["entry.revise"], lambda: service.history.revise(i, note.id, "db-2 lags", by="Ben"))
    step(["entry.pin"], lambda: service.history.set_pin(i, note.id, True, by="Ana"))
    step(["entry.retract"], lambda: service.history.retract(i, note.id, by="Ana", reason="wrong"))
    task = step(["task.add"], lambda: service.tasks.add(i, "Ben", 10, "check replicas", by="Ana")).task
    step(["task.extend"], lambda: service.tasks.extend(i, task.number, 5, by="Ana"))
    step(["task.reassign"], lambda: service.tasks.reassign(i, task.number, "Cy", by="Ana"))
    step(["task.done"], lambda: service.tasks.done(i, task.number, by="Cy"))
    step(["subteam.add", "role.assign", "task.add", "subteam.join"],
         lambda: service.subteams.add(i, "Alpha", "Gil", 20, "replica lag", members=["Hal"], by="Ana"))
    step(["subteam.join"], lambda: service.subteams.join(i, "alpha", "Ivy", by="Ana"))
    step(["subteam.done", "task.done", "role.relieve"], lambda: service.subteams.done(i, "Alpha", by="Ana"))
    service.tasks.add(i, "Dee", 10, "page payments", by="Ana")
    step(["followup.add", "task.done"], lambda: service.tasks.close_open(i, by="Ana", to_followups=True))
    step(["check.set"], lambda: service.checklist.set(i, "ic-01", True, by="Ana", label="Announce"))
    step(["update.send"], lambda: service.updates.send(i, "responders", "Rolling back", by="Ana"))
    step(["postmortem.owner"], lambda: service.postmortem.name_owner(i, "Dee", date(2026, 4, 10), by="Ana"))
    step(["postmortem.owner"], lambda: service.postmortem.acknowledge(i, by="Dee"))
    step(["postmortem.details"], lambda: service.postmortem.set_details(i, recording="https://rec/1", by="Ana"))
    step(["postmortem.save"], lambda: service.postmortem.save(i, "# What happened", by="Dee"))
    step(["postmortem.status"], lambda: service.postmortem.set_status(i, "in_review", by="Dee"))
    item = step(["followup.add"], lambda: service.followups.add(i, "alert on lag", by="Ana"))
    step(["followup.update"], lambda: service.followups.update(item.id, owner="Eve", by="Ana"))
    step(["followup.add"], lambda: service.followups.import_todos(i, by="Ana"))
    # A destination (its URL would be in the keyring; the sender is not run here): a page queues a
    # message for it in the page's op, and dropping that message is an op of its own.
    with service.ledger.writing():
        service.ledger.insert("destinations", {"name": "oncall", "service": "json", "audience": "page",
                                               "secret": "destination/x", "added_at": "2026-03-29T14:00:00.000Z"})
    step(["page.send"], lambda: service.outbox.page(i, "db-oncall", by="Ana"))
    step(["outbox.note"], lambda: service.outbox.drop(service.read.outbox.all()[0].id, by="Ana"))
    step(["postmortem.invite"], lambda: service.outbox.invite(i, "oncall", ["dee@example.com"], by="Ana",
                                                              ics="BEGIN:VCALENDAR", when="2026-04-02 14:00 UTC"))
    step(["people.put"], lambda: service.people.put([{"name": "Ana", "email": "ana@example.com"}]))
    from console.commands import Language
    from console.slack_export import SlackExport
    from tests.slack_fixture import realistic

    clock.advance(minutes=24 * 60)  # after the export's last message
    with SlackExport.open(realistic(tmp_path)) as export:
        plan = service.chat_import.plan(i, export, "inc-checkout", Language.default())
    step(["chat.import"], lambda: service.chat_import.write(plan))
    step([], lambda: service.drafts.save("Ana", i, "half a thought"))  # local only: no op
    step([], lambda: service.drafts.clear("Ana", i))
    from console.scenarios import Inject, Scenario

    injects = (Inject(0, "note", "Support", "Customer ticket: x"), Inject(10, "finding", "Dee", "SME report: y"))
    scenario = Scenario("t", "Drill: t", 2, False, "t", injects)
    drill = step(["incident.declare", "drill.start", "drill.inject"],
                 lambda: service.drills.start(scenario, by="Trainer")).incident
    step(["drill.inject"], lambda: service.drills.tick(drill.id))
    step(["training.add"], lambda: service.training.add("Ana", "shadow", by="Lead"))
    secret = step(["incident.declare"], lambda: service.incidents.declare("leak", by="Ana", security=True)).incident
    # A name the draw never makes (not the shipped words): the drawn one could be any of them.
    step(["incident.codename"], lambda: service.security.rename(secret.id, "Harbour Lantern", by="Ana"))
    step(["incident.forensics"], lambda: service.security.clear(secret.id, by="Ana"))
    (tmp_path / "capture.pcap").write_bytes(b"pcap")
    kept = tmp_path / "evidence"
    step(["evidence.add"], lambda: service.evidence.add(i, tmp_path / "capture.pcap", folder=kept, by="Ana"))
    step(["evidence.verify"], lambda: service.evidence.verify(i, folder=kept, by="Ana"))
    step(["evidence.export"], lambda: service.evidence.export(i, folder=kept, to=tmp_path / "out", by="Ana"))
    assert seen == {verb for verb in OPERATIONS if not verb.startswith("import.")}
    assert todo.kind == "todo"


def test_ops_name_uids_and_times_never_row_ids(service, clock):
    incident = service.incidents.declare("x", by="Ana", severity=3).incident
    service.timeline.log(incident.id, "a note", by="Ben")
    rows = ops_of(service)
    replica = service.ledger.replica
    for _, uid, op_replica, stamp, incident_uid, verb, body, base, register, pushed in rows:
        assert op_replica == replica and stamp.endswith(f".{replica}") and hlc.is_valid(stamp)
        assert incident_uid == incident.uid and pushed == 0
        assert body == canonical(json.loads(body))
        assert "incident_id" not in body and '"id"' not in body
    assert [r[3] for r in rows] == sorted(r[3] for r in rows)
    assert len({r[1] for r in rows}) == len(rows)


def test_a_write_that_fails_records_no_op(service):
    incident = service.incidents.declare("x", by="Ana").incident
    before = last_seq(service)
    service.ledger.execute(
        "CREATE TRIGGER fail_severity_entries BEFORE INSERT ON entries WHEN new.kind = 'severity' "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        service.incidents.set_severity(incident.id, 1, by="Ana")
    assert last_seq(service) == before
    assert service.read.incidents.get(incident.id).severity is None


def test_the_op_log_is_append_only_but_for_being_pushed(service, where):
    service.incidents.declare("x", by="Ana")
    conn = sqlite3.connect(where.db_path)
    try:
        for sql in ("UPDATE ops SET body = '{}'", "UPDATE ops SET hlc = 'x'", "DELETE FROM ops"):
            with pytest.raises(sqlite3.IntegrityError, match="ops are append-only"):
                conn.execute(sql)
        conn.execute("UPDATE ops SET pushed = 1")
        with pytest.raises(sqlite3.IntegrityError, match="ops are append-only"):
            conn.execute("UPDATE ops SET pushed = 0")
    finally:
        conn.close()


def test_a_received_later_clock_moves_ours_on_but_only_so_far(replicas):
    start = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
    ahead, here = replicas("ahead", start + timedelta(minutes=2)), replicas("here", start)
    far = replicas("far", start + timedelta(minutes=30))
    exchange = MemoryExchange()
    declared = ahead.incidents.declare("x", by="Ana").incident
    exchange.sync("ahead", ahead)
    exchange.sync("here", here)
    mine = here.timeline.log(here.read.incidents.all()[0].id, "after theirs", by="Ben")
    newest = here.ledger.execute("SELECT hlc, verb FROM ops ORDER BY seq DESC LIMIT 1").fetchone()
    assert newest[1] == "entry.log" and newest[0] > ahead.ledger.execute("SELECT max(hlc) FROM ops").fetchone()[0]
    # A clock half an hour ahead: its ops are kept as made (everyone orders them alike), but
    # ours moves on only to our clock + MAX_AHEAD.
    far.incidents.declare("from the future", by="Cy")
    exchange.sync("far", far)
    exchange.sync("here", here)
    assert len(here.read.incidents.all()) == 2
    later = here.timeline.log(mine.incident.id, "still ours", by="Ben")
    stamp = here.ledger.execute("SELECT hlc FROM ops ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert hlc.parse(stamp)[0] <= hlc.millis(start + hlc.MAX_AHEAD)
    assert later.entries[0].text == "still ours" and declared.uid == mine.incident.uid


# -- applying ---------------------------------------------------------------------------------

def _busy_incident(service, clock=None):
    """An incident with one of nearly everything."""
    incident = service.incidents.declare("Checkout down", by="Ana", severity=2).incident
    i = incident.id
    service.roster.assign(i, "ic", "Ana", by="Ana")
    service.roster.assign(i, "scribe", "Ben", by="Ana")
    note = service.timeline.log(i, "db-3 lags", by="Ben", kind="finding").entries[0]
    service.history.revise(i, note.id, "db-2 lags", by="Ben")
    service.history.set_pin(i, note.id, True, by="Ana")
    gone = service.timeline.log(i, "wrong room", by="Ben").entries[0]
    service.history.retract(i, gone.id, by="Ben", reason="wrong incident")
    task = service.tasks.add(i, "Cy", 10, "check replicas", by="Ana").task
    service.tasks.extend(i, task.number, 5, by="Ana")
    service.checklist.set(i, "ic-01", True, by="Ana", label="Announce")
    service.updates.send(i, "responders", "Rolling back", by="Ana")
    service.timeline.log(i, "alert on lag", by="Ben", kind="todo")
    service.followups.import_todos(i, by="Ana")
    service.postmortem.name_owner(i, "Dee", date(2026, 4, 10), by="Ana")
    service.postmortem.save(i, "# What happened", by="Dee")
    service.incidents.set_status(i, "resolved", by="Ana")
    return incident


def test_applied_elsewhere_the_record_is_the_same_and_applying_twice_changes_nothing(replicas):
    ana, ben = replicas("ana"), replicas("ben")
    _busy_incident(ana)
    exchange = MemoryExchange()
    exchange.sync("ana", ana)
    assert exchange.sync("ben", ben) == len(exchange.log)
    assert exports(ana) == exports(ben)
    assert ben.sync.apply(exchange.log) == 0
    assert ben.sync.waiting() == 0  # applied ops are the server's already
    document = json.loads(exports(ben)[0])
    assert document["incident"]["ref"] == "INC-1"
    assert [e["id"] for e in document["timeline"]] == [f"E{n}" for n in range(1, len(document["timeline"]) + 1)]
    assert document["followups"][0]["id"] == "A1"


def test_ops_in_any_order_give_the_same_record(replicas):
    ana, ben, cy = replicas("ana"), replicas("ben"), replicas("cy")
    _busy_incident(ana)
    ops = ana.sync.outgoing(1000)
    assert ben.sync.apply(list(reversed(ops))) == len(ops)
    for op in ops[::2] + ops[1::2]:
        cy.sync.apply([op])
    numbers = {ops[0].incident: 1}
    for console in (ana, ben, cy):
        console.sync.set_numbers(numbers)
    assert exports(ana) == exports(ben) == exports(cy)
    assert ben.ledger.execute("SELECT count(*) FROM ops_waiting").fetchone()[0] == 0


def test_one_uid_made_on_two_consoles_keeps_both_entries_everywhere(replicas):
    """A check-back noticed on two consoles: both wrote an entry with the same uid."""
    ana, ben = replicas("ana"), replicas("ben")
    exchange = MemoryExchange()
    incident = ana.incidents.declare("x", by="Ana").incident
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    theirs = ben.read.incidents.all()[0].id
    ana.timeline.log(incident.id, "Check-back due: T1", by="Ana", kind="task", uid="checkback-t1")
    ben.timeline.log(theirs, "Check-back due: T1", by="Ben", kind="task", uid="checkback-t1")
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    assert exports(ana) == exports(ben)
    authors = [e["author"] for e in json.loads(exports(ana)[0])["timeline"] if e["kind"] == "task"]
    assert sorted(authors) == ["Ana", "Ben"]
    # and a pin on Ben's entry, made on Ben's console, pins that one everywhere
    bens = next(e for e in ben.read.timeline.all(theirs) if e.uid == "checkback-t1")
    ben.history.set_pin(theirs, bens.id, True, by="Ben")
    exchange.sync("ben", ben)
    exchange.sync("ana", ana)
    assert [e.author for e in ana.read.timeline.pinned(incident.id)] == ["Ben"]


def test_an_op_that_names_what_is_not_here_yet_waits_for_it(replicas):
    ana, ben = replicas("ana"), replicas("ben")
    incident = ana.incidents.declare("x", by="Ana").incident
    ana.timeline.log(incident.id, "first", by="Ana")
    declare, note = ana.sync.outgoing(10)
    assert ben.sync.apply([note]) == 0
    assert ben.ledger.execute("SELECT count(*) FROM ops_waiting").fetchone()[0] == 1
    assert ben.sync.apply([declare]) == 2
    assert [e.text for e in ben.read.timeline.all(ben.read.incidents.all()[0].id)][-1] == "first"


# -- registers ----------------------------------------------------------------------------------

def _apart(replicas):
    """Two consoles with one incident between them, then cut apart."""
    exchange = MemoryExchange()
    ana = replicas("ana")
    ben = replicas("ben", datetime(2026, 3, 29, 14, 0, 0, 500_000, tzinfo=timezone.utc))
    ana.incidents.declare("Checkout down", by="Ana", severity=3)
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    return exchange, ana, ben, ana.read.incidents.all()[0].id, ben.read.incidents.all()[0].id


def test_severity_changed_apart_ends_the_same_everywhere_and_says_so(replicas):
    exchange, ana, ben, a, b = _apart(replicas)
    ana.ledger._clock.advance(minutes=1)
    ben.ledger._clock.advance(minutes=1)
    ana.incidents.set_severity(a, 1, by="Ana")
    ben.incidents.set_severity(b, 2, by="Ben")  # half a second later: the newer op
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    assert ana.read.incidents.get(a).severity == ben.read.incidents.get(b).severity == 2
    for console, i in ((ana, a), (ben, b)):
        texts = [e.text for e in console.read.timeline.all(i)]
        assert "Severity SEV-3 -> SEV-1" in texts and "Severity SEV-3 -> SEV-2" in texts
        (conflict,) = console.read.sync.conflicts(i)
        assert conflict.text() == "changed concurrently: Ana set SEV-1, Ben set SEV-2 - SEV-2 kept"
    assert exports(ana) == exports(ben)
    # Setting it again, having seen both, settles it.
    ana.incidents.set_severity(a, 1, by="Ana")
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    assert ana.read.sync.conflicts(a) == ben.read.sync.conflicts(b) == []
    assert ben.read.incidents.get(b).severity == 1


def test_an_older_change_arriving_later_keeps_its_entry_but_not_its_value(replicas):
    exchange, ana, ben, a, b = _apart(replicas)
    ben.ledger._clock.advance(minutes=2)
    ben.incidents.set_status(b, "mitigated", by="Ben")
    exchange.sync("ben", ben)
    exchange.sync("ana", ana)
    ana.ledger._clock.advance(minutes=1)  # ana's clock is behind, but ana has seen Ben's op
    ana.incidents.set_status(a, "resolved", by="Ana")
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    assert ana.read.incidents.get(a).status == ben.read.incidents.get(b).status == "resolved"
    assert ben.read.sync.conflicts(b) == []  # Ana saw Ben's change: not concurrent


def test_the_commander_named_apart_is_one_person_everywhere(replicas):
    exchange, ana, ben, a, b = _apart(replicas)
    ana.roster.assign(a, "ic", "Ana", by="Ana")
    ben.roster.assign(b, "ic", "Ben", by="Ben")
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    for console, i in ((ana, a), (ben, b)):
        assert [(r.person, r.to_at is None) for r in console.read.roster.all(i)] == [("Ana", False), ("Ben", True)]
        (conflict,) = console.read.sync.conflicts(i)
        assert conflict.register == "role:ic" and conflict.kept == ("Ben", "Ben")
    assert exports(ana) == exports(ben)


def test_task_numbers_agree_once_the_consoles_have_the_same_ops(replicas):
    exchange, ana, ben, a, b = _apart(replicas)
    ana.tasks.add(a, "Cy", 10, "check replicas", by="Ana")
    ben.tasks.add(b, "Dee", 10, "page payments", by="Ben")
    ana.tasks.add(a, "Eve", 10, "watch errors", by="Ana")
    assert [t.ref for t in ben.read.tasks.all(b)] == ["T1"]
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    mine = sorted((t.number, t.text) for t in ana.read.tasks.all(a))
    theirs = sorted((t.number, t.text) for t in ben.read.tasks.all(b))
    assert mine == theirs and [n for n, _ in mine] == [1, 2, 3]
    assert exports(ana) == exports(ben)


# -- names ------------------------------------------------------------------------------------

def test_refs_solo_provisional_numbered_and_old_ones_still_found(replicas):
    ana = replicas("ana", team="")
    old = ana.incidents.declare("Before the team", by="Ana").incident
    assert old.ref == f"INC-{old.id}" and ana.read.incidents.resolve("INC-1") == old.id
    ana.sync.join("memory")
    new = ana.incidents.declare("Offline", by="Ana").incident
    assert new.ref == f"NEW-{new.id}"
    ana.sync.set_numbers({new.uid: 7, old.uid: 6})
    assert ana.read.incidents.get(new.id).ref == "INC-7"
    assert ana.read.incidents.resolve("INC-7") == new.id
    assert ana.read.incidents.resolve(f"NEW-{new.id}") == new.id  # the provisional ref still works
    assert ana.read.incidents.resolve(f"inc-{old.id}") == old.id  # so does the solo one (an alias)
    assert ana.read.incidents.resolve("INC-6") == old.id
    with pytest.raises(NotFound, match="no incident INC-99"):
        ana.read.incidents.resolve("INC-99")
    with pytest.raises(InputError, match="bad incident reference"):
        ana.read.incidents.resolve("NEW-x")
    ana.sync.leave()
    assert ana.read.incidents.get(new.id).ref == f"INC-{new.id}"


def test_two_consoles_declaring_apart_never_share_a_ref(replicas):
    exchange = MemoryExchange()
    ana, ben = replicas("ana"), replicas("ben")
    a = ana.incidents.declare("Checkout", by="Ana").incident
    b = ben.incidents.declare("Login", by="Ben").incident
    assert a.ref == b.ref == "NEW-1"  # provisional, and looks it
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    refs = {console: sorted((i.ref, i.title) for i in console.read.incidents.all()) for console in (ana, ben)}
    assert refs[ana] == refs[ben] == [("INC-1", "Checkout"), ("INC-2", "Login")]


# -- a database from before the op log ------------------------------------------------------------

def test_a_database_from_before_the_op_log_joins_with_its_history(tmp_path, replicas):
    old = tmp_path / "old" / "incidents.sqlite3"
    old.parent.mkdir()
    shutil.copy(FIXTURES / "schema_0001.sqlite3", old)
    clock = FakeClock()
    ana = IncidentService.open(old, clock)
    try:
        (incident,) = ana.read.incidents.all()
        entry = ana.read.timeline.all(incident.id)[-1]
        ana.history.revise(incident.id, entry.id, "revised after the op log", by="Ana")
        _busy_incident(ana)
        made = ana.sync.join("memory")
        assert made >= 2  # the old incident, and its entries
        assert ana.sync.join("memory") == 0  # not twice
        exchange = MemoryExchange()
        exchange.sync("ana", ana)
        ben = replicas("ben")
        exchange.sync("ben", ben)
        assert ben.ledger.execute("SELECT count(*) FROM ops_waiting").fetchone()[0] == 0
        assert exports(ana) == exports(ben)
        texts = [e["text"] for e in json.loads(exports(ben)[0])["timeline"]] + \
            [e["text"] for e in json.loads(exports(ben)[1])["timeline"]]
        assert any("replica lag" in t for t in texts)
    finally:
        ana.close()


def test_the_boards_data_says_what_was_changed_concurrently(replicas):
    from console import board
    from console.process import load_process

    exchange, ana, ben, a, b = _apart(replicas)
    ana.roster.assign(a, "ic", "Ana", by="Ana")
    ben.roster.assign(b, "ic", "Ben", by="Ben")
    for name, console in (("ana", ana), ("ben", ben), ("ana", ana)):
        exchange.sync(name, console)
    (warning,) = board.concurrent_changes(load_process(), ana.read.sync.conflicts(a))
    assert warning.text == ("Incident Commander changed concurrently: Ana set Ana, Ben set Ben - "
                            "Ben kept.")
    assert warning.role == "ic" and warning.level == "suggest"


def test_an_op_this_console_cannot_run_waits_and_breaks_nothing(replicas):
    """A verb from a newer console, or an HLC that is not one: kept aside, not run."""
    ana, ben = replicas("ana"), replicas("ben")
    incident = ana.incidents.declare("x", by="Ana").incident
    declare, = ana.sync.outgoing(10)
    unknown = declare._replace(uid="u1", verb="incident.teleport", hlc=declare.hlc[:-1] + "z")
    bad_clock = declare._replace(uid="u2", verb="entry.log", hlc="tomorrow")
    not_json = declare._replace(uid="u3", verb="entry.log", body="{oops")
    missing = declare._replace(uid="u4", verb="entry.log", body="{}")
    assert ben.sync.apply([declare, unknown, bad_clock, not_json, missing]) == 1
    assert ben.ledger.execute("SELECT uid FROM ops_waiting ORDER BY uid").fetchall() == [
        ("u1",), ("u2",), ("u3",), ("u4",)]
    assert ben.sync.held() == 4
    ben.timeline.log(ben.read.incidents.all()[0].id, "still fine", by="Ben")
    assert incident.uid == ben.read.incidents.all()[0].uid


def test_the_newest_correction_by_hlc_is_what_an_entry_says_everywhere(replicas):
    exchange, ana, ben, a, b = _apart(replicas)
    ana.timeline.log(a, "db-3 lags", by="Ana")
    exchange.sync("ana", ana)
    exchange.sync("ben", ben)
    ana_entry = ana.read.timeline.all(a)[-1].id
    ben_entry = ben.read.timeline.all(b)[-1].id
    ana.history.revise(a, ana_entry, "db-3 lags heliotrope", by="Ana")
    ben.history.revise(b, ben_entry, "db-3 lags zeppelin", by="Ben")  # half a second later
    for name, console in (("ben", ben), ("ana", ana), ("ben", ben)):
        exchange.sync(name, console)
    for console, i, entry in ((ana, a, ana_entry), (ben, b, ben_entry)):
        assert console.read.timeline.entry(i, entry).current_text == "db-3 lags zeppelin"
        assert [e.id for e in console.read.search.find("zeppelin", incident_id=i)] == [entry]
        assert console.read.search.find("heliotrope", incident_id=i) == []
    assert exports(ana) == exports(ben)
