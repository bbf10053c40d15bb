"""Team mode (issue 12): consoles on several machines share their incidents through a plain
PostgreSQL server, and each keeps working on its own SQLite file while the server is away.

What replicates is the op log the core keeps (console.sync, `service.sync`): each console
pushes the ops it wrote and pulls everyone's, and the core applies them. This package is the
server's side of that and the way to it, one noun per module:

    config         team.json: which server, as whom (the URL without its password)
    schema         the server's numbered SQL migrations, `team migrate`, the version check
    server         one connection to the server: push, pull after a cursor, number, wake-up
    exchange       sync_once(service, server): push, number, pull and apply until in step
    last_exchange  what the last exchange did, for `team status`
    commands       what `team join/status/sync/leave/migrate` do (parsers: console/cli_team.py)
    after_write    the push after a CLI write, "queued" when the server does not answer
    follower       a background loop that keeps a console in step (for the window)

psycopg is imported by `server` (and `schema`'s migrate) only, and nothing a solo command runs
imports them.
"""
