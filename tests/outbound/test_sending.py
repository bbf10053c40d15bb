"""The outbox and the sender against real receivers on 127.0.0.1 (issue 13): one transaction for
the entry and its messages, what each outcome does, backoff, order, the linter's hold, security
incidents and pages. Destinations' URLs are in a real Secret Service.
"""

import json
import time
from datetime import timedelta

import pytest
from werkzeug import Response

from console.outbox import MAX_ATTEMPTS
from console.sender import BACKOFF_FIRST, Sender
from tests.outbound.conftest import free_port

pytestmark = pytest.mark.usefixtures("keyring_here")

OK_TEXT = "We are sorry that checkout fails for some of you. We are working on it. Next update at 15:00 UTC."


def _json(httpserver, path="/hook") -> str:
    return f"json://127.0.0.1:{httpserver.port}{path}"


def _mmost(httpserver, token="slackstyletoken") -> str:
    # Mattermost's incoming webhook: Slack's payload, no idempotency key; posts to /hooks/TOKEN.
    return f"mmost://127.0.0.1:{httpserver.port}/{token}"


@pytest.fixture
def incident(service):
    return service.incidents.declare("Checkout fails", by="Ana", severity=2).incident


def _sender(service):
    return Sender(service, by="Tester", rng=lambda: 1.0)


def _states(service):
    return [r.state for r in service.read.outbox.all()]


def _notes(service, incident):
    return [e.text for e in service.read.timeline.all(incident.id) if e.kind == "comms"]


def test_an_update_and_its_messages_commit_together_and_go_out_with_the_key(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver), "customers")
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")

    change = service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    rows = service.read.outbox.all()
    assert [(r.state, r.destination, r.audience) for r in rows] == [("waiting", "status", "customers")]
    op = service.ledger.execute("SELECT uid FROM ops WHERE verb = 'update.send'").fetchone()[0]
    assert rows[0].op == op and change.entries[0].kind == "comms"

    assert _sender(service).run() == {"sent": 1}
    request, _ = httpserver.log[0]
    assert request.headers["Idempotency-Key"] == rows[0].uid
    assert json.loads(request.data)["message"] == OK_TEXT
    assert _states(service) == ["sent"]
    assert service.read.outbox.attempts(rows[0].id)[0].outcome == "sent"
    assert f"{rows[0].ref} to customers via status: sent" in _notes(service, incident)


def test_a_failed_write_queues_nothing(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver), "customers")
    with pytest.raises(Exception):
        service.updates.send(incident.id, "customers", "x" * 100_000, by="Cy")
    assert service.read.outbox.all() == []


