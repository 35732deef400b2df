"""Warnings the weather raises: rainstorms (alerted, upgraded, then cancelled), waterlogging,
fog, heat, ice, gales and typhoons, each in its season. A pure function of (seed, day)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from central.sim.clock import at_minute
from central.sim.rates import storm_of_day

COUNTIES = ("320613", "320612", "320614", "320685", "320682", "320623", "320681")
# Raised only by the weather here, never drawn at random.
WEATHER_ITEMS = frozenset({"暴雨", "台风", "大风", "雷电", "高温", "大雾", "道路结冰", "城市内涝积水",
                           "河道水位超警戒", "潮位超警戒"})


@dataclass(frozen=True)
class WeatherWarning:
    minute: int
    item: str  # a warning item's name
    level: str
    county: str
    hours: float  # until it expires
    msg_type: str = "Alert"  # Update and Cancel apply to the last message on the same chain
    chain: str | None = None


@cache
def weather_of_day(seed: int, day_first_minute: int) -> tuple[WeatherWarning, ...]:
    rng = random.Random(f"weather-{seed}-{day_first_minute}")
    month = at_minute(day_first_minute).month
    found: list[WeatherWarning] = []
    storm = storm_of_day(seed, day_first_minute)
    if storm:
        for county in rng.sample(COUNTIES, rng.randint(1, 2)):
            chain = f"storm-{storm.start}-{county}"
            alert = storm.start + storm.minutes // 4
            found.append(WeatherWarning(alert, "暴雨", "orange", county, 6, "Alert", chain))
            found.append(WeatherWarning(alert, "雷电", "yellow", county, 3))
            if storm.peak_mm_h >= 50:
                found.append(WeatherWarning(storm.start + storm.minutes // 2, "暴雨", "red", county, 6, "Update", chain))
            found.append(WeatherWarning(storm.start + storm.minutes + 30, "暴雨", "orange", county, 0, "Cancel", chain))
            if storm.peak_mm_h >= 45:
                found.append(WeatherWarning(storm.start + storm.minutes // 2 + 10, "城市内涝积水", "orange", county, 4))
    seasonal = (("大雾", (11, 12, 1, 2, 3), 0.12, (5, 7), "yellow", 4),
                ("高温", (6, 7, 8), 0.3, (10, 12), "yellow", 8),
                ("道路结冰", (12, 1, 2), 0.08, (20, 23), "yellow", 12),
                ("大风", tuple(range(1, 13)), 0.05, (0, 23), "blue", 6))
    for item, months, chance, (first_hour, last_hour), level, hours in seasonal:
        if month in months and rng.random() < chance:
            minute = day_first_minute + rng.randint(first_hour * 60, last_hour * 60)
            if item == "高温" and rng.random() < 0.1:
                level = "orange"
            for county in rng.sample(COUNTIES, rng.randint(1, 4)):
                found.append(WeatherWarning(minute, item, level, county, hours))
    if month in (7, 8, 9) and rng.random() < 0.01:
        minute = day_first_minute + rng.randint(0, 1439)
        for county in ("320681", "320614", "320623"):  # the coast
            chain = f"typhoon-{minute}-{county}"
            found.append(WeatherWarning(minute, "台风", "orange", county, 24, "Alert", chain))
            if rng.random() < 0.3:
                found.append(WeatherWarning(minute + 360, "台风", "red", county, 18, "Update", chain))
    return tuple(sorted(found, key=lambda w: w.minute))


def weather_at(seed: int, minute: int) -> list[WeatherWarning]:
    """The weather's messages in this minute (a day's may run past midnight)."""
    day = (minute + 480) // 1440 * 1440 - 480
    return [w for first in (day, day - 1440) for w in weather_of_day(seed, first) if w.minute == minute]


def weather_between(seed: int, first: int, last: int) -> list[WeatherWarning]:
    day = (first + 480) // 1440 * 1440 - 480
    return [w for start in range(day - 1440, last, 1440) for w in weather_of_day(seed, start) if first <= w.minute < last]
