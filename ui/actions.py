"""Every key of the window, declared once: one row per action.

A row says what the action is called, its key(s), where it applies and which method it calls.
The QActions are made from these rows (`install`) and so is the cheat sheet (`sheet_rows`).
The panels' one-letter keys (D/E/R in Tasks, Space in the checklist, P/E/X/H in the timeline)
are rows like any other, bound to their view alone: a letter does something only where the
sheet says it does, and nowhere else is a key written down.

A row's `slot` is `owner.method`: `install` is given the owners by name, and resolves every
slot when the QActions are made, so a misspelt one fails at once rather than on the keypress.

A text box takes some keys for itself before any shortcut sees them (a line edit's Ctrl+End
goes to the end of the line; on Linux its Ctrl+U deletes the line). `yield_keys` makes a text
box hand the table's keys to their actions instead; only keys that type text (`?`) stay text
there, and the keys the box `keep`s (a bar's Esc closes the bar: `claims`).
"""

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from console.domain import SEVERITIES, STATUSES

SNOOZE_MINUTES = 10  # Ctrl+, quiets the general prompts for this long
ESC = "Esc"  # in a bar or box it closes that, and nothing more (`claims`); elsewhere "back"


class Where(Enum):
    """Where an action applies: its heading in the cheat sheet and its shortcut context."""

    WINDOW = "Anywhere"
    LIST = "In the incident list"
    BOARD = "On the board"
    TASKS = "In Tasks (F6 to get there)"
    SUBTEAMS = "In sub-teams (F6 to get there)"
    CHECKLIST = "In the checklist"
    TIMELINE = "In the timeline"
    FOLLOWUPS = "In follow-ups (F8)"
    COMPOSER = "In the update composer"
    HANDBOOK = "In the handbook (F1)"
    POSTMORTEM = "In the post-mortem editor"
    METRICS = "In metrics (F9)"
    DEBRIEF = "In the debrief window"
    OUTBOX = "In the outbox (F7)"
    EVIDENCE = "In the evidence log (Ctrl+Shift+V)"
    OWN_WINDOW = "In every window of its own (handbook, follow-ups, outbox, metrics…)"


# The board and the list answer while focus is anywhere inside them; a panel's letters only
# while its view has focus (typed into a text box, a letter stays text).
CONTEXT = {
    Where.WINDOW: Qt.ShortcutContext.WindowShortcut,
    Where.LIST: Qt.ShortcutContext.WidgetWithChildrenShortcut,
    Where.BOARD: Qt.ShortcutContext.WidgetWithChildrenShortcut,
    Where.TASKS: Qt.ShortcutContext.WidgetShortcut,
    Where.SUBTEAMS: Qt.ShortcutContext.WidgetShortcut,
    Where.CHECKLIST: Qt.ShortcutContext.WidgetShortcut,
    Where.TIMELINE: Qt.ShortcutContext.WidgetShortcut,
    Where.FOLLOWUPS: Qt.ShortcutContext.WidgetShortcut,
    Where.COMPOSER: Qt.ShortcutContext.WidgetWithChildrenShortcut,
    # Windows of their own: their keys answer while that window is the active one.
    Where.HANDBOOK: Qt.ShortcutContext.WindowShortcut,
    Where.POSTMORTEM: Qt.ShortcutContext.WindowShortcut,
    Where.METRICS: Qt.ShortcutContext.WindowShortcut,
    Where.DEBRIEF: Qt.ShortcutContext.WindowShortcut,
    Where.OUTBOX: Qt.ShortcutContext.WidgetShortcut,
    Where.EVIDENCE: Qt.ShortcutContext.WidgetShortcut,
    Where.OWN_WINDOW: Qt.ShortcutContext.WindowShortcut,
}


@dataclass(frozen=True)
class Action:
    name: str  # the QAction's key in what `install` returns
    text: str  # the QAction's text, and the cheat sheet's words
    keys: tuple[str, ...]  # the first is the main one; each is a QKeySequence string
    where: Where
    slot: str  # "owner.method"
    args: tuple = ()  # passed to the method
    family: str = ""  # rows sharing a family are one line of the cheat sheet, with these words


def _row(name: str, text: str, keys: str | tuple[str, ...], where: Where, slot: str, **more) -> Action:
    return Action(name, text, (keys,) if isinstance(keys, str) else keys, where, slot, **more)


# The board's key for each status of console.domain.STATUSES (a status without one fails here).
_STATUS_KEYS = {"active": "Ctrl+Shift+A", "mitigated": "Ctrl+Shift+M", "resolved": "Ctrl+Shift+R"}


def _status_word(state: str) -> str:
    """A status as the keys list it: going back to active is a reopening."""
    return f"{state} (reopen)" if state == STATUSES[0] else state


