"""CLI benchmark: one `incident-console log/sev/role/task` process, start to exit, against a bare
`python -c` process that opens an existing SQLite file (WAL, synchronous=FULL) and inserts and
commits one row - the least a process that records one line can do - both measured in this
run, interleaved (the machine is noisy; compare the ratios). Target: ratio <= 2 for each.

Both run on the same interpreter, so Python's own start-up (`site` included) is in the floor;
ours is the `incident-console` script a person runs (entry point of the installed package).
Our commands run on a seeded home whose process cache is warm (the first command of the run
fills it), as every command after the first one finds it. Then one `log` under
`-X importtime` says what the imports that remain cost, sqlite-utils among them.

    python -m tests.bench.cli [--runs 15]
"""

import argparse
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 2.0
FLOOR = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = FULL")
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO notes (incident, text) VALUES (1, ?)", (sys.argv[2],))
conn.execute("COMMIT")
conn.close()
"""
# Each run changes something, so that no command is refused as "already so".
COMMANDS = {
    "log": lambda i: ["log", "INC-1", f"replica lag back under 1 s ({i})"],
    "sev": lambda i: ["sev", "INC-1", str(3 - i % 2)],  # declared at 2: 3, 2, 3...
    "role": lambda i: ["role", "INC-1", "sme", f"Responder {i}"],
    "task": lambda i: ["task", "INC-1", "Ana Lima", "10", f"check the replicas ({i})"],
}
REPORTED = ("sqlite_utils", "yaml", "re2", "markdown_it", "console.handbook", "console.lint",
            "console.postmortem", "importlib.resources")


def _console(home: Path, *argv: str) -> list[str]:
    """What a person runs: the installed `incident-console` script (run by this interpreter, so
    that -X importtime can be added), else `python -m console` (which adds runpy's imports)."""
    script = Path(sys.executable).parent / "incident-console"
    start = [sys.executable, str(script)] if script.exists() else [sys.executable, "-m", "console"]
    return [*start, "--home", str(home), *argv]


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:])} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def _imports(command: list[str]) -> dict[str, tuple[float, float]]:
    """Each module `command` (a python command line) imports -> (its own, cumulative) import
    time in ms."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    found: dict[str, tuple[float, float]] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit() and cumulative.strip().isdigit():
            found[name.strip()] = (int(own) / 1000, int(cumulative) / 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # pip compiles an installed wheel's bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
    # would otherwise recompile our modules in every child and time the compiler.
    compileall.compile_dir(ROOT / "console", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        home, floor_db = Path(tmp) / "home", Path(tmp) / "floor.sqlite3"
        subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                        "c.execute('PRAGMA journal_mode = WAL'); "
                        "c.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, incident INTEGER, text TEXT)'); "
                        "c.commit()", str(floor_db)], check=True)
        floor_cmd = lambda i: [sys.executable, "-c", FLOOR, str(floor_db), f"note {i}"]  # noqa: E731
        _timed(_console(home, "declare", "Checkout down", "--sev", "2"))
        for i in range(2):  # warm the file cache, the process cache and the bytecode
            _timed(floor_cmd(i))
            for make in COMMANDS.values():
                _timed(_console(home, *make(i)))
        floor: list[float] = []
        ours: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for i in range(2, 2 + args.runs):
            floor.append(_timed(floor_cmd(i)))
            for name, make in COMMANDS.items():
                ours[name].append(_timed(_console(home, *make(i))))
        imports = [_imports(_console(home, *COMMANDS["log"](0))) for _ in range(5)]
        floor_modules = set(_imports(floor_cmd(0)))
    f = statistics.median(floor)
    print(f"bare python -c, insert+commit one row (WAL, FULL): median {f * 1000:6.1f} ms  (min {min(floor) * 1000:.1f})")
    worst = 0.0
    for name, times in ours.items():
        m = statistics.median(times)
        worst = max(worst, m / f)
        print(f"incident-console {name:<4}: median {m * 1000:6.1f} ms  (min {min(times) * 1000:.1f})  "
              f"ratio {m / f:.2f}x")
    print(f"worst ratio {worst:.2f}x (target <= {TARGET}x): {'OK' if worst <= TARGET else 'OVER TARGET'}")
    print("imports of one `log`, medians of 5 runs under -X importtime (which inflates them):")
    for name in REPORTED:
        share = statistics.median(run.get(name, (0.0, 0.0))[1] for run in imports)
        print(f"  {name:<20} {'not imported' if share == 0 else f'{share:.1f} ms with what it imports'}")
    names = set().union(*imports) - floor_modules
    own = {name: statistics.median(run.get(name, (0.0, 0.0))[0] for run in imports) for name in names}
    print(f"  the {len(names)} modules the floor does not import: {sum(own.values()):.0f} ms; "
          "the largest by their own time:")
    print("    " + ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(own.items(), key=lambda x: -x[1])[:12]))


if __name__ == "__main__":
    main()
