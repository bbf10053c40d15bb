"""An installed wheel must carry every bundled file the app reads through importlib.resources."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bundled_files() -> set[str]:
    wanted = set()
    for package, patterns in (("resources", ("*.qss", "handbook/**/*.md")), ("data", ("*.yaml", "*.json"))):
        for pattern in patterns:
            wanted.update(str(p.relative_to(ROOT)) for p in (ROOT / package).glob(pattern))
    return wanted


def test_the_wheel_contains_every_bundled_file(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("incident_console-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = bundled_files()
    assert "data/export.schema.json" in expected and "resources/style.qss" in expected
    assert expected <= names, sorted(expected - names)
    assert {"console/cli.py", "ui/app.py"} <= names
    assert not any(name.startswith("tests/") for name in names)