def test_refused_waits_with_backoff_then_goes_when_the_receiver_is_back(service, incident, clock, httpserver):
    port = free_port()  # bound, then closed: nothing listens
    service.destinations.add("hook", f"json://127.0.0.1:{port}/hook", "customers")
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    sender = _sender(service)

    assert sender.run() == {"waiting": 1}
    row = service.read.outbox.all()[0]
    assert (row.state, row.attempts) == ("waiting", 1)
    assert "could not connect" in row.last_error
    assert row.next_at == (clock.now() + timedelta(seconds=BACKOFF_FIRST)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert sender.run() == {}  # not due yet: nothing is tried
    clock.advance(seconds=BACKOFF_FIRST)
    assert sender.run() == {"waiting": 1}
    assert service.read.outbox.all()[0].attempts == 2


def test_offline_messages_wait_in_order_and_go_in_order(service, incident, clock):
    from pytest_httpserver import HTTPServer

    port = free_port()
    service.destinations.add("hook", f"json://127.0.0.1:{port}/hook", "customers")
    for n in range(3):
        service.updates.send(incident.id, "customers", f"{OK_TEXT} ({n})", by="Cy")
    sender = _sender(service)
    assert sender.run() == {"waiting": 1}  # the first is tried; the others wait behind it
    assert [r.attempts for r in service.read.outbox.all()] == [1, 0, 0]

    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request("/hook").respond_with_data("ok")
    server.start()
    try:
        clock.advance(minutes=1)
        assert sender.run() == {"sent": 3}
        sent = [json.loads(request.data)["message"] for request, _ in server.log]
    finally:
        server.clear()
        server.stop()
    assert sent == [f"{OK_TEXT} ({n})" for n in range(3)]


def test_a_500_is_retried_where_the_service_dedupes(service, incident, clock, httpserver):
    service.destinations.add("hook", _json(httpserver), "customers")
    httpserver.expect_ordered_request("/hook").respond_with_data("no", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    sender = _sender(service)
    assert sender.run() == {"waiting": 1}
    assert "HTTP 500" in service.read.outbox.all()[0].last_error
    clock.advance(seconds=BACKOFF_FIRST)
    assert sender.run() == {"sent": 1}
    keys = {request.headers["Idempotency-Key"] for request, _ in httpserver.log}
    assert len(httpserver.log) == 2 and len(keys) == 1  # the same key both times: the receiver keeps one


def test_a_500_from_a_service_that_cannot_dedupe_is_unknown_until_a_person_acts(service, incident, clock, httpserver):
    service.destinations.add("chat", _mmost(httpserver), "customers")
    httpserver.expect_ordered_request("/hooks/slackstyletoken").respond_with_data("no", status=500)
    httpserver.expect_ordered_request("/hooks/slackstyletoken").respond_with_data("ok")
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    sender = _sender(service)
    assert sender.run() == {"unknown": 1}
    row = service.read.outbox.all()[0]
    assert row.shown_state == "unknown - may have been sent"
    assert any("may have been sent" in text for text in _notes(service, incident))
    clock.advance(hours=1) if hasattr(clock, "hours") else clock.advance(minutes=60)
    assert sender.run() == {}  # never retried on its own
    assert len(httpserver.log) == 1

    service.outbox.resend(row.id, by="Cy")
    assert sender.run() == {"sent": 1}
    assert len(httpserver.log) == 2
    assert any(f"{row.ref} to customers via chat: resent by Cy" == text for text in _notes(service, incident))


def _slow(seconds):
    def handler(request):
        time.sleep(seconds)
        return Response("late")
    return handler


def test_a_slow_receiver_is_ambiguous(service, incident, httpserver):
    service.destinations.add("chat", _mmost(httpserver) + "?rto=1", "customers")
    service.destinations.add("hook", _json(httpserver) + "?rto=1", "customers")
    httpserver.expect_request("/hooks/slackstyletoken").respond_with_handler(_slow(2))
    httpserver.expect_request("/hook").respond_with_handler(_slow(2))
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    assert _sender(service).run() == {"unknown": 1, "waiting": 1}
    chat, hook = sorted(service.read.outbox.all(), key=lambda r: r.destination)
    assert chat.state == "unknown" and "after the request was sent" in chat.last_error
    assert hook.state == "waiting"  # it dedupes: the same key goes again


def test_a_429_waits_at_least_its_retry_after(service, incident, clock, httpserver):
    service.destinations.add("hook", _json(httpserver), "customers")
    httpserver.expect_request("/hook").respond_with_data("slow down", status=429, headers={"Retry-After": "600"})
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    assert _sender(service).run() == {"waiting": 1}
    row = service.read.outbox.all()[0]
    assert "429" in row.last_error
    from console import times

    assert times.from_text(row.next_at) - clock.now() >= timedelta(seconds=600)


def test_a_refusal_for_good_fails_at_once_and_is_shown(service, incident, httpserver):
    service.destinations.add("hook", _json(httpserver), "customers")
    httpserver.expect_request("/hook").respond_with_data("who?", status=404)
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    assert _sender(service).run() == {"failed": 1}
    row = service.read.outbox.all()[0]
    assert row.state == "failed" and "HTTP 404" in row.last_error
    assert f"{row.ref} to customers via hook: not sent: the service refused it (HTTP 404)" in _notes(service, incident)


def test_a_destination_that_keeps_failing_is_failed_after_the_limit(service, incident, clock):
    port = free_port()
    service.destinations.add("hook", f"json://127.0.0.1:{port}/hook", "customers")
    service.updates.send(incident.id, "customers", OK_TEXT, by="Cy")
    sender = _sender(service)
    for _ in range(MAX_ATTEMPTS):
        sender.run()
        clock.advance(minutes=20)
    row = service.read.outbox.all()[0]
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert f"gave up after {MAX_ATTEMPTS} tries" in row.last_error
    assert service.read.outbox.counts() == {"failed": 1}


def test_findings_hold_the_messages_until_an_override_which_is_recorded(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver), "customers")
    httpserver.expect_request("/hook").respond_with_data("ok")
    change = service.updates.send(incident.id, "customers", "We expect a fix in 20 minutes.", by="Cy")
    assert change.findings
    row = service.read.outbox.all()[0]
    assert row.state == "held" and row.last_error.startswith("held: the message rules found")
    assert _sender(service).run() == {}
    assert httpserver.log == []

    service.outbox.release(row.id, by="Cy")
    assert any(text.startswith(f"Override by Cy: {row.ref} to customers via status released") for text in
               _notes(service, incident))
    assert _sender(service).run() == {"sent": 1}


def test_an_override_at_sending_is_an_entry_of_the_same_op(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver), "customers")
    service.updates.send(incident.id, "customers", "We expect a fix in 20 minutes.", by="Cy", override=True)
    assert _states(service) == ["waiting"]
    overrides = [e for e in service.read.timeline.all(incident.id) if e.text.startswith("Override by Cy")]
    assert len(overrides) == 1 and "u11" in overrides[0].text


