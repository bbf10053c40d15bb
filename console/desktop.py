"""`incident-console desktop install|uninstall`: the desktop entry, the icon and the AppStream
metainfo that ship in the wheel, copied to where freedesktop desktops (GNOME, KDE, ...) look for
a user's applications: the user's data folder ($XDG_DATA_HOME, by default ~/.local/share).
"""

import argparse
import sys
from pathlib import Path

from console.errors import StorageUnavailable

APP_ID = "io.incidentconsole.IncidentConsole"
COMMAND = "desktop"
SCRIPT = "incident-console"
# Shipped file (under the `resources` package) -> where it goes under the data folder.
SHIPPED = {
    f"{APP_ID}.desktop": f"applications/{APP_ID}.desktop",
    f"icons/{APP_ID}.svg": f"icons/hicolor/scalable/apps/{APP_ID}.svg",
    f"{APP_ID}.metainfo.xml": f"metainfo/{APP_ID}.metainfo.xml",
}


def add_parser(sub, common: argparse.ArgumentParser, parser_class) -> None:
    p = sub.add_parser(COMMAND, parents=[common], help="add the app to the desktop's menu, or take it off")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=parser_class)
    verbs.add_parser("install", parents=[common],
                     help="copy the menu entry, icon and metainfo under $XDG_DATA_HOME (~/.local/share)")
    verbs.add_parser("uninstall", parents=[common], help="remove what install copied")


def data_home() -> Path:
    import platformdirs

    return platformdirs.user_data_path()  # $XDG_DATA_HOME, else ~/.local/share


def _exec_line(entry: str) -> str:
    """The entry with Exec naming this environment's script, when the path needs no quoting
    (a venv's bin folder is rarely on the menu's PATH); otherwise as shipped."""
    import re
    import sysconfig

    script = Path(sysconfig.get_path("scripts")) / SCRIPT
    if script.is_file() and re.fullmatch(r"[\w/.+-]+", str(script), re.ASCII):
        return re.sub(rf"^Exec={SCRIPT}$", f"Exec={script}", entry, flags=re.MULTILINE)
    return entry


def run(args: argparse.Namespace) -> int:
    from importlib.resources import files

    if sys.platform in ("win32", "darwin"):
        raise StorageUnavailable("desktop entries are for freedesktop desktops (Linux, BSD)")
    home = data_home()
    for source, target in SHIPPED.items():
        path = home / target
        if args.verb == "uninstall":
            path.unlink(missing_ok=True)
            continue
        data = files("resources").joinpath(source).read_bytes()
        if source.endswith(".desktop"):
            data = _exec_line(data.decode("utf-8")).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(path)
    if args.verb == "uninstall":
        print(f"removed {APP_ID} from {home}")
    return 0
