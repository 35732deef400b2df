"""Old history as counts only: a few numpy draws per simulated day.

The recent window gets individual rows (live.py); before it, a month of
history is kept as the counters the panels read (per town per day, city-wide
per hour), drawn with the same expected rates, so a new database is ready in
about a second instead of generating a hundred thousand rows nobody lists.
"""

from __future__ import annotations

import numpy as np

from central.sim import city, live, rates
from central.sim.clock import day_key, day_start, hour_key
from central.sim.store import CITY, Counters
from central.sim.weather import weather_between
from central.sim.world import towns, weights

_KINDS = ("hotline", "grid_event", "dispute", "enterprise", "volunteer", "rental", "hazchem", "warning")
_SAMPLE_MIN = 10  # expected rates are sampled every 10 minutes


def span(counters: Counters, seed: int, first: int, last: int) -> None:
    """Count the whole hours in minutes [first, last), one local day at a time."""
    start = first
    while start < last:
        end = min(last, day_start(start) + 1440)
        _chunk(counters, seed, start, end)
        start = end


def _chunk(counters: Counters, seed: int, first: int, last: int) -> None:
    """Hours [first, last) of one local day."""
    rng = np.random.default_rng([seed, first, last])
    day = day_key(first)
    hours = range(first, last, 60)
    for hour in hours:
        for metric, value in rates.conditions(seed, hour).items():
            counters.hourly_set[metric, hour_key(hour)] = value
            if metric in ("app_active", "exchange"):
                counters.day(metric, day, CITY, value)
    if first == day_start(first):
        for name, value in rates.water_quality(seed, first).items():
            counters.day(f"wq:{name}", day, CITY, value)
    expected = {kind: np.array([sum(rates.per_minute(seed, kind, m) for m in range(h, h + 60, _SAMPLE_MIN))
                                * _SAMPLE_MIN for h in hours]) for kind in _KINDS}
    codes = [t.adcode for t in towns()]
    share = weights() / weights().sum()

    def per_town(metric: str, counts: np.ndarray) -> None:
        for code, count in zip(codes, counts.tolist(), strict=True):
            if count:
                counters.day_city(metric, day, code, count)

    def split(kind: str) -> np.ndarray:
        return rng.multinomial(int(rng.poisson(expected[kind].sum())), share)

    hourly_calls = rng.poisson(expected["hotline"])
    for hour, count in zip(hours, hourly_calls.tolist(), strict=True):
        counters.hour("calls", hour_key(hour), count)
    calls = rng.multinomial(int(hourly_calls.sum()), share)
    closed = rng.binomial(calls, 0.9685)
    rated = rng.binomial(closed, live.RATED)
    per_town("calls", calls)
    per_town("closed", closed)
    per_town("rated", rated)
    per_town("satisfied", rng.binomial(rated, live.SATISFIED))
    for channel, count in zip(city.CHANNELS, rng.multinomial(int(calls.sum()), city.CHANNEL_WEIGHTS).tolist(),
                              strict=True):
        counters.day(f"channel:{channel}", day, CITY, count)
    reported = split("grid_event")
    per_town("grid_reported", reported)
    per_town("grid_escalated", rng.binomial(reported, live.ESCALATED))
    for spec in live.HAPPENINGS:
        counts = split(spec.kind)
        per_town(spec.metric, counts)
        names, parts = [row[0] for row in spec.categories], np.array([row[1] for row in spec.categories], dtype=float)
        for name, count in zip(names, rng.multinomial(int(counts.sum()), parts / parts.sum()).tolist(), strict=True):
            if count:
                counters.day(f"{spec.kind}_type:{name}", day, CITY, count)
        if spec.closed_metric:
            per_town(spec.closed_metric, rng.binomial(counts, spec.settled))
        if spec.kind == "volunteer":
            per_town("volunteer_hours", np.round(counts * rng.uniform(30, 60, len(codes)), 1))
    _warnings(counters, rng, seed, first, last, split("warning"), day, per_town)


def _warnings(counters: Counters, rng: np.random.Generator, seed: int, first: int, last: int,
              raised: np.ndarray, day: str, per_town) -> None:
    per_town("warnings", raised)
    total = int(raised.sum())
    urgent = int(rng.binomial(total, live.URGENT_SHARE))
    red = int(rng.binomial(urgent, 0.3))
    blue = int(rng.binomial(total - urgent, 0.26))
    levels = {"red": red, "orange": urgent - red, "yellow": total - urgent - blue, "blue": blue}
    for weather in weather_between(seed, first, last):
        if weather.msg_type != "Cancel":
            levels[weather.level] += 1
            counters.day("warnings", day, CITY)
    for level, count in levels.items():
        if count:
            counters.day(f"warnings:{level}", day, CITY, count)
