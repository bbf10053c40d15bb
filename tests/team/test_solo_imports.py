"""Solo use does not change: a console that never joined a team imports nothing of team mode
(no psycopg, no keyring, none of console/team's connection code) on a write or a read."""

import json
import subprocess
import sys

from tests.team.conftest import ROOT

SCRIPT = """
import json, sys
from console.cli import main
codes = [main(["declare", "Checkout down", "--sev", "2"]), main(["log", "INC-1", "d: roll back"]),
         main(["sev", "INC-1", "1"]), main(["list"])]
team = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "psycopg_binary", "keyring", "secretstorage",
              "jeepney") or m in ("console.secrets", "console.team.server", "console.team.schema",
              "console.team.commands", "console.team.exchange", "console.team.after_write"))
print(json.dumps({"codes": codes, "team": team}), file=sys.stderr)
"""


def test_solo_commands_import_no_team_code(home):
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"INCIDENT_CONSOLE_HOME": str(home), "INCIDENT_CONSOLE_NAME": "Ana", "PATH": "/usr/bin:/bin"})
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"codes": [0, 0, 0, 0], "team": []}


def test_the_check_sees_psycopg_when_it_is_imported(home):
    # the same probe, after a team command that does import it: the test above can fail
    script = SCRIPT.replace('main(["list"])]', 'main(["list"])]\nimport console.team.server')
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"INCIDENT_CONSOLE_HOME": str(home), "PATH": "/usr/bin:/bin"})
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert "psycopg" in report["team"] and "console.team.server" in report["team"]
