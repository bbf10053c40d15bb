"""Every colour the console draws with, declared once for the light and once for the dark theme,
and the pairs they are drawn in, each readable to WCAG AA: 4.5:1 for text, 3:1 for large text
and for marks and borders that are not text (tests/ui/test_palette.py measures every pair).

The window's own colours (text, base, window, highlight) are the system's, and light or dark
follows it: a palette whose window colour is dark is the dark theme. Ours sit on the system's
backgrounds; `SYSTEM` holds the backgrounds they are measured against (Qt's Fusion light
palette, and a typical dark desktop palette, the one `reference_palette("dark")` makes). The
links' colour is ours too (`apply` sets it in the application's palette): the system's link
blue is unreadable on many dark backgrounds.

An entry kind's chip colour is the process's (`colour` in data/entry_kinds.yaml): the text on
a chip is `on_chip(colour)`, white when white reads on it, else black, so an organisation's own
colour is always readable too.

The style sheet (resources/style.qss) names our colours as `$name`; `stylesheet` fills them in.
"""

import re
from functools import lru_cache
from typing import NamedTuple

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from console.domain import SEVERITIES

THEMES = ("light", "dark")
TEXT, LARGE, MARK = 4.5, 3.0, 3.0  # WCAG AA: text, large text (14pt bold, 18pt), non-text marks

# The system's colours our colours are drawn on or beside, per theme: these are what the
# contrast is measured against. Keys are QPalette colour roles in snake case.
SYSTEM: dict[str, dict[str, str]] = {
    "light": {  # Qt's Fusion palette (the roles we draw on or beside)
        "window": "#efefef", "window_text": "#000000", "base": "#ffffff", "alternate_base": "#f7f7f7",
        "text": "#000000", "button": "#efefef", "button_text": "#000000", "highlight": "#308cc6",
        "highlighted_text": "#ffffff", "mid": "#b8b8b8",
    },
    "dark": {  # a dark desktop palette (scripts/board_demo.py's dark screenshots use it)
        "window": "#1e1f22", "window_text": "#e6e6e6", "base": "#141517", "alternate_base": "#26282c",
        "text": "#e6e6e6", "button": "#2b2d31", "button_text": "#e6e6e6", "highlight": "#3d6fb0",
        "highlighted_text": "#ffffff", "tool_tip_base": "#2b2d31", "tool_tip_text": "#e6e6e6",
        "placeholder_text": "#9a9da3", "mid": "#4a4d52", "light": "#5a5d63", "midlight": "#3a3d42",
        "dark": "#101113", "shadow": "#000000", "bright_text": "#ffffff",
    },
}

# Our colours: name -> (light, dark).
COLOURS: dict[str, tuple[str, str]] = {
    # text on the window's backgrounds
    "link": ("#1a5fb4", "#8ab4f8"),
    "danger": ("#b3261e", "#ff8a80"),  # errors, overdue times and tasks, findings
    "muted": ("#5f6670", "#a3a9b3"),  # hints, "nobody holds this role"
    # marks and borders (not text)
    "warning": ("#b35c00", "#e8a33d"),  # the role warnings' border, a pinned entry's mark
    "accent": ("#2a7aa0", "#5fb3d4"),  # the border of a prompt for the moment
    "check": ("#1a5fb4", "#8ab4f8"),  # a done checklist step's box (ui/checklist_rows.py)...
    "tick": ("#ffffff", "#141517"),  # ...and the tick in it
    # fills, with on_fill text on them
    "on_fill": ("#ffffff", "#ffffff"),
    "danger_fill": ("#b3261e", "#b3261e"),  # the banner, the check-back alert
    "neutral_fill": ("#5f6670", "#5f6670"),  # a chip with no severity, or no kind yet
    # severities: the header's chip and the metrics bars (fill), the incident list (text)
    "sev1": ("#c62f3f", "#c62f3f"), "sev1_text": ("#b3261e", "#ff8a80"),
    "sev2": ("#b35c00", "#b35c00"), "sev2_text": ("#a34f00", "#f0a050"),
    "sev3": ("#857000", "#857000"), "sev3_text": ("#7a6200", "#e0c040"),
    "sev4": ("#1b7bb7", "#1b7bb7"), "sev4_text": ("#1b6aa5", "#7fb8e8"),
    "sev5": ("#6d7583", "#6d7583"), "sev5_text": ("#5f6670", "#a3a9b3"),
}
CHIP_TEXT_DARK = "#000000"  # on a chip colour that white does not read on

LEVELS = SEVERITIES  # each has a colour pair above (checked by the contrast pairs below)
_WINDOW_BACKGROUNDS = ("window", "base", "alternate_base")


class Pair(NamedTuple):
    """A colour drawn on (or beside) each of `on`, and the contrast it needs there."""

    colour: str
    on: tuple[str, ...]
    minimum: float
    where: str


