"""The map's frame: everything that depends on the size and the view, rasterised once per resize
or drill (docs/map-rendering.md). The city's frame is kept while drilled, so going back is instant."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage

from cockpit.core.mapcolour import BACKGROUND, code_blocks, fill_outside, hex_argb, scratch_for
from cockpit.core.mapraster import CellSet, Projection, cell_set, display_codes, view_edges
from cockpit.core.polyfill import fill
from cockpit.views.map.overlays import column_right, legend_in_column

FrameKey = tuple  # (raster level, drilled county or None, width, height, grid edges, text scale)


@dataclass(frozen=True, eq=False)
class Frame:
    key: FrameKey
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


class Frames:
    """The current view's frame, and the city's while a county is drilled; with which look each
    frame's picture was last painted (a recolour bumps the look)."""

    def __init__(self) -> None:
        self.current: Frame | None = None
        self._frames: dict[FrameKey, Frame] = {}
        self._painted: dict[FrameKey, int] = {}

    def get(self, key: FrameKey) -> Frame:
        if self.current is not None and self.current.key == key:
            return self.current
        frame = self._frames.get(key) or build_frame(key)
        home = next((k for k in self._frames if k[1] is None and k[2:] == key[2:]), None)
        self._frames = {k: f for k, f in self._frames.items() if k in (home, key)}
        self._frames[key] = frame
        self._painted = {k: v for k, v in self._painted.items() if k in self._frames}
        self.current = frame
        return frame

    def painted_look(self, key: FrameKey) -> int | None:
        return self._painted.get(key)

    def mark_painted(self, key: FrameKey, look: int) -> None:
        self._painted[key] = look


def build_frame(key: FrameKey) -> Frame:
    """Rasterise the view: the label image, then display codes (borders and outlines included)."""
    level, county, width, height, edges, scale = key
    size = QSize(width, height)
    cells = cell_set(level, county)
    projection = fit_beside_legend(cells.bounds, width, height, scale)
    outline_px = max(1, round(scale))
    area = map_area(projection, cells.bounds, size, pad=outline_px + 3)
    local = Projection(projection.lon0, projection.lat0, projection.scale, projection.kx,
                       projection.ox - area.x(), projection.oy - area.y())
    raster = fill(view_edges(level, county), local.scale, local.ox, local.oy, (area.height(), area.width()))
    codes = display_codes(raster.labels, cells, grid_edges=edges, outline_px=outline_px,
                          right_changes=raster.right_changes)
    image = QImage(size, QImage.Format.Format_RGB32)
    top, left, bottom, right = area.top(), area.left(), area.top() + area.height(), area.left() + area.width()
    pixels = pixels_of(image)[top:bottom, left:right]
    # Recolours look up only the blocks that can show cells or their lines; the rest is the ground.
    blocks = code_blocks(raster.extent, outline_px + 2, area.width())
    frame = Frame(key, size, area, projection, cells, raster.labels, codes, image, pixels, scratch_for(area.width()),
                  blocks)
    fill_ground(frame)
    return frame


def fit_beside_legend(bounds: tuple[float, float, float, float], width: int, height: int,
                      scale: float) -> Projection:
    """The view's bounds fitted where the legend (see overlays.paint_legend) hides no place: right of
    its column on large type; else above its band, or right of it where the map is wide and low and
    that is roomier."""
    size = QSize(width, height)
    if legend_in_column(size, scale):
        column = round(column_right(size, scale))
        return _shifted(Projection.fit(bounds, width - column, height, margin=0.05), column)
    above = Projection.fit(bounds, width, height - round(200 * scale), margin=0.05)
    column = round(360 * scale)
    if width - column < width // 2 or width < 2.5 * height:
        return above  # a window's or a screen's map: as it always was
    beside = Projection.fit(bounds, width - column, height, margin=0.05)
    if beside.scale <= above.scale * 1.15:  # not worth moving the city off the middle
        return above
    return _shifted(beside, column)


def _shifted(projection: Projection, dx: int) -> Projection:
    return Projection(projection.lon0, projection.lat0, projection.scale, projection.kx, projection.ox + dx,
                      projection.oy)


def fill_ground(frame: Frame) -> None:
    """Give every pixel a recolour does not write (beyond the cells and their lines) the ground's colour:
    once when the frame is built, and again when something drawn there (a warning's area) must go."""
    whole, area = pixels_of(frame.image), frame.area
    top, left, bottom, right = area.top(), area.left(), area.top() + area.height(), area.left() + area.width()
    for margin in (whole[:top], whole[bottom:], whole[top:bottom, :left], whole[top:bottom, right:]):
        margin.fill(hex_argb(BACKGROUND))  # beyond the map area the picture stays the ground
    fill_outside(frame.pixels, frame.blocks, hex_argb(BACKGROUND))


def map_area(projection: Projection, bounds: tuple[float, float, float, float], size: QSize, pad: int) -> QRect:
    """The pixels the view's bounds cover, with room for the outline; the rest of a wide wall is ground."""
    x0, y0 = projection.to_pixels(bounds[0], bounds[3])
    x1, y1 = projection.to_pixels(bounds[2], bounds[1])
    left, top = max(0, math.floor(x0) - pad), max(0, math.floor(y0) - pad)
    right, bottom = min(size.width(), math.ceil(x1) + pad), min(size.height(), math.ceil(y1) + pad)
    return QRect(left, top, right - left, bottom - top)


def pixels_of(image: QImage) -> np.ndarray:
    """A writable numpy view of a 32-bit image's pixels (rows are exactly width * 4 bytes)."""
    return np.frombuffer(image.bits(), np.uint32).reshape(image.height(), image.width())
