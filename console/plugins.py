"""Entry points: the parts an installed package adds to the console without the console
naming them.

The window and the PDF exporter need Qt, which the core never imports (tests/core/test_no_qt.py
reads every module's source to keep it so). They are declared in pyproject.toml's
`[project.entry-points]` under the groups below and found in the installed packages' metadata,
only when asked for.

Asking importlib.metadata costs ~25-50 ms (its own imports, then every installed
distribution's entry points read), which the window would pay before anything is on screen.
Given a cache folder, a group's answer is kept there (console/cache.py) under a key listing
every distribution's entry-point file on sys.path with its size and modification time, so
installing, upgrading or removing any package is a miss, and a miss asks importlib.metadata
again. Either way a value is resolved as importlib.metadata's `EntryPoint.load` resolves it
(`module:attribute`): this is the one place the core imports a module by a name it did not
write, and that name always comes from installed metadata.
"""

import os
import re
import sys
from pathlib import Path
from typing import Any

from console import cache
from console.errors import NotInstalled

EXPORTERS = "incident_console.exporters"  # export formats beyond the built-in ones (PDF)
GUI = "incident_console.gui"  # the window: `window`, called as window(paths, process_dir)
WINDOW = "window"
CACHE_FILE = "entry_points.json"
# An entry point's value, as importlib.metadata reads it (extras, if any, are not ours to load).
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


def names(group: str, cache_dir: Path | None = None) -> list[str]:
    """The names registered in `group`, sorted; nothing is loaded."""
    return sorted(_declared(group, cache_dir))


def load(group: str, name: str, cache_dir: Path | None = None) -> Any:
    """What `name` in `group` refers to (its module is imported now), or NotInstalled."""
    values = sorted(_declared(group, cache_dir).get(name, ()))
    if not values:
        raise NotInstalled(f"{name!r} is not installed (entry point group {group}): "
                           "reinstall incident-console")
    if len(values) > 1:
        raise NotInstalled(f"{name!r} is installed twice (entry point group {group}): " + ", ".join(values))
    try:
        return _resolve(values[0])
    except (ImportError, AttributeError) as exc:
        raise NotInstalled(f"{name!r} ({values[0]}) will not load: {exc}") from None


def _declared(group: str, cache_dir: Path | None) -> dict[str, list[str]]:
    """Each name in `group` -> the values the installed distributions give it."""
    if cache_dir is None:
        return _from_metadata(group)
    key = _installed()
    path = cache_dir / CACHE_FILE
    kept = cache.get(path, key)
    groups = kept if isinstance(kept, dict) else {}
    found = groups.get(group)
    if isinstance(found, dict) and all(isinstance(v, list) and all(isinstance(s, str) for s in v)
                                       for v in found.values()):
        return found
    found = _from_metadata(group)
    cache.put(path, key, {**groups, group: found})
    return found


def _from_metadata(group: str) -> dict[str, list[str]]:
    from importlib.metadata import entry_points

    found: dict[str, set[str]] = {}
    for point in entry_points(group=group):
        found.setdefault(point.name, set()).add(point.value)
    return {name: sorted(values) for name, values in found.items()}


def _installed() -> str:
    """What importlib.metadata would read, without reading it: each distribution's entry-point
    file on sys.path, in order, with its size and modification time."""
    lines = []
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                found = sorted(e.path for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:  # a zip, or a folder that is not there
            continue
        for distribution in found:
            try:
                info = os.stat(os.path.join(distribution, "entry_points.txt"))
            except OSError:
                continue
            lines.append(f"{distribution}\t{info.st_size}\t{info.st_mtime_ns}")
    return "\n".join(lines)


def _resolve(value: str) -> Any:
    """The object an entry point's value names (`package.module:attribute.attribute`)."""
    import importlib

    match = _VALUE.match(value)
    if match is None:
        raise ImportError(f"not an entry point value: {value!r}")
    found = importlib.import_module(match["module"])  # a name from installed metadata only
    for attribute in filter(None, (match["attr"] or "").split(".")):
        found = getattr(found, attribute)
    return found