def test_a_held_message_can_be_dropped(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver), "customers")
    service.updates.send(incident.id, "customers", "We expect a fix in 20 minutes.", by="Cy")
    row = service.read.outbox.all()[0]
    service.outbox.drop(row.id, by="Cy")
    assert _states(service) == ["dropped"]
    assert _sender(service).run() == {}


def test_only_the_audience_destinations_get_it(service, incident, httpserver):
    service.destinations.add("status", _json(httpserver, "/customers"), "customers")
    service.destinations.add("execs", _json(httpserver, "/execs"), "executives")
    service.updates.send(incident.id, "executives", "Rollback under way; next summary at 15:00.", by="Cy")
    assert [r.destination for r in service.read.outbox.all()] == ["execs"]


def test_a_page_goes_to_the_page_destinations_with_the_team(service, incident, httpserver):
    from console.commands import Language
    from console.process import load_process

    service.destinations.add("oncall", _json(httpserver, "/page"), "page")
    httpserver.expect_request("/page").respond_with_data("ok")
    language = Language.from_process(load_process(None))
    change = language.run(service, incident.id, "/page db-oncall", by="Ana")
    assert change.entries[0].kind == "page" and change.entries[0].text == "Paged db-oncall"
    assert _sender(service).run() == {"sent": 1}
    sent = json.loads(httpserver.log[0][0].data)
    assert "db-oncall" in sent["message"] and "Checkout fails" in sent["message"]
    assert sent["title"].startswith("Page: INC-1")


def test_a_security_incident_sends_only_to_security_destinations_and_no_title(service, httpserver):
    secret = service.incidents.declare("Credential stuffing on the admin login", by="Ana", severity=1,
                                       security=True).incident
    service.destinations.add("public", _json(httpserver, "/public"), "executives")
    service.destinations.add("legal", _json(httpserver, "/legal"), "executives", security=True)
    httpserver.expect_request("/legal").respond_with_data("ok")
    service.security.clear(secret.id, by="Ana")  # else the summary waits (the next test)
    service.updates.send(secret.id, "executives", "Responders are on it; next summary at 15:00.", by="Cy",
                         override=True)
    assert [r.destination for r in service.read.outbox.all()] == ["legal"]
    assert _sender(service).run() == {"sent": 1}
    sent = json.loads(httpserver.log[0][0].data)
    assert sent["title"] == "Attorney Work Project"
    assert "Credential" not in json.dumps(sent) and "admin login" not in json.dumps(sent)


def test_a_security_incidents_messages_beyond_the_team_wait_for_forensics(service, httpserver):
    from console.errors import InputError
    from console.security import HOLD_REASON

    secret = service.incidents.declare("Credential stuffing on the admin login", by="Ana", severity=1,
                                       security=True).incident
    service.destinations.add("legal", _json(httpserver, "/legal"), "executives", security=True)
    service.destinations.add("bridge", _json(httpserver, "/bridge"), "responders", security=True)
    httpserver.expect_request("/legal").respond_with_data("ok")
    httpserver.expect_request("/bridge").respond_with_data("ok")
    service.updates.send(secret.id, "executives", "Contained; next summary at 15:00.", by="Cy")
    service.updates.send(secret.id, "responders", "Status: contained. Next update 15:00.", by="Cy")
    rows = {r.destination: r for r in service.read.outbox.all()}
    assert rows["legal"].state == "held" and rows["legal"].last_error.startswith(HOLD_REASON)
    assert _sender(service).run() == {"sent": 1}  # the call's own update goes; the summary waits
    assert [r.path for r, _ in httpserver.log] == ["/bridge"]
    with pytest.raises(InputError, match="/forensics-clear"):
        service.outbox.release(rows["legal"].id, by="Cy")  # no override lets it out early
    service.security.clear(secret.id, by="Ana", note="no insider sessions")
    service.outbox.release(rows["legal"].id, by="Cy")
    assert _sender(service).run() == {"sent": 1}
    sent = json.loads(httpserver.log[-1][0].data)
    assert sent["title"] == "Attorney Work Project" and "Credential" not in json.dumps(sent)


def test_a_security_page_says_no_title(service, httpserver):
    secret = service.incidents.declare("Credential stuffing on the admin login", by="Ana", severity=1,
                                       security=True).incident
    service.destinations.add("oncall", _json(httpserver, "/page"), "page", security=True)
    httpserver.expect_request("/page").respond_with_data("ok")
    service.outbox.page(secret.id, "sec-oncall", by="Ana")
    assert _sender(service).run() == {"sent": 1}
    sent = json.dumps(json.loads(httpserver.log[0][0].data))
    assert "sec-oncall" in sent and "Credential" not in sent and "admin" not in sent


