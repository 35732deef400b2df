"""A server's clock as this machine sees it: the median of what its recent answers say (the central
API's HTTP `Date`, or the clock a feed states with its rate).

Nothing on the wall depends on the two clocks agreeing: ages are measured on the monotonic clock from
when an answer arrived, and the header shows the city's time from this machine. The estimate serves
what was stamped by the server in another run (a cached payload's age) and the warning to the duty
operator when the server's clock is off or its back ends disagree. A median over recent answers means
one odd `Date` (a proxy's, a back end's just rebooted) moves nothing.
"""

from __future__ import annotations

import statistics
from collections import deque
from datetime import UTC, datetime

from cockpit.core.formats import format_duration

TOLERANCE_S = 120.0  # clocks this close count as agreeing (NTP-less servers drift a minute a month)


class ClockEstimate:
    """A server's clock: the median, over its recent answers, of what each says the time is now.
    `rate`: how fast that clock runs against real time (a simulated city's may run faster)."""

    def __init__(self, window: int = 15, tolerance_s: float = TOLERANCE_S) -> None:
        self.tolerance_s = tolerance_s
        self.rate = 1.0
        self._seen: deque[tuple[datetime, datetime]] = deque(maxlen=window)  # (ours, the server's)

    @property
    def observed(self) -> bool:
        return bool(self._seen)

    def observe(self, server_time: datetime | None, local_now: datetime | None = None, *,
                rate: float = 1.0) -> None:
        if server_time is None:
            return
        if rate != self.rate:  # the clock changed its pace: what it said before no longer predicts it
            self._seen.clear()
            self.rate = rate
        self._seen.append((local_now or datetime.now(UTC), server_time))

    def now(self, local_now: datetime | None = None) -> datetime:
        """One of the times the recent answers predict (never the mean of two back ends' clocks, a
        time nobody keeps); this machine's time before any answer."""
        local = local_now or datetime.now(UTC)
        if not self._seen:
            return local
        return statistics.median_low(server + (local - seen) * self.rate for seen, server in self._seen)

    def problem(self) -> str | None:
        """What is wrong with the server's clock, in words for the duty operator; None when fine."""
        if not self._seen:
            return None
        offsets = [(server - seen).total_seconds() for seen, server in self._seen]
        offset = statistics.median_low(offsets)
        strays = [o for o in offsets if abs(o - offset) > self.tolerance_s]
        if len(strays) >= 3:  # not one odd answer: several back ends with different clocks
            spread = max(abs(o - offset) for o in strays)
            return f"服务器时钟不一致：各次回答相差约 {_minutes(spread)}"
        if abs(offset) > self.tolerance_s:
            return f"服务器时钟异常：{'快' if offset > 0 else '慢'}了 {_minutes(offset)}"
        return None


def _minutes(seconds: float) -> str:
    """To the minute: `Date` has whole seconds, so 299.6 s is what a 5-minute skew looks like."""
    return format_duration(max(60, round(abs(seconds) / 60) * 60))
