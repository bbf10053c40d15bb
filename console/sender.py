"""The sender (issue 13): takes the outbox's due messages and sends each through apprise.

    Sender(service, by=NAME).run(deadline=...)   send what is due now, until nothing is or time is up
    inspect_url(url)                             (service scheme, texts phones?) or InputError

One destination per `notify()` call, with apprise's own retries off, its `Apprise` built in
memory from the URL the keyring holds (console/secrets.py) and dropped after the call. Each
attempt is recorded (console.outbox: `finish`); the final outcome of a message is also a
timeline entry. Retries are ours: exponential backoff with jitter (30 s doubling to 15
minutes), at least a 429's Retry-After, and after outbox.MAX_ATTEMPTS the message is `failed`
and shown. A destination's messages go out in order: its first waiting message blocks the rest.

Exactly once, as a person sees it. A service that deduplicates is given the message's key, the
outbox row's uid, made from the op's uid and the destination (console.outbox.row_uid): generic
webhooks (json, form, xml) as an `Idempotency-Key` header, PagerDuty as the event's dedup_key,
Opsgenie as the alert's alias (`_KEYED`). For those every doubtful failure is retried. For the
others (Slack, Teams, Discord, Mattermost, e-mail...) an outcome that leaves open whether the
service got the message - a timeout after the request was sent, a 5xx, a connection dropped
mid-reply, a process killed between sending and recording - makes the message `unknown - may
have been sent`: it waits for a person to resend or drop it, never retried on its own. What is
certain not to have arrived (connection refused, a name that does not resolve, a 429, an SMTP
4xx reply) is retried either way; a refusal for good (another 4xx, an SMTP 5xx) is `failed`.

How an attempt ended is read from the transport under apprise (requests' adapter and
smtplib's sendmail, watched while our one call runs, `_Watch`), since apprise reports only
success or failure. The URL, and apprise's "privacy" URL (which keeps custom headers), are
never printed, logged or stored: reasons are ours, a status code at most.

This module imports apprise; nothing imports it but the commands that send (`notify`,
`outbox`, an `update` or `page` that queued a message) and the window's worker thread.
"""

import logging
import random
import threading
import time
from datetime import datetime, timedelta
from typing import NamedTuple

import apprise
from apprise.manager_plugins import NotificationManager

from console import secrets
from console.errors import ConsoleError, InputError
from console.outbox import MAX_ATTEMPTS, OutboxReads, OutboxRow, claim_token

BACKOFF_FIRST = 30.0  # seconds before the second try
BACKOFF_MOST = 15 * 60.0  # never longer than this between tries (unless a Retry-After says so)
KEYRING_PAUSE = 60.0  # the keyring would not give the URL: try again this much later
SEND_TIMEOUT = 10.0  # one notify() call at most (apprise's own connect/read timeouts are 4 s each)

_PLUGINS = NotificationManager()
# How a service that deduplicates is given the message's key (the outbox row's uid), by plugin.
_KEYED = {
    "NotifyJSON": lambda plugin, key: plugin.headers.__setitem__("Idempotency-Key", key),
    "NotifyForm": lambda plugin, key: plugin.headers.__setitem__("Idempotency-Key", key),
    "NotifyXML": lambda plugin, key: plugin.headers.__setitem__("Idempotency-Key", key),
    "NotifyPagerDuty": lambda plugin, key: setattr(plugin, "dedup", key),
    "NotifyOpsgenie": lambda plugin, key: setattr(plugin, "alias", key),
}
_ONE_AT_A_TIME = threading.Lock()  # the transport watch is process-wide: one notify() at a time


class Outcome(NamedTuple):
    """How one attempt ended: `sent`, `retry` (it did not arrive; safe to try again), `unknown`
    (it may have arrived) or `refused` (the service said no for good)."""

    kind: str
    reason: str | None = None
    retry_after: float | None = None


# -- the URL -----------------------------------------------------------------------------------------

