"""When the IC's call-etiquette prompts speak: one for the moment (declaring, a decision, a task,
an expired timer, a lull, the close), else the general ones rotating every half minute. Each can
be dismissed or snoozed, and the strip switched off. Nothing here is modal.

A moment's prompts stay only while what they speak to is so (`recheck`, on every change and
every second): "No commander yet" goes once someone is IC, "Time-box up?" once no task is
overdue, a lull's once something is recorded (`console.board.moment_holds`).
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from console import board, times
from console.clock import Clock
from ui.preferences import PROMPTS, SNOOZED_UNTIL, Preferences

if TYPE_CHECKING:  # pragma: no cover
    from console.process import Process
    from ui.board_panels import PromptStrip

LULL_MINUTES = 5
CONTEXT_PROMPT_SECONDS = 90
ROTATE_SECONDS = 30


class Prompts:
    """The prompt strip's timing.

    `audiences` gives who the general prompts are for (everyone and the checklist's role);
    `say` shows a short message under the note box.
    """

    def __init__(self, process: "Process", clock: Clock, strip: "PromptStrip",
                 audiences: Callable[[], tuple[str, ...]], say: Callable[[str], None],
                 preferences: Preferences) -> None:
        self.process = process
        self._clock = clock
        self.strip = strip
        self._audiences = audiences
        self._say = say
        self._preferences = preferences
        self.on = preferences.get(PROMPTS)
        self._dismissed: set[str] = set()
        self._snoozed_until: float | None = preferences.get(SNOOZED_UNTIL) or None
        self._context_until: float | None = None
        self.moment: str | None = None  # whose prompts the strip shows, while it shows a moment's
        self._rotation = 0
        self._last_rotate: float | None = None
        self._lull_prompted_for: str | None = None

    def show_moment(self, moment: str) -> None:
        """Show the IC's prompts for what just happened (declaring, a decision, a task…).

        A lull only speaks when nothing more pressing is on the strip.
        """
        if not self.on:
            return
        now = self._clock.now().timestamp()
        if moment == "lull" and self.strip.contextual and self._context_until and now < self._context_until:
            return
        prompts = [p for p in board.prompts_for(self.process, moment, ("ic",))
                   if p["id"] not in self._dismissed]
        if prompts:
            self.strip.show_prompt(prompts[0], contextual=True, more=prompts[1:3])
            self._context_until = now + CONTEXT_PROMPT_SECONDS
            self.moment = moment

    def recheck(self, holds: Callable[[str], bool], newest: str | None) -> None:
        """Put away the moment's prompts when it no longer holds (`holds(moment)`; a lull holds
        until an entry newer than the quiet one, `newest`, is recorded), and go back to the
        general ones at once."""
        if self.moment is None or not self.strip.contextual:
            self.moment = None
            return
        still = holds(self.moment) and (self.moment != "lull" or newest == self._lull_prompted_for)
        if not still:
            self.moment = None
            self._context_until = None
            self._last_rotate = None
            self.strip.show_prompt(None, contextual=False)

    def rotate(self, now: datetime) -> None:
        """Once a second: the next general prompt, unless snoozed, off, or a moment's is showing."""
        if not self.on or (self._snoozed_until and now.timestamp() < self._snoozed_until):
            if self.strip.isVisible() and not self.strip.contextual:
                self.strip.show_prompt(None, contextual=False)
            return
        if self.strip.contextual and self._context_until and now.timestamp() < self._context_until:
            return
        if self._last_rotate is not None and now.timestamp() - self._last_rotate < ROTATE_SECONDS \
                and self.strip.current is not None:
            return
        self._last_rotate = now.timestamp()
        general = [p for p in board.prompts_for(self.process, "periodic", self._audiences())
                   if p["id"] not in self._dismissed]
        if general:
            self._rotation = (self._rotation + 1) % len(general)
            self.strip.show_prompt(general[self._rotation], contextual=False)
        else:
            self.strip.show_prompt(None, contextual=False)

    def check_lull(self, now: datetime, newest: str | None) -> None:
        """Nothing recorded for LULL_MINUTES since `newest` (a recorded_at): the lull's prompt, once."""
        if newest is None:
            return
        quiet = (now - times.from_text(newest)).total_seconds() >= LULL_MINUTES * 60
        if quiet and self._lull_prompted_for != newest:
            self._lull_prompted_for = newest
            self.show_moment("lull")

    def dismiss(self) -> None:
        if self.strip.current is not None:
            self._dismissed.add(self.strip.current["id"])
        self.moment = None
        self._context_until = None
        self._last_rotate = None
        self.strip.show_prompt(None, contextual=False)
        self.rotate(self._clock.now())

    def snooze(self, minutes: int) -> None:
        """No general prompts for `minutes` (the key's argument, in `ui.actions`)."""
        self._snoozed_until = self._clock.now().timestamp() + minutes * 60
        self._preferences.set(SNOOZED_UNTIL, self._snoozed_until)
        self.strip.show_prompt(None, contextual=False)
        self._say(f"Prompts snoozed for {minutes} minutes.")

    def toggle(self) -> None:
        self.on = not self.on
        self._preferences.set(PROMPTS, self.on)
        if not self.on:
            self.strip.show_prompt(None, contextual=False)
        self._say(f"Prompts {'on' if self.on else 'off'}.")
