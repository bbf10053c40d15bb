"""Outbound fixtures (issue 13): a real Secret Service to keep destination URLs in, real HTTP
receivers (pytest-httpserver) and a real SMTP server (aiosmtpd) on 127.0.0.1, and consoles as
CLI processes with homes of their own.

apprise's `slack://` cannot be pointed at 127.0.0.1 (its plugin always posts to
hooks.slack.com), so the Slack-style webhook here is Mattermost's (`mmost://`), whose incoming
webhooks take Slack's payload and, like Slack's, have no idempotency key.
"""

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keyring_here(secret_service, monkeypatch):
    """This process keeps secrets in the test's Secret Service (keyring's own API to choose it)."""
    import keyring
    from keyring.backends import SecretService as backend

    for name, value in secret_service.env.items():
        if name != "HOME":
            monkeypatch.setenv(name, value)
    before = keyring.get_keyring()
    keyring.set_keyring(backend.Keyring())
    yield secret_service
    keyring.set_keyring(before)


def free_port() -> int:
    """A port that was free a moment ago (bound, then closed): nothing listens on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*argv: str, home: Path, env: dict | None = None, input: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    environment.update({"INCIDENT_CONSOLE_HOME": str(home), "INCIDENT_CONSOLE_NAME": "Tester"})
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "console", *argv], cwd=ROOT, env=environment, input=input,
                          capture_output=True, text=True, timeout=timeout)


def popen(*argv: str, home: Path, env: dict | None = None) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    environment.update({"INCIDENT_CONSOLE_HOME": str(home), "INCIDENT_CONSOLE_NAME": "Tester"})
    environment.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "console", *argv], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Mailbox:
    """aiosmtpd on 127.0.0.1 (a port picked first: port=0 breaks aiosmtpd 1.4.6's start-up)
    keeping every message it accepts; `replies` are answered to DATA first, in order
    ("451 ..." asks the client to try later), then 250."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.messages: list = []
        self.replies: list[str] = []
        self.lock = threading.Lock()
        # Any login is taken, without TLS (aiosmtpd wants TLS for AUTH by default).
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, auth_require_tls=False,
                                     authenticator=self.authenticate)
        self.controller.start()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            self.messages.append(envelope)
        return "250 OK"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()
