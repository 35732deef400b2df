"""The city's rhythms: the hotline's day, rainstorm surges, and how often warnings are raised."""

from __future__ import annotations

from datetime import datetime

import pytest

from central.sim import history, live, rates, world
from central.sim.clock import minute_of
from central.sim.store import CITY, Counters, connect, prepare
from kernel.clock import CITY_TZ

SEED = 7


def local_minute(day_first: int, hour: int) -> int:
    return day_first + hour * 60


def test_the_hotline_is_quiet_at_night_and_peaks_morning_and_afternoon():
    day = minute_of(datetime(2026, 11, 18, tzinfo=CITY_TZ))  # a Wednesday
    by_hour = [rates.DAILY["hotline"] / 1440 * rates.PROFILE["hotline"][h] for h in range(24)]
    assert rates.per_minute(999_999, "hotline", local_minute(day, 3)) == pytest.approx(by_hour[3])
    assert max(by_hour[0:6]) < 0.15 * max(by_hour)
    assert max(range(6, 12), key=by_hour.__getitem__) in (9, 10)
    assert max(range(12, 20), key=by_hour.__getitem__) in (14, 15)
    assert sum(by_hour) * 60 == pytest.approx(rates.DAILY["hotline"])


def test_a_rainstorm_brings_150_calls_a_minute_at_its_peak(tmp_path):
    storms = [s for d in range(200) if (s := rates.storm_of_day(SEED, 29_600_000 // 1440 * 1440 - 480 + 1440 * d))]
    assert 2 <= len(storms) <= 20  # about one day in 25
    strong = max(storms, key=lambda s: s.peak_mm_h)
    assert strong.peak_mm_h >= 50
    conn = connect(tmp_path / "c.sqlite")
    prepare(conn)
    world.seed_entities(conn, SEED)
    generator = live.Generator(conn, SEED)
    peak = strong.start + strong.minutes // 2
    counts = []
    for minute in (peak - 1, peak, peak + 1):
        batch = live.Batch()
        generator.minute(batch, minute, publish=False)
        counts.append(len(batch.requests))
    conn.close()
    assert max(counts) >= 150
    dry = rates.DAILY["hotline"] / 1440 * max(rates.PROFILE["hotline"])
    assert rates.per_minute(SEED, "hotline", peak) > 30 * dry


def test_warnings_fifteen_an_hour_and_about_281_red_or_orange_a_year():
    counters = Counters()
    first = 29_000_000 // 60 * 60
    history.span(counters, SEED, first, first + 365 * 1440)
    totals: dict[str, float] = {}
    for (metric, _, town), value in counters.daily.items():
        if town == CITY and metric.startswith("warnings"):
            totals[metric] = totals.get(metric, 0) + value
    assert totals["warnings"] / (365 * 24) == pytest.approx(15, rel=0.05)
    assert totals["warnings:red"] + totals["warnings:orange"] == pytest.approx(281, abs=50)
    assert totals["warnings:yellow"] > totals["warnings:blue"] > totals["warnings:orange"] > 0


def test_minutes_do_not_depend_on_the_order_they_are_generated_in(tmp_path):
    conn = connect(tmp_path / "c.sqlite")
    prepare(conn)
    world.seed_entities(conn, SEED)
    generator = live.Generator(conn, SEED)
    minutes = range(29_600_000, 29_600_030)
    forward, backward = live.Batch(), live.Batch()
    for minute in minutes:
        generator.minute(forward, minute, publish=True)
    for minute in reversed(minutes):
        generator.minute(backward, minute, publish=True)
    conn.close()
    assert sorted(forward.requests) == sorted(backward.requests)
    assert sorted(forward.events) == sorted(backward.events)
    assert sorted(map(str, forward.warnings)) == sorted(map(str, backward.warnings))
    assert forward.requests and forward.events
