"""The transport on a real PostgreSQL: push (idempotent by uid), pull after a (xid, seq) cursor
that never skips a late commit, incident numbers, the LISTEN wake-up, and failures in one line
(a wrong or missing password, a server that is down, a link cut or gone silent)."""

import threading
import time

import psycopg
import pytest

from console.ops import Op
from console.team.server import PasswordNeeded, Server, Unreachable, parse_cursor
from tests.team import cluster as pg


def op(n: int, incident: str = "inc-a", replica: str = "r1", **changes) -> Op:
    made = Op(uid=f"{replica}-op-{n}", replica=replica, hlc=f"{1774792800000 + n:013d}.0000.{replica}",
              incident=incident, verb="timeline.log", body=f'{{"n":{n},"text":"entry {n} é"}}', base=None)
    return made._replace(**changes)


def pull_everything(server: Server, cursor=None, limit=1000) -> tuple[list[Op], str | None]:
    got = []
    while True:
        ops, cursor = server.pull(cursor, limit)
        got.extend(ops)
        if len(ops) < limit:
            return got, cursor


def test_push_then_pull_gives_back_the_same_ops_in_order(team_db):
    ops = [op(n) for n in range(1, 8)] + [op(8, base="r1-op-3", incident=None)]
    with team_db.connect() as server:
        assert server.push(ops) == 8
        got, cursor = pull_everything(server, limit=3)
    assert got == ops  # every field, the register's base and a NULL incident included
    assert parse_cursor(cursor)[1] == 8


def test_a_push_sent_twice_is_kept_once(team_db):
    with team_db.connect() as server:
        assert server.push([op(1), op(2)]) == 2
        assert server.push([op(2), op(3), op(1)]) == 1  # the same uids again: ignored, not an error
        got, _ = pull_everything(server)
    assert [o.uid for o in got] == ["r1-op-1", "r1-op-2", "r1-op-3"]


def test_pull_after_a_cursor_returns_only_what_is_newer(team_db):
    with team_db.connect() as server:
        server.push([op(1), op(2)])
        first, cursor = pull_everything(server)
        again, same = server.pull(cursor, 100)
        assert (again, same) == ([], cursor)
        server.push([op(3)])
        newer, after = server.pull(cursor, 100)
    assert [o.uid for o in newer] == ["r1-op-3"] and after != cursor


def test_an_op_committed_late_with_a_lower_seq_is_not_skipped(team_db):
    """Two writers: the first takes the lower seq and commits last. A reader that pulls in
    between must not move its cursor past the first writer's op."""
    slow = psycopg.connect(team_db.url(), password=pg.CONSOLE_PASSWORD)  # not autocommit: holds its transaction
    fast = psycopg.connect(team_db.url(), password=pg.CONSOLE_PASSWORD, autocommit=True)
    insert = ("INSERT INTO ops (uid, replica, hlc, incident, verb, body) VALUES (%s, 'r', 'h', 'i', 'v', '{}') "
              "RETURNING seq")
    try:
        low = slow.execute(insert, ("slow-op",)).fetchone()[0]
        high = fast.execute(insert, ("fast-op",)).fetchone()[0]
        assert low < high  # the slow writer holds the lower seq and has not committed
        with team_db.connect() as reader:
            seen, cursor = pull_everything(reader)
            # the fast op is committed, but it is not read while an older transaction is open
            assert seen == []
            slow.commit()
            later, cursor = pull_everything(reader, cursor)
            assert sorted(o.uid for o in later) == ["fast-op", "slow-op"]
            # a "highest seq seen" cursor would have read fast-op alone, then skipped slow-op
            assert pull_everything(reader, cursor)[0] == []
    finally:
        slow.close()
        fast.close()


def test_numbers_are_given_once_in_order_and_without_gaps(team_db):
    with team_db.connect() as one, team_db.connect() as two:
        assert one.number(["inc-a", "inc-b", "inc-a", None]) == {"inc-a": 1, "inc-b": 2}
        assert two.number(["inc-c", "inc-b"]) == {"inc-c": 3, "inc-b": 2}
        assert one.number(["inc-c", "inc-a", "inc-b"]) == {"inc-a": 1, "inc-b": 2, "inc-c": 3}
        assert one.number([]) == {}
        assert two.number(["inc-d"]) == {"inc-d": 4}  # asking again for known ones spent no number


