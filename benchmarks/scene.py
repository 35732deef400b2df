"""The one deterministic scene every subject draws.

Real county outlines, the 103 town cells, the 8,450 grid cells, 3,000 event
points (and the same events moved, for `map_points`), and two value sets per
grid cell (for `map_recolour`). Built from the cockpit's geography core with
fixed seeds, so every subject and every run sees exactly the same map.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import shapely

from kernel import geo

EVENTS = 3000
DRILL_COUNTY = "320612"  # 通州区: the county with the most grid cells (1,030)
LABEL, UNIT = "网格事件", "件"
_LEVELS = ("normal",) * 16 + ("blue",) * 2 + ("yellow", "orange", "red")


@dataclass(frozen=True)
class Scene:
    values_a: dict[str, float]  # grid code -> value
    values_b: dict[str, float]
    points_a: tuple[dict, ...]  # {"lon", "lat", "level", "name"}
    points_b: tuple[dict, ...]  # the same events, each moved within its grid cell
    drill_county: str = DRILL_COUNTY

    @property
    def grids(self) -> tuple[geo.Grid, ...]:
        return geo.grids()

    @property
    def counties(self) -> tuple[geo.County, ...]:
        return geo.counties()


@cache
def scene(seed: int = 2026) -> Scene:
    rng = random.Random(seed)
    grids = geo.grids()
    values_a = {g.code: round(rng.lognormvariate(2.0, 0.6), 2) for g in grids}
    values_b = {g.code: round(rng.lognormvariate(2.0, 0.6), 2) for g in grids}
    hosts = rng.choices(grids, k=EVENTS)
    points_a, points_b = [], []
    for index, grid in enumerate(hosts):
        level = rng.choice(_LEVELS)
        for points in (points_a, points_b):
            lon, lat = geo.random_point_in(grid.geometry, rng)
            points.append({"lon": lon, "lat": lat, "level": level, "name": f"事件{index:04d}"})
    return Scene(values_a, values_b, tuple(points_a), tuple(points_b))


def rings_of(geometry) -> list[list[tuple[float, float]]]:
    """Exterior and interior rings of a (multi)polygon as lists of (lon, lat)."""
    result = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "Polygon":
            continue
        result.append(list(part.exterior.coords))
        result.extend(list(ring.coords) for ring in part.interiors)
    return result


def polygons_of(geometry) -> list[list[list[tuple[float, float]]]]:
    """Polygons of a geometry, each as [exterior, *holes] (the GeoJSON MultiPolygon layout)."""
    return [[list(p.exterior.coords), *(list(r.coords) for r in p.interiors)]
            for p in shapely.get_parts(geometry) if p.geom_type == "Polygon"]
