"""What the last exchange with the team server did, for `team status`: when this console was
last in step with the server, when it last pushed, and the last failure (cleared by a success).

Kept in `team-sync.json` in the data folder, 0600, replaced whole. It is a convenience for the
person asking: losing it loses nothing (the op log and the cursor are in the database), so a
file that cannot be read or written is passed over in silence.
"""

import json
import os
from datetime import datetime, timezone
from typing import NamedTuple

from console import paths

FILE = "team-sync.json"


class LastExchange(NamedTuple):
    in_step_at: str | None = None  # the last full exchange (`team sync`, the window's loop)
    pushed_at: str | None = None  # the last push (after a CLI write, or in an exchange)
    failed_at: str | None = None
    failure: str | None = None  # one line: why the last attempt did not reach the server


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def load(where: paths.Paths) -> LastExchange:
    try:
        data = json.loads((where.data_dir / FILE).read_text(encoding="utf-8"))
        return LastExchange(**{k: data.get(k) for k in LastExchange._fields})
    except (OSError, ValueError, TypeError, AttributeError):
        return LastExchange()


def _save(where: paths.Paths, last: LastExchange) -> None:
    file = where.data_dir / FILE
    temp = file.with_name(f".{FILE}.{os.getpid()}.tmp")
    try:
        paths.ensure_private_dir(where.data_dir)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, (json.dumps(last._asdict()) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(temp, file)
    except Exception:  # noqa: BLE001 - a convenience only (see the module's docstring)
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass


def in_step(where: paths.Paths) -> None:
    now = _now()
    _save(where, LastExchange(in_step_at=now, pushed_at=now))


def pushed(where: paths.Paths) -> None:
    _save(where, load(where)._replace(pushed_at=_now(), failed_at=None, failure=None))


def failed(where: paths.Paths, why: str) -> None:
    _save(where, load(where)._replace(failed_at=_now(), failure=why))


def forget(where: paths.Paths) -> None:
    try:
        (where.data_dir / FILE).unlink()
    except OSError:
        pass
