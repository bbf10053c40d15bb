"""A virtual desktop for the end-to-end tests and the screenshot script: an X server (Xvfb) on
a free display, and a private D-Bus session bus on which the accessibility bus (AT-SPI) starts,
so a test can read what the window shows the way a screen reader does.

Nothing here knows the app; `tests.e2e.driver` starts it on this desktop.

    with Desktop(1366, 768) as desk:
        subprocess.run([...], env=desk.env())

`missing()` names what this machine lacks (Debian packages `xvfb xdotool dbus
at-spi2-core`); the tests skip with that reason instead of failing.
"""

import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

# program -> the Debian package that has it
PROGRAMS = {"Xvfb": "xvfb", "xdotool": "xdotool", "dbus-daemon": "dbus"}
# The accessibility bus, started by D-Bus activation when the app asks for it.
ATSPI_SERVICE = Path("/usr/share/dbus-1/services/org.a11y.Bus.service")
START_TIMEOUT_S = 10


def missing() -> list[str]:
    """What the virtual desktop needs and this machine lacks, as Debian package names."""
    lacking = [package for program, package in PROGRAMS.items() if shutil.which(program) is None]
    if not ATSPI_SERVICE.exists():
        lacking.append("at-spi2-core")
    try:
        import jeepney  # noqa: F401 - keyring's own D-Bus library on Linux; reads the accessibility bus
    except ImportError:
        lacking.append("jeepney (pip)")
    return lacking


class DesktopError(RuntimeError):
    """The X server or the session bus would not start."""


class Desktop:
    """Xvfb on a free display number (`-displayfd`: the server picks it and says which), and a
    private session bus. Both end when the `with` block does."""

    def __init__(self, width: int = 1366, height: int = 768, depth: int = 24) -> None:
        self.size = (width, height)
        self.depth = depth
        self.display = ""
        self.bus_address = ""
        self.runtime_dir: Path | None = None
        self._xvfb: subprocess.Popen | None = None
        self._bus: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # -- starting and stopping ----------------------------------------------------------------

    def __enter__(self) -> "Desktop":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ic-desktop-")
        self.runtime_dir = Path(self._tmp.name) / "runtime"
        self.runtime_dir.mkdir(mode=0o700)
        self._start_x()
        self._start_bus()

    def _start_x(self) -> None:
        read_end, write_end = os.pipe()
        width, height = self.size
        try:
            self._xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x{self.depth}",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True,
            )
        finally:
            os.close(write_end)
        number = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while not number.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([read_end], [], [], left)[0]:
                    break  # no display number in time
                chunk = os.read(read_end, 16)
                if not chunk:
                    break  # the server ended
                number += chunk
        finally:
            os.close(read_end)
        if not number.strip().isdigit():
            try:
                self._xvfb.wait(2)
                said = self._xvfb.stderr.read().decode(errors="replace").strip().splitlines()
            except subprocess.TimeoutExpired:
                said = []
            words = [line.replace("(EE)", "").strip() for line in said]
            reason = next((w for w in reversed(words) if w), "it gave no display number")
            raise DesktopError(f"Xvfb did not start: {reason}")
        self.display = f":{number.decode().strip()}"

    def _start_bus(self) -> None:
        env = {**self.env(bus=False)}
        self._bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        )
        line = self._bus.stdout.readline().decode().strip()
        if not line:
            raise DesktopError("dbus-daemon did not start")
        self.bus_address = line

    def stop(self) -> None:
        for proc in (self._bus, self._xvfb):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self._bus is not None and self._bus.stdout:
            self._bus.stdout.close()
        if self._xvfb is not None and self._xvfb.stderr:
            self._xvfb.stderr.close()
        self._bus = self._xvfb = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- using it -----------------------------------------------------------------------------

    def env(self, *, bus: bool = True) -> dict[str, str]:
        """The environment for a program on this desktop: its display, its session bus, a
        private runtime folder, and Qt on X11 (not the offscreen platform the unit tests use)."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_CURRENT_DESKTOP", "KDE_SESSION_VERSION",
                            "QT_QPA_PLATFORMTHEME", "QT_STYLE_OVERRIDE", "XAUTHORITY")}
        env.update(DISPLAY=self.display, QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(self.runtime_dir))
        if bus:
            env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        return env

    def close_window(self, window: str) -> None:
        """Ask a window to close, as a window manager's close button does: a WM_DELETE_WINDOW
        message (xdotool has no such command; there is no window manager here)."""
        _send_delete_window(self.display, int(window))

    def xdotool(self, *args: str, timeout: float = 10) -> str:
        """Run xdotool on this display; its output, stripped."""
        done = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise DesktopError(f"xdotool {' '.join(args)}: {done.stderr.strip() or f'exit {done.returncode}'}")
        return done.stdout.strip()


class _ClientMessage(ctypes.Structure):
    """Xlib's XClientMessageEvent, padded to the size of an XEvent (24 longs)."""

    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]


def _send_delete_window(display: str, window: int) -> None:
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = x11.XOpenDisplay(display.encode())
    if not connection:
        raise DesktopError(f"cannot open display {display}")
    try:
        event = _ClientMessage(type=33, window=window, format=32,  # 33: ClientMessage
                               message_type=x11.XInternAtom(connection, b"WM_PROTOCOLS", 0))
        event.data[0] = x11.XInternAtom(connection, b"WM_DELETE_WINDOW", 0)
        event.data[1] = 0  # CurrentTime
        if not x11.XSendEvent(connection, window, 0, 0, ctypes.byref(event)):
            raise DesktopError(f"could not send WM_DELETE_WINDOW to window {window}")
        x11.XFlush(connection)
    finally:
        x11.XCloseDisplay(connection)
