"""The simulated clock and the time keys the simulator stores by.

Simulated time runs `speed` times faster than real time from an anchor (a
real instant paired with a simulated instant) kept in the database, so a
restart continues where the last run stopped. Work is done in whole simulated
minutes, numbered from the Unix epoch.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from kernel.clock import CITY_TZ, city_text

MAX_CATCH_UP_MIN = 24 * 60  # after a long stop, at most one simulated day is caught up


def at_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, CITY_TZ)


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


iso = city_text  # the one stored form (kernel.clock)


def iso_minute(minute: int, seconds: float = 0.0) -> str:
    return iso(at_minute(minute) + timedelta(seconds=seconds))


def day_key(minute: int) -> str:
    return at_minute(minute).strftime("%Y-%m-%d")


def hour_key(minute: int) -> str:
    return at_minute(minute).strftime("%Y-%m-%dT%H")


def local_hour(minute: int) -> int:
    return (minute // 60 + 8) % 24


def day_start(minute: int) -> int:
    """The first minute of the local (UTC+8) day holding `minute`."""
    return (minute + 480) // 1440 * 1440 - 480


class Clock:
    """Simulated now = sim_anchor + (real now - real_anchor) * speed; thread-safe by immutability."""

    def __init__(self, real_anchor: float, sim_anchor: float, speed: float) -> None:
        if not speed > 0:
            raise ValueError(f"the speed must be a positive number, not {speed!r}")
        self.real_anchor, self.sim_anchor, self.speed = real_anchor, sim_anchor, speed

    def sim_seconds(self, real: float | None = None) -> float:
        return self.sim_anchor + ((time.time() if real is None else real) - self.real_anchor) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.sim_seconds(), CITY_TZ)

    def rebased(self, speed: float) -> Clock:
        """The same simulated instant now, running at a new speed from here on."""
        real = time.time()
        return Clock(real, self.sim_seconds(real), speed)

    def real_wait(self, sim_minute: int) -> float:
        """Real seconds until the simulated clock reaches the start of `sim_minute`."""
        return max(0.0, (sim_minute * 60 - self.sim_seconds()) / self.speed)


def utc_now() -> datetime:
    return datetime.now(UTC)
