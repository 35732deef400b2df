"""Minute by minute: individual hotline requests, grid events, disputes, work orders and warnings.

Each simulated minute is drawn from its own RNG, seeded by (seed, minute), so the
city does not depend on when or in which batches minutes are generated. Futures
(a request closing, an event escalated) are drawn now and stored with the row.
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from central.places import place
from central.sim import city, rates
from central.sim.clock import at_minute, day_key, day_start, hour_key, iso
from central.sim.store import CITY, Counters, apply_due
from central.sim.weather import WEATHER_ITEMS, weather_at
from central.sim.world import TownInfo, pick_town, point_in, town_index
from kernel import levels

CLOSURE = 0.9725  # share of requests closed in their first weeks (the rest drag on): ~96.85 % over time
RATED, SATISFIED = 0.72, 0.9443
ESCALATED = 0.22  # grid events the grid cannot settle itself: 网格吹哨、部门报到
FORWARDED = 0.3  # hotline requests that become work orders for a department
URGENT_SHARE = 0.00178  # red + orange among ordinary warnings: with the weather's, ≈ 281 a year
EXPIRES_H = {"blue": 1.0, "yellow": 2.0, "orange": 4.0, "red": 6.0}
ZIPCODES = {"320613": "226001", "320612": "226300", "320614": "226100", "320685": "226600",
            "320682": "226500", "320623": "226400", "320681": "226200"}
ROADS = ("人民路", "青年路", "工农路", "崇川路", "世纪大道", "通富路", "长江路", "城山路", "濠西路", "钟秀路",
         "跃龙路", "文峰路", "海港路", "解放路", "建设路", "幸福路", "园林路")


@dataclass
class Batch:
    """What a run of minutes produced, written (and its warnings published) in one transaction."""

    counters: Counters = field(default_factory=Counters)
    requests: list[tuple] = field(default_factory=list)
    plans: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    orders: list[tuple] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def write(self, conn: sqlite3.Connection) -> None:
        self.counters.flush(conn)
        conn.executemany(f"INSERT OR REPLACE INTO service_requests VALUES ({', '.join('?' * 19)})", self.requests)
        conn.executemany("INSERT OR REPLACE INTO sim_request_plan VALUES (?, ?, ?, ?, ?)", self.plans)
        conn.executemany(f"INSERT OR REPLACE INTO sim_events VALUES ({', '.join('?' * 12)})", self.events)
        conn.executemany(f"INSERT OR REPLACE INTO sim_work_orders VALUES ({', '.join('?' * 15)})", self.orders)
        self.requests, self.plans, self.events, self.orders = [], [], [], []


def _weighted(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(table, weights=[row[1] for row in table])[0]


def _lognormal_h(rng: random.Random, median_h: float, sigma: float) -> float:
    return median_h * math.exp(rng.gauss(0.0, sigma))


class Generator:
    """Generates minutes for one seed; the few fixed things it needs are read once."""

    def __init__(self, conn: sqlite3.Connection, seed: int) -> None:
        self.seed = seed
        self.firms = {spec.at_entity: [tuple(row) for row in conn.execute(
            "SELECT id, town, lon, lat, name FROM sim_entities WHERE kind = ? ORDER BY id", (spec.at_entity,))]
            for spec in HAPPENINGS if spec.at_entity}
        self.services = [s for s in city.SERVICES if s.weight > 0]
        self.storm_service = next(s for s in city.SERVICES if s.weight == 0)
        self.by_name = {i.name: i for i in city.warning_items()}
        self.items = [i for i in city.warning_items() if i.name not in WEATHER_ITEMS]
        self.urgent_items = [i for i in self.items if i.severity in ("red", "orange")]

    def minute(self, batch: Batch, minute: int, *, publish: bool) -> None:
        rng = random.Random((self.seed << 40) ^ minute)
        counters = batch.counters
        day, start = day_key(minute), at_minute(minute)
        stamp = f"{start:%Y%m%d}-{(minute - day_start(minute)):04d}"
        if minute % 60 == 0:
            for metric, value in rates.conditions(self.seed, minute).items():
                counters.hourly_set[metric, hour_key(minute)] = value
                if metric == "app_active":
                    counters.day(metric, day, CITY, value)
                if metric == "exchange":
                    counters.day(metric, day, CITY, value)
        if minute == day_start(minute):
            for name, value in rates.water_quality(self.seed, minute).items():
                counters.day(f"wq:{name}", day, CITY, value)
        rain = rates.rain(self.seed, minute)
        self._hotline(batch, rng, minute, day, stamp, rain)
        self._grid_events(batch, rng, minute, day, stamp, rain)
        self._others(batch, rng, minute, day, stamp)
        self._warnings(batch, rng, minute, day, rain, publish)

    # -------------------------------------------------------------- the 12345 hotline

    def _hotline(self, batch: Batch, rng: random.Random, minute: int, day: str, stamp: str, rain: float) -> None:
        counters = batch.counters
        expected = rates.per_minute(self.seed, "hotline", minute)
        storm_share = rates.storm_calls(rain) / expected if expected else 0.0
        calls = rates.poisson(rng, expected)
        if calls:
            key = ("calls_peak_min", hour_key(minute))
            counters.hourly_max[key] = max(counters.hourly_max.get(key, 0), calls)
        for i in range(calls):
            town = pick_town(rng)
            service = self.storm_service if rng.random() < storm_share else \
                rng.choices(self.services, weights=[s.weight for s in self.services])[0]
            requested = at_minute(minute) + timedelta(seconds=rng.uniform(0, 59))
            if rng.random() < CLOSURE:
                hours = service.deadline_h * min(3.0, 0.4 * math.exp(rng.gauss(0.0, 0.6)))
            else:
                hours = rng.uniform(20 * 24, 60 * 24)  # drags on for weeks
            closes = requested + timedelta(hours=hours)
            satisfaction = (1 if rng.random() < SATISFIED else 0) if rng.random() < RATED else None
            lon, lat = point_in(self.seed, town.adcode, rng)
            request_id = f"NT{stamp.replace('-', '')}{i:03d}"
            channel = rng.choices(city.CHANNELS, weights=city.CHANNEL_WEIGHTS)[0]
            address = f"{town.county_name}{town.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
            batch.requests.append((
                request_id, "open", "已受理，正在办理", service.code,
                f"{rng.choice(service.samples)}（{address}）", service.agency, f"承诺{service.deadline_h}小时内办理",
                iso(requested), iso(requested), iso(requested + timedelta(hours=service.deadline_h)), address, None,
                ZIPCODES[town.county], lat, lon, None, channel, town.adcode, None))
            batch.plans.append((request_id, iso(closes), satisfaction, day, town.adcode))
            counters.day_city("calls", day, town.adcode)
            counters.day(f"channel:{channel}", day, CITY)
            counters.hour("calls", hour_key(minute))
            counters.later(iso(closes), "closed", day, town.adcode)
            if satisfaction is not None:
                counters.later(iso(closes), "rated", day, town.adcode)
                counters.later(iso(closes), "satisfied", day, town.adcode, satisfaction)
            if rng.random() < FORWARDED:
                due = requested + timedelta(hours=service.deadline_h)
                # A request may drag on in the hotline for weeks; the department's order is verified within days.
                verified = min(closes, due + timedelta(days=rng.uniform(1, 10)))
                self._work_order(batch, rng, request_id, service.name, service.agency, town, (lon, lat),
                                 requested + timedelta(minutes=rng.uniform(2, 20)), due, verified)

    def _work_order(self, batch: Batch, rng: random.Random, source_id: str, title: str, department: str,
                    town: TownInfo, point: tuple[float, float], created, due, verified) -> None:
        assigned = created + timedelta(minutes=rng.uniform(10, 60))
        handling = min(assigned + timedelta(hours=rng.uniform(0.5, 4)), verified)
        evaluated = verified + timedelta(hours=rng.uniform(0, 12))
        reviewed = evaluated + timedelta(hours=rng.uniform(2, 24))  # 问效: the review that closes the loop
        batch.orders.append((f"WO{source_id[2:] if source_id.startswith('NT') else source_id[1:]}", source_id, title,
                             department, town.adcode, point[0], point[1], iso(created), iso(due), iso(created),
                             iso(assigned), iso(handling), iso(verified), iso(evaluated), iso(reviewed)))

    # -------------------------------------------------------------- grid events and the rest

    def _grid_events(self, batch: Batch, rng: random.Random, minute: int, day: str, stamp: str, rain: float) -> None:
        expected = rates.per_minute(self.seed, "grid_event", minute)
        storm_share = rates.storm_reports(rain) / expected if expected else 0.0
        for i in range(rates.poisson(rng, expected)):
            town = pick_town(rng)
            title, department = STORM if rng.random() < storm_share else _pick_grid(rng)
            time = at_minute(minute) + timedelta(seconds=rng.uniform(0, 59))
            lon, lat = point_in(self.seed, town.adcode, rng)
            event_id = f"E{stamp}1{i:02d}"
            escalated = None
            if rng.random() < ESCALATED:
                escalated = time + timedelta(minutes=rng.uniform(15, 90))
                closes = escalated + timedelta(hours=min(240.0, _lognormal_h(rng, 18, 0.8)))
                self._work_order(batch, rng, event_id, title, department, town, (lon, lat), escalated,
                                 escalated + timedelta(hours=72), closes)
                batch.counters.later(iso(escalated), "grid_escalated", day, town.adcode)
            else:
                closes = time + timedelta(hours=rng.uniform(0.2, 6))
            batch.counters.day_city("grid_reported", day, town.adcode)
            batch.events.append((event_id, "grid_event", title, title, town.adcode, lon, lat, iso(time),
                                 iso(escalated) if escalated else None, iso(closes), None, None))

    def _others(self, batch: Batch, rng: random.Random, minute: int, day: str, stamp: str) -> None:
        counters = batch.counters
        for spec in HAPPENINGS:
            for i in range(rates.poisson(rng, rates.per_minute(self.seed, spec.kind, minute))):
                time = at_minute(minute) + timedelta(seconds=rng.uniform(0, 59))
                entity = None
                if spec.at_entity:
                    entity, town_code, lon, lat, _ = rng.choice(self.firms[spec.at_entity])
                    town = town_index()[town_code]
                else:
                    town = pick_town(rng)
                    lon, lat = point_in(self.seed, town.adcode, rng)
                category = _weighted(rng, spec.categories)[0]
                hours = rng.uniform(*spec.hours) if rng.random() < spec.settled else rng.uniform(30 * 24, 90 * 24)
                closes = time + timedelta(hours=hours)
                value = None
                if spec.kind == "volunteer":
                    value = round(hours * rng.randint(5, 40), 1)  # volunteer-hours
                    counters.day_city("volunteer_hours", day, town.adcode, value)
                counters.day_city(spec.metric, day, town.adcode)
                counters.day(f"{spec.kind}_type:{category}", day, CITY)
                if spec.closed_metric:
                    counters.later(iso(closes), spec.closed_metric, day, town.adcode)
                batch.events.append((f"E{stamp}{spec.digit}{i:02d}", spec.kind, spec.title(category, town.name),
                                     category, town.adcode, lon, lat, iso(time), None, iso(closes), entity, value))


    # -------------------------------------------------------------- warnings

    def _warnings(self, batch: Batch, rng: random.Random, minute: int, day: str, rain: float, publish: bool) -> None:
        for _ in range(rates.poisson(rng, rates.per_minute(self.seed, "warning", minute))):
            if rng.random() < URGENT_SHARE:
                item = rng.choice(self.urgent_items)
                level = item.severity if rng.random() < 0.3 else "orange"
            else:
                item = rng.choice(self.items)
                level = item.severity if item.severity in ("yellow", "blue") else "yellow"
            town = pick_town(rng)
            batch.counters.day_city("warnings", day, town.adcode)
            batch.counters.day(f"warnings:{level}", day, CITY)
            if publish:
                sent = at_minute(minute) + timedelta(seconds=rng.randrange(60))
                hours = EXPIRES_H[level] * rng.uniform(0.8, 1.3)
                batch.warnings.append(self._warning(sent, hours, item, level, town.adcode,
                                                    point_in(self.seed, town.adcode, rng)))
        for weather in weather_at(self.seed, minute):
            if weather.msg_type != "Cancel":
                batch.counters.day("warnings", day, CITY)
                batch.counters.day(f"warnings:{weather.level}", day, CITY)
            if publish:
                found = place(weather.county)
                assert found is not None
                message = self._warning(at_minute(minute), weather.hours, self.by_name[weather.item], weather.level,
                                        weather.county, (found.lon, found.lat))
                message.update(msg_type=weather.msg_type, chain=weather.chain)
                if weather.msg_type == "Cancel":
                    message.update(headline=f"解除：{message['headline']}", expires=None,
                                   description=f"{message['area_name']}{weather.item}预警解除。", instruction="")
                batch.warnings.append(message)

    def _warning(self, sent: datetime, hours: float, item: city.WarningItem, level: str, adcode: str,
                 point: tuple[float, float]) -> dict[str, Any]:
        found = place(adcode)
        assert found is not None
        area = found.name
        detail = city.WARNING_DETAILS.get(item.name, "")
        return {"severity": level, "headline": f"{area}{item.name}", "adcode": adcode, "lon": point[0],
                "lat": point[1], "item_code": item.code, "item_name": item.name, "domain": item.domain,
                "sent": sent, "expires": sent + timedelta(hours=hours), "area_name": area,
                "description": f"{detail}预警项“{item.name}”（{item.code}）在{area}触发，{item.domain}领域研判为"
                               f"{levels.of(level).name}级别。",
                "instruction": INSTRUCTIONS[level]}


@dataclass(frozen=True)
class Happening:
    """A kind of case that opens somewhere in the city and stays open until it closes."""

    kind: str
    digit: int  # in the case's id
    metric: str  # counted per town per day
    closed_metric: str | None  # counted (for the day it opened) when it closes
    categories: tuple[tuple[str, int], ...]
    title: Callable[[str, str], str]  # (category, town name) -> title
    at_entity: str | None  # happens at one of these fixed things rather than anywhere in a town
    settled: float  # share closed within `hours`; the rest drag on for one to three months
    hours: tuple[float, float]


HAPPENINGS = (
    Happening("dispute", 2, "disputes", "disputes_resolved", city.DISPUTE_TYPES,
              lambda c, _: c if c.endswith("纠纷") else f"{c}纠纷", None, 0.975, (1, 96)),
    Happening("enterprise", 3, "enterprise", "enterprise_closed", city.ENTERPRISE_TYPES,
              lambda c, _: f"企业诉求：{c}", "enterprise", 0.985, (2, 168)),
    Happening("volunteer", 4, "volunteer", None, city.VOLUNTEER_TYPES,
              lambda c, town: f"{town}党员志愿服务：{c}", None, 1.0, (1, 4)),
    Happening("rental", 5, "rentals", "rentals_closed", city.RENTAL_SOURCES,
              lambda c, _: f"疑似群租房（{c}）", None, 1.0, (24, 360)),
    Happening("hazchem", 6, "hazchem", "hazchem_rectified", city.HAZCHEM_TYPES,
              lambda c, _: f"危化品风险：{c}", "hazchem_firm", 0.96, (24, 480)),
)


STORM = city.STORM_GRID_EVENT
INSTRUCTIONS = {
    "red": "立即启动应急响应，属地与相关部门负责人赶赴现场，每30分钟报告一次进展。",
    "orange": "相关部门1小时内到场核查处置，指挥中心跟踪督办。",
    "yellow": "属地网格和责任部门当日核查处置并反馈。",
    "blue": "纳入日常巡查，跟踪研判。",
}


def _pick_grid(rng: random.Random) -> tuple[str, str]:
    title, _, department = _weighted(rng, city.GRID_EVENTS)
    return title, department


def advance(conn: sqlite3.Connection, now_text: str) -> None:
    """Apply what has fallen due: requests that close (the one status the server reads) and counts."""
    conn.execute(
        "UPDATE service_requests SET status = 'closed', updated_datetime = p.closes_at, "
        "status_notes = '已办结，已回访', satisfaction = p.satisfaction "
        "FROM sim_request_plan AS p WHERE p.service_request_id = service_requests.service_request_id "
        "AND p.closes_at <= ?", (now_text,))
    conn.execute("DELETE FROM sim_request_plan WHERE closes_at <= ?", (now_text,))
    apply_due(conn, now_text)
