"""An exchange of ops between consoles in memory, for tests that need many quick exchanges.

It keeps what the team server keeps (console.team.server): every op once, by uid, in the order
it arrived; the incidents' numbers, each given once, to the first console that names the
incident. A console pushes what it has not pushed, learns the numbers of the incidents its ops
name, and pulls what arrived after its cursor (its own ops come back too, as from the server).
`cut(name)` takes a console off the exchange (a partition) until `heal(name)`.
"""

from console.ops import Op


class Unreachable(Exception):
    """The console is cut off from the exchange."""


class MemoryExchange:
    def __init__(self) -> None:
        self.log: list[Op] = []
        self._uids: set[str] = set()
        self.numbers: dict[str, int] = {}
        self.cut_off: set[str] = set()

    def cut(self, name: str) -> None:
        self.cut_off.add(name)

    def heal(self, name: str) -> None:
        self.cut_off.discard(name)

    def _number(self, incidents) -> dict[str, int]:
        for uid in incidents:
            if uid is not None and uid not in self.numbers:
                self.numbers[uid] = len(self.numbers) + 1
        return {uid: self.numbers[uid] for uid in incidents if uid is not None}

    def sync(self, name: str, service, batch: int = 50) -> int:
        """Push, number, pull and apply until in step; how many ops were new to `service`."""
        if name in self.cut_off:
            raise Unreachable(name)
        while True:
            ops = service.sync.outgoing(batch)
            if not ops:
                break
            for op in ops:
                if op.uid not in self._uids:
                    self._uids.add(op.uid)
                    self.log.append(op)
            service.sync.set_numbers(self._number({op.incident for op in ops}))
            service.sync.mark_pushed([op.uid for op in ops])
        applied = 0
        while True:
            cursor = int(service.sync.cursor() or 0)
            ops = self.log[cursor:cursor + batch]
            if not ops:
                return applied
            service.sync.set_numbers(self._number({op.incident for op in ops}))
            applied += service.sync.apply(ops)
            service.sync.set_cursor(str(cursor + len(ops)))
