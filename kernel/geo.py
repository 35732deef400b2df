"""Nantong's real geography, and the cells derived from it.

Counties are real outlines (RFC 7946, WGS-84). Towns are real civil-affairs
units; 85 have a GeoNames point, the other 18 get a deterministic estimated
position inside their county. Towns have no published boundaries, so town
cells are the Voronoi cells of the town points clipped to the county, and
grid cells are Voronoi cells of seeded points inside each town cell. Every
derived geometry says so (`derived=True`), and the map says so on screen.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from functools import cache

import shapely
from shapely.geometry import MultiPoint, Point, shape
from shapely.geometry.base import BaseGeometry

from kernel.paths import resource

DATUM = "WGS-84"
CITY = {"adcode": "320600", "name": "南通市"}
ATTRIBUTION = "Contains data from GeoNames (geonames.org), CC BY 4.0"
DERIVED_NOTE = "镇街、网格边界为示意（按镇街驻地泰森多边形推算），非法定界线"

# Functional zones have no boundaries in any source; they are shown as figures only.
FUNCTIONAL_ZONES = (
    {"code": "320671", "name": "南通经济技术开发区", "host_county": "320613"},
    {"code": "ZONE-SXT", "name": "苏锡通科技产业园区", "host_county": "320612"},
    {"code": "ZONE-TZW", "name": "通州湾示范区", "host_county": "320612"},
)

COMPREHENSIVE_GRIDS = 8450
SPECIAL_GRIDS = 845
TONGZHOU_GRIDS = 1030  # GUIDE §2: 通州区 alone has 1,030 grids


@dataclass(frozen=True)
class County:
    adcode: str
    name: str
    level: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Town:
    adcode: str  # 9-digit civil-affairs code
    name: str
    kind: str  # 镇 or 街道
    county_adcode: str
    lon: float
    lat: float
    position_estimated: bool
    zone_code: str | None  # functional zone it belongs to statistically, if any


@dataclass(frozen=True)
class Grid:
    code: str  # town adcode + 4-digit serial
    town_adcode: str
    geometry: BaseGeometry
    lon: float
    lat: float


@cache
def counties() -> tuple[County, ...]:
    with resource("geo", "nantong_counties.geojson").open(encoding="utf-8") as f:
        collection = json.load(f)
    return tuple(
        County(
            adcode=feature["properties"]["adcode"],
            name=feature["properties"]["name"],
            level=feature["properties"]["level"],
            geometry=shapely.make_valid(shape(feature["geometry"])),
        )
        for feature in collection["features"]
    )


@cache
def city_outline() -> BaseGeometry:
    with resource("geo", "nantong_city.geojson").open(encoding="utf-8") as f:
        collection = json.load(f)
    features = collection.get("features") or [collection]
    return shapely.make_valid(shape(features[0]["geometry"]))


def county_by_adcode() -> dict[str, County]:
    return {c.adcode: c for c in counties()}


@cache
def towns() -> tuple[Town, ...]:
    with resource("geo", "nantong_towns.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_county = county_by_adcode()
    known: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        if row["lon"]:
            known.setdefault(row["county_adcode"], []).append((float(row["lon"]), float(row["lat"])))
    result = []
    for row in rows:
        estimated = not row["lon"]
        if estimated:
            lon, lat = _estimate_position(by_county[row["county_adcode"]], known.setdefault(row["county_adcode"], []), row["adcode"])
            known[row["county_adcode"]].append((lon, lat))
        else:
            lon, lat = float(row["lon"]), float(row["lat"])
        result.append(
            Town(
                adcode=row["adcode"],
                name=row["name"],
                kind=row["type"],
                county_adcode=row["county_adcode"],
                lon=lon,
                lat=lat,
                position_estimated=estimated,
                zone_code="320671" if row["nbs2023_county_code"] == "320671" else None,
            )
        )
    return tuple(result)


def _estimate_position(county: County, taken: list[tuple[float, float]], adcode: str) -> tuple[float, float]:
    """A seeded point inside the county, as far as possible from the towns placed so far.

    Urban 街道 without a point cluster near the county seat in reality; spreading them
    keeps every town cell visible, which matters more on a wall than false precision.
    """
    rng = random.Random(int(adcode))
    body = max(getattr(county.geometry, "geoms", [county.geometry]), key=lambda g: g.area)
    shrunk = body.buffer(-0.01) if body.buffer(-0.01).area > 0 else body
    minx, miny, maxx, maxy = shrunk.bounds
    best, best_distance = None, -1.0
    for _ in range(400):
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if not shrunk.contains(Point(p)):
            continue
        d = min((math.dist(p, q) for q in taken), default=1.0)
        if d > best_distance:
            best, best_distance = p, d
    assert best is not None, f"no point found inside {county.name}"
    return round(best[0], 5), round(best[1], 5)


@cache
def town_cells() -> dict[str, BaseGeometry]:
    """Town adcode -> Voronoi cell of the town points, clipped to the town's county."""
    cells: dict[str, BaseGeometry] = {}
    by_county: dict[str, list[Town]] = {}
    for town in towns():
        by_county.setdefault(town.county_adcode, []).append(town)
    for county in counties():
        members = by_county.get(county.adcode, [])
        for town, cell in zip(members, _voronoi_clipped([(t.lon, t.lat) for t in members], county.geometry), strict=True):
            cells[town.adcode] = cell
    return cells