def test_an_op_from_another_console_queues_nothing_here(service, incident, httpserver):
    from console.ops import Applied, Op

    service.destinations.add("status", _json(httpserver), "customers")
    op = Op("f" * 32, "elsewhere", "0000000000001.0000.elsewhere", incident.uid, "update.send", "{}")
    with service.ledger.writing():
        queued = service.outbox.queue(Applied(op, {}, incident.id, False), "customers", "t", "b")
    assert queued == 0 and service.read.outbox.all() == []


def test_the_same_op_run_again_queues_nothing_twice(service, incident, httpserver):
    from console.ops import Applied, Op

    service.destinations.add("status", _json(httpserver), "customers")
    op = Op("e" * 32, service.ledger.replica, "0000000000001.0000.x", incident.uid, "update.send", "{}")
    with service.ledger.writing():
        first = service.outbox.queue(Applied(op, {}, incident.id, True), "customers", "t", "b")
        again = service.outbox.queue(Applied(op, {}, incident.id, True), "customers", "t", "b")
    assert (first, again) == (1, 0)


def test_smtp_451_then_ok(service, incident, clock, mailbox):
    service.destinations.add("mail", f"mailto://127.0.0.1:{mailbox.port}?from=ic@example.com&to=execs@example.com"
                                     "&mode=insecure", "executives")
    mailbox.replies.append("451 4.3.0 try again later")
    service.updates.send(incident.id, "executives", "Rollback under way; next summary at 15:00.", by="Cy")
    sender = _sender(service)
    assert sender.run() == {"waiting": 1}
    assert "SMTP 451" in service.read.outbox.all()[0].last_error
    clock.advance(seconds=BACKOFF_FIRST)
    assert sender.run() == {"sent": 1}
    assert len(mailbox.messages) == 1 and mailbox.messages[0].rcpt_tos == ["execs@example.com"]
    assert [a.outcome for a in service.read.outbox.attempts(service.read.outbox.all()[0].id)] == ["retry", "sent"]


def test_a_drill_sends_nothing_anywhere(service, httpserver):
    """A drill's updates and pages are practice: recorded, never queued, never sent (the same
    lines on a real incident are); its post-mortem invitation is refused in one line."""
    from console.commands import Language
    from console.errors import InputError
    from console.process import load_process

    service.destinations.add("status", _json(httpserver, "/customers"), "customers")
    service.destinations.add("oncall", _json(httpserver, "/page"), "page")
    language = Language.from_process(load_process(None))
    drill = service.incidents.declare("Drill: checkout fails", by="Ana", severity=2, drill=True).incident
    service.updates.send(drill.id, "customers", OK_TEXT, by="Cy")
    language.run(service, drill.id, "/page db-oncall", by="Ana")
    assert [e.text.split(":")[0] for e in service.read.timeline.all(drill.id) if e.kind in ("comms", "page")] \
        == ["Update to customers", "Paged db-oncall"]
    assert service.read.outbox.all() == []
    assert _sender(service).run() == {}
    assert httpserver.log == []
    with pytest.raises(InputError, match="is a drill"):
        service.outbox.invite(drill.id, "status", ["ana@example.com"], by="Ana", ics="", when="tomorrow")
    real = service.incidents.declare("Checkout fails", by="Ana", severity=2).incident
    service.updates.send(real.id, "customers", OK_TEXT, by="Cy")
    language.run(service, real.id, "/page db-oncall", by="Ana")
    assert sorted(r.destination for r in service.read.outbox.all()) == ["oncall", "status"]


def test_the_messages_of_an_entry_are_the_ones_its_op_queued(service, incident, httpserver):
    """Found from the outbox by its op's HLC (there is no index of every op's HLC, 0020)."""
    service.destinations.add("status", _json(httpserver), "customers")
    first = service.updates.send(incident.id, "customers", OK_TEXT, by="Cy").entries[0]
    note = service.timeline.log(incident.id, "checkout still fails", by="Ana").entries[0]
    second = service.updates.send(incident.id, "customers", OK_TEXT.replace("15:00", "15:30"), by="Cy").entries[0]
    rows = service.read.outbox.all()
    assert len(rows) == 2
    assert [r.id for r in service.read.outbox.of_entry(first.id)] == [rows[0].id]
    assert [r.id for r in service.read.outbox.of_entry(second.id)] == [rows[1].id]
    assert service.read.outbox.of_entry(note.id) == []
