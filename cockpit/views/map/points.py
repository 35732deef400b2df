"""The map's live points: parsed once into arrays, drawn as prepared sprites, repainted in bands."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QRegion

from cockpit.charts import palette
from cockpit.charts.painting import painting
from cockpit.views.map.fragments import Stamps
from kernel import levels

POINT_LEVELS = tuple(reversed(levels.POINT_CODES))  # drawing order: the most urgent on top
LEVEL_INDEX = {name: index for index, name in enumerate(POINT_LEVELS)}
BAND = 128  # rows per band of a points repaint


@dataclass(frozen=True, eq=False)
class Points:
    lon: np.ndarray
    lat: np.ndarray
    level: np.ndarray  # index into POINT_LEVELS


def parse_points(layer: str, items: list[dict]) -> Points:
    """Each item has lon, lat and level (red/orange/yellow/blue/normal); raises ValueError naming the
    first point that cannot be drawn."""
    count = len(items)
    try:
        lon = np.fromiter((item["lon"] for item in items), float, count)
        lat = np.fromiter((item["lat"] for item in items), float, count)
        level = np.fromiter((LEVEL_INDEX[item.get("level", "normal")] for item in items), np.intp, count)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError(_bad_point(layer, items)) from None
    return Points(lon, lat, level)


def stamps_for(layers: list[Points], projection, labels: np.ndarray, area: QRect,
               sprite_for: Callable[[str], QPixmap]) -> list[Stamps]:
    """Every layer's points in the view, one batch per level; a drilled view shows its county's only."""
    if not layers:
        return []
    lon = np.concatenate([p.lon for p in layers])
    lat = np.concatenate([p.lat for p in layers])
    level = np.concatenate([p.level for p in layers])
    x, y = projection.to_pixels(lon, lat)
    in_view = inside(labels, x - area.x(), y - area.y())
    found = []
    for index, name in enumerate(POINT_LEVELS):
        chosen = (level == index) & in_view
        if chosen.any():
            found.append(Stamps(x[chosen], y[chosen], sprite_for(name)))
    return found


def marker(level: str, text_scale: float) -> QPixmap:
    """A point's dot in its level's colour and size, ringed with the ground colour."""
    radius = levels.of(level).marker_px * text_scale
    side = math.ceil(2 * radius + 4)
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(palette.BACKGROUND), max(1.0, 1.4 * text_scale)))
        painter.setBrush(QColor(levels.of(level).colour))
        painter.drawEllipse(QPointF(side / 2, side / 2), radius, radius)
    return QPixmap.fromImage(image)


def changed_area(points: list[Points], projection, size, reach: int) -> tuple[QRect, QRegion]:
    """Where these points' sprites lie: their bounding rectangle (what to repaint) and its bands
    that hold sprites (where the static picture must be re-drawn under them)."""
    places = [projection.to_pixels(p.lon, p.lat) for p in points]
    x = np.concatenate([px for px, _ in places] or [np.empty(0)])
    y = np.concatenate([py for _, py in places] or [np.empty(0)])
    finite = np.isfinite(x) & np.isfinite(y)
    x, y = x[finite], y[finite]
    screen = QRect(QPoint(0, 0), size)
    rect = QRect()
    if len(x):
        rect = QRect(QPoint(int(x.min()) - reach, int(y.min()) - reach),
                     QPoint(int(x.max()) + reach, int(y.max()) + reach)) & screen
    return rect, band_region(x, y, reach, screen)


def band_region(x: np.ndarray, y: np.ndarray, reach: int, screen: QRect) -> QRegion:
    """Where sprites centred at (x, y) lie, as one rectangle per band of BAND rows: the city runs
    diagonally across a wall, so the bands cover about half of the points' bounding box."""
    width, height = screen.width(), screen.height()
    on_screen = (x > -reach) & (x < width + reach) & (y > -reach) & (y < height + reach)
    x, band = x[on_screen], (y[on_screen] // BAND).astype(np.intp) + 1  # y > -reach > -BAND: band 0 and up
    low, high = np.full(height // BAND + 3, np.inf), np.full(height // BAND + 3, -np.inf)
    np.minimum.at(low, band, x)
    np.maximum.at(high, band, x)
    region = QRegion()
    for index in np.flatnonzero(high >= low).tolist():
        top = (index - 1) * BAND
        region = region.united(QRect(QPoint(int(low[index]) - reach, top - reach),
                                     QPoint(int(high[index]) + reach, top + BAND + reach)))
    return region.intersected(screen)


def inside(labels: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which pixel positions fall on a cell of the label image."""
    height, width = labels.shape
    col, row = np.floor(x).astype(np.intp), np.floor(y).astype(np.intp)
    on_image = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    result = np.zeros(len(x), dtype=bool)
    result[on_image] = labels[row[on_image], col[on_image]] > 0
    return result


def _bad_point(layer: str, items: list[dict]) -> str:
    """The sentence naming the first point that cannot be drawn, and why."""
    for index, item in enumerate(items):
        try:
            float(item["lon"]), float(item["lat"])
        except (KeyError, TypeError, ValueError):
            return f"point {index} of layer {layer!r} has no usable lon/lat: {item!r}"
        if item.get("level", "normal") not in LEVEL_INDEX:
            return (f"point {index} of layer {layer!r} has level {item.get('level')!r}; "
                    f"expected one of {', '.join(POINT_LEVELS)}")
    return f"the points of layer {layer!r} are not a list of dicts with lon, lat and level"
