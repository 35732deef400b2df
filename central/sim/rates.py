"""How often things happen: daily volumes, the rhythm of the day, storms, the weather and the river.

Everything here is a pure function of (seed, time), so any minute or hour can
be generated again and give the same answer, whatever the order of generation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

from central.sim.clock import day_start, local_hour

# Expected events a day city-wide, storms aside (with them the hotline averages ~2,550 a day, and
# 通州's ~12 % of that matches its 46,000 requests in five months). Warnings: ~15 an hour of all levels.
DAILY = {"hotline": 2000, "grid_event": 1500, "dispute": 160, "enterprise": 110, "volunteer": 380,
         "rental": 6, "hazchem": 1.5, "warning": 360}

_HOTLINE = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.9, 1.5, 1.9, 1.8, 1.5,
            1.1, 1.3, 1.7, 1.8, 1.6, 1.3, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25)  # night low, two peaks
_DAYTIME = (0.05, 0.03, 0.02, 0.02, 0.03, 0.1, 0.4, 1.2, 2.0, 2.3, 2.2, 1.8,
            1.2, 1.6, 2.1, 2.2, 1.9, 1.4, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1)  # patrols and office hours
_FLAT = (1.0,) * 24


def _normalised(profile: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(profile) / len(profile)
    return tuple(p / mean for p in profile)


PROFILE = {"hotline": _normalised(_HOTLINE), "daytime": _normalised(_DAYTIME), "flat": _FLAT,
           "exchange": _normalised(tuple(p ** 0.5 for p in _DAYTIME))}  # machines exchange at night too
PROFILE_OF = {"hotline": "hotline", "grid_event": "daytime", "dispute": "daytime", "enterprise": "daytime",
              "volunteer": "daytime", "rental": "flat", "hazchem": "flat", "warning": "flat"}
STORM_PEAK_CALLS = 150.0  # extra hotline calls a minute at 55 mm/h of rain; the surge rises with its cube


def storm_calls(rain_mm_h: float) -> float:
    """Extra hotline calls a minute in heavy rain (waterlogging, cars stalled, cellars flooded)."""
    return STORM_PEAK_CALLS * (rain_mm_h / 55.0) ** 3 if rain_mm_h > 8.0 else 0.0


def storm_reports(rain_mm_h: float) -> float:
    """Extra grid events a minute in heavy rain (the grid reports waterlogging)."""
    return 0.2 * max(0.0, rain_mm_h - 8.0)


@dataclass(frozen=True)
class Storm:
    start: int  # minute index
    minutes: int
    peak_mm_h: float

    def rain(self, minute: int) -> float:
        """Rain intensity (mm/h) at `minute`: a bell over the storm's span."""
        if not self.start <= minute < self.start + self.minutes:
            return 0.0
        x = (minute - self.start) / self.minutes
        return self.peak_mm_h * math.sin(math.pi * x) ** 2


@cache
def storm_of_day(seed: int, day_first_minute: int) -> Storm | None:
    """About one day in 25 has a rainstorm (one to four hours, 30–75 mm/h at its peak)."""
    rng = random.Random(f"storm-{seed}-{day_first_minute}")
    if rng.random() >= 0.04:
        return None
    return Storm(day_first_minute + rng.randrange(0, 20 * 60), rng.randrange(60, 240), rng.uniform(30, 75))


def rain(seed: int, minute: int) -> float:
    """mm/h of rain at `minute`: storms plus light showers on some days."""
    storm = storm_of_day(seed, day_start(minute))
    storm_rain = storm.rain(minute) if storm else 0.0
    previous = storm_of_day(seed, day_start(minute) - 1440)  # a storm may run past midnight
    if previous:
        storm_rain += previous.rain(minute)
    shower = _shower(seed, day_start(minute))
    if shower and shower[0] <= minute < shower[0] + 180:
        storm_rain += shower[1]
    return storm_rain


@cache
def _shower(seed: int, day_first_minute: int) -> tuple[int, float] | None:
    """One day in five has three hours of light rain: (first minute, mm/h)."""
    rng = random.Random(f"showers-{seed}-{day_first_minute}")
    if rng.random() >= 0.2:
        return None
    return day_first_minute + rng.randrange(0, 1200), rng.uniform(0.5, 6.0)


def weekday_factor(kind: str, minute: int) -> float:
    weekday = (minute + 480) // 1440 % 7  # the epoch was a Thursday: 0 = Thu ... 2 = Sat, 3 = Sun
    weekend = weekday in (2, 3)
    return {"enterprise": 0.3, "volunteer": 1.6, "hotline": 0.85, "dispute": 0.9}.get(kind, 1.0) if weekend else 1.0


def per_minute(seed: int, kind: str, minute: int) -> float:
    """Expected count in this minute, city-wide."""
    base = DAILY[kind] / 1440 * PROFILE[PROFILE_OF[kind]][local_hour(minute)] * weekday_factor(kind, minute)
    if kind == "hotline":
        base += storm_calls(rain(seed, minute))
    elif kind == "grid_event":
        base += storm_reports(rain(seed, minute))
    return base


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# ------------------------------------------------------------------ hourly conditions

WARNING_RIVER_M = 4.6  # 长江南通段 warning tide level used by the simulation
RECORDS_PER_DAY = 4.0e8  # data records exchanged a day


def conditions(seed: int, hour_first_minute: int) -> dict[str, float]:
    """City-wide readings for one hour: rain, the river, cameras, data exchange, app use."""
    rng = random.Random(f"conditions-{seed}-{hour_first_minute}")
    minute = hour_first_minute + 30
    rain_mm = sum(rain(seed, m) for m in range(hour_first_minute, hour_first_minute + 60, 5)) / 12
    hours = minute / 60
    tide = 1.5 * math.sin(2 * math.pi * hours / 12.42) + 0.45 * math.sin(2 * math.pi * hours / (24 * 14.77))
    recent_rain = sum(rain(seed, m) for m in range(minute - 720, minute, 30)) / 24
    river = 2.6 + tide + min(1.2, recent_rain / 25) + rng.uniform(-0.05, 0.05)
    hour = local_hour(minute)
    online = 0.985 + rng.uniform(-0.006, 0.006) - min(0.05, rain_mm / 1500)
    exchange = RECORDS_PER_DAY / 24 * PROFILE["exchange"][hour] * rng.uniform(0.92, 1.08)
    app = 165_000 / 24 * PROFILE["hotline"][hour] * weekday_factor("hotline", minute) * rng.uniform(0.9, 1.1)
    return {"rain_mm": round(rain_mm, 1), "river_m": round(river, 2), "camera_online": round(online, 4),
            "exchange": round(exchange), "app_active": round(app)}


def water_quality(seed: int, day_first_minute: int) -> dict[str, float]:
    """Daily Yangtze section readings (mg/L): dissolved oxygen, permanganate index, ammonia."""
    rng = random.Random(f"water-{seed}-{day_first_minute}")
    season = math.cos(2 * math.pi * ((day_first_minute / 1440 - 15) % 365.25) / 365.25)  # cold: more oxygen
    return {"溶解氧": round(7.6 + 1.3 * season + rng.uniform(-0.4, 0.4), 2),
            "高锰酸盐指数": round(2.6 + rng.uniform(-0.4, 0.5), 2),
            "氨氮": round(0.18 + rng.uniform(-0.06, 0.12), 3)}
