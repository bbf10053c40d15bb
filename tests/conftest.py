"""Shared fixtures: a temporary home for every test, a fake clock, a real store.

Every test runs with INCIDENT_CONSOLE_HOME in its own temporary folder, so nothing ever
touches the real data directory. Qt runs offscreen; tests that use qtbot or qapp are marked
`gui` automatically, so `pytest -m "not gui"` runs the headless core alone.
"""

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

collect_ignore = ["bench"]  # benchmarks run on demand: python -m tests.bench.<name>

from console import paths  # noqa: E402
from console.service import IncidentService  # noqa: E402
from tests.secret_service import SecretService, available  # noqa: E402


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 29, 14, 0, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 0, minutes: float = 0) -> datetime:
        self.current += timedelta(seconds=seconds, minutes=minutes)
        return self.current


def pytest_collection_modifyitems(items):
    for item in items:
        if {"qtbot", "qapp", "qtmodeltester"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(base))
    monkeypatch.setenv("INCIDENT_CONSOLE_NAME", "Tester")
    return base


@pytest.fixture
def where(home: Path) -> paths.Paths:
    return paths.resolve()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(where: paths.Paths, clock: FakeClock):
    svc = IncidentService.open(where.db_path, clock)
    yield svc
    svc.close()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder on `sys.path` to install a package into (plug-in tests); the modules imported
    from it are forgotten afterwards."""
    import sys

    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(folder)):
            sys.modules.pop(name, None)


@pytest.fixture(scope="session")
def secret_service():
    """A real Secret Service (gnome-keyring in a private D-Bus session, tests/secret_service.py),
    one for the whole run, shared by the team and the outbound tests."""
    missing = available()
    if missing:
        pytest.skip(missing)
    service = SecretService()
    yield service
    service.stop()
