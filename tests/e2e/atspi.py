"""What a window shows, read the way a screen reader reads it: over the accessibility bus
(AT-SPI), with jeepney (pure-Python D-Bus; keyring's own D-Bus library on Linux).

The app is started with `QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1` on the desktop's session bus, so
Qt publishes its widgets there: every label's text, every field's contents, each item of a
list, table or tree, and whether it is on screen. `Accessibility(bus_address).snapshot(pid)`
returns the showing part of that tree as plain `Node`s.
"""

import html
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Iterator

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
from jeepney.io.blocking import open_dbus_connection

ACCESSIBLE = "org.a11y.atspi.Accessible"
TEXT = "org.a11y.atspi.Text"
COMPONENT = "org.a11y.atspi.Component"
PROPERTIES = "org.freedesktop.DBus.Properties"
REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
# AtspiStateType bits
STATE_CHECKED, STATE_FOCUSED, STATE_SELECTED, STATE_SHOWING = 4, 12, 23, 25
EDITABLE_ROLES = {"text", "entry", "paragraph", "password text", "editbar"}  # read through Text
NULL_PATH = "/org/a11y/atspi/null"
REPLY_TIMEOUT_S = 10
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
    where: tuple[str, str] = ("", "")  # its bus name and object path, to ask more of it
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
        self._serials = itertools.count(1_000_000)  # ours, far from those jeepney numbered

    def close(self) -> None:
        self._conn.close()

    def _batch(self, calls: list[tuple]) -> list:
        """Send every call at once, then collect the replies: a tree is read one level per
        round trip instead of one call per round trip. Each call is (bus name, path,
        interface, method[, signature, body]); the replies' bodies, in order."""
        waiting: dict[int, int] = {}
        for index, (name, path, interface, method, *args) in enumerate(calls):
            serial = next(self._serials)
            self._conn.send(new_method_call(DBusAddress(path, name, interface), method, *args), serial=serial)
            waiting[serial] = index
        bodies: list = [None] * len(calls)
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while waiting:
            message = self._conn.receive(timeout=max(0.0, deadline - time.monotonic()))
            index = waiting.pop(message.header.fields.get(HeaderFields.reply_serial), None)
            if index is None:
                continue  # a signal, or a reply to nothing we are waiting for
            if message.header.message_type == MessageType.error:
                name, path, interface, method, *_ = calls[index]
                raise AccessibilityError(f"{interface}.{method} on {name}{path}: {message.body}")
            bodies[index] = message.body
        return bodies

    def extents(self, node: Node) -> tuple[int, int, int, int]:
        """Where `node` is drawn on the screen: x, y, width, height."""
        return tuple(self._batch([(*node.where, COMPONENT, "GetExtents", "u", (0,))])[0][0])

    def applications(self) -> list[tuple[str, str, int]]:
        """(bus name, path, pid) of every application on the bus."""
        apps = self._batch([(*REGISTRY, ACCESSIBLE, "GetChildren")])[0][0]
        pids = self._batch([("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "GetConnectionUnixProcessID", "s", (name,)) for name, _ in apps])
        return [(name, path, pid[0]) for (name, path), pid in zip(apps, pids)]

    def snapshot(self, pid: int) -> Screen:
        """The showing widgets of the application with process id `pid`."""
        for name, path, app_pid in self.applications():
            if app_pid == pid:
                return Screen(self._tree(name, path))
        raise AccessibilityError(f"process {pid} is not on the accessibility bus")

    def _tree(self, name: str, path: str) -> Node:
        """The application's tree, read breadth first; hidden widgets and windows are left out."""
        root = Node("", "", where=(name, path))
        level = [((name, path), root)]
        while level:
            replies = self._batch([call for (name, path), _ in level for call in (
                (name, path, ACCESSIBLE, "GetRoleName"),
                (name, path, PROPERTIES, "Get", "ss", (ACCESSIBLE, "Name")),
                (name, path, ACCESSIBLE, "GetChildren"))])
            children = []
            for index, (_, node) in enumerate(level):
                role, named, kids = replies[3 * index:3 * index + 3]
                node.role, node.name = role[0], named[0][1]
                children += [((n, p), node) for n, p in kids[0][:MAX_CHILDREN] if p != NULL_PATH]
            editable = [(where, node) for where, node in level if node.role in EDITABLE_ROLES]
            texts = self._batch([(*where, TEXT, "GetText", "ii", (0, -1)) for where, _ in editable])
            for (_, node), text in zip(editable, texts):
                node.text = text[0]
            states = self._batch([(*where, ACCESSIBLE, "GetState") for where, _ in children])
            level = []
            for (where, parent), state in zip(children, states):
                if state[0][0] & (1 << STATE_SHOWING):
                    child = Node("", "", state=state[0][0], where=where)
                    parent.children.append(child)
                    level.append((where, child))
        return root
