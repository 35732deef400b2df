"""The wall's one clock: every carousel on every screen turns on the same beat.

The beat is counted from the epoch on this machine's clock (time.time), so a cockpit restarted by its
watchdog lands on the page it left, and two cockpits driving parts of one wall agree, as Xibo's
followers do on their lead's clock. What the operator did moves the wall's own time: a pause holds it
(and ends by itself after its hold), a step turns every carousel by one page. Both are kept with the
wall's state (cockpit.core.wall.state), so a restart keeps them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from cockpit.core.wall.manifest import Region


@dataclass(frozen=True)
class ClockState:
    lag_s: float = 0.0  # how far the wall's time is behind the machine's: the pauses so far
    turns: int = 0  # pages stepped by hand (PageDown +1, PageUp −1), on every carousel
    paused_at: float | None = None  # the machine's time the pause began
    paused_until: float | None = None  # the machine's time the pause ends by itself
    blackout: bool = False


class WallClock:
    def __init__(self, tick_s: float, state: ClockState | None = None) -> None:
        self.tick_s = tick_s
        self.state = state or ClockState()

    def wall_time(self, now: float) -> float:
        """The wall's own time: the machine's, less the pauses, standing still during one."""
        self._resume_if_due(now)
        held = self.state.paused_at if self.state.paused_at is not None else now
        return held - self.state.lag_s

    def beat(self, now: float) -> int:
        return math.floor(self.wall_time(now) / self.tick_s)

    def seconds_to_next_beat(self, now: float) -> float:
        """How long until something on the wall may turn: the next beat, or a pause's end."""
        if self.paused(now):
            return max(0.0, self.state.paused_until - now)
        left = self.tick_s - self.wall_time(now) % self.tick_s
        return left if left > 1e-6 else self.tick_s

    def step(self, pages: int, now: float) -> None:
        """Every carousel turns by `pages` now, and the page it turns to gets a whole tick."""
        start_of_beat = self.wall_time(now) % self.tick_s
        paused = self.state.paused_at is not None
        self.state = replace(self.state, turns=self.state.turns + pages,
                             lag_s=self.state.lag_s + (0.0 if paused else start_of_beat))

    def pause(self, now: float, hold_s: float) -> None:
        """Hold the wall still; it resumes by itself after `hold_s`."""
        if not self.paused(now):
            self.state = replace(self.state, paused_at=now, paused_until=now + hold_s)

    def resume(self, now: float) -> None:
        if self.state.paused_at is not None:  # carry on from the page held
            self.state = replace(self.state, lag_s=self.state.lag_s + max(0.0, now - self.state.paused_at),
                                 paused_at=None, paused_until=None)

    def paused(self, now: float) -> bool:
        self._resume_if_due(now)
        return self.state.paused_at is not None

    def toggle_pause(self, now: float, hold_s: float) -> bool:
        if self.paused(now):
            self.resume(now)
            return False
        self.pause(now, hold_s)
        return True

    def toggle_blackout(self) -> bool:
        self.state = replace(self.state, blackout=not self.state.blackout)
        return self.state.blackout

    def item_index(self, region: Region, now: float) -> int:
        """Which of a region's items shows now: a carousel of N ticks turns every N beats."""
        if not region.is_carousel:
            return 0
        every = max(1, round(region.interval_s / self.tick_s))
        return (self.beat(now) // every + self.state.turns) % len(region.items)

    def _resume_if_due(self, now: float) -> None:
        if self.state.paused_until is not None and now >= self.state.paused_until:
            self.resume(self.state.paused_until)
