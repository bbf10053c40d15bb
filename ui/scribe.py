"""The scribe's side of the board: the note box and its command language, the timeline (its
model, whole entries wrapped (`ui.timeline_delegate`), the newest entry kept in view
(`ui.timeline_scroll`), work on single entries: edit, retract, pin, history) and finding
entries.

`ScribeController` is given everything it uses: the language, reader, writer, clock, zone and
author, the widgets it drives, and the few things it asks of the rest of the board as callables
(a write through the board's path, the people on the call, a prompt for the moment, the update
composer, another incident). It reads no one else's state.
"""

import html
import re
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView

from console.clock import Clock
from console.domain import Incident
from console.errors import InputError
from console.queries import Reader
from console.uids import new_uid
from ui.board_panels import InlineBar
from ui.capture import CaptureBox, CommandPalette
from ui.finder import TimelineFinder
from ui.formatting import KindStyles
from ui.status_updates import sent_with_findings, update_fate
from ui.timeline import TimelineModel
from ui.timeline_delegate import show_whole_entries
from ui.timeline_scroll import TimelineScroll
from ui.writer import StoreWriter

if TYPE_CHECKING:  # pragma: no cover
    from console.commands import Language

_DECISION = re.compile(r"^\s*(d:|/decision\b)", re.IGNORECASE)
SAVING = "saving…"  # under the note box while a line is on its way (a confirmation, not a problem)


