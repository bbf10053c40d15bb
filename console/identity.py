"""Who is sitting at this seat: the default author of what is recorded here."""

import getpass
import os

NAME_ENV = "INCIDENT_CONSOLE_NAME"


def seat_name() -> str:
    """The name entries are signed with unless a person says otherwise."""
    name = os.environ.get(NAME_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"
