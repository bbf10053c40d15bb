"""The status update composer (Ctrl+U on the board): the audience's template to fill in, the
message rules' findings as it is typed, Ctrl+Enter sends (a row of `ui.actions`), Esc closes.
Tab selects the next thing the rules found (the template's blanks, to begin with), so typing
replaces it; Shift+Tab the one before; past the first or the last, they go on to the audience
and the button as Tab does anywhere. `ui.status_updates` fills it, checks it and sends it.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from ui import actions, palette
from ui.actions import ESC, Where
from ui.board_panels import panel_title
from ui.text_positions import Positions


class UpdateComposer(QFrame):
    """Write a status update from the audience's template; live-message rules run as you type.
    The audiences are the process's (each update template's); the keys are `ui.actions`' rows
    (Where.COMPOSER), and Esc closes it, as it closes every bar.

    Never taller than `MAX_LINES` of text and the rules' findings: the timeline above stays in
    sight while an update is written.

    Signals:
        send_requested(str, str): audience and text.
        closed()
    """

    MAX_LINES = 6  # of the update's text; a longer one scrolls
    MAX_FINDINGS_LINES = 4  # of what the rules found as it is typed; more scrolls

    send_requested = Signal(str, str)
    override_requested = Signal(str, str)  # send, and let its messages out despite the rules' findings
    closed = Signal()

    def __init__(self, audiences: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.audience_box = QComboBox(self)
        self.audience_box.setAccessibleName("Audience")
        for audience in audiences:
            self.audience_box.addItem(audience.replace("_", " ").capitalize(), audience)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("composerText")
        self.editor.setAccessibleName("Update text")
        self.findings = QLabel(self)
        self.findings.setObjectName("findings")
        self.findings.setWordWrap(True)
        self.findings.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.findings_scroll = QScrollArea(self)
        self.findings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.findings_scroll.setWidgetResizable(True)
        self.findings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.findings_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.findings_scroll.setWidget(self.findings)
        self.actions_by_name = actions.install(self, Where.COMPOSER, composer=self)
        self.send_button = QPushButton(f"Send ({actions.key_text(actions.BY_NAME['send_update'].keys[0])})", self)
        self.hint = QLabel(f"{actions.keys_of('next_finding')} next blank · {ESC} cancels", self)
        self.hint.setObjectName("keysHint")
        self.hint.setWordWrap(True)  # it wraps rather than widen the board past its columns
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(panel_title("Status update to", self))
        top.addWidget(self.audience_box)
        top.addStretch(1)
        top.addWidget(self.hint)
        top.addWidget(self.send_button)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.findings_scroll)
        self.send_button.clicked.connect(self.send)
        actions.yield_keys(self.editor, places=(Where.WINDOW, Where.BOARD, Where.COMPOSER), keep=(ESC,))
        self.editor.installEventFilter(self)
        self._spans: list[tuple[int, int]] = []  # what the rules found: offsets into the text
        self._cap()
        self.hide()

    def audience(self) -> str:
        return self.audience_box.currentData()

    def send(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            self.send_requested.emit(self.audience(), text)

    def send_override(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            self.override_requested.emit(self.audience(), text)

    def show_findings(self, text: str, spans: list[tuple[int, int]] | None = None) -> None:
        """What the rules found (or a word about sending), as tall as it needs up to its cap;
        with `spans`, where in the text they found it (None: where they last did)."""
        self.findings.setText(text)
        if spans is not None:
            self._spans = sorted(set(spans))
        # Said in the error colour, but for "nothing found" (rules that ran and found nothing).
        palette.set_state(self.findings, "ok", spans is not None and not spans)
        self._cap()

    def select_first_finding(self) -> None:
        """Select the first thing the rules found (a template just filled in: its first blank)."""
        if self._spans:
            self._select(self._spans[0], focus=False)  # the audience chosen keeps the keyboard

    def select_next_finding(self) -> None:
        """Tab: select the next thing the rules found after the cursor (or the one it is in);
        after the last, on to the next field, as Tab goes anywhere. Into the text from the
        audience or the button: its first one."""
        if not self.editor.hasFocus():
            self.editor.setFocus()
            self.select_first_finding()
            return
        start, end, selected = self._here()
        after = [s for s in self._spans if s[0] >= end or (not selected and s[1] > end)]
        if after:
            self._select(after[0])
        else:
            self.focusNextPrevChild(True)

    def select_previous_finding(self) -> None:
        """Shift+Tab: the one before the cursor; before the first, back to the field before
        (the audience)."""
        start, end, selected = self._here()
        before = [s for s in self._spans if s[1] <= start or (not selected and s[0] < start)]
        if self.editor.hasFocus() and before:
            self._select(before[-1])
        else:
            self.focusNextPrevChild(False)

    def _here(self) -> tuple[int, int, bool]:
        """The selection (or the cursor) as offsets into the text, and whether there is one."""
        cursor, places = self.editor.textCursor(), Positions(self.editor.toPlainText())
        return (places.in_text(cursor.selectionStart()), places.in_text(cursor.selectionEnd()),
                cursor.hasSelection())

    def _select(self, span: tuple[int, int], focus: bool = True) -> None:
        places = Positions(self.editor.toPlainText())
        self.editor.setTextCursor(places.select(self.editor.textCursor(), *span))
        if focus:
            self.editor.setFocus()

    def _cap(self) -> None:
        line = self.fontMetrics().lineSpacing()
        frame = 2 * (self.editor.frameWidth() + int(self.editor.document().documentMargin()))
        self.editor.setMaximumHeight(self.MAX_LINES * self.editor.fontMetrics().lineSpacing() + frame)
        width = max(self.findings_scroll.viewport().width(), 100)
        needed = self.findings.heightForWidth(width) if self.findings.text() else 0
        self.findings_scroll.setFixedHeight(min(max(needed, 0), self.MAX_FINDINGS_LINES * line))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._cap()  # the findings wrap anew at the new width

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.editor and actions.claims(event, ESC):
            return True
        if watched is self.editor and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self.hide()
            self.closed.emit()
            return True
        return False
