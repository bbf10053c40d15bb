"""Every path the console uses, in one place.

The platform's conventions come from platformdirs. One override moves all of them at once:
`--home DIR` on the command line or the `INCIDENT_CONSOLE_HOME` environment variable. Tests
always set it, so no test ever touches the real home directory.
"""

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "incident-console"
HOME_ENV = "INCIDENT_CONSOLE_HOME"
DB_NAME = "incidents.sqlite3"


@dataclass(frozen=True)
class Paths:
    """Where the console keeps its data, configuration, logs and backups."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    backup_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def exports_dir(self) -> Path:
        """Where the window writes exports it makes without asking (metrics CSV and PNG)."""
        return self.data_dir / "exports"

    @property
    def process_dir(self) -> Path:
        """An organisation's overrides of the default process definition."""
        return self.config_dir / "process"


def resolve(home: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Paths:
    """Work out the paths: an explicit home, else the environment override, else the platform's."""
    env = os.environ if environ is None else environ
    chosen = home if home is not None else env.get(HOME_ENV) or None
    if chosen is not None:
        base = Path(chosen).expanduser().resolve()
        return Paths(base / "data", base / "config", base / "logs", base / "backups")
    import platformdirs  # imported here: only needed when no override is given

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    data = dirs.user_data_path
    return Paths(data, dirs.user_config_path, dirs.user_log_path, data / "backups")


def ensure_private_dir(path: Path) -> Path:
    """Create a folder only its owner can enter (incident data is sensitive) and return it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path
