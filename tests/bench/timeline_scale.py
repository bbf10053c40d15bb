"""Timeline at scale: one incident with 1,000,000 entries (some corrected, retracted, pinned),
measured against floors taken in the same run (the machine is noisy; compare the ratios).

    python -m tests.bench.timeline_scale [--entries 1000000] [--samples 2000] [--runs 21]

(a) opening: a fresh process opens the file and reads the newest page (500 entries, with
    their corrections, retractions and pins) - target < 1 s; floor: a bare sqlite3 process
    reading the same 500 raw rows.
(b) appending: `IncidentService.log` at 1M entries (search index and the author and kind
    indexes included) vs a raw sqlite3 one-row insert+commit with the same durability (WAL,
    synchronous=FULL) and the same checkpoint policy - target p99 <= 3x. Measured under the
    window's policy (checkpoint when idle) and under SQLite's default (see `BURST`), the two
    sides in alternating blocks of 50 (`appends_against_floor`).
(c) searching: the first page (50) for a rare word and for a word in most entries, on the
    incident - target < 50 ms; floor: a bare FTS5 MATCH of the word, newest 50 rowids.
    Filtered searches are reported too (no target).
(d) memory: the opening process's peak RSS (ru_maxrss, and VmHWM: see `_PEAK`) after opening
    the incident with the reader and the writer - target < 200 MB; floor: the bare process.

The timeline is built quickly and the way a bulk import would be: raw `executemany` in one
transaction with every trigger firing, then the search index caught up in the same transaction
as a write does it (console.search_index: row by row, not rebuilt), so the file is exactly what
the console would have written.
"""

import argparse
import inspect
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from console.uids import new_uid

from tests.bench.ratios import percentile, ratio

ROOT = Path(__file__).resolve().parents[2]
TARGET_OPEN_MS = 1000.0
TARGET_APPEND_P99 = 3.0
TARGET_SEARCH_MS = 50.0
TARGET_RSS_MB = 200.0

RARE = "zeppelin"        # in 5 entries
COMMON = "replica"       # in about 90% of entries
REVISED_RARE = "heliotrope"  # only in corrected text
AUTHORS = ["Ana", "Ben", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo"]
RARE_AUTHOR = "Quinn"    # 40 entries
WORDS = ("lag latency timeout restart rollback deploy cache queue disk cpu memory shard "
         "primary failover region traffic errors checkout login payments dns cert").split()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.99)


def _text(rng: random.Random, i: int) -> str:
    words = rng.sample(WORDS, 5)
    common = f" {COMMON}" if rng.random() < 0.9 else ""
    return f"{words[0]} {words[1]} on db-{i % 97}{common} {words[2]} {words[3]} after {words[4]} #{i}"


def build(path: Path, entries: int) -> tuple[int, float]:
    """Declare one incident and bulk-load `entries` entries plus some history; (id, seconds)."""
    from console import search_index, times
    from console.clock import SystemClock
    from console.service import IncidentService

    rng = random.Random(42)
    service = IncidentService.open(path, SystemClock())
    start = datetime.now(timezone.utc) - timedelta(seconds=entries + 3600)
    incident = service.incidents.declare("Scale", by="bench", declared_at=start).incident
    rare_at = set(rng.sample(range(entries), 5))
    quinn_at = set(rng.sample(range(entries), 40))
    kinds = ["note"] * 80 + ["finding"] * 10 + ["action"] * 8 + ["decision"] * 1 + ["todo"]

    def rows():
        for i in range(entries):
            stamp = times.to_text(start + timedelta(seconds=i + 1))
            text = _text(rng, i) + (f" {RARE}" if i in rare_at else "")
            author = RARE_AUTHOR if i in quinn_at else rng.choice(AUTHORS)
            yield (new_uid(), incident.id, rng.choice(kinds), text, author, stamp, stamp)

    began = time.perf_counter()
    ledger = service.ledger
    with ledger.writing():
        ledger.conn.executemany(
            "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        search_index.catch_up(ledger.conn)
        (first, last) = ledger.execute(
            "SELECT min(id), max(id) FROM entries WHERE incident_id = ?", (incident.id,)
        ).fetchone()
        now = times.to_text(datetime.now(timezone.utc))
        # History on about one entry in a thousand, half of it in the newest page.
        ids = rng.sample(range(first + 1, last + 1), max(1, entries // 1000))
        ids += rng.sample(range(max(first + 1, last - 499), last + 1), min(50, entries))
        ids = sorted(set(ids))
        ledger.conn.executemany(
            'INSERT INTO entry_revisions (entry_id, text, "by", at) VALUES (?, ?, ?, ?)',
            [(e, f"corrected: {COMMON} lag on db-{e % 97} {REVISED_RARE if k % 50 == 0 else ''}"
                 .strip(), "Ana", now) for k, e in enumerate(ids)],
        )
        ledger.conn.executemany(
            'INSERT INTO entry_retractions (entry_id, reason, "by", at) VALUES (?, ?, ?, ?)',
            [(e, "wrong incident", "Ben", now) for e in ids[::10]],
        )
        ledger.conn.executemany(
            'INSERT INTO pins (entry_id, pinned, "by", at) VALUES (?, ?, ?, ?)',
            [(e, 1, "Cy", now) for e in ids[1::5]],
        )
    seconds = time.perf_counter() - began
    service.checkpoint()
    ledger.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    service.close()
    return incident.id, seconds


# -- (a) and (d): opening, in a fresh process ------------------------------------------------


# Peak RSS of a child: getrusage's ru_maxrss, and /proc's VmHWM. On Linux ru_maxrss carries
# the parent's high-water mark across fork+exec (this parent holds more than its children),
# so it is only an upper bound; VmHWM is the child's own peak.
def _peak() -> dict:
    import resource

    hwm = None
    try:
        with open("/proc/self/status") as status:
            hwm = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    return {"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "hwm_mb": hwm}


# The floor: a bare Python process with nothing but sqlite3, reading the same 500 raw rows.
_BARE_CHILD = inspect.getsource(_peak) + """
import json, sys, time
began = time.perf_counter()
import sqlite3
imported = time.perf_counter()
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute(
    "SELECT id, uid, incident_id, kind, text, author, occurred_at, recorded_at FROM entries "
    "WHERE incident_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 500", (int(sys.argv[2]),)
).fetchall()
done = time.perf_counter()
print(json.dumps({"import_ms": (imported - began) * 1000, "page_ms": (done - imported) * 1000,
                  "rows": len(rows), **_peak()}))
"""


def _child_open(path: str, incident_id: int) -> None:
    """Run in a child: open as the window does (reader first, then the writer), read the
    newest page, report times and peak RSS as JSON."""
    began = time.perf_counter()
    from console.clock import SystemClock
    from console.queries import Reader
    from console.store import connect

    imported = time.perf_counter()
    conn = connect(Path(path), read_only=True)
    reader = Reader(conn, Path(path))
    reader.incidents.get(incident_id)
    page = reader.timeline.page(incident_id, limit=500)
    page_ms = (time.perf_counter() - imported) * 1000
    t = time.perf_counter()
    from console.service import IncidentService

    service = IncidentService.open(Path(path), SystemClock())
    writer_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    authors = reader.timeline.authors(incident_id)
    pinned = reader.timeline.pinned(incident_id)
    extras_ms = (time.perf_counter() - t) * 1000
    service.close()
    print(json.dumps({
        "import_ms": (imported - began) * 1000, "page_ms": page_ms, "rows": len(page),
        "writer_ms": writer_ms, "extras_ms": extras_ms, "authors": len(authors),
        "pinned": len(pinned), "edited": sum(e.revised_text is not None for e in page),
        **_peak(),
    }))


def _open_in_child(path: Path, incident_id: int, mode: str) -> dict:
    command = (
        ["-c", _BARE_CHILD] if mode == "bare"
        else ["-m", "tests.bench.timeline_scale", "--child"]
    )
    out = subprocess.run(
        [sys.executable, *command, str(path), str(incident_id)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


# -- (b) appending ---------------------------------------------------------------------------
# Two checkpoint policies, each applied to both sides. "idle" is the window's: SQLite's
# automatic checkpoints off, a checkpoint once the writer is idle (here, untimed, after every
# BURST appends). "auto" is SQLite's automatic checkpoints, as a one-off CLI write or a script
# gets: the commit that takes the WAL past a threshold copies its pages into the database file,
# a few milliseconds. The raw insert keeps SQLite's default threshold (1,000 pages: one commit in
# 1,000); our writer's is store.CHECKPOINT_PAGES (4,000: one note in ~450).
BURST = 10


class _RawWriter:
    """The floor: a raw sqlite3 one-row insert+commit, WAL and synchronous=FULL, `policy`'s
    checkpoints."""

    def __init__(self, path: Path, policy: str) -> None:
        self.policy = policy
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        if policy == "idle":
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self.conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")

    def block(self, start: int, count: int, into: list[float]) -> None:
        conn = self.conn
        for i in range(start, start + count):
            began = time.perf_counter()
            conn.execute("BEGIN")
            conn.execute("INSERT INTO notes (text) VALUES (?)", (f"note {i} about {COMMON} lag",))
            conn.execute("COMMIT")
            into.append(time.perf_counter() - began)
            if self.policy == "idle" and i % BURST == BURST - 1:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        self.conn.close()


class _ServiceWriter:
    """Ours: `IncidentService.log` of one note on the incident, `policy`'s checkpoints, with a
    uid made as the window makes one for a line (console.uids)."""

    def __init__(self, path: Path, incident_id: int, policy: str) -> None:
        from console.clock import SystemClock
        from console.service import IncidentService

        self.policy, self.incident_id = policy, incident_id
        self.service = IncidentService.open(path, SystemClock())
        # The window opens its service with the process's vocabulary and the CLI reads it from
        # its cache; a service opened bare loads the default process at its first write (~0.3 s),
        # which is not a note's cost: loaded here, untimed.
        self.service.ledger.vocabulary
        if policy == "idle":
            self.service.checkpoint_when_idle()

    def block(self, start: int, count: int, into: list[float]) -> None:
        service = self.service
        for i in range(start, start + count):
            text = f"note {i} about {COMMON} lag on db-{i % 97}"
            began = time.perf_counter()
            service.timeline.log(self.incident_id, text, by="bench", uid=new_uid())
            into.append(time.perf_counter() - began)
            if self.policy == "idle" and i % BURST == BURST - 1:
                service.checkpoint()

    def close(self) -> None:
        self.service.close()


APPEND_BLOCK = 50


def appends_against_floor(path: Path, incident_id: int, floor_path: Path, count: int,
                          policy: str) -> tuple[list[float], list[float]]:
    """(floor, ours): `count` appends each, in alternating blocks of APPEND_BLOCK, so that what
    the machine does meanwhile (another process, the kernel writing back the file just built -
    flushed first with os.sync) falls on both alike."""
    os.sync()
    floor, ours = _RawWriter(floor_path, policy), _ServiceWriter(path, incident_id, policy)
    floor_samples: list[float] = []
    our_samples: list[float] = []
    try:
        for start in range(0, count, APPEND_BLOCK):
            size = min(APPEND_BLOCK, count - start)
            floor.block(start, size, floor_samples)
            ours.block(start, size, our_samples)
    finally:
        floor.close()
        ours.close()
    return floor_samples, our_samples


def _drafts(path: Path, incident_id: int, count: int) -> list[float]:
    """`save_draft` as typing pauses call it (the window's checkpoint policy)."""
    from console.clock import SystemClock
    from console.service import IncidentService

    service = IncidentService.open(path, SystemClock())
    service.checkpoint_when_idle()
    samples = []
    try:
        for i in range(count):
            text = f"half a note about {COMMON} lag on db-{i % 97}"[: 10 + i % 30]
            began = time.perf_counter()
            service.drafts.save("Ana", incident_id, text)
            samples.append(time.perf_counter() - began)
            if i % BURST == BURST - 1:
                service.checkpoint()
    finally:
        service.close()
    return samples


# -- (c) searching ---------------------------------------------------------------------------


def _timed(fn, runs: int) -> tuple[float, float, float, object]:
    """(first call ms, median ms, worst ms, last result) over `runs` calls."""
    samples, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - began) * 1000)
    return samples[0], statistics.median(samples), max(samples), result


def _searches(path: Path, incident_id: int, runs: int) -> list[tuple[str, float, float, float, int, float]]:
    from console.queries import Reader
    from console.store import connect

    conn = connect(path, read_only=True)
    reader = Reader(conn, path)
    cases = [
        (f"rare word {RARE!r}", RARE, {}),
        (f"common word {COMMON!r}", COMMON, {}),
        (f"word only in corrections {REVISED_RARE!r}", REVISED_RARE, {}),
        (f"two common words '{COMMON} lag'", f"{COMMON} lag", {}),
        (f"{COMMON!r}, across every incident", COMMON, {"incident_id": None}),
        (f"{COMMON!r}, author {RARE_AUTHOR} (40 entries)", COMMON, {"author": RARE_AUTHOR}),
        (f"{COMMON!r}, author Ana (~10%)", COMMON, {"author": "Ana"}),
        (f"{COMMON!r}, kind decision (~1%)", COMMON, {"kinds": ["decision"]}),
        (f"{COMMON!r}, pinned only", COMMON, {"pinned_only": True}),
        ("hostile: '\"AND (NEAR* OR'", '"AND (NEAR* OR', {}),
    ]
    results = []
    for label, query, options in cases:
        options = {"incident_id": incident_id, **options}
        floor_sql = ("SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? "
                     "ORDER BY rowid DESC LIMIT 50")
        word = query.split()[0] if query[0].isalnum() else "x"
        _, floor_ms, _, _ = _timed(lambda: conn.execute(floor_sql, (f'"{word}"',)).fetchall(), runs)
        first, median, worst, hits = _timed(
            lambda: reader.search.find(query, limit=50, **options), runs
        )
        results.append((label, first, median, worst, len(hits), floor_ms))
    conn.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "INCIDENT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_open(args.child[0], int(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scale.sqlite3"
        incident_id, build_s = build(path, args.entries)
        size_mb = path.stat().st_size / 1e6
        print(f"built {args.entries:,} entries in {build_s:.1f} s "
              f"({args.entries / build_s:,.0f} rows/s, search index filled row by row); "
              f"file {size_mb:,.0f} MB")

        _open_in_child(path, incident_id, "ours")  # warm the file cache once
        bare = _open_in_child(path, incident_id, "bare")
        ours = _open_in_child(path, incident_id, "ours")
        total = ours["import_ms"] + ours["page_ms"] + ours["writer_ms"]
        print(f"(a) opening, fresh process: newest page of {ours['rows']} ({ours['edited']} corrected) "
              f"{ours['page_ms']:.1f} ms (bare sqlite3 process, same raw rows: {bare['page_ms']:.1f} ms, "
              f"{ours['page_ms'] / bare['page_ms']:.1f}x); importing the reader {ours['import_ms']:.0f} ms; "
              f"opening the writer {ours['writer_ms']:.0f} ms; authors + pins {ours['extras_ms']:.1f} ms; "
              f"total {total:.0f} ms (target < {TARGET_OPEN_MS:.0f} ms): "
              f"{'OK' if total < TARGET_OPEN_MS else 'OVER TARGET'}")

        for policy in ("idle", "auto"):
            floor, samples = appends_against_floor(path, incident_id, Path(tmp) / f"floor-{policy}.sqlite3",
                                                   args.samples, policy)
            f50, f99 = _percentiles(floor)
            o50, o99 = _percentiles(samples)
            print(f"(b) append at {args.entries:,}, checkpoints {policy:>4}: p50 {o50 * 1000:.3f} ms "
                  f"p99 {o99 * 1000:.3f} ms (max {max(samples) * 1000:.1f}); raw insert+commit "
                  f"(WAL, FULL): p50 {f50 * 1000:.3f} ms p99 {f99 * 1000:.3f} ms; ratio p50 "
                  f"{o50 / f50:.2f}x p99 {ratio(samples, floor, block=APPEND_BLOCK).line(TARGET_APPEND_P99)}")
            if policy == "idle":
                d50, d99 = _percentiles(_drafts(path, incident_id, args.samples))
                print(f"    save_draft (upsert+commit, same policy): p50 {d50 * 1000:.3f} ms p99 "
                      f"{d99 * 1000:.3f} ms; ratio to the raw insert p50 {d50 / f50:.2f}x "
                      f"p99 {d99 / f99:.2f}x")

        print(f"(c) search, first page of 50 on the incident ({args.runs} runs: first, median, worst):")
        for label, first, median, worst, hits, floor_ms in _searches(path, incident_id, args.runs):
            mark = ""
            if label.startswith(("rare", "common")):
                mark = "OK" if worst < TARGET_SEARCH_MS else "OVER TARGET"
            print(f"    {label:44} {first:7.2f} {median:7.2f} {worst:7.2f} ms  {hits:3} hits  "
                  f"(bare MATCH {floor_ms:.2f} ms) {mark}")

        print(f"(d) peak RSS after opening (reader + writer): VmHWM {ours['hwm_mb']:.0f} MB, ru_maxrss "
              f"{ours['maxrss_mb']:.0f} MB (bare sqlite3 process: {bare['hwm_mb']:.0f} MB, "
              f"{bare['maxrss_mb']:.0f} MB; ru_maxrss includes this parent's peak at fork) "
              f"(target < {TARGET_RSS_MB:.0f} MB): "
              f"{'OK' if ours['maxrss_mb'] < TARGET_RSS_MB else 'OVER TARGET'}")

if __name__ == "__main__":
    main()
