"""The board as people read it (issue 11, found by the end-to-end run): every checklist step is
shown whole at every width, a done step's box shows a tick in both themes, every role's name
and the role card are whole with no empty gap under them, and a wrapped task goes on under its
own text. Real widgets offscreen over a real store; what is checked is what is drawn (the
rows' rectangles, and the pixels of the boxes and of the tasks' lines).
"""

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QStyle

from console.service import IncidentService
from ui import app as ui_app
from ui import palette

LONG_TASK = "confirm the rollback finished on all twelve hosts and that the error rate is back under one per cent"


def contrast(a: QColor, b: QColor) -> float:
    return palette.ratio(a.name(), b.name())


@pytest.fixture
def dark(qapp):
    """The application in the dark reference palette; the light one put back afterwards."""
    before, sheet = qapp.palette(), qapp.styleSheet()
    qapp.setPalette(palette.reference_palette("dark"))
    yield qapp
    qapp.setPalette(before)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def board(qtbot, where, clock):
    """A SEV-2 mid-call (three people named, two roles it needs empty, three open tasks, two
    steps ticked) on the real window."""
    service = IncidentService.open(where.db_path, clock)
    try:
        incident = service.incidents.declare("Checkout returns 502 errors for EU customers", by="Ana",
                                             severity=2, declared_at=clock.now() - timedelta(minutes=30)).incident
        for role, person in (("ic", "Ana Alvarez"), ("deputy", "Ben Okafor"), ("scribe", "Cy Mwangi")):
            service.roster.assign(incident.id, role, person, by="Ana")
        service.tasks.add(incident.id, "Dee Patel", 10, LONG_TASK, by="Ana")
        service.tasks.add(incident.id, "Ben Okafor", 15, "check the canary dashboards for 4121", by="Ana")
        service.tasks.add(incident.id, "Eve Larsen", 20, "draft the status page post", by="Ana")
        for item in ("ic-during-01-announce", "ic-during-02-no-ic"):
            service.checklist.set(incident.id, item, True, by="Ana", label=item)
    finally:
        service.close()
    window = ui_app.build(where, clock=clock, author="Ana")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.writer.is_ready and window.process is not None, timeout=5000)
    window.show()
    window.open_incident(incident.id)
    yield window
    window.close()


def sized(qtbot, window, width, height):
    window.resize(width, height)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height), timeout=3000)
    qtbot.wait(100)  # the queued re-fit, the delayed item layouts
    QApplication.processEvents()


def wrapped_lines(font, text: str, width: int) -> int:
    """How many lines `text` takes at least, wrapped at `width` (more where less room is left)."""
    metrics = QFontMetrics(font)
    box = metrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, text)
    return round(box.height() / metrics.lineSpacing())


def steps(page):
    model = page.checklist_model
    for group in range(model.rowCount()):
        parent = model.index(group, 0)
        for row in range(model.rowCount(parent)):
            yield model.index(row, 0, parent)


# -- 1. the checklist's steps, whole ---------------------------------------------------------------

def test_every_checklist_step_is_shown_whole_at_every_width(qtbot, board):
    page = board.incident_page
    tree = page.checklist_panel.tree
    for width, height in ((1920, 1080), (1366, 768), (1600, 900)):  # narrower, then wider again
        sized(qtbot, board, width, height)
        assert not page.narrow
        cut = []
        for index in steps(page):
            rect = tree.visualRect(index)
            text = index.data()
            font = index.data(Qt.ItemDataRole.FontRole) or tree.font()
            lines = wrapped_lines(font, text, rect.width())
            if rect.height() < lines * QFontMetrics(font).height():
                cut.append((text, rect.height(), lines))
        assert cut == [], f"at {width}x{height} these steps are cut to fewer lines than they need: {cut}"
        # The longest step really takes more than one line here: the check can fail.
        assert any(tree.visualRect(i).height() > 2 * tree.fontMetrics().height() for i in steps(page))


