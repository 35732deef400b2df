"""The pulse: a warning's place flown to, its area outlined in the level's colour and a marker that
spreads rings, repainted alone on one shared timer."""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from cockpit.charts.painting import painting
from cockpit.core.mapraster import Projection, rings, unit_coordinates
from kernel import geo, levels

if TYPE_CHECKING:
    from cockpit.views.map.widget import NantongMap

PERIOD_S = 1.2
PHASES = 24
REACH_PX = 52  # the marker's outer radius at 1920x1080


class PulseClock:
    """One timer for every pulsing marker: each tick repaints only the markers' small rectangles."""

    _instance: PulseClock | None = None

    def __init__(self) -> None:
        self._maps: set[NantongMap] = set()
        self._timer = QTimer()
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)

    @classmethod
    def instance(cls) -> PulseClock:
        if cls._instance is None:
            cls._instance = PulseClock()
        return cls._instance

    def attach(self, widget: NantongMap) -> None:
        self._maps.add(widget)
        widget.destroyed.connect(lambda *_: self._maps.discard(widget))
        if not self._timer.isActive():
            self._timer.start()

    def detach(self, widget: NantongMap) -> None:
        self._maps.discard(widget)
        if not self._maps:
            self._timer.stop()

    def _tick(self) -> None:
        for widget in list(self._maps):
            widget.pulse_tick()


def paint_marker(painter: QPainter, x: float, y: float, level: str, s: float) -> None:
    """The marker at the warning's place: one pre-rendered picture of the pulse's current phase."""
    phase = int((time.monotonic() % PERIOD_S) / PERIOD_S * PHASES)
    image = marker_image(level, round(s, 2), phase)
    painter.drawImage(QPointF(x - image.width() / 2, y - image.height() / 2), image)


def marker_rect(x: float, y: float, s: float, dpr: float) -> QRect:
    """The widget pixels the marker covers at device pixel (x, y)."""
    reach = REACH_PX * s
    return QRectF((x - reach) / dpr, (y - reach) / dpr, 2 * reach / dpr, 2 * reach / dpr).toAlignedRect()


@lru_cache(maxsize=4 * PHASES)
def marker_image(level: str, scale: float, phase: int) -> QImage:
    """Two rings spreading and fading around a dot, at one of PHASES phases. Drawing translucent
    antialiased rings live cost ~1 ms a tick at 4K; a prepared picture costs ~0.05 ms."""
    reach = math.ceil(REACH_PX * scale)
    image = QImage(2 * reach, 2 * reach, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    centre, colour = QPointF(reach, reach), QColor(levels.of(level).colour)
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for offset in (0.0, 0.5):
            p = (phase / PHASES + offset) % 1.0
            colour.setAlphaF(1 - p)
            painter.setPen(QPen(colour, 3 * scale))
            painter.drawEllipse(centre, (8 + 40 * p) * scale, (8 + 40 * p) * scale)
        colour.setAlphaF(1.0)
        painter.setPen(QPen(QColor("#ffffff"), 2 * scale))
        painter.setBrush(colour)
        painter.drawEllipse(centre, 9 * scale, 9 * scale)
    return image


def area_outline(adcode: str | None, projection: Projection) -> QPainterPath | None:
    """The warning's area (a town cell or a county) as a path in the projection's unit coordinates,
    or None when the code names neither. Drawn once per flight: plain Qt calls are fast enough."""
    geometry = geo.town_cells().get(adcode) if adcode else None
    if geometry is None and adcode:
        county = geo.county_by_adcode().get(adcode)
        geometry = county.geometry if county else None
    if geometry is None:
        return None
    ring_set = rings([geometry])
    unit = unit_coordinates(ring_set.coords, projection.lon0, projection.lat0, projection.kx)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    starts = ring_set.starts.tolist()
    for first, last in zip(starts[:-1], starts[1:], strict=True):
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in unit[first:last].tolist()]))
    return path


def paint_outline(painter: QPainter, path: QPainterPath, projection: Projection, level: str, s: float) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setTransform(QTransform(projection.scale, 0, 0, projection.scale, projection.ox, projection.oy),
                         combine=True)
    pen = QPen(QColor(levels.of(level).colour), 4 * s)
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.restore()
