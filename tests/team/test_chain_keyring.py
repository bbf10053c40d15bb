"""The record chain's signed head (console/chain_seal.py) with a real Secret Service
(gnome-keyring in a private D-Bus session), and without one: the head goes out unsigned with a
one-line note, and no key is ever written to disk. Each export is its own CLI process, as the
keyring package picks its backend once per process."""

import json
import os
import subprocess
import sys

from tests.team.conftest import ROOT, cli
from tests.team.test_secrets import PLAINTEXT_BACKEND


def _incident(home) -> None:
    for argv in (("declare", "Checkout fails", "--sev", "2"), ("log", "INC-1", "db-3 is lagging"),
                 ("log", "INC-1", "d: roll back the deploy")):
        done = cli(*argv, home=home)
        assert done.returncode == 0, done.stderr


def _key(env: dict) -> str:
    """The private key as the keyring holds it (hex)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    done = subprocess.run([sys.executable, "-c", "from console import secrets; "
                           "print(secrets.get('chain-signing-key'))"],
                          cwd=ROOT, env={**environment, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_head_is_signed_with_a_key_kept_only_in_the_keyring(secret_service, tmp_path):
    home, env = tmp_path / "home", secret_service.env
    _incident(home)
    first, second = tmp_path / "first.json", tmp_path / "second.md"
    done = cli("export", "INC-1", "--format", "json", "-o", str(first), home=home, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    block = json.loads(first.read_text())["chain"]
    assert block["signature"].startswith("ed25519:") and block["public_key"].startswith("ed25519:")
    assert "unsigned" not in block and block["links"] == 3
    done = cli("export", "INC-1", "--format", "md", "-o", str(second), home=home, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert f"by key {block['public_key']}." in second.read_text()  # the same key, the next run

    for copy in (first, second):
        done = cli("verify", "--export", str(copy), home=home, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1] == f"{copy}: signed by this install's key"
    # Another install (no keyring) still checks the signature with the key printed in the copy.
    done = cli("verify", "--export", str(first), home=home)
    assert done.returncode == 0 and "(not this install's)" in done.stdout

    key = _key(env)
    assert len(key) == 64
    for file in [*home.rglob("*"), *secret_service.files()]:
        if file.is_file():
            data = file.read_bytes()
            assert key.encode() not in data and bytes.fromhex(key) not in data, file


def test_a_copy_whose_head_was_altered_fails_its_signature(secret_service, tmp_path):
    home, env = tmp_path / "home", secret_service.env
    _incident(home)
    copy = tmp_path / "copy.json"
    assert cli("export", "INC-1", "--format", "json", "-o", str(copy), home=home, env=env).returncode == 0
    document = json.loads(copy.read_text())
    document["chain"]["links"] = 2
    document["chain"]["head"] = "0" * 64
    copy.write_text(json.dumps(document))
    done = cli("verify", "--export", str(copy), home=home, env=env)
    assert done.returncode == 1
    assert done.stdout == f"{copy}: its signature does not match its head: the copy was altered\n"


def test_without_a_secure_keyring_the_head_goes_out_unsigned_with_one_line(tmp_path):
    home = tmp_path / "home"
    _incident(home)
    (tmp_path / "plainkeyring.py").write_text(PLAINTEXT_BACKEND)
    env = {"PYTHON_KEYRING_BACKEND": "plainkeyring.PlainKeyring", "PYTHONPATH": str(tmp_path)}
    for refused in ({}, env):  # no keyring at all; a keyring that would keep it in plaintext
        copy = tmp_path / "copy.json"
        done = cli("export", "INC-1", "--format", "json", "-o", str(copy), home=home, env=refused)
        assert done.returncode == 0
        assert len(done.stderr.splitlines()) == 1
        assert done.stderr.startswith("incident-console: note: the record chain's head is not signed: ")
        block = json.loads(copy.read_text())["chain"]
        assert block["signature"] is None and block["public_key"] is None
        assert "no secure keyring" in block["unsigned"]
        done = cli("verify", "--export", str(copy), home=home, env=refused)
        assert done.returncode == 0 and done.stdout.splitlines()[-1] == f"{copy}: not signed"
    assert not (tmp_path / "secrets.json").exists()
