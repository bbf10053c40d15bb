"""What a window shows, read the way a screen reader reads it: over the accessibility bus
(AT-SPI), with jeepney (pure-Python D-Bus; keyring's own D-Bus library on Linux).

The app is started with `QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1` on the desktop's session bus, so
Qt publishes its widgets there: every label's text, every field's contents, each item of a
list, table or tree, and whether it is on screen. `Accessibility(bus_address).snapshot(pid)`
returns the showing part of that tree as plain `Node`s.
"""

import html
import re
from dataclasses import dataclass, field
from typing import Iterator

from jeepney import DBusAddress, MessageType, new_method_call
from jeepney.io.blocking import open_dbus_connection

ACCESSIBLE = "org.a11y.atspi.Accessible"
TEXT = "org.a11y.atspi.Text"
PROPERTIES = "org.freedesktop.DBus.Properties"
REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
# AtspiStateType bits
STATE_CHECKED, STATE_FOCUSED, STATE_SELECTED, STATE_SHOWING = 4, 12, 23, 25
EDITABLE_ROLES = {"text", "entry", "paragraph", "password text", "editbar"}  # read through Text
MAX_CHILDREN = 400  # a view's items beyond this are not read (the timeline is paged anyway)
_TAG = re.compile(r"<[^>]+>")


class AccessibilityError(RuntimeError):
    """The accessibility bus did not answer as expected."""


@dataclass
class Node:
    role: str  # AT-SPI's role name: "label", "text", "push button", "table cell", ...
    name: str
    text: str = ""  # an editable field's contents (its Text interface)
    state: int = 0  # the low 32 bits of AT-SPI's state set
    children: list["Node"] = field(default_factory=list)

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def focused(self) -> bool:
        return bool(self.state & (1 << STATE_FOCUSED))

    @property
    def checked(self) -> bool:
        return bool(self.state & (1 << STATE_CHECKED))

    @property
    def selected(self) -> bool:
        return bool(self.state & (1 << STATE_SELECTED))

    @property
    def words(self) -> str:
        """What a person reads here: the name (rich text made plain) and any field contents."""
        return " ".join(part for part in (plain(self.name), self.text) if part)


def plain(text: str) -> str:
    """Rich text as read: tags dropped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


class Screen:
    """The showing widgets of one application, at one moment."""

    def __init__(self, root: Node) -> None:
        self.root = root

    def nodes(self, role: str | None = None) -> list[Node]:
        return [n for n in self.root.walk() if role is None or n.role == role]

    def texts(self) -> list[str]:
        return [n.words for n in self.root.walk() if n.words]

    def find(self, words: str, role: str | None = None) -> list[Node]:
        """Nodes whose words contain `words` (case-insensitive)."""
        wanted = words.casefold()
        return [n for n in self.nodes(role) if wanted in n.words.casefold()]

    def shows(self, words: str, role: str | None = None) -> bool:
        return bool(self.find(words, role))

    def named(self, name: str) -> Node | None:
        """The showing node whose accessible name is exactly `name` (a field, a panel)."""
        return next((n for n in self.root.walk() if n.name == name), None)

    def focused(self) -> list[Node]:
        """The widgets with the keyboard focus: one, in one window. (A view's current item
        reads as focused too, whether or not its view has the focus: those are left out.)"""
        return [n for n in self.root.walk() if n.focused and not n.role.endswith(("item", "cell"))]

    def has_focus(self, name: str) -> bool:
        """Whether the widget whose accessible name is `name` has the keyboard focus."""
        return any(n.name == name for n in self.focused())

    def frames(self) -> list[str]:
        """The titles of the app's showing top-level windows."""
        return [n.name for n in self.root.children if n.role in ("frame", "window", "dialog")]

    def __str__(self) -> str:
        lines = []

        def dump(node: Node, depth: int) -> None:
            lines.append(f"{'  ' * depth}{node.role}: {node.words[:160]!r}")
            for child in node.children:
                dump(child, depth + 1)

        dump(self.root, 0)
        return "\n".join(lines)


class Accessibility:
    """A connection to the accessibility bus of a desktop's session."""

    def __init__(self, session_bus_address: str) -> None:
        session = open_dbus_connection(bus=session_bus_address)
        try:
            reply = session.send_and_get_reply(
                new_method_call(DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus"), "GetAddress"),
                timeout=10)
            if reply.header.message_type == MessageType.error:
                raise AccessibilityError(f"no accessibility bus: {reply.body}")
            address = reply.body[0]
        finally:
            session.close()
        self._conn = open_dbus_connection(bus=address)

    def close(self) -> None:
        self._conn.close()

    def _call(self, name: str, path: str, interface: str, method: str, signature: str | None = None,
              body: tuple = ()):
        message = new_method_call(DBusAddress(path, name, interface), method, signature, body)
        reply = self._conn.send_and_get_reply(message, timeout=5)
        if reply.header.message_type == MessageType.error:
            raise AccessibilityError(f"{interface}.{method} on {name}{path}: {reply.body}")
        return reply.body

    def _property(self, name: str, path: str, prop: str) -> str:
        return self._call(name, path, PROPERTIES, "Get", "ss", (ACCESSIBLE, prop))[0][1]

    def applications(self) -> list[tuple[str, str, int]]:
        """(bus name, path, pid) of every application on the bus."""
        apps = []
        for name, path in self._call(*REGISTRY, ACCESSIBLE, "GetChildren")[0]:
            pid = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "GetConnectionUnixProcessID", "s", (name,))[0]
            apps.append((name, path, pid))
        return apps

    def snapshot(self, pid: int) -> Screen:
        """The showing widgets of the application with process id `pid`."""
        for name, path, app_pid in self.applications():
            if app_pid == pid:
                return Screen(self._node(name, path, 0))
        raise AccessibilityError(f"process {pid} is not on the accessibility bus")

    def _node(self, name: str, path: str, state: int) -> Node:
        role = self._call(name, path, ACCESSIBLE, "GetRoleName")[0]
        node = Node(role, self._property(name, path, "Name"), state=state)
        if role in EDITABLE_ROLES:
            node.text = self._call(name, path, TEXT, "GetText", "ii", (0, -1))[0]
        for child_name, child_path in self._call(name, path, ACCESSIBLE, "GetChildren")[0][:MAX_CHILDREN]:
            if child_path == "/org/a11y/atspi/null":
                continue
            child_state = self._call(child_name, child_path, ACCESSIBLE, "GetState")[0][0]
            if child_state & (1 << STATE_SHOWING):  # hidden widgets and windows are not read
                node.children.append(self._node(child_name, child_path, child_state))
        return node
