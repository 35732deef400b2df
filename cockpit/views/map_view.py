"""NantongMap: the overall situation map, fast enough for a 7680x2160 video wall.

How it stays fast (measured trade-offs in the project guide, "known traps"):
the cells are rasterised once per size and view into a 16-bit label image by
one numpy scanline fill of every cell at once (cockpit.core.polyfill; a QPainter
call per polygon cost more than the rest of the build); the borders, county
outlines and the hatch for missing data become codes too
(cockpit.core.mapraster), so every recolour is one numpy table lookup into the
pixels of a cached picture, with the legend and notes drawn on top. A frame
then blits that picture and stamps points, names and the pulse from prepared
sprites; moving points repaints only where they were and are. Nothing is
re-rasterised except on resize or drill, and the city's frame survives a drill.
"""

from __future__ import annotations

import ctypes
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import shiboken6
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QRegion,
    QTransform,
)
from PySide6.QtWidgets import QToolTip, QWidget
from shapely.ops import polylabel

from cockpit.charts import palette
from cockpit.core.formats import format_value
from cockpit.core.mapraster import (
    BACKGROUND,
    NO_DATA,
    NO_DATA_HATCH,
    RAMP,
    CellSet,
    Projection,
    Rings,
    Scale,
    cell_set,
    code_blocks,
    colour_table,
    display_codes,
    fill_outside,
    hex_argb,
    paint_codes,
    region_values,
    rings,
    scratch_for,
    unit_coordinates,
    view_edges,
)
from cockpit.core.polyfill import fill
from cockpit.views.fonts import FONT_FILES
from cockpit.views.theme import scale_for
from kernel import geo, levels
from kernel.paths import resource

LEVELS = ("county", "town", "grid")
POINT_LEVELS = tuple(reversed(levels.POINT_CODES))  # drawing order: the most urgent on top
LEVEL_INDEX = {name: index for index, name in enumerate(POINT_LEVELS)}
VALUE_TEXT = "#ffe08a"
PULSE_PERIOD_S = 1.2
PULSE_PHASES = 24


@dataclass(frozen=True, eq=False)
class _Frame:
    """Everything that depends on the size and the view, built once per resize or drill."""

    key: tuple
    size: QSize
    area: QRect  # the part of the picture the map covers; label images and codes are this size
    projection: Projection
    cells: CellSet
    labels: np.ndarray  # cell code per pixel (0 outside), for hit tests
    codes: np.ndarray  # display codes per pixel, for recolouring
    image: QImage  # the static picture; recolours write into its pixels
    pixels: np.ndarray  # a numpy view of image's pixels
    scratch: np.ndarray
    blocks: np.ndarray  # the parts of `codes` a recolour looks up (beyond them is the outside)


@dataclass(frozen=True, eq=False)
class _Points:
    lon: np.ndarray
    lat: np.ndarray
    level: np.ndarray  # index into POINT_LEVELS


