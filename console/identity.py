"""Who is sitting at this seat: the default author of what is recorded here."""

import os

NAME_ENV = "INCIDENT_CONSOLE_NAME"


def seat_name(where=None) -> str:
    """The name entries are signed with unless a person says otherwise: $INCIDENT_CONSOLE_NAME,
    else (given the console's `paths.Paths`) the name given at `team join`, else the login.

    The environment may hold bytes that are not UTF-8 (Python hands them over as lone
    surrogates, which cannot be stored): they become U+FFFD, so the seat still has a name
    and the window still opens. Invisible characters are dropped where every name is
    cleaned (`domain.clean_text`). A team file that cannot be read is passed over here (the
    seat keeps a name); the push says what is wrong with it.
    """
    name = _decodable(os.environ.get(NAME_ENV, "")).strip()
    if name:
        return name
    if where is not None:
        from console.team import config  # the standard library only; solo, one stat

        member = config.member_name(where)
        if member:
            return member
    import getpass  # with termios: not imported when the seat is named

    try:
        return _decodable(getpass.getuser()) or "unknown"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def _decodable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
