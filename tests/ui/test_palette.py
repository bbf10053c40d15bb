"""Colours everyone can read: every pair the console draws (text on its background, a mark
beside its background) meets WCAG AA in the light and in the dark theme, measured here with
the WCAG relative-luminance formula written out afresh; every colour is declared once, in
ui/palette.py, and the window uses the dark ones when the system's palette is dark."""

import random
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from console.process import load_process
from ui import app as ui_app
from ui import palette

ROOT = Path(__file__).resolve().parents[2]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
NAMED = re.compile(r"""["'\s:](white|black|red|green|blue|gray|grey|yellow|orange)["';\s]""")


def wcag_ratio(first: str, second: str) -> float:
    """WCAG 2.x: (L1 + 0.05) / (L2 + 0.05) of the relative luminances, lighter first."""
    def channel(value: int) -> float:
        srgb = value / 255
        return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4

    def relative_luminance(colour: str) -> float:
        r, g, b = (channel(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_gives_the_known_ratios():
    assert wcag_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert wcag_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert wcag_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert wcag_ratio("#0000ff", "#1e1f22") < 3  # Qt's default link blue on a dark window
    rng = random.Random(11)
    for _ in range(500):
        a, b = (f"#{rng.randrange(1 << 24):06x}" for _ in range(2))
        assert palette.ratio(a, b) == pytest.approx(wcag_ratio(a, b))


@pytest.mark.parametrize("theme", palette.THEMES)
def test_every_pair_meets_aa(theme):
    measured = [(pair.colour, on, round(wcag_ratio(palette.value(pair.colour, theme), palette.value(on, theme)), 2),
                 pair.minimum)
                for pair in palette.PAIRS for on in pair.on]
    assert len(measured) >= 30
    below = [m for m in measured if m[2] < m[3]]
    assert below == [], f"{theme}: below WCAG AA (colour, on, ratio, needed): {below}"


def test_every_colour_of_ours_is_measured_and_used():
    measured = {p.colour for p in palette.PAIRS} | {on for p in palette.PAIRS for on in p.on}
    assert set(palette.COLOURS) <= measured
    sources = "\n".join(path.read_text(encoding="utf-8") for path in [*(ROOT / "ui").glob("*.py"),
                                                                    ROOT / "resources" / "style.qss"]
                        if path.name != "palette.py")
    used = set(re.findall(r"\$([a-z][a-z0-9_]*)", sources)) | set(re.findall(r"""["']([a-z][a-z0-9_]*)["']""", sources))
    reached_otherwise = {"link"}  # palette.apply gives it to the application (tested below)
    unused = sorted(name for name in palette.COLOURS
                    if name not in used | reached_otherwise and not re.fullmatch(r"sev\d(_text)?", name))
    assert unused == []
    assert "palette.severity(" in sources  # how the sevN names are reached


@pytest.mark.parametrize("theme", palette.THEMES)
def test_every_entry_kind_chip_reads_in_both_themes(theme):
    kinds = load_process().items("entry_kinds")
    assert len(kinds) == 16
    white = palette.value("on_fill", theme)
    low = {k["id"]: round(wcag_ratio(white, k["colour"]), 2) for k in kinds if wcag_ratio(white, k["colour"]) < 4.5}
    assert low == {}, f"white text on these chips is below 4.5:1: {low}"
    assert {palette.on_chip(k["colour"]) for k in kinds} == {white}  # one look: white on every chip
    # Chips are also marks beside the background: 3:1 there too.
    for background in ("base", "window"):
        marks = {k["id"]: round(wcag_ratio(k["colour"], palette.value(background, theme)), 2) for k in kinds}
        assert min(marks.values()) >= 3, (background, marks)


def test_any_colour_an_organisation_picks_gets_readable_chip_text():
    rng = random.Random(7)
    colours = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)] + [f"#{rng.randrange(1 << 24):06x}" for _ in range(3000)]
    worst = min(wcag_ratio(palette.on_chip(c), c) for c in colours)
    assert worst >= 4.5