class NantongMap(QWidget):
    """The Nantong map: county outlines, town (and grid) cells as a choropleth, live points, drill-down.

    region_clicked(adcode): a county clicked in the city view, a town in a county view.
    drill_changed(adcode or None): the view changed to a county, or back to the city.
    """

    region_clicked = Signal(str)
    drill_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, show_grids: bool = False) -> None:
        super().__init__(parent)
        _ensure_fonts()
        self.setMouseTracking(True)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._drill: str | None = None
        self._show_grids = show_grids
        self._values: dict[str, float | None] = {}
        self._level = "county"
        self._label = ""
        self._unit = ""
        self._zones: list[dict] = []
        self._layers: dict[str, _Points] = {}
        self._pulse: tuple[float, float, str, str | None] | None = None  # lon, lat, level, adcode
        self._scale: float | None = None
        self._frame: _Frame | None = None  # the current view's frame
        self._frames: dict[tuple, _Frame] = {}  # the city's frame is kept while drilled: going back is instant
        self._look = 0  # bumped whenever what the static picture shows changes
        self._painted: dict[tuple, int] = {}  # frame key -> the look its image shows
        self._names: list[tuple[QPointF, QImage]] = []
        self._names_for: tuple | None = None
        self._values_for: tuple | None = None
        self._text_sprites: dict[tuple, QImage] = {}
        self._show_names = True
        self._fragments: list[tuple[PrimitiveArray, QPixmap]] | None = None
        self._sprites: dict[tuple[str, int], QPixmap] = {}
        self._hover: str | None = None
        self._area: tuple | None = None  # cached outline of the pulsing warning's area
        self.changed_rect: QRect | None = None  # device pixels the points changes not yet painted repaint
        self._restore: QRegion | None = None  # the part of changed_rect whose static picture is re-drawn
        self._requested = QRegion()  # changed_rect in widget pixels, as update() was asked

    # -- what the window calls ------------------------------------------------
    def set_choropleth(self, values: dict[str, float | None], *, label: str, unit: str,
                       level: str = "county") -> None:
        """Colour each region at `level` by its value; None (or a missing region) shows as no data."""
        if level not in LEVELS:
            raise ValueError(f"a choropleth level is one of {', '.join(LEVELS)}, not {level!r}")
        self._values, self._label, self._unit, self._level = dict(values), label, unit, level
        self._restyle()

    @property
    def choropleth(self) -> tuple[str, str, str]:
        """What colours the map: (label, unit, level)."""
        return self._label, self._unit, self._level

    def set_points(self, layer: str, items: list[dict]) -> None:
        """Show the points of one layer; each item has lon, lat and level (red/orange/yellow/blue/normal)."""
        count = len(items)
        try:
            lon = np.fromiter((item["lon"] for item in items), float, count)
            lat = np.fromiter((item["lat"] for item in items), float, count)
            level = np.fromiter((LEVEL_INDEX[item.get("level", "normal")] for item in items), np.intp, count)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(_bad_point(layer, items)) from None
        old = self._layers.get(layer)
        self._layers[layer] = _Points(lon, lat, level)
        self._points_changed(old, self._layers[layer])

    def clear_points(self, layer: str) -> None:
        old = self._layers.pop(layer, None)
        if old is not None:
            self._points_changed(old, None)

    def _points_changed(self, old: _Points | None, new: _Points | None) -> None:
        """Only the points moved: repaint the rectangle they were and are in, not the whole wall; and
        within it re-draw the static picture only in the bands of rows that hold points or names."""
        self._fragments = None
        if not self._up_to_date():
            self.changed_rect = self._restore = None
            self.update()
            return
        reach = math.ceil(8 * self._text_scale()) + 2  # the largest sprite's radius, and a margin
        places = [self._frame.projection.to_pixels(p.lon, p.lat) for p in (old, new) if p is not None]
        x = np.concatenate([px for px, _ in places] or [np.empty(0)])
        y = np.concatenate([py for _, py in places] or [np.empty(0)])
        finite = np.isfinite(x) & np.isfinite(y)
        x, y = x[finite], y[finite]
        screen = QRect(QPoint(0, 0), self._frame.size)
        rect = QRect()
        if len(x):
            rect = QRect(QPoint(int(x.min()) - reach, int(y.min()) - reach),
                         QPoint(int(x.max()) + reach, int(y.max()) + reach)) & screen
        restore = _band_region(x, y, reach, screen)
        for at, image in self._names if self._show_names else ():
            restore = restore.united(QRectF(at, QSizeF(image.size())).toAlignedRect())  # no halo drawn twice
        if self.changed_rect is None:  # the first change since the last paint
            self.changed_rect, self._restore, self._requested = QRect(), QRegion(), QRegion()
        self.changed_rect |= rect
        self._restore = self._restore.united(restore)
        dpr = self.devicePixelRatioF()
        logical = QRectF(rect.x() / dpr, rect.y() / dpr, rect.width() / dpr, rect.height() / dpr).toAlignedRect()
        self._requested = self._requested.united(logical)
        self.update(logical)

    def drill(self, county_adcode: str | None) -> None:
        """Show one county with its towns, or the whole city (None). No animation: a wall needs no waiting."""
        if county_adcode is not None and county_adcode not in geo.county_by_adcode():
            raise ValueError(f"{county_adcode!r} is not one of Nantong's counties")
        if county_adcode == self._drill:
            return
        self._drill = county_adcode
        self._fragments = None
        self.update()
        self.drill_changed.emit(county_adcode)

    @property
    def drilled(self) -> str | None:
        return self._drill

    def fly_to(self, lon: float, lat: float, adcode: str | None = None, *, level: str = "red") -> None:
        """Bring a warning's place into view: drill to its county and pulse a marker there."""
        county = adcode[:6] if adcode and adcode[:6] in geo.county_by_adcode() else geo.county_of_point(lon, lat)
        self._pulse = (float(lon), float(lat), level if level in POINT_LEVELS else "red", adcode)
        if county is not None:
            self.drill(county)
        _PulseClock.instance().attach(self)
        self.update()

    def clear_pulse(self) -> None:
        self._pulse = None
        _PulseClock.instance().detach(self)
        self.update()

    def set_zone_figures(self, zones: list[dict]) -> None:
        """The functional zones as labelled figure boxes (they have no boundaries, so none are drawn).

        Each zone: {"code", "name", "value"} with the value in the choropleth's unit (None = no data)."""
        self._zones = [dict(z) for z in zones]
        self._restyle()

    def set_show_grids(self, show: bool) -> None:
        if show != self._show_grids:
            self._show_grids = show
            self._restyle()

    def set_scale(self, scale: float | None) -> None:
        """Text scale (1.0 at 1920x1080); None follows the window's size."""
        self._scale = scale
        self._sprites.clear()
        self._restyle()

    def set_show_names(self, show: bool) -> None:
        """Region names on or off (a small map may want the colours alone)."""
        self._show_names = show
        self.update()

    def to_widget(self, lon: float, lat: float) -> QPointF:
        """Where a place lies on the widget, in the current view."""
        frame = self._ensure_frame()
        x, y = frame.projection.to_pixels(lon, lat)
        dpr = self.devicePixelRatioF()
        return QPointF(float(x) / dpr, float(y) / dpr)

    @property
    def notes(self) -> tuple[str, ...]:
        """The attribution and data notes shown at the foot of the map."""
        return geo.ATTRIBUTION, f"{geo.DERIVED_NOTE} · 坐标系 {geo.DATUM}"

    def region_at(self, x: float, y: float) -> str | None:
        """The adcode a click at widget position (x, y) means: a county in the city view, else a town."""
        code = self._label_at(x, y)
        if code is None:
            return None
        frame = self._ensure_frame()
        if self._drill is None:
            return frame.cells.county_codes[frame.cells.county_of[code]]
        return frame.cells.town_codes[frame.cells.town_of[code]]

    def render_image(self, target: QImage | None = None, *, changed_only: bool = False) -> QImage:
        """Paint the map into `target` (or a new image the widget's size) and return it.

        changed_only: `target` holds the previous frame; repaint only `changed_rect`, as the widget
        itself does after set_points (the benchmarks time this path)."""
        size = self._device_size()
        image = target if target is not None else QImage(size, QImage.Format.Format_RGB32)
        clip = self.changed_rect if changed_only and self._up_to_date() else None
        with _painting(image) as painter:
            if clip is not None:
                painter.setClipRect(clip)
            self._paint(painter, self._restore if clip is not None else None)
        self.changed_rect = self._restore = None
        return image

    # -- Qt events ------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # Only a repaint of exactly the points' changes may skip re-drawing the static picture in places.
        points_only = self.changed_rect is not None and event.region() == self._requested and self._up_to_date()
        with _painting(self) as painter:
            dpr = self.devicePixelRatioF()
            painter.scale(1 / dpr, 1 / dpr)
            self._paint(painter, self._restore if points_only else None)
        self.changed_rect = self._restore = None

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._fragments = None
        super().resizeEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            adcode = self.region_at(event.position().x(), event.position().y())
            if adcode is not None:
                self.region_clicked.emit(adcode)
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        text = self.describe_at(event.position().x(), event.position().y())
        if text != self._hover:
            self._hover = text
            if text:
                QToolTip.showText(event.globalPosition().toPoint(), text, self)
            else:
                QToolTip.hideText()
        super().mouseMoveEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        _PulseClock.instance().detach(self)
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802
        if self._pulse is not None:
            _PulseClock.instance().attach(self)
        super().showEvent(event)

    # -- drawing ----------------------------------------------------------------
    def _paint(self, painter: QPainter, restore: QRegion | None = None) -> None:
        """The frame; with `restore`, the painter's device holds the previous frame and the points
        changed only: the static picture is re-drawn only there (where points were, are, and names)."""
        static = self._ensure_static()
        if restore is None or self._pulse is not None:
            painter.drawImage(0, 0, static)
        else:
            painter.save()
            painter.setClipRegion(restore, Qt.ClipOperation.IntersectClip)
            painter.drawImage(0, 0, static)
            painter.restore()
        for fragments, sprite in self._ensure_fragments():
            painter.drawPixmapFragments(*fragments.drawargs(), sprite)
        for at, image in self._names if self._show_names else ():
            painter.drawImage(at, image)
        if self._pulse is not None:
            self._paint_area(painter, self._frame)
            self._paint_pulse(painter)

    def _restyle(self) -> None:
        self._look += 1
        self._fragments = None
        self.update()

    def _frame_key(self) -> tuple:
        size = self._device_size()
        edges = self._show_grids or self._level == "grid"
        return (self._raster_level_for(self._level), self._drill, size.width(), size.height(), edges,
                self._text_scale())

    def _up_to_date(self) -> bool:
        """Is the current frame's picture what the map should show now (only points may differ)?"""
        frame = self._frame
        return frame is not None and frame.key == self._frame_key() and self._painted.get(frame.key) == self._look

    def _ensure_static(self) -> QImage:
        """Recolour: one table lookup into the frame's pixels, the outlines blended back, legend on top."""
        frame = self._ensure_frame()
        if self._painted.get(frame.key) != self._look:
            codes, values = self._choropleth_values(frame.cells)
            scale = Scale.of(values)
            paint_codes(colour_table(frame.cells, self._level, values, scale), frame.codes, frame.pixels,
                        frame.scratch, frame.blocks)
            with _painting(frame.image) as painter:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
                self._paint_credits(painter, frame.size)
                self._paint_zones(painter, frame)
                self._paint_legend(painter, frame, scale, bool(np.isnan(values).any()))
            self._painted[frame.key] = self._look
        if self._names_for != (frame.key, self._look):
            codes, values = self._choropleth_values(frame.cells)
            self._names = self._name_sprites(frame, codes, values)
            self._names_for = (frame.key, self._look)
        return frame.image

    def _ensure_frame(self) -> _Frame:
        """The current view's frame, from the cache or rasterised now for this size and view."""
        key = self._frame_key()
        if self._frame is not None and self._frame.key == key:
            return self._frame
        frame = self._frames.get(key) or self._build_frame(key)
        home = next((k for k in self._frames if k[1] is None and k[2:] == key[2:]), None)
        self._frames = {k: f for k, f in self._frames.items() if k in (home, key)}
        self._frames[key] = frame
        self._painted = {k: v for k, v in self._painted.items() if k in self._frames}
        self._frame = frame
        self._fragments = None
        return frame

    def _build_frame(self, key: tuple) -> _Frame:
        """Rasterise the view: the label image, then display codes (borders and outlines included)."""
        level, county, width, height, edges, scale = key
        size = QSize(width, height)
        cells = cell_set(level, county)
        legend = min(round(200 * scale), height // 3)  # the legend's band: no place may hide under it
        projection = Projection.fit(cells.bounds, width, height - legend, margin=0.05)
        outline_px = max(1, round(scale))
        area = _map_area(projection, cells.bounds, size, pad=outline_px + 3)
        local = Projection(projection.lon0, projection.lat0, projection.scale, projection.kx,
                           projection.ox - area.x(), projection.oy - area.y())
        raster = fill(view_edges(level, county), local.scale, local.ox, local.oy, (area.height(), area.width()))
        labels = raster.labels
        codes = display_codes(labels, cells, grid_edges=edges, outline_px=outline_px,
                              right_changes=raster.right_changes)
        image = QImage(size, QImage.Format.Format_RGB32)
        whole = _pixels(image)
        top, left, bottom, right = area.top(), area.left(), area.top() + area.height(), area.left() + area.width()
        pixels = whole[top:bottom, left:right]
        for margin in (whole[:top], whole[bottom:], whole[top:bottom, :left], whole[top:bottom, right:]):
            margin.fill(hex_argb(BACKGROUND))  # beyond the map area the picture stays the ground
        # Recolours look up only the blocks that can show cells or their lines; the rest is the ground.
        blocks = code_blocks(raster.extent, outline_px + 2, area.width())
        fill_outside(pixels, blocks, hex_argb(BACKGROUND))
        return _Frame(key, size, area, projection, cells, labels, codes, image, pixels, scratch_for(area.width()),
                      blocks)

    def _paint_area(self, painter: QPainter, frame: _Frame) -> None:
        """The warning's area (a town or county outline) in its level colour."""
        _, _, level, adcode = self._pulse
        geometry = geo.town_cells().get(adcode) if adcode else None
        if geometry is None and adcode:
            county = geo.county_by_adcode().get(adcode)
            geometry = county.geometry if county else None
        if geometry is None:
            return
        if self._area is None or self._area[0] != (adcode, frame.projection):
            self._area = ((adcode, frame.projection), [s for _, s in _shapes_of(rings([geometry]), frame.projection)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(_unit_to_pixels(frame.projection), combine=True)
        pen = QPen(QColor(levels.of(level).colour), 4 * self._text_scale())
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for shape in self._area[1]:
            _draw(painter, shape)
        painter.restore()

    def _name_sprites(self, frame: _Frame, codes: tuple[str, ...], values: np.ndarray) -> list:
        """Region names (and values) as small pre-rendered images, drawn above the points every frame."""
        s = self._text_scale()
        by_code = dict(zip(codes, values, strict=True))
        sprites = []
        if self._drill is None:
            places = [(c.adcode, c.name, _county_label_point(c.adcode)) for c in geo.counties()]
            name_font, value_font = _font(30 * s, bold=True), _font(22 * s, bold=True)
        else:
            places = [(t.adcode, t.name, (t.lon, t.lat)) for t in geo.towns() if t.county_adcode == self._drill]
            name_font, value_font = _font(15 * s, bold=True), _font(14 * s, bold=True)
            title = self._text_sprite([(f"{geo.county_by_adcode()[self._drill].name} · 镇街",
                                        _font(34 * s, bold=True), palette.TEXT)])
            sprites.append((QPointF(20 * s, 16 * s), title))
        show_values = self._level == ("county" if self._drill is None else "town")
        for code, name, (lon, lat) in places:
            lines = [(name, name_font, palette.TEXT)]
            if show_values and code in by_code:
                value = by_code[code]
                lines.append((format_value(None if math.isnan(value) else float(value), self._unit), value_font,
                              VALUE_TEXT))
            image = self._text_sprite(lines)
            x, y = frame.projection.to_pixels(lon, lat)
            sprites.append((QPointF(float(x) - image.width() / 2, float(y) - image.height() / 2), image))
        return sprites

    def _text_sprite(self, lines: list[tuple[str, QFont, str]]) -> QImage:
        """Text sprites are kept: names recur on every recolour, and most values do too."""
        key = tuple((text, font.pixelSize(), font.bold(), colour) for text, font, colour in lines)
        if key not in self._text_sprites:
            if len(self._text_sprites) > 512:
                self._text_sprites.clear()
            self._text_sprites[key] = _text_sprite(lines)
        return self._text_sprites[key]

    def _paint_zones(self, painter: QPainter, frame: _Frame) -> None:
        if not self._zones or self._drill is not None:
            return
        s = self._text_scale()
        hosts = {z["code"]: z["host_county"] for z in geo.FUNCTIONAL_ZONES}
        names = {c.adcode: c.name for c in geo.counties()}
        width, line = 330 * s, 26 * s
        x = frame.size.width() - width - 20 * s
        y = 90 * s
        painter.fillRect(QRectF(x, y - 40 * s, width, len(self._zones) * (line * 2.6 + 10 * s) + 40 * s),
                         QColor(BACKGROUND))  # last look's boxes
        painter.setPen(QColor(palette.TEXT))
        painter.setFont(_font(15 * s, bold=True))
        painter.drawText(QPointF(x, y - 12 * s), "功能区（无法定边界，仅示数据）")
        for zone in self._zones:
            box = QRectF(x, y, width, line * 2.6)
            painter.setPen(QPen(QColor(palette.BORDER), 1.5 * s))
            painter.setBrush(QColor(10, 23, 48, 225))
            painter.drawRoundedRect(box, 6 * s, 6 * s)
            painter.setPen(QColor(palette.TEXT))
            painter.setFont(_font(16 * s, bold=True))
            painter.drawText(box.adjusted(10 * s, 4 * s, -10 * s, 0), Qt.AlignmentFlag.AlignLeft, zone.get("name", ""))
            host = names.get(hosts.get(zone.get("code"), ""), "")
            painter.setPen(QColor(palette.TEXT_DIM))
            painter.setFont(_font(12 * s))
            painter.drawText(box.adjusted(10 * s, line * 1.35, -10 * s, 0), Qt.AlignmentFlag.AlignLeft,
                             f"位于{host}" if host else "")
            painter.setPen(QColor(VALUE_TEXT))
            painter.setFont(_font(20 * s, bold=True))
            value = zone.get("value")
            painter.drawText(box.adjusted(0, 0, -10 * s, -4 * s), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                             format_value(value if isinstance(value, int | float) else None, self._unit))
            y += box.height() + 10 * s

    def _paint_legend(self, painter: QPainter, frame: _Frame, scale: Scale, has_gaps: bool) -> None:
        s = self._text_scale()
        width, bar = 300 * s, 18 * s
        box = QRectF(20 * s, frame.size.height() - 190 * s, width + 24 * s, 150 * s)
        painter.fillRect(box, QColor(BACKGROUND))  # last look's legend
        painter.setPen(QPen(QColor(palette.BORDER), 1.5 * s))
        painter.setBrush(QColor(10, 23, 48, 225))
        painter.drawRoundedRect(box, 6 * s, 6 * s)
        x, y = box.left() + 12 * s, box.top() + 10 * s
        painter.setPen(QColor(palette.TEXT))
        painter.setFont(_font(16 * s, bold=True))
        level_word = {"county": "县区", "town": "镇街", "grid": "网格"}[self._level]
        title = f"{self._label or '—'}（{self._unit}，按{level_word}）" if self._unit else f"{self._label}（按{level_word}）"
        painter.drawText(QRectF(x, y, width, 24 * s), Qt.AlignmentFlag.AlignLeft, title)
        y += 30 * s
        gradient = QLinearGradient(x, 0, x + width, 0)
        for i, colour in enumerate(RAMP):
            gradient.setColorAt(i / (len(RAMP) - 1), QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(gradient))
        painter.drawRect(QRectF(x, y, width, bar))
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.setFont(_font(13 * s))
        y += bar + 2 * s
        low, high = format_value(scale.low, self._unit), format_value(scale.high, self._unit)
        painter.drawText(QRectF(x, y, width, 20 * s), Qt.AlignmentFlag.AlignLeft, low)
        painter.drawText(QRectF(x, y, width, 20 * s), Qt.AlignmentFlag.AlignRight, high)
        y += 28 * s
        swatch = QRectF(x, y, 34 * s, 18 * s)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(NO_DATA))
        painter.drawRect(swatch)
        painter.setBrush(QBrush(QColor(NO_DATA_HATCH), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(swatch)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QRectF(x + 42 * s, y - 1 * s, width, 20 * s), Qt.AlignmentFlag.AlignLeft,
                         "无数据（斜纹）" + ("：部分区域暂无数据" if has_gaps else ""))
        y += 26 * s
        painter.drawText(QRectF(x, y, width, 20 * s), Qt.AlignmentFlag.AlignLeft, "点位")
        metrics = QFontMetricsF(painter.font())
        dot_x = x + metrics.horizontalAdvance("点位") + 10 * s
        for name in reversed(POINT_LEVELS):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(levels.of(name).colour))
            painter.drawEllipse(QPointF(dot_x + 6 * s, y + 10 * s), 6 * s, 6 * s)
            painter.setPen(QColor(palette.TEXT_DIM))
            painter.drawText(QPointF(dot_x + 15 * s, y + 15 * s), levels.of(name).name)
            dot_x += 15 * s + metrics.horizontalAdvance(levels.of(name).name) + 10 * s

    def _paint_credits(self, painter: QPainter, size: QSize) -> None:
        s = self._text_scale()
        painter.setFont(_font(12 * s))
        painter.setPen(QColor(palette.TEXT_DIM))
        rect = QRectF(0, size.height() - 52 * s, size.width() - 16 * s, 48 * s)
        flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom
        text = "\n".join(self.notes)
        painter.fillRect(painter.boundingRect(rect, flags, text), QColor(BACKGROUND))
        painter.drawText(rect, flags, text)

    def _paint_pulse(self, painter: QPainter) -> None:
        """The marker at the warning's place: one pre-rendered picture of the pulse's current phase."""
        frame = self._ensure_frame()
        lon, lat, level, _ = self._pulse
        x, y = (float(v) for v in frame.projection.to_pixels(lon, lat))
        phase = int((time.monotonic() % PULSE_PERIOD_S) / PULSE_PERIOD_S * PULSE_PHASES)
        image = _pulse_image(level, round(self._text_scale(), 2), phase)
        painter.drawImage(QPointF(x - image.width() / 2, y - image.height() / 2), image)

    def _pulse_rect(self):
        if self._pulse is None or self._frame is None:
            return None
        x, y = (float(v) for v in self._frame.projection.to_pixels(self._pulse[0], self._pulse[1]))
        reach = 52 * self._text_scale()
        dpr = self.devicePixelRatioF()
        return QRectF((x - reach) / dpr, (y - reach) / dpr, 2 * reach / dpr, 2 * reach / dpr).toAlignedRect()

    def _ensure_fragments(self) -> list[tuple[PrimitiveArray, QPixmap]]:
        if self._fragments is None:
            frame = self._ensure_frame()
            layers = list(self._layers.values())
            fragments = []
            if layers:
                lon = np.concatenate([p.lon for p in layers])
                lat = np.concatenate([p.lat for p in layers])
                level = np.concatenate([p.level for p in layers])
                x, y = frame.projection.to_pixels(lon, lat)
                # A drilled view shows its own county's points only.
                in_view = _inside(frame.labels, x - frame.area.x(), y - frame.area.y())
                for index, name in enumerate(POINT_LEVELS):
                    chosen = (level == index) & in_view
                    if not chosen.any():
                        continue
                    sprite = self._sprite(name)
                    array = PrimitiveArray(QPainter.PixmapFragment, 10)
                    array.resize(int(chosen.sum()))
                    rows = array.ndarray()
                    # Whole-pixel corners: Qt then blends each sprite with a plain copy loop.
                    half_w, half_h = sprite.width() / 2, sprite.height() / 2
                    rows[:, 0] = np.floor(x[chosen] - half_w + 0.5) + half_w
                    rows[:, 1] = np.floor(y[chosen] - half_h + 0.5) + half_h
                    rows[:, 2:6] = (0, 0, sprite.width(), sprite.height())
                    rows[:, 6:10] = (1, 1, 0, 1)
                    fragments.append((array, sprite))
            self._fragments = fragments
        return self._fragments

    def _sprite(self, level: str) -> QPixmap:
        s = self._text_scale()
        radius = levels.of(level).marker_px * s
        key = (level, round(radius * 4))
        if key not in self._sprites:
            side = math.ceil(2 * radius + 4)
            image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            with _painting(image) as painter:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(QColor(palette.BACKGROUND), max(1.0, 1.4 * s)))
                painter.setBrush(QColor(levels.of(level).colour))
                painter.drawEllipse(QPointF(side / 2, side / 2), radius, radius)
            self._sprites[key] = QPixmap.fromImage(image)
        return self._sprites[key]

    # -- helpers ----------------------------------------------------------------
    def _raster_level_for(self, level: str) -> str:
        return "grid" if level == "grid" or self._show_grids else "town"

    def _choropleth_values(self, cells: CellSet) -> tuple[tuple[str, ...], np.ndarray]:
        """Region codes and values at the choropleth's level, computed once per look."""
        key = (id(cells), self._level, self._look)
        if self._values_for is None or self._values_for[0] != key:
            codes, _ = cells.index_at(self._level)
            self._values_for = (key, codes, region_values(self._values, codes))
        return self._values_for[1], self._values_for[2]

    def _device_size(self) -> QSize:
        dpr = self.devicePixelRatioF()
        return QSize(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))

    def _text_scale(self) -> float:
        if self._scale is not None:
            return self._scale
        window = self.window()
        return scale_for(window.width(), window.height()) * self.devicePixelRatioF()

    def _label_at(self, x: float, y: float) -> int | None:
        frame = self._ensure_frame()
        dpr = self.devicePixelRatioF()
        px, py = int(x * dpr) - frame.area.x(), int(y * dpr) - frame.area.y()
        height, width = frame.labels.shape
        if not (0 <= px < width and 0 <= py < height):
            return None
        code = int(frame.labels[py, px])
        return code if 0 < code <= frame.cells.size else None

    def describe_at(self, x: float, y: float) -> str:
        """The tooltip for widget position (x, y): the region's name and value, or "" off the map."""
        code = self._label_at(x, y)
        if code is None:
            return ""
        cells = self._frame.cells
        region_codes, region_of = cells.index_at(self._level)
        region = region_codes[region_of[code]]
        value = self._values.get(region)
        town = cells.town_codes[cells.town_of[code]]
        names = {t.adcode: t.name for t in geo.towns()} | {c.adcode: c.name for c in geo.counties()}
        county = cells.county_codes[cells.county_of[code]]
        place = names[county] if self._level == "county" else f"{names[county]} {names[town]}"
        if self._level == "grid":
            place += f" 网格 {region[-4:]}"
        shown = format_value(value if isinstance(value, int | float) else None, self._unit)
        return f"{place}\n{self._label}：{shown}"

    def _pulse_tick(self) -> None:
        rect = self._pulse_rect()
        if rect is not None:
            self.update(rect)


