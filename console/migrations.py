"""The database schema, as numbered migrations.

Each migration is a plain function of a sqlite-utils `Database`. The list below is the one
source of the schema's history: `store.open_store` registers it with sqlite-utils'
`Migrations` and applies what is pending; `store.check_compatible` compares the names a file
has applied with this list (without importing sqlite-utils, which keeps the window's first
paint fast). A shipped migration is never edited: add a new one.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlite_utils import Database

MIGRATION_SET = "incident_console"


def _append_only(db: "Database", table: str, what: str) -> None:
    """Triggers that refuse any UPDATE or DELETE on `table`: history is only ever added to."""
    for event in ("update", "delete"):
        db.execute(
            f"CREATE TRIGGER {table}_are_append_only_{event} BEFORE {event.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
        )


def m0001_initial(db: "Database") -> None:
    """Incidents, role assignments and an append-only timeline."""
    db.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            severity INTEGER CHECK (severity BETWEEN 1 AND 5),
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'mitigated', 'resolved')),
            security INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
            drill INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
            started_at TEXT NOT NULL,
            declared_at TEXT NOT NULL,
            mitigated_at TEXT,
            resolved_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE role_assignments (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            role TEXT NOT NULL,
            person TEXT NOT NULL,
            from_at TEXT NOT NULL,
            to_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX role_assignments_incident ON role_assignments(incident_id, role)")
    db.execute(
        """
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX entries_timeline ON entries(incident_id, occurred_at, id)")
    # The timeline is the audit log: once written, an entry is never changed or removed.
    # Corrections arrive as new entries (revisions), never as updates.
    _append_only(db, "entries", "timeline entries")


def m0002_timeline_search(db: "Database") -> None:
    """A full-text index over entry text, filled from the entries already there.

    Written as plain statements rather than `Table.enable_fts`, because that helper uses
    `executescript`, which commits whatever transaction is open and would break this
    migration's all-or-nothing guarantee. Entries are append-only, so only inserts need a
    trigger.
    """
    db.execute(
        "CREATE VIRTUAL TABLE entries_fts USING fts5("
        "text, content='entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO entries_fts (rowid, text) SELECT id, text FROM entries")
    db.execute(
        """
        CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries
        BEGIN INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text); END
        """
    )


