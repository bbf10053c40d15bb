"""What a person sets and expects to find again next time, declared once here: each preference's
name, type and default. They are kept per user in a private QSettings file (`preferences.ini`,
mode 0600) in the config folder (`console.paths.Paths.config_dir`, which `--home` moves).

Preferences are a comfort, never a reason not to start: a folder that cannot be written keeps
them for this run only (and says so in the log), and a value that is not of its type (a
hand-edited file) reads as the default.
"""

import base64
import json
import logging
import math
import os
from pathlib import Path
from typing import Any, NamedTuple

import shiboken6
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter, QWidget

from console.errors import StorageUnavailable
from ui import first_place
from ui.on_close import on_close
from console.paths import ensure_private_dir

log = logging.getLogger("incident_console")

FILE_NAME = "preferences.ini"


class Preference(NamedTuple):
    """One preference: its key in the file, its type, and its value until someone changes it."""

    name: str
    type: type  # bool, float, bytes or dict
    default: Any
    about: str


SOUND = Preference("sound", bool, True, "beep when a check-back runs out (Ctrl+Shift+S)")
PROMPTS = Preference("prompts", bool, True, "show the call-etiquette prompts (Ctrl+Shift+P)")
SNOOZED_UNTIL = Preference("prompts_snoozed_until", float, 0.0,
                           "no general prompts before this moment, in seconds since 1970 (Ctrl+,)")
CALL_MODE = Preference("call_mode", bool, False, "the compact call-mode window is open (Ctrl+Shift+C)")
WINDOW = Preference("window_geometry", bytes, b"", "the main window's size and place on the screen")
PANELS = Preference("panel_sizes", dict, {}, "the board's panel sizes: each splitter's sizes, by name")
WINDOWS = Preference("window_geometries", dict, {},
                     "the other windows' sizes and places (handbook, post-mortem, follow-ups, metrics), by name")

ALL = (SOUND, PROMPTS, SNOOZED_UNTIL, CALL_MODE, WINDOW, PANELS, WINDOWS)


def _default(pref: Preference) -> Any:
    """The default, as a copy when it could be changed in place (a dict)."""
    return dict(pref.default) if pref.type is dict else pref.default


def _checked(pref: Preference, raw: Any) -> Any:
    """`raw` as read from the file, as the preference's type; the default when it is not one."""
    if raw is None:
        return _default(pref)
    if pref.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        return {"true": True, "false": False}.get(text, pref.default)
    if pref.type is float:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return pref.default
        return value if math.isfinite(value) else pref.default
    if pref.type is bytes:
        return bytes(raw.data()) if isinstance(raw, QByteArray) else pref.default
    if pref.type is dict:
        try:
            value = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            return _default(pref)
        return value if isinstance(value, dict) else _default(pref)
    return pref.default


def _stored(pref: Preference, value: Any) -> Any:
    """`value` as it goes into the file."""
    if not isinstance(value, pref.type) or (pref.type is float and isinstance(value, bool)):
        raise TypeError(f"preference {pref.name} must be {pref.type.__name__}, not {value!r}")
    if pref.type is bytes:
        return QByteArray(value)
    if pref.type is dict:
        return json.dumps(value, sort_keys=True)
    return value