class _PulseClock:
    """One timer for every pulsing marker: each tick repaints only the markers' small rectangles."""

    _instance: _PulseClock | None = None

    def __init__(self) -> None:
        self._maps: set[NantongMap] = set()
        self._timer = QTimer()
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)

    @classmethod
    def instance(cls) -> _PulseClock:
        if cls._instance is None:
            cls._instance = _PulseClock()
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
            widget._pulse_tick()


def _shapes_of(ring_set: Rings, projection: Projection) -> list:
    """(label code, drawable) per polygon; holes make a path, the rest stay fast QPolygonFs.

    Each QPolygonF is sized, then filled with one memmove from the coordinate array: about three
    times faster than filling it through a numpy view per polygon."""
    unit = np.ascontiguousarray(unit_coordinates(ring_set.coords, projection.lon0, projection.lat0, projection.kx))
    point_bytes = unit.itemsize * 2
    counts = np.diff(ring_set.starts)
    sources = (unit.ctypes.data + ring_set.starts[:-1] * point_bytes).tolist()
    memmove, address = ctypes.memmove, shiboken6.getCppPointer
    polygons = []
    for count, source in zip(counts.tolist(), sources, strict=True):
        polygon = QPolygonF()
        polygon.resize(count)
        memmove(address(polygon.data())[0], source, count * point_bytes)
        polygons.append(polygon)
    codes = (ring_set.owner + 1).tolist()
    if ring_set.simple.all():
        return list(zip(codes, polygons, strict=True))
    shapes: list = []
    last_part = -1
    for code, part, is_simple, polygon in zip(codes, ring_set.part.tolist(), ring_set.simple.tolist(), polygons,
                                              strict=True):
        if is_simple:
            shapes.append((code, polygon))
        elif part != last_part:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            path.addPolygon(polygon)
            shapes.append((code, path))
        else:
            shapes[-1][1].addPolygon(polygon)
        last_part = part
    return shapes


