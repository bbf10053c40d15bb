"""An Incident Commander runs a SEV-2 from declaration to export, by keyboard only, on the real
app (the installed command, on a virtual X screen, real key events).

The steps run in order over one app and one incident, as one story; each asserts what the
database recorded and what the window shows (its title, and its widgets as a screen reader
reads them). Keys come from the one table of actions (ui/actions.py), role letters and entry
prefixes from the process (data/*.yaml). Run the module whole: a step relies on the ones above.
"""

import html
import json
import re
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from console import board, exports, lint, paths, times
from console.vocabulary import COMMANDER, SCRIBE, Vocabulary
from tests.e2e.driver import action_key

pytestmark = [pytest.mark.e2e, pytest.mark.story]

WORDS = Vocabulary.default()
TITLE = "Checkout returns 502 errors"
IC, NEXT_IC, DEPUTY, SCRIBE_NAME = "Ana Alvarez", "Eve Larsen", "Ben Okafor", "Cy Mwangi"
HOST = "db-7.prod.internal"


def role_key(role_id: str) -> str:
    return WORDS.role_by_id(role_id).key


def prefix(kind_id: str) -> str:
    """The typing prefix of an entry kind (`d` for a decision)."""
    return next(k.key for k in WORDS.kinds if k.id == kind_id)


def entries(app, kind: str | None = None) -> list:
    return [e for e in app.reader.timeline.all(1) if kind is None or e.kind == kind]


def holders(app, role: str) -> list[str]:
    return [a.person for a in app.reader.roster.current(1) if a.role == role]


def focus_panel(app, name: str) -> None:
    """F6 (the table's "next panel") until the widget called `name` has the keyboard."""
    for _ in range(8):
        if app.screen().has_focus(name):
            return
        app.press("next_panel")
    raise AssertionError(f"F6 never reached {name!r}; focus is on {app.screen().focused()}")


