"""Convergence, as a property: 2-4 consoles (each a real SQLite file and its IncidentService)
write at random while apart, are cut off and healed, restarted, and exchange ops in any
interleaving; after a full sync every console's JSON export of every incident is the same,
every entry is there exactly once, and in the same order.

The same machine runs twice: through an exchange in memory (tests/team/memory_exchange.py: the
server's rules without the server, fast, many examples) and through the real PostgreSQL team
server (console.team: a partition there is a TCP proxy cut in front of the server).
"""

import json
import shutil
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from console import incident_json
from console.errors import ConsoleError
from console.service import IncidentService
from tests.conftest import FakeClock
from tests.team.memory_exchange import MemoryExchange, Unreachable

START = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PEOPLE = ("Ana", "Ben", "Cy", "Dee")
ROLES = ("ic", "scribe", "sme", "deputy")
KINDS = ("note", "finding", "decision", "todo", "action")
ITEMS = ("ic-01", "ic-02", "ic-03")
TEAMS = ("Alpha", "Bravo")


def _template(folder: Path) -> Path:
    """A migrated, empty store to copy for each console (migrating takes most of a console's
    start); each copy is given a replica id of its own, as a new database makes one."""
    path = folder / "template.sqlite3"
    if not path.exists():
        IncidentService.open(path, FakeClock()).close()
    return path


class Console:
    """One console: its file, its clock and its open service (closed and opened on restart)."""

    def __init__(self, name: str, path: Path, clock: FakeClock, team: str) -> None:
        self.name, self.path, self.clock = name, path, clock
        self.service = IncidentService.open(path, clock)
        self.service.ledger.execute("UPDATE sync_state SET replica = ?", (uuid.uuid4().hex[:16],))
        self.service.ledger.conn.commit()
        self.service.ledger._replica = None
        self.service.sync.join(team)

    def restart(self) -> None:
        self.service.close()
        self.service = IncidentService.open(self.path, self.clock)

    def exports(self) -> dict[str, str]:
        read = self.service.read
        return {i.uid: incident_json.to_json(read, i.id) for i in read.incidents.all()}

    def entries(self) -> Counter:
        """Every entry here, as (uid as first written, HLC)."""
        rows = self.service.ledger.execute("SELECT uid, hlc FROM entries").fetchall()
        return Counter((uid.removesuffix(f"~{stamp}"), stamp) for uid, stamp in rows)