ACTIONS: tuple[Action, ...] = (
    # The main window, whatever it shows.
    _row("declare", "Declare incident", "Ctrl+N", Where.WINDOW, "window.show_declare"),
    _row("focus_note", "Focus note box", "Ctrl+L", Where.WINDOW, "window.focus_note"),
    _row("back", "Back to the list", ESC, Where.WINDOW, "window.show_list"),
    _row("handbook", "Handbook", "F1", Where.WINDOW, "window.show_handbook"),
    _row("followups", "Follow-ups", "F8", Where.WINDOW, "window.show_followups"),
    _row("metrics", "Metrics", "F9", Where.WINDOW, "window.show_metrics"),
    # Text fields claim printable keys first (ShortcutOverride): `?` typed into the note box
    # stays text; anywhere else it shows the sheet.
    _row("keys", "Show the keys (again to close)", "?", Where.WINDOW, "window.toggle_cheat_sheet"),
    # Closing the console: what is typed is kept as a draft (ScribeController.flush_draft).
    _row("quit", "Quit (what you were typing is kept)", "Ctrl+Q", Where.WINDOW, "window.close"),
    _row("restore_backup", "Restore the newest good backup (a damaged database)", "Ctrl+Shift+G", Where.WINDOW,
         "window.restore_backup"),
    # The list page; on the board, Ctrl+F finds in the timeline instead.
    _row("filter", "Filter incidents", "Ctrl+F", Where.LIST, "window.focus_list_filter"),
    # The board.
    *(_row(f"severity_{n}", f"Severity SEV-{n}", f"Ctrl+{n}", Where.BOARD, "page.set_severity", args=(n,),
           family=f"Severity SEV-{SEVERITIES[0]} … SEV-{SEVERITIES[-1]}") for n in SEVERITIES),
    *(_row(f"status_{state}", f"Status: {_status_word(state)}", _STATUS_KEYS[state], Where.BOARD,
           "page.set_status", args=(state,), family="Status: " + " / ".join(map(_status_word, STATUSES)))
      for state in STATUSES),
    _row("assign", "Assign a role", "Ctrl+R", Where.BOARD, "page.start_assign"),
    _row("task", "New task with check-back", "Ctrl+T", Where.BOARD, "page.start_task"),
    _row("update", "Status update composer", "Ctrl+U", Where.BOARD, "updates.open"),
    _row("palette", "Command palette", "Ctrl+K", Where.BOARD, "scribe.open_palette"),
    _row("find", "Find in the timeline", "Ctrl+F", Where.BOARD, "scribe.open_finder"),
    _row("next_panel", "Next panel", "F6", Where.BOARD, "page.focus_next_panel"),
    # The narrow board's tabs (half a screen); the wide board has none.
    _row("next_tab", "Next tab (narrow board)", "Ctrl+PgDown", Where.BOARD, "page.next_tab", args=(1,)),
    _row("previous_tab", "Previous tab (narrow board)", "Ctrl+PgUp", Where.BOARD, "page.next_tab", args=(-1,)),
    _row("dismiss", "Dismiss the prompt", "Ctrl+.", Where.BOARD, "prompts.dismiss"),
    _row("snooze", f"Snooze prompts {SNOOZE_MINUTES} min", "Ctrl+,", Where.BOARD, "prompts.snooze",
         args=(SNOOZE_MINUTES,)),
    _row("prompts", "Prompts on/off", "Ctrl+Shift+P", Where.BOARD, "prompts.toggle"),
    _row("sound", "Sound on/off", "Ctrl+Shift+S", Where.BOARD, "page.toggle_sound"),
    _row("call_mode", "Call mode on/off", "Ctrl+Shift+C", Where.BOARD, "page.toggle_call_mode"),
    _row("postmortem", "Post-mortem editor", "Ctrl+Shift+E", Where.BOARD, "close_out.open_postmortem"),
    _row("close", "Close the call (guided)", "Ctrl+Shift+X", Where.BOARD, "close_out.start"),
    _row("export", "Export everything (exports folder)", "Ctrl+Shift+O", Where.BOARD, "page.export_all"),
    _row("newest", "Jump to the newest entry", "Ctrl+End", Where.BOARD, "scribe.jump_to_newest"),
    # The selected task.
    _row("task_done", "done", "D", Where.TASKS, "tasks.done_current"),
    _row("task_extend", "extend", "E", Where.TASKS, "tasks.extend_current"),
    _row("task_reassign", "reassign", "R", Where.TASKS, "tasks.reassign_current"),
    # Sub-teams (issue 14): a new one from the board; the selected team's letters.
    _row("subteam", "New sub-team (leader, time-box, problem)", "Ctrl+Shift+T", Where.BOARD, "page.start_subteam"),
    _row("subteam_done", "done", "D", Where.SUBTEAMS, "subteams.done_current"),
    _row("subteam_join", "join", "J", Where.SUBTEAMS, "subteams.join_current"),
    _row("subteam_entries", "its entries", "F", Where.SUBTEAMS, "subteams.show_entries_current"),
    # The selected checklist item.
    _row("check", "check or uncheck", "Space", Where.CHECKLIST, "checklist.toggle_current"),
    # The selected timeline entry.
    _row("pin", "pin or unpin", "P", Where.TIMELINE, "scribe.pin_selected"),
    _row("edit", "edit", "E", Where.TIMELINE, "scribe.edit_selected"),
    _row("retract", "retract", ("X", "Del"), Where.TIMELINE, "scribe.retract_selected"),
    _row("history", "history (again to close)", "H", Where.TIMELINE, "scribe.history_of_selected"),
    # The follow-ups window's list (F8): each letter but D opens its inline bar.
    _row("followup_new", "new", "N", Where.FOLLOWUPS, "followups.start_new"),
    _row("followup_owner", "owner", "O", Where.FOLLOWUPS, "followups.start_owner"),
    _row("followup_due", "due date", "U", Where.FOLLOWUPS, "followups.start_due"),
    _row("followup_ticket", "ticket", "T", Where.FOLLOWUPS, "followups.start_ticket"),
    _row("followup_done", "done / not done", "D", Where.FOLLOWUPS, "followups.toggle_done"),
    # The status update composer (Ctrl+U); Esc closes it, as it closes every bar.
    _row("send_update", "Send the update", ("Ctrl+Return", "Ctrl+Enter"), Where.COMPOSER, "composer.send"),
    # What the message rules found (the template's blanks first): selected, so typing replaces it.
    *(_row(f"{which}_finding", f"{which.capitalize()} blank or finding", key, Where.COMPOSER,
           f"composer.select_{which}_finding", family="Next / previous blank or finding: type over it")
      for which, key in (("next", "Tab"), ("previous", "Shift+Tab"))),
    # The handbook's window.
    _row("handbook_back", "Back", "Alt+Left", Where.HANDBOOK, "handbook.go_back"),
    _row("handbook_forward", "Forward", "Alt+Right", Where.HANDBOOK, "handbook.go_forward"),
    _row("handbook_home", "Home", "Alt+Home", Where.HANDBOOK, "handbook.go_home"),
    _row("handbook_find", "Search the handbook", "Ctrl+F", Where.HANDBOOK, "handbook.focus_search"),
    # The post-mortem editor's window (Ctrl+Shift+E on the board).
    _row("postmortem_save", "Save a version", "Ctrl+S", Where.POSTMORTEM, "postmortem.save"),
    # The metrics window.
    _row("metrics_csv", "Export CSV", "Ctrl+E", Where.METRICS, "metrics.export_csv"),
    _row("metrics_png", "Export PNG", "Ctrl+P", Where.METRICS, "metrics.export_png"),
    # Drills (issue 14): start one from the list; the debrief of the open (or selected) incident.
    _row("drill", "Start a drill", "Ctrl+Shift+D", Where.WINDOW, "window.show_drills"),
    _row("debrief", "Debrief (the IC scored against the record)", "Ctrl+Shift+B", Where.WINDOW,
         "window.show_debrief"),
    _row("debrief_refresh", "Read the record again", "F5", Where.DEBRIEF, "debrief.refresh"),
    # Messages going out (issue 13): the outbox window's list, and the composer's override.
    _row("outbox", "Outbox: messages going out", "F7", Where.WINDOW, "window.show_outbox"),
    _row("outbox_resend", "resend", "R", Where.OUTBOX, "outbox.resend_current"),
    _row("outbox_drop", "drop", ("X", "Del"), Where.OUTBOX, "outbox.drop_current"),
    _row("outbox_release", "release (override the message rules)", "O", Where.OUTBOX, "outbox.release_current"),
    _row("send_update_override", "Send, overriding the message rules", ("Ctrl+Shift+Return", "Ctrl+Shift+Enter"),
         Where.COMPOSER, "composer.send_override"),
    # The evidence log (issue 14): a window of its own for the incident on the board (or selected).
    _row("evidence", "Evidence log: add, verify, export", "Ctrl+Shift+V", Where.WINDOW, "window.show_evidence"),
    _row("evidence_add", "add a file (type its path, or drop it here)", "A", Where.EVIDENCE, "evidence.start_add"),
    _row("evidence_verify", "verify every kept copy", "V", Where.EVIDENCE, "evidence.verify"),
    _row("evidence_export", "export to a folder", "E", Where.EVIDENCE, "evidence.start_export"),
    # Every window but the main one (`install_window`): closed from the keyboard as from its frame.
    _row("close_window", "Close the window", "Ctrl+W", Where.OWN_WINDOW, "own.close"),
)

