"""The errors the core raises, split by who can fix them.

`ConsoleError` and its subclasses carry a message meant for a person: it says what is wrong
and where, in one line, and the operation that raised it has changed nothing. Anything else
that escapes the core is our bug and is logged loudly by the caller.
"""


class ConsoleError(Exception):
    """A problem the user can understand and act on; nothing was changed."""


class InputError(ConsoleError):
    """Bad input: a reference, time, severity, role, state or text that cannot be used."""


class NotFound(InputError):
    """The thing named does not exist (an unknown incident reference, say)."""


class StorageUnavailable(ConsoleError):
    """The environment stops us: disk full, file locked, read-only, damaged or not ours."""


class DatabaseTooNew(StorageUnavailable):
    """The database was written by a newer Incident Console; we refuse to touch it."""


class NothingToExport(InputError):
    """The incident has nothing in this export format yet (no meeting booked: no invitation)."""


class NotInstalled(ConsoleError):
    """A part the console loads through an entry point is missing or will not load."""
