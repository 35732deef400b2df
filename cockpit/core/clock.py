"""The central API's clock as this machine sees it: the median offset of the recent answers' HTTP
`Date` from our own clock.

Nothing on the wall depends on the two clocks agreeing: ages are measured on the monotonic clock from
when an answer arrived, and the header shows the city's time from this machine. The estimate serves
what was stamped by the server in another run (a cached payload's age) and the warning to the duty
operator when the server's clock is off or its back ends disagree. A median over recent answers means
one odd `Date` (a proxy's, a back end's just rebooted) moves nothing.
"""

from __future__ import annotations

import statistics
from collections import deque
from datetime import UTC, datetime, timedelta

from cockpit.core.formats import format_duration

TOLERANCE_S = 120.0  # clocks this close count as agreeing (NTP-less servers drift a minute a month)


class ClockEstimate:
    def __init__(self, window: int = 15, tolerance_s: float = TOLERANCE_S) -> None:
        self.tolerance_s = tolerance_s
        self._offsets: deque[float] = deque(maxlen=window)  # server minus ours, seconds

    def observe(self, server_date: datetime | None, local_now: datetime | None = None) -> None:
        if server_date is not None:
            self._offsets.append((server_date - (local_now or datetime.now(UTC))).total_seconds())

    @property
    def offset_s(self) -> float:
        """One of the offsets seen (never the mean of two back ends' clocks, a time nobody keeps)."""
        return statistics.median_low(self._offsets) if self._offsets else 0.0

    def server_now(self, local_now: datetime | None = None) -> datetime:
        return (local_now or datetime.now(UTC)) + timedelta(seconds=self.offset_s)

    def problem(self) -> str | None:
        """What is wrong with the server's clock, in words for the duty operator; None when fine."""
        if not self._offsets:
            return None
        offset = self.offset_s
        strays = [o for o in self._offsets if abs(o - offset) > self.tolerance_s]
        if len(strays) >= 3:  # not one odd answer: several back ends with different clocks
            spread = max(abs(o - offset) for o in strays)
            return f"服务器时钟不一致：各次回答相差约 {_minutes(spread)}"
        if abs(offset) > self.tolerance_s:
            return f"服务器时钟异常：{'快' if offset > 0 else '慢'}了 {_minutes(offset)}"
        return None


def _minutes(seconds: float) -> str:
    """To the minute: `Date` has whole seconds, so 299.6 s is what a 5-minute skew looks like."""
    return format_duration(max(60, round(abs(seconds) / 60) * 60))