def _unit_to_pixels(projection: Projection) -> QTransform:
    return QTransform(projection.scale, 0, 0, projection.scale, projection.ox, projection.oy)


def _pixels(image: QImage) -> np.ndarray:
    """A writable numpy view of a 32-bit image's pixels (rows are exactly width * 4 bytes)."""
    return np.frombuffer(image.bits(), np.uint32).reshape(image.height(), image.width())


@contextmanager
def _painting(device) -> Iterator[QPainter]:
    """A painter that is always ended, so an error while drawing cannot leave the device locked."""
    painter = QPainter(device)
    try:
        yield painter
    finally:
        painter.end()


def _draw(painter: QPainter, shape) -> None:
    if isinstance(shape, QPolygonF):
        painter.drawPolygon(shape)
    else:
        painter.drawPath(shape)


@lru_cache(maxsize=4 * PULSE_PHASES)
def _pulse_image(level: str, scale: float, phase: int) -> QImage:
    """Two rings spreading and fading around a dot, at one of PULSE_PHASES phases. Drawing
    translucent antialiased rings live cost ~1 ms a tick at 4K; a prepared picture costs ~0.05 ms."""
    reach = math.ceil(52 * scale)
    image = QImage(2 * reach, 2 * reach, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    centre, colour = QPointF(reach, reach), QColor(levels.of(level).colour)
    with _painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for offset in (0.0, 0.5):
            p = (phase / PULSE_PHASES + offset) % 1.0
            colour.setAlphaF(1 - p)
            painter.setPen(QPen(colour, 3 * scale))
            painter.drawEllipse(centre, (8 + 40 * p) * scale, (8 + 40 * p) * scale)
        colour.setAlphaF(1.0)
        painter.setPen(QPen(QColor("#ffffff"), 2 * scale))
        painter.setBrush(colour)
        painter.drawEllipse(centre, 9 * scale, 9 * scale)
    return image


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


def _map_area(projection: Projection, bounds: tuple[float, float, float, float], size: QSize, pad: int) -> QRect:
    """The pixels the view's bounds cover, with room for the outline; the rest of a wide wall is ground."""
    x0, y0 = projection.to_pixels(bounds[0], bounds[3])
    x1, y1 = projection.to_pixels(bounds[2], bounds[1])
    left, top = max(0, math.floor(x0) - pad), max(0, math.floor(y0) - pad)
    right, bottom = min(size.width(), math.ceil(x1) + pad), min(size.height(), math.ceil(y1) + pad)
    return QRect(left, top, right - left, bottom - top)


BAND = 128  # rows per band of a points repaint


def _band_region(x: np.ndarray, y: np.ndarray, reach: int, screen: QRect) -> QRegion:
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


def _inside(labels: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which pixel positions fall on a cell of the label image."""
    height, width = labels.shape
    col, row = np.floor(x).astype(np.intp), np.floor(y).astype(np.intp)
    on_image = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    result = np.zeros(len(x), dtype=bool)
    result[on_image] = labels[row[on_image], col[on_image]] > 0
    return result


@cache
def _county_label_point(adcode: str) -> tuple[float, float]:
    """Where a county's name goes: the middle of its largest part (pole of inaccessibility)."""
    geometry = geo.county_by_adcode()[adcode].geometry
    body = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    point = polylabel(body, tolerance=0.002)
    return point.x, point.y


def _font(pixels: float, *, bold: bool = False) -> QFont:
    font = QFont(palette.FONT_FAMILY)
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return font


def _text_sprite(lines: list[tuple[str, QFont, str]]) -> QImage:
    """Centred lines of text with a dark halo (readable over any cell colour) on a transparent image.

    The halo is the text drawn at eight offsets: glyphs come from Qt's cache, far cheaper than
    stroking text outlines."""
    metrics = [QFontMetricsF(font) for _, font, _ in lines]
    halo = max(1.5, max(font.pixelSize() for _, font, _ in lines) / 12)
    width = max(m.horizontalAdvance(text) for (text, _, _), m in zip(lines, metrics, strict=True)) + 2 * halo + 2
    height = sum(m.height() for m in metrics) + 2 * halo + 2
    image = QImage(math.ceil(width), math.ceil(height), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    shadow = QColor(palette.BACKGROUND)
    with _painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        y = halo + 1
        for (text, font, colour), m in zip(lines, metrics, strict=True):
            painter.setFont(font)
            at = QPointF((width - m.horizontalAdvance(text)) / 2, y + m.ascent())
            painter.setPen(shadow)
            for dx, dy in ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)):
                painter.drawText(at + QPointF(dx * halo, dy * halo), text)
            painter.setPen(QColor(colour))
            painter.drawText(at, text)
            y += m.height()
    return image


def _ensure_fonts() -> None:
    """Register the bundled fonts if the application has not (without touching the app's own font)."""
    if palette.FONT_FAMILY not in QFontDatabase.families():
        for name in FONT_FILES:
            QFontDatabase.addApplicationFont(str(resource("fonts", name)))


__all__ = ["NantongMap"]
