"""The board beside a video call: the real app on a 680x740 screen, by keyboard. Panels are
tabs; every key still reaches its panel; the timeline keeps a readable width; bars never draw
over what they belong to; and each incident numbers its own tasks from T1."""

import pytest

from console.vocabulary import COMMANDER, Vocabulary
from tests.e2e.desktop import Desktop
from tests.e2e.driver import App

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 680, 740


@pytest.fixture(scope="module")
def narrow(can_run, workdir):
    """The app on its own screen of 680x740, the window filling it."""
    with Desktop(WIDTH, HEIGHT) as small:
        app = App(small, workdir / "narrow")
        try:
            app.start()
            app.resize(WIDTH, HEIGHT)
            yield app
        finally:
            app.stop()
        assert app.problems() == [], app.output()


def overlap(a: tuple, b: tuple) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def declare(app: App, title: str) -> None:
    app.press("declare")
    app.wait_shows("New incident title")
    app.line(title)
    app.wait(lambda: title in app.title(), 10, f"the board of {title!r}")


def test_tabs_keys_and_widths_at_680_by_740(narrow):
    app = narrow
    declare(app, "Search results empty")
    screen = app.screen()
    tabs = [n.words for n in screen.nodes("page tab")]
    assert [t.split()[0] for t in tabs] == ["Timeline", "Tasks", "Roles", "Checklist"], tabs
    timeline = next(n for n in screen.nodes("list") if n.name == "Timeline")
    assert app._a11y.extents(timeline)[2] >= WIDTH * 0.8  # not the ~100 px of a squeezed column

    # Ctrl+R shows Roles with its bar; the bar sits above the table, not on it.
    app.press("assign")
    screen = app.wait_shows("Role?")
    bar = next(n for n in screen.focused() if n.name.startswith("Role?"))
    table = screen.named("Roles")
    assert table is not None, str(screen)
    assert not overlap(app._a11y.extents(bar), app._a11y.extents(table))
    app.type(Vocabulary.default().role_by_id(COMMANDER).key)
    app.line("Ana Alvarez")
    app.wait(lambda: [a.person for a in app.reader.roster.current(1) if a.role == COMMANDER] == ["Ana Alvarez"],
             10, "the IC")

    # Ctrl+T shows Tasks; the tab counts it.
    app.press("task")
    app.line("Ben Okafor 5 check the search cluster")
    app.wait(lambda: app.reader.tasks.all(1), 10, "the task")
    app.wait(lambda: any(n.words.startswith("Tasks 1") for n in app.screen().nodes("page tab")), 5, "Tasks 1")

    # F6 reaches a panel on a tab that is not showing: its tab comes up.
    app.press("focus_note")
    for _ in range(6):
        app.press("next_panel")
        screen = app.screen()
        if screen.has_focus("Tasks"):
            break
    else:
        raise AssertionError(f"F6 never reached Tasks\n{screen}")
    selected = [n.words for n in screen.nodes("page tab") if n.selected]
    assert selected and selected[0].startswith("Tasks"), selected

    # Ctrl+PgDown and Ctrl+PgUp (the table's) switch the tabs; the keyboard goes along.
    app.press("next_tab")
    app.wait(lambda: app.screen().has_focus("Roles"), 5, "the Roles tab's table")
    app.press("previous_tab", 2)
    app.wait(lambda: app.screen().has_focus("Timeline"), 5, "the Timeline tab's list")
    selected = [n.words for n in app.screen().nodes("page tab") if n.selected]
    assert selected and selected[0].startswith("Timeline"), selected


def test_each_incident_numbers_its_own_tasks(narrow):
    app = narrow
    app.press("back")
    app.wait(lambda: app.title() == "Incident Console", 5, "the list")
    declare(app, "Password reset mails late")
    app.press("task")
    app.line("Cy Mwangi 10 look at the mail queue")
    task = app.wait(lambda: app.reader.tasks.all(2), 10, "INC-2's task")[0]
    assert task.ref == "T1" and [t.ref for t in app.reader.tasks.all(1)] == ["T1"]
    app.wait_shows("T1 Cy Mwangi")
