"""Where fly-to goes for a whole warning: the part of its areas inside the city, which view shows all
of that (one county, or the whole city), where the pulse goes, and what the map says about the rest."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import shapely
from shapely.errors import GEOSException
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from cockpit.views.map.areas import Places, place_of
from kernel import geo

NEAR_DEG = 0.01  # about a kilometre: a polygon drawn along the coast may pass it by this much and be "inside"
SHARE = 0.02  # a county holds part of an area when it has at least this share of it (not a drawing's sliver)
FIT = 0.04  # how far (as a share of the county's span) framed areas may reach past a county and it still frame them
CHECK_DEG = 1e-4  # framing decisions look at areas simplified to about ten metres
NAMES_SHOWN = 3


@dataclass(frozen=True)
class Framing:
    county: str | None  # the county to drill into; None: the whole city
    lon: float | None  # the pulse: the middle of the areas framed (None: nothing to fly to)
    lat: float | None
    bounds: tuple[float, float, float, float] | None  # lon/lat box of what is framed
    outside: str  # "": all inside the city; "part"; "all"; "none": nothing to locate
    notice: str  # the words the map shows about it ("" when there is nothing to say)


@cache
def city() -> BaseGeometry:
    outline = geo.city_outline()
    shapely.prepare(outline)
    return outline


@cache
def near_city() -> BaseGeometry:
    near = city().buffer(NEAR_DEG)
    shapely.prepare(near)
    return near


def near_city_point(lon: float, lat: float) -> bool:
    """Is the point in the city (or within about a kilometre of its outline)?"""
    return math.isfinite(lon) and math.isfinite(lat) and near_city().covers(Point(lon, lat))


def frame(places: Places, message) -> Framing:
    """Frame every area of `places` (the message's geometry); with none, its adcode's place or point."""
    shapes, points = list(places.shapes), list(places.points)
    pulse: tuple[float, float] | None = None
    if places.empty:  # no geometry at all: what the message names as its one place
        place = place_of(message.adcode) if message.adcode else None
        if place is not None:
            shapes.append(place)
        if message.lon is not None and message.lat is not None and math.isfinite(message.lon + message.lat):
            points.append((message.lon, message.lat))
            pulse = (message.lon, message.lat)
    if not shapes and not points:
        return Framing(None, None, None, None, "none", "该预警没有可在地图上定位的区域" + _unreadable(places))
    inside: list[BaseGeometry] = []
    outside = 0
    for shape in shapes:
        try:
            check = shapely.simplify(shape, CHECK_DEG) if shapely.get_num_coordinates(shape) > 2000 else shape
            if not near_city().covers(check):
                outside += 1
            part = check.intersection(city())
        except GEOSException:
            outside += 1
            continue
        if not part.is_empty and part.area > 0:
            inside.append(part)
    for lon, lat in points:
        point = Point(lon, lat)
        if near_city().covers(point):
            inside.append(point)
        else:
            outside += 1
    total = len(shapes) + len(points)
    if not inside:
        names = "、".join(places.names[:NAMES_SHOWN]) + ("等" if len(places.names) > NAMES_SHOWN else "")
        where = f"（{names}）" if names else ""
        return Framing(None, None, None, None, "all",
                       f"该预警的区域{where}均在南通市以外，地图未移动" + _unreadable(places))
    minx, miny, maxx, maxy = shapely.total_bounds(inside)
    county = _one_county(inside, (minx, miny, maxx, maxy))
    if pulse is None or not any(p.covers(Point(pulse)) for p in inside):
        pulse = _middle(inside, (minx, miny, maxx, maxy))
    notice = f"预警区域有 {outside}/{total} 处超出南通市界，地图只框选市内部分" if outside else ""
    notice += _unreadable(places)
    return Framing(county, pulse[0], pulse[1], (minx, miny, maxx, maxy), "part" if outside else "", notice)


def _one_county(inside: list[BaseGeometry], bounds: tuple[float, float, float, float]) -> str | None:
    """The county that holds every area framed, if one does and its view shows them all."""
    holders: set[str] = set()
    for part in inside:
        holders |= _counties_of(part)
        if len(holders) > 1:
            return None
    if len(holders) != 1:
        return None
    (adcode,) = holders
    cminx, cminy, cmaxx, cmaxy = geo.county_by_adcode()[adcode].geometry.bounds
    reach = FIT * max(cmaxx - cminx, cmaxy - cminy)
    fits = box(cminx - reach, cminy - reach, cmaxx + reach, cmaxy + reach).covers(box(*bounds))
    return adcode if fits else None


def _counties_of(part: BaseGeometry) -> set[str]:
    if part.geom_type == "Point":
        county = geo.county_of_point(part.x, part.y)
        if county is not None:
            return {county}
        nearest = min(geo.counties(), key=lambda c: c.geometry.distance(part))
        return {nearest.adcode}
    found = set()
    for county in geo.counties():
        if not shapely.intersects(county.geometry, part.envelope):
            continue
        share = county.geometry.intersection(part).area / part.area
        if share >= SHARE:
            found.add(county.adcode)
    return found


def _middle(inside: list[BaseGeometry], bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """The middle of the framed areas; for one area, a point surely inside it."""
    middle = ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    if len(inside) == 1 and not inside[0].covers(Point(middle)):
        point = inside[0].representative_point()
        return point.x, point.y
    return middle


def _unreadable(places: Places) -> str:
    return f"（另有 {places.unreadable} 处区域的坐标无法识别，未画出）" if places.unreadable else ""
