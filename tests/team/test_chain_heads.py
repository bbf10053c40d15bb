"""The head log (console/heads.py) in a team: a console that wrote its heads down and then
pulls ops another console wrote while apart relinks its chain (places move, the count grows);
`verify` must not take that for a cut, and must still find a real one. Consoles are separate
CLI processes with homes of their own, a real PostgreSQL and a real Secret Service, the
partition made with the TCP proxy."""

import json
import sqlite3

from tests.core.test_heads import cut
from tests.team import cluster as pg
from tests.team.test_cli_team import Console


def test_a_relink_after_pulling_ops_is_not_a_cut_and_a_cut_after_it_is(team_db, proxy, tmp_path, secret_service):
    env = {**secret_service.env, "INCIDENT_CONSOLE_NAME": ""}
    ana, ben = Console(tmp_path / "ana", env), Console(tmp_path / "ben", env)
    password = pg.CONSOLE_PASSWORD + "\n"
    ana.ok("team", "join", team_db.url(port=proxy.port), "--name", "Ana", "--password-stdin", input=password)
    ben.ok("team", "join", team_db.url(), "--name", "Ben", "--password-stdin", input=password)
    ref = ana.ok("declare", "Checkout down", "--sev", "2").strip()
    ana.ok("log", ref, "db-3 is lagging")
    ana.ok("team", "sync")
    ben.ok("team", "sync")
    [incident] = ben.json("list", "--json")
    proxy.cut()
    ana.ok("log", ref, "written while apart")  # queued: its HLC is older than Ben's notes
    for text in ("replicas caught up", "d: keep the rollback"):
        ben.ok("log", incident["ref"], text)
    ben.ok("backup")  # Ben's heads written down: 4 links, Ana's note not among them
    ben_db = ben.home / "data" / "incidents.sqlite3"
    [line] = [json.loads(t) for t in (ben.home / "state" / "heads.log").read_text().splitlines()]
    assert line["links"] == 4
    proxy.heal()
    ana.ok("team", "sync")
    ben.ok("team", "sync")
    conn = sqlite3.connect(ben_db)
    texts = [t for (t,) in conn.execute(
        "SELECT e.text FROM chain_links l JOIN entries e ON l.source = 0 AND e.id = l.row_id ORDER BY l.n")]
    conn.close()
    assert texts.index("written while apart") < texts.index("replicas caught up")  # relinked
    assert len(texts) == 5
    done = ben("verify", incident["ref"])
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith(f"{incident['ref']}: the record chain holds (5 links")
    cut(ben_db, 1, 1)  # Ben's decision and its link, the newest
    done = ben("verify", incident["ref"])
    assert done.returncode == 1
    assert ": truncated: 1 link missing after E" in done.stdout
