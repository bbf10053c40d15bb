"""Tampering trials: a person with the file changes the record behind the triggers, one way at
random per trial, and the record chain (console.chain) must find it - on the incident changed,
while every other incident still checks out - with SQLite's integrity check saying ok.

Each trial copies a record made by the real service (three incidents: entries of every kind,
corrections, pins and unpins, retractions, a back-dated entry, and an op that arrived late from
another console), whose heads were written down in a head log beside it (console/heads.py, as
the window does when it closes), opens the copy with a plain sqlite3 connection, drops the
append-only triggers, makes one change, puts the triggers back, and runs `verify` on every
incident: its chain, then the chain against the head log.

    python -m tests.reliability.tamper [--trials 500] [--seed 1]
"""

import argparse
import random
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

CHAINED = ("entries", "entry_revisions", "entry_retractions", "pins")
TEXT_COLUMNS = {"entries": ("uid", "kind", "text", "author", "occurred_at", "recorded_at", "hlc"),
                "entry_revisions": ("text", "by", "at", "hlc"),
                "entry_retractions": ("reason", "by", "at", "hlc"),
                "pins": ("by", "at", "hlc")}


class _Clock:
    def __init__(self) -> None:
        self.current = datetime(2026, 3, 29, 14, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        self.current += timedelta(seconds=7)
        return self.current


def make_record(path: Path) -> None:
    """Three incidents written through the service, with every kind of row the chain covers."""
    from console.ops import Op, canonical
    from console.service import IncidentService

    service = IncidentService.open(path, _Clock())
    rng = random.Random(7)
    for title in ("Checkout fails", "Search slow", "Login loops"):
        incident = service.incidents.declare(title, by="Ana", severity=2).incident
        service.roster.assign(incident.id, "ic", "Ana", by="Ana")
        ids = []
        for n in range(12):
            kind = rng.choice(["note", "finding", "decision", "action", "todo"])
            change = service.timeline.log(incident.id, f"{title}: line {n} é ✓", by=rng.choice(["Ben", "Cy"]),
                                          kind=kind)
            ids.append(change.entries[0].id)
        back = service.now() - timedelta(minutes=30)
        service.timeline.log(incident.id, "back-dated: paged the DBA", by="Ben", occurred_at=back)
        for entry_id in ids[1:4]:
            service.history.revise(incident.id, entry_id, "corrected once", by="Ana")
        service.history.revise(incident.id, ids[1], "corrected twice", by="Ana")
        service.history.set_pin(incident.id, ids[5], True, by="Ana")
        service.history.set_pin(incident.id, ids[6], True, by="Ana")
        service.history.set_pin(incident.id, ids[6], False, by="Ana")
        service.history.retract(incident.id, ids[5], by="Ana", reason="wrong incident")
        service.history.retract(incident.id, ids[7], by="Ana")
        late = Op(f"late-{incident.id}", "0ther0replica000", "0000000000001.0000.0ther0replica000",
                  incident.uid, "entry.log", canonical({"entry": {
                      "uid": f"late-entry-{incident.id}", "kind": "note", "text": "written offline",
                      "author": "Dee", "occurred_at": incident.declared_at, "recorded_at": incident.declared_at}}))
        assert service.sync.apply([late]) == 1
    service.close()


def _triggers(conn: sqlite3.Connection) -> dict[str, str]:
    return {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
        "(name LIKE '%append_only%' OR name LIKE '%retract%')")}


def _pick(conn, rng, table: str, where: str = "1") -> tuple:
    rows = conn.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id").fetchall()
    return rng.choice(rows)[0]


def _incident_of(conn, table: str, row_id: int) -> int:
    if table == "entries":
        return conn.execute("SELECT incident_id FROM entries WHERE id = ?", (row_id,)).fetchone()[0]
    return conn.execute(f"SELECT e.incident_id FROM {table} r JOIN entries e ON e.id = r.entry_id "
                        "WHERE r.id = ?", (row_id,)).fetchone()[0]


def tamper(conn: sqlite3.Connection, rng: random.Random) -> tuple[str, str, set[int]]:
    """Make one change at random; (its kind, what was done, the incidents it touched)."""
    kind, what, touched = _tamper(conn, rng)
    return kind, what, touched


