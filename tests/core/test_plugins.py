"""Entry points through the cache folder: the same answers as importlib.metadata, without it
once the cache is warm, and asked again whenever what is installed changes."""

import subprocess
import sys
from pathlib import Path

import pytest

from console import plugins
from console.errors import NotInstalled

ROOT = Path(__file__).resolve().parents[2]


def _install(folder: Path, name: str, entry_points: str) -> Path:
    """A real distribution in `folder` (on sys.path): its metadata and its entry points."""
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    return info


def test_the_cache_answers_as_the_metadata_does(where):
    import ui.app

    assert plugins.load(plugins.GUI, plugins.WINDOW, where.cache_dir) is ui.app.run  # a miss
    assert (where.cache_dir / plugins.CACHE_FILE).stat().st_mode & 0o777 == 0o600
    assert plugins.load(plugins.GUI, plugins.WINDOW, where.cache_dir) is ui.app.run  # a hit
    assert plugins.names(plugins.EXPORTERS, where.cache_dir) == plugins.names(plugins.EXPORTERS) == ["pdf"]
    with pytest.raises(NotInstalled, match="'nothing' is not installed"):
        plugins.load(plugins.GUI, "nothing", where.cache_dir)


def test_a_warm_cache_never_imports_importlib_metadata(where):
    script = ("import sys; from pathlib import Path; from console import plugins; "
              "print(plugins.names(plugins.GUI, Path(sys.argv[1])), 'importlib.metadata' in sys.modules)")
    answers = [subprocess.run([sys.executable, "-c", script, str(where.cache_dir)], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert answers == ["['window'] True\n", "['window'] False\n"]  # asked once, then read


def test_installing_removing_or_changing_a_package_is_seen(where, site):
    assert plugins.names(plugins.EXPORTERS, where.cache_dir) == ["pdf"]
    info = _install(site, "incident_console_extra", f"[{plugins.EXPORTERS}]\ntxt = extra:EXPORTER\n")
    assert plugins.names(plugins.EXPORTERS, where.cache_dir) == ["pdf", "txt"]
    (info / "entry_points.txt").write_text(f"[{plugins.EXPORTERS}]\ntext = extra:EXPORTER\n")
    assert plugins.names(plugins.EXPORTERS, where.cache_dir) == ["pdf", "text"]
    _install(site, "incident_console_window", f"[{plugins.GUI}]\nwindow = elsewhere:run\n")
    with pytest.raises(NotInstalled, match="'window' is installed twice .*elsewhere:run, ui.app:run"):
        plugins.load(plugins.GUI, plugins.WINDOW, where.cache_dir)
    for path in sorted(site.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert plugins.names(plugins.EXPORTERS, where.cache_dir) == ["pdf"]


def test_a_value_that_will_not_load_says_so(where, site):
    _install(site, "incident_console_broken", f"[{plugins.EXPORTERS}]\nbroken = no_such_module_here:EXPORTER\n")
    with pytest.raises(NotInstalled, match=r"'broken' \(no_such_module_here:EXPORTER\) will not load"):
        plugins.load(plugins.EXPORTERS, "broken", where.cache_dir)


@pytest.mark.parametrize("spoiled", [b"", b"{not json", b'{"key": "another", "value": {}}',
                                     b'{"key": null, "value": {"incident_console.gui": {"window": "x:y"}}}'])
def test_a_spoiled_cache_is_asked_again(where, spoiled):
    import ui.app

    plugins.names(plugins.GUI, where.cache_dir)
    path = where.cache_dir / plugins.CACHE_FILE
    path.write_bytes(spoiled)
    assert plugins.load(plugins.GUI, plugins.WINDOW, where.cache_dir) is ui.app.run
    assert path.read_bytes() != spoiled