def test_two_consoles_numbering_the_same_incident_at_once_get_one_number(team_db):
    results, barrier = [], threading.Barrier(6)

    def number():
        with team_db.connect() as server:
            barrier.wait()
            results.append(server.number(["inc-race"]))

    threads = [threading.Thread(target=number) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 6 and len({r["inc-race"] for r in results}) == 1


def test_a_push_wakes_a_listener_and_nothing_else_does(team_db):
    with team_db.connect() as listener, team_db.connect() as writer:
        listener.listen()
        started = time.monotonic()
        assert listener.wait(0.3) is False  # nothing happened: the timeout, not a hang
        assert 0.25 < time.monotonic() - started < 2
        writer.push([op(1)])
        started = time.monotonic()
        assert listener.wait(5) is True
        assert time.monotonic() - started < 1
        writer.push([op(1)])  # already there: nothing added, no wake-up
        assert listener.wait(0.3) is False


def test_a_listener_woken_while_busy_is_still_woken(team_db):
    with team_db.connect() as listener, team_db.connect() as writer:
        listener.listen()
        writer.push([op(1)])
        time.sleep(0.2)
        pull_everything(listener)  # the notification arrives while it does something else
        assert listener.wait(2) is True


def test_the_password_goes_as_a_keyword_and_a_wrong_or_missing_one_is_said(team_db):
    with pytest.raises(PasswordNeeded) as missing:
        team_db.connect(password=None)
    assert missing.value.missing and str(missing.value) == "the team server wants a password for console"
    with pytest.raises(PasswordNeeded) as wrong:
        team_db.connect(password="not-it")
    assert not wrong.value.missing
    assert str(wrong.value) == "the team server refused the password for console"
    with team_db.connect(pg.TRUSTED, password=None) as server:  # trust: no password at all
        assert server.version >= 1


def test_a_passfile_needs_no_password(team_db, tmp_path, monkeypatch):
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{team_db.cluster.port}:*:{pg.CONSOLE}:{pg.CONSOLE_PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    with team_db.connect(password=None) as server:
        assert server.push([op(1)]) == 1


def test_a_server_that_is_not_there_is_unreachable_in_one_line(cluster):
    port = pg.free_port()
    started = time.monotonic()
    with pytest.raises(Unreachable) as down:
        Server.connect(cluster.url(port=port), password="x")
    assert time.monotonic() - started < 3
    assert str(down.value).startswith("team server 127.0.0.1 unreachable: ")
    assert "\n" not in str(down.value) and "password" not in str(down.value)


def test_a_cut_link_is_unreachable_and_a_healed_one_works_again(team_db, proxy):
    server = team_db.connect(port=proxy.port)
    try:
        server.push([op(1)])
        proxy.cut()
        with pytest.raises(Unreachable, match="lost the team server"):
            server.push([op(2)])
        with pytest.raises(Unreachable):
            team_db.connect(port=proxy.port)
    finally:
        server.close()
    proxy.heal()
    with team_db.connect(port=proxy.port) as again:
        assert again.push([op(2)]) == 1
        assert [o.uid for o in pull_everything(again)[0]] == ["r1-op-1", "r1-op-2"]


def test_a_silent_link_times_out_on_connect(team_db, proxy):
    proxy.stall()
    started = time.monotonic()
    with pytest.raises(Unreachable, match="timeout"):
        Server.connect(team_db.url(port=proxy.port), password=pg.CONSOLE_PASSWORD, timeout=2)
    assert 1.5 < time.monotonic() - started < 6


def test_a_server_restart_is_survived_by_connecting_again(team_db):
    server = team_db.connect()
    try:
        server.push([op(1)])
        team_db.cluster.restart()
        with pytest.raises(Unreachable):
            server.push([op(2)])
    finally:
        server.close()
    with team_db.connect() as again:
        assert again.push([op(2)]) == 1


def test_the_cursor_orders_transaction_ids_as_numbers_not_text(team_db):
    """An op written at xid 9xx and one at 1xxx: read one at a time, both come, in that order
    (as text, '1000' sorts before '999', and the cursor would jump over the first)."""
    with team_db.connect() as server:
        server.push([op(1)])
        first = int(team_db.sql("SELECT xid FROM ops WHERE uid = 'r1-op-1'"))
        team_db.cluster.burn_transaction_ids(10 ** len(str(first)) - first, team_db.name)
        server.push([op(2)])
        second = int(team_db.sql("SELECT xid FROM ops WHERE uid = 'r1-op-2'"))
        assert len(str(second)) > len(str(first)) and str(second) < str(first)
        got, cursor = [], None
        for _ in range(3):
            ops, cursor = server.pull(cursor, 1)
            got += ops
    assert [o.uid for o in got] == ["r1-op-1", "r1-op-2"]
