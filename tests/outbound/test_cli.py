"""`notify` and `outbox` as a person runs them (real processes, a real Secret Service, real
receivers on 127.0.0.1), the kill tests (a sender killed between sending and recording), the
refusal of an insecure keyring, and the secrets scan (no URL or token anywhere but the keyring).
"""

import json
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.outbound.conftest import cli, free_port, popen

TEXT = "We are sorry that checkout fails for some of you. We are working on it. Next update at 15:00 UTC."


@pytest.fixture
def console(tmp_path, secret_service):
    home = tmp_path / "home"

    def run(*argv, env=None, **kw):
        return cli(*argv, home=home, env={**secret_service.env, **(env or {})}, **kw)

    run.home = home
    run.env = secret_service.env
    done = run("declare", "Checkout fails", "--sev", "2")
    assert done.returncode == 0, done.stderr
    return run


def _rows(home: Path) -> list:
    conn = sqlite3.connect(home / "data" / "incidents.sqlite3")
    try:
        return conn.execute("SELECT state, attempts, destination FROM outbox ORDER BY id").fetchall()
    finally:
        conn.close()


def test_add_list_send_and_remove(console, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    url = f"json://127.0.0.1:{httpserver.port}/hook?+X-Token=tok-ADD-LIST"
    added = console("notify", "add", "status", url, "--audience", "customers")
    assert added.returncode == 0, added.stderr
    assert "status: json, to customers" in added.stdout and url not in added.stdout + added.stderr

    listed = console("notify", "list", "--json")
    assert json.loads(listed.stdout) == [{"name": "status", "service": "json", "audience": "customers",
                                          "security": False, "texts_phones": False,
                                          "added_at": json.loads(listed.stdout)[0]["added_at"]}]

    sent = console("update", "INC-1", "customers", TEXT)
    assert sent.returncode == 0 and sent.stderr == "", sent.stderr  # went out in the try after the commit
    assert len(httpserver.log) == 1 and httpserver.log[0][0].headers["X-Token"] == "tok-ADD-LIST"
    shown = json.loads(console("outbox", "--json").stdout)
    assert [(m["id"], m["state"], m["attempts"]) for m in shown] == [("M1", "sent", 1)]
    assert [t["outcome"] for t in shown[0]["tries"]] == ["sent"]

    piped = console("notify", "add", "piped", "-", "--audience", "executives",  # the URL on standard input
                    input=f"json://127.0.0.1:{httpserver.port}/hook?+X-Token=tok-PIPED\n")
    assert piped.returncode == 0 and "piped: json" in piped.stdout, piped.stderr
    assert "tok-PIPED" not in piped.stdout + piped.stderr
    tested = console("notify", "test", "piped")
    assert tested.returncode == 0 and len(httpserver.log) == 2
    assert httpserver.log[1][0].headers["X-Token"] == "tok-PIPED"
    console("notify", "remove", "piped")
    tested = console("notify", "test", "status")
    assert tested.returncode == 0 and "sent a test message" in tested.stdout
    assert len(httpserver.log) == 3

    removed = console("notify", "remove", "status")
    assert removed.returncode == 0, removed.stderr
    assert console("notify", "list").stdout == ""
    again = console("notify", "test", "status")
    assert again.returncode == 2 and "no destination named status" in again.stderr


def test_an_update_that_cannot_go_now_is_queued_in_one_line_and_flushed_later(console):
    port = free_port()
    assert console("notify", "add", "hook", f"json://127.0.0.1:{port}/hook", "--audience", "customers").returncode == 0
    done = console("update", "INC-1", "customers", TEXT)
    assert done.returncode == 0
    assert done.stderr.count("\n") == 1 and "M1 to hook: waiting" in done.stderr and "queued" in done.stderr
    assert _rows(console.home) == [("waiting", 1, "hook")]

    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request("/hook").respond_with_data("ok")
    server.start()
    try:
        conn = sqlite3.connect(console.home / "data" / "incidents.sqlite3")
        conn.execute("UPDATE outbox SET next_at = NULL")  # its backoff over (the clock is real here)
        conn.commit()
        conn.close()
        flushed = console("outbox", "flush")
    finally:
        server.stop()
    assert flushed.returncode == 0, flushed.stderr
    assert flushed.stdout.strip() == "1 sent"
    assert _rows(console.home) == [("sent", 2, "hook")]


def test_findings_hold_then_override_on_the_command_line(console, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    console("notify", "add", "status", f"json://127.0.0.1:{httpserver.port}/hook", "--audience", "customers")
    held = console("update", "INC-1", "customers", "Fixed in 20 minutes.")
    assert held.returncode == 0 and "M1 to status: held" in held.stderr
    assert httpserver.log == []
    released = console("outbox", "release", "M1")
    assert released.returncode == 0, released.stderr
    assert "Override by Tester" in released.stdout
    assert len(httpserver.log) == 1
    overridden = console("update", "INC-1", "customers", "Fixed in 20 minutes.", "--override")
    assert overridden.returncode == 0 and "held" not in overridden.stderr
    assert len(httpserver.log) == 2


def test_no_secure_keyring_is_one_line_naming_it_and_nothing_is_stored(console):
    for backend in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"):
        done = console("notify", "add", "hook", "json://127.0.0.1:9/hook?+X-Token=tok-REFUSED", "--audience",
                       "customers", env={"PYTHON_KEYRING_BACKEND": backend})
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and backend in done.stderr and "nothing was stored" in done.stderr
        assert "tok-REFUSED" not in done.stderr + done.stdout
    assert console("notify", "list").stdout == ""


def test_a_plaintext_keyring_is_refused(console, tmp_path):
    # keyrings.alt's plaintext file, which keyring picks on its own when the package is merely
    # installed: made here as a backend module of our own of the same kind (not secure).
    site = tmp_path / "site"
    (site / "plainring").mkdir(parents=True)
    (site / "plainring" / "__init__.py").write_text(
        "from keyring.backend import KeyringBackend\n"
        "class Keyring(KeyringBackend):\n"
        "    priority = 1\n"
        "    store = {}\n"
        "    def get_password(self, s, u): return self.store.get((s, u))\n"
        "    def set_password(self, s, u, p): self.store[(s, u)] = p\n"
        "    def delete_password(self, s, u): self.store.pop((s, u), None)\n")
    done = console("notify", "add", "hook", "json://127.0.0.1:9/hook", "--audience", "customers",
                   env={"PYTHON_KEYRING_BACKEND": "plainring.Keyring", "PYTHONPATH": str(site)})
    assert done.returncode == 1 and "plainring.Keyring" in done.stderr and "nothing was stored" in done.stderr


@pytest.mark.parametrize("argv, message", [
    (["notify", "add", "a b", "json://h/x", "--audience", "customers"], "bad destination name"),
    (["notify", "add", "x" * 41, "json://h/x", "--audience", "customers"], "bad destination name"),
    (["notify", "add", "../etc", "json://h/x", "--audience", "customers"], "bad destination name"),
    (["notify", "add", "-rf", "json://h/x", "--audience", "customers"], "required"),
    (["notify", "add", "\u202eevil", "json://h/x", "--audience", "customers"], "bad destination name"),
    (["notify", "add", "ok", "json://h/x", "--audience", "nobody"], "bad audience"),
    (["notify", "add", "ok", "nosuch://tok-BAD-SCHEME@h/x", "--audience", "customers"], "apprise cannot use"),
    (["notify", "add", "ok", "tok-NO-SCHEME", "--audience", "customers"], "apprise cannot use"),
    (["notify", "add", "ok", "json://h/x\ntok-NEWLINE", "--audience", "customers"], "control characters"),
    (["notify", "add", "ok", "json://h/" + "x" * 5000, "--audience", "customers"], "too long"),
    (["notify", "add", "sms", "twilio://AC" + "a" * 32 + ":" + "b" * 32 + "@15551234567/15557654321",
      "--audience", "page", "--security"], "texts phones"),
    (["outbox", "resend", "M0"], "bad message reference"),
    (["outbox", "drop", "M99"], "no message M99"),
    (["outbox", "release", "99999999999999999999"], "bad message reference"),
])
def test_hostile_destinations_are_one_line_and_never_echo_the_url(console, argv, message):
    done = console(*argv)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert "tok-" not in done.stderr and "Traceback" not in done.stderr
    assert _rows(console.home) == []
    assert console("notify", "list").stdout == ""


# -- killed between sending and recording ----------------------------------------------------------

class Blocking:
    """A receiver whose first request arrives (it is counted) and then hangs until released;
    later requests are answered at once. It keeps each message once by its Idempotency-Key,
    as a service that dedupes does."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=free_port(), threaded=True)
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests: list = []
        self.kept: dict = {}
        self.server.expect_request("/hook").respond_with_handler(self.handle)
        self.server.expect_request("/hooks/slackstyletoken").respond_with_handler(self.handle)
        self.server.start()

    def handle(self, request):
        self.requests.append(request.get_data())
        key = request.headers.get("Idempotency-Key")
        self.kept.setdefault(key or len(self.requests), request.get_data())
        if not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(30)
        return Response("ok")

    def stop(self) -> None:
        self.release.set()
        self.server.stop()


@pytest.fixture
def blocking():
    receiver = Blocking()
    yield receiver
    receiver.stop()


def _killed_mid_send(console, blocking, url: str) -> None:
    assert console("notify", "add", "dest", url, "--audience", "customers").returncode == 0
    writer = popen("update", "INC-1", "customers", TEXT, home=console.home, env=console.env)
    try:
        assert blocking.arrived.wait(30), "the update's send never reached the receiver"
        assert _rows(console.home) == [("sending", 0, "dest")]
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    blocking.release.set()


def test_killed_mid_send_to_a_service_that_dedupes_is_sent_again_with_the_same_key(console, blocking):
    _killed_mid_send(console, blocking, f"json://127.0.0.1:{blocking.server.port}/hook")
    flushed = console("outbox", "flush")
    assert flushed.returncode == 0, flushed.stderr
    assert _rows(console.home) == [("sent", 2, "dest")]
    assert len(blocking.requests) == 2 and len(blocking.kept) == 1  # sent twice, kept once


def test_killed_mid_send_to_a_service_that_cannot_dedupe_is_unknown(console, blocking):
    _killed_mid_send(console, blocking, f"mmost://127.0.0.1:{blocking.server.port}/slackstyletoken")
    flushed = console("outbox", "flush")
    assert _rows(console.home) == [("unknown", 1, "dest")]
    assert flushed.returncode == 1  # something needs a person
    assert len(blocking.requests) == 1  # not sent again on its own
    shown = console("outbox").stdout
    assert "unknown - may have been sent" in shown and "interrupted while sending" in shown
    timeline = console("export", "INC-1", "--format", "md").stdout
    assert "may have been sent" in timeline


# -- the secrets scan ---------------------------------------------------------------------------------

SECRETS = ("tok-HEADER-1f3a", "tok-MMOST-9c2e", "pw-MAIL-77d1", "tok-DEAD-5b0c")


def test_no_url_or_token_is_anywhere_but_the_keyring(console, httpserver, mailbox, tmp_path):
    httpserver.expect_request("/hook").respond_with_data("ok")
    httpserver.expect_request(f"/hooks/{SECRETS[1]}").respond_with_data("no", status=500)
    urls = {
        "hook": f"json://127.0.0.1:{httpserver.port}/hook?+X-Token={SECRETS[0]}",
        "chat": f"mmost://127.0.0.1:{httpserver.port}/{SECRETS[1]}",
        "mail": f"mailto://ic:{SECRETS[2]}@127.0.0.1:{mailbox.port}?from=ic@example.com&to=execs@example.com"
                "&mode=insecure",
        "dead": f"json://127.0.0.1:{free_port()}/{SECRETS[3]}",
    }
    audiences = {"hook": "customers", "chat": "customers", "mail": "executives", "dead": "page"}
    said = []
    for name, url in urls.items():
        said.append(console("notify", "add", name, url, "--audience", audiences[name]))
    said.append(console("update", "INC-1", "customers", TEXT))
    said.append(console("update", "INC-1", "executives", "Rollback under way; next summary at 15:00."))
    said.append(console("page", "INC-1", "db-oncall"))
    said += [console("outbox"), console("outbox", "--json"), console("notify", "list"), console("notify", "list", "--json"),
             console("outbox", "flush"), console("notify", "test", "dead"), console("notify", "test", "chat")]
    assert all(d.returncode in (0, 1) for d in said), [d.stderr for d in said]
    states = {row[2]: row[0] for row in _rows(console.home)}
    assert states == {"hook": "sent", "chat": "unknown", "mail": "sent", "dead": "waiting"}
    out = tmp_path / "exports"
    out.mkdir()
    for fmt in ("json", "md", "html", "csv", "pdf"):
        done = console("export", "INC-1", "--format", fmt, "-o", str(out / f"incident.{fmt}"))
        assert done.returncode == 0, done.stderr
        said.append(done)

    text = "".join(d.stdout + d.stderr for d in said)
    files = [p for p in console.home.rglob("*") if p.is_file()] + list(out.iterdir())
    assert any(p.name == "incidents.sqlite3" for p in files)
    for secret in SECRETS:
        assert secret not in text
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret} in {path}"
    # ...and the keyring has them (encrypted at rest: not in its files as typed either).
    for path in (p for p in Path(console.env["HOME"]).rglob("*") if p.is_file()):
        assert not any(secret.encode() in path.read_bytes() for secret in SECRETS), path


# -- the post-mortem invitation ---------------------------------------------------------------------

def test_the_postmortem_invitation_is_emailed_with_its_ics(console, mailbox):
    import email
    from datetime import datetime, timedelta, timezone

    from icalendar import Calendar

    meeting = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT14:00:00Z")
    for argv in (["role", "INC-1", "ic", "Ana Lima"], ["role", "INC-1", "sme", "Ben Okafor"],
                 ["postmortem", "owner", "INC-1", "Dee Patel", meeting[:10]],
                 ["postmortem", "meeting", "INC-1", meeting],
                 ["notify", "add", "mail", f"mailto://127.0.0.1:{mailbox.port}?from=ic@example.com&mode=insecure",
                  "--audience", "executives"],
                 ["notify", "add", "hook", "json://127.0.0.1:9/hook", "--audience", "executives"]):
        done = console(*argv)
        assert done.returncode == 0, (argv, done.stderr)
    not_mail = console("invite", "INC-1", "--via", "hook", "--to", "dee@example.com")
    assert not_mail.returncode == 2 and "not e-mail" in not_mail.stderr
    bad = console("invite", "INC-1", "--via", "mail", "--to", "dee at example")
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr

    nobody = console("invite", "INC-1", "--via", "mail")
    assert nobody.returncode == 2 and "people directory" in nobody.stderr

    # The owner, the IC and the responder are in the people directory (issue 13's other half).
    people = console.home.parent / "people.csv"
    people.write_text("name,email,team\nAna Lima,ana@example.com,payments\nDee Patel,dee@example.com,sre\n"
                      "Ben Okafor,,database\n")
    assert console("people", "import", str(people)).returncode == 0
    sent = console("invite", "INC-1", "--via", "mail", "--to", "ben@example.com")
    assert sent.returncode == 0, sent.stderr
    assert "Post-mortem invitation for INC-1" in sent.stdout
    assert sent.stderr == "incident-console: no e-mail address in the people directory for Ben Okafor; not e-mailed\n"
    # one message per person, each its own outbox row (sent, retried and judged on its own)
    assert sorted(e.rcpt_tos[0] for e in mailbox.messages) == ["ana@example.com", "ben@example.com", "dee@example.com"]
    assert all(len(e.rcpt_tos) == 1 for e in mailbox.messages)
    message = email.message_from_bytes(mailbox.messages[0].content)
    assert message["Subject"] == "Post-mortem: INC-1 Checkout fails"
    calendars = [part for part in message.walk() if part.get_filename() == "postmortem.ics"]
    assert len(calendars) == 1
    event = Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Post-mortem: INC-1 Checkout fails"
    attendees = sorted((str(a.params["CN"]), str(a)) for a in event.get("ATTENDEE"))
    assert attendees == [("Ana Lima", "mailto:ana@example.com"),
                         ("Ben Okafor", "urn:x-incident-console:person:Ben%20Okafor"),
                         ("Dee Patel", "mailto:dee@example.com")]
    assert _rows(console.home) == [("sent", 1, "mail")] * 3


def test_a_security_incidents_invitation_is_not_emailed(console, mailbox):
    from datetime import datetime, timedelta, timezone

    meeting = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT14:00:00Z")
    for argv in (["declare", "Stolen keys", "--sev", "1", "--security"], ["postmortem", "meeting", "INC-2", meeting],
                 ["notify", "add", "mail", f"mailto://127.0.0.1:{mailbox.port}?from=ic@example.com&mode=insecure",
                  "--audience", "executives", "--security"]):
        assert console(*argv).returncode == 0
    refused = console("invite", "INC-2", "--via", "mail", "--to", "dee@example.com")
    assert refused.returncode == 2 and "security incident" in refused.stderr
    assert mailbox.messages == [] and _rows(console.home) == []