BY_NAME = {a.name: a for a in ACTIONS}


def rows(where: Where) -> list[Action]:
    return [a for a in ACTIONS if a.where is where]


def install(widget: QWidget, where: Where, **owners: object) -> dict[str, QAction]:
    """One QAction per row of `where`, added to `widget`, each calling its owner's method."""
    made = {}
    for row in rows(where):
        owner, _, method = row.slot.partition(".")
        slot = getattr(owners[owner], method)  # resolved now: a wrong name fails here
        action = QAction(row.text, widget)
        action.setShortcuts([QKeySequence(k) for k in row.keys])
        action.setShortcutContext(CONTEXT[where])
        action.triggered.connect(lambda _=False, slot=slot, args=row.args: slot(*args))
        widget.addAction(action)
        made[row.name] = action
    return made


def install_window(window: QWidget) -> dict[str, QAction]:
    """The rows every window of its own has (Where.OWN_WINDOW), added to `window`."""
    return install(window, Where.OWN_WINDOW, own=window)


# Shift types a capital and the keypad a digit; any other modifier makes a command, not text.
TEXT_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def types_text(key: str) -> bool:
    """Whether a key types a character in a text box (`?`, a letter; not Ctrl+U, F1 or Esc)."""
    combination = QKeySequence(key)[0]
    modifiers = combination.keyboardModifiers() & ~TEXT_MODIFIERS
    return modifiers == Qt.KeyboardModifier.NoModifier and combination.key() < Qt.Key.Key_Escape