def test_the_style_sheet_names_every_colour_and_writes_none():
    source = (ROOT / "resources" / "style.qss").read_text(encoding="utf-8")
    assert HEX.findall(source) == [] and NAMED.findall(source) == []
    names = set(re.findall(r"\$([a-z][a-z0-9_]*)", source))
    assert names and names <= set(palette.COLOURS)
    for theme in palette.THEMES:
        rendered = palette.stylesheet(source, theme)
        assert "$" not in rendered
        assert f"#banner {{ background: {palette.value('danger_fill', theme)}; color: {palette.value('on_fill', theme)};" in rendered
        assert f"#findings {{ color: {palette.value('danger', theme)}; }}" in rendered
    with pytest.raises(KeyError, match=r"\$nosuch"):
        palette.stylesheet("#x { color: $nosuch; }", "light")


def test_no_colour_is_written_anywhere_else_in_the_window():
    found = []
    for path in sorted((ROOT / "ui").glob("*.py")):
        if path.name == "palette.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HEX.search(line) or re.search(r"""QColor\(["'][a-z]+["']\)|color:\s*(white|black)""", line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


def test_the_reference_palettes_are_what_the_pairs_are_measured_against(qapp):
    for theme in palette.THEMES:
        built = palette.reference_palette(theme)
        assert palette.theme_of(built) == theme
        for role in ("window", "base", "alternate_base", "text"):
            qt_role = getattr(QPalette.ColorRole, "".join(part.capitalize() for part in role.split("_")))
            assert built.color(qt_role).name() == palette.value(role, theme)


# -- the window, in each theme ------------------------------------------------------------

@pytest.fixture
def dark(qapp):
    """The application in the dark reference palette; the light one put back afterwards."""
    before, sheet = qapp.palette(), qapp.styleSheet()
    qapp.setPalette(palette.reference_palette("dark"))
    yield qapp
    qapp.setPalette(before)
    qapp.setStyleSheet(sheet)


def build(qtbot, where, clock):
    win = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.writer.is_ready and win.process is not None, timeout=5000)
    return win


def live_ratio(widget, role=QPalette.ColorRole.WindowText, on=QPalette.ColorRole.Window) -> float:
    widget.ensurePolished()
    return wcag_ratio(widget.palette().color(role).name(), widget.palette().color(on).name())


def test_the_dark_window_uses_the_dark_colours(qtbot, where, clock, dark, service):
    service.incidents.declare("Checkout down", by="Ana", severity=4)
    win = build(qtbot, where, clock)
    app = QApplication.instance()
    assert palette.current_theme() == "dark"
    link = app.palette().color(QPalette.ColorRole.Link).name()
    assert link == palette.value("link", "dark")
    assert wcag_ratio(link, palette.value("window", "dark")) >= 4.5  # was #0000ff's 1.9:1 here
    message = win.list_page.declare_bar.message
    assert live_ratio(message) >= 4.5 and message.palette().color(QPalette.ColorRole.WindowText).name() == \
        palette.value("danger", "dark")
    severity = win.list_model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole)
    assert severity.name() == palette.value("sev4_text", "dark")
    assert wcag_ratio(severity.name(), palette.value("base", "dark")) >= 4.5
    win.close()


def test_the_light_window_uses_the_light_colours(qtbot, where, clock, service):
    service.incidents.declare("Checkout down", by="Ana", severity=4)
    win = build(qtbot, where, clock)
    assert palette.current_theme() == "light"
    assert QApplication.instance().palette().color(QPalette.ColorRole.Link).name() == palette.value("link", "light")
    message = win.list_page.declare_bar.message
    assert live_ratio(message) >= 4.5
    assert message.palette().color(QPalette.ColorRole.WindowText).name() == palette.value("danger", "light")
    severity = win.list_model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole)
    assert severity.name() == palette.value("sev4_text", "light")
    win.close()


def test_a_switch_to_dark_while_running_restyles_the_window(qtbot, where, clock, dark):
    app = QApplication.instance()
    app.setPalette(palette.reference_palette("light"))
    win = build(qtbot, where, clock)
    message = win.list_page.declare_bar.message
    message.ensurePolished()
    assert message.palette().color(QPalette.ColorRole.WindowText).name() == palette.value("danger", "light")
    app.setPalette(palette.reference_palette("dark"))  # what the system does when it turns dark...
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # ...and says so
    qtbot.waitUntil(lambda: palette.value("danger", "dark") in app.styleSheet())
    message.ensurePolished()
    assert message.palette().color(QPalette.ColorRole.WindowText).name() == palette.value("danger", "dark")
    win.close()
