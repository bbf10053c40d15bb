"""A real Secret Service for the keyring tests: gnome-keyring-daemon, its login keyring
unlocked, inside a private D-Bus session (`dbus-run-session`), with its files in a temporary
folder. Processes given `env` (its bus address and that folder as HOME) store and read secrets
through it exactly as on a desktop. `./dev` installs `gnome-keyring dbus`.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

_SCRIPT = """\
printf 'unlock-the-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
echo "BUS=$DBUS_SESSION_BUS_ADDRESS"
exec sleep 86400
"""


def available() -> str | None:
    """Why the Secret Service cannot run here, or None when it can."""
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (./dev installs gnome-keyring and dbus)"
    return None


class SecretService:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ic-keyring-"))
        env = {**os.environ, "HOME": str(self.root), "XDG_DATA_HOME": str(self.root / "share"),
               "XDG_RUNTIME_DIR": str(self.root)}
        (self.root / "run.sh").write_text(_SCRIPT)
        self.process = subprocess.Popen(["dbus-run-session", "--", "sh", str(self.root / "run.sh")],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        env=env, start_new_session=True)
        line = self.process.stdout.readline()
        if not line.startswith("BUS="):
            self.stop()
            raise RuntimeError("gnome-keyring-daemon did not start in a D-Bus session")
        self.bus = line.strip().removeprefix("BUS=")
        self.env = {"DBUS_SESSION_BUS_ADDRESS": self.bus, "HOME": str(self.root),
                    "XDG_DATA_HOME": str(self.root / "share"), "XDG_RUNTIME_DIR": str(self.root)}
        time.sleep(0.2)  # the daemon registers its name on the bus just after it forks

    def files(self) -> list[Path]:
        """Every file the keyring keeps (its secrets are encrypted in them)."""
        return [p for p in self.root.rglob("*") if p.is_file()]

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
