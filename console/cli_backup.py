"""The backup subcommands (issue 15): back up now, list the backups, restore one, and doctor.

    incident-console backup [--to FILE]   # a verified backup (default: the backup folder)
    incident-console backups [--json]     # time, size, incidents, verified; newest first
    incident-console restore FILE         # put a backup back (the current database is kept)
    incident-console doctor [--json]      # one line per check; exit 1 if any fails

`restore` refuses while another program has the database open: close the window first
(console/restore.py says why). The command line builds these parsers on every run, so this
module imports nothing it does not need to build them.
"""

import argparse
import json
import sys

COMMANDS = ("backup", "backups", "restore", "doctor")


def add_parsers(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser("backup", parents=[common], help="back the database up now (online, verified)")
    p.add_argument("--to", metavar="FILE", dest="file", help="write the backup to FILE (0600) instead of the backup folder")
    p = sub.add_parser("backups", parents=[common], help="list the backups: time, size, incidents, verified")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("restore", parents=[common],
                       help="replace the database with a backup (the current one is kept as a backup; "
                            "close the window first)")
    p.add_argument("file", metavar="FILE", help="a backup file (see: incident-console backups)")
    p = sub.add_parser("doctor", parents=[common],
                       help="check the database, backups, files, process, keyring and team server")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(session) -> int:
    return {"backup": _backup, "backups": _backups, "restore": _restore, "doctor": _doctor}[session.args.command](session)


def _backup(session) -> int:
    from pathlib import Path

    from console import backups
    from console.errors import InputError

    where = session.where
    if session.args.file:
        target = Path(session.args.file)
        if target.is_dir():
            raise InputError(f"backup --to {session.args.file}: is a folder; name a file")
        if not target.parent.is_dir():
            raise InputError(f"backup --to {session.args.file}: no such folder {target.parent}")
        if target.exists() or target.is_symlink():
            raise InputError(f"backup --to {session.args.file}: already exists; name a new file")
        checked = backups.take_to(where.db_path, target)
        print(f"wrote {target}: {checked.incidents} incident(s), {checked.entries} entries, verified")
        _witness(where, target, "backup")
        return 0
    backup = backups.take(where.db_path, where.backup_dir)
    _witness(where, backup.path, "backup")
    from console.errors import ConsoleError

    try:
        policy = backups.Policy.from_process(session.process())
    except ConsoleError:  # a broken process file does not stop a backup; doctor says so
        policy = backups.Policy()
    backups.rotate(where.backup_dir, policy)
    print(f"wrote {backup.path}: {backup.incidents} incident(s), {backup.entries} entries, verified")
    return 0


def _backups(session) -> int:
    from console import backups

    found = backups.listing(session.where.backup_dir)
    if session.args.json:
        print(json.dumps([b.to_plain() for b in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(f"no backups in {session.where.backup_dir}", file=sys.stderr)
        return 0
    for b in found:
        local = b.taken_at.astimezone()
        counts = f"{b.incidents} incident(s)" if b.incidents is not None else "? incidents"
        state = "verified" if b.verified else "NOT VERIFIED"
        print(f"{local:%Y-%m-%d %H:%M:%S}  {b.size / 1024 / 1024:8.1f} MiB  {counts:<14} {state:<12} {b.path}")
    return 0


def _restore(session) -> int:
    from console import restore

    where = session.where
    done = restore.restore(session.args.file, where.db_path, where.backup_dir)
    kept = f"; the database it replaced is kept at {done.kept}" if done.kept else ""
    print(f"restored {done.source}: {done.checked.incidents} incident(s), {done.checked.entries} entries{kept}")
    from console import heads  # the heads written down before were the replaced database's

    problem = heads.HeadLog(where.head_log).restored(str(done.source))
    if problem:
        print(f"incident-console: note: {problem}", file=sys.stderr)
    _witness(where, where.db_path, "restore")
    return 0


def _witness(where, db_path, why: str) -> None:
    """Write the heads of a database (a backup just taken) in the head log (console/heads.py)."""
    from console import heads

    problem = heads.record_file(where.head_log, db_path, why, ask_keyring=True)
    if problem:
        print(f"incident-console: note: {problem}", file=sys.stderr)


def _doctor(session) -> int:
    from console import doctor

    from console.cli import process_dir

    checks = doctor.run(session.where, process_dir(session.args, session.where))
    if session.args.json:
        print(json.dumps([c._asdict() for c in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check.line())
    return 1 if any(c.status == doctor.FAIL for c in checks) else 0
