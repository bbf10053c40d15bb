"""The main window: the incident list and one incident, with the keyboard shortcuts.

It is given everything it needs (reader, writer, clock, author) by the composition root in
`ui.app`; it creates no services of its own.
"""

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from console.clock import Clock
from console.errors import ConsoleError
from console.domain import Change, Incident
from console.queries import Reader
from ui import actions
from ui.actions import Where
from ui.formatting import severity_text
from ui.incident_list import IncidentListModel, IncidentListPage
from ui.preferences import Preferences
from ui.writer import StoreWriter

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Problem, Process
    from ui.cheat_sheet import CheatSheet
    from ui.handbook_window import HandbookWindow
    from ui.incident_view import IncidentPage

WINDOW_TITLE = "Incident Console"
WATCH_MS = 500  # how often to ask SQLite whether another connection has committed


def title_for(incident: "Incident | None") -> str:
    """`INC-7 SEV-2 — Checkout fails — Incident Console`: what the task bar and a window list show
    (a security incident's codename, never its title)."""
    if incident is None:
        return WINDOW_TITLE
    drill = "DRILL " if incident.drill else ""
    return f"{incident.ref} {drill}{severity_text(incident.severity)} — {incident.shown_title} — {WINDOW_TITLE}"


class MainWindow(QMainWindow):
    def __init__(
        self, writer: StoreWriter, clock: Clock, author: str, zone: tzinfo | None = None,
        parent: QWidget | None = None, exports_dir=None, preferences: "Preferences | None" = None,
        evidence_dir=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(1100, 720)
        self.writer = writer
        self.reader: Reader | None = None
        self.process: "Process | None" = None
        self.handbook: "HandbookWindow | None" = None
        self._clock = clock
        self._zone = zone
        self._author = author
        self._exports_dir = exports_dir
        self.witnesses = None  # (head log, backup folder) the board's chain check reads; set by ui/app.py
        self._evidence_dir = evidence_dir
        self.preferences = preferences if preferences is not None else Preferences(None)  # this run only
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.list_model = IncidentListModel(clock, zone, self)
        self.list_page = IncidentListPage(self.list_model, self)
        self.incident_page: "IncidentPage | None" = None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_page)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(f"Signed in as {author}")

        self.cheat_sheet: "CheatSheet | None" = None
        self.backup_keeper = None  # ui/backup_keeper.py and ui/recovery.py, set by ui/app.py
        self.recovery = None
        # The window's keys and the list's (Ctrl+F filters there; on the board it finds).
        self.actions_by_name = {**actions.install(self, Where.WINDOW, window=self),
                                **actions.install(self.list_page, Where.LIST, window=self)}
        from ui.drills import DrillControls

        self.drills = DrillControls(self, writer, clock, author, zone)
        self.list_page.open_requested.connect(self.open_incident)
        self.list_page.declare_requested.connect(self._on_declare_requested)
        writer.changed.connect(self._on_changed)
        writer.unavailable.connect(self.cannot_read)

    # -- data -------------------------------------------------------------------------------

    def attach_reader(self, reader: Reader) -> None:
        """Start showing data; called as soon as the file is readable at the current schema."""
        self.reader = reader
        self.list_page.show_unread(None)
        self._data_version = reader.data_version()  # before reading, so no commit slips by
        self.refresh_list()
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self.check_for_outside_changes)
        self._watch.start()
        self.drills.clock.start(reader)

    def detach_reader(self) -> None:
        """Stop reading and close the reading connection (a restore is replacing the file)."""
        if getattr(self, "_watch", None) is not None:
            self._watch.stop()
            self._watch.deleteLater()
            self._watch = None
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def restore_backup(self) -> None:
        """The newest good backup in place of a damaged database (ui/recovery.py)."""
        if self.recovery is not None:
            self.recovery.restore()
        else:
            self.statusBar().showMessage("The database is not damaged; there is nothing to restore.", 5000)

    def check_for_outside_changes(self) -> None:
        """Another window or process committed? SQLite's data_version says so for the price of
        one pragma; only then are the list and the open board read again. Also asked at once
        when the team follower has applied ops (ui/team_link.py)."""
        try:
            version = self.reader.data_version()
        except ConsoleError:
            return
        if version != self._data_version:
            self.refresh_list()
            if self.incident_page is not None and self.incident_page.incident is not None:
                self.incident_page.pull_new_entries()
                self.incident_page.refresh()
        self._data_version = version

    def refresh_list(self) -> None:
        if self.reader is not None:
            current = self.list_page.table.currentIndex()
            source = self.list_page.proxy.mapToSource(current) if current.isValid() else None
            keep = self.list_model.incident_at(source.row()).id if source is not None and source.isValid() else None
            self.list_model.reload(self.reader)
            if keep is not None:
                self.list_page.select_incident(keep)

    def set_process(self, process: "Process") -> None:
        """The validated process the window is guided by (loaded right after the first paint)."""
        self.process = process

    def show_process_problems(self, problems: "list[Problem]") -> None:
        """Refuse to run half-configured: list every mistake instead of the incidents."""
        from PySide6.QtCore import QStringListModel
        from PySide6.QtWidgets import QListView

        self.show_problem(
            f"The incident process definition has {len(problems)} problem(s). Fix them and start "
            "again; nothing has been recorded or changed. (F1 still opens the handbook.)"
        )
        view = QListView(self)
        view.setObjectName("processProblems")
        view.setAccessibleName("Process problems")
        view.setModel(QStringListModel([str(p) for p in problems], view))
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        for name in ("declare", "focus_note", "back"):
            self.actions_by_name[name].setEnabled(False)
        view.setFocus()

    def show_handbook(self, ref: str | None = None) -> None:
        """Open (or raise) the handbook window, at `ref` if given."""
        if self.handbook is None:
            from console.handbook import HandbookIndex
            from ui.handbook_window import HandbookWindow

            self.handbook = HandbookWindow(HandbookIndex(process=self.process), self)
            self.preferences.keep_geometry(self.handbook, "handbook")
        if ref:
            self.handbook.open_ref(ref)
        self.handbook.show()
        self.handbook.raise_()
        self.handbook.activateWindow()
        if not ref:
            self.handbook.focus_search()

    def focus_list_filter(self) -> None:
        if self.stack.currentWidget() is self.list_page:
            self.list_page.focus_filter()

    def show_followups(self) -> None:
        """Open follow-ups across incidents, soonest due first, overdue ones red."""
        if self.reader is None:
            return
        if getattr(self, "followups_window", None) is None:
            from ui.followups_window import FollowupsWindow

            self.followups_window = FollowupsWindow(self.writer, self._author, self)
            self.preferences.keep_geometry(self.followups_window, "followups")
        self.followups_window.load(self.reader, self._clock.now().date())
        self.followups_window.show()
        self.followups_window.raise_()
        self.followups_window.activateWindow()  # its letters answer only in the active window

    def show_outbox(self) -> None:
        """Every message going out, and resend / drop / release by key (ui/outbox_window.py)."""
        if self.reader is None:
            return
        if getattr(self, "outbox_window", None) is None:
            from ui.outbox_window import OutboxWindow

            link = getattr(self, "outbox", None)
            self.outbox_window = OutboxWindow(self.writer, self._author, link.kick if link else None, self)
            self.preferences.keep_geometry(self.outbox_window, "outbox")
        self.outbox_window.load(self.reader)
        self.outbox_window.show()
        self.outbox_window.raise_()
        self.outbox_window.activateWindow()  # its letters answer only in the active window

    def show_metrics(self) -> None:
        """Response metrics per severity per month, in their own window."""
        if self.reader is None:
            return
        if getattr(self, "metrics_window", None) is None:
            from ui.metrics_view import MetricsWindow

            self.metrics_window = MetricsWindow(self._exports_dir, self)
            self.preferences.keep_geometry(self.metrics_window, "metrics")
        self.metrics_window.set_incidents(self.reader.incidents.all())
        self.metrics_window.show()
        self.metrics_window.raise_()

    def show_problem(self, message: str) -> None:
        """A calm, non-modal message at the top of the window."""
        self.banner.setText(message)
        self.banner.show()

    def cannot_read(self, message: str) -> None:
        """The database could not be opened: the message at the top, and, while no incident
        has been read, the list says they cannot be shown rather than that there are none."""
        self.show_problem(message)
        if self.reader is None:
            self.list_page.show_unread("The incidents cannot be shown: the database did not open "
                                       "(the message above says why). Nothing has been written to it.")

    def wait_for_upgrade(self) -> None:
        """The file is from an earlier version: the writer upgrades it after the first paint
        (a large one takes seconds); the list says so until its incidents can be read."""
        self.list_page.show_unread("Upgrading the database from an earlier version of Incident "
                                   "Console; its incidents appear here when that is done.")

    # -- navigation ---------------------------------------------------------------------------

    def show_list(self) -> None:
        if self.list_page.declare_bar_open() and self.stack.currentWidget() is self.list_page:
            self.list_page.declare_bar.close_bar()
        self.stack.setCurrentWidget(self.list_page)
        self.setWindowTitle(title_for(None))
        if self.incident_page is not None and self.incident_page.incident is not None:
            self.list_page.select_incident(self.incident_page.incident.id)
        self.list_page.focus_table()

    def show_declare(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.setWindowTitle(title_for(None))
        self.list_page.declare_bar.open_bar()

    def open_incident(self, incident_id: int) -> None:
        if self.reader is None or self.process is None:
            self.statusBar().showMessage("Still loading the process definition…", 3000)
            return
        incident = self.reader.incidents.get(incident_id)
        if self.incident_page is None:
            from ui.incident_view import IncidentPage  # not needed for the first paint

            self.incident_page = IncidentPage(
                self.reader, self.writer, self._clock, self._author, self.process, self._zone, self,
                exports_dir=self._exports_dir, preferences=self.preferences,
            )
            self.incident_page.chain_badge.witnesses = self.witnesses
            self.incident_page.handbook_requested.connect(self.show_handbook)
            self.incident_page.incident_shown.connect(self._on_incident_shown)
            from ui.evidence_badge import EvidenceBadge

            badge = EvidenceBadge(self.reader, self.incident_page.header)
            self.incident_page.header.top.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
            self.incident_page.incident_shown.connect(badge.show_for)
            self.incident_page.evidence_badge = badge
            self.stack.addWidget(self.incident_page)
        self.stack.setCurrentWidget(self.incident_page)
        self.incident_page.show_incident(incident)
        self.incident_page.focus_note()

    def _on_incident_shown(self, incident: Incident) -> None:
        """The board read its incident again (after any change): the title says what it is now."""
        if self.stack.currentWidget() is self.incident_page:
            self.setWindowTitle(title_for(incident))

    def focus_note(self) -> None:
        if self.stack.currentWidget() is self.incident_page and self.incident_page is not None:
            self.incident_page.focus_note()

    # -- writes -------------------------------------------------------------------------------

    def _on_declare_requested(self, title: str, severity: int | None, began=None) -> None:
        bar = self.list_page.declare_bar  # it keeps what is typed until the board opens
        author = self._author
        security = bar.security_box.isChecked()

        def on_done(change: Change) -> None:
            bar.close_bar()
            self.open_incident(change.incident.id)
            typed = bar.take_typed_ahead()
            if typed and self.incident_page is not None:
                self.incident_page.note_edit.insert(typed)

        def on_error(error: Exception) -> None:
            bar.show_error(f"Not declared: {error}")

        self.writer.submit(
            lambda service: service.incidents.declare(title, by=author, severity=severity, started_at=began,
                                                      security=security),
            on_done, on_error,
        )

    def _on_changed(self, change: Change) -> None:
        self.refresh_list()
        if self.incident_page is not None:
            self.incident_page.apply_change(change)

    def toggle_cheat_sheet(self) -> None:
        """Every key that applies here (`ui.actions`); on the board, the commands too."""
        from ui import cheat_sheet

        if self.cheat_sheet is None:
            self.cheat_sheet = cheat_sheet.CheatSheet(self)
        if self.cheat_sheet.isVisible():
            self.cheat_sheet.hide()
            return
        page = self.incident_page
        if page is not None and self.stack.currentWidget() is page:
            html = cheat_sheet.board_sheet(
                [(usage, summary) for usage, summary, _ in page.language.help_rows(grouped=True)],
                {key: role["short"] for key, role in page.roles_panel.role_keys.items()})
        else:
            html = cheat_sheet.window_sheet()
        self.cheat_sheet.show_sheet(html)

    def show_drills(self) -> None:
        """The drill bar over the list: a scenario and a speed, Enter starts it."""
        self.show_list()
        self.drills.open_bar()

    def show_debrief(self) -> None:
        """The debrief of the incident on the board, or of the one selected in the list."""
        incident_id = self._incident_in_view()
        if incident_id is None:
            self.statusBar().showMessage("Open or select an incident to debrief it.", 4000)
            return
        self.drills.show_debrief(incident_id)

    def _incident_in_view(self) -> int | None:
        """The incident on the board, or the one selected in the list; None if neither."""
        incident_id = None
        if self.incident_page is not None and self.stack.currentWidget() is self.incident_page \
                and self.incident_page.incident is not None:
            incident_id = self.incident_page.incident.id
        elif self.stack.currentWidget() is self.list_page:
            current = self.list_page.table.currentIndex()
            if current.isValid():
                incident_id = self.list_model.incident_at(self.list_page.proxy.mapToSource(current).row()).id
        return incident_id

    def show_evidence(self) -> None:
        """The evidence log of the incident on the board, or of the one selected in the list
        (ui/evidence_window.py)."""
        incident_id = self._incident_in_view()
        if incident_id is None or self._evidence_dir is None:
            self.statusBar().showMessage("Open or select an incident to see its evidence.", 4000)
            return
        if getattr(self, "evidence_window", None) is None:
            from ui.evidence_window import EvidenceWindow

            self.evidence_window = EvidenceWindow(self.writer, self._author, self._evidence_dir, self._clock,
                                                  self._zone, self)
            self.preferences.keep_geometry(self.evidence_window, "evidence")
        self.evidence_window.load(self.reader, self.reader.incidents.get(incident_id), self.process)
        self.evidence_window.show()
        self.evidence_window.raise_()
        self.evidence_window.activateWindow()  # its letters answer only in the active window

    def closeEvent(self, event: QCloseEvent) -> None:
        self.drills.clock.stop()
        if self.incident_page is not None:
            self.incident_page.scribe.flush_draft()  # queued before the writer finishes its work
        for helper in (self.backup_keeper, self.recovery):
            if helper is not None:
                helper.close()
        self.writer.close()
        if self.backup_keeper is not None:
            self.backup_keeper.witness_close()  # the chains' heads, outside the file (console/heads.py)
        super().closeEvent(event)
