"""One exchange with the team server: everything waiting goes out, everything new comes in.

    sync_once(service, server) -> Exchanged(pushed, pulled, applied, numbered)

0. Read the server's clock: where this console's is ahead, its next ops are dated by the
   server's (console/ledger.py's next_hlc).
1. Push what this console wrote and the server lacks, oldest first, in batches; after each
   batch the server numbers the incidents it names (INC-N on every console), then the batch
   is marked pushed here. A crash in between only sends the batch again, which changes nothing
   (the server keeps an op once, by uid).
2. Pull everyone's ops after the stored cursor, in batches, until there is nothing newer;
   number the incidents they name that have no number here yet; apply them (the core skips
   those it has, so our own ops coming back cost a lookup); store the cursor after each batch.

Interrupted anywhere (the link drops: server.Unreachable), the next exchange carries on from
what was stored; nothing is lost or applied twice. A `stop` event (the window closing) ends it
between two batches, the same way. Runs on the caller's thread with the service's one writer
connection.
"""

from typing import NamedTuple

BATCH = 500


class Exchanged(NamedTuple):
    pushed: int  # ops sent (including any the server already had)
    pulled: int  # ops received (including our own, coming back)
    applied: int  # of those, the ones that were new here
    numbered: int  # incidents whose number this exchange learned or confirmed


def _number(service, server, ops, numbers: dict[str, int]) -> None:
    """Learn the numbers of the incidents `ops` name that this exchange has not yet learned."""
    fresh = server.number(op.incident for op in ops if op.incident not in numbers)
    if fresh:
        service.sync.set_numbers(fresh)
        numbers.update(fresh)


def _stopped(stop) -> bool:
    return stop is not None and stop.is_set()


def push_all(service, server, batch: int = BATCH, numbers: dict[str, int] | None = None, stop=None) -> int:
    """Push everything waiting, numbering the incidents it names (into `numbers`); how many
    ops went."""
    numbers = {} if numbers is None else numbers
    pushed = 0
    while not _stopped(stop):
        ops = service.sync.outgoing(batch)
        if not ops:
            return pushed
        server.push(ops)
        _number(service, server, ops, numbers)
        service.sync.mark_pushed([op.uid for op in ops])
        pushed += len(ops)
        if len(ops) < batch:
            return pushed
    return pushed


def pull_all(service, server, batch: int = BATCH, numbers: dict[str, int] | None = None,
             stop=None) -> tuple[int, int]:
    """Pull and apply until in step, numbering the incidents the ops name (into `numbers`);
    (ops pulled, applied here)."""
    numbers = {} if numbers is None else numbers
    pulled = applied = 0
    while not _stopped(stop):
        cursor = service.sync.cursor()
        ops, after = server.pull(cursor, batch)
        if ops:
            _number(service, server, ops, numbers)
            applied += service.sync.apply(ops)
            pulled += len(ops)
        if after != cursor:
            service.sync.set_cursor(after)
        if len(ops) < batch:
            return pulled, applied
    return pulled, applied


def sync_once(service, server, batch: int = BATCH, stop=None) -> Exchanged:
    """Push, number, pull and apply until this console and the server are in step (or until
    `stop`, a threading.Event, is set)."""
    from console.team.server import ServerRefused

    numbers: dict[str, int] = {}
    service.sync.note_server_clock(server.clock_ms())  # before the push: new ops use it
    try:
        pushed = push_all(service, server, batch, numbers, stop)
    except ServerRefused:
        # Refused (an op dated ahead of the server's clock waits here until then): what the
        # others wrote still comes in, then the refusal is said.
        pull_all(service, server, batch, numbers, stop)
        raise
    pulled, applied = pull_all(service, server, batch, numbers, stop)
    return Exchanged(pushed, pulled, applied, len(numbers))
