"""The outbox costs nothing where nothing goes out: a plain command (log, sev, role, task, list),
and an update or a page with no destination, import neither apprise (nor requests) nor the
keyring; an update that queued a message does (the probe can see it)."""

import json
import subprocess
import sys

from tests.outbound.conftest import ROOT

SCRIPT = """
import json, sys
from console.cli import main
codes = [main(["declare", "Checkout down", "--sev", "2"]), main(["log", "INC-1", "d: roll back"]),
         main(["sev", "INC-1", "1"]), main(["role", "INC-1", "ic", "Ana"]), main(["task", "INC-1", "Ben", "5", "look"]),
         main(["update", "INC-1", "responders", "Rolling back now"]), main(["page", "INC-1", "db-oncall"]),
         main(["list"])]
AFTER
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("apprise", "requests", "keyring", "secretstorage")
               or m in ("console.sender", "console.secrets"))
print(json.dumps({"codes": codes, "heavy": heavy}), file=sys.stderr)
"""


def _probe(home, after: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT.replace("AFTER", after)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={"INCIDENT_CONSOLE_HOME": str(home), "INCIDENT_CONSOLE_NAME": "Ana", "PATH": "/usr/bin:/bin"})
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_commands_that_send_nothing_import_no_sender(home):
    assert _probe(home) == {"codes": [0] * 8, "heavy": []}


def test_the_probe_sees_the_sender_once_a_message_is_queued(home):
    # A destination row as `notify add` leaves it (its URL would be in the keyring): the update
    # then queues a message and tries it once, which needs apprise and the keyring.
    after = "\n".join([
        "import sqlite3",
        "from console import paths",
        "c = sqlite3.connect(paths.resolve(None).db_path)",
        "c.execute(\"INSERT INTO destinations (name, service, audience, secret, added_at) VALUES "
        "('h', 'json', 'responders', 'destination/none', '2026-01-01T00:00:00.000Z')\")",
        "c.commit()",
        "codes.append(main(['update', 'INC-1', 'responders', 'Still rolling back']))",
    ])
    report = _probe(home, after)
    assert report["codes"] == [0] * 9
    assert "console.sender" in report["heavy"] and "apprise" in report["heavy"]