class Convergence(RuleBasedStateMachine):
    """The consoles and what they do; the exchange (`self.link`) is set by the subclass."""

    folder: Path
    tally: Counter  # what the examples did, so the test can say it did something


    def __init__(self) -> None:
        super().__init__()
        self.consoles: list[Console] = []
        self.cut: set[str] = set()

    # -- the exchange, by subclass --------------------------------------------------------------

    def open_link(self) -> None:
        raise NotImplementedError

    def sync_one(self, console: Console) -> None:
        raise NotImplementedError

    def set_cut(self, console: Console, cut: bool) -> None:
        raise NotImplementedError

    def all_ops(self) -> list:
        raise NotImplementedError

    # -- set-up ---------------------------------------------------------------------------------

    @initialize(count=st.integers(2, 4), skews=st.lists(st.integers(0, 3000), min_size=4, max_size=4),
                legacy=st.booleans())
    def open_consoles(self, count, skews, legacy):
        """`legacy`: the first console's file was written before the op log (the first schema's
        fixture, migrated as it opens), so its history travels as the ops joining makes."""
        self.open_link()
        run = self.folder / uuid.uuid4().hex[:8]
        run.mkdir(parents=True)
        template = _template(self.folder)
        for n in range(count):
            path = run / f"c{n}.sqlite3"
            shutil.copy(FIXTURES / "schema_0001.sqlite3" if legacy and n == 0 else template, path)
            clock = FakeClock(START + timedelta(milliseconds=skews[n]))
            self.consoles.append(Console(f"c{n}", path, clock, self.team))
        # One incident every console has from the start (more can be declared, apart).
        self.consoles[0].service.incidents.declare("Checkout down", by="c0", severity=3)
        for console in self.consoles:
            self.sync_one(console)

    def teardown(self) -> None:
        try:
            if self.consoles:
                self._converged()
        finally:
            for console in self.consoles:
                console.service.close()
            self.close_link()

    def close_link(self) -> None:
        pass

    # -- helpers --------------------------------------------------------------------------------

    def _console(self, data) -> Console:
        return data.draw(st.sampled_from(self.consoles), label="console")

    def _incident(self, data, console: Console):
        incidents = console.service.read.incidents.all()
        if not incidents:
            return None
        return data.draw(st.sampled_from(incidents), label="incident").id

    def _write(self, run) -> None:
        """A write a person might try: refused ones (already SEV-2, already done...) write
        nothing, as in the window."""
        try:
            run()
        except ConsoleError:
            pass

    # -- writes ---------------------------------------------------------------------------------

    @rule(data=st.data(), severity=st.none() | st.integers(1, 5))
    def declare(self, data, severity):
        console = self._console(data)
        self._write(lambda: console.service.incidents.declare(
            data.draw(st.sampled_from(("Checkout down", "Login slow", "DNS"))), by=console.name,
            severity=severity))

    @rule(data=st.data(), kind=st.sampled_from(KINDS), back=st.integers(0, 120))
    def log(self, data, kind, back):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            at = console.clock.now() - timedelta(seconds=back)
            self._write(lambda: console.service.timeline.log(
                incident, f"{kind} {data.draw(st.integers(0, 99))}", by=console.name, kind=kind,
                occurred_at=at))

    @rule(data=st.data(), level=st.integers(1, 5))
    def severity(self, data, level):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.incidents.set_severity(incident, level, by=console.name))

    @rule(data=st.data(), status=st.sampled_from(("active", "mitigated", "resolved")))
    def status(self, data, status):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.incidents.set_status(incident, status, by=console.name))

    @rule(data=st.data(), role=st.sampled_from(ROLES), person=st.sampled_from(PEOPLE))
    def assign(self, data, role, person):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.roster.assign(incident, role, person, by=console.name))

    @rule(data=st.data())
    def relieve(self, data):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            held = console.service.read.roster.current(incident)
            if held:
                term = data.draw(st.sampled_from(held))
                self._write(lambda: console.service.roster.relieve(
                    incident, term.role, term.person, by=console.name))

    @rule(data=st.data(), owner=st.sampled_from(PEOPLE), minutes=st.integers(1, 30))
    def task(self, data, owner, minutes):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.tasks.add(incident, owner, minutes, "check it",
                                                          by=console.name))

    @rule(data=st.data(), what=st.sampled_from(("done", "extend", "reassign")))
    def task_change(self, data, what):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is None:
            return
        tasks = console.service.read.tasks.all(incident)
        if not tasks:
            return
        number = data.draw(st.sampled_from(tasks)).number
        tasks_ = console.service.tasks
        run = {"done": lambda: tasks_.done(incident, number, by=console.name),
               "extend": lambda: tasks_.extend(incident, number, 5, by=console.name),
               "reassign": lambda: tasks_.reassign(incident, number, data.draw(st.sampled_from(PEOPLE)),
                                                   by=console.name)}[what]
        self._write(run)

    @rule(data=st.data(), item=st.sampled_from(ITEMS), checked=st.booleans())
    def check(self, data, item, checked):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.checklist.set(incident, item, checked, by=console.name,
                                                              label=item))

    @rule(data=st.data(), what=st.sampled_from(("revise", "retract", "pin", "unpin")))
    def entry_change(self, data, what):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is None:
            return
        entries = [e for e in console.service.read.timeline.all(incident) if e.kind in KINDS]
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries)).id
        history = console.service.history
        run = {"revise": lambda: history.revise(incident, entry, f"revised {data.draw(st.integers(0, 9))}",
                                                by=console.name),
               "retract": lambda: history.retract(incident, entry, by=console.name, reason="wrong"),
               "pin": lambda: history.set_pin(incident, entry, True, by=console.name),
               "unpin": lambda: history.set_pin(incident, entry, False, by=console.name)}[what]
        self._write(run)

    @rule(data=st.data(), audience=st.sampled_from(("responders", "executives")))
    def update(self, data, audience):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is not None:
            self._write(lambda: console.service.updates.send(incident, audience, "Rolling back",
                                                             by=console.name))

    @rule(data=st.data(), what=st.sampled_from(("owner", "ack", "save", "todos", "followup")))
    def after(self, data, what):
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is None:
            return
        service = console.service
        person = data.draw(st.sampled_from(PEOPLE))
        run = {"owner": lambda: service.postmortem.name_owner(incident, person, date(2026, 4, 10),
                                                              by=console.name),
               "ack": lambda: service.postmortem.acknowledge(incident, by=person),
               "save": lambda: service.postmortem.save(incident, f"# draft {person}", by=console.name),
               "todos": lambda: service.followups.import_todos(incident, by=console.name),
               "followup": lambda: service.followups.add(incident, "alert on lag", owner=person,
                                                         by=console.name)}[what]
        self._write(run)

    @rule(data=st.data(), team=st.sampled_from(TEAMS), what=st.sampled_from(("add", "join", "done")))
    def subteam(self, data, team, what):
        """Sub-teams (console.subteams): spun off with a member, joined (a move when the person
        is in the other team), done; apart, two consoles may spin off the same team."""
        console = self._console(data)
        incident = self._incident(data, console)
        if incident is None:
            return
        teams = console.service.subteams
        person = data.draw(st.sampled_from(PEOPLE))
        run = {"add": lambda: teams.add(incident, team, person, data.draw(st.integers(1, 30)), "replica lag",
                                        members=[data.draw(st.sampled_from(PEOPLE))], by=console.name),
               "join": lambda: teams.join(incident, team, person, by=console.name),
               "done": lambda: teams.done(incident, team, by=console.name)}[what]
        self._write(run)

    # -- time, partitions, restarts, syncs ------------------------------------------------------

    @rule(data=st.data(), seconds=st.integers(0, 90))
    def tick(self, data, seconds):
        self._console(data).clock.advance(seconds=seconds)

    @rule(data=st.data())
    def partition(self, data):
        console = self._console(data)
        self.cut.add(console.name)
        self.set_cut(console, True)

    @precondition(lambda self: self.cut)
    @rule(data=st.data())
    def heal(self, data):
        name = data.draw(st.sampled_from(sorted(self.cut)))
        console = next(c for c in self.consoles if c.name == name)
        self.cut.discard(name)
        self.set_cut(console, False)

    @rule(data=st.data())
    def restart(self, data):
        self._console(data).restart()
        self.tally["restarts"] += 1

    @rule(data=st.data())
    def sync(self, data):
        console = self._console(data)
        try:
            self.sync_one(console)
            self.tally["syncs"] += 1
        except Unreachable:
            assert console.name in self.cut
            self.tally["syncs refused while cut off"] += 1

    @precondition(lambda self: self.cut)
    @rule(data=st.data())
    def sync_cut_off(self, data):
        """A console that is cut off tries to sync: refused, and it keeps its ops for later.
        (`sync` may draw a cut-off console too; this makes sure every run tries one: with the
        same twelve examples each time, whether `sync` drew one came to depend on what
        the steps before it left.)"""
        name = data.draw(st.sampled_from(sorted(self.cut)))
        console = next(c for c in self.consoles if c.name == name)
        try:
            self.sync_one(console)
        except Unreachable:
            self.tally["syncs refused while cut off"] += 1
        else:
            raise AssertionError(f"{name} is cut off, and its sync went through")

    @rule(data=st.data())
    def sync_some(self, data):
        """Several consoles sync, one after another, in an order drawn."""
        for console in data.draw(st.permutations(self.consoles), label="order")[:data.draw(
                st.integers(1, len(self.consoles)), label="how many")]:
            try:
                self.sync_one(console)
                self.tally["syncs"] += 1
            except Unreachable:
                assert console.name in self.cut
                self.tally["syncs refused while cut off"] += 1

    # -- the property ---------------------------------------------------------------------------

    def _converged(self) -> None:
        for console in self.consoles:
            if console.name in self.cut:
                self.set_cut(console, False)
        self.cut.clear()
        for _ in range(2):  # the second round brings everyone what the first round's last pushed
            for console in self.consoles:
                self.sync_one(console)
        ops = self.all_ops()
        expected = Counter()
        for op in ops:
            body = json.loads(op.body)
            for entry in ([body["entry"]] if "entry" in body else []) + body.get("entries", []):
                expected[(entry["uid"], entry.get("hlc", op.hlc))] += 1
        assert all(n == 1 for n in expected.values()), [
            (key, [op.verb for op in ops if key[0] in op.body]) for key, n in expected.items() if n > 1]
        first = self.consoles[0].exports()
        for console in self.consoles:
            waiting = console.service.ledger.execute("SELECT count(*) FROM ops_waiting").fetchone()[0]
            assert waiting == 0, console.name
            assert console.service.sync.waiting() == 0, console.name
            assert console.entries() == expected, console.name  # every entry, exactly once
            exported = console.exports()
            assert exported == first, console.name  # the same record, in the same order
            for incident in console.service.read.incidents.all():  # the same chain, and it holds
                assert console.service.read.chain.verify(incident.id) is None, console.name
        for document in first.values():
            assert json.loads(document)["incident"]["ref"].startswith("INC-")
        read = self.consoles[0].service.read
        self.tally["examples"] += 1
        self.tally["ops carrying rows from before the op log"] += sum(op.verb.startswith("import.") for op in ops)
        self.tally["consoles"] += len(self.consoles)
        self.tally["ops"] += len(ops)
        self.tally["sub-team ops"] += sum(op.verb.startswith("subteam.") for op in ops)
        self.tally["entries"] += sum(expected.values())
        self.tally["registers changed concurrently"] += sum(
            len(read.sync.conflicts(i.id)) for i in read.incidents.all())


class InMemory(Convergence):
    team = "memory"

    def open_link(self) -> None:
        self.link = MemoryExchange()

    def sync_one(self, console: Console) -> None:
        self.link.sync(console.name, console.service)

    def set_cut(self, console: Console, cut: bool) -> None:
        (self.link.cut if cut else self.link.heal)(console.name)

    def all_ops(self) -> list:
        return self.link.log


def _did_something(tally: Counter, examples: int) -> None:
    """The property held over examples that did what it is about (not empty runs)."""
    print(dict(tally))
    assert tally["examples"] >= examples
    for what in ("ops", "entries", "syncs", "syncs refused while cut off", "restarts",
                 "registers changed concurrently", "ops carrying rows from before the op log",
                 "sub-team ops"):
        assert tally[what] > 0, what


def test_consoles_converge_through_an_exchange_in_memory(tmp_path):
    InMemory.folder, InMemory.tally = tmp_path, Counter()
    run_state_machine_as_test(InMemory, settings=settings(
        max_examples=60, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    _did_something(InMemory.tally, 60)


def test_consoles_converge_through_the_team_server(tmp_path, team_db):
    """The same, through PostgreSQL: each console talks to the server through a TCP proxy of
    its own, cut to make a partition. Each example has a database of its own, copied from the
    migrated one (PostgreSQL's CREATE DATABASE ... TEMPLATE)."""
    from console.team.exchange import sync_once
    from console.team.server import Unreachable as ServerUnreachable
    from tests.team import cluster as pg
    from tests.team.conftest import TeamDb
    from tests.team.proxy import Proxy

    examples = iter(range(1, 1000))

    class Server(Convergence):
        team = team_db.url()

        def open_link(self) -> None:
            self.proxies: dict[str, Proxy] = {}
            name = f"{team_db.name}_x{next(examples)}"
            team_db.cluster.psql(f"CREATE DATABASE {name} TEMPLATE {team_db.name} OWNER {pg.OWNER}")
            self.db = TeamDb(team_db.cluster, name)

        def close_link(self) -> None:
            for proxy in self.proxies.values():
                proxy.close()
            team_db.cluster.psql(f"DROP DATABASE {self.db.name} WITH (FORCE)")

        def _proxy(self, console: Console) -> Proxy:
            if console.name not in self.proxies:
                self.proxies[console.name] = Proxy(team_db.cluster.port)
            return self.proxies[console.name]

        def sync_one(self, console: Console) -> None:
            proxy = self._proxy(console)
            try:
                with self.db.connect(port=proxy.port) as server:
                    sync_once(console.service, server)
            except ServerUnreachable as exc:
                raise Unreachable(console.name) from exc

        def set_cut(self, console: Console, cut: bool) -> None:
            proxy = self._proxy(console)
            proxy.cut() if cut else proxy.heal()

        def all_ops(self) -> list:
            with self.db.connect() as server:
                ops, after = [], None
                while True:
                    batch, after = server.pull(after, 1000)
                    ops += batch
                    if len(batch) < 1000:
                        return ops

    Server.folder, Server.tally = tmp_path, Counter()
    # Twelve examples are few: drawn at random, a rare kind of step (two consoles changing one
    # register while apart: about two in a run) was sometimes not drawn at all, and the check
    # that the examples did something failed a full run. The same twelve each time: the
    # in-memory run above draws at random, five times as many.
    run_state_machine_as_test(Server, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    _did_something(Server.tally, 12)
