"""Who signs what this seat records: $INCIDENT_CONSOLE_NAME, else the name given at `team join`,
else the login; the window (ui.app) and the CLI (Session.by, after --by) ask the same function."""

import getpass

from console.identity import NAME_ENV, seat_name
from console.team import config


def _join(where, name: str) -> None:
    config.save(where, config.TeamConfig("postgresql://console@db.internal/incidents", name,
                                         "2026-03-29T14:00:00Z", None))


def test_the_environment_then_the_team_then_the_login(where, monkeypatch):
    monkeypatch.setenv(NAME_ENV, "Cy Mwangi")
    _join(where, "Ana Alvarez")
    assert seat_name(where) == "Cy Mwangi"
    monkeypatch.delenv(NAME_ENV)
    assert seat_name(where) == "Ana Alvarez"
    assert seat_name() == getpass.getuser()  # without the console's paths: no team to ask
    config.remove(where)
    assert seat_name(where) == getpass.getuser()


def test_a_spoiled_team_file_leaves_the_seat_its_login(where, monkeypatch):
    monkeypatch.delenv(NAME_ENV)
    _join(where, "Ana Alvarez")
    config.path(where).write_text("{not json", encoding="utf-8")
    assert seat_name(where) == getpass.getuser()


def test_the_cli_signs_with_the_team_name(where, monkeypatch, capsys):
    import sqlite3

    from console.cli import main

    monkeypatch.delenv(NAME_ENV)
    assert main(["declare", "Checkout down"]) == 0  # solo: the login
    _join(where, "Ana Alvarez")  # a server that cannot be reached: each write says "queued"
    assert main(["log", "INC-1", "joined now"]) == 0
    assert main(["log", "INC-1", "for Ben", "--by", "Ben Okafor"]) == 0
    assert "queued" in capsys.readouterr().err
    conn = sqlite3.connect(where.db_path)
    try:
        authors = dict(conn.execute("SELECT text, author FROM entries WHERE kind = 'note'").fetchall())
        declared_by = conn.execute("SELECT author FROM entries ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    assert declared_by == getpass.getuser()
    assert authors == {"joined now": "Ana Alvarez", "for Ben": "Ben Okafor"}
