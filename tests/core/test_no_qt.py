"""The core must import without Qt: run every console module in a clean interpreter."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import console

ROOT = Path(__file__).resolve().parents[2]


def test_every_console_module_imports_without_qt_or_ui():
    names = sorted(
        f"console.{m.name}" for m in pkgutil.iter_modules(console.__path__) if m.name != "__main__"
    )
    assert "console.cli" in names and "console.store" in names
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"console pulled in: {result.stdout.strip()}"


def test_the_cli_without_a_command_is_the_only_path_to_qt():
    source = (ROOT / "console" / "cli.py").read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_level if "ui" in line.split()[1].split(".")[0:1]]
