"""Warnings' areas on the map: every polygon and circle of every area, outlined and filled in the
warning level's colour.

Each stage is done once: a message's geometry is read and repaired in lon/lat when the warnings
change (`places_of`); it is projected, clipped to the picture and simplified to at most MAX_VERTICES
a warning, then painted into a picture of its own (`layer`), when the view, the size or the warnings
change (`project`); that picture is laid into the static picture with each look, under the points
and the names. No paint draws a path, and a geometry that cannot be read is left out (and counted),
never raised.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyqtgraph import arrayToQPath
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen
from shapely.errors import GEOSException
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from cockpit.charts.painting import painting
from cockpit.core.mapraster import Projection
from kernel import geo, levels

log = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088
CIRCLE_SIDES = 96  # a circle's polygon: smooth at any radius a wall shows
MAX_VERTICES = 6000  # drawn per warning, whatever the feed sent
TOLERANCE_PX = 0.5  # simplification below what a pixel can show
DOT_PX = 6.0  # a point's (a radius-0 circle's) marker radius at 1920x1080
MIN_EXTENT_PX = 3.0  # an area smaller than this on screen is shown as a dot, so it is never lost
FILL_ALPHA = 0.22
STRIPE_PX = 11  # the stripes' spacing at 1920x1080
OUTSIDE_OPACITY = 0.4  # areas beyond the view's land (the city, or the drilled county)
POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon


@dataclass(frozen=True, eq=False)
class Places:
    """One warning's geometry in lon/lat, read once: what is drawn and what fly-to frames."""

    key: tuple
    level: str
    shapes: tuple[BaseGeometry, ...]  # valid polygonal geometry, one per CAP polygon, circle or place
    points: tuple[tuple[float, float], ...]  # radius-0 circles
    names: tuple[str, ...]  # the areas' descriptions
    from_geocodes: bool  # nothing but administrative codes gave the shapes
    unreadable: int  # polygons and circles left out: too few points, not finite, off the globe

    @property
    def empty(self) -> bool:
        return not self.shapes and not self.points


@dataclass(frozen=True, eq=False)
class Drawn:
    """One warning projected for one frame: a path in device pixels, the dots, and its vertex count."""

    key: tuple
    level: str
    path: QPainterPath  # every polygon of every area, winding fill (overlaps fill once)
    dots: tuple[QPointF, ...]
    vertices: int
    rings: int
    emphasised: bool = False


def message_key(message) -> tuple:
    return (message.origin, message.id, message.key)


def places_of(message) -> Places:
    """Every polygon and circle of every area of a warning (a record's message, or a message); an area
    with neither gives its Nantong places by administrative code (geocodes)."""
    shapes: list[BaseGeometry] = []
    points: list[tuple[float, float]] = []
    unreadable, from_geocodes = 0, False
    for area in getattr(message, "areas", ()) or ():
        before = len(shapes) + len(points)
        for ring in area.polygons:
            shape = polygon_of(ring)
            if shape is None:
                unreadable += 1
            else:
                shapes.append(shape)
        for circle in area.circles:
            try:
                lon, lat, radius = (float(v) for v in circle)
            except (TypeError, ValueError):
                unreadable += 1
                continue
            if not on_globe(lon, lat) or not math.isfinite(radius) or radius < 0:
                unreadable += 1
            elif radius == 0:
                points.append((lon, lat))
            else:
                shapes.append(circle_polygon(lon, lat, radius))
        if len(shapes) + len(points) == before and not area.polygons and not area.circles:
            found = [place for _, value in area.geocodes if (place := place_of(str(value))) is not None]
            shapes.extend(found)
            from_geocodes = from_geocodes or bool(found)
    level = message.level if message.level in levels.RANK else ""
    names = tuple(a.description for a in getattr(message, "areas", ()) or () if a.description)
    return Places(message_key(message), level, tuple(shapes), tuple(points), names, from_geocodes, unreadable)


def polygon_of(ring) -> BaseGeometry | None:
    """A CAP polygon (a closed ring of lon, lat) as valid polygonal geometry, or None if it has none."""
    try:
        coords = np.asarray(ring, dtype=float)
    except (TypeError, ValueError):
        return None
    if coords.ndim != 2 or coords.shape[1] < 2 or len(coords) < 3:
        return None
    coords = coords[:, :2]
    if not np.isfinite(coords).all() or (np.abs(coords[:, 1]) > 90).any() or (np.abs(coords[:, 0]) > 540).any():
        return None
    if len(np.unique(coords, axis=0)) < 3:
        return None
    try:
        shape = Polygon(coords)
        if not shape.is_valid:
            shape = shapely.make_valid(shape)
        parts = [p for p in shapely.get_parts(shape) if shapely.get_type_id(p) in POLYGONAL and not p.is_empty]
    except (GEOSException, ValueError):
        return None
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def circle_polygon(lon: float, lat: float, radius_km: float, sides: int = CIRCLE_SIDES) -> Polygon:
    """A circle on the sphere: the points `radius_km` from the centre at every bearing (so it is round
    on the ground, and the map's projection draws it as the ground has it)."""
    delta = min(radius_km / EARTH_RADIUS_KM, math.pi * 0.999)
    phi, lam = math.radians(lat), math.radians(lon)
    bearing = np.linspace(0, 2 * math.pi, sides, endpoint=False)
    lat2 = np.arcsin(np.sin(phi) * math.cos(delta) + np.cos(phi) * math.sin(delta) * np.cos(bearing))
    lon2 = lam + np.arctan2(np.sin(bearing) * math.sin(delta) * math.cos(phi),
                            math.cos(delta) - math.sin(phi) * np.sin(lat2))
    return Polygon(np.column_stack((np.degrees(lon2), np.degrees(lat2))))


