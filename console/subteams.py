"""Sub-teams of a complex incident: the IC spins a team off to one problem, people join it, and
it is done (handbook: before/complex_incidents).

A team is one of the process's (subteams.yaml: Alpha, Bravo, Charlie by default, each with its
room and bridge). Spinning one off is one transaction of several ops: its leader takes the
Sub-team Leader role (console.roster; nobody holds that role but a team's leader), the leader's
check-back is a task like any other (console.tasks: the time-box, its countdown and its alert),
the team itself (`subteam.add`) and each first member (`subteam.join`). When the team is done
(`subteam.done`) its members are back among the IC's direct reports, the leader's task is done
and the leader's term ends (unless they lead another team).

A person's team is their newest membership by HLC in a team not done: joining another team is
a move, and consoles that joined the same person to two teams while apart agree on the newer.
"""

import re
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console import domain, times
from console.domain import Change
from console.errors import InputError
from console.ops import Applied, operation
from console.store import storage_errors
from console.vocabulary import TEAM_LEADER

if TYPE_CHECKING:  # pragma: no cover - typing only
    from console.ledger import Ledger

ENTRY_KIND = "team"  # the entry kind of what a team does (entry_kinds.yaml)
_COLUMNS = ("id, uid, incident_id, team, name, room, bridge, leader, problem, task_uid, "
            'started_at, done_at, "by"')


class Membership(NamedTuple):
    """One person joining one team (never changed: a move is a newer membership)."""

    subteam_id: int
    person: str
    joined_at: str
    hlc: str


class Subteam(NamedTuple):
    id: int
    uid: str
    incident_id: int
    team: str  # the process's id (alpha)
    name: str  # as it was when spun off (Alpha)
    room: str
    bridge: str
    leader: str
    problem: str
    task_uid: str  # the leader's check-back task
    started_at: str
    done_at: str | None
    by: str
    members: tuple[str, ...] = ()  # who is in it now (none once it is done), in joining order
    ever: tuple[str, ...] = ()  # everyone who was ever in it, in joining order

    @property
    def active(self) -> bool:
        return self.done_at is None

    def has(self, person: str) -> bool:
        return person.casefold() in {m.casefold() for m in self.members}


def _people(names: Iterable[str], what: str) -> list[str]:
    """Cleaned names, each once (in any case), in the order given."""
    seen: set[str] = set()
    out = []
    for raw in names:
        name = domain.clean_text(" ".join(str(raw).split()), what, domain.MAX_NAME)
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


class Subteams:
    """Spin teams off, add members, and finish teams (each with its timeline entry)."""

    def __init__(self, ledger: "Ledger", roster, tasks) -> None:
        self._ledger = ledger
        self._roster = roster
        self._tasks = tasks

    def add(self, incident_id: int, team: str, leader: str, minutes: int | str, problem: str, *,
            members: Iterable[str] = (), by: str, at: datetime | None = None) -> Change:
        """Spin `team` off to `problem` under `leader`, checking back in `minutes`, with
        `members` (SMEs move under their leader)."""
        ledger = self._ledger
        definition = ledger.vocabulary.team(team)
        name = _people([leader], "leader")[0]
        minutes = domain.parse_minutes(minutes)
        problem = domain.clean_text(" ".join(problem.split()), "problem", domain.MAX_TASK_TEXT)
        joining = [m for m in _people(members, "member") if m.casefold() != name.casefold()]
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        teams = ledger.read.subteams.active(incident_id)
        same = next((t for t in teams if t.team == definition.id), None)
        if same is not None:
            raise InputError(f"{same.name} is already working on {same.problem!r} (led by {same.leader}); "
                             f"/subteam-done {same.name} first")
        for other in teams:
            if other.leader.casefold() == name.casefold():
                raise InputError(f"{name} already leads {other.name} on {incident.ref}")
            if other.has(name):
                raise InputError(f"{name} is in {other.name}: a leader comes from outside the team, "
                                 f"or {other.leader} lets them go first")
        for person in joining:
            leading = next((t for t in teams if t.leader.casefold() == person.casefold()), None)
            if leading is not None:
                raise InputError(f"{person} leads {leading.name} and cannot join {definition.name}")
        now = ledger.now()
        moment = at or now
        uid = ledger.new_uid()
        text = (f"Sub-team {definition.name} spun off: {name} leads, on {problem}; check back in "
                f"{minutes} min (room {definition.room}, bridge {definition.bridge})")
        task_uid = ledger.new_uid()
        body = {"uid": uid, "team": definition.id, "name": definition.name, "room": definition.room,
                "bridge": definition.bridge, "leader": name, "problem": problem, "task": task_uid,
                "started_at": times.to_text(moment), "by": author,
                "entry": ledger.entry(ENTRY_KIND, text, author, moment, now)}
        # In the timeline's order: the team, its leader's role, the check-back, the members.
        with ledger.writing():
            entries = [ledger.record(self._added, incident, body)]
            held = self._roster.hold(incident_id, TEAM_LEADER, name, by=author, at=moment, for_team=True)
            if held is not None:
                entries += held.entries
            task = self._tasks.add(incident_id, name, minutes, f"{definition.name}: {problem}", by=author,
                                   at=moment, uid=task_uid)
            entries += task.entries
            for person in joining:
                entries.append(self._join(incident, uid, definition.name, name, person, None, author,
                                          moment, now))
        return Change(ledger.read.incidents.get(incident_id), tuple(entries), roles_changed=True,
                      task=ledger.read.tasks.by_uid(task_uid))

    @operation("subteam.add")
    def _added(self, op: Applied):
        body = op.body
        self._ledger.insert("subteams", {
            "uid": body["uid"], "incident_id": op.incident_id, "team": body["team"], "name": body["name"],
            "room": body["room"], "bridge": body["bridge"], "leader": body["leader"],
            "problem": body["problem"], "task_uid": body["task"], "started_at": body["started_at"],
            "done_at": None, "by": body["by"], "hlc": op.hlc})
        return self._ledger.put_entry(op, body["entry"])

    def join(self, incident_id: int, team: str, person: str, *, by: str,
             at: datetime | None = None) -> Change:
        """`person` joins `team` (leaving the team they were in: a move)."""
        ledger = self._ledger
        definition = ledger.vocabulary.team(team)
        name = _people([person], "person")[0]
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        teams = ledger.read.subteams.active(incident_id)
        target = next((t for t in teams if t.team == definition.id), None)
        if target is None:
            raise InputError(f"{definition.name} is not working on {incident.ref}: spin it off first "
                             f"(/subteam {definition.name} LEADER MINUTES PROBLEM)")
        if target.has(name):
            raise InputError(f"{name} is already in {target.name}")
        leading = next((t for t in teams if t.leader.casefold() == name.casefold()), None)
        if leading is not None:
            raise InputError(f"{name} leads {leading.name} and cannot join {target.name}")
        was = next((t for t in teams if t.has(name)), None)
        now = ledger.now()
        with ledger.writing():
            entry = self._join(incident, target.uid, target.name, target.leader, name,
                               was.name if was else None, author, at or now, now)
        return Change(ledger.read.incidents.get(incident_id), (entry,), roles_changed=True)

    def _join(self, incident, team_uid: str, team_name: str, leader: str, person: str,
              was: str | None, author: str, moment: datetime, now: datetime):
        text = (f"{person} moves from {was} to {team_name} (led by {leader})" if was
                else f"{person} joins {team_name} (led by {leader})")
        body = {"uid": self._ledger.new_uid(), "team": team_uid, "person": person,
                "joined_at": times.to_text(moment), "by": author,
                "entry": self._ledger.entry(ENTRY_KIND, text, author, moment, now)}
        return self._ledger.record(self._joined, incident, body)

    @operation("subteam.join")
    def _joined(self, op: Applied):
        body = op.body
        ledger = self._ledger
        ledger.insert("subteam_members", {
            "uid": body["uid"], "subteam_id": ledger.row_of("subteams", body["team"]),
            "person": body["person"], "joined_at": body["joined_at"], "by": body["by"], "hlc": op.hlc})
        return ledger.put_entry(op, body["entry"])

    def done(self, incident_id: int, team: str, *, by: str) -> Change:
        """`team` is done: its members report to the IC again, the leader's check-back task is
        done and the leader's term as Sub-team Leader ends (unless they lead another team)."""
        ledger = self._ledger
        definition = ledger.vocabulary.team(team)
        author = domain.clean_text(by, "author", domain.MAX_NAME)
        incident = ledger.read.incidents.get(incident_id)
        teams = ledger.read.subteams.active(incident_id)
        target = next((t for t in teams if t.team == definition.id), None)
        if target is None:
            raise InputError(f"{definition.name} is not working on {incident.ref}")
        now = ledger.now()
        back = f"; {', '.join(target.members)} back with the IC" if target.members else ""
        text = f"Sub-team {target.name} done ({target.problem}), led by {target.leader}{back}"
        body = {"team": target.uid, "done_at": times.to_text(now),
                "entry": ledger.entry(ENTRY_KIND, text, author, now, now)}
        task = ledger.read.tasks.by_uid(target.task_uid)
        still_leads = any(t.uid != target.uid and t.leader.casefold() == target.leader.casefold()
                          for t in teams)
        with ledger.writing():
            entries = [ledger.record(self._done, incident, body)]
            if task is not None and task.done_at is None:
                entries += self._tasks.done(incident_id, task.number, by=author).entries
            if not still_leads and any(a.role == TEAM_LEADER and a.person.casefold() == target.leader.casefold()
                                       for a in ledger.read.roster.current(incident_id)):
                entries += self._roster.relieve(incident_id, TEAM_LEADER, target.leader, by=author,
                                                for_team=True).entries
        return Change(ledger.read.incidents.get(incident_id), tuple(entries), roles_changed=True)

    @operation("subteam.done")
    def _done(self, op: Applied):
        """Done once: done twice while apart, the first by HLC."""
        body = op.body
        ledger = self._ledger
        ledger.row_of("subteams", body["team"])  # the team must be here first
        ledger.execute(
            "UPDATE subteams SET done_at = ?, done_hlc = ? WHERE uid = ? AND (done_hlc = '' OR done_hlc > ?)",
            (body["done_at"], op.hlc, body["team"], op.hlc))
        return ledger.put_entry(op, body["entry"])


