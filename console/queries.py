"""Reading the store: one `Reader` over a plain sqlite3 connection, by noun.

Reads need nothing from sqlite-utils, so the window can open its list on the standard
library alone and paint before the heavier imports happen. Each noun's queries live with
the noun (console.incidents, console.timeline, console.tasks...); the Reader holds one of
each: `reader.incidents.get(1)`, `reader.timeline.page(1)`, `reader.tasks.all(1)`.
"""

import sqlite3
from functools import cached_property
from pathlib import Path

from console.incidents import IncidentReads
from console.store import storage_errors
from console.timeline import TimelineReads


class Reader:
    """Queries over one connection, by noun; never writes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self.incidents = IncidentReads(conn, path)
        self.timeline = TimelineReads(conn, path)

    # Read on first use: their modules (the chain's reads, the scenarios, the search...) stay
    # off a plain command and off the window's first paint.
    @cached_property
    def roster(self):
        from console.roster import RosterReads

        return RosterReads(self._conn, self._path)

    @cached_property
    def history(self):
        from console.entry_history import EntryHistoryReads

        return EntryHistoryReads(self._conn, self._path)

    @cached_property
    def search(self):
        from console.search import Search

        return Search(self._conn, self._path)

    @cached_property
    def drafts(self):
        from console.drafts import DraftReads

        return DraftReads(self._conn, self._path)

    @cached_property
    def tasks(self):
        from console.tasks import TaskReads

        return TaskReads(self._conn, self._path)

    @cached_property
    def checklist(self):
        from console.checklist import ChecklistReads

        return ChecklistReads(self._conn, self._path)

    @cached_property
    def updates(self):
        from console.updates import UpdateReads

        return UpdateReads(self._conn, self._path)

    @cached_property
    def postmortem(self):
        from console.postmortem_record import PostmortemReads

        return PostmortemReads(self._conn, self._path)

    @cached_property
    def followups(self):
        from console.followups import FollowupReads

        return FollowupReads(self._conn, self._path)

    @cached_property
    def sync(self):
        from console.sync import SyncReads

        return SyncReads(self._conn, self._path)

    @cached_property
    def chain(self):
        from console.chain import ChainReads

        return ChainReads(self._conn, self._path)

    @cached_property
    def destinations(self):
        from console.destinations import DestinationReads

        return DestinationReads(self._conn, self._path)

    @cached_property
    def drills(self):
        from console.drills import DrillReads

        return DrillReads(self._conn, self._path)

    @cached_property
    def outbox(self):
        from console.outbox import OutboxReads

        return OutboxReads(self._conn, self._path)

    @cached_property
    def people(self):
        from console.people import PeopleReads

        return PeopleReads(self._conn, self._path)

    @cached_property
    def subteams(self):
        from console.subteams import SubteamReads

        return SubteamReads(self._conn, self._path)

    @cached_property
    def evidence(self):
        from console.evidence import EvidenceReads

        return EvidenceReads(self._conn, self._path)

    @cached_property
    def training(self):
        from console.training import TrainingReads

        return TrainingReads(self._conn, self._path)

    def close(self) -> None:
        """Close the connection (the window, before a restore replaces the file)."""
        self._conn.close()

    def data_version(self) -> int:
        """A number that changes when another connection commits (never for our own writes).

        Cheap enough to poll every second: a window compares it with the last value it saw
        and re-reads only when something else (the CLI, another seat) wrote to the file.
        """
        with storage_errors(self._path):
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
