"""console/secrets.py against a real Secret Service (gnome-keyring in a private D-Bus session),
and its refusals: no keyring, the null keyring, a plaintext one, one that fails when used.
Each case runs in its own process, as the keyring package picks its backend once per process."""

import os
import subprocess
import sys
import textwrap

from tests.team.conftest import ROOT

PLAINTEXT_BACKEND = '''
"""A keyring that writes secrets into a file as they are, like keyrings.alt's PlaintextKeyring."""
import json, os
from keyring.backend import KeyringBackend


class PlainKeyring(KeyringBackend):
    priority = 1
    file = os.path.join(os.path.dirname(__file__), "secrets.json")

    def _all(self):
        return json.load(open(self.file)) if os.path.exists(self.file) else {}

    def get_password(self, service, username):
        return self._all().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        data = self._all(); data[f"{service}/{username}"] = password
        json.dump(data, open(self.file, "w"))

    def delete_password(self, service, username):
        data = self._all(); data.pop(f"{service}/{username}"); json.dump(data, open(self.file, "w"))
'''


def python(code: str, env: dict, pythonpath: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    environment.update(env)
    if pythonpath:
        environment["PYTHONPATH"] = pythonpath
    script = "from console import secrets\nfrom console.errors import ConsoleError\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60)


def test_a_secret_is_kept_read_and_forgotten_in_the_secret_service(secret_service):
    done = python("""
        print(secrets.check())
        secrets.store("team x", "pa55-é")
        print(secrets.get("team x"))
        secrets.store("team x", "second")
        print(secrets.get("team x"), secrets.get("another"))
        print(secrets.delete("team x"), secrets.get("team x"), secrets.delete("team x"))
    """, secret_service.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["keyring.backends.SecretService.Keyring", "pa55-é", "second None",
                                        "True None False"]
    for file in secret_service.files():  # encrypted at rest: the secret is in no file as typed
        assert b"pa55" not in file.read_bytes() and b"second" not in file.read_bytes()


REFUSE = """
    for attempt in (secrets.check, lambda: secrets.store("n", "v"), lambda: secrets.get("n")):
        try:
            attempt()
            print("accepted")
        except ConsoleError as exc:
            print(type(exc).__name__, exc)
"""


def test_no_keyring_is_refused_naming_the_backend_found():
    for backend in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"):
        done = python(REFUSE, {"PYTHON_KEYRING_BACKEND": backend})
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert len(lines) == 3 and "accepted" not in done.stdout
        assert lines[0] == (f"KeyringUnavailable no secure keyring: found {backend}, which does not keep secrets "
                            "encrypted; nothing was stored")


def test_a_plaintext_keyring_is_refused_and_nothing_is_written(tmp_path):
    (tmp_path / "plainkeyring.py").write_text(PLAINTEXT_BACKEND)
    done = python(REFUSE, {"PYTHON_KEYRING_BACKEND": "plainkeyring.PlainKeyring"}, str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("KeyringUnavailable no secure keyring: found plainkeyring.PlainKeyring")
    assert not (tmp_path / "secrets.json").exists()
    # the same backend is used happily by keyring itself: the refusal is ours
    accepted = subprocess.run([sys.executable, "-c", "import keyring; keyring.set_password('s', 'u', 'v')"],
                              env={**os.environ, "PYTHON_KEYRING_BACKEND": "plainkeyring.PlainKeyring",
                                   "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True)
    assert accepted.returncode == 0 and (tmp_path / "secrets.json").exists()


def test_a_secret_service_that_is_not_running_fails_in_one_line(tmp_path):
    # The Secret Service backend, but its bus is gone: picked, then failing at use.
    done = python(REFUSE, {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
                           "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("KeyringUnavailable ") for line in lines)
    assert "nothing was stored" in lines[1]