def team_entries(entries: Iterable, team: Subteam) -> list:
    """The timeline filtered to one team (`entries`: console.domain.Entry, in timeline order):
    what names the team (its spin-off, joins, done, its check-back task), and while it works what
    its leader or a member wrote or is named in (`Ben: replica 3 lags`)."""
    names = [team.leader, *team.ever]
    named = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)
    itself = re.compile(rf"(?<!\w){re.escape(team.name)}(?!\w)", re.IGNORECASE)
    end = team.done_at or "9999"
    chosen = []
    for entry in entries:
        text = getattr(entry, "current_text", None) or entry.text
        if itself.search(text):
            chosen.append(entry)
        elif team.started_at <= entry.occurred_at <= end and (
                named.search(text) or entry.author.casefold() in {n.casefold() for n in names}):
            chosen.append(entry)
    return chosen


class SubteamReads:
    """Sub-teams as stored, with their members; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def all(self, incident_id: int) -> list[Subteam]:
        """Every team spun off on the incident, done ones too, in the order they were made."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM subteams WHERE incident_id = ? ORDER BY hlc, id", (incident_id,)
            ).fetchall()
            if not rows:
                return []
            joined = self._conn.execute(
                "SELECT m.subteam_id, m.person, m.joined_at, m.hlc FROM subteam_members m "
                "JOIN subteams t ON t.id = m.subteam_id WHERE t.incident_id = ? ORDER BY m.hlc, m.id",
                (incident_id,),
            ).fetchall()
        memberships = [Membership(*row) for row in joined]
        teams = [Subteam(*row) for row in rows]
        done = {t.id for t in teams if not t.active}
        newest: dict[str, Membership] = {}
        for membership in memberships:  # in HLC order: the last one of each person is their team
            newest[membership.person.casefold()] = membership
        now_in = {m.subteam_id: [] for m in newest.values()}
        for membership in memberships:
            if newest[membership.person.casefold()] is membership and membership.subteam_id not in done:
                now_in[membership.subteam_id].append(membership.person)
        ever: dict[int, list[str]] = {}
        for membership in memberships:
            names = ever.setdefault(membership.subteam_id, [])
            if membership.person.casefold() not in {n.casefold() for n in names}:
                names.append(membership.person)
        return [t._replace(members=tuple(now_in.get(t.id, ())), ever=tuple(ever.get(t.id, ())))
                for t in teams]

    def active(self, incident_id: int) -> list[Subteam]:
        """The teams working now (not done)."""
        return [t for t in self.all(incident_id) if t.active]

    def memberships(self, incident_id: int) -> list[Membership]:
        """Every join, in HLC order (what a person's team was at a moment is read from these)."""
        with storage_errors(self._path):
            rows = self._conn.execute(
                "SELECT m.subteam_id, m.person, m.joined_at, m.hlc FROM subteam_members m "
                "JOIN subteams t ON t.id = m.subteam_id WHERE t.incident_id = ? ORDER BY m.hlc, m.id",
                (incident_id,),
            ).fetchall()
        return [Membership(*row) for row in rows]
