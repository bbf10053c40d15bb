"""The app as a user installs it: a wheel built from the repo, installed (not editable) into a
fresh virtualenv, must carry every bundled file, the licence and the desktop files, and must run
the CLI and the window from there; `pipx install .` must give a working command too.

The fresh venv gets its dependencies from the test's own environment through a .pth line that
sys.path places after the venv's own site-packages. Only that folder is added: the .pth files
inside it (the editable install's finder among them) are not processed, so nothing from the
checkout can stand in for the installed wheel, and a test below checks exactly that.
"""

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.incidentconsole.IncidentConsole"
DESKTOP_FILES = (f"resources/{APP_ID}.desktop", f"resources/{APP_ID}.metainfo.xml",
                 f"resources/icons/{APP_ID}.svg")
# Left out of the copy the wheel is built from: a stale build/lib would put modules that no
# longer exist into the wheel, and none of these belong in it anyway.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", "docs", "tests", "screenshots")


def bundled_files() -> set[str]:
    wanted = set()
    for package, patterns in (("resources", ("*.qss", "*.desktop", "*.metainfo.xml", "icons/*.svg",
                                             "handbook/**/*.md")),
                              ("data", ("*.yaml", "*.json"))):
        for pattern in patterns:
            wanted.update(str(p.relative_to(ROOT)) for p in (ROOT / package).glob(pattern))
    return wanted


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "INCIDENT_CONSOLE_HOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", _env())
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the working tree, so the build writes nothing into the checkout."""
    copy = tmp_path_factory.mktemp("source") / "incident-console"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    return copy


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                   "-w", out, source])
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("incident_console-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed, non-editable and without its dependencies."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    result = _run([sys.executable, "-m", "venv", "--without-pip", where])
    assert result.returncode == 0, result.stderr
    python = where / "bin" / "python"
    result = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                   "--no-index", "-q", wheel])
    assert result.returncode == 0, result.stderr
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return where


def _where_from(venv: Path, *modules: str) -> dict[str, Path]:
    script = "import importlib, sys\n" + "".join(
        f"print(importlib.import_module({m!r}).__file__)\n" for m in modules)
    result = _run([venv / "bin" / "python", "-c", script], cwd=venv)
    assert result.returncode == 0, result.stderr
    return dict(zip(modules, (Path(line) for line in result.stdout.splitlines())))


def test_the_wheel_contains_every_bundled_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = bundled_files()
    assert {"data/export.schema.json", "resources/style.qss", *DESKTOP_FILES} <= expected
    assert expected <= names, sorted(expected - names)
    assert {"console/cli.py", "console/desktop.py", "ui/app.py"} <= names
    assert not any(name.startswith(("tests/", "docs/")) for name in names)


def test_the_wheel_carries_the_licence_and_the_attribution(wheel):
    archive = zipfile.ZipFile(wheel)
    dist_info = "incident_console-0.1.0.dist-info"
    assert archive.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    notice = archive.read(f"{dist_info}/licenses/NOTICE").decode()
    assert "Incident Console" in notice and "PagerDuty" in notice and "Apache License" in notice
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in (ROOT / "LICENSE").read_text()
    metadata = archive.read(f"{dist_info}/METADATA").decode().splitlines()
    assert "License-Expression: Apache-2.0" in metadata
    assert {"License-File: LICENSE", "License-File: NOTICE"} <= set(metadata)
    assert not any(line.startswith("License:") for line in metadata)  # no "Proprietary" left over
    entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert "incident-console = console.cli:main" in entry_points


def test_the_installed_code_is_the_wheel_not_the_checkout(venv):
    found = _where_from(venv, "console", "console.cli", "ui", "resources", "data", "PySide6")
    for module in ("console", "console.cli", "ui", "resources", "data"):
        assert found[module].is_relative_to(venv), (module, found[module])
    assert not found["PySide6"].is_relative_to(venv)  # a dependency, from the test's environment
    script = "import sys, console; print([f for f in sys.meta_path if 'editable' in repr(f)], sys.path)"
    result = _run([venv / "bin" / "python", "-c", script], cwd=venv)
    finders, path = result.stdout.split(" ", 1)
    assert finders == "[]" and str(ROOT) not in path.replace(str(ROOT / ".venv"), ""), result.stdout


def test_the_installed_cli_checks_the_process_and_searches_the_handbook(venv, tmp_path):
    cli = venv / "bin" / "incident-console"
    result = _run([cli, "--home", tmp_path / "home", "process", "check"], cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("ok: "), result.stdout + result.stderr
    assert " roles" in result.stdout and "checklist items" in result.stdout
    result = _run([cli, "--home", tmp_path / "home", "handbook", "search", "span of control"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.lower().startswith("span of control"), result.stdout  # the glossary's term first
    result = _run([cli, "--home", tmp_path / "home", "handbook", "search", "zzqqxv"], cwd=tmp_path)
    assert result.returncode == 1 and "no matches" in result.stderr


def test_the_installed_window_opens_offscreen_and_stays_up(venv, tmp_path):
    cli, home = venv / "bin" / "incident-console", tmp_path / "home"
    declared = _run([cli, "--home", home, "declare", "Installed drill", "--sev", "3", "--drill"], cwd=tmp_path)
    assert declared.returncode == 0, declared.stderr
    log = home / "logs" / "console.log"  # the app writes "window open" here after its first paint
    window = subprocess.Popen([str(cli), "--home", str(home)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env(QT_QPA_PLATFORM="offscreen"))
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "window open" in log.read_text()):
            assert window.poll() is None, f"the window exited with {window.returncode}"
            assert time.monotonic() < deadline, "no first paint within 60 s"
            time.sleep(0.1)
        time.sleep(2)  # the process loads and the writer opens the store after the first paint
        assert window.poll() is None, f"the window exited with {window.returncode}"
    finally:
        window.send_signal(signal.SIGTERM)
        _, stderr = window.communicate(timeout=30)
    assert window.returncode == 128 + signal.SIGTERM, (window.returncode, stderr)  # closed as by its button
    assert "Traceback" not in stderr and "Fatal" not in stderr, stderr
    assert "ERROR" not in log.read_text(), log.read_text()


def _shipped(venv: Path, name: str) -> Path:
    script = f"from importlib.resources import files; print(files('resources').joinpath({name!r}))"
    path = Path(_run([venv / "bin" / "python", "-c", script], cwd=venv).stdout.strip())
    assert path.is_file() and path.is_relative_to(venv), path
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install -y desktop-file-utils appstream)")
    return found


def _appstream_verdict(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Validation was successful" in output, output
    assert not [line for line in output.splitlines() if line[:2] in ("E:", "W:", "I:")], output


def test_the_installed_desktop_entry_validates(venv):
    result = _run([_tool("desktop-file-validate"), _shipped(venv, f"{APP_ID}.desktop")])
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_the_installed_metainfo_validates(venv):
    result = _run([_tool("appstreamcli"), "validate", "--no-net", _shipped(venv, f"{APP_ID}.metainfo.xml")])
    _appstream_verdict(result)
    assert _shipped(venv, f"icons/{APP_ID}.svg").read_text().lstrip().startswith("<?xml")


def test_desktop_install_puts_a_valid_tree_under_xdg_data_home_and_uninstall_removes_it(venv, tmp_path):
    validate, appstream = _tool("desktop-file-validate"), _tool("appstreamcli")
    share = tmp_path / "root" / "share"
    env = _env(XDG_DATA_HOME=str(share))
    cli = venv / "bin" / "incident-console"
    result = _run([cli, "--home", tmp_path / "home", "desktop", "install"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    entry = share / "applications" / f"{APP_ID}.desktop"
    icon = share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    metainfo = share / "metainfo" / f"{APP_ID}.metainfo.xml"
    assert sorted(result.stdout.split()) == sorted(map(str, (entry, icon, metainfo)))
    assert f"Exec={cli}\n" in entry.read_text()  # the menu needs no PATH to find the venv's script
    assert icon.read_bytes() == _shipped(venv, f"icons/{APP_ID}.svg").read_bytes()
    result = _run([validate, entry])
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr
    _appstream_verdict(_run([appstream, "validate-tree", "--no-net", tmp_path / "root"]))
    result = _run([cli, "--home", tmp_path / "home", "desktop", "uninstall"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [p for p in share.rglob("*") if p.is_file()]


def test_pipx_install_gives_a_working_command(source, tmp_path):
    pipx = os.environ.get("PIPX") or shutil.which("pipx")
    if pipx is None:
        pytest.skip("pipx is not installed (pip install pipx, or apt-get install pipx; or set PIPX)")
    where = {"PIPX_HOME": tmp_path / "pipx", "PIPX_BIN_DIR": tmp_path / "bin", "PIPX_MAN_DIR": tmp_path / "man"}
    env = _env(**{k: str(v) for k, v in where.items()})
    result = _run([pipx, "install", "--python", sys.executable, "."], cwd=source, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    cli = tmp_path / "bin" / "incident-console"
    result = _run([cli, "--home", tmp_path / "home", "process", "check"], cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("ok: "), result.stdout + result.stderr
    result = _run([cli, "--home", tmp_path / "home", "handbook", "search", "span of control"], cwd=tmp_path)
    assert result.returncode == 0 and "control" in result.stdout.lower(), result.stderr
    found = _run([cli.resolve().parent / "python", "-c", "import console; print(console.__file__)"], cwd=tmp_path)
    assert Path(found.stdout.strip()).is_relative_to(tmp_path / "pipx"), found.stdout + found.stderr
