"""Burn-in care for panels that show the same chrome for days: a slow orbit and night dimming."""

from __future__ import annotations

import math

ORBIT_STEPS = 8  # positions round the orbit, one a minute: back where it began every 8 minutes
ORBIT_PERIOD_S = 60.0


def orbit_offset(now: float, travel_px: int) -> tuple[int, int]:
    """Where the static chrome sits now: on a circle whose diameter is `travel_px`, moving one step a
    minute (whole pixels, so text stays on the pixel grid and crisp)."""
    if travel_px <= 0:
        return 0, 0
    step = math.floor(now / ORBIT_PERIOD_S) % ORBIT_STEPS
    angle = 2 * math.pi * step / ORBIT_STEPS
    radius = travel_px / 2
    return round(radius * math.cos(angle)), round(radius * math.sin(angle))