def _tamper(conn: sqlite3.Connection, rng: random.Random):
    kind = rng.choice(["edit", "edit", "delete", "insert", "swap", "move", "repoint", "drop-link",
                       "edit-link", "cut"])
    table = rng.choice(CHAINED)
    if kind == "edit":
        row_id = _pick(conn, rng, table)
        column = rng.choice(TEXT_COLUMNS[table] + (("pinned",) if table == "pins" else ()))
        if column == "pinned":
            conn.execute(f"UPDATE {table} SET pinned = 1 - pinned WHERE id = ?", (row_id,))
        else:
            conn.execute(f'UPDATE {table} SET "{column}" = coalesce("{column}", \'\') || ? WHERE id = ?',
                         (rng.choice([" ", "x", "0", "\u200b"]), row_id))
        return kind, f"edit {table}.{column} of row {row_id}", {_incident_of(conn, table, row_id)}
    if kind == "delete":
        row_id = _pick(conn, rng, table)
        touched = _incident_of(conn, table, row_id)
        if table == "entries":  # its history goes with it, as a careful person would do
            for other in CHAINED[1:]:
                conn.execute(f"DELETE FROM {other} WHERE entry_id = ?", (row_id,))
            conn.execute("DELETE FROM action_items WHERE source_entry_id = ?", (row_id,))
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        return kind, f"delete {table} row {row_id}", {touched}
    if kind == "insert":
        row_id = _pick(conn, rng, table)
        columns = [c for (_, c, *_rest) in conn.execute(f"PRAGMA table_info({table})") if c != "id"]
        values = ", ".join('"' + c + '" || \'~copy\'' if c == "uid" else f'"{c}"' for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        new = conn.execute(f"INSERT INTO {table} ({quoted}) SELECT {values} FROM {table} WHERE id = ?",
                           (row_id,)).lastrowid
        return kind, f"insert a copy of {table} row {row_id}", {_incident_of(conn, table, new)}
    if kind == "swap":
        first, second = rng.sample([r for (r,) in conn.execute(
            "SELECT id FROM entries WHERE incident_id = (SELECT incident_id FROM entries WHERE id = ?)",
            (_pick(conn, rng, "entries"),))], 2)
        for a, b in ((first, -1), (second, first), (-1, second)):
            conn.execute("UPDATE entries SET id = ? WHERE id = ?", (b, a))
        return kind, f"swap entries {first} and {second}", {_incident_of(conn, "entries", first)}
    if kind == "move":
        row_id = _pick(conn, rng, "entries")
        before = _incident_of(conn, "entries", row_id)
        after = rng.choice([i for (i,) in conn.execute("SELECT id FROM incidents") if i != before])
        conn.execute("UPDATE entries SET incident_id = ? WHERE id = ?", (after, row_id))
        return kind, f"move entry {row_id} to incident {after}", {before, after}
    if kind == "repoint":
        table = rng.choice(CHAINED[1:])
        row_id = _pick(conn, rng, table)
        before = _incident_of(conn, table, row_id)
        target = _pick(conn, rng, "entries", f"id != (SELECT entry_id FROM {table} WHERE id = {row_id})")
        conn.execute(f"UPDATE {table} SET entry_id = ? WHERE id = ?", (target, row_id))
        return kind, f"repoint {table} row {row_id} to entry {target}", {before, _incident_of(conn, "entries", target)}
    if kind == "cut":  # the newest rows and their links, 1 to 5 of them: a shorter chain that holds
        incident_id = rng.choice([i for (i,) in conn.execute("SELECT id FROM incidents")])
        top = conn.execute("SELECT max(n) FROM chain_links WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        count = rng.randint(1, 5)
        for n, source, row_id in conn.execute(
                "SELECT n, source, row_id FROM chain_links WHERE incident_id = ? AND n > ?",
                (incident_id, top - count)).fetchall():
            if source == 0:
                conn.execute("DELETE FROM action_items WHERE source_entry_id = ?", (row_id,))
            conn.execute(f"DELETE FROM {CHAINED[source]} WHERE id = ?", (row_id,))
        conn.execute("DELETE FROM chain_links WHERE incident_id = ? AND n > ?", (incident_id, top - count))
        return kind, f"cut incident {incident_id}'s newest {count} rows and their links", {incident_id}
    incident_id, n = rng.choice(conn.execute("SELECT incident_id, n FROM chain_links").fetchall())
    if kind == "drop-link":  # a row and its link both removed, the places after it renumbered
        source, row_id = conn.execute("SELECT source, row_id FROM chain_links WHERE incident_id = ? AND n = ?",
                                      (incident_id, n)).fetchone()
        conn.execute(f"DELETE FROM {CHAINED[source]} WHERE id = ?", (row_id,))
        if source == 0:  # its history, and their links, go with it
            conn.execute("DELETE FROM action_items WHERE source_entry_id = ?", (row_id,))
            for other in CHAINED[1:]:
                conn.execute(f"DELETE FROM {other} WHERE entry_id = ?", (row_id,))
        gone = set()
        for rank, table in enumerate(CHAINED):
            gone |= {m for (m,) in conn.execute(
                f"SELECT n FROM chain_links WHERE incident_id = ? AND source = ? AND row_id NOT IN "
                f"(SELECT id FROM {table})", (incident_id, rank))}
        conn.execute(f"DELETE FROM chain_links WHERE incident_id = ? AND n IN ({','.join(map(str, gone))})",
                     (incident_id,))
        conn.execute("CREATE TEMP TABLE renumber AS SELECT n, row_number() OVER (ORDER BY n) AS m "
                     "FROM chain_links WHERE incident_id = ?", (incident_id,))
        conn.execute("UPDATE chain_links SET n = -n WHERE incident_id = ?", (incident_id,))
        conn.execute("UPDATE chain_links SET n = (SELECT m FROM renumber WHERE renumber.n = -chain_links.n) "
                     "WHERE incident_id = ?", (incident_id,))
        conn.execute("DROP TABLE renumber")
        left = conn.execute("SELECT max(n) FROM chain_links WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        if left is None or min(gone) > left:  # only the newest rows and their links: a shorter
            # chain that holds on its own, found against the heads written down outside the file
            return "cut", f"cut incident {incident_id}'s chain at link {n} with its rows", {incident_id}
        return kind, f"delete link {n} of incident {incident_id} with its row", {incident_id}
    column = rng.choice(["link", "digest"])
    conn.execute(f"UPDATE chain_links SET {column} = randomblob(32) WHERE incident_id = ? AND n = ?",
                 (incident_id, n))
    return kind, f"edit the {column} of link {n} of incident {incident_id}", {incident_id}


def run_trials(folder: Path, trials: int, seed: int) -> dict:
    from console import heads
    from console.chain import ChainReads
    from console.store import connect

    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "record.sqlite3"
    make_record(record)
    head_log = folder / "heads.log"  # outside the file, as the window leaves it when it closes
    assert heads.record_file(head_log, record, "close") is None
    seen, unreadable, _ = heads.HeadLog(head_log).read()
    assert not unreadable and len(seen) == 3
    conn = connect(record, read_only=True)
    clean = [ChainReads(conn, record).verify(i) for (i,) in conn.execute("SELECT id FROM incidents")]
    conn.close()
    problems = [f"the record as written does not verify: {clean}"] if any(clean) else []
    rng = random.Random(seed)
    kinds: dict[str, int] = {}
    done = 0
    for trial in range(trials):
        copy = folder / "trial.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copy(record, copy)
        conn = sqlite3.connect(copy)
        kept = _triggers(conn)
        with conn:
            for name in kept:
                conn.execute(f"DROP TRIGGER {name}")
            kind, what, touched = tamper(conn, rng)
            for sql in kept.values():
                conn.execute(sql)
        if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            problems.append(f"trial {trial}: {what}: integrity_check is not ok")
        conn.close()
        if not what:
            continue
        done += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        reads = connect(copy, read_only=True)
        chain = ChainReads(reads, copy)
        found = {i: chain.verify(i) or heads.check(reads, i, seen)
                 for (i,) in reads.execute("SELECT id FROM incidents")}
        reads.close()
        if not any(found[i] for i in touched):
            problems.append(f"trial {trial}: {what}: not found")
        for i, broken in found.items():
            if broken and i not in touched:
                problems.append(f"trial {trial}: {what}: INC-{i} found broken too ({broken.line()})")
    return {"trials": done, "kinds": kinds, "problems": problems}


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_trials(Path(tmp), args.trials, args.seed)
    print(f"{result['trials']} tamperings, {len(result['problems'])} not found or wrongly found")
    for kind, count in sorted(result["kinds"].items()):
        print(f"  {kind}: {count}")
    for problem in result["problems"]:
        print(f"  PROBLEM {problem}")


if __name__ == "__main__":
    main()
