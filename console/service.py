"""The incident service: one writer on the store, with one object per noun.

`IncidentService.open(path, clock)` opens (and migrates) the store as this process's one
writer; each noun is an attribute built on the shared `Ledger` (console.ledger):

    service.incidents.declare(...)      set_severity, set_status        (console.incidents)
    service.roster.assign(...)          relieve                         (console.roster)
    service.timeline.log(...)                                           (console.timeline)
    service.history.revise(...)         retract, set_pin                (console.entry_history)
    service.drafts.save(...)            clear                           (console.drafts)
    service.tasks.add(...)              done, extend, reassign          (console.tasks)
    service.checklist.set(...)                                          (console.checklist)
    service.updates.send(...)                                           (console.updates)
    service.postmortem.name_owner(...)  acknowledge, set_details, save, set_status
                                                                        (console.postmortem_record)
    service.followups.add(...)          update, import_todos            (console.followups)
    service.drills.start(...)           tick                            (console.drills)
    service.training.add(...)                                           (console.training)
    service.outbox.page(...)            release, resend, drop, claim, finish (console.outbox)
    service.destinations.add(...)       remove                          (console.destinations)
    service.people.put(...)             plan                            (console.people)
    service.chat_import.plan(...)       write                           (console.chat_import)
    service.subteams.add(...)           join, done                      (console.subteams)
    service.evidence.add(...)           verify, export                  (console.evidence)
    service.sync.apply(...)             outgoing, mark_pushed, set_numbers, join...
                                                                        (console.sync)

and `service.read` reads every noun back (console.queries.Reader). Every operation records its
op (console.ops) in the same transaction as its rows; `service.sync` runs ops from the other
consoles of a team through the same effects.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path

from console.clock import Clock
from console.incidents import Incidents
from console.ledger import SEARCH_BEHIND, Ledger
from console.queries import Reader
from console.store import open_store, storage_errors, write_transaction
from console.timeline import Timeline
from console.vocabulary import Vocabulary


class IncidentService:
    """Writes through the single writer connection, by noun; reads through `self.read`."""

    @classmethod
    def open(cls, path: Path, clock: Clock, vocabulary: Vocabulary | None = None,
             upgrading: Callable[[int], None] | None = None) -> "IncidentService":
        """Open (and migrate) the store at `path` as this process's one writer.

        `vocabulary` is the loaded process's roles, kinds and audiences (default: the shipped
        process's); `upgrading(n)` is told before an earlier version's file gets `n`
        migrations (store.open_store)."""
        return cls(Ledger(open_store(path, upgrading), path, clock, vocabulary))

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.read: Reader = ledger.read
        self.incidents = Incidents(ledger)
        self.timeline = Timeline(ledger)

    # The nouns a plain `log` never touches are made on first use (their modules import the
    # chat export's readers, the scenarios...; each module costs a command ~0.5 ms).
    @cached_property
    def roster(self):
        from console.roster import Roster

        return Roster(self.ledger)

    @cached_property
    def history(self):
        from console.entry_history import EntryHistory

        return EntryHistory(self.ledger)

    @cached_property
    def drafts(self):
        from console.drafts import Drafts

        return Drafts(self.ledger)

    @cached_property
    def tasks(self):
        from console.tasks import Tasks

        return Tasks(self.ledger)

    @cached_property
    def checklist(self):
        from console.checklist import Checklist

        return Checklist(self.ledger)

    @cached_property
    def updates(self):
        from console.updates import Updates

        return Updates(self.ledger)

    @cached_property
    def postmortem(self):
        from console.postmortem_record import Postmortems

        return Postmortems(self.ledger)

    @cached_property
    def followups(self):
        from console.followups import Followups

        return Followups(self.ledger)

    @cached_property
    def sync(self):
        from console.sync import Sync

        return Sync(self.ledger, lambda: (
            self.incidents, self.roster, self.timeline, self.history, self.tasks, self.checklist,
            self.updates, self.postmortem, self.followups, self.drills, self.training, self.people,
            self.chat_import, self.subteams, self.outbox, self.chain_origins, self.security, self.evidence))

    @cached_property
    def drills(self):
        from console.drills import Drills

        return Drills(self.ledger, self.incidents)

    @cached_property
    def training(self):
        from console.training import Training

        return Training(self.ledger)

    @cached_property
    def people(self):
        from console.people import People

        return People(self.ledger)

    @cached_property
    def chat_import(self):
        from console.chat_import import ChatImport

        return ChatImport(self.ledger)

    @cached_property
    def subteams(self):
        from console.subteams import Subteams

        return Subteams(self.ledger, self.roster, self.tasks)

    @cached_property
    def security(self):
        from console.security import Security

        return Security(self.ledger)

    @cached_property
    def outbox(self):
        from console.outbox import Outbox

        return Outbox(self.ledger)

    @cached_property
    def destinations(self):
        from console.destinations import Destinations

        return Destinations(self.ledger)

    @cached_property
    def chain_origins(self):
        from console.chain import ChainOrigins

        return ChainOrigins(self.ledger)

    @cached_property
    def evidence(self):
        from console.evidence import Evidence

        return Evidence(self.ledger)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.ledger.vocabulary

    def now(self) -> datetime:
        """The service's clock: what `recorded_at` is stamped with."""
        return self.ledger.now()

    def index_for_search(self) -> None:
        """Put the entries written since the last time into the search index
        (console.search_index), in a transaction of its own; nothing when none wait. The window's
        writer calls it a moment after its last write, so that a note just written is ranked
        like the others (until then search matches it in memory, scored among the waiting ones)."""
        ledger = self.ledger
        with storage_errors(ledger.path):
            waiting = ledger.execute(SEARCH_BEHIND).fetchone()[0]
        if waiting:
            from console.search_index import catch_up

            with write_transaction(ledger.conn, ledger.path):
                catch_up(ledger.conn)

    def checkpoint(self) -> None:
        """Index what waits (index_for_search), then copy the write-ahead log into the
        database; called when the writer is idle, and before it closes.

        A window turns SQLite's automatic checkpoints off (they can stall one commit for
        ~20 ms) and calls this a moment after the last write instead.
        """
        self.index_for_search()
        with storage_errors(self.ledger.path):
            self.ledger.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def checkpoint_when_idle(self) -> None:
        """Leave checkpoints to `checkpoint()` instead of SQLite's every-1000-pages rule."""
        self.ledger.execute("PRAGMA wal_autocheckpoint = 0")

    def close(self) -> None:
        self.ledger.close()