def inspect_url(url: str) -> tuple[str, bool]:
    """The service a URL names (its scheme) and whether it texts phones; InputError, without
    the URL in it, when apprise cannot use it."""
    if not isinstance(url, str) or not url.strip() or len(url) > 4096 or any(ch < " " for ch in url):
        raise InputError("the URL is empty, too long or has control characters; nothing was stored")
    plugin = apprise.Apprise.instantiate(url.strip(), suppress_exceptions=True)
    if plugin is None:
        raise InputError("apprise cannot use this URL (check its scheme and its parts; "
                         "see https://appriseit.com); nothing was stored")
    service = url.strip().split("://", 1)[0].lower()
    return service, texts_phones(type(plugin))


def texts_phones(plugin_class) -> bool:
    """A service whose apprise plugin takes phone numbers as its targets (Twilio, SNS, Signal...)."""
    return any(name.startswith("target_phone") for name in getattr(plugin_class, "template_tokens", {}))


def sends_email(service: str) -> bool:
    """Whether the service is apprise's e-mail (mailto://, mailtos://)."""
    plugin = _PLUGINS[service] if service in _PLUGINS else None
    return plugin is not None and plugin.__name__ == "NotifyEmail"


def check_addresses(addresses: list[str]) -> list[str]:
    """E-mail addresses as apprise reads them; InputError naming the first it cannot."""
    from apprise.utils.parse import is_email

    checked = []
    for address in addresses:
        found = is_email((address or "").strip())
        if not found:
            raise InputError(f"not an e-mail address: {(address or '')[:80]!r}")
        checked.append(found["full_email"])
    return checked


def dedupes(service: str) -> bool:
    """Whether the service can be told a message's key, so that sending it twice is harmless."""
    plugin = _PLUGINS[service] if service in _PLUGINS else None
    return plugin is not None and plugin.__name__ in _KEYED


# -- watching the transport ---------------------------------------------------------------------------

class _Watch:
    """What the transport under apprise did during one notify() call."""

    events: list | None = None

    @classmethod
    def note(cls, *event) -> None:
        if cls.events is not None:
            cls.events.append(event)


def _install_watch() -> None:
    import smtplib

    import requests.adapters
    from requests import exceptions as rx
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    adapter = requests.adapters.HTTPAdapter
    if getattr(adapter.send, "_outbox_watch", False):
        return
    original_send = adapter.send

    def send(self, request, *args, **kwargs):
        try:
            response = original_send(self, request, *args, **kwargs)
        except rx.ConnectTimeout:
            _Watch.note("http-connect")
            raise
        except rx.ConnectionError as exc:
            inner = exc.args[0] if exc.args else None
            reason = getattr(inner, "reason", inner)
            _Watch.note("http-connect" if isinstance(reason, (NewConnectionError, ConnectTimeoutError))
                        else "http-broken")
            raise
        except rx.RequestException:
            _Watch.note("http-broken")
            raise
        _Watch.note("http", response.status_code, response.headers.get("Retry-After"))
        return response

    send._outbox_watch = True
    adapter.send = send

    original_sendmail = smtplib.SMTP.sendmail

    def sendmail(self, *args, **kwargs):
        _Watch.note("smtp-start")
        try:
            refused = original_sendmail(self, *args, **kwargs)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            _Watch.note("smtp-reply", max(codes) if codes else 550)
            raise
        except smtplib.SMTPResponseException as exc:
            _Watch.note("smtp-reply", exc.smtp_code)
            raise
        except BaseException:
            _Watch.note("smtp-broken")
            raise
        _Watch.note("smtp-ok")
        return refused

    smtplib.SMTP.sendmail = sendmail

    original_connect, original_login = smtplib.SMTP.connect, smtplib.SMTP.login

    def connect(self, *args, **kwargs):
        _Watch.note("smtp-connect")
        return original_connect(self, *args, **kwargs)

    def login(self, *args, **kwargs):
        try:
            return original_login(self, *args, **kwargs)
        except smtplib.SMTPException:
            _Watch.note("smtp-login")
            raise

    smtplib.SMTP.connect, smtplib.SMTP.login = connect, login


_install_watch()
# apprise's own log lines name hosts and, for some services, parts of the URL: they go to the
# results it hands back (where we read nothing but the status), never on to the app's log.
logging.getLogger("apprise").propagate = False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        moment = parsedate_to_datetime(value)
        return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())
    except (TypeError, ValueError):
        return None