def test_every_checklist_step_is_whole_in_the_narrow_board(qtbot, board):
    page = board.incident_page
    sized(qtbot, board, 500, 740)
    assert page.narrow
    page.show_panel(page.checklist_panel)
    qtbot.wait(50)
    tree = page.checklist_panel.tree
    shown = [i for i in steps(page) if tree.visualRect(i).intersects(tree.viewport().rect())]
    assert shown
    longest = 1
    for index in shown:
        rect = tree.visualRect(index)
        lines = wrapped_lines(index.data(Qt.ItemDataRole.FontRole) or tree.font(), index.data(), rect.width())
        assert rect.height() >= lines * tree.fontMetrics().height(), index.data()
        longest = max(longest, lines)
    assert longest >= 2  # a step too long for one line is among them: the check can fail


# -- 2. a done step shows a tick ---------------------------------------------------------------------

def _box(image: QImage, rect: QRect, background: QColor) -> QRect:
    """The box drawn at the start of the step's row at `rect`: the first run of columns with
    anything drawn in them (the text starts after a gap), as tall as what is drawn there."""
    def drawn(x, ys):
        return [y for y in ys if contrast(image.pixelColor(x, y), background) > 1.5]

    band = range(rect.top(), min(rect.bottom(), rect.top() + QFontMetrics(QApplication.font()).height() + 6))
    x = rect.left()
    while x < rect.left() + 60 and not drawn(x, band):
        x += 1
    left, ys = x, []
    while x < rect.right() and (column := drawn(x, band)):
        ys += column
        x += 1
    if not ys:
        raise AssertionError(f"no box drawn in {rect}")
    return QRect(left, min(ys), x - left, max(ys) - min(ys) + 1)


def _colours(image: QImage, rect: QRect) -> list[QColor]:
    return [image.pixelColor(x, y) for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)]


def _dominant(colours: list[QColor]) -> QColor:
    counts: dict[str, int] = {}
    for colour in colours:
        counts[colour.name()] = counts.get(colour.name(), 0) + 1
    return QColor(max(counts, key=counts.get))


@pytest.mark.parametrize("theme", palette.THEMES)
def test_a_done_step_shows_a_tick_in_either_theme(qtbot, request, theme):
    if theme == "dark":
        request.getfixturevalue("dark")
    window = request.getfixturevalue("board")
    page = window.incident_page
    sized(qtbot, window, 1366, 768)
    tree = page.checklist_panel.tree
    tree.clearSelection()
    tree.setCurrentIndex(page.checklist_model.index(0, 0))  # a group's heading: no step selected
    indexes = list(steps(page))
    done = next(i for i in indexes if i.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked)
    open_ = next(i for i in indexes if i.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked)
    image = tree.viewport().grab().toImage()
    background = tree.palette().color(tree.viewport().backgroundRole())
    empty_box = _box(image, tree.visualRect(open_), background)
    assert 8 <= empty_box.width() <= 24, empty_box
    # The done step's box sits where the open one's does, on its own row.
    offset = empty_box.top() - tree.visualRect(open_).top()
    done_box = QRect(empty_box.left(), tree.visualRect(done).top() + offset, empty_box.width(), empty_box.height())
    inside = done_box.adjusted(2, 2, -2, -2)
    colours = _colours(image, inside)
    fill = _dominant(colours)
    tick = [c for c in colours if contrast(c, fill) >= 3]
    assert len(tick) >= len(colours) // 10, \
        f"{theme}: the done box is a plain {fill.name()} square ({len(tick)} of {len(colours)} pixels differ)"
    # A tick in a colour that reads on the fill, and a fill that stands out from an open box.
    assert max(contrast(c, fill) for c in tick) >= 4.5
    open_fill = _dominant(_colours(image, empty_box.adjusted(2, 2, -2, -2)))
    assert contrast(fill, open_fill) >= 3, (fill.name(), open_fill.name())


# -- 3. the roles panel ------------------------------------------------------------------------------

