"""One incident's record chain checked in a process of its own (console.chain's `verify`).

    python -m console.chain_check DATABASE INCIDENT_ID [HEAD_LOG BACKUP_DIR]

With HEAD_LOG and BACKUP_DIR a chain that holds is also checked against the heads written down
outside the database (console/heads.py), as `incident-console verify` does.

The window's badge (ui/chain_badge.py) runs it when an incident is opened, so that a long check
(seconds at a million entries) never competes with the window for its interpreter, and runs
at a lower priority (nice 10), so the window comes first for the processor.
"""

import json
import os
import sys
from pathlib import Path

from console.chain import ChainReads
from console.errors import ConsoleError
from console.store import connect


def main(argv: list[str] | None = None) -> int:
    """Check the incident's chain and say what was found as one line of JSON: {"holds": true},
    or {"holds": false, "what": ..., "how": ..., "n": ..., "line": ...}, or {"error": ...}
    (exit 1)."""
    if hasattr(os, "nice"):
        os.nice(10)  # a check in the background: the window comes first for the processor
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0])
    try:
        if not path.is_file():
            raise ConsoleError(f"{path}: no such database")
        conn = connect(path, read_only=True)
        try:
            found = ChainReads(conn, path).verify(int(args[1]))
            if found is None and len(args) >= 4:
                from console import heads

                written, _ = heads.witnesses(Path(args[2]), Path(args[3]))
                cut = heads.check(conn, int(args[1]), written)
                if cut is not None:
                    what, how = (("the end", f"cut ({cut.missing} missing after {cut.after})")
                                 if cut.missing else ("the chain", "made again"))
                    print(json.dumps({"holds": False, "incident_id": cut.incident_id, "what": what,
                                      "how": how, "n": cut.seen.links, "line": cut.line()}))
                    return 0
        finally:
            conn.close()
    except ConsoleError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    print(json.dumps({"holds": True} if found is None
                     else {"holds": False, **found._asdict(), "line": found.line()}))
    return 0


if __name__ == "__main__":  # pragma: no cover - run by the window as a process of its own
    raise SystemExit(main())