def classify(ok: bool, timed_out: bool, events: list, can_dedupe: bool) -> Outcome:
    """An attempt's outcome from apprise's verdict and what the transport did."""
    if ok:
        return Outcome("sent")
    doubtful = "retry" if can_dedupe else "unknown"
    last = events[-1] if events else None
    if last is None:
        if timed_out:
            return Outcome(doubtful, "no answer in time")
        return Outcome(doubtful, "the service failed without saying why")
    kind = last[0]
    if kind == "smtp-login":
        return Outcome("refused", "the mail server refused the login")
    if kind == "smtp-connect":  # the session never reached sending the message
        return Outcome("retry", "could not reach the mail server (offline, refused or no such host)")
    if kind == "http-connect":
        return Outcome("retry", "could not connect (offline, refused or no such host)")
    if kind == "http-broken":
        return Outcome(doubtful, "the connection broke or timed out after the request was sent")
    if kind == "http":
        status, after = last[1], last[2]
        if status == 429:
            return Outcome("retry", "rate-limited (HTTP 429)", _retry_after(after))
        if status == 408 or status >= 500:
            return Outcome(doubtful, f"the service answered HTTP {status}", _retry_after(after))
        if 200 <= status < 300:
            return Outcome(doubtful, f"HTTP {status}, but apprise reported a failure")
        return Outcome("refused", f"the service refused it (HTTP {status})")
    if kind == "smtp-reply":
        code = last[1]
        if 400 <= code < 500:
            return Outcome("retry", f"the mail server asked to try later (SMTP {code})")
        return Outcome("refused", f"the mail server refused it (SMTP {code})")
    if kind == "smtp-broken":
        return Outcome(doubtful, "the mail server connection broke while sending")
    if kind == "smtp-ok":
        return Outcome(doubtful, "the mail server took it, but apprise reported a failure")
    return Outcome(doubtful, "the service failed without saying why")


