"""The window's writer puts what it wrote into the search index once it is idle, and on close
(console.search_index); until then the finder's search matches it in memory."""

import sqlite3

from console.queries import Reader
from console.service import IncidentService
from console.store import connect
from ui.writer import StoreWriter


def _through(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT entries_through FROM search_indexed").fetchone()[0]
    finally:
        conn.close()


def test_the_writer_indexes_its_notes_when_idle_and_on_close(qtbot, where, clock):
    writer = StoreWriter(lambda: IncidentService.open(where.db_path, clock))
    writer.start()
    qtbot.waitUntil(lambda: writer.is_ready, timeout=10_000)
    done = []
    writer.submit(lambda s: s.incidents.declare("Checkout down", by="Ana"), done.append)
    writer.submit(lambda s: s.timeline.log(1, "replica lag on db-2", by="Ben"), done.append)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=10_000)
    note = done[1].entries[0]
    reader = Reader(connect(where.db_path, read_only=True), where.db_path)
    if _through(where.db_path) < note.id:  # not indexed yet: found all the same
        assert [hit.id for hit in reader.search.find("replica")] == [note.id]
    qtbot.waitUntil(lambda: _through(where.db_path) == note.id, timeout=10_000)  # the idle catch-up
    assert [hit.id for hit in reader.search.find("replica")] == [note.id]

    writer.submit(lambda s: s.timeline.log(1, "replica caught up", by="Ben"), done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=10_000)
    writer.close()  # before the idle timer fires
    assert _through(where.db_path) == done[2].entries[0].id
    assert sorted(hit.id for hit in reader.search.find("replica")) == [note.id, done[2].entries[0].id]


def test_a_note_is_indexed_a_moment_after_the_last_write_not_at_the_checkpoint(qtbot, where, clock, monkeypatch):
    """Waiting for the index, a note is scored among the waiting ones only, which ranks the one
    just typed after every indexed match: it goes in IDLE_INDEX_MS after the writer's last job,
    whatever the checkpoint's own delay (here a minute, so only the index's timer can do it)."""
    from ui import writer as writer_module

    monkeypatch.setattr(writer_module, "IDLE_CHECKPOINT_MS", 60_000)
    writer = StoreWriter(lambda: IncidentService.open(where.db_path, clock))
    writer.start()
    try:
        qtbot.waitUntil(lambda: writer.is_ready, timeout=10_000)
        done = []
        writer.submit(lambda s: s.incidents.declare("Checkout down", by="Ana"), done.append)
        writer.submit(lambda s: s.timeline.log(1, "rollback of 4121 planned", by="Ben"), done.append)
        qtbot.waitUntil(lambda: len(done) == 2, timeout=10_000)
        qtbot.waitUntil(lambda: _through(where.db_path) == done[1].entries[0].id, timeout=10_000)
    finally:
        writer.close()  # a failed wait must not leave the writer's thread running