def _combined(combination) -> int:
    """A key and its modifiers as one number, the keypad's flag left out (Ctrl+End is Ctrl+End)."""
    return combination.toCombined() & ~Qt.KeyboardModifier.KeypadModifier.value


class _Yield(QObject):
    def __init__(self, parent: QWidget, keys: set[int]) -> None:
        super().__init__(parent)
        self._keys = keys

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ShortcutOverride and _combined(event.keyCombination()) in self._keys:
            event.ignore()  # not the text box's: the shortcut gets it
            return True
        return False


def yield_keys(widget: QWidget, places: tuple[Where, ...] = (Where.WINDOW, Where.BOARD),
               keep: tuple[str, ...] = ()) -> None:
    """Let a text box pass every key of `places` to its action, except keys that type text
    and the keys it `keep`s for itself (a bar's Esc closes the bar, not the board)."""
    kept = {_combined(QKeySequence(k)[0]) for k in keep}
    keys = {_combined(QKeySequence(k)[0]) for row in ACTIONS if row.where in places
            for k in row.keys if not types_text(k)} - kept
    widget.installEventFilter(_Yield(widget, keys))


def claims(event, key: str) -> bool:
    """A text box's event filter takes `key` for itself before any shortcut can: True when
    `event` was that key's ShortcutOverride (then the key press follows, to the box)."""
    if event.type() == QEvent.Type.ShortcutOverride and \
            _combined(event.keyCombination()) == _combined(QKeySequence(key)[0]):
        event.accept()
        return True
    return False


def key_text(keys: str) -> str:
    """A key as the platform writes it (Ctrl+Shift+E, Del, ?)."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def keys_of(name: str) -> str:
    """The keys of one action as a hint says them: `Ctrl+T`, `X / Del`."""
    return " / ".join(key_text(k) for k in BY_NAME[name].keys)


def legend(where: Where) -> str:
    """A panel's letters in one line: `D done · E extend · R reassign`."""
    return " · ".join(f"{keys_of(a.name)} {a.text}" for a in rows(where))


def family_keys(name: str) -> str:
    """The keys of the named action's whole family: `Ctrl+1 … Ctrl+5`."""
    family = BY_NAME[name].family
    members = [key_text(a.keys[0]) for a in ACTIONS if family and a.family == family] or [keys_of(name)]
    if len(members) > 3:
        return f"{members[0]} … {members[-1]}"
    prefix = members[0].rpartition("+")[0]
    if prefix and all(m.rpartition("+")[0] == prefix for m in members):  # Ctrl+Shift+A / M / R
        return " / ".join([members[0], *(m.rpartition("+")[2] for m in members[1:])])
    return " / ".join(members)


def sheet_rows(where: Where) -> list[tuple[str, str]]:
    """(keys, words) per line of the cheat sheet; a family's rows make one line."""
    lines: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in rows(where):
        if not row.family:
            lines.append((keys_of(row.name), row.text))
        elif row.family not in seen:
            seen.add(row.family)
            lines.append((family_keys(row.name), row.family))
    return lines