def deliver(url: str, row: OutboxRow, timeout: float, attach: str | None = None) -> Outcome:
    """Send one message to one destination: one notify() call, apprise's retries off."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return Outcome("refused", "apprise can no longer use this destination's URL (notify remove, add again)")
    plugin.retry = 0
    keyed = _KEYED.get(type(plugin).__name__)
    if keyed is not None:
        keyed(plugin, row.uid)
    if row.recipients and type(plugin).__name__ == "NotifyEmail":
        plugin.targets = [(False, row.recipients)]
    box = apprise.Apprise()
    box.add(plugin)
    attachment = None
    if attach:  # the post-mortem meeting's calendar file, sent from memory
        from apprise.attachment.memory import AttachMemory

        attachment = apprise.AppriseAttachment()
        attachment.add(AttachMemory(content=attach, name="postmortem.ics", mimetype="text/calendar"))
    with _ONE_AT_A_TIME:
        _Watch.events = []
        try:
            result = box.notify(body=row.body, title=row.title, attach=attachment, timeout=max(0.5, timeout))
            events = list(_Watch.events)
        finally:
            _Watch.events = None
    status = getattr(result, "status", None)
    timed_out = getattr(status, "name", "") == "TIMEOUT"
    return classify(bool(result), timed_out, events, keyed is not None)


# -- the sender ------------------------------------------------------------------------------------------

def backoff(attempts: int, rng=random.random) -> float:
    """Seconds to wait after the `attempts`-th try failed: doubling, capped, with jitter (half
    to all of it), so consoles that lost the network together do not retry together."""
    ceiling = min(BACKOFF_MOST, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return ceiling * (0.5 + 0.5 * rng())


class Sender:
    """Sends the outbox's due messages through one service (its own connection)."""

    def __init__(self, service, *, by: str = "Outbox", rng=random.random) -> None:
        self._service = service
        self._by = by
        self._rng = rng

    @property
    def _read(self) -> OutboxReads:
        return self._service.read.outbox

    def recover(self) -> int:
        """Rows a killed process left `sending`: a service that dedupes gets it again with the
        same key; for any other, nobody knows whether it arrived, so a person decides."""
        outbox = self._service.outbox
        count = 0
        for row in outbox.abandoned():
            destination = self._service.read.destinations.by_id(row.destination_id)
            if destination is not None and dedupes(destination.service):
                outbox.finish(row, "interrupted", "interrupted while sending; it goes again with the same key",
                              "waiting")
            else:
                outbox.finish(row, "interrupted", "interrupted while sending; it may have been sent", "unknown",
                              by=self._by, note=self._note(row, "may have been sent (the sender stopped mid-send); "
                                                                "resend or drop it"))
            count += 1
        return count

    def run(self, *, deadline: float | None = None, only: set[int] | None = None) -> dict[str, int]:
        """Send what is due, destination by destination in order, until nothing is due or
        `deadline` (time.monotonic()) passes. How many messages ended in each state."""
        self.recover()
        done: dict[str, int] = {}
        while True:
            rows = [r for r in self._read.due(self._service.now()) if only is None or r.id in only]
            if not rows:
                return done
            for row in rows:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0.2:
                    return done
                state = self.send(row, SEND_TIMEOUT if left is None else min(SEND_TIMEOUT, left))
                if state:
                    done[state] = done.get(state, 0) + 1

    def send(self, row: OutboxRow, timeout: float = SEND_TIMEOUT) -> str | None:
        """Claim, send and record one message; the state it ends in (None: someone else has it)."""
        service, outbox = self._service, self._service.outbox
        destination = service.read.destinations.by_id(row.destination_id)
        if destination is None:
            if outbox.claim(row.id, claim_token(service.now())):
                outbox.finish(row, "refused", "its destination was removed", "failed", by=self._by,
                              note=self._note(row, "not sent: its destination was removed"))
                return "failed"
            return None
        try:
            url = secrets.get(destination.secret)
        except ConsoleError as exc:
            outbox.finish(row, "not sent", _short(str(exc)), "waiting", count=False,
                          next_at=service.now() + timedelta(seconds=KEYRING_PAUSE))
            return "waiting"
        if url is None:
            if outbox.claim(row.id, claim_token(service.now())):
                outbox.finish(row, "refused", "the keyring has no URL for this destination (notify remove, add again)",
                              "failed", by=self._by, note=self._note(row, "not sent: the keyring has no URL for it"))
                return "failed"
            return None
        if not outbox.claim(row.id, claim_token(service.now())):
            return None
        try:
            outcome = deliver(url, row, timeout, row.attach)
        except Exception as exc:  # noqa: BLE001 - a plugin's own bug: the message may or may not be out
            outcome = Outcome("retry" if dedupes(destination.service) else "unknown",
                              f"apprise failed ({type(exc).__name__})")
        finally:
            url = None
        return self._record(row, outcome)

    def _record(self, row: OutboxRow, outcome: Outcome) -> str:
        outbox, now = self._service.outbox, self._service.now()
        if outcome.kind == "sent":
            outbox.finish(row, "sent", None, "sent", by=self._by, note=self._note(row, "sent"))
            return "sent"
        if outcome.kind == "unknown":
            outbox.finish(row, "unknown", outcome.reason, "unknown", by=self._by,
                          note=self._note(row, f"may have been sent ({outcome.reason}); resend or drop it"))
            return "unknown"
        if outcome.kind == "refused" or row.attempts + 1 >= MAX_ATTEMPTS:
            why = outcome.reason if outcome.kind == "refused" else f"{outcome.reason}; gave up after {row.attempts + 1} tries"
            outbox.finish(row, "failed", why, "failed", by=self._by, note=self._note(row, f"not sent: {why}"))
            return "failed"
        wait = backoff(row.attempts + 1, self._rng)
        if outcome.retry_after is not None:
            wait = max(wait, min(outcome.retry_after, 3600.0))
        outbox.finish(row, "retry", outcome.reason, "waiting", next_at=now + timedelta(seconds=wait))
        return "waiting"

    @staticmethod
    def _note(row: OutboxRow, what: str) -> str:
        return f"{row.ref} to {row.audience} via {row.destination}: {what}"


def _short(text: str) -> str:
    return " ".join(text.split())[:200]
