"""Handbook search benchmark: `HandbookIndex.search` over the whole handbook (pages, glossary,
checklists, prompts), against a bare FTS5 MATCH of one word on the same index, both measured in
this run. Target: every query answers in under 20 ms (p99 over the runs).

    python -m tests.bench.handbook_search [--runs 200]
"""

import argparse
import statistics
import time

from console.handbook import HandbookIndex
from console.process import load_process

QUERIES = ["span of control", "CAN report", "executive swoop", "strong objections", "sev",
           "postmortem owner deadline", "customer liaison no eta", "status stalk", "a", "zzqq"]
TARGET_MS = 20.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    start = time.perf_counter()
    index = HandbookIndex(process=load_process())
    build = time.perf_counter() - start
    floor, ours = [], {q: [] for q in QUERIES}
    for _ in range(args.runs):
        t = time.perf_counter()
        index._conn.execute("SELECT rowid FROM docs WHERE docs MATCH 'control' LIMIT 20").fetchall()
        floor.append(time.perf_counter() - t)
        for query in QUERIES:
            t = time.perf_counter()
            index.search(query)
            ours[query].append(time.perf_counter() - t)
    f50 = statistics.median(floor) * 1000
    print(f"index: {index.size} documents, built in {build * 1000:.0f} ms")
    print(f"floor (bare FTS5 MATCH, one word): p50 {f50:.3f} ms")
    worst = 0.0
    for query, samples in ours.items():
        ordered = sorted(samples)
        p50, p99 = statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000
        worst = max(worst, p99)
        print(f"  {query!r:32} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  ({p50 / f50:5.1f}x floor)")
    print(f"worst p99 {worst:.2f} ms (target < {TARGET_MS:.0f} ms): {'OK' if worst < TARGET_MS else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
