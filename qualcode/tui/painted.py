"""Keys act only on what is on screen: a key pressed before a new segment was painted (typed
ahead while auto-advance moved on, or queued while the app was busy) never acts on it.

The apps call :meth:`SegmentApp.painted` after drawing a segment; the time it reached the screen
is noted once the screen has refreshed (after the messages already waiting, so a key queued
behind the drawing sees the segment before). An acting key handler asks :meth:`SegmentApp.fresh`
whether its key was pressed, by the event's own time, after the segment it would act on was
painted; otherwise the key is ignored with a bell.
"""

from __future__ import annotations

from textual import events
from textual.app import App

try:  # the clock textual stamps events with (monotonic; perf_counter on Windows)
    from textual._time import get_time as clock
except ImportError:  # pragma: no cover - a textual without it
    from time import monotonic as clock


class SegmentApp(App[None]):
    """A Textual app showing one segment at a time, whose keys act on the segment shown."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[object, float] | None = None  # (segment on screen, when painted)
        self._key_at = 0.0  # when the key being handled was pressed

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._key_at = event.time
        await super().on_event(event)

    def painted(self, segment: object) -> None:
        """``segment`` (None: nothing) has just been drawn: keys act on it from its paint on."""
        self.call_after_refresh(self._on_screen, segment)

    def _on_screen(self, segment: object) -> None:
        if self._shown is None or self._shown[0] != segment:
            self._shown = (segment, clock())

    def fresh(self, segment: object) -> bool:
        """Whether the key being handled was pressed while ``segment`` was on screen; if not,
        the key is refused with a bell."""
        shown = self._shown
        if shown is not None and shown[0] == segment and self._key_at >= shown[1]:
            return True
        self.bell()
        return False
