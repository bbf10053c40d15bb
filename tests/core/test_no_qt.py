"""The core never reaches for Qt or the window's package: not at import, not inside a function.

Two checks: every console module imported in a clean interpreter leaves no Qt and no `ui` in
`sys.modules`, and every console source file, read as a syntax tree, names none of them in any
import statement at any depth or in any `importlib.import_module` / `__import__` call. What
needs Qt - the window, the PDF exporter - is found through its entry point (console/plugins.py).
"""

import ast
import os
import pkgutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import console
from console import plugins
from console.errors import NotInstalled

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("ui", "PySide6", "shiboken6")
_IMPORT_CALLS = ("import_module", "__import__")


def _forbidden(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in FORBIDDEN


def _called(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """Each place `source` imports Qt or `ui`, as "file:line: module", at any depth."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names = ["<above console>"]  # climbs out of the console package: a top-level module
        elif isinstance(node, ast.Call) and _called(node) in _IMPORT_CALLS and node.args:
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            names = [first.value if literal else "<computed name>"]  # computed: could be anything
        else:
            continue
        found += [f"{filename}:{node.lineno}: {name}" for name in names
                  if name.startswith("<") or _forbidden(name)]
    return found


# console/plugins.py loads what installed entry points name, the job of importlib.metadata's
# EntryPoint.load (which it does itself, to spare the window importlib.metadata): its one
# import takes a name from package metadata, never one written in the core. No other module
# may compute a name to import.
ENTRY_POINT_LOADER = "console/plugins.py"


def test_no_console_source_names_qt_or_ui_anywhere():
    sources = sorted((ROOT / "console").rglob("*.py"))
    assert ROOT / "console" / "cli.py" in sources and ROOT / "console" / "exports.py" in sources
    found = [hit for path in sources
             for hit in forbidden_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    loader = [hit for hit in found if hit.startswith(f"{ENTRY_POINT_LOADER}:")]
    assert len(loader) == 1 and loader[0].endswith(": <computed name>"), loader
    assert [hit for hit in found if hit not in loader] == []


@pytest.mark.parametrize("source", [
    "import ui",
    "import ui.pdf as pdf",
    "from ui.app import run",
    "from ui import app",
    "import os, PySide6.QtCore",
    "from shiboken6 import isValid",
    "def later():\n    from ui.pdf import render_pdf\n    return render_pdf",
    "class A:\n    def m(self):\n        if True:\n            import PySide6.QtWidgets",
    "import importlib\nimportlib.import_module('ui.app')",
    "from importlib import import_module\nimport_module('PySide6.QtGui')",
    "__import__('ui')",
    "import importlib\nname = 'ui' + '.app'\nimportlib.import_module(name)",
    "from .. import ui",
])
def test_the_check_finds_every_way_to_import(source):
    assert forbidden_imports(source) != []


@pytest.mark.parametrize("source", [
    "import json\nfrom console import exports",
    "from .errors import InputError",
    "def f():\n    from console.files import write_private",
    "import importlib\nimportlib.import_module('console.meeting')",
    "text = 'from ui.app import run'  # a string is not an import",
    "import uijson",
])
def test_the_check_lets_the_core_import_itself(source):
    assert forbidden_imports(source) == []


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


def test_the_window_is_its_entry_point():
    import ui.app

    assert plugins.load(plugins.GUI, plugins.WINDOW) is ui.app.run
    with pytest.raises(NotInstalled, match="'nothing' is not installed"):
        plugins.load(plugins.GUI, "nothing")


def test_the_command_without_a_subcommand_opens_the_window(tmp_path):
    home = tmp_path / "home"
    log = home / "logs" / "console.log"  # the app writes "window open" here after its first paint
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    window = subprocess.Popen([sys.executable, "-m", "console", "--home", str(home)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "window open" in log.read_text()):
            assert window.poll() is None, f"exited with {window.returncode}: {window.stderr.read()}"
            assert time.monotonic() < deadline, "no first paint within 60 s"
            time.sleep(0.1)
    finally:
        window.send_signal(signal.SIGTERM)
        _, stderr = window.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr
