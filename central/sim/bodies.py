"""Reading the simulated city back out of SQLite: meta counts, the situation map, and the View builders read."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import timedelta
from functools import cache
from typing import Any

from central.sim import blocks, city
from central.sim.clock import at_minute, day_key, day_start, iso
from central.sim.store import CITY, get_state
from central.sim.world import town_index, towns
from central.warning_feed import active_warnings
from kernel import geo

RATE_DAYS = 30  # closure and satisfaction are over the last 30 days
MAX_EVENTS = 3000
FIGURES = (  # in the headline's order: what a leader looks at first
    ("hotline_today", "今日热线受理", "件"), ("closure_rate", "办结率", "%"), ("satisfaction", "满意率", "%"),
    ("warnings_active", "生效预警", "条"), ("events_open", "在办事件", "件"),
    ("work_orders_overdue", "超期工单", "件"), ("grid_events_today", "今日网格事件", "件"), ("grids", "网格数", "个"),
)
# Cumulative counts before the simulated history began, so totals match the published figures.
BASE = {"exchange": 30.4e9 - 30 * 4e8, "warnings": 150_000 - 30 * 360, "rentals": 4_866 - 30 * 6, "rentals_closed": 4_480,
        "hazchem": 1_127 - 45, "hazchem_rectified": 1_038}


class View:
    """What a body is built from: the database snapshot and the simulated minute it is complete to.

    Queries write `+time <= ?` where an open-ness test (closes_at, s4) should pick the index: without
    statistics SQLite would otherwise walk the time index through weeks of closed rows.
    """

    def __init__(self, conn: sqlite3.Connection, seed: int, minute: int) -> None:
        self.conn, self.seed, self.minute = conn, seed, minute
        self.as_of = at_minute(minute)
        self.now_text = iso(self.as_of)
        # Every minute before `minute` is generated: its local day is today (empty in its first minute),
        # and the days before it are complete.
        self.today = day_key(minute)
        self.day_starts = [day_start(minute) - 1440 * k for k in range(RATE_DAYS, 0, -1)]
        self.days = [day_key(m) for m in self.day_starts]
        self.window_first = self.days[0]
        last_hour = minute // 60 * 60 - 60
        self.hour_starts = [last_hour - 60 * k for k in range(23, -1, -1)]
        self.history_first = day_key(get_state(conn, "history_start"))

    def hours_x(self) -> list[str]:
        return [iso(at_minute(m)) for m in self.hour_starts]

    def days_x(self) -> list[str]:
        return [iso(at_minute(m)) for m in self.day_starts]

    def daily(self, metric: str, town: str = CITY) -> list[float]:
        found = dict(self.conn.execute("SELECT day, value FROM sim_daily WHERE metric = ? AND day BETWEEN ? AND ? "
                                       "AND town = ?", (metric, self.days[0], self.days[-1], town)).fetchall())
        return [whole(round(found.get(day, 0.0), 2)) for day in self.days]

    def total(self, metric: str, first_day: str | None = None, town: str = CITY, last_day: str | None = None) -> float:
        row = self.conn.execute("SELECT COALESCE(SUM(value), 0) FROM sim_daily WHERE metric = ? AND day BETWEEN ? AND ? "
                                "AND town = ?", (metric, first_day or self.today, last_day or self.today, town)).fetchone()
        return row[0]

    def settled_rate(self, done: str, total: str, fallback: float = 1.0) -> float:
        """done/total for what arrived 8 to 30 days ago: recent cases are still being worked on."""
        first, last = self.days[0], self.days[-8]
        return rate(self.total(done, first, last_day=last), self.total(total, first, last_day=last), fallback)

    def cumulative(self, metric: str) -> int:
        return int(BASE.get(metric, 0) + self.total(metric, self.history_first))

    def by_town(self, metric: str, first_day: str | None = None) -> dict[str, float]:
        rows = self.conn.execute("SELECT town, SUM(value) FROM sim_daily WHERE metric = ? AND day BETWEEN ? AND ? "
                                 "AND town != ? GROUP BY town", (metric, first_day or self.today, self.today, CITY))
        return {town: whole(value) for town, value in rows.fetchall()}

    def parts(self, prefix: str, first_day: str | None = None) -> dict[str, float]:
        """City-wide counts of the metrics `prefix:<name>`, by name."""
        rows = self.conn.execute("SELECT metric, SUM(value) FROM sim_daily WHERE metric > ? AND metric < ? "
                                 "AND day BETWEEN ? AND ? AND town = ? GROUP BY metric",
                                 (prefix + ":", prefix + ";", first_day or self.today, self.today, CITY))
        return {metric.split(":", 1)[1]: whole(value) for metric, value in rows.fetchall()}

    def hourly(self, metric: str) -> list[float]:
        keys = [at_minute(m).strftime("%Y-%m-%dT%H") for m in self.hour_starts]
        found = dict(self.conn.execute("SELECT hour, value FROM sim_hourly WHERE metric = ? AND hour BETWEEN ? AND ?",
                                       (metric, keys[0], keys[-1])).fetchall())
        return [whole(found.get(key, 0)) for key in keys]

    def latest_hourly(self, metric: str) -> float:
        row = self.conn.execute("SELECT value FROM sim_hourly WHERE metric = ? AND hour <= ? ORDER BY hour DESC LIMIT 1",
                                (metric, at_minute(self.minute - 1).strftime("%Y-%m-%dT%H"))).fetchone()
        return row[0] if row else 0.0

    def entities(self, kind: str) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM sim_entities WHERE kind = ? ORDER BY id", (kind,)).fetchall()

    def open_events(self, kind: str, limit: int = 500) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM sim_events WHERE kind = ? AND closes_at > ? AND +time <= ? "
                                 "ORDER BY time DESC LIMIT ?", (kind, self.now_text, self.now_text, limit)).fetchall()

    def since(self, hours: float) -> str:
        return iso(self.as_of - timedelta(hours=hours))


def whole(value: float) -> float | int:
    """Counts are stored as REAL sums; serve whole numbers as integers."""
    return int(value) if float(value).is_integer() else value


def attrs(row: sqlite3.Row) -> dict[str, Any]:
    return json.loads(row["attrs"])


def rate(numerator: float, denominator: float, fallback: float) -> float:
    return round(numerator / denominator, 4) if denominator > 0 else fallback


# ------------------------------------------------------------------ meta

def counts() -> dict[str, int]:
    return {"counties": len(geo.counties()), "towns": len(geo.towns()), "functional_zones": len(geo.FUNCTIONAL_ZONES),
            "grids_comprehensive": sum(geo.grid_allocation().values()), "grids_special": geo.SPECIAL_GRIDS,
            "command_centres": len(city.command_centres()), "warning_items": len(city.warning_items()),
            "departments": len(city.DEPARTMENTS)}


# ------------------------------------------------------------------ the situation map

@cache
def county_names() -> dict[str, str]:
    return {c.adcode: c.name for c in geo.counties()}


def _town_figures(view: View, active: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Raw per-town sums; rates are made from them per region after summing."""
    raw: dict[str, dict[str, float]] = {t.adcode: defaultdict(float) for t in towns()}
    for key, metric, first in (("hotline_today", "calls", None), ("grid_events_today", "grid_reported", None),
                               ("calls", "calls", view.window_first), ("closed", "closed", view.window_first),
                               ("rated", "rated", view.window_first), ("satisfied", "satisfied", view.window_first)):
        for town, value in view.by_town(metric, first).items():
            if town in raw:
                raw[town][key] += value
    for town, count in view.conn.execute(
            "SELECT town, COUNT(*) FROM sim_events WHERE kind IN ('grid_event', 'dispute') AND closes_at > ? "
            "AND +time <= ? GROUP BY town", (view.now_text, view.now_text)):
        raw[town]["events_open"] += count
    for town, count, in_time in view.conn.execute(
            "SELECT town_adcode, COUNT(*), SUM(expected_datetime > ?) FROM service_requests WHERE status = 'open' "
            "GROUP BY town_adcode", (view.now_text,)):
        if town in raw:
            raw[town]["events_open"] += count
            raw[town]["in_time"] += in_time
    for town, count in view.conn.execute(
            "SELECT town, COUNT(*) FROM sim_work_orders WHERE s4 > ? AND due < ? AND +created <= ? GROUP BY town",
            (view.now_text, view.now_text, view.now_text)):
        raw[town]["work_orders_overdue"] += count
    for warning in active:
        adcode = warning["area"]["adcode"]
        if adcode in raw:
            raw[adcode]["warnings_active"] += 1
        elif adcode in county_names():
            raw.setdefault(f"county:{adcode}", defaultdict(float))["warnings_active"] += 1
    alloc = geo.grid_allocation()
    for town in towns():
        raw[town.adcode]["grids"] = alloc[town.adcode]
    return raw