def _in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080), (680, 740)])
def test_every_role_and_the_role_card_are_whole(qtbot, board, size):
    page = board.incident_page
    sized(qtbot, board, *size)
    panel, table, model = page.roles_panel, page.roles_panel.table, page.roles_model
    if page.narrow:
        page.show_panel(page.roles_panel)
        qtbot.waitUntil(lambda: panel.scroll.viewport().width() >= size[0] - 60, timeout=3000)  # laid out
        qtbot.wait(50)
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    names = [model.index(row, 0) for row in range(model.rowCount())]
    assert any(i.data() == "Incident Commander Shadow" for i in names)
    for index in names:
        font = index.data(Qt.ItemDataRole.FontRole) or table.font()
        width = table.columnWidth(0) - margin
        metrics = QFontMetrics(font)
        fits = metrics.horizontalAdvance(index.data()) <= width
        assert fits or table.rowHeight(index.row()) >= wrapped_lines(font, index.data(), width) * metrics.height(), \
            f"{index.data()!r} is cut at {size}: {width} px across, {table.rowHeight(index.row())} px tall"
    viewport = panel.scroll.viewport()
    card = panel.card
    assert card.isVisible() and card.height() >= card.heightForWidth(card.width())
    if page.narrow:  # one panel in half a screen: the roles scroll, the card in one piece
        panel.scroll.ensureWidgetVisible(card, 0, 0)
    assert viewport.rect().contains(_in(card, viewport)), f"the role card is cut at {size}"
    if not page.narrow:
        # Nothing empty under the card: the room left over is the tasks panel's.
        gap = panel.height() - (_in(card, panel).bottom() + 1)
        assert gap <= 12, f"{gap} px empty under the role card at {size}"
        assert page.tasks_panel.view.isVisible()


def test_the_tasks_panel_takes_the_room_the_roles_do_not_need(qtbot, board):
    page = board.incident_page
    sized(qtbot, board, 1920, 1080)
    roles_height = page.roles_panel.height()
    sized(qtbot, board, 1920, 1200)
    assert page.roles_panel.height() == roles_height  # the roles need no more
    assert page.tasks_panel.height() >= 300


# -- 4. a wrapped task hangs under its text ----------------------------------------------------------

def _ink_lines(image: QImage, rect: QRect, background: QColor) -> list[tuple[int, int, int]]:
    """Each line of text in `rect` (a frame at its edges left out): (top, bottom, leftmost x)."""
    lines, current = [], None
    inside = rect.adjusted(2, 2, -2, -2).intersected(image.rect().adjusted(0, 0, 0, -2))
    for y in range(inside.top(), inside.bottom() + 1):
        xs = [x for x in range(inside.left(), inside.right() + 1)
              if contrast(image.pixelColor(x, y), background) > 2]
        if xs and current is None:
            current = [y, y, min(xs)]
        elif xs:
            current[1], current[2] = y, min(current[2], min(xs))
        elif current is not None:
            lines.append(tuple(current))
            current = None
    if current is not None:
        lines.append(tuple(current))
    return lines


def test_a_wrapped_task_goes_on_under_its_own_text(qtbot, board):
    page = board.incident_page
    sized(qtbot, board, 1366, 768)
    view = page.tasks_panel.view
    model = page.tasks_model
    row = next(r for r in range(model.rowCount()) if model.task_at(r).text == LONG_TASK)
    page.note_edit.setFocus()  # the list without the keyboard: no focus frame on it
    view.clearSelection()
    index = model.index(row, 0)
    rect = view.visualRect(index)
    image = view.viewport().grab().toImage()
    lines = _ink_lines(image, rect, view.palette().color(view.viewport().backgroundRole()))
    assert len(lines) >= 2, f"the long task is not wrapped: {lines}"
    text = index.data()
    font = index.data(Qt.ItemDataRole.FontRole) or view.font()
    text_starts = rect.left() + QFontMetrics(font).horizontalAdvance(text[:text.index("T1 ")])
    for top, _, left in lines[1:]:
        assert left >= text_starts - 1, f"a later line starts at x={left}, under the countdown (text at {text_starts})"
    assert lines[0][2] < text_starts  # the countdown itself is left of the text
