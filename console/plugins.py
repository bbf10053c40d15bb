"""Entry points: the parts an installed package adds to the console without the console
naming them.

The window and the PDF exporter need Qt, which the core never imports (tests/core/test_no_qt.py
reads every module's source to keep it so). They are declared in pyproject.toml's
`[project.entry-points]` under the groups below and found in the installed package's metadata,
only when asked for: importlib.metadata alone costs ~25 ms that no other command pays.
"""

from typing import Any

from console.errors import NotInstalled

EXPORTERS = "incident_console.exporters"  # export formats beyond the built-in ones (PDF)
GUI = "incident_console.gui"  # the window: `window`, called as window(paths, process_dir)
WINDOW = "window"


def _entry_points(group: str):
    from importlib.metadata import entry_points

    return entry_points(group=group)


def names(group: str) -> list[str]:
    """The names registered in `group`, sorted; nothing is loaded."""
    return sorted({point.name for point in _entry_points(group)})


def load(group: str, name: str) -> Any:
    """What `name` in `group` refers to (its module is imported now), or NotInstalled."""
    points = [point for point in _entry_points(group) if point.name == name]
    if not points:
        raise NotInstalled(f"{name!r} is not installed (entry point group {group}): "
                           "reinstall incident-console")
    if len({point.value for point in points}) > 1:
        raise NotInstalled(f"{name!r} is installed twice (entry point group {group}): "
                           + ", ".join(sorted({point.value for point in points})))
    try:
        return points[0].load()
    except (ImportError, AttributeError) as exc:
        raise NotInstalled(f"{name!r} ({points[0].value}) will not load: {exc}") from None