def _figures(parts: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for part in parts:
        for key, value in part.items():
            total[key] += value
    return {
        "hotline_today": int(total["hotline_today"]), "grid_events_today": int(total["grid_events_today"]),
        "events_open": int(total["events_open"]), "warnings_active": int(total["warnings_active"]),
        "work_orders_overdue": int(total["work_orders_overdue"]),
        "closure_rate": rate(total["closed"], total["calls"] - total["in_time"], 0.0),
        "satisfaction": rate(total["satisfied"], total["rated"], 0.0),
        "grids": int(total["grids"]),
    }


def situation(view: View) -> dict[str, Any]:
    active = active_warnings(view.conn, now=view.as_of)
    raw = _town_figures(view, active)
    regions, county_parts = [], defaultdict(list)
    for town in towns():
        county_parts[town.county].append(raw[town.adcode])
    for adcode, name in county_names().items():
        extra = [raw[f"county:{adcode}"]] if f"county:{adcode}" in raw else []
        regions.append({"adcode": adcode, "name": name, "level": "county", "parent": CITY,
                        "figures": _figures(county_parts[adcode] + extra)})
    for town in towns():
        regions.append({"adcode": town.adcode, "name": town.name, "level": "town", "parent": town.county,
                        "figures": _figures([raw[town.adcode]])})
    zones = [{"code": z["code"], "name": z["name"], "figures": _figures([raw[t] for t in city.ZONE_TOWNS[z["code"]]])}
             for z in geo.FUNCTIONAL_ZONES]
    city_figures = _figures(list(raw.values()))
    city_figures["warnings_active"] = len(active)
    labels = {fid: (label, unit) for fid, label, unit in FIGURES}
    headline = [blocks.kpi(fid, labels[fid][0], city_figures[fid], labels[fid][1]) for fid, _, _ in FIGURES]
    headline[-1] = blocks.kpi("grids", "网格数（综合+专属）", city_figures["grids"] + geo.SPECIAL_GRIDS, "个")
    headline.append(blocks.kpi("warnings_total", "累计预警", view.cumulative("warnings"), "条"))
    return {
        "as_of": view.now_text,
        "headline": headline,
        "figures": [{"id": fid, "label": label, "unit": unit} for fid, label, unit in FIGURES],
        "regions": regions,
        "zones": zones,
        "events": _events(view),
        "warnings": [{"id": w["id"], "severity": w["severity"], "headline": w["headline"], "lon": w["lon"],
                      "lat": w["lat"], "adcode": w["area"]["adcode"], "state": w["state"]} for w in active],
    }


def _events(view: View) -> list[dict[str, Any]]:
    rows = view.conn.execute(
        "SELECT id, kind, title, lon, lat, town, time, escalated_at FROM sim_events "
        "WHERE kind IN ('grid_event', 'dispute') AND closes_at > ? AND +time <= ? ORDER BY time DESC LIMIT ?",
        (view.now_text, view.now_text, MAX_EVENTS)).fetchall()
    found = [{"id": r["id"], "kind": r["kind"], "title": r["title"], "lon": r["lon"], "lat": r["lat"],
              "adcode": r["town"], "time": r["time"],
              "state": ("escalated" if r["escalated_at"] and r["escalated_at"] <= view.now_text else "reported")
              if r["kind"] == "grid_event" else "mediating"} for r in rows]
    requests = view.conn.execute(
        "SELECT r.service_request_id, s.service_name, r.lon, r.lat, r.town_adcode, r.requested_datetime, "
        "r.expected_datetime FROM service_requests r JOIN open311_services s USING (service_code) "
        "WHERE r.status = 'open' ORDER BY r.requested_datetime DESC LIMIT ?", (MAX_EVENTS,)).fetchall()
    found += [{"id": r[0], "kind": "hotline", "title": r[1], "lon": r[2], "lat": r[3], "adcode": r[4], "time": r[5],
               "state": "overdue" if r[6] <= view.now_text else "open"} for r in requests]
    found.sort(key=lambda e: e["time"], reverse=True)
    return found[:MAX_EVENTS]


def town_name(adcode: str) -> str:
    town = town_index().get(adcode)
    return f"{town.county_name}{town.name}" if town else adcode