class ScribeController:
    """The note box, the timeline and the finder of one board (see the module docstring).

    Args:
        submit: the board's write path, `submit(job, on_done=None, on_error=None)`.
        people: the names on the call, then the directory's, for Tab completion.
        teams: the directory's teams, for Tab completion (/page).
        people_notes: each directory name's team and on call, said as Tab offers the name.
        show_moment: shows the prompts for a moment (`before_decision`).
        open_composer: `/update` with no text opens the update composer.
        open_incident: a hit in another incident opens that incident's board.
    """

    def __init__(
        self, *, language: "Language", reader: Reader, writer: StoreWriter, clock: Clock,
        zone: tzinfo | None, author: str, kinds: KindStyles, entry_kinds: list[dict],
        capture: CaptureBox, timeline: QListView, palette: CommandPalette, entry_bar: InlineBar,
        history_label: QLabel, finder: TimelineFinder,
        submit: Callable, people: Callable[[], list[str]], show_moment: Callable[[str], None],
        open_composer: Callable[[], None], open_incident: Callable[[int], None],
        teams: Callable[[], list[str]] = list, people_notes: Callable[[], dict[str, str]] = dict,
        keys: Callable[[], list] = list,
    ) -> None:
        self._keys = keys  # the board's actions, for the palette
        self.language = language
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._zone = zone
        self.author = author
        self.kinds = kinds
        self._entry_kinds = entry_kinds  # the finder's kind filter
        self.capture = capture
        self.note_edit = capture.edit
        self.note_status = capture.status
        self.timeline = timeline
        self.palette = palette
        self.entry_bar = entry_bar
        self.history_label = history_label
        self.finder = finder
        self._submit = submit
        self._people = people
        self._teams = teams
        self._people_notes = people_notes
        self._show_moment = show_moment
        self._open_composer = open_composer
        self._open_incident = open_incident
        self.incident_id: int | None = None
        self.model: TimelineModel | None = None
        self._pulled_up_to = 0
        show_whole_entries(timeline)
        self.scroll = TimelineScroll(timeline)
        self._entry_action: tuple[str, int] | None = None  # ("edit" | "retract", entry id)
        self._history_of: int | None = None

        capture.previewer = self._preview_line
        capture.completer = self._complete_line
        capture.describe = self._describe_completion
        capture.submitted.connect(self.submit_line)
        capture.draft_changed.connect(self._save_draft)
        self.note_edit.textEdited.connect(self._on_note_edited)
        palette.chosen.connect(self._on_palette_chosen)
        palette.person_chosen.connect(self._on_person_chosen)
        timeline.doubleClicked.connect(lambda index: self.show_history(self.model.entry_at(index.row())))
        entry_bar.submitted.connect(self._apply_entry_action)
        entry_bar.cancelled.connect(timeline.setFocus)
        finder.search_requested.connect(self._run_search)
        finder.jump_requested.connect(self.jump_to_entry)

    # -- one incident's timeline -------------------------------------------------------------------

    def show_incident(self, incident: Incident) -> None:
        """A fresh timeline for the incident, the finder reset, the scribe's draft restored."""
        # What was typed since the last pause is saved as the draft of the incident shown until
        # now. Shown again while that save is pending, the incident keeps the box as it is,
        # empty too: its saved draft is older. Otherwise the saved draft is the newest there is
        # (another window of ours may have written it).
        pending = self.flush_draft()
        typed = self.note_edit.text() if pending and incident.id == self.incident_id else None
        self.incident_id = incident.id
        previous = self.model
        self.model = TimelineModel(self._reader, incident.id, self._clock, self.kinds, self._zone,
                                   parent=self.timeline)
        self._pulled_up_to = self.model.newest_id()
        self.scroll.show_model(self.model)
        old = self.timeline.selectionModel()
        self.timeline.setModel(self.model)
        if old is not None:
            old.deleteLater()
        if previous is not None:  # the view has let go of it; kept, every opened incident leaked one
            previous.deleteLater()
        self.capture.committed()
        self.history_label.hide()
        self.finder.reset(self._reader.timeline.authors(incident.id),
                          self._entry_kinds)
        if typed is not None:
            self.note_edit.setText(typed)
        elif draft := self._reader.drafts.get(self.author, incident.id):
            self.note_edit.setText(draft)
            self.note_status.done("Restored what you were typing before the window closed.")
        self.scroll.jump_to_newest()

    def add_entries(self, entries) -> None:
        """Entries a committed Change brought."""
        if self.model is not None:
            self.model.add_entries(entries)

    def pull_new_entries(self) -> None:
        """Show entries committed since we last looked (another window, another process, or
        one of our own operations that returns something other than a Change).

        Counts from the highest id pulled so far, not from the newest row shown: a later
        entry that reached the list through a Change must not hide an earlier one that did not.
        """
        if self.incident_id is None or self.model is None:
            return
        fresh = self._reader.timeline.after(self.incident_id, self._pulled_up_to)
        if fresh:
            self._pulled_up_to = max(e.id for e in fresh)
            self.model.add_entries(fresh)

    def newest_recorded_at(self) -> str | None:
        """When the newest of the last few rows was recorded (for the lull prompt)."""
        if self.model is None or self.model.rowCount() == 0:
            return None
        count = self.model.rowCount()
        return max(self.model.entry_at(r).recorded_at for r in range(max(0, count - 3), count))

    # -- the note box ---------------------------------------------------------------------------------

    def focus_note(self) -> None:
        self.note_edit.setFocus()

    def _on_note_edited(self, text: str) -> None:
        if _DECISION.match(text) and len(text) <= 12:
            self._show_moment("before_decision")

    def _preview_line(self, line: str) -> tuple[str, bool]:
        """What Enter would record, or why it cannot: shown under the box as you type."""
        try:
            parsed = self.language.parse(line, now=self._clock.now(), local_tz=self._zone)
        except InputError as exc:
            return str(exc), False
        if parsed.command:
            return f"Enter runs /{parsed.command}", True
        when = f" at {parsed.at.astimezone(self._zone):%H:%M} ({parsed.at:%H:%MZ})" if parsed.at else ""
        return f"Enter records a {self.kinds.label(parsed.kind).lower()}{when}", True

    def _complete_line(self, text: str) -> list[str]:
        return self.language.complete(text, self._people(), self._teams())

    def _describe_completion(self, line: str) -> str:
        """The team and on call of the directory's person the completed line ends with."""
        tail = line.rstrip()
        notes = self._people_notes()
        return next((f"{name}: {note}" for name, note in notes.items() if tail.endswith(" " + name)), "")

    def open_palette(self) -> None:
        people = {p.summary: p.name for p in self._reader.people.all()}  # the people finder
        self.palette.set_commands([palette_row(usage, summary) for usage, summary, _ in self.language.help_rows()],
                                  people, self._keys())
        self.palette.open()

    def _on_palette_chosen(self, start: str) -> None:
        self.note_edit.setText(start)
        self.focus_note()

    def _on_person_chosen(self, name: str) -> None:
        """A person from the palette's finder goes after what is typed (`/sme ` -> `/sme Dana Patel`)."""
        typed = self.note_edit.text()
        self.note_edit.setText(f"{typed.rstrip()} {name}" if typed.strip() else name)
        self.focus_note()

    def submit_line(self, line: str) -> None:
        """Run the line through the command language.

        The box empties at once so the scribe can type the next line while this one commits
        (about a millisecond, longer if another writer holds the lock); the entry appears in
        the timeline only once committed. If the write fails, the line comes back into the
        box, ahead of anything typed since, and the reason is shown.
        """
        if self.incident_id is None:
            return
        language = self.language
        try:
            parsed = language.parse(line, now=self._clock.now(), local_tz=self._zone)
        except InputError as exc:
            self.capture.failed(str(exc))  # nothing recorded, the text stays for mending
            return
        self.capture.committed()
        if parsed.command == "update" and not parsed.text:
            self._open_composer()
            return
        incident_id, author, zone = self.incident_id, self.author, self._zone
        uid = new_uid()  # made here, so a resend can never record the line twice
        self.note_status.done(SAVING)

        def job(service):
            change = language.run(service, incident_id, line, by=author, local_tz=zone, uid=uid)
            service.drafts.clear(author, incident_id)
            return change

        def on_done(change) -> None:
            if self.note_status.text() == SAVING:
                self.note_status.clear()
            if parsed.command == "update" and change.entries:  # what became of its messages
                audience = parsed.args.get("audience", "")
                line = update_fate(self._reader, change, audience)
                if change.findings:  # the message rules found something: recorded all the same
                    line = sent_with_findings(audience, change.findings, line)
                self.note_status.setText(line)

        def on_error(error: Exception) -> None:
            typed_since = self.note_edit.text()
            self.note_edit.setText(f"{line} {typed_since}" if typed_since else line)
            self.note_status.setText(f"Not saved: {error}")

        self._writer.submit(job, on_done, on_error)

    def flush_draft(self) -> bool:
        """Save what was typed since the last pause, as the draft of the incident shown;
        whether anything was."""
        return self.capture.flush_draft()

    def _save_draft(self, text: str) -> None:
        if self.incident_id is None:
            return
        incident_id, author = self.incident_id, self.author
        self._writer.submit(lambda s: s.drafts.save(author, incident_id, text),
                            on_error=lambda e: self.note_status.setText(f"Draft not saved: {e}"))

    # -- working on entries (the timeline's keys, `ui.actions`) ---------------------------------------

    def selected_entry(self):
        index = self.timeline.currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() and self.model else None

    def pin_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        incident_id, author = self.incident_id, self.author
        pinned = not entry.pinned
        self._submit(lambda s: s.history.set_pin(incident_id, entry.id, pinned, by=author))

    def edit_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self._entry_action = ("edit", entry.id)
        self.entry_bar.open(entry.current_text, prompt=f"Edit E{entry.id}:")

    def retract_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self._entry_action = ("retract", entry.id)
        self.entry_bar.open("", prompt=f"Retract E{entry.id}? Reason (optional), Enter:")
        self.entry_bar.edit.setPlaceholderText("e.g. wrong incident; Enter with no reason also retracts")

    def history_of_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.show_history(entry)

    def _apply_entry_action(self, text: str) -> None:
        if self._entry_action is None:
            return
        action, entry_id = self._entry_action
        incident_id, author = self.incident_id, self.author

        def done(_):
            self._entry_action = None
            self.entry_bar.hide()
            self.timeline.setFocus()

        def failed(error):
            self.entry_bar.message.setText(f"Not saved: {error}")

        if action == "edit":
            self._submit(lambda s: s.history.revise(incident_id, entry_id, text, by=author), done, failed)
        else:
            self._submit(lambda s: s.history.retract(incident_id, entry_id, by=author, reason=text or None),
                         done, failed)

    def show_history(self, entry) -> None:
        """The entry as first recorded, each edit and any retraction; the same entry again closes it."""
        if self.history_label.isVisible() and self._history_of == entry.id:
            self.history_label.hide()
            return
        original, revisions, retraction = self._reader.history.of(entry.id)
        rows = [f"<b>E{entry.id}</b> by {html.escape(original.author)} at {original.recorded_at}: "
                f"{html.escape(original.text)}"]
        rows += [f"edited by {html.escape(r.by)} at {r.at}: {html.escape(r.text)}" for r in revisions]
        if retraction is not None:
            reason = f" ({html.escape(retraction.reason)})" if retraction.reason else ""
            rows.append(f"<s>retracted</s> by {html.escape(retraction.by)} at {retraction.at}{reason}")
        self._history_of = entry.id
        self.history_label.setText("<br>".join(rows) + "<br><i>H again closes this</i>")
        self.history_label.show()

    # -- finding entries -----------------------------------------------------------------------------

    def open_finder(self) -> None:
        self.finder.open()

    def _run_search(self, text: str, kind: str, author: str, pinned: bool, everywhere: bool) -> None:
        incident_id = None if everywhere else self.incident_id
        hits = self._reader.search.find(text, incident_id=incident_id, kinds=[kind] if kind else None,
                                        author=author or None, pinned_only=pinned, limit=200) if text.strip() \
            else self._reader.search.filter(self.incident_id, kinds=[kind] if kind else None,
                                             author=author or None, pinned_only=pinned, limit=200)
        self.finder.show_hits(hits, self._clock.now(), self._zone)

    def jump_to_entry(self, incident_id: int, entry_id: int) -> None:
        """Open the entry in its timeline: load older pages until it is there, select it."""
        if incident_id != self.incident_id:
            self._open_incident(incident_id)
        self.finder.close_finder()
        row = self.model.row_of(entry_id)
        while row < 0 and self.model.fetch_older():
            row = self.model.row_of(entry_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.timeline.setCurrentIndex(index)
            self.timeline.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            self.timeline.setFocus()

    # -- the newest entry ------------------------------------------------------------------------------

    def jump_to_newest(self) -> None:
        """The key for new entries that arrived while the reader was scrolled up."""
        self.scroll.jump_to_newest()


def palette_row(usage: str, summary: str) -> str:
    """`/task NAME MINUTES TEXT — give one named person a task…`: one verb as the palette shows it."""
    return f"{usage} — {summary}" if summary else usage
