"""Warnings the simulated city publishes to the server's feed: rates, areas, and a rainstorm's
Alert → Update → Cancel chain."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest
import shapely
from shapely.geometry import Point

from central.sim import Simulator, city, rates
from central.sim.clock import at_minute, minute_of
from kernel import geo
from kernel.clock import CITY_TZ

SEED = 7
FROZEN = 1e-6


def strong_storm():
    today = minute_of(datetime(2026, 9, 1, tzinfo=CITY_TZ)) // 1440 * 1440 - 480
    for day in range(400):
        storm = rates.storm_of_day(SEED, today - 1440 * day)
        if storm and storm.peak_mm_h >= 50 and storm.start - (today - 1440 * day) < 16 * 60:
            return storm
    pytest.fail("no strong storm in 400 days")


@pytest.fixture(scope="module")
def after_storm(tmp_path_factory):
    """A new city whose clock starts an hour after a strong rainstorm ended."""
    storm = strong_storm()
    path = tmp_path_factory.mktemp("storm") / "c.sqlite"
    sim = Simulator(path, seed=SEED, speed=FROZEN, start_at=at_minute(storm.start + storm.minutes + 60))
    sim.start()
    sim.stop()
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM warnings ORDER BY seq").fetchall()
    conn.close()
    return storm, rows


def test_a_rainstorm_is_alerted_upgraded_and_cancelled(after_storm):
    _, rows = after_storm
    rainstorm = [r for r in rows if r["item_name"] == "暴雨"]
    by_county: dict[str, list[sqlite3.Row]] = {}
    for row in rainstorm:
        by_county.setdefault(row["adcode"], []).append(row)
    assert by_county
    for messages in by_county.values():
        assert [m["msg_type"] for m in messages] == ["Alert", "Update", "Cancel"]
        alert, update, cancel = messages
        assert (alert["severity"], update["severity"]) == ("orange", "red")
        assert json.loads(update["refs"]) == [{"sender": alert["sender"], "identifier": alert["identifier"],
                                               "sent": alert["sent"]}]
        assert json.loads(cancel["refs"])[0]["identifier"] == update["identifier"]
        assert (alert["state"], update["state"], cancel["state"]) == ("updated", "cancelled", "cancelled")
        assert cancel["headline"].startswith("解除")


def test_about_fifteen_warnings_an_hour_each_inside_its_area(after_storm):
    storm, rows = after_storm
    ordinary = [r for r in rows if r["item_name"] not in ("暴雨", "雷电", "城市内涝积水")]
    hours = 6  # the backfill publishes the last six hours; older ones are counts
    assert len(ordinary) / hours == pytest.approx(15, rel=0.3)
    items = {i.code: i for i in city.warning_items()}
    cells = geo.town_cells()
    counties = geo.county_by_adcode()
    for row in rows:
        item = items[row["item_code"]]
        assert (row["item_name"], row["domain"]) == (item.name, item.domain)
        assert row["source"] == "simulator"
        assert row["expires"] is None if row["msg_type"] == "Cancel" else row["sent"] < row["expires"]
        area = cells.get(row["adcode"]) or counties[row["adcode"]].geometry
        assert shapely.covers(area, Point(row["lon"], row["lat"])), row["headline"]
        assert row["headline"].endswith(row["item_name"])
    first_sent = min(r["sent"] for r in rows)
    assert first_sent >= at_minute(storm.start + storm.minutes + 60 - 6 * 60).isoformat()