def _voronoi_clipped(points: list[tuple[float, float]], clip: BaseGeometry) -> list[BaseGeometry]:
    """Voronoi cells of `points` (in input order) clipped to `clip`."""
    if len(points) == 1:
        return [clip]
    regions = shapely.voronoi_polygons(MultiPoint(points), extend_to=clip.envelope.buffer(0.5))
    ordered: list[BaseGeometry | None] = [None] * len(points)
    tree = shapely.STRtree([Point(p) for p in points])
    for region in regions.geoms:
        for index in tree.query(region, predicate="contains"):
            ordered[int(index)] = region
    return [shapely.make_valid(region.intersection(clip)) if region is not None else clip for region in ordered]


def grid_allocation(total: int = COMPREHENSIVE_GRIDS) -> dict[str, int]:
    """Town adcode -> number of comprehensive grids: 通州区 gets exactly 1,030, the
    rest is shared by cell area, every town at least 10, the total exact."""
    cells = town_cells()
    alloc: dict[str, int] = {}
    groups = {
        "320612": [t for t in towns() if t.county_adcode == "320612"],
        "rest": [t for t in towns() if t.county_adcode != "320612"],
    }
    for key, members in groups.items():
        budget = TONGZHOU_GRIDS if key == "320612" else total - TONGZHOU_GRIDS
        alloc.update(_apportion({t.adcode: cells[t.adcode].area for t in members}, budget, minimum=10))
    return alloc


def _apportion(weights: dict[str, float], budget: int, minimum: int) -> dict[str, int]:
    """Largest-remainder apportionment with a floor, summing exactly to budget."""
    spare = budget - minimum * len(weights)
    total = sum(weights.values())
    shares = {k: spare * w / total for k, w in weights.items()}
    counts = {k: minimum + int(s) for k, s in shares.items()}
    left = budget - sum(counts.values())
    for k in sorted(shares, key=lambda k: shares[k] - int(shares[k]), reverse=True)[:left]:
        counts[k] += 1
    return counts


@cache
def grids(seed: int = 2026) -> tuple[Grid, ...]:
    """The 8,450 comprehensive grid cells: Voronoi of seeded points inside each town cell."""
    cells = town_cells()
    result: list[Grid] = []
    for adcode, count in sorted(grid_allocation().items()):
        cell = cells[adcode]
        points = _points_inside(cell, count, random.Random(f"{seed}-{adcode}"))
        for serial, (point, geometry) in enumerate(zip(points, _voronoi_clipped(points, cell), strict=True), 1):
            result.append(Grid(f"{adcode}{serial:04d}", adcode, geometry, round(point[0], 6), round(point[1], 6)))
    return tuple(result)


def _points_inside(geometry: BaseGeometry, count: int, rng: random.Random) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = geometry.bounds
    shapely.prepare(geometry)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if shapely.contains_xy(geometry, *p):
            points.append(p)
    return points


def random_point_in(geometry: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A point inside `geometry`, for placing simulated events."""
    (lon, lat), = _points_inside(geometry, 1, rng)
    return round(lon, 6), round(lat, 6)


def bounds() -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the city."""
    return city_outline().bounds


def county_of_point(lon: float, lat: float) -> str | None:
    p = Point(lon, lat)
    for county in counties():
        if county.geometry.covers(p):
            return county.adcode
    return None
