"""The simulated city at the calendar's awkward instants, its clock pinned (no wall clock involved).

Each case starts a new city at one instant and reads its bodies: the year's turn just after midnight
(an almost empty "today"), a leap day just before midnight, the first minute after a leap day,
midsummer noon, the last day of a 31-day month, and a weekend. Expected figures are derived from the
simulator's own calendar (rates.per_minute), so they hold whatever the instant.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta

import pytest

from central.sim import HISTORY_DAYS, Simulator, rates
from central.sim.clock import at_minute, day_key, day_start, minute_of
from central.sim.store import CITY, get_state
from kernel.clock import CITY_TZ
from tests.central.test_sim_bodies import check_block, contract_panels

SEED = 7
FROZEN = 1e-6  # simulated seconds per real second: the clock stays on its instant during a test
INSTANTS = {
    "new_year_after_midnight": datetime(2027, 1, 1, 0, 0, 30, tzinfo=CITY_TZ),
    "leap_day_before_midnight": datetime(2028, 2, 29, 23, 55, tzinfo=CITY_TZ),
    "after_the_leap_day": datetime(2028, 3, 1, 0, 1, tzinfo=CITY_TZ),
    "midsummer_noon": datetime(2027, 6, 21, 12, 0, tzinfo=CITY_TZ),
    "last_of_a_31_day_month": datetime(2027, 1, 31, 23, 50, tzinfo=CITY_TZ),
    "sunday_night": datetime(2027, 3, 7, 22, 0, tzinfo=CITY_TZ),
}


@pytest.fixture(scope="module", params=list(INSTANTS), ids=list(INSTANTS))
def city_at(request, tmp_path_factory):
    """(the instant, a started simulator whose new city begins there, its database path)."""
    at = INSTANTS[request.param]
    path = tmp_path_factory.mktemp(request.param) / "central.sqlite"
    sim = Simulator(path, seed=SEED, speed=FROZEN, start_at=at)
    sim.start()
    yield at, sim, path
    sim.stop()


def expected_hotline(seed: int, first: int, last: int) -> float:
    """Calls the simulator's calendar expects in minutes [first, last): rhythm, weekday, storms."""
    return sum(rates.per_minute(seed, "hotline", m) for m in range(first, last))


def calls_as_expected(expected: float):
    """A month of calls: Poisson noise (6 sigma) and 1 % for the history's sampling of the rates."""
    return pytest.approx(expected, abs=6 * math.sqrt(expected) + 0.01 * expected)


def test_the_clock_starts_at_the_pinned_instant(city_at):
    at, sim, path = city_at
    assert abs((sim.now() - at).total_seconds()) < 1
    conn = sqlite3.connect(path)
    try:
        assert get_state(conn, "generated_to") == minute_of(at)
        assert get_state(conn, "history_start") == day_start(minute_of(at)) - HISTORY_DAYS * 1440  # whole local days
    finally:
        conn.close()


def test_a_month_of_the_hotline_is_what_the_calendar_expects(city_at):
    """The month's calls match the calendar within Poisson noise, and are of the order GUIDE §2 implies:
    通州's 46,000 requests in ~5 months at its ~12 % share is ~2,500 calls a day city-wide."""
    at, _, path = city_at
    conn = sqlite3.connect(path)
    try:
        first, last = get_state(conn, "history_start"), get_state(conn, "generated_to")
        by_day = dict(conn.execute("SELECT day, value FROM sim_daily WHERE metric = 'calls' AND town = ?", (CITY,)))
    finally:
        conn.close()
    whole_days = [day_key(first + 1440 * k) for k in range(HISTORY_DAYS)]
    assert set(by_day) <= {*whole_days, day_key(last)}, "calls counted on days outside the history"
    month = sum(by_day.get(day, 0) for day in whole_days)
    assert month == calls_as_expected(expected_hotline(SEED, first, first + HISTORY_DAYS * 1440))
    assert 1_500 * HISTORY_DAYS < month < 4_000 * HISTORY_DAYS
    today = by_day.get(day_key(last), 0)
    expected_today = expected_hotline(SEED, day_start(last), last)
    assert today == pytest.approx(expected_today, abs=6 * math.sqrt(expected_today) + 5)


@pytest.mark.parametrize("panel_id", list(contract_panels()))
def test_every_panel_keeps_the_contracts_shape(city_at, panel_id):
    at, sim, _ = city_at
    body = sim.panel(panel_id)
    assert datetime.fromisoformat(body["as_of"]) == at.replace(second=0)
    assert {name: block["type"] for name, block in body["blocks"].items()} == contract_panels()[panel_id][2]
    for name, block in body["blocks"].items():
        check_block(name, block, at.hour)  # today's blocks are filled except in the small hours


def test_series_run_over_consecutive_days_hours_and_quarters(city_at):
    """Month ends, the leap day and the year's turn leave no gap and no repeat on any time axis, and the
    last point is complete: the last whole hour, yesterday, the last quarter already published."""
    at, sim, _ = city_at
    today = at_minute(day_start(minute_of(at)))
    found = set()
    for panel in contract_panels():
        for name, block in sim.panel(panel)["blocks"].items():
            if block["type"] != "series":
                continue
            x = [datetime.fromisoformat(t) for t in block["x"]]
            steps = {b - a for a, b in zip(x, x[1:], strict=False)}
            if steps == {timedelta(hours=1)}:
                found.add("hour")
                assert x[-1] == at.replace(minute=0, second=0) - timedelta(hours=1), (panel, name)
            elif steps == {timedelta(days=1)}:
                found.add("day")
                assert x[-1] == today - timedelta(days=1), (panel, name)
            else:
                found.add("quarter")
                quarters = [t.year * 4 + (t.month - 1) // 3 for t in x]
                assert all((t.month - 1) % 3 == 0 and t.day == 1 and t.hour == 0 for t in x), (panel, name)
                assert quarters == list(range(quarters[0], quarters[0] + len(x))), (panel, name)
                assert quarters[-1] == at.year * 4 + (at.month - 1) // 3 - 1, (panel, name)
    assert found == {"hour", "day", "quarter"}


def test_the_situation_adds_up_on_any_day(city_at):
    at, sim, _ = city_at
    body = sim.situation()
    headline = {h["id"]: h["value"] for h in body["headline"]}
    counties = [r for r in body["regions"] if r["level"] == "county"]
    assert headline["hotline_today"] == sum(c["figures"]["hotline_today"] for c in counties)
    assert headline["closure_rate"] == pytest.approx(0.9685, abs=0.01)
    assert headline["satisfaction"] == pytest.approx(0.9443, abs=0.01)
    assert body["warnings"], "a simulated city always has some warnings in force"


def test_the_economy_shows_the_quarters_published_by_then(city_at):
    at, sim, _ = city_at
    gdp = next(k for k in sim.panel("economy")["blocks"]["kpis"]["items"] if k["id"] == "gdp_ytd")
    local = at.astimezone(CITY_TZ)
    quarter = (local.month - 1) // 3  # this quarter is not out yet: the last published one is before it
    year = local.year if quarter else local.year - 1
    assert gdp["label"].startswith(f"{year}年"), gdp["label"]
