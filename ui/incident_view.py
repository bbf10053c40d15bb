"""One incident as the IC's board: what it shows, kept current, and what its keys do.

The widgets are built in `ui.board_layout`; the keys are rows of `ui.actions`; the scribe's
note box and timeline (`ui.scribe`), the prompts (`ui.prompts`), status updates
(`ui.status_updates`) and the close-out (`ui.close_out`) are controllers of their own, each
given what it needs. The page holds the incident, refreshes it once a second and after every
change, and is the one way to write: `send_line` (a line of the command language) or `_submit`
(a job for the writer thread).

Every change goes to the writer thread and shows only once committed; if a write fails, what
was typed stays and the reason is shown beside it. Nothing modal interrupts the call: alerts,
prompts and input bars all live inside the board. Time comes from the injected clock, ticked
once a second.
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from console import board, domain, times
from console.clock import Clock
from console.domain import Change, Incident
from console.errors import InputError
from console.queries import Reader
from console.uids import new_uid
from ui import actions
from ui.actions import Where
from ui.board_export import ask_keyring_then, export_everything
from ui.board_layout import BoardLayout
from ui.board_models import countdown
from ui.board_panels import CallModeWindow
from ui.chain_badge import ChainBadge
from ui.close_out import CloseOut
from ui.formatting import KindStyles, severity_text
from ui.incident_header import final_durations
from ui.preferences import CALL_MODE, SOUND, Preferences
from ui.prompts import Prompts
from ui.scribe import ScribeController
from ui.status_updates import StatusUpdates
from ui.subteam_controller import SubteamsController
from ui.timeline import TimelineModel
from ui.typing_to_note import TypingToNote
from ui.writer import StoreWriter

KEYRING_WAIT_S = 5  # an export waits this long for the keyring's signing key, then goes unsigned

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process


class IncidentPage(BoardLayout):
    """The board for one incident.

    Signals:
        handbook_requested(str): a page the person asked to read.
        incident_shown(Incident): the incident as just read (after every change), for the
            window's title.
    """

    handbook_requested = Signal(str)
    incident_shown = Signal(object)

    def __init__(
        self, reader: Reader, writer: StoreWriter, clock: Clock, author: str,
        process: "Process", zone: tzinfo | None = None, parent: QWidget | None = None,
        exports_dir=None, *, preferences: Preferences,
    ) -> None:
        super().__init__(clock, process, zone, parent)
        from console.commands import Language

        self.exports_dir = exports_dir
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._zone = zone
        self.process = process
        self.language = Language.from_process(process)  # every bar and the note box speak it
        self.author = author
        self.kinds = KindStyles.from_process(process)
        self.incident: Incident | None = None
        self._roles: list[domain.RoleAssignment] = []
        self._conflicts: list = []  # values consoles of a team changed concurrently (console.sync)
        self.preferences = preferences
        self.sound_on = preferences.get(SOUND)
        self._alerted: set[int] = set()
        self._marks_seen = 0
        self._tray = None
        self.call_window: CallModeWindow | None = None

        say = self.say_done
        self.prompts = Prompts(process, clock, self.prompt_strip,
                               audiences=lambda: ("everyone", self.checklist_panel.role()), say=say,
                               preferences=preferences)
        self.scribe = ScribeController(
            language=self.language, reader=reader, writer=writer, clock=clock, zone=zone, author=author,
            kinds=self.kinds, entry_kinds=process.items("entry_kinds"), capture=self.capture,
            timeline=self.timeline, palette=self.palette, entry_bar=self.entry_bar,
            history_label=self.history_label, finder=self.finder, submit=self._submit, people=self.people,
            teams=self.teams, people_notes=self.people_notes,
            show_moment=self.prompts.show_moment, open_composer=lambda: self.updates.open(),
            open_incident=lambda incident_id: self.show_incident(reader.incidents.get(incident_id)),
            keys=self._palette_keys,
        )
        self.updates = StatusUpdates(
            process=process, reader=reader, clock=clock, author=author,
            audiences=tuple(self.language.vocabulary.audiences), composer=self.composer,
            cadence_label=self.header.cadence_label, current=lambda: self.incident, commander=self.commander,
            actions=lambda: [f"{t.owner}: {t.text}" for t in self.tasks_model.tasks()],
            submit=self._submit, say=say, done=self.focus_note, warn=self.note_status.setText,
        )
        self.close_out = CloseOut(
            process=process, reader=reader, writer=writer, clock=clock, author=author,
            closing_bar=self.closing_bar, callout=self.callout, current=lambda: self.incident,
            roster=lambda: sorted({a.person for a in self._roles}, key=str.casefold),
            send_line=self.send_line, submit=self._submit, show_moment=self.prompts.show_moment,
            handbook_requested=self.handbook_requested, parent=self, preferences=preferences,
        )

        self.subteams = SubteamsController(
            process=process, reader=reader, clock=clock, zone=zone, panel=self.subteams_panel,
            finder=self.finder, prompts=self.prompts, send_line=self.send_line, say=say,
            warn=self.note_status.setText, focus_note=self.focus_note, place=self.place_subteams,
        )
        for source in (self.header, self.prompt_strip, self.roles_panel):
            source.handbook_requested.connect(self.handbook_requested)
        self.roles_panel.assign_requested.connect(self._on_assign_requested)
        self.tasks_panel.task_requested.connect(self._on_task_requested)
        self.tasks_panel.done_requested.connect(self._on_task_done)
        self.tasks_panel.extend_requested.connect(self._on_task_extend)
        self.tasks_panel.reassign_requested.connect(self._on_task_reassign)
        self.checklist_panel.toggle_requested.connect(self._on_toggle_check)
        self.checklist_panel.role_changed.connect(lambda _: self._load_checklists())
        self.closing_bar.cancelled.connect(self.focus_note)
        self.open_tasks_bar.close_requested.connect(lambda: self._close_open_tasks(to_followups=False))
        self.open_tasks_bar.hand_over_requested.connect(lambda: self._close_open_tasks(to_followups=True))
        self.open_tasks_bar.dismissed.connect(self.focus_note)
        self.actions_by_name = {
            **actions.install(self, Where.BOARD, page=self, prompts=self.prompts, scribe=self.scribe,
                              updates=self.updates, close_out=self.close_out),
            **actions.install(self.timeline, Where.TIMELINE, scribe=self.scribe),
        }
        TypingToNote(self.note_edit, (self.timeline, self.checklist_panel.tree,
                                      self.tasks_panel.view, self.subteams_panel.view, self.roles_panel.table), self)
        preferences.keep_panels(self)
        self.chain_badge = ChainBadge(reader.chain.path, self.header)  # checked on each opening
        self.header.top.addWidget(self.chain_badge, 0, Qt.AlignmentFlag.AlignTop)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    # -- who is on the call ----------------------------------------------------------------------

    @property
    def model(self) -> TimelineModel | None:
        """The timeline's model (the scribe's)."""
        return self.scribe.model

    def commander(self) -> str | None:
        return next((a.person for a in self._roles if a.role == "ic" and a.to_at is None), None)

    def people(self) -> list[str]:
        """Everyone holding a role or a task, then everyone in the directory, for completion."""
        return self._completion()[0]

    def _completion(self) -> tuple[list[str], dict[str, str]]:
        return self._reader.people.completion(
            {a.person for a in self._roles} | {t.owner for t in self.tasks_model.tasks()})

    def teams(self) -> list[str]:
        """The directory's teams, for completing /page."""
        return self._reader.people.teams()

    def people_notes(self) -> dict[str, str]:
        """Each directory name's team and whether on call, shown beside it when suggested."""
        return self._reader.people.completion(())[1]

    # -- focus -------------------------------------------------------------------------------------

    def focus_next_panel(self) -> None:
        order = self.focus_chain()
        current = QApplication.focusWidget()
        index = next((i for i, w in enumerate(order) if w is current), -1)
        for step in range(1, len(order) + 1):
            widget = order[(index + step) % len(order)]
            if self.can_focus(widget):  # narrow: a panel on another tab counts (its tab is shown)
                widget.setFocus()
                return

    def focus_note(self) -> None:
        self.scribe.focus_note()

    def _palette_keys(self) -> list:
        """What the keys do on the board (the window's and the board's rows of ui.actions), for
        the palette to offer by name; not the palette's own key."""
        own = self.actions_by_name.get("palette")
        return [a for a in (*self.window().actions(), *self.actions())
                if a is not own and a.isEnabled() and a.isVisible() and a.text()]

    def say_done(self, text: str) -> None:
        """A confirmation under the note box, in the text colour (problems are in red)."""
        self.note_status.done(text)

    # -- showing an incident -------------------------------------------------------------------

    def show_incident(self, incident: Incident) -> None:
        self.incident = incident
        self._alerted.clear()
        self._marks_seen = board.elapsed_marks(self.process, incident, self._clock.now())[0]
        self.scribe.show_incident(incident)
        self.chain_badge.check(incident.id)
        self.alert.hide()
        self.open_tasks_bar.hide()
        self.refresh()
        if self.preferences.get(CALL_MODE) and not (self.call_window and self.call_window.isVisible()):
            self.toggle_call_mode()  # it was open when the console was last closed
        # Just declared, or nobody in command yet: the opening prompts.
        if self.commander() is None:
            self.prompts.show_moment("on_join")
        self._alerted = {t.id for t in self.tasks_model.overdue()}

    def refresh(self) -> None:
        """Re-read what the board shows (after our change, or another window's)."""
        if self.incident is None:
            return
        before = self.incident.status
        self.incident = self._reader.incidents.get(self.incident.id)
        self.record_clock.follow(self.incident)  # resolved: the durations stop there
        self.header.show_incident(self.incident)
        self._roles = self._reader.roster.all(self.incident.id)
        self._conflicts = self._reader.sync.conflicts(self.incident.id)
        self.roles_model.set_assignments(self._roles)
        self.roles_panel.phase = "after" if self.incident.status == "resolved" else "during"
        self.roles_panel.show_card()
        tasks = self._reader.tasks.all(self.incident.id)
        self.tasks_model.set_tasks(tasks)
        self.subteams.refresh(self.incident, tasks)
        self.roles_panel.set_people(*self._completion())
        self._load_checklists()
        if before != self.incident.status:
            self._status_changed(self.incident.status)
        self.tick()
        self.incident_shown.emit(self.incident)

    def _status_changed(self, status: str) -> None:
        """Resolved (from any window, key or line): the close's prompts, no check-back alert,
        and the offer for the tasks still open. Reopened: the offer goes."""
        if status != "resolved":
            self.open_tasks_bar.hide()
            return
        self.alert.hide()
        self.prompts.show_moment("at_close")
        if tasks := self.tasks_model.tasks():
            self.open_tasks_bar.offer(tasks)

    def _load_checklists(self) -> None:
        if self.incident is None:
            return
        phase = "after" if self.incident.status == "resolved" else "during"
        self.checklist_model.set_checklists(
            board.checklists_for(self.process, self.checklist_panel.role(), phase,
                                 security=self.incident.security)
        )
        state = self._reader.checklist.state(self.incident.id)
        self.checklist_model.set_checked({k for k, v in state.items() if v.checked})
        self.checklist_panel.refresh_summary()

    def apply_change(self, change: Change) -> None:
        """Refresh from a committed change to any incident."""
        if self.incident is None or change.incident.id != self.incident.id:
            return
        self.scribe.add_entries(change.entries)
        self.refresh()

    def pull_new_entries(self) -> None:
        """Entries committed elsewhere, or by an operation that returned no Change."""
        self.scribe.pull_new_entries()

    # -- the clock ---------------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: clocks, countdowns, expiries, callouts, warnings and prompts."""
        self.header.tick()
        if self.incident is None:
            return
        now = self._clock.now()
        self.tasks_model.tick()
        warnings = (board.role_warnings(self.process, self.incident, self._roles, now)
                    + self.subteams.tick(self.incident, self._roles)
                    + board.concurrent_changes(self.process, self._conflicts))
        self.roles_panel.set_warnings(warnings)
        overdue = len(self.tasks_model.overdue())
        done, total = self.checklist_model.progress()
        self.count_in_tabs(tasks=self.tasks_model.rowCount(), overdue=overdue, warnings=len(warnings),
                           done=done, total=total)
        self.updates.refresh(now)
        self._check_expiries()
        marks, next_mark = board.elapsed_marks(self.process, self.incident, now)
        if marks > self._marks_seen:
            self._marks_seen = marks
            every = self.process.severity(self.incident.severity)["cadence"]["deputy_callout"]
            self.callout.setText(f"{marks * every} minutes since declared (the Deputy's callout)")
            self.callout.show()
            QTimer.singleShot(30_000, self.callout, self.callout.hide)
        newest = self.scribe.newest_recorded_at()
        if self.incident.status == "active":
            self.prompts.check_lull(now, newest)
        self.close_out.check_meeting_reminder(now)
        commander, incident = self.commander(), self.incident
        span_over = self.subteams.over
        self.prompts.recheck(lambda moment: board.moment_holds(moment, incident, commander=commander,
                                                               overdue=overdue, span_over=span_over), newest)
        self.prompts.rotate(now)
        if self.call_window is not None and self.call_window.isVisible():
            self.call_window.set_values(self.call_values())

    def _check_expiries(self) -> None:
        for task in self.tasks_model.overdue():
            if task.id in self._alerted:
                continue
            self._alerted.add(task.id)
            self.alert.setText(f"CHECK BACK NOW: {task.ref} {task.owner} — {task.text}. "
                               f"In Tasks ({actions.keys_of('next_panel')}): {actions.legend(Where.TASKS)}")
            self.alert.show()
            row = next(i for i, t in enumerate(self.tasks_model.tasks()) if t.id == task.id)
            self.tasks_panel.view.setCurrentIndex(self.tasks_model.index(row, 0))
            # Logged once however many windows notice it: the uid is the task's and its due time.
            incident_id, author = self.incident.id, self.author
            text = f"Check-back due: {task.ref} {task.owner}: {task.text}"
            uid = f"checkback-{task.uid}-{task.due_at}"
            self._submit(lambda s, t=text, u=uid: s.timeline.log(incident_id, t, by=author, kind="task", uid=u))
            if self.sound_on:
                QApplication.beep()
            if self.incident.security:  # a lock screen shows it: the codename, nothing of the work
                self._notify_tray(f"Check back: {task.ref}", f"{self.incident.shown_title}: a check-back is due")
            else:
                self._notify_tray(f"Check back: {task.ref} {task.owner}", task.text)
            self.prompts.show_moment("timer_expired")

    def _notify_tray(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self.windowIcon(), self)
            self._tray.show()
        self._tray.showMessage(title, text)

    def toggle_sound(self) -> None:
        self.sound_on = not self.sound_on
        self.preferences.set(SOUND, self.sound_on)
        self.say_done(f"Sound {'on' if self.sound_on else 'off'}.")

    # -- call mode -------------------------------------------------------------------------------

    def call_values(self) -> dict[str, str]:
        now = self._clock.now()
        incident = self.incident
        declared = times.from_text(incident.declared_at)
        tasks = self.tasks_model.tasks()
        if incident.status == "resolved":  # the clocks stopped at resolve
            elapsed = final_durations(incident) if incident.resolved_at else "Resolved"
            checkback = f"Open at resolve: {len(tasks)} task{'s' if len(tasks) != 1 else ''}" if tasks \
                else "No open tasks"
        else:
            elapsed = f"Elapsed {times.format_duration((now - declared).total_seconds())}"
            checkback = (f"Next check-back: {tasks[0].ref} {tasks[0].owner} "
                         f"{countdown(tasks[0].due_at, now)[0]}") if tasks else "No open tasks"
        nxt = self.updates.soonest()
        update = (f"Next update: {nxt.audience} {countdown(times.to_text(nxt.due_at), now)[0]}"
                  if nxt else "No update cadence")
        prompt = self.prompt_strip.current["text"] if self.prompt_strip.current else ""
        return {
            "severity": f"{severity_text(incident.severity)} · {incident.status.upper()} · {incident.ref}"
                        + (" · DRILL" if incident.drill else ""),
            "ic": f"IC: {self.commander() or 'nobody'}",
            "elapsed": elapsed,
            "checkback": checkback, "update": update, "prompt": prompt,
        }

    def toggle_call_mode(self) -> None:
        if self.call_window is None:
            self.call_window = CallModeWindow(self)
            self.preferences.keep_geometry(self.call_window, "call_mode")  # where it was put aside
            self.preferences.forget_on_close(self.call_window, CALL_MODE)
        if self.call_window.isVisible():
            self.call_window.hide()
            self.preferences.set(CALL_MODE, False)
            return
        if self.incident is not None:
            self.call_window.set_values(self.call_values())
        self.call_window.show()
        self.preferences.set(CALL_MODE, True)

    def export_all(self) -> None:
        """Every export format, written to the exports folder; what was written shown under the note box.

        Each export prints the record's head, signed with this install's key from the OS keyring.
        The first time, the keyring is asked on a thread of its own (a Secret Service that must be
        started or unlocked can take half a minute to answer, or never, and the window must not
        freeze): the export follows when it has answered, or unsigned after KEYRING_WAIT_S."""
        if self.incident is None:
            return
        from console import chain_seal

        if not chain_seal.known():
            self.note_status.setText("Exporting… (reading the record's signing key from the keyring)")
            ask_keyring_then(chain_seal.prepare, self.export_all, self, limit_ms=KEYRING_WAIT_S * 1000,
                             on_limit=lambda: chain_seal.give_up(
                                 f"the keyring did not answer within {KEYRING_WAIT_S} s"))
            return
        ok, line, written = export_everything(self._reader, self.process, self.incident, self.exports_dir,
                                              self._clock.now())
        if written and self.incident.security:  # a security incident's export is an entry
            from console.security import export_text

            text = export_text(self.process, [p.suffix.lstrip(".") for p in written], str(written[0].parent))
            incident_id, author = self.incident.id, self.author
            self._submit(lambda s: s.timeline.log(incident_id, text, by=author, kind="note"))
        if ok:
            self.say_done(line)
        else:
            self.note_status.setText(line)

    # -- writes ------------------------------------------------------------------------------------

    def _submit(self, job, on_done=None, on_error=None) -> None:
        """Send a write; errors land beside the note box unless the caller handles them."""
        def failed(error: Exception) -> None:
            if on_error is not None:
                on_error(error)
            else:
                self.note_status.setText(f"Not saved: {error}")

        def done(result) -> None:
            if not isinstance(result, Change):  # e.g. the post-mortem's owner: still logged
                self.pull_new_entries()
            if on_done is not None:
                on_done(result)

        self._writer.submit(job, done, failed)

    def send_line(self, line: str, on_done=None, on_error=None, *, uid: str | None = None) -> bool:
        """Run one line of the command language - what every key and bar of the board does.

        The line is checked here, before anything is sent; a mistake goes to `on_error` (or
        beside the note box) and nothing is written. True when it was sent.
        """
        if self.incident is None:
            return False
        try:
            parsed = self.language.parse(line, now=self._clock.now(), local_tz=self._zone)
        except InputError as exc:
            (on_error or (lambda e: self.note_status.setText(f"Not saved: {e}")))(exc)
            return False
        incident_id, author, language = self.incident.id, self.author, self.language
        self._submit(lambda s: language.execute(s, incident_id, parsed, by=author, uid=uid), on_done, on_error)
        return True

    def set_severity(self, level: int) -> None:
        self.send_line(f"/sev {level}")

    def set_status(self, state: str) -> None:
        self.send_line(f"/status {state}")  # resolving: `_status_changed` follows the change

    def _close_open_tasks(self, *, to_followups: bool) -> None:
        """The offer's choice: every open task closed, or handed to a follow-up first."""
        if self.incident is None:
            return
        incident_id, author = self.incident.id, self.author

        def done(change: Change) -> None:
            self.open_tasks_bar.hide()
            count = len(change.entries)
            tasks = f"{count} task{'s' if count != 1 else ''}"
            self.say_done(f"{tasks} handed to follow-ups (F8 lists them)." if to_followups else f"{tasks} closed.")
            self.focus_note()

        self._submit(lambda s: s.tasks.close_open(incident_id, by=author, to_followups=to_followups), done,
                     lambda e: self.open_tasks_bar.failed(f"Not saved: {e}"))

    def start_assign(self) -> None:
        self.roles_panel.start_assign()

    def _on_assign_requested(self, role: str, person: str) -> None:
        self.send_line(f"/role {role} {person}",
                       lambda _: (self.roles_panel.assigned(), self.focus_note()),
                       lambda e: self.roles_panel.bar.message.setText(f"Not assigned: {e}"))

    def start_subteam(self) -> None:
        """Ctrl+Shift+T: the sub-teams' bar, for `TEAM LEADER MINUTES PROBLEM`."""
        self.subteams_panel.start_spin_off()
        self.place_subteams()
        self.subteams_panel.bar.edit.setFocus()

    def start_task(self) -> None:
        self.tasks_panel.start_task()
        self.prompts.show_moment("on_assign")

    def _on_task_requested(self, text: str) -> None:
        self.send_line(f"/task {text}", lambda _: (self.tasks_panel.finished(), self.focus_note()),
                       self._task_bar_error, uid=new_uid())

    def _task_bar_error(self, error: Exception) -> None:
        self.tasks_panel.bar.message.setText(
            str(error) if isinstance(error, InputError) else f"Not saved: {error}")

    def _task_ref(self, task_id: int) -> str:
        """The reference people use (`T2`, numbered within the incident) of the task whose row
        id a panel gives."""
        return next(t.ref for t in self.tasks_model.tasks() if t.id == task_id)

    def _on_task_done(self, task_id: int) -> None:
        self.send_line(f"/done {self._task_ref(task_id)}", lambda _: self.alert.hide())

    def _on_task_extend(self, task_id: int, text: str) -> None:
        def done(_):
            self._alerted.discard(task_id)
            self.alert.hide()
            self.tasks_panel.finished()

        self.send_line(f"/extend {self._task_ref(task_id)} {text}", done, self._task_bar_error)

    def _on_task_reassign(self, task_id: int, owner: str) -> None:
        self.send_line(f"/reassign {self._task_ref(task_id)} {owner}",
                       lambda _: self.tasks_panel.finished(), self._task_bar_error)

    def _on_toggle_check(self, item_id: str, checked: bool) -> None:
        self.send_line(f"/{'check' if checked else 'uncheck'} {item_id}")