PAIRS: tuple[Pair, ...] = (
    Pair("link", _WINDOW_BACKGROUNDS, TEXT, "links: the role card's handbook link, the prompts' ›, 'why'"),
    Pair("danger", _WINDOW_BACKGROUNDS, TEXT, "errors, overdue tasks and updates, lint findings"),
    Pair("muted", _WINDOW_BACKGROUNDS, TEXT, "hints and empty holders"),
    Pair("warning", _WINDOW_BACKGROUNDS, MARK, "the warnings' border, the pin mark"),
    Pair("danger", ("window",), MARK, "the strong warnings' border, the lint underline"),
    Pair("accent", ("window", "alternate_base"), MARK, "the border of a prompt for the moment"),
    Pair("check", _WINDOW_BACKGROUNDS, MARK, "a done checklist step's box"),
    Pair("tick", ("check",), TEXT, "the tick in a done step's box (read like text: done or not)"),
    Pair("on_fill", ("danger_fill", "neutral_fill", *(f"sev{n}" for n in LEVELS)), TEXT,
         "the banner, the check-back alert, the severity chip, a chip with no kind"),
    *(Pair(f"sev{n}", ("window",), MARK, "the metrics chart's bars") for n in LEVELS),
    *(Pair(f"sev{n}_text", ("base", "alternate_base"), TEXT, "the incident list's severity") for n in LEVELS),
)


# -- the contrast of two colours (WCAG 2.x) --------------------------------------------------

def luminance(colour: str) -> float:
    """The relative luminance of `#rrggbb`."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def ratio(first: str, second: str) -> float:
    """The contrast ratio of two `#rrggbb` colours, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# -- names to colours -------------------------------------------------------------------------

def value(name: str, theme: str) -> str:
    """`#rrggbb` of one of our colours, or of a system colour, in `theme`."""
    if name in COLOURS:
        return COLOURS[name][THEMES.index(theme)]
    return SYSTEM[theme][name]


def severity(level: int | None, *, text: bool = False) -> str:
    """The name of a severity's colour: its fill (`text=False`) or its colour as text."""
    if level in LEVELS:
        return f"sev{level}_text" if text else f"sev{level}"
    return "muted" if text else "neutral_fill"


@lru_cache(maxsize=256)
def on_chip(fill: str) -> str:
    """The text colour for a chip of colour `fill`: white if it reads at 4.5:1, else black."""
    white = COLOURS["on_fill"][0]
    return white if ratio(white, fill) >= TEXT else CHIP_TEXT_DARK


def theme_of(palette: QPalette) -> str:
    """"dark" when the palette's window colour is dark."""
    return "dark" if palette.color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def current_theme() -> str:
    return theme_of(QGuiApplication.palette())


def hex_colour(name: str) -> str:
    """`#rrggbb` of one of our colours in the application's theme now (for style snippets)."""
    return value(name, current_theme())


@lru_cache(maxsize=128)
def _qcolor(name: str, theme: str) -> QColor:
    return QColor(value(name, theme))


def colour(name: str) -> QColor:
    """One of our colours in the application's theme now, for models and painters."""
    return QColor(_qcolor(name, current_theme()))


# -- the style sheet and the application ------------------------------------------------------


def set_state(widget: QWidget, name: str, value: object) -> None:
    """Set a property the style sheet selects on (`#findings[ok="true"]`) and have the widget
    styled anew: Qt does not restyle a widget when one of its properties changes."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


_NAME = re.compile(r"\$([a-z][a-z0-9_]*)")


def stylesheet(source: str, theme: str) -> str:
    """The style sheet `source` with each `$name` replaced by that colour in `theme`."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in COLOURS:
            raise KeyError(f"style sheet: ${name} is no colour of ui/palette.py")
        return COLOURS[name][THEMES.index(theme)]

    return _NAME.sub(fill, source)


def apply(app: QGuiApplication, source: str) -> None:
    """Give the application our links' colour and the style sheet, in the system's theme now;
    again whenever the system switches between light and dark."""
    def restyle() -> None:
        theme = current_theme()
        palette = app.palette()
        link = QColor(value("link", theme))
        if palette.color(QPalette.ColorRole.Link) != link or palette.color(QPalette.ColorRole.LinkVisited) != link:
            palette.setColor(QPalette.ColorRole.Link, link)
            palette.setColor(QPalette.ColorRole.LinkVisited, link)
            app.setPalette(palette)
        app.setStyleSheet(stylesheet(source, theme))

    restyle()
    hints = app.styleHints()
    later = lambda *_: QTimer.singleShot(0, restyle)  # noqa: E731 - once the new palette is in
    previous = getattr(app, "_console_restyle", None)
    if previous is not None:
        hints.colorSchemeChanged.disconnect(previous)
    app._console_restyle = later  # one connection per application, to the newest style sheet
    hints.colorSchemeChanged.connect(later)


def reference_palette(theme: str) -> QPalette:
    """A QPalette of `SYSTEM[theme]` (the screenshots' dark theme; tests in either theme)."""
    palette = QPalette()
    for role, colour_hex in SYSTEM[theme].items():
        qt_role = getattr(QPalette.ColorRole, "".join(part.capitalize() for part in role.split("_")))
        palette.setColor(qt_role, QColor(colour_hex))
    palette.setColor(QPalette.ColorRole.Link, QColor(value("link", theme)))
    palette.setColor(QPalette.ColorRole.LinkVisited, QColor(value("link", theme)))
    return palette