def m0003_board(db: "Database") -> None:
    """The IC's board: tasks with check-back times, checklist ticks and status updates.

    A task is a row that changes (owner, due time, done); what it was before is in the
    timeline, and each extension also keeps a row so the arithmetic can be shown. Checklist
    ticks are an append-only history like the timeline: the latest row per item is its state,
    so "who unticked this, and when" is never lost.
    """
    db.execute(
        """
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            owner TEXT NOT NULL,
            text TEXT NOT NULL,
            assigned_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            done_at TEXT,
            created_by TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX tasks_board ON tasks(incident_id, due_at)")
    db.execute(
        """
        CREATE TABLE task_extensions (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id),
            minutes INTEGER NOT NULL CHECK (minutes > 0),
            at TEXT NOT NULL,
            "by" TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX task_extensions_task ON task_extensions(task_id, id)")
    db.execute(
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            item_id TEXT NOT NULL,
            checked INTEGER NOT NULL CHECK (checked IN (0, 1)),
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX checks_latest ON checks(incident_id, item_id, id)")
    _append_only(db, "checks", "checklist ticks")
    db.execute(
        """
        CREATE TABLE updates (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            audience TEXT NOT NULL CHECK (audience IN ('responders', 'executives', 'customers')),
            text TEXT NOT NULL,
            "by" TEXT NOT NULL,
            sent_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX updates_by_audience ON updates(incident_id, audience, sent_at)")


def m0004_timeline_history(db: "Database") -> None:
    """Corrections that keep history, pins, the scribe's drafts, and search over revisions.

    An entry is never changed: a correction is a row in `entry_revisions` (the newest one is
    what the entry says now), a retraction is one row in `entry_retractions` (at most one
    per entry: a retraction is final), and a pin is a row in `pins` whose newest row per
    entry is its state, so "who unpinned this, and when" is never lost. All three are
    append-only like the timeline.

    `drafts` is the one table here that is overwritten in place: a draft is the crash-proof
    copy of what a seat is typing, not part of the record, and keeping every keystroke
    pause would only grow the file.

    Revised text is searchable through a second FTS5 index over `entry_revisions.text`
    (external content, filled by an insert trigger as `entries_fts` is). A second index
    rather than rebuilding `entries_fts` over a view of "current text": an external-content
    FTS5 table must mirror its content table row for row, and `entries` rows never change,
    so the current text of a corrected entry cannot live in `entries_fts` without
    delete-and-reinsert bookkeeping; the search query reads both indexes and keeps, for
    each entry, only its current text (the original when never revised, else its newest
    revision).

    `entries_by_author` answers "this person's newest entry" (`/pin`), the list of authors
    for a filter and the author filter by index, and `entries_by_kind` the kind filter
    ("every decision"), however long the timeline is.
    """
    db.execute(
        """
        CREATE TABLE entry_revisions (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            text TEXT NOT NULL,
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX entry_revisions_entry ON entry_revisions(entry_id, id)")
    _append_only(db, "entry_revisions", "entry revisions")
    db.execute(
        """
        CREATE TABLE entry_retractions (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL UNIQUE REFERENCES entries(id),
            reason TEXT,
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )  # UNIQUE(entry_id) is also its index
    _append_only(db, "entry_retractions", "entry retractions")
    db.execute(
        """
        CREATE TABLE pins (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            pinned INTEGER NOT NULL CHECK (pinned IN (0, 1)),
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX pins_entry ON pins(entry_id, id)")
    _append_only(db, "pins", "pins")
    # A retraction is final: whichever writer (a window, the CLI) comes second, a retracted
    # entry is never corrected or pinned afterwards.
    for table, what, when in (
        ("entry_revisions", "edited", ""), ("pins", "pinned", "new.pinned = 1 AND ")
    ):
        db.execute(
            f"CREATE TRIGGER {table}_not_retracted BEFORE INSERT ON {table} "
            f"WHEN {when}EXISTS (SELECT 1 FROM entry_retractions WHERE entry_id = new.entry_id) "
            f"BEGIN SELECT RAISE(ABORT, 'a retracted entry cannot be {what}'); END"
        )
    db.execute(
        """
        CREATE TABLE drafts (
            seat TEXT NOT NULL,
            incident_id INTEGER NOT NULL,
            text TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (seat, incident_id)
        )
        """
    )
    db.execute(
        "CREATE VIRTUAL TABLE entry_revisions_fts USING fts5(text, content='entry_revisions', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        """
        CREATE TRIGGER entry_revisions_fts_insert AFTER INSERT ON entry_revisions
        BEGIN INSERT INTO entry_revisions_fts (rowid, text) VALUES (new.id, new.text); END
        """
    )
    db.execute("CREATE INDEX entries_by_author ON entries(incident_id, author)")
    db.execute("CREATE INDEX entries_by_kind ON entries(incident_id, kind)")


def m0005_postmortems(db: "Database") -> None:
    """The post-mortem: its header, every saved text, and the action items it leads to.

    `postmortems` is one row per incident that changes (owner, meeting, status); each change
    also writes a timeline entry, which is its history. `postmortem_versions` keeps every
    save, append-only like the timeline, so no text anyone wrote is ever lost. Action items
    change (owner, due date, ticket, done) and live on after the incident; the unique index
    on `source_entry_id` makes "one item per TODO entry" the store's rule, so two writers
    importing the TODOs at once cannot make duplicates.
    """
    db.execute(
        """
        CREATE TABLE postmortems (
            incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
            owner TEXT,
            deadline TEXT,
            acknowledged_at TEXT,
            meeting_at TEXT,
            recording TEXT,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'in_review', 'reviewed', 'closed'))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE postmortem_versions (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            text TEXT NOT NULL,
            "by" TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX postmortem_versions_incident ON postmortem_versions(incident_id, id)")
    _append_only(db, "postmortem_versions", "postmortem versions")
    db.execute(
        """
        CREATE TABLE action_items (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            text TEXT NOT NULL,
            owner TEXT,
            due_on TEXT,
            ticket TEXT,
            done_at TEXT,
            created_at TEXT NOT NULL,
            source_entry_id INTEGER REFERENCES entries(id)
        )
        """
    )
    db.execute("CREATE INDEX action_items_incident ON action_items(incident_id, id)")
    db.execute("CREATE UNIQUE INDEX action_items_source ON action_items(source_entry_id)")


def m0006_acknowledgement_typed_by(db: "Database") -> None:
    """Who typed the post-mortem owner's acknowledgement: the IC or scribe who records an owner's
    spoken yes is kept beside the owner it was typed for (NULL on rows acknowledged before)."""
    db.execute("ALTER TABLE postmortems ADD COLUMN ack_typed_by TEXT")


def m0007_task_numbers(db: "Database") -> None:
    """Tasks numbered within their incident: each incident's first task is T1.

    Until now a task's reference was its row id, counted across every incident (INC-2's first
    task could be T3). The row ids stay as they were, so a task named by its old reference can
    still be found; the timeline is never rewritten, so where an old entry says "T3" it meant
    the old number. Each incident whose references change gets one entry saying which old
    reference is which new one, so its history still reads right.
    """
    db.execute("ALTER TABLE tasks ADD COLUMN number INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE tasks SET number = (SELECT COUNT(*) FROM tasks t "
        "WHERE t.incident_id = tasks.incident_id AND t.id <= tasks.id)"
    )
    db.execute("CREATE UNIQUE INDEX tasks_number ON tasks(incident_id, number)")
    moved: dict[int, list[str]] = {}
    for incident_id, old, new in db.execute(
        "SELECT incident_id, id, number FROM tasks WHERE id != number ORDER BY incident_id, id"
    ).fetchall():
        moved.setdefault(incident_id, []).append(f"T{old} is now T{new}")
    now = db.execute("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')").fetchone()[0]
    for incident_id, pairs in moved.items():
        db.execute(
            "INSERT INTO entries (uid, incident_id, kind, text, author, occurred_at, recorded_at) "
            "VALUES (:uid, :incident_id, 'task', :text, 'Incident Console', :now, :now)",
            {"uid": f"tasks-renumbered-{incident_id}", "incident_id": incident_id, "now": now,
             "text": "Tasks are now numbered within this incident; in the entries before this one "
                     f"{', '.join(pairs)}."},
        )


def m0008_op_log(db: "Database") -> None:
    """The op log a team replicates, and what makes every console's record come out the same.

    - `sync_state`: this database's replica id (random, made here once), whether it has joined a
      team (`team`, a label; NULL when solo) and the team server's cursor.
    - `ops`: one row per write operation, in the same transaction (console.ops); append-only
      except `pushed`, which goes from 0 to 1 once the team server has the op. `ops_waiting`
      holds ops that arrived before what they act on (an entry of an incident not here yet).
    - `team_numbers`: the server's number for each incident (INC-N in a team);
      `incident_aliases`: refs an incident had before it was numbered, which still find it.
    - A uid on incidents, role terms and follow-ups (tasks and entries have one); an `hlc` on
      every row that accumulates, so "newest" and "in order" mean the same on every console
      (the HLC, not the local row id); and beside each value more than one console can set
      (severity, status, a task's owner, due time and done, the post-mortem's fields, a
      follow-up's fields), the HLC of the op that set it, so the newest op wins everywhere.
    - A role term's explicit end (`ended_at`) is kept apart from `to_at`, which is derived: the
      explicit end, or for a one-holder role the next holder's start.
    - `entry_retractions` loses UNIQUE(entry_id): two consoles apart can both retract an entry
      (the first retraction, by HLC, is the one shown). The store still refuses, for a write made
      here, a second retraction or a correction or pin of a retracted entry; an op from another
      console was valid where it was made and is kept.

    Existing rows get uids and a synthetic HLC from their row id (console.hlc.legacy), which
    sorts before any real one and keeps their order. Their ops are made when the database joins
    a team (console.sync), not here: a database that never joins carries no second copy of its
    history.
    """
    db.execute(
        """
        CREATE TABLE sync_state (
            only INTEGER PRIMARY KEY CHECK (only = 1),
            replica TEXT NOT NULL,
            team TEXT,
            cursor TEXT
        )
        """
    )
    db.execute("INSERT INTO sync_state (only, replica) VALUES (1, lower(hex(randomblob(8))))")
    replica = db.execute("SELECT replica FROM sync_state").fetchone()[0]
    db.execute(
        """
        CREATE TABLE ops (
            seq INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            replica TEXT NOT NULL,
            hlc TEXT NOT NULL,
            incident TEXT,
            verb TEXT NOT NULL,
            body TEXT NOT NULL,
            base TEXT,
            register TEXT,
            pushed INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX ops_hlc ON ops(hlc)")
    db.execute("CREATE INDEX ops_outgoing ON ops(seq) WHERE pushed = 0")
    db.execute("CREATE INDEX ops_register ON ops(incident, register, hlc) WHERE register IS NOT NULL")
    db.execute(
        "CREATE TRIGGER ops_are_append_only_update BEFORE UPDATE OF seq, uid, replica, hlc, "
        "incident, verb, body, base, register ON ops "
        "BEGIN SELECT RAISE(ABORT, 'ops are append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER ops_pushed_only_once BEFORE UPDATE OF pushed ON ops "
        "WHEN new.pushed < old.pushed BEGIN SELECT RAISE(ABORT, 'ops are append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER ops_are_append_only_delete BEFORE DELETE ON ops "
        "BEGIN SELECT RAISE(ABORT, 'ops are append-only'); END"
    )
    db.execute(
        """
        CREATE TABLE ops_waiting (
            uid TEXT PRIMARY KEY,
            replica TEXT NOT NULL,
            hlc TEXT NOT NULL,
            incident TEXT,
            verb TEXT NOT NULL,
            body TEXT NOT NULL,
            base TEXT
        )
        """
    )
    db.execute(
        "CREATE TABLE team_numbers (incident TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE)"
    )
    db.execute(
        "CREATE TABLE incident_aliases (alias TEXT PRIMARY KEY COLLATE NOCASE, "
        "incident_id INTEGER NOT NULL REFERENCES incidents(id))"
    )

    legacy = f"printf('%013d.0000.%s', id, '{replica}')"
    uid = "lower(hex(randomblob(16)))"
    # Uids where there were none, and a trigger that gives one to a row inserted without.
    for table in ("incidents", "role_assignments", "action_items"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN uid TEXT")
        db.execute(f"UPDATE {table} SET uid = {uid}")
        db.execute(f"CREATE UNIQUE INDEX {table}_uid ON {table}(uid)")
        db.execute(
            f"CREATE TRIGGER {table}_get_a_uid AFTER INSERT ON {table} WHEN new.uid IS NULL "
            f"BEGIN UPDATE {table} SET uid = {uid} WHERE id = new.id; END"
        )
    # The HLC of each row, and of each value more than one console can set.
    hlcs = {
        "incidents": ("severity_hlc", "status_hlc"),
        "role_assignments": ("hlc",),
        "entries": ("hlc",),
        "entry_revisions": ("hlc",),
        "pins": ("hlc",),
        "checks": ("hlc",),
        "tasks": ("hlc", "owner_hlc", "due_hlc", "done_hlc"),
        "task_extensions": ("hlc",),
        "updates": ("hlc",),
        "postmortems": ("owner_hlc", "meeting_hlc", "recording_hlc", "status_hlc"),
        "postmortem_versions": ("hlc",),
        "action_items": ("hlc", "owner_hlc", "due_hlc", "ticket_hlc", "done_hlc"),
    }
    append_only = {"entries": "timeline entries", "entry_revisions": "entry revisions",
                   "pins": "pins", "checks": "checklist ticks",
                   "postmortem_versions": "postmortem versions"}
    for table, columns in hlcs.items():
        for column in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        if table == "postmortems":
            continue  # one row per incident, keyed by it: its values' HLCs stay '' (older than any op)
        if table in append_only:
            # Filled once, here; the trigger that refuses updates is put back at once.
            db.execute(f"DROP TRIGGER {table}_are_append_only_update")
            db.execute(f"DROP TRIGGER {table}_are_append_only_delete")
        assignments = ", ".join(f"{column} = {legacy}" for column in columns)
        db.execute(f"UPDATE {table} SET {assignments}")
        if table in append_only:
            _append_only(db, table, append_only[table])
    db.execute("ALTER TABLE role_assignments ADD COLUMN ended_at TEXT")
    db.execute("ALTER TABLE role_assignments ADD COLUMN ended_hlc TEXT")
    db.execute("UPDATE role_assignments SET ended_at = to_at, ended_hlc = hlc WHERE to_at IS NOT NULL")
    db.execute("CREATE INDEX entry_revisions_newest ON entry_revisions(entry_id, hlc)")
    db.execute("CREATE INDEX pins_newest ON pins(entry_id, hlc)")
    db.execute("CREATE INDEX checks_newest ON checks(incident_id, item_id, hlc)")

    # entry_retractions again, without UNIQUE(entry_id), its rows kept as they were.
    for name in ("entry_revisions_not_retracted", "pins_not_retracted",
                 "entry_retractions_are_append_only_update", "entry_retractions_are_append_only_delete"):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("ALTER TABLE entry_retractions RENAME TO entry_retractions_0004")
    db.execute(
        """
        CREATE TABLE entry_retractions (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            reason TEXT,
            "by" TEXT NOT NULL,
            at TEXT NOT NULL,
            hlc TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute(
        f'INSERT INTO entry_retractions (id, entry_id, reason, "by", at, hlc) '
        f'SELECT id, entry_id, reason, "by", at, {legacy} FROM entry_retractions_0004'
    )
    db.execute("DROP TABLE entry_retractions_0004")
    db.execute("CREATE INDEX entry_retractions_entry ON entry_retractions(entry_id, hlc)")
    _append_only(db, "entry_retractions", "entry retractions")
    # Made here: a write of this console (its HLC names this replica; a row inserted by hand has
    # none). Ops from elsewhere were valid where they were made.
    here = f"(new.hlc = '' OR substr(new.hlc, {len('0000000000000.0000.') + 1}) = " \
           "(SELECT replica FROM sync_state))"
    db.execute(
        f"CREATE TRIGGER entry_retractions_once BEFORE INSERT ON entry_retractions WHEN {here} "
        "AND EXISTS (SELECT 1 FROM entry_retractions WHERE entry_id = new.entry_id) "
        "BEGIN SELECT RAISE(ABORT, 'an entry is retracted only once'); END"
    )
    for table, what, when in (
        ("entry_revisions", "edited", ""), ("pins", "pinned", "new.pinned = 1 AND ")
    ):
        db.execute(
            f"CREATE TRIGGER {table}_not_retracted BEFORE INSERT ON {table} "
            f"WHEN {when}{here} AND "
            "EXISTS (SELECT 1 FROM entry_retractions WHERE entry_id = new.entry_id) "
            f"BEGIN SELECT RAISE(ABORT, 'a retracted entry cannot be {what}'); END"
        )


def m0009_outbox(db: "Database") -> None:
    """Messages going out (issue 13): destinations, the outbox and each attempt to send.

    All three are local state of this console, never replicated: a destination's URL lives in
    the OS keyring of this machine, and only the console that wrote an update or a page sends
    it (docs/design/outbound.md). Outbox rows are made by the op that records the update or
    the page, in its transaction, keyed by the op's uid and the destination.
    - `destinations`: name, the apprise service (scheme), audience, whether it may carry a
      security incident's messages, and the keyring entry that holds its URL (never the URL).
    - `outbox`: one message to one destination; `state` is where it stands, `next_at` when it
      is due again, `claim` the process sending it now; `attach` a calendar file sent with it
      and `recipients` the address an e-mail goes to instead of the destination's own ('' none).
    - `outbox_attempts`: every try, with its outcome and a short reason that never holds a URL.
    """
    db.execute(
        """
        CREATE TABLE destinations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            service TEXT NOT NULL,
            audience TEXT NOT NULL,
            security INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
            phone INTEGER NOT NULL DEFAULT 0 CHECK (phone IN (0, 1)),
            secret TEXT NOT NULL,
            added_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            op TEXT NOT NULL,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            destination_id INTEGER NOT NULL,
            destination TEXT NOT NULL,
            audience TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            attach TEXT,
            recipients TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN
                ('waiting', 'sending', 'sent', 'failed', 'unknown', 'held', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at TEXT,
            last_error TEXT,
            claim TEXT,
            created_at TEXT NOT NULL,
            done_at TEXT,
            UNIQUE (op, destination_id, recipients)
        )
        """
    )
    db.execute("CREATE INDEX outbox_open ON outbox(state, destination_id, id)")
    db.execute(
        """
        CREATE TABLE outbox_attempts (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT
        )
        """
    )
    db.execute("CREATE INDEX outbox_attempts_row ON outbox_attempts(outbox_id, id)")


def m0013_record_chain(db: "Database") -> None:
    """The hash chain over each incident's entries and their revisions, retractions and pins
    (console.chain, docs/design/chain.md), so that a row changed, removed or added by hand shows.

    `chain_links` holds one link per row, in the chain's order (`n` from 1 per incident): which
    row (`source`: 0 entry, 1 revision, 2 retraction, 3 pin; `row_id`), its place in the order
    (`hlc`, `uid` of its entry), the digest of its canonical encoding and its link. It is not
    append-only: a row that arrives late from another console relinks the chain after its place.

    The rows already here are chained now; `chain_origins` says so for each incident that had
    any (verify and the exports say "chained from" that moment). A change made before this
    migration cannot be told apart from the record as it was. That moment is also an op
    (`import.chain_origin`, one per incident), so a team's other consoles say the same.
    """
    from datetime import datetime, timezone

    from console import hlc, times
    from console.chain import ORIGIN_VERB, Chain
    from console.ops import canonical

    db.execute(
        """
        CREATE TABLE chain_links (
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            n INTEGER NOT NULL,
            source INTEGER NOT NULL CHECK (source BETWEEN 0 AND 3),
            row_id INTEGER NOT NULL,
            hlc TEXT NOT NULL,
            uid TEXT NOT NULL,
            digest BLOB NOT NULL,
            link BLOB NOT NULL,
            PRIMARY KEY (incident_id, n)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "CREATE TABLE chain_origins (incident_id INTEGER PRIMARY KEY REFERENCES incidents(id), "
        "chained_from TEXT NOT NULL)"
    )
    moment = datetime.now(timezone.utc)
    now = times.to_text(moment)
    chain = Chain(db.conn)
    (replica,) = db.execute("SELECT replica FROM sync_state").fetchone()
    (last,) = db.execute("SELECT max(hlc) FROM ops WHERE hlc <= ?", (hlc.ceiling(moment),)).fetchone()
    for incident_id, uid in db.execute("SELECT id, uid FROM incidents ORDER BY id").fetchall():
        chain.build(incident_id)
        db.execute("INSERT INTO chain_origins (incident_id, chained_from) VALUES (?, ?)",
                   (incident_id, now))
        # The moment travels to a team's other consoles as an op (its effect: ChainOrigins), so
        # every console says the same "chained from" for the incident.
        last = hlc.following(last, moment, replica)
        db.execute(
            "INSERT INTO ops (uid, replica, hlc, incident, verb, body) VALUES (?, ?, ?, ?, ?, ?)",
            (f"{uid}-chained-from-{replica}", replica, last, uid, ORIGIN_VERB,
             canonical({"chained_from": now})),
        )


def m0010_people(db: "Database") -> None:
    """The people directory (issue 13): who can be reached, and how.

    Not part of any incident: a person is a row keyed by a uid made from their e-mail (else
    their name), so two consoles of a team that add the same person make the same row. The
    whole row is one register: the op with the newest HLC wins (`hlc`). Slack imports need
    nothing here: an imported message's entry uid is made from the incident, the channel and
    the message's `ts`, which is what makes a second import add nothing.
    """
    db.execute(
        """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            email TEXT,
            handle TEXT,
            team TEXT,
            on_call INTEGER NOT NULL DEFAULT 0 CHECK (on_call IN (0, 1)),
            phone TEXT,
            hlc TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX people_name ON people(name COLLATE NOCASE)")
    db.execute("CREATE INDEX people_email ON people(email COLLATE NOCASE)")
    db.execute("CREATE INDEX people_handle ON people(handle COLLATE NOCASE)")


def m0011_subteams(db: "Database") -> None:
    """Sub-teams of a complex incident (console.subteams): each team spun off (its process name,
    room and bridge as they were, its leader, problem and the leader's check-back task), when it
    was done, and who joined it. A person's team is their newest membership by HLC, in a team
    not done, so a move needs no update and consoles agree whatever order joins arrive in."""
    db.execute(
        """
        CREATE TABLE subteams (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            team TEXT NOT NULL,
            name TEXT NOT NULL,
            room TEXT NOT NULL,
            bridge TEXT NOT NULL,
            leader TEXT NOT NULL,
            problem TEXT NOT NULL,
            task_uid TEXT NOT NULL,
            started_at TEXT NOT NULL,
            done_at TEXT,
            "by" TEXT NOT NULL,
            hlc TEXT NOT NULL,
            done_hlc TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX subteams_incident ON subteams(incident_id, hlc)")
    db.execute(
        """
        CREATE TABLE subteam_members (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            subteam_id INTEGER NOT NULL REFERENCES subteams(id),
            person TEXT NOT NULL,
            joined_at TEXT NOT NULL,
            "by" TEXT NOT NULL,
            hlc TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX subteam_members_team ON subteam_members(subteam_id, hlc)")
    _append_only(db, "subteam_members", "sub-team memberships")


def m0012_drills(db: "Database") -> None:
    """Drills (console/drills.py): the scenario a drill incident runs, at what speed, from when,
    and which of its injects are in the timeline; and the training record (console/training.py).
    All only ever added to."""
    db.execute(
        """
        CREATE TABLE drills (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
            scenario TEXT NOT NULL,
            speed INTEGER NOT NULL CHECK (speed BETWEEN 1 AND 60),
            started_at TEXT NOT NULL,
            injects TEXT NOT NULL,
            replay_of TEXT,
            "by" TEXT NOT NULL,
            hlc TEXT NOT NULL
        )
        """
    )
    _append_only(db, "drills", "drills")
    db.execute(
        """
        CREATE TABLE drill_injects (
            id INTEGER PRIMARY KEY,
            drill_id INTEGER NOT NULL REFERENCES drills(id),
            number INTEGER NOT NULL,
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            hlc TEXT NOT NULL,
            UNIQUE (drill_id, number)
        )
        """
    )
    _append_only(db, "drill_injects", "drill injects")
    db.execute(
        """
        CREATE TABLE training (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            person TEXT NOT NULL,
            kind TEXT NOT NULL,
            incident_id INTEGER REFERENCES incidents(id),
            note TEXT,
            at TEXT NOT NULL,
            "by" TEXT NOT NULL,
            hlc TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX training_person ON training(person COLLATE NOCASE, at)")
    _append_only(db, "training", "training records")


def m0015_updates_any_audience(db: "Database") -> None:
    """`updates` without its CHECK on the three shipped audiences: the audiences are the
    process's (an organisation's override may add one, which the CHECK refused with an
    IntegrityError after the vocabulary had accepted it); the core checks them before it writes.
    SQLite cannot drop a CHECK, so the table is made again with its rows, ids and index."""
    db.execute("ALTER TABLE updates RENAME TO updates_0003")
    db.execute(
        """
        CREATE TABLE updates (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            audience TEXT NOT NULL CHECK (length(audience) > 0),
            text TEXT NOT NULL,
            "by" TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            hlc TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute('INSERT INTO updates (id, incident_id, audience, text, "by", sent_at, hlc) '
               'SELECT id, incident_id, audience, text, "by", sent_at, hlc FROM updates_0003')
    db.execute("DROP TABLE updates_0003")  # its index goes with it
    db.execute("CREATE INDEX updates_by_audience ON updates(incident_id, audience, sent_at)")


def m0016_security_incidents(db: "Database") -> None:
    """What a security incident keeps besides its title (console.security): its codename, the
    name others see (a register: `codename_hlc`), and when and by whom the Incident Commander
    recorded that forensics shows the attack was not internal (`cleared_*`; until then its
    messages beyond the response team are held). A security incident from before this has no
    codename: it is shown as "Security incident" until one is given (/codename)."""
    for column in ("codename TEXT", "codename_hlc TEXT NOT NULL DEFAULT ''", "cleared_at TEXT",
                   "cleared_by TEXT", "cleared_hlc TEXT NOT NULL DEFAULT ''"):
        db.execute(f"ALTER TABLE incidents ADD COLUMN {column}")


def m0017_evidence(db: "Database") -> None:
    """The evidence log of an incident (console.evidence, issue 14): each piece of evidence is
    its content, one row per incident and SHA-256 (its uid is made from the two, so consoles
    of a team that add the same file make the same row); and its chain of custody, one row per
    event - added (from which path, on which console), verified (what each copy showed),
    exported (to which folder) - each written with its timeline entry. The bytes are kept in
    the evidence folder (console/paths.py), never in the database. Both only ever added to."""
    db.execute(
        """
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            size INTEGER NOT NULL CHECK (size >= 0),
            name TEXT NOT NULL,
            hlc TEXT NOT NULL,
            UNIQUE (incident_id, sha256)
        )
        """
    )
    _append_only(db, "evidence", "evidence records")
    db.execute(
        """
        CREATE TABLE evidence_custody (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            evidence_uid TEXT,
            action TEXT NOT NULL CHECK (action IN ('added', 'verified', 'exported')),
            path TEXT,
            note TEXT,
            result TEXT,
            replica TEXT NOT NULL,
            "by" TEXT NOT NULL,
            at TEXT NOT NULL,
            hlc TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX evidence_custody_incident ON evidence_custody(incident_id, hlc)")
    _append_only(db, "evidence_custody", "evidence custody events")


def m0018_lighter_appends(db: "Database") -> None:
    """Fewer pages written by each note (issue 15's append figures):

    - entries are put into their full-text index in batches, after their own commit
      (console.search_index), instead of by a trigger inside it, which was about a third of the
      pages a note wrote. `search_indexed.entries_through` is the highest entry id the index
      holds; every entry here now is in it (the trigger put it there);
    - the ops not pushed yet are found after `sync_state.pushed_through` (every op up to it is
      pushed or came from the server) instead of through the partial index `ops_outgoing`,
      which every op was written into and, on a console that never joins a team, never left.
    """
    db.execute(
        "CREATE TABLE search_indexed (only INTEGER PRIMARY KEY CHECK (only = 1), "
        "entries_through INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO search_indexed (only, entries_through) "
               "SELECT 1, coalesce(max(id), 0) FROM entries")
    db.execute("DROP TRIGGER entries_fts_insert")
    db.execute("ALTER TABLE sync_state ADD COLUMN pushed_through INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE sync_state SET pushed_through = coalesce("
               "(SELECT min(seq) - 1 FROM ops WHERE pushed = 0), (SELECT max(seq) FROM ops), 0)")
    db.execute("DROP INDEX ops_outgoing")


def m0019_server_clock(db: "Database") -> None:
    """How far the team server's clock is from this console's, as the last exchange measured it
    (`server_offset_ms`: the server's time minus ours; NULL solo or before the first exchange).
    Where ours is ahead, ops are dated by the server's (console.ledger), so that a fast clock
    cannot make a register change outrank the ones made after it on other consoles."""
    db.execute("ALTER TABLE sync_state ADD COLUMN server_offset_ms INTEGER")


def m0020_lighter_appends_2(db: "Database") -> None:
    """Fewer pages written by each note again (issue 15): the index of every op's HLC (`ops_hlc`),
    read only to find the newest op for the next HLC (console.ledger), is replaced by one of the
    ops pushed or received (`ops_hlc_pushed`, written when the server takes an op, not when it
    is made): the ops not pushed yet are all made here, in HLC order while the clock does not
    go back, and `sync_state.unpushed_peak` is their greatest HLC where the newest is not it.
    Here it is their greatest.

    And one index of entries by (incident, kind, author) instead of two, `entries_by_author` and
    `entries_by_kind`: kinds are few, so an author's entries are one seek a kind (console.timeline's
    KINDS_OF), and a note writes one page of it where it wrote two.

    And `chain_links` keyed by a row id made of the incident and the link's place (`position`,
    console.chain's SPAN), not WITHOUT ROWID by (incident, n): ~1.5 pages a note -> ~1.1."""
    db.execute("CREATE INDEX entries_by_kind_author ON entries(incident_id, kind, author)")
    db.execute("DROP INDEX entries_by_author")
    db.execute("DROP INDEX entries_by_kind")
    db.execute("ALTER TABLE sync_state ADD COLUMN unpushed_peak TEXT")
    # chain_links again, each link's row id its `position` (console.chain: incident id * 2**32 +
    # n), its rows kept as they were: a link goes at the right edge of the table's own B-tree,
    # where keyed by (incident, n) WITHOUT ROWID it cost the page splits of an index's.
    from console.chain import SPAN

    db.execute("ALTER TABLE chain_links RENAME TO chain_links_0013")
    db.execute(
        """
        CREATE TABLE chain_links (
            position INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            n INTEGER NOT NULL,
            source INTEGER NOT NULL CHECK (source BETWEEN 0 AND 3),
            row_id INTEGER NOT NULL,
            hlc TEXT NOT NULL,
            uid TEXT NOT NULL,
            digest BLOB NOT NULL,
            link BLOB NOT NULL
        )
        """
    )
    db.execute("INSERT INTO chain_links (position, incident_id, n, source, row_id, hlc, uid, digest, link) "
               f"SELECT incident_id * {SPAN} + n, incident_id, n, source, row_id, hlc, uid, digest, link "
               "FROM chain_links_0013 ORDER BY incident_id, n")
    db.execute("DROP TABLE chain_links_0013")
    db.execute("UPDATE sync_state SET unpushed_peak = (SELECT max(hlc) FROM ops "
               "WHERE seq > sync_state.pushed_through AND pushed = 0)")
    db.execute("CREATE INDEX ops_hlc_pushed ON ops(hlc) WHERE pushed = 1")
    db.execute("DROP INDEX ops_hlc")


MIGRATIONS: list[tuple[str, Callable[["Database"], None]]] = [
    ("0001_initial", m0001_initial),
    ("0002_timeline_search", m0002_timeline_search),
    ("0003_board", m0003_board),
    ("0004_timeline_history", m0004_timeline_history),
    ("0005_postmortems", m0005_postmortems),
    ("0006_acknowledgement_typed_by", m0006_acknowledgement_typed_by),
    ("0007_task_numbers", m0007_task_numbers),
    ("0008_op_log", m0008_op_log),
    ("0009_outbox", m0009_outbox),
    ("0010_people", m0010_people),
    ("0011_subteams", m0011_subteams),
    ("0012_drills", m0012_drills),
    ("0013_record_chain", m0013_record_chain),
    ("0015_updates_any_audience", m0015_updates_any_audience),
    ("0016_security_incidents", m0016_security_incidents),
    ("0017_evidence", m0017_evidence),
    ("0018_lighter_appends", m0018_lighter_appends),
    ("0019_server_clock", m0019_server_clock),
    ("0020_lighter_appends_2", m0020_lighter_appends_2),
]

MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)
