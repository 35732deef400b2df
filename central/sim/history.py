"""Old history as counts only: one numpy draw per simulated hour, per town.

The recent window gets individual rows (live.py); before it, a month of
history is kept as the counters the panels read (per town per day, city-wide
per hour), drawn with the same expected rates, so a new database is ready in a
second instead of generating a hundred thousand rows nobody lists.
"""

from __future__ import annotations

import numpy as np

from central.sim import city, live, rates
from central.sim.clock import day_key, day_start, hour_key
from central.sim.store import CITY, Counters
from central.sim.world import towns, weights

_KINDS = ("hotline", "grid_event", "dispute", "enterprise", "volunteer", "rental", "hazchem", "warning")
_SHARES = {
    "dispute": city.DISPUTE_TYPES, "enterprise": city.ENTERPRISE_TYPES, "volunteer": city.VOLUNTEER_TYPES,
    "rental": city.RENTAL_SOURCES, "hazchem": city.HAZCHEM_TYPES,
}
_CLOSED = {"dispute": ("disputes_resolved", 0.975), "enterprise": ("enterprise_closed", 1.0),
           "rental": ("rentals_closed", 1.0), "hazchem": ("hazchem_rectified", 0.96)}


def hour(counters: Counters, seed: int, first_minute: int) -> None:
    """Count one simulated hour (starting at `first_minute`) without individual rows."""
    rng = np.random.default_rng([seed, first_minute, 1])
    day, hour_text = day_key(first_minute), hour_key(first_minute)
    codes = [t.adcode for t in towns()]
    share = weights()
    for metric, value in rates.conditions(seed, first_minute).items():
        counters.hourly_set[metric, hour_text] = value
        if metric in ("app_active", "exchange"):
            counters.day(metric, day, CITY, value)
    if first_minute == day_start(first_minute):
        for name, value in rates.water_quality(seed, first_minute).items():
            counters.day(f"wq:{name}", day, CITY, value)
    expected = {kind: sum(rates.per_minute(seed, kind, m) for m in range(first_minute, first_minute + 60, 5)) * 5
                for kind in _KINDS}

    def per_town(metric: str, counts: np.ndarray) -> None:
        for code, count in zip(codes, counts.tolist(), strict=True):
            if count:
                counters.day_city(metric, day, code, count)

    calls = rng.poisson(expected["hotline"] * share)
    closed = rng.binomial(calls, 0.9685)
    rated = rng.binomial(closed, live.RATED)
    per_town("calls", calls)
    per_town("closed", closed)
    per_town("rated", rated)
    per_town("satisfied", rng.binomial(rated, live.SATISFIED))
    counters.hour("calls", hour_text, int(calls.sum()))
    for channel, count in zip(city.CHANNELS, rng.multinomial(int(calls.sum()), city.CHANNEL_WEIGHTS).tolist(),
                              strict=True):
        counters.day(f"channel:{channel}", day, CITY, count)
    reported = rng.poisson(expected["grid_event"] * share)
    per_town("grid_reported", reported)
    per_town("grid_escalated", rng.binomial(reported, live.ESCALATED))
    for kind, table in _SHARES.items():
        counts = rng.poisson(expected[kind] * share)
        per_town(live.METRIC[kind], counts)
        total = int(counts.sum())
        names, weights_ = [row[0] for row in table], np.array([row[1] for row in table], dtype=float)
        for name, count in zip(names, rng.multinomial(total, weights_ / weights_.sum()).tolist(), strict=True):
            if count:
                counters.day(f"{kind}_type:{name}", day, CITY, count)
        if kind in _CLOSED:
            metric, p = _CLOSED[kind]
            per_town(metric, rng.binomial(counts, p))
        if kind == "volunteer":
            per_town("volunteer_hours", np.round(counts * rng.uniform(30, 60, len(codes)), 1))
    storm = rates.storm_of_day(seed, day_start(first_minute))
    if storm and first_minute <= storm.start + storm.minutes // 3 < first_minute + 60:  # as live.py raises it
        count = int(rng.integers(1, 3))
        counters.day("warnings:red" if storm.peak_mm_h >= 50 else "warnings:orange", day, CITY, count)
        counters.day("warnings", day, CITY, count)
    raised = rng.poisson(expected["warning"] * share)
    per_town("warnings", raised)
    total = int(raised.sum())
    urgent = int(rng.binomial(total, live.URGENT_SHARE))
    red = int(rng.binomial(urgent, 0.3))
    blue = int(rng.binomial(total - urgent, 0.26))
    for level, count in (("red", red), ("orange", urgent - red), ("yellow", total - urgent - blue), ("blue", blue)):
        if count:
            counters.day(f"warnings:{level}", day, CITY, count)