def _private_file(path: Path) -> None:
    """Create `path` 0600 if it is missing (QSettings keeps the mode of the file it replaces)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class Preferences:
    """The person's preferences: `get(SOUND)`, `set(SOUND, False)`.

    Writes reach the file when Qt's event loop is next idle, and at once on `sync()`.
    """

    def __init__(self, settings: QSettings | None, problem: str | None = None) -> None:
        self._settings = settings
        self._memory: dict[str, Any] = {}  # only when there is no file to keep them in
        self._windows: dict[str, QWidget] = {}  # the windows kept by name (keep_geometry)
        self._leaving = False  # the main window has closed: the others close with the console
        self.problem = problem

    @classmethod
    def open(cls, folder: Path) -> "Preferences":
        """The preferences kept in `folder` (created private if missing)."""
        path = folder / FILE_NAME
        try:
            ensure_private_dir(folder)
            _private_file(path)
        except (StorageUnavailable, OSError) as exc:
            problem = f"preferences are kept for this run only: {path}: {getattr(exc, 'strerror', None) or exc}"
            log.warning("%s", problem)
            return cls(None, problem)
        return cls(QSettings(os.fspath(path), QSettings.Format.IniFormat))

    @property
    def path(self) -> Path | None:
        return Path(self._settings.fileName()) if self._settings is not None else None

    def get(self, pref: Preference) -> Any:
        if self._settings is None:
            return self._memory[pref.name] if pref.name in self._memory else _default(pref)
        return _checked(pref, self._settings.value(pref.name))

    def set(self, pref: Preference, value: Any) -> None:
        stored = _stored(pref, value)
        if self._settings is None:
            self._memory[pref.name] = json.loads(stored) if pref.type is dict else value
        else:
            self._settings.setValue(pref.name, stored)

    def sync(self) -> None:
        """Write what changed now; a failure is logged, never raised (the call goes on)."""
        if self._settings is None:
            return
        self._settings.sync()
        if self._settings.status() != QSettings.Status.NoError:
            log.warning("preferences not saved to %s: %s", self._settings.fileName(),
                        self._settings.status().name)

    # -- what the window keeps --------------------------------------------------------------

    def keep_geometry(self, window: QWidget, name: str | None = None) -> None:
        """Put `window` where it was last closed (the first time, where ui.first_place puts
        it), and remember where it is when it closes: the main window (no `name`), or another
        window under its `name`."""
        if name is None:
            saved = self.get(WINDOW)
        else:
            try:
                saved = base64.b64decode(self.get(WINDOWS).get(name, ""), validate=True)
            except (TypeError, ValueError):  # a hand-edited file: the window opens as new
                saved = b""
        if not (saved and window.restoreGeometry(QByteArray(saved))):
            first_place.fit(window)
        if name is not None:
            self._windows[name] = window
        on_close(window, lambda: self._keep_place(window, name), on_hide=name is not None)

    def _keep_place(self, window: QWidget, name: str | None) -> None:
        if not shiboken6.isValid(window):  # the hide that a window deleted on close sends last;
            return                         # its place was kept at the close before it
        geometry = bytes(window.saveGeometry().data())
        if name is None:
            # The console is closing: the windows still open (the call-mode window, a handbook)
            # get no hide of their own before the process ends, so their places are kept now.
            self._leaving = True
            for other_name, other in list(self._windows.items()):
                if shiboken6.isValid(other) and other.isVisible():
                    self._keep_place(other, other_name)
            self.set(WINDOW, geometry)
        else:
            self.set(WINDOWS, {**self.get(WINDOWS), name: base64.b64encode(geometry).decode("ascii")})
        self.sync()

    def keep_panels(self, root: QWidget) -> None:
        """Give every splitter under `root` its last sizes, and remember each move."""
        sizes = self.get(PANELS)
        for name, splitter in _splitters(root):
            saved = sizes.get(name)
            if (isinstance(saved, list) and len(saved) == splitter.count()
                    and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in saved)
                    and any(saved)):
                splitter.setSizes(saved)
            splitter.splitterMoved.connect(lambda _pos, _index, n=name, s=splitter: self._panel_moved(n, s))

    def _panel_moved(self, name: str, splitter: QSplitter) -> None:
        sizes = dict(self.get(PANELS))
        sizes[name] = splitter.sizes()
        self.set(PANELS, sizes)

    def forget_on_close(self, window: QWidget, pref: Preference) -> None:
        """Set `pref` to False when the person closes `window` (the call-mode window's X), not
        when it closes because the console does (after the main window, as the process ends:
        call mode on when the console closed is on when it opens again)."""
        on_close(window, lambda: None if self._leaving else self.set(pref, False))


def _splitters(root: QWidget) -> list[tuple[str, QSplitter]]:
    """Each splitter under `root` with its name: its object name, else its place in creation order."""
    found = root.findChildren(QSplitter)
    return [(s.objectName() or f"splitter{i}", s) for i, s in enumerate(found)]
