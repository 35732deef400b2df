"""NantongMap: the overall situation map, fast enough for a 7680x2160 video wall.

How it stays fast is written in docs/map-rendering.md: a label image rasterised once per size and
view, every recolour one table lookup into a cached picture, points stamped from prepared sprites
and repainted only in the bands where they were and are.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPixmap, QRegion
from PySide6.QtWidgets import QToolTip, QWidget

from cockpit.charts import palette
from cockpit.charts.painting import painting
from cockpit.core.mapcolour import BACKGROUND, Scale, colour_table, paint_codes, region_values
from cockpit.core.mapraster import CellSet
from cockpit.views.fonts import register_fonts
from cockpit.views.map import areas, framing, hits, overlays, pulse
from cockpit.views.map.fragments import Stamps
from cockpit.views.map.frame import Frame, Frames, fill_ground
from cockpit.views.map.points import POINT_LEVELS, Points, changed_area, marker, parse_points, stamps_for
from cockpit.views.theme import scale_for
from kernel import geo, levels

LEVELS = ("county", "town", "grid")
log = logging.getLogger(__name__)


class NantongMap(QWidget):
    """The Nantong map: county outlines, town (and grid) cells as a choropleth, live points, drill-down.

    region_clicked(adcode): a county clicked in the city view, a town in a county view.
    drill_changed(adcode or None): the view changed to a county, or back to the city.
    notice_changed(text): what the map says about the warning flown to ("" when nothing).
    """

    region_clicked = Signal(str)
    drill_changed = Signal(object)
    notice_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        register_fonts()  # the map may be shown by an application that has not installed them
        self.setMouseTracking(True)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._drill: str | None = None
        self._values: dict[str, float | None] = {}
        self._level, self._label, self._unit = "county", "", ""
        self._coloured = False  # a figure colours the regions (set_choropleth), or the map shows points only
        self._layers: dict[str, Points] = {}
        self._pulse: tuple[float, float, str, str | None] | None = None  # lon, lat, level, adcode
        self._outline: tuple[tuple, object] | None = None  # ((adcode, projection), path) of the pulse's area
        self._scale: float | None = None
        self._frames = Frames()
        self._look = 0  # bumped whenever what the static picture shows changes
        self._name_sprites = overlays.NameSprites()
        self._overlay_sprites = overlays.OverlaySprites()
        self._names: list[tuple[QPointF, QImage]] = []
        self._names_for: tuple | None = None
        self._values_for: tuple | None = None
        self._show_names = True
        self._stamps: list[Stamps] | None = None
        self._markers: dict[tuple[str, float], QPixmap] = {}
        self._hover: str | None = None
        self.changed_rect: QRect | None = None  # device pixels the points changes not yet painted repaint
        self._restore: QRegion | None = None  # the part of changed_rect whose static picture is re-drawn
        self._requested = QRegion()  # changed_rect in widget pixels, as update() was asked
        self._in_force: dict[tuple, areas.Places] = {}  # the warnings whose areas are drawn, by message key
        self._flown: areas.Places | None = None  # the warning flown to last: drawn on top, outlined bolder
        self._areas_version = 0
        # ((frame key, version), projected areas, the view's land as a path, (where, picture) of the areas)
        self._drawn: tuple | None = None
        self._areas_painted: set[tuple] = set()  # frames whose picture holds areas (the ground under them too)
        self._notice = ""
        self._notice_sprite: tuple[tuple, QPointF, QImage] | None = None

    # -- what the window calls ------------------------------------------------
    def set_choropleth(self, values: dict[str, float | None], *, label: str, unit: str,
                       level: str = "county") -> None:
        """Colour each region at `level` by its value; None (or a missing region) shows as no data."""
        if level not in LEVELS:
            raise ValueError(f"a choropleth level is one of {', '.join(LEVELS)}, not {level!r}")
        self._values, self._label, self._unit, self._level = dict(values), label, unit, level
        self._coloured = True
        self._restyle()

    @property
    def choropleth(self) -> tuple[str, str, str]:
        """What colours the map: (label, unit, level)."""
        return self._label, self._unit, self._level

    def set_points(self, layer: str, items: list[dict]) -> None:
        """Show the points of one layer; each item has lon, lat and level (red/orange/yellow/blue/normal)."""
        old = self._layers.get(layer)
        self._layers[layer] = parse_points(layer, items)
        self._points_changed(old, self._layers[layer])

    def clear_points(self, layer: str) -> None:
        old = self._layers.pop(layer, None)
        if old is not None:
            self._points_changed(old, None)

    def drill(self, county_adcode: str | None) -> None:
        """Show one county with its towns, or the whole city (None). No animation: a wall needs no waiting."""
        if county_adcode is not None and county_adcode not in geo.county_by_adcode():
            raise ValueError(f"{county_adcode!r} is not one of Nantong's counties")
        if county_adcode == self._drill:
            return
        self._drill = county_adcode
        self._stamps = None
        self.update()
        self.drill_changed.emit(county_adcode)

    @property
    def drilled(self) -> str | None:
        return self._drill

    def fly_to(self, lon: float, lat: float, adcode: str | None = None, *, level: str = "red") -> None:
        """Bring a warning's place into view: drill to its county and pulse a marker there."""
        county = adcode[:6] if adcode and adcode[:6] in geo.county_by_adcode() else geo.county_of_point(lon, lat)
        self._fly(None)
        self._pulse = (float(lon), float(lat), level if level in POINT_LEVELS else "red", adcode)
        if county is not None:
            self.drill(county)
        elif not framing.near_city_point(lon, lat):
            self._set_notice("预警位置在南通市以外，地图未移动")
        pulse.PulseClock.instance().attach(self)
        self.update()

    def fly_to_warning(self, message) -> framing.Framing:
        """Bring every area of a warning (a WarningMessage) into view: the county that holds them all,
        else the whole city; the pulse at their middle. What lies outside the city, or a warning with
        nothing inside it, the map says in words (`notice`) instead of flying there."""
        message = getattr(message, "message", message)  # a WarningRecord will do
        try:
            key = areas.message_key(message)
            places = self._in_force.get(key) or areas.places_of(message)
            where = framing.frame(places, message)
        except Exception:  # a warning's odd geometry must not stop the wall from locating others
            log.exception("the map could not frame warning %s", getattr(message, "id", "?"))
            places, where = None, framing.Framing(None, None, None, None, "none", "该预警的区域无法在地图上定位")
        self._fly(places if places is not None and not places.empty else None, where.notice)
        if where.lon is None:
            self._pulse = None
            pulse.PulseClock.instance().detach(self)
            self.update()
            return where
        level = message.level if message.level in POINT_LEVELS else "normal"
        by_code = places is not None and places.empty  # no geometry: its town or county is outlined, as fly_to
        outline = (message.adcode or None) if by_code else None
        self._pulse = (where.lon, where.lat, level, outline)
        self.drill(where.county)
        pulse.PulseClock.instance().attach(self)
        self.update()
        return where

    def clear_pulse(self) -> None:
        self._pulse = None
        self._fly(None)
        pulse.PulseClock.instance().detach(self)
        self.update()

    def show_warning_areas(self, warnings: Iterable) -> None:
        """Draw every area of these warnings (WarningRecords or WarningMessages; the ones in force):
        each polygon and circle outlined and filled in its level's colour, under the points and names."""
        shown: dict[tuple, areas.Places] = {}
        for warning in warnings:
            message = getattr(warning, "message", warning)
            try:
                key = areas.message_key(message)
                shown[key] = self._in_force.get(key) or areas.places_of(message)
            except Exception:  # one unreadable warning must not hide the others' areas
                log.exception("the map cannot draw the areas of warning %s", getattr(message, "id", "?"))
        if list(shown) != list(self._in_force):
            self._in_force = shown
            self._areas_changed()

    @property
    def notice(self) -> str:
        """What the map says about the warning flown to: areas outside the city, or nothing to locate."""
        return self._notice

    def warning_areas(self) -> list[areas.Drawn]:
        """The warnings' areas as drawn in the current view (projected once per view and change)."""
        return list(self._ensure_drawn(self._ensure_frame()))

    def set_scale(self, scale: float | None) -> None:
        """Text scale (1.0 at 1920x1080); None follows the window's size."""
        self._scale = scale
        self._restyle()

    def set_show_names(self, show: bool) -> None:
        """Region names on or off (a small map may want the colours alone)."""
        self._show_names = show
        self.update()

    def to_widget(self, lon: float, lat: float) -> QPointF:
        """Where a place lies on the widget, in the current view."""
        x, y = self._ensure_frame().projection.to_pixels(lon, lat)
        dpr = self.devicePixelRatioF()
        return QPointF(float(x) / dpr, float(y) / dpr)

    @property
    def notes(self) -> tuple[str, ...]:
        """The attribution and data notes shown at the foot of the map."""
        return geo.ATTRIBUTION, f"{geo.DERIVED_NOTE} · 坐标系 {geo.DATUM}"

    def region_at(self, x: float, y: float) -> str | None:
        """The adcode a click at widget position (x, y) means: a county in the city view, else a town."""
        code = self._label_at(x, y)
        return None if code is None else hits.region_of(self._frames.current.cells, code, self._drill)

    def describe_at(self, x: float, y: float) -> str:
        """The tooltip for widget position (x, y): the region's name and value ("" off the map), and
        the notice about the warning flown to, if any."""
        code = self._label_at(x, y)
        if code is None:
            return self._notice
        text = hits.describe(self._frames.current.cells, code, self._level, self._values, self._label, self._unit)
        return f"{text}\n{self._notice}" if self._notice else text

    def render_image(self, target: QImage | None = None, *, changed_only: bool = False) -> QImage:
        """Paint the map into `target` (or a new image the widget's size) and return it.

        changed_only: `target` holds the previous frame; repaint only `changed_rect`, as the widget
        itself does after set_points (the benchmarks time this path)."""
        image = target if target is not None else QImage(self._device_size(), QImage.Format.Format_RGB32)
        clip = self.changed_rect if changed_only and self._up_to_date() else None
        with painting(image) as painter:
            if clip is not None:
                painter.setClipRect(clip)
            self._paint(painter, self._restore if clip is not None else None)
        self.changed_rect = self._restore = None
        return image

    def pulse_tick(self) -> None:
        """The pulse clock's tick: repaint the marker's small rectangle only."""
        if self._pulse is not None and self._frames.current is not None:
            x, y = (float(v) for v in self._frames.current.projection.to_pixels(self._pulse[0], self._pulse[1]))
            self.update(pulse.marker_rect(x, y, self._text_scale(), self.devicePixelRatioF()))

    # -- Qt events ------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # Only a repaint of exactly the points' changes may skip re-drawing the static picture in places.
        points_only = self.changed_rect is not None and event.region() == self._requested and self._up_to_date()
        with painting(self) as painter:
            dpr = self.devicePixelRatioF()
            painter.scale(1 / dpr, 1 / dpr)
            try:
                self._paint(painter, self._restore if points_only else None)
            except Exception:  # a bug must not leave a broken picture nor take the wall down
                log.exception("the map could not paint")
                painter.resetTransform()
                painter.fillRect(self.rect(), QColor(palette.BACKGROUND))
                painter.setPen(QColor(palette.TEXT_DIM))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "地图暂时无法绘制（详见日志）")
        self.changed_rect = self._restore = None

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._stamps = None
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
        pulse.PulseClock.instance().detach(self)
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802
        if self._pulse is not None:
            pulse.PulseClock.instance().attach(self)
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
        for stamps in self._ensure_stamps():
            stamps.draw(painter)
        for at, image in self._names if self._show_names else ():
            painter.drawImage(at, image)
        if self._pulse is not None:
            self._paint_pulse(painter, self._frames.current)
        if self._notice:
            painter.drawImage(*self._ensure_notice_sprite())

    def _ensure_static(self) -> QImage:
        """Recolour: one table lookup into the frame's pixels, the outlines blended back, legend on top."""
        frame = self._ensure_frame()
        s = self._text_scale()
        if self._frames.painted_look(frame.key) != self._look:
            codes, values = self._choropleth_values(frame.cells)
            scale = Scale.of(values)
            paint_codes(colour_table(frame.cells, self._level, values if self._coloured else None, scale),
                        frame.codes, frame.pixels, frame.scratch, frame.blocks)
            self._areas_painted = {k for k in self._areas_painted if self._frames.painted_look(k) is not None}
            if frame.key in self._areas_painted:  # the last look's areas beyond the cells: the ground again
                fill_ground(frame)
                self._areas_painted.discard(frame.key)
            with painting(frame.image) as painter:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
                self._paint_areas(painter, frame, s)
                painter.drawImage(*self._overlay_sprites.credits(frame.size, s, self.notes))
                painter.drawImage(*self._overlay_sprites.legend(
                    frame.size, s, label=self._label, unit=self._unit, level=self._level, scale=scale,
                    has_gaps=bool(np.isnan(values).any()), warning_areas=bool(self._drawn and self._drawn[1]),
                    coloured=self._coloured))
            self._frames.mark_painted(frame.key, self._look)
        if self._names_for != (frame.key, self._look):
            codes, values = self._choropleth_values(frame.cells) if self._coloured else ((), np.empty(0))
            self._names = self._name_sprites.for_view(frame, s, drilled=self._drill, level=self._level,
                                                      unit=self._unit, codes=codes, values=values)
            self._names_for = (frame.key, self._look)
        return frame.image

    def _paint_areas(self, painter: QPainter, frame: Frame, s: float) -> None:
        """The warnings' areas, into the static picture with the look (so no paint re-draws them)."""
        try:
            drawn = self._ensure_drawn(frame)
            if drawn:
                if self._drawn[3] is None:
                    land = self._drawn[2]
                    self._drawn = (*self._drawn[:3], areas.layer(drawn, s, BACKGROUND, land, frame.size))
                self._areas_painted.add(frame.key)
                painter.drawImage(*self._drawn[3])  # the legend and the credits go over them
        except Exception:  # a bad area costs the areas, never the map
            log.exception("the map could not draw the warnings' areas")

    def _ensure_drawn(self, frame: Frame) -> list[areas.Drawn]:
        """The warnings' areas projected for this frame: once per view, size and change of warnings."""
        key = (frame.key, self._areas_version)
        if self._drawn is None or self._drawn[0] != key:
            s = self._text_scale()
            flown = self._flown.key if self._flown is not None else None
            shown = [(p, False) for k, p in self._in_force.items() if k != flown and not p.empty]
            if self._flown is not None:
                shown.append((self._flown, True))
            drawn = []
            for places, emphasised in shown:
                try:
                    drawn.append(areas.project(places, frame.projection, QRect(QPoint(0, 0), frame.size), s,
                                               emphasised=emphasised))
                except Exception:  # one bad warning is left out; the others are drawn
                    log.exception("the map could not project the areas of warning %s", places.key[1])
            county = frame.key[1]
            land = geo.county_by_adcode()[county].geometry if county else geo.city_outline()
            self._drawn = (key, drawn, areas.view_path(land, frame.projection) if drawn else None, None)
        return self._drawn[1]

    def _fly(self, places: areas.Places | None, notice: str = "") -> None:
        """The warning flown to now (drawn on top), and what the map says about it."""
        if places is not self._flown:
            self._flown = places
            self._areas_changed()
        self._set_notice(notice)

    def _areas_changed(self) -> None:
        self._areas_version += 1
        self._look += 1  # the areas are part of the static picture
        self.update()

    def _set_notice(self, text: str) -> None:
        if text != self._notice:
            self._notice = text
            self.update()
            self.notice_changed.emit(text)

    def _ensure_notice_sprite(self) -> tuple[QPointF, QImage]:
        """The notice, top right of the map, over everything (it is about the warning flown to)."""
        size, s = self._device_size(), self._text_scale()
        key = (self._notice, size.width(), round(s, 3))
        if self._notice_sprite is None or self._notice_sprite[0] != key:
            image = self._name_sprites.sprite(self._notice, palette.font(17 * s, bold=True),
                                              levels.of("yellow").colour)
            at = QPointF(max(0.0, size.width() - image.width() - 16 * s), 14 * s)
            self._notice_sprite = (key, at, image)
        return self._notice_sprite[1], self._notice_sprite[2]

    def _paint_pulse(self, painter: QPainter, frame: Frame) -> None:
        lon, lat, level, adcode = self._pulse
        s = self._text_scale()
        if self._outline is None or self._outline[0] != (adcode, frame.projection):
            self._outline = ((adcode, frame.projection), pulse.area_outline(adcode, frame.projection))
        if self._outline[1] is not None:
            pulse.paint_outline(painter, self._outline[1], frame.projection, level, s)
        x, y = (float(v) for v in frame.projection.to_pixels(lon, lat))
        pulse.paint_marker(painter, x, y, level, s)

    def _ensure_stamps(self) -> list[Stamps]:
        if self._stamps is None:
            frame = self._ensure_frame()
            self._stamps = stamps_for(list(self._layers.values()), frame.projection, frame.labels, frame.area,
                                      self._marker)
        return self._stamps

    def _marker(self, level: str) -> QPixmap:
        key = (level, round(self._point_scale(), 3))
        if key not in self._markers:
            self._markers = {k: m for k, m in self._markers.items() if k[1] == key[1]}  # this size's only
            self._markers[key] = marker(level, key[1])
        return self._markers[key]

    def _points_changed(self, old: Points | None, new: Points | None) -> None:
        """Only the points moved: repaint the rectangle they were and are in, not the whole wall; and
        within it re-draw the static picture only in the bands of rows that hold points or names."""
        self._stamps = None
        if not self._up_to_date():
            self.changed_rect = self._restore = None
            self.update()
            return
        frame = self._frames.current
        reach = math.ceil(8 * self._point_scale()) + 2  # the largest sprite's radius, and a margin
        rect, restore = changed_area([p for p in (old, new) if p is not None], frame.projection, frame.size, reach)
        for at, image in self._names if self._show_names else ():
            restore = restore.united(QRectF(at, QSizeF(image.size())).toAlignedRect())  # no halo drawn twice
        if self._notice:
            at, image = self._ensure_notice_sprite()
            restore = restore.united(QRectF(at, QSizeF(image.size())).toAlignedRect())
        if self.changed_rect is None:  # the first change since the last paint
            self.changed_rect, self._restore, self._requested = QRect(), QRegion(), QRegion()
        self.changed_rect |= rect
        self._restore = self._restore.united(restore)
        dpr = self.devicePixelRatioF()
        logical = QRectF(rect.x() / dpr, rect.y() / dpr, rect.width() / dpr, rect.height() / dpr).toAlignedRect()
        self._requested = self._requested.united(logical)
        self.update(logical)

    # -- state ------------------------------------------------------------------
    def _restyle(self) -> None:
        self._look += 1
        self._stamps = None
        self.update()

    def _frame_key(self) -> tuple:
        size = self._device_size()
        raster_level = "grid" if self._level == "grid" else "town"
        return (raster_level, self._drill, size.width(), size.height(), self._level == "grid", self._text_scale())

    def _ensure_frame(self) -> Frame:
        """The current view's frame, from the cache or rasterised now for this size and view."""
        before = self._frames.current
        frame = self._frames.get(self._frame_key())
        if frame is not before:
            self._stamps = None
        return frame

    def _up_to_date(self) -> bool:
        """Is the current frame's picture what the map should show now (only points may differ)?"""
        frame = self._frames.current
        return (frame is not None and frame.key == self._frame_key()
                and self._frames.painted_look(frame.key) == self._look)

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

    def _point_scale(self) -> float:
        """Points are seen, not read: they close up with the names where large type crowds the map."""
        return overlays.name_scale(self._device_size(), self._text_scale())

    def _label_at(self, x: float, y: float) -> int | None:
        frame = self._ensure_frame()
        dpr = self.devicePixelRatioF()
        px, py = int(x * dpr) - frame.area.x(), int(y * dpr) - frame.area.y()
        height, width = frame.labels.shape
        if not (0 <= px < width and 0 <= py < height):
            return None
        code = int(frame.labels[py, px])
        return code if 0 < code <= frame.cells.size else None

