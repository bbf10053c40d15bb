"""Start-up benchmark: `incident-console` (the command line, the window found through its
entry point) from process start to the first painted incident list, against a bare PySide6
window with one label, both measured in this run (the machine is noisy; compare the ratio).
Target: ratio <= 1.3. For reference, a second floor: a bare QTableView of the same rows, and
the same table with its one role written as a number, which never builds PySide6's `Qt`
namespace (the difference is what building it costs, in this run).

    python -m tests.bench.startup [--runs 9]
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
CHILD = Path(__file__).with_name("_paint_child.py")
TARGET = 1.3
MODES = ("bare", "table", "table-no-qt", "app")


def _seed(home: Path, incidents: int = 40) -> None:
    from datetime import datetime, timedelta, timezone

    from console import paths
    from console.service import IncidentService

    class Clock:
        def __init__(self):
            self.t = datetime.now(timezone.utc) - timedelta(days=30)

        def now(self):
            self.t += timedelta(minutes=1)
            return self.t

    service = IncidentService.open(paths.resolve(home).db_path, Clock())
    for i in range(incidents):
        inc = service.incidents.declare(f"Seeded incident {i}", by="bench", severity=1 + i % 5).incident
        for j in range(20):
            service.timeline.log(inc.id, f"note {j}", by="bench")
    service.close()


def _time_once(mode: str, home: Path) -> float:
    """Process start to the moment the child reports its first paint."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(CHILD), mode, str(home)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    _, err = child.communicate(timeout=60)
    if "painted" not in line:
        raise SystemExit(f"{mode} child failed:\n{err}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    # pip compiles an installed wheel's bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
    # (as here) would otherwise recompile our modules in every child and time the compiler.
    compileall.compile_dir(ROOT / "console", quiet=1)
    compileall.compile_dir(ROOT / "ui", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        _seed(home)
        for mode in MODES:  # warm the file cache
            _time_once(mode, home)
        times = {mode: [] for mode in MODES}
        for _ in range(args.runs):
            for mode in MODES:
                times[mode].append(_time_once(mode, home))
    bare, table, no_qt, app = (times[mode] for mode in MODES)
    b, t, q, a = (statistics.median(times[mode]) for mode in MODES)
    print(f"bare window, first paint:   median {b * 1000:6.0f} ms  (min {min(bare) * 1000:.0f})")
    print(f"bare table of the incidents: median {t * 1000:5.0f} ms  (min {min(table) * 1000:.0f})")
    print(f"  the same, Qt namespace never built: median {q * 1000:5.0f} ms  (min {min(no_qt) * 1000:.0f})")
    print(f"incident list, first paint: median {a * 1000:6.0f} ms  (min {min(app) * 1000:.0f})")
    verdict = "OK" if a / b <= TARGET else "OVER TARGET"
    print(f"ratio {a / b:.2f}x the bare window (target <= {TARGET}x): {verdict}")
    print(f"ratio {a / t:.2f}x the bare table (for reference: what model/view itself costs is out of it)")
    print(f"the bare table is {t / b:.2f}x the bare window, {q / b:.2f}x without the Qt namespace "
          f"(building it: {(t - q) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
