"""The city's fixed things: town weights, point pools inside town cells, and the seeded entities
(party posts, key projects, buildings, enterprises, service halls, chemical firms, cameras,
water stations, Yangtze monitoring sites, command centres)."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from central.sim import city
from kernel import geo

POOL = 400  # candidate points per town; events take one of them, so all lie inside the town cell


@dataclass(frozen=True)
class TownInfo:
    adcode: str
    name: str
    county: str
    county_name: str
    weight: float  # share of the city's activity
    grids: int


# Resident population by county, in ten thousands (approximately the 2020 census, rounded).
POPULATION = {"320613": 139, "320612": 114, "320614": 100, "320685": 87, "320682": 124, "320623": 88, "320681": 97}


@cache
def towns() -> tuple[TownInfo, ...]:
    """Activity follows population: each county's share, split among its towns by grids
    (which follow area) with urban 街道 counted double for their density."""
    alloc = geo.grid_allocation()
    names = {c.adcode: c.name for c in geo.counties()}
    raw = {t.adcode: alloc[t.adcode] * (2.0 if t.kind == "街道" else 1.0) for t in geo.towns()}
    county_raw: dict[str, float] = {}
    for t in geo.towns():
        county_raw[t.county_adcode] = county_raw.get(t.county_adcode, 0.0) + raw[t.adcode]
    people = sum(POPULATION.values())
    return tuple(TownInfo(t.adcode, t.name, t.county_adcode, names[t.county_adcode],
                          POPULATION[t.county_adcode] / people * raw[t.adcode] / county_raw[t.county_adcode],
                          alloc[t.adcode]) for t in geo.towns())


@cache
def town_index() -> dict[str, TownInfo]:
    return {t.adcode: t for t in towns()}


@cache
def weights() -> np.ndarray:
    return np.array([t.weight for t in towns()])


@cache
def cumulative_weights() -> list[float]:
    return list(np.cumsum(weights()))


def pick_town(rng: random.Random) -> TownInfo:
    return rng.choices(towns(), cum_weights=cumulative_weights())[0]


@cache
def point_pool(seed: int, adcode: str) -> tuple[tuple[float, float], ...]:
    cell = geo.town_cells()[adcode]
    shapely.prepare(cell)
    rng = np.random.default_rng([seed, int(adcode)])
    minx, miny, maxx, maxy = cell.bounds
    found: list[tuple[float, float]] = []
    while len(found) < POOL:
        xs, ys = rng.uniform(minx, maxx, 4 * POOL), rng.uniform(miny, maxy, 4 * POOL)
        inside = shapely.contains_xy(cell, xs, ys)
        keep = slice(0, POOL - len(found))
        found += zip(np.round(xs[inside][keep], 6).tolist(), np.round(ys[inside][keep], 6).tolist(), strict=True)
    return tuple(found)


def point_in(seed: int, adcode: str, rng: random.Random) -> tuple[float, float]:
    return rng.choice(point_pool(seed, adcode))


# ------------------------------------------------------------------ entities

_PROJECT_KINDS = ("新材料产业园", "高端装备制造基地", "海工船舶配套", "生物医药产业园", "新能源电池",
                  "智能制造产业园", "港口物流中心", "电子信息产业园", "城市更新", "综合交通枢纽")
_NAME_HEADS = ("通", "江海", "濠河", "紫琅", "崇川", "启航", "海晟", "中天", "通达", "锦华", "恒泰", "瑞通",
               "华灿", "东方", "星湖", "长江", "海晨", "鑫源", "博远", "宏图")
_FIRM_TAILS = ("精密机械", "新材料", "纺织科技", "智能装备", "生物医药", "电子", "船舶重工", "化工",
               "家纺", "能源科技", "食品", "汽车零部件")
_CHEM_PARKS = ("320623101", "320681110", "320614109", "320685103", "320682111", "320612104")  # 洋口 吕四港 临江 李堡 长江 三余
_RIVERSIDE = ("320613010", "320613018", "320613017", "320612116", "320612119", "320614109", "320614102",
              "320681124", "320682111", "320613003", "320614002")  # towns on the Yangtze
CAMERAS_BY_COUNTY = {"320613": 9800, "320612": 5200, "320614": 4600, "320685": 3900, "320682": 4300,
                     "320623": 3700, "320681": 4100}  # 雪亮工程 points connected, by county
TONGZHOU_SHARED_CAMERAS = 119


def seed_entities(conn: sqlite3.Connection, seed: int) -> None:
    """Place the city's fixed things (once, on a new database)."""
    rng = random.Random(f"entities-{seed}")
    rows: list[tuple[str, str, str, str, float, float, str]] = []

    def add(kind: str, number: int, name: str, town: str, attrs: dict, point: tuple[float, float] | None = None):
        lon, lat = point or point_in(seed, town, rng)
        rows.append((f"{kind}-{number:04d}", kind, name, town, lon, lat, json.dumps(attrs, ensure_ascii=False)))

    alloc = geo.grid_allocation()
    for n, t in enumerate(towns(), 1):
        add("party_post", n, f"{t.name}党群服务中心", t.adcode,
            {"grids": alloc[t.adcode], "members": alloc[t.adcode] * rng.randint(28, 45)})
    for n in range(1, 61):
        t = pick_town(rng)
        add("project", n, f"{t.county_name[:2]}{rng.choice(_PROJECT_KINDS)}项目", t.adcode,
            {"invest": round(rng.uniform(8, 120), 1), "progress": round(rng.uniform(0.1, 1.0), 2),
             "lag": rng.random() < 0.15})
    urban = [t for t in towns() if t.county == "320613"]
    for n in range(1, 41):
        t = rng.choice(urban) if rng.random() < 0.75 else pick_town(rng)
        tax = round(rng.lognormvariate(0.0, 0.8), 2)
        add("building", n, f"{rng.choice(_NAME_HEADS)}{rng.choice(('国际', '金融', '商务', '科创', '总部'))}"
            f"{rng.choice(('中心', '大厦', '广场', '港'))}", t.adcode,
            {"tax": tax, "firms": rng.randint(20, 260), "occupancy": round(rng.uniform(0.62, 0.98), 3),
             "floors": rng.randint(18, 52)})
    for n in range(1, 151):
        t = pick_town(rng)
        add("enterprise", n, f"南通{rng.choice(_NAME_HEADS)}{rng.choice(_FIRM_TAILS)}有限公司", t.adcode,
            {"scale": rng.choice(("规上", "规上", "专精特新", "高新技术"))})
    add("service_hall", 1, "南通市政务服务中心", "320613008", {"level": "city"})
    for n, c in enumerate(geo.counties(), 2):
        seat = next(t for t in towns() if t.county == c.adcode)
        add("service_hall", n, f"{c.name}政务服务中心", seat.adcode, {"level": "county"})
    for n, t in enumerate(towns(), 10):
        add("service_hall", n, f"{t.name}便民服务中心", t.adcode, {"level": "town"})
    for n in range(1, 181):
        town = rng.choice(_CHEM_PARKS) if rng.random() < 0.7 else pick_town(rng).adcode
        add("hazchem_firm", n, f"南通{rng.choice(_NAME_HEADS)}{rng.choice(('化工', '精细化工', '石化', '新材料'))}"
            "有限公司", town, {"major_hazard": rng.random() < 0.3})
    number = 0
    for county, total in CAMERAS_BY_COUNTY.items():
        members = [t for t in towns() if t.county == county]
        sample = TONGZHOU_SHARED_CAMERAS if county == "320612" else total // 160
        for _ in range(sample):
            number += 1
            t = rng.choice(members)
            add("camera", number, f"{t.name}{rng.choice(('路口', '社区', '学校', '市场', '河道', '广场'))}"
                f"{rng.randint(1, 40):02d}号", t.adcode, {"shared": county == "320612", "county": county})
    for n in range(1, 37):
        t = rng.choice(_RIVERSIDE) if n <= 12 else pick_town(rng).adcode
        kind = "潮位站" if n <= 12 else rng.choice(("水位站", "雨量站", "水位站"))
        add("water_station", n, f"{town_index()[t].name}{kind}", t, {"kind": kind, "offset": round(rng.uniform(-1.4, 0.2), 2)})
    for n in range(1, 25):
        t = _RIVERSIDE[n % len(_RIVERSIDE)]
        kind = ("水质断面", "排口监测", "岸线视频", "生态修复区")[n % 4]
        add("monitoring_site", n, f"{town_index()[t].name}{kind}", t, {"kind": kind})
    for n, centre in enumerate(city.command_centres(), 1):
        adcode = centre.adcode if centre.level == "town" else "320613008"
        if centre.level == "county" and centre.adcode in geo.county_by_adcode():
            adcode = next(t.adcode for t in towns() if t.county == centre.adcode)
        elif centre.level == "county":
            adcode = city.ZONE_TOWNS[centre.adcode][0]
        add("command_centre", n, centre.name, adcode, {"level": centre.level, "code": centre.code})
    conn.executemany("INSERT OR REPLACE INTO sim_entities VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def seed_services(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT OR REPLACE INTO open311_services VALUES (?, ?, ?, ?, ?)",
                     [(s.code, s.name, f"{s.name}（承办：{s.agency}，承诺{s.deadline_h}小时内办理）", s.keywords, s.group)
                      for s in city.SERVICES])