class TestAnICsSev2:
    def test_declare_with_when_the_impact_began(self, app):
        assert app.title() == "Incident Console"
        app.press("declare")
        app.wait_shows("New incident title")
        app.type(TITLE)
        app.key("Tab")  # the severity: a digit picks the level
        app.type("2")
        app.key("Tab")  # when the impact began
        app.type("20m ago")
        app.key("Return")
        incident = app.wait(lambda: app.reader.incidents.all(), 10, "the incident in the database")[0]
        assert (incident.ref, incident.title, incident.severity, incident.status) == ("INC-1", TITLE, 2, "active")
        began = times.from_text(incident.declared_at) - times.from_text(incident.started_at)
        assert timedelta(minutes=19) < began < timedelta(minutes=21)
        app.wait_shows("impact began 20m")

    def test_the_title_names_the_incident_and_its_severity(self, app):
        title = app.wait(lambda: (t := app.title()) != "Incident Console" and t, 5, "the title to change")
        assert "INC-1" in title and "SEV-2" in title and TITLE in title

    def test_roles_by_the_role_bar_and_by_the_note_box(self, app):
        app.press("assign")
        app.type(role_key(COMMANDER))
        app.line(IC)
        app.wait(lambda: holders(app, COMMANDER) == [IC], 10, "the IC in the roster")
        # Focus is back in the note box: the other roles by command.
        app.line(f"/{WORDS.role_by_id('deputy').command} {DEPUTY}")
        app.line(f"/{WORDS.role_by_id(SCRIBE).command} {SCRIBE_NAME}")
        app.wait(lambda: holders(app, SCRIBE) == [SCRIBE_NAME] and holders(app, "deputy") == [DEPUTY], 10,
                 "deputy and scribe in the roster")
        screen = app.screen()
        table = screen.named("Roles")
        cells = [n.words for n in table.walk()]
        assert IC in cells and DEPUTY in cells and SCRIBE_NAME in cells
        assert not screen.shows("Nobody is Incident Commander")
        assert not screen.shows("No commander yet")  # the opening prompt went with the warning

    def test_notes_and_a_decision(self, app):
        notes = ["Error rate on checkout-api at 38% since the deploy",
                 "Deploy 4121 went out 2 minutes before the errors began"]
        for note in notes:
            app.line(note)
        decision = "roll back deploy 4121 -- objections: none"
        app.line(f"{prefix('decision')}: {decision}")
        app.wait(lambda: len(entries(app, "decision")) == 1, 10, "the decision")
        assert [e.text for e in entries(app, "note")][-2:] == notes
        assert entries(app, "decision")[0].text.startswith("roll back deploy 4121")
        assert entries(app, "decision")[0].author == IC
        app.wait_shows("roll back deploy 4121", role="list item")

    def test_a_task_whose_check_back_runs_out(self, app):
        # Back-dated so that its one-minute time-box runs out in a few seconds.
        assigned = datetime.now(timezone.utc) - timedelta(seconds=56)
        app.line(f"@{assigned:%Y-%m-%dT%H:%M:%SZ} /task {DEPUTY} 1m confirm the rollback finished")
        task = app.wait(lambda: app.reader.tasks.all(1), 10, "the task")[0]
        assert (task.ref, task.owner, task.done_at) == ("T1", DEPUTY, None)
        app.wait(lambda: any(e.text.startswith("Check-back due: T1") for e in entries(app, "task")), 20,
                 "the check-back entry")
        app.wait_shows("CHECK BACK NOW: T1")

    def test_the_overdue_task_is_extended(self, app):
        due_before = app.reader.tasks.all(1)[0].due_at
        focus_panel(app, "Tasks")
        app.press("task_extend")
        app.type("10")  # the bar's default is selected: typing replaces it
        app.key("Return")
        task = app.wait(lambda: (t := app.reader.tasks.all(1)[0]).due_at != due_before and t, 10, "the extension")
        assert app.rows("SELECT minutes FROM task_extensions") == [(10,)]
        # It had run out: the ten minutes count from when it was extended.
        assert times.from_text(task.due_at) == times.from_text(task.extensions[0].at) + timedelta(minutes=10)
        app.wait(lambda: not app.screen().shows("CHECK BACK NOW"), 5, "the alert to go")
        app.wait(lambda: not app.screen().shows("Time-box up?"), 5, "the time-box prompt to go")

    def test_checklist_ticks_move_down_the_list(self, app):
        steps = [item["id"] for checklist in board.checklists_for(WORDS.process, COMMANDER, "during", security=False)
                 for item in checklist["items"]]
        focus_panel(app, "Checklist")  # on the first group's heading
        app.key("Down")
        app.press("check")
        app.wait(lambda: len(app.rows("SELECT 1 FROM checks")) == 1, 10, "the first tick")
        app.key("Down")
        app.press("check")
        app.wait(lambda: len(app.rows("SELECT 1 FROM checks")) == 2, 10, "the second tick")
        ticks = app.rows('SELECT item_id, checked, "by" FROM checks ORDER BY id')
        assert ticks[0][0] != ticks[1][0], "the second Space ticked the same step again"
        assert ticks == [(steps[0], 1, IC), (steps[1], 1, IC)]
        state = app.reader.checklist.state(1)
        assert sorted(k for k, v in state.items() if v.checked) == sorted(steps[:2])
        app.wait_shows(f"2 of {len(steps)} done")

    def test_a_customer_update_naming_a_host_is_flagged_as_it_is_typed(self, app):
        app.press("focus_note")
        app.press("update")
        screen = app.wait_shows("Status update to")
        app.key("shift+Tab")  # from the text to the audience
        app.type("c")  # Customers
        app.wait_shows("Customers", role="combo box")
        app.key("Tab", "ctrl+a")  # back to the text; the template is replaced by what is typed
        app.type(f"We are investigating failed payments at checkout. {HOST} is being replaced.")
        screen = app.wait_shows("Internal detail")
        finding = screen.find(HOST, role="label")
        assert finding and "internal detail" in finding[0].words.casefold(), str(screen)
        app.press("send_update")
        update = app.wait(lambda: app.reader.updates.last(1, "customers"), 10, "the update as sent")
        assert HOST in update.text and update.by == IC
        assert any(e.text.startswith("Update to customers:") for e in entries(app))
        # Sent all the same: the composer closes, and the line under the note box says what the
        # rules found; the keyboard is back in the note box.
        said = app.wait_shows("Update to customers recorded").find("Update to customers recorded")[0].words
        assert HOST in said and "internal detail" in said.casefold(), said
        app.wait(lambda: app.screen().has_focus("Note"), 5, "the note box again")
        assert not app.screen().shows("Status update to") and "INC-1" in app.title()

    def test_a_customer_update_from_the_note_box_is_checked_too(self, app):
        text = f"Payments fail on {HOST}; a fix is being rolled out and should be complete in 15 minutes"
        app.press("focus_note")
        app.line(f"/update customers {text}")
        app.wait(lambda: len(app.reader.updates.all(1)) == 2, 10, "the second customer update")
        # Recorded all the same; the sender is told what the message rules found, the host and
        # the estimate among them.
        roster = sorted({a.person for a in app.reader.roster.all(1)})
        found = lint.lint_message(WORDS.process, text, "customers", roster=roster)
        assert any(f.text == HOST for f in found) and any("15 minutes" in f.text for f in found), found
        said = app.wait(lambda: next((n.words for n in app.screen().find("Update to customers recorded")
                                      if "15 minutes" in n.words), None), 10, "what the rules found")
        assert len(found) >= 3 and all(" ".join(f.summary.split()) in said for f in found), said  # every one

    def test_hand_over_of_command(self, app):
        app.press("assign")
        app.type(role_key(COMMANDER))
        app.line(NEXT_IC)
        app.wait(lambda: holders(app, COMMANDER) == [NEXT_IC], 10, "the new IC")
        terms = [a for a in app.reader.roster.all(1) if a.role == COMMANDER]
        assert [(a.person, a.to_at is None) for a in terms] == [(IC, False), (NEXT_IC, True)]
        assert entries(app, "handover")[-1].text == f"Command passed from {IC} to {NEXT_IC}"
        app.wait_shows(NEXT_IC, role="cell")

    def test_sev1(self, app):
        app.press("severity_1")
        app.wait(lambda: app.reader.incidents.get(1).severity == 1, 10, "SEV-1")
        assert len(entries(app, "severity")) == 1
        app.wait(lambda: "SEV-1" in app.title(), 5, "SEV-1 in the title")
        app.wait_shows("Severity SEV-1")

    def test_resolve_with_a_task_still_open(self, app):
        app.press("task")
        app.line("Dee Patel 30 watch the error rate for an hour")
        app.wait(lambda: len(app.reader.tasks.all(1, open_only=True)) == 2, 10, "the second task")
        assert app.reader.tasks.all(1, open_only=True)[-1].ref == "T2"
        app.press("status_resolved")
        app.wait(lambda: app.reader.incidents.get(1).status == "resolved", 10, "resolved")
        screen = app.wait_shows("2 tasks still open")
        assert screen.has_focus("Close the open tasks unfinished")
        app.key("Tab")
        app.wait(lambda: app.screen().has_focus("Hand the open tasks to follow-ups"), 5, "the hand-over button")
        app.key("Return")
        app.wait(lambda: not app.reader.tasks.all(1, open_only=True), 10, "the open tasks closed")
        followups = {(f.text, f.owner) for f in app.reader.followups.all(1)}
        assert {("watch the error rate for an hour", "Dee Patel"),
                ("confirm the rollback finished", DEPUTY)} <= followups
        app.wait_shows("handed to follow-ups")

    def test_the_clocks_stop_at_resolve(self, app):
        incident = app.reader.incidents.get(1)
        lasted = times.from_text(incident.resolved_at) - times.from_text(incident.declared_at)
        final = f"Resolved after {times.format_duration(lasted.total_seconds())}"
        first = app.wait_shows(final).find(final)[0].words
        time.sleep(1.5)  # more than the board's one-second tick
        assert app.screen().find(final)[0].words == first
        impact = times.from_text(incident.resolved_at) - times.from_text(incident.started_at)
        assert f"impact lasted {times.format_duration(impact.total_seconds())}" in first

    def test_close_out(self, app):
        app.press("close")
        app.wait_shows("Close the call")
        due = (datetime.now(timezone.utc) + timedelta(days=7)).date().isoformat()
        steps = ["1", "2", f"3 Dee Patel {due}", "4", "5 remove the temporary feature flag"]
        for number, step in enumerate(steps, 1):
            app.line(step)
            # A step leaves the bar as it is sent; what is typed next is never wiped.
            app.wait_shows(f"Step {number} logged")
        assert entries(app, "call_end")
        assert any(e.text == "Remaining discussion moves to the incident chat room" for e in entries(app, "note"))
        record = app.reader.postmortem.record(1)
        # typed at this seat, on the owner's behalf
        assert (record.owner, record.deadline[:10], record.ack_typed_by) == ("Dee Patel", due, app.author)
        assert record.acknowledged_at
        assert holders(app, "postmortem_owner") == ["Dee Patel"]
        assert any(e.text.endswith("remove the temporary feature flag") for e in entries(app, "todo"))
        # The timeline is longer than its view by now: it followed the newest entry down.
        timeline = next(n for n in app.screen().nodes("list") if n.name == "Timeline")
        drawn = [n for n in timeline.walk() if n.role == "list item"]  # only the rows on screen are read
        assert len(drawn) < len(entries(app))
        assert "remove the temporary feature flag" in drawn[-1].words and app.in_view(drawn[-1], timeline)
        app.key(action_key("back"))  # Esc: in a bar it closes the bar, and only the bar
        app.wait(lambda: not app.screen().shows("Close the call"), 5, "the bar to close")
        assert "INC-1" in app.title()
        assert app.screen().shows("Dee Patel", role="cell")

    def test_the_post_mortem_with_its_timeline(self, app):
        app.press("postmortem")
        editor = app.wait(lambda: app.find_window("Post-mortem: INC-1"), 10, "the post-mortem editor")
        app.desktop.xdotool("windowfocus", "--sync", editor)
        screen = app.wait_shows("Post-mortem text")
        text = screen.named("Post-mortem text").text
        # Nothing was pinned: the timeline section is filled from the scribe's log.
        timeline = re.search(r"^## \d+\. Timeline$(.*?)(?=^## )", text, re.M | re.S)
        assert timeline, text
        rows = html.unescape(timeline[1])  # Markdown source: `->` is written `-&gt;`
        for moment in ("Impact began", "roll back deploy 4121", "Severity SEV-2 -> SEV-1", "Update to customers",
                       f"Command passed from {IC} to {NEXT_IC}", "Status active -> resolved"):
            assert moment in rows, f"{moment!r} missing from the post-mortem's timeline:{rows}"
        app.press("postmortem_save")
        saved = app.wait(lambda: app.reader.postmortem.latest_text(1), 10, "the saved post-mortem")
        assert saved.strip() == text.strip()
        app.key("Tab")  # moves on to the next field; types no tab
        app.wait(lambda: not app.screen().has_focus("Post-mortem text"), 5, "Tab to leave the editor")
        assert app.screen().named("Post-mortem text").text == text
        app.press("close_window")
        app.wait(lambda: not app.find_window("Post-mortem: INC-1"), 5, "the editor to close")
        app.focus()

    def test_follow_ups_get_an_owner_a_due_date_and_a_ticket(self, app):
        app.press("followups")
        window = app.wait(lambda: app.find_window("Follow-ups"), 10, "the follow-ups window")
        app.desktop.xdotool("windowfocus", "--sync", window)
        for _ in range(4):
            if app.screen().has_focus("Follow-ups"):
                break
            app.key("Tab")
        app.key("Down")  # the first follow-up
        for action, typed in (("followup_owner", "Ben Okafor"), ("followup_due", "+7d"),
                              ("followup_ticket", "OPS-123")):
            before = app.reader.followups.all(1)
            app.press(action)
            app.line(typed)
            app.wait(lambda: app.reader.followups.all(1) != before, 10, f"{action} saved")
        item = next(f for f in app.reader.followups.all(1) if f.ticket == "OPS-123")
        assert (item.owner, item.due_on) == ("Ben Okafor", (date.today() + timedelta(days=7)).isoformat())
        app.desktop.close_window(window)
        app.wait(lambda: not app.find_window("Follow-ups"), 5, "the follow-ups window to close")
        app.focus()

    def test_export_everything(self, app):
        app.press("export")
        folder = paths.resolve(app.home).exports_dir
        wanted = {e.suffix for e in exports.every() if e.name != "ics"}  # no meeting booked: no invitation
        app.wait(lambda: folder.exists() and {p.suffix for p in folder.iterdir()} >= wanted, 15, "the exports")
        written = sorted(folder.iterdir())
        assert all(p.name.startswith("INC-1-") and p.stat().st_mode & 0o077 == 0 for p in written)
        data = json.loads(next(p for p in written if p.suffix == ".json").read_text())
        assert data["incident"]["status"] == "resolved" and data["incident"]["severity"] == 1
        assert 19 * 60 < data["metrics"]["time_to_declare"] < 21 * 60  # the impact began 20 minutes before
        texts = [item["text"] for item in data["timeline"]]
        assert any("roll back deploy 4121" in t for t in texts) and any(HOST in t for t in texts)
        app.wait_shows("Exported to")
