"""The window's automatic backups on their timer: one after N minutes of writing, none while
nothing is written (the timer is shortened here; the process says 30 minutes)."""

from console import backups


def test_a_backup_follows_writing_and_none_follows_idleness(qtbot, window, where):
    keeper = window.backup_keeper
    qtbot.waitUntil(lambda: keeper is not None and not keeper.running()
                    and len(backups.listing(where.backup_dir)) == 1, timeout=30_000)  # the start's
    assert keeper.policy == backups.Policy.from_process(window.process)
    made = []
    keeper.done.connect(made.append)
    keeper._timer.setInterval(200)  # instead of every_minutes
    qtbot.wait(1000)  # five ticks with nothing written
    assert made == []
    done = []
    window.writer.submit(lambda s: s.incidents.declare("Written", by="Ana"), done.append)
    qtbot.waitUntil(lambda: bool(made), timeout=30_000)
    assert made[0].verified and made[0].incidents == 1
    qtbot.waitUntil(lambda: not keeper.running(), timeout=30_000)
    count = len(made)
    qtbot.wait(1000)  # nothing more written: no more backups
    assert len(made) == count


def test_each_backup_and_the_window_closing_write_the_heads_down(qtbot, window, where):
    """The chain heads go to the head log (console/heads.py) after each backup, on the backup's
    thread, and when the window closes - after the writer's last commit."""
    import json

    keeper = window.backup_keeper
    qtbot.waitUntil(lambda: keeper is not None and not keeper.running()
                    and len(backups.listing(where.backup_dir)) == 1, timeout=30_000)
    assert not where.head_log.exists()  # no incident yet: nothing to write down
    made = []
    keeper.done.connect(made.append)
    declared = []
    window.writer.submit(lambda s: s.incidents.declare("Written", by="Ana"), declared.append)
    qtbot.waitUntil(lambda: bool(declared), timeout=30_000)
    keeper.backup_now()
    qtbot.waitUntil(lambda: bool(made) and not keeper.running(), timeout=30_000)
    (line,) = [json.loads(t) for t in where.head_log.read_text().splitlines()]
    assert (line["incident"], line["links"], line["why"]) == (declared[0].incident.uid, 1, "backup")
    window.writer.submit(lambda s: s.timeline.log(declared[0].incident.id, "a note", by="Ana"))
    window.close()
    last = json.loads(where.head_log.read_text().splitlines()[-1])
    assert (last["links"], last["why"]) == (2, "close")
