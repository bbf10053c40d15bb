"""The scribe's side of the board: the note box and its command language, work on single
entries (edit, retract, pin, history), finding entries, and keeping the newest in view.

A mixin of `IncidentPage`, kept in its own file so the IC's side (roles, tasks, checklist,
prompts, updates) and the scribe's side each read in one sitting. It uses the page's widgets
and services (`capture`, `timeline`, `model`, `finder`, `_reader`, `_writer`, `_clock`).
"""

import re
import uuid

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView

from console.errors import InputError

_DECISION = re.compile(r"^\s*(d:|/decision\b)", re.IGNORECASE)



class ScribeSide:
    """The page's methods for the timeline and the note box (see the module docstring)."""

    # -- the note box ---------------------------------------------------------------------------------

    def _on_note_edited(self, text: str) -> None:
        if _DECISION.match(text) and len(text) <= 12:
            self.show_moment("before_decision")

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
        people = sorted({a.person for a in getattr(self, "_roles", [])}
                        | {t.owner for t in self.tasks_model.tasks()}, key=str.casefold)
        return self.language.complete(text, people)

    def open_palette(self) -> None:
        self.palette.set_commands([palette_row(usage, summary) for usage, summary, _ in self.language.help_rows()])
        self.palette.open()

    def _on_palette_chosen(self, start: str) -> None:
        self.note_edit.setText(start)
        self.focus_note()

    def submit_line(self, line: str) -> None:
        """Run the line through the command language.

        The box empties at once so the scribe can type the next line while this one commits
        (about a millisecond, longer if another writer holds the lock); the entry appears in
        the timeline only once committed. If the write fails, the line comes back into the
        box, ahead of anything typed since, and the reason is shown.
        """
        if self.incident is None:
            return
        language = self.language
        try:
            parsed = language.parse(line, now=self._clock.now(), local_tz=self._zone)
        except InputError as exc:
            self.capture.failed(str(exc))  # nothing recorded, the text stays for mending
            return
        self.capture.committed()
        if parsed.command == "update" and not parsed.text:
            self.open_composer()
            return
        incident_id, author, zone = self.incident.id, self.author, self._zone
        uid = uuid.uuid4().hex  # made here, so a resend can never record the line twice
        self.note_status.setText("saving…")

        def job(service):
            change = language.run(service, incident_id, line, by=author, local_tz=zone, uid=uid)
            service.clear_draft(author, incident_id)
            return change

        def on_done(change) -> None:
            if self.note_status.text() == "saving…":
                self.note_status.clear()

        def on_error(error: Exception) -> None:
            typed_since = self.note_edit.text()
            self.note_edit.setText(f"{line} {typed_since}" if typed_since else line)
            self.note_status.setText(f"Not saved: {error}")

        self._writer.submit(job, on_done, on_error)

    def _save_draft(self, text: str) -> None:
        if self.incident is None:
            return
        incident_id, author = self.incident.id, self.author
        self._writer.submit(lambda s: s.save_draft(author, incident_id, text),
                            on_error=lambda e: self.note_status.setText(f"Draft not saved: {e}"))

    # -- working on entries ----------------------------------------------------------------------

    def selected_entry(self):
        index = self.timeline.currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() and self.model else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtGui import QKeyEvent

        if watched is self.timeline and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            entry = self.selected_entry()
            if entry is None:
                return False
            key = event.key()
            if key == Qt.Key.Key_P:
                self.toggle_pin(entry)
                return True
            if key == Qt.Key.Key_E:
                self._entry_action = ("edit", entry.id)
                self.entry_bar.open(getattr(entry, "revised_text", None) or entry.text,
                                    prompt=f"Edit E{entry.id}:")
                return True
            if key in (Qt.Key.Key_X, Qt.Key.Key_Delete):
                self._entry_action = ("retract", entry.id)
                self.entry_bar.open("", prompt=f"Retract E{entry.id}? Reason (optional), Enter:")
                self.entry_bar.edit.setPlaceholderText("e.g. wrong incident; Enter with no reason also retracts")
                return True
            if key == Qt.Key.Key_H:
                self.show_history(entry)
                return True
        return False

    def toggle_pin(self, entry) -> None:
        incident_id, author = self.incident.id, self.author
        pinned = not getattr(entry, "pinned", False)
        self._submit(lambda s: s.set_pin(incident_id, entry.id, pinned, by=author))

    def _on_entry_bar_submitted(self, text: str) -> None:
        self._apply_entry_action(text)

    def _apply_entry_action(self, text: str) -> None:
        if self._entry_action is None:
            return
        action, entry_id = self._entry_action
        incident_id, author = self.incident.id, self.author

        def done(_):
            self._entry_action = None
            self.entry_bar.hide()
            self.timeline.setFocus()

        def failed(error):
            self.entry_bar.message.setText(f"Not saved: {error}")

        if action == "edit":
            self._submit(lambda s: s.revise_entry(incident_id, entry_id, text, by=author), done, failed)
        else:
            self._submit(lambda s: s.retract_entry(incident_id, entry_id, by=author, reason=text or None),
                         done, failed)

    def show_history(self, entry) -> None:
        import html

        original, revisions, retraction = self._reader.history(entry.id)
        rows = [f"<b>E{entry.id}</b> by {html.escape(original.author)} at {original.recorded_at}: "
                f"{html.escape(original.text)}"]
        rows += [f"edited by {html.escape(r.by)} at {r.at}: {html.escape(r.text)}" for r in revisions]
        if retraction is not None:
            reason = f" ({html.escape(retraction.reason)})" if retraction.reason else ""
            rows.append(f"<s>retracted</s> by {html.escape(retraction.by)} at {retraction.at}{reason}")
        if self.history_label.isVisible() and getattr(self, "_history_of", None) == entry.id:
            self.history_label.hide()  # H again closes it
            return
        self._history_of = entry.id
        self.history_label.setText("<br>".join(rows) + "<br><i>H again closes this</i>")
        self.history_label.show()

    # -- finding entries -----------------------------------------------------------------------------

    def _run_search(self, text: str, kind: str, author: str, pinned: bool, everywhere: bool) -> None:
        incident_id = None if everywhere else self.incident.id
        hits = self._reader.search(text, incident_id=incident_id, kinds=[kind] if kind else None,
                                   author=author or None, pinned_only=pinned, limit=200) if text.strip() \
            else self._reader.filter_entries(self.incident.id, kinds=[kind] if kind else None,
                                             author=author or None, pinned_only=pinned, limit=200)
        self.finder.show_hits(hits, self._clock.now(), self._zone)

    def jump_to_entry(self, incident_id: int, entry_id: int) -> None:
        """Open the entry in its timeline: load older pages until it is there, select it."""
        if incident_id != self.incident.id:
            self.show_incident(self._reader.incident(incident_id))
        self.finder.close_finder()
        row = self.model.row_of(entry_id)
        while row < 0 and self.model.fetch_older():
            row = self.model.row_of(entry_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.timeline.setCurrentIndex(index)
            self.timeline.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            self.timeline.setFocus()

    # -- following the newest entry -----------------------------------------------------------------

    def _remember_follow(self) -> None:
        bar = self.timeline.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self.model is not None and last == self.model.rowCount() - 1 and self._follow:
            QTimer.singleShot(0, self.timeline, self.timeline.scrollToBottom)

    def _on_scrolled(self, value: int) -> None:
        bar = self.timeline.verticalScrollBar()
        if value == bar.minimum() and self.model is not None and self.model.has_older():
            before = bar.maximum()
            if self.model.fetch_older():
                # keep the rows under the reader's eyes where they were
                self.timeline.doItemsLayout()
                bar.setValue(bar.maximum() - before)


def palette_row(usage: str, summary: str) -> str:
    """`/task NAME MINUTES TEXT — give one named person a task…`: one verb as the palette shows it."""
    return f"{usage} — {summary}" if summary else usage
