"""Backup and restore of a 1M-entry database (issue 15), against SQLite's own in the same run.

    python -m tests.bench.backup [--entries 1000000]

Builds one database (timeline_scale's build: one incident, search index and some history),
then times, each after dropping nothing (the file is in the page cache for all of them alike):
- the floor: the `sqlite3` shell's `.backup` when it is installed, and the backup API in one
  step from a bare connection (what `.backup` does), each to a new file;
- ours: `backups.take` (the same API in one step, plus the file's quick_check, the counts, the
  fsyncs and the rename that make it a verified backup) and `restore.restore` of that backup
  (copy aside, check, keep the current database as a verified backup, rename);
- the start's `quick_check` of the database (console/damage.py, on the window's writer thread
  after the first paint) and a plain open of the list, for the choice made there.
"""

import argparse
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from tests.bench.timeline_scale import build


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    from console import backups, damage, restore

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        db = base / "data" / "incidents.sqlite3"
        db.parent.mkdir(mode=0o700)
        _, built = build(db, args.entries)
        size = db.stat().st_size
        print(f"database: {args.entries:,} entries, {size / 1024 / 1024:.0f} MiB (built in {built:.1f} s)")

        def bare_api():
            source = sqlite3.connect(db)
            target = sqlite3.connect(base / "bare.sqlite3")
            source.backup(target)
            target.close()
            source.close()

        rows = []
        shell = shutil.which("sqlite3")
        if shell:
            rows.append(("sqlite3 .backup (the shell)", _timed(lambda: subprocess.run(
                [shell, str(db), f".backup {base / 'shell.sqlite3'}"], check=True))))
        rows.append(("backup API, one step (bare)", _timed(bare_api)))
        floor = min(seconds for _, seconds in rows)
        made = []
        rows.append(("backups.take (verified)", _timed(lambda: made.append(
            backups.take(db, base / "backups")))))
        ours = rows[-1][1]
        rows.append(("restore.restore", _timed(lambda: restore.restore(made[0].path, db, base / "backups"))))
        restored = rows[-1][1]
        rows.append(("quick_check at start (damage.check)", _timed(lambda: damage.check(db))))
        for label, seconds in rows:
            print(f"  {label:<38} {seconds:7.2f} s")
        print(f"ratio: backup {ours / floor:.2f}x the floor, restore {restored / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