def place_of(adcode: str) -> BaseGeometry | None:
    """A Nantong administrative code's place: a town (its cell), a county, or the city."""
    if adcode == geo.CITY["adcode"]:
        return geo.city_outline()
    town = geo.town_cells().get(adcode)
    if town is not None:
        return town
    county = geo.county_by_adcode().get(adcode)
    return county.geometry if county is not None else None


def on_globe(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and abs(lat) <= 90 and abs(lon) <= 540


def project(places: Places, projection: Projection, clip: QRect, s: float, *, emphasised: bool = False) -> Drawn:
    """The warning in the frame's device pixels: clipped to `clip` (the picture, with a margin so no
    outline shows the cut), simplified to at most MAX_VERTICES; what is too small to show as a shape,
    or was simplified away, becomes a dot."""
    margin = 8 * s + 4
    box = (clip.left() - margin, clip.top() - margin, clip.right() + 1 + margin, clip.bottom() + 1 + margin)
    dots = [projection.to_pixels(lon, lat) for lon, lat in places.points]
    pixel_shapes = []
    for shape in places.shapes:
        try:
            pixels = shapely.transform(shape, lambda xy: np.column_stack(projection.to_pixels(xy[:, 0], xy[:, 1])))
            minx, miny, maxx, maxy = pixels.bounds
            if max(maxx - minx, maxy - miny) < MIN_EXTENT_PX:  # too small to see as a shape: a dot
                dots.append(((minx + maxx) / 2, (miny + maxy) / 2))
                continue
            clipped = shapely.clip_by_rect(pixels, *box)
        except (GEOSException, ValueError) as exc:
            log.warning("a warning area could not be projected: %s", exc)
            continue
        if not clipped.is_empty:
            pixel_shapes.append(clipped)
    shapes = simplified(pixel_shapes)
    for before, after in zip(pixel_shapes, shapes, strict=True):
        if after.is_empty:  # a small area next to a huge one, simplified away: never lost
            minx, miny, maxx, maxy = before.bounds
            dots.append(((minx + maxx) / 2, (miny + maxy) / 2))
    path, vertices, rings = path_of([shape for shape in shapes if not shape.is_empty])
    inside = QRectF(*box[:2], box[2] - box[0], box[3] - box[1])
    points = tuple(QPointF(float(x), float(y)) for x, y in dots if inside.contains(float(x), float(y)))
    return Drawn(places.key, places.level, path, points, vertices, rings, emphasised)


def simplified(shapes: list[BaseGeometry], limit: int = MAX_VERTICES) -> list[BaseGeometry]:
    """The shapes with no detail below half a pixel, and coarser still until they fit `limit` vertices
    (one for one: a shape simplified away is empty)."""
    if not shapes:
        return []
    array = np.asarray(shapes, dtype=object)
    tolerance = TOLERANCE_PX
    for _ in range(24):
        out = shapely.simplify(array, tolerance, preserve_topology=True)
        if shapely.get_num_coordinates(out).sum() <= limit:
            break
        tolerance *= 2
    else:  # nothing left to keep: each shape becomes its bounding box
        out = shapely.envelope(array)
    return [shapely.normalize(shape) for shape in out]


def path_of(shapes: list[BaseGeometry]) -> tuple[QPainterPath, int, int]:
    """One path of every ring (orientation made consistent by normalize, so a winding fill fills
    overlapping polygons once and keeps their holes)."""
    polygonal = [p for shape in shapes for p in shapely.get_parts(shape) if shapely.get_type_id(p) in POLYGONAL]
    if not polygonal:
        return QPainterPath(), 0, 0
    ring_geoms = shapely.get_rings(np.asarray(polygonal, dtype=object))
    coords, ring_of = shapely.get_coordinates(ring_geoms, return_index=True)
    if len(coords) == 0:
        return QPainterPath(), 0, 0
    connect = np.ones(len(coords), dtype=np.int32)
    connect[:-1][ring_of[1:] != ring_of[:-1]] = 0  # the last point of each ring does not join the next
    connect[-1] = 0
    path = arrayToQPath(coords[:, 0], coords[:, 1], connect=connect, finiteCheck=False)
    path.setFillRule(Qt.FillRule.WindingFill)
    return path, len(coords), len(ring_geoms)


def view_path(geometry: BaseGeometry, projection: Projection) -> QPainterPath:
    """The view's land (the city, or the drilled county) in device pixels: inside it areas are drawn in
    full, beyond it faded, so a shape on the bare ground never looks like a place of the map."""
    pixels = shapely.transform(geometry, lambda xy: np.column_stack(projection.to_pixels(xy[:, 0], xy[:, 1])))
    path, _, _ = path_of(simplified([pixels], limit=20 * MAX_VERTICES))
    return path


def layer(drawn: list[Drawn], s: float, ground: str, view: QPainterPath | None, size: QSize) -> tuple[QPoint, QImage]:
    """The areas as a picture of their own, as big as they reach on the frame: painted once per view and
    change, then laid into the static picture on each recolour (a blend: a few ms even on a 8K wall)."""
    reach = math.ceil((3.4 + 2.4) * s + DOT_PX * s) + 2
    rect = QRectF()
    for item in drawn:
        rect = rect.united(item.path.boundingRect()) if not item.path.isEmpty() else rect
        for dot in item.dots:
            rect = rect.united(QRectF(dot.x(), dot.y(), 1, 1))
    bounds = rect.toAlignedRect().adjusted(-reach, -reach, reach, reach).intersected(QRect(QPoint(0, 0), size))
    image = QImage(bounds.size().expandedTo(QSize(1, 1)), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    if not bounds.isEmpty():
        with painting(image) as painter:
            painter.translate(-bounds.topLeft())
            paint(painter, drawn, s, ground, view, QRectF(bounds))
    return bounds.topLeft(), image


def paint(painter: QPainter, drawn: list[Drawn], s: float, ground: str, view: QPainterPath | None = None,
          bounds: QRectF | None = None) -> None:
    """Every warning's areas: in full over the view's land, faded (OUTSIDE_OPACITY) beyond it (within
    `bounds`, the painter's reach)."""
    if view is None or view.isEmpty() or bounds is None:
        _paint_all(painter, drawn, s, ground)
        return
    painter.save()
    painter.setClipPath(view, Qt.ClipOperation.IntersectClip)
    _paint_all(painter, drawn, s, ground)
    painter.restore()
    beyond = QPainterPath()
    beyond.addRect(bounds)
    beyond.addPath(view)
    beyond.setFillRule(Qt.FillRule.OddEvenFill)  # the picture less the land (a hole in the land is beyond)
    painter.save()
    painter.setClipPath(beyond, Qt.ClipOperation.IntersectClip)
    painter.setOpacity(OUTSIDE_OPACITY)
    _paint_all(painter, drawn, s, ground)
    painter.restore()


def _paint_all(painter: QPainter, drawn: list[Drawn], s: float, ground: str) -> None:
    """Fill and outline each warning, least severe first (the most severe on top). The fill is a light
    tint and stripes of the level's colour edged in the ground's, the outline a line with a dark halo:
    both read over any colour of the choropleth, even the level's own (a red warning on a red county)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    halo = QColor(ground)
    halo.setAlphaF(0.85)
    for item in sorted(drawn, key=lambda d: (d.emphasised, -levels.RANK.get(d.level, levels.UNRANKED))):
        colour = QColor(levels.of(item.level).colour)
        tint = QColor(colour)
        tint.setAlphaF(FILL_ALPHA)
        width = (3.4 if item.emphasised else 2.4) * s
        if not item.path.isEmpty():
            painter.fillPath(item.path, tint)
            painter.fillPath(item.path, QBrush(stripes(colour.name(), ground, round(s, 2))))
            painter.strokePath(item.path, _pen(halo, width + 2.4 * s))
            painter.strokePath(item.path, _pen(colour, width))
        for dot in item.dots:  # a ring round a dot: a place, not one of the points layers' solid markers
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_pen(halo, 4.6 * s))
            painter.drawEllipse(dot, DOT_PX * s, DOT_PX * s)
            painter.setPen(_pen(colour, 2.2 * s))
            painter.drawEllipse(dot, DOT_PX * s, DOT_PX * s)
            painter.setPen(_pen(halo, 1.2 * s))
            painter.setBrush(colour)
            painter.drawEllipse(dot, 2.6 * s, 2.6 * s)
    painter.restore()


@lru_cache(maxsize=32)
def stripes(colour: str, ground: str, s: float) -> QImage:
    """A tile of diagonal stripes (the other way from the no-data hatch): the level's colour edged in
    the ground's, mostly see-through so the choropleth's colour still shows between them."""
    period = max(6, round(STRIPE_PX * s))
    image = QImage(period, period, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    edge = QColor(ground)
    edge.setAlphaF(0.55)
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen in (_pen(edge, 3.2 * s), _pen(QColor(colour), 1.4 * s)):
            painter.setPen(pen)
            for k in (-1, 0, 1):  # each line and its neighbours' ends, so the tile joins its copies
                painter.drawLine(QPointF(k * period - 1, -1), QPointF(k * period + period + 1, period + 1))
    return image


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen
