"""What the map draws over its cells: the legend, the credits and the region names with values.

Each takes what it shows as arguments; the widget decides when (docs/map-rendering.md)."""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QLinearGradient, QPainter, QPen
from shapely.ops import polylabel

from cockpit.charts import palette
from cockpit.charts.painting import draw_text, painting
from cockpit.core.formats import format_value
from cockpit.core.mapcolour import BACKGROUND, NO_DATA, NO_DATA_HATCH, RAMP, Scale
from cockpit.views.map.areas import stripes
from cockpit.views.map.points import POINT_LEVELS
from kernel import geo, levels

if TYPE_CHECKING:  # the frame fits the city beside the legend: it imports this module
    from cockpit.views.map.frame import Frame

VALUE_TEXT = "#ffe08a"
LEVEL_WORDS = {"county": "县区", "town": "镇街", "grid": "网格"}
AREAS_ROW = 26  # the legend's line for the warnings' areas, at 1920x1080
# With that line the others close up by this much each (three gaps) and the box starts 10 px higher,
# so it stays in the legend's band and ends where it always does, above the credits.
AREAS_SQUEEZE = 16 / 3


def legend_in_column(size: QSize, s: float) -> bool:
    """Large type for the map's size (a wall seen from afar, a small window): the classic legend would
    take over a third of the height below the city, so it stands in a narrow column left of it."""
    return 200 * s > size.height() / 3


# The column legend at scale 1: its width, its height with every line, and its margin.
COLUMN_WIDTH, COLUMN_HEIGHT, COLUMN_MARGIN = 128, 246, 16
COLUMN_SHARE = 0.4  # of the map's width, at most: the city keeps the rest


def column_scale(size: QSize, s: float) -> float:
    """The column's scale: the map's type, less where the column would not fit the map's height or
    would take more than its share of the width."""
    return min(s, size.height() / (COLUMN_HEIGHT + 2 * COLUMN_MARGIN),
               COLUMN_SHARE * size.width() / (COLUMN_WIDTH + 2 * COLUMN_MARGIN))


def column_right(size: QSize, s: float) -> float:
    """Where the column legend ends and the city may begin."""
    c = column_scale(size, s)
    return (COLUMN_MARGIN + COLUMN_WIDTH + COLUMN_MARGIN) * c


def legend_band(size: QSize, s: float) -> QRectF:
    """Where paint_legend draws (its ground included, to whole pixels), with or without the line for
    the areas."""
    # Each band takes in its border's antialiased outer half, which would darken on every repaint.
    if legend_in_column(size, s):
        c = column_scale(size, s)
        band = QRectF(COLUMN_MARGIN * c, size.height() - (COLUMN_HEIGHT + COLUMN_MARGIN) * c, COLUMN_WIDTH * c,
                      COLUMN_HEIGHT * c).adjusted(-2 * c, -2 * c, 2 * c, 2 * c)
    else:
        band = QRectF(20 * s, size.height() - 190 * s, 324 * s, 150 * s).adjusted(-2 * s, -12 * s, 2 * s, 2 * s)
    return QRectF(band.toAlignedRect())


def _paint_box(painter: QPainter, box: QRectF, s: float) -> None:
    painter.setPen(QPen(QColor(palette.BORDER), 1.5 * s))
    painter.setBrush(QColor(10, 23, 48, 225))
    painter.drawRoundedRect(box, 6 * s, 6 * s)


def _paint_ramp(painter: QPainter, bar: QRectF) -> None:
    gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
    for i, colour in enumerate(RAMP):
        gradient.setColorAt(i / (len(RAMP) - 1), QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(gradient))
    painter.drawRect(bar)


def _paint_no_data_swatch(painter: QPainter, swatch: QRectF) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(NO_DATA))
    painter.drawRect(swatch)
    painter.setBrush(QBrush(QColor(NO_DATA_HATCH), Qt.BrushStyle.BDiagPattern))
    painter.drawRect(swatch)


def _paint_areas_swatch(painter: QPainter, swatch: QRectF, s: float) -> None:
    sample = QColor(levels.of("orange").colour)
    painter.setPen(QPen(sample, 1.5 * s))
    painter.setBrush(QBrush(stripes(sample.name(), BACKGROUND, round(s, 2))))
    painter.drawRect(swatch)


def paint_legend(painter: QPainter, size: QSize, s: float, *, label: str, unit: str, level: str, scale: Scale,
                 has_gaps: bool, warning_areas: bool = False, coloured: bool = True) -> None:
    """The colour ramp with its ends, the no-data hatch and the point levels, in the legend's band;
    with warning_areas, a line more (below, still in the band) for the warnings' striped areas. A map
    that no figure colours (`coloured` false: its points only) has only the point levels and areas."""
    if not coloured:
        _paint_points_legend(painter, size, s, warning_areas=warning_areas)
        return
    if legend_in_column(size, s):
        _paint_column_legend(painter, size, s, label=label, unit=unit, level=level, scale=scale,
                             has_gaps=has_gaps, warning_areas=warning_areas)
        return
    width, bar = 300 * s, 18 * s
    squeeze = AREAS_SQUEEZE * s if warning_areas else 0.0
    box = QRectF(20 * s, size.height() - 190 * s, width + 24 * s, 150 * s)
    # The last look's legend, with or without its line for the areas.
    painter.fillRect(legend_band(size, s), QColor(BACKGROUND))
    if warning_areas:
        box.setTop(box.top() - 10 * s)
    _paint_box(painter, box, s)
    x, y = box.left() + 12 * s, box.top() + 10 * s
    painter.setPen(QColor(palette.TEXT))
    painter.setFont(palette.font(16 * s, bold=True))
    by = LEVEL_WORDS[level]
    title = f"{label or '—'}（{unit}，按{by}）" if unit else f"{label}（按{by}）"
    painter.drawText(QRectF(x, y, width, 24 * s), Qt.AlignmentFlag.AlignLeft, title)
    y += 30 * s - squeeze
    _paint_ramp(painter, QRectF(x, y, width, bar))
    painter.setPen(QColor(palette.TEXT_DIM))
    painter.setFont(palette.font(13 * s))
    y += bar + 2 * s
    low, high = ramp_ends(scale, unit, QFontMetricsF(painter.font()), width)
    painter.drawText(QRectF(x, y, width, 20 * s), Qt.AlignmentFlag.AlignLeft, low)
    painter.drawText(QRectF(x, y, width, 20 * s), Qt.AlignmentFlag.AlignRight, high)
    y += 28 * s - squeeze
    _paint_no_data_swatch(painter, QRectF(x, y, 34 * s, 18 * s))
    painter.setPen(QColor(palette.TEXT_DIM))
    painter.drawText(QRectF(x + 42 * s, y - 1 * s, width, 20 * s), Qt.AlignmentFlag.AlignLeft,
                     "无数据（斜纹）" + ("：部分区域暂无数据" if has_gaps else ""))
    y += 26 * s - squeeze
    _paint_points_row(painter, x, y, s)
    if warning_areas:
        y += AREAS_ROW * s - squeeze
        _paint_areas_swatch(painter, QRectF(x, y, 34 * s, 18 * s), s)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QRectF(x + 42 * s, y - 1 * s, width, 20 * s), Qt.AlignmentFlag.AlignLeft,
                         "预警区域（条纹，颜色为预警等级）")


def ramp_ends(scale: Scale, unit: str, metrics: QFontMetricsF, width: float) -> tuple[str, str]:
    """The words under the ramp's ends; without their unit where both would not fit apart on the
    line (the legend's title names the unit)."""
    low, high = format_value(scale.low, unit), format_value(scale.high, unit)
    if unit and unit != "%" and metrics.horizontalAdvance(f"{low}  {high}") > width:
        low, high = low.removesuffix(unit), high.removesuffix(unit)
    return low, high


def _paint_points_row(painter: QPainter, x: float, y: float, s: float) -> None:
    """The classic legend's line of point levels, in the painter's font."""
    painter.setPen(QColor(palette.TEXT_DIM))
    painter.drawText(QRectF(x, y, 300 * s, 20 * s), Qt.AlignmentFlag.AlignLeft, "点位")
    metrics = QFontMetricsF(painter.font())
    dot_x = x + metrics.horizontalAdvance("点位") + 10 * s
    for code in reversed(POINT_LEVELS):
        level_of = levels.of(code)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(level_of.colour))
        painter.drawEllipse(QPointF(dot_x + 6 * s, y + 10 * s), 6 * s, 6 * s)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QPointF(dot_x + 15 * s, y + 15 * s), level_of.name)
        dot_x += 15 * s + metrics.horizontalAdvance(level_of.name) + 10 * s


def _paint_column_legend(painter: QPainter, size: QSize, s: float, *, label: str, unit: str, level: str,
                         scale: Scale, has_gaps: bool, warning_areas: bool) -> None:
    """The legend as a column of short lines, bottom left, in the column's scale (the hall's body
    size where the map is tall enough): the figure, the ramp and its ends, no data, the point levels
    two to a line, and the warnings' areas."""
    c = column_scale(size, s)
    painter.fillRect(legend_band(size, s), QColor(BACKGROUND))
    line, pad = 18 * c, 10 * c
    width = (COLUMN_WIDTH - 20) * c
    height = COLUMN_HEIGHT - (0 if has_gaps else 18) - (0 if warning_areas else 26)  # the lines it has
    box = QRectF(COLUMN_MARGIN * c, size.height() - (height + COLUMN_MARGIN) * c, COLUMN_WIDTH * c, height * c)
    _paint_box(painter, box, c)
    x, y = box.left() + pad, box.top() + pad
    left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    def words(text: str, font: QFont, colour: str, at: float, flags=left, indent: float = 0.0) -> None:
        painter.setFont(font)
        painter.setPen(QColor(colour))
        shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width - indent)
        painter.drawText(QRectF(x + indent, at, width - indent, line), flags, shown)

    small = palette.font(13 * c)
    words(label or "—", palette.font(15 * c, bold=True), palette.TEXT, y)
    y += line
    words(f"（{unit}，按{LEVEL_WORDS[level]}）" if unit else f"（按{LEVEL_WORDS[level]}）", small, palette.TEXT_DIM, y)
    y += line + 6 * c
    _paint_ramp(painter, QRectF(x, y, width, 16 * c))
    y += 16 * c
    low, high = ramp_ends(scale, unit, QFontMetricsF(small), width)
    words(low, small, palette.TEXT_DIM, y)
    words(high, small, palette.TEXT_DIM, y, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    y += line + 8 * c
    _paint_no_data_swatch(painter, QRectF(x, y + 2 * c, 26 * c, line - 4 * c))
    words("无数据", small, palette.TEXT_DIM, y, indent=32 * c)
    y += line
    if has_gaps:
        words("部分区域暂无数据", small, palette.TEXT_DIM, y)
        y += line
    y += 8 * c
    _paint_column_points(painter, x, y, width, c, warning_areas=warning_areas)


def _paint_column_points(painter: QPainter, x: float, y: float, width: float, c: float, *,
                         warning_areas: bool) -> None:
    """The column legend's last lines: the point levels two to a line, and the warnings' areas."""
    line, small = 18 * c, palette.font(13 * c)
    left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.setFont(small)
    painter.setPen(QColor(palette.TEXT_DIM))
    painter.drawText(QRectF(x, y, width, line), left, "点位")
    y += line
    for index, code in enumerate(reversed(POINT_LEVELS)):
        column, row = index % 2, index // 2
        dot_x, dot_y = x + column * width / 2, y + row * line
        level_of = levels.of(code)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(level_of.colour))
        painter.drawEllipse(QPointF(dot_x + 6 * c, dot_y + line / 2), 6 * c, 6 * c)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QRectF(dot_x + 16 * c, dot_y, width / 2 - 16 * c, line), left, level_of.name)
    y += math.ceil(len(POINT_LEVELS) / 2) * line
    if warning_areas:
        y += 8 * c
        _paint_areas_swatch(painter, QRectF(x, y + 2 * c, 26 * c, line - 4 * c), c)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QRectF(x + 32 * c, y, width - 32 * c, line), left, "预警区域")


POINTS_COLUMN_HEIGHT = 92  # at scale 1: its padding, "点位" and three lines of levels


def _paint_points_legend(painter: QPainter, size: QSize, s: float, *, warning_areas: bool) -> None:
    """The legend of a map of points only, at the foot of the legend's band: what each point's colour
    says (and the warnings' areas), no ramp and no "no data" (nothing is coloured by a figure)."""
    painter.fillRect(legend_band(size, s), QColor(BACKGROUND))
    if legend_in_column(size, s):
        c = column_scale(size, s)
        height = POINTS_COLUMN_HEIGHT + (26 if warning_areas else 0)
        box = QRectF(COLUMN_MARGIN * c, size.height() - (height + COLUMN_MARGIN) * c, COLUMN_WIDTH * c,
                     height * c)
        _paint_box(painter, box, c)
        _paint_column_points(painter, box.left() + 10 * c, box.top() + 10 * c, (COLUMN_WIDTH - 20) * c, c,
                             warning_areas=warning_areas)
        return
    height = 40 + (AREAS_ROW if warning_areas else 0)
    box = QRectF(20 * s, size.height() - (40 + height) * s, 324 * s, height * s)
    _paint_box(painter, box, s)
    painter.setFont(palette.font(13 * s))
    x, y = box.left() + 12 * s, box.top() + 10 * s
    _paint_points_row(painter, x, y, s)
    if warning_areas:
        y += AREAS_ROW * s
        _paint_areas_swatch(painter, QRectF(x, y, 34 * s, 18 * s), s)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(QRectF(x + 42 * s, y - 1 * s, 300 * s, 20 * s), Qt.AlignmentFlag.AlignLeft,
                         "预警区域（条纹，颜色为预警等级）")


CREDITS_FLAGS = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom
CREDITS_ROOM = 1000  # the credits' longest line is ~600 px at scale 1: a map this wide per scale step holds it


def credits_scale(size: QSize, s: float) -> float:
    """The credits are read up close, not across the hall: on large type they stay a short line at
    the foot of the map (never smaller than at scale 1)."""
    return min(s, max(1.0, size.width() / CREDITS_ROOM))


def credits_box(size: QSize, s: float) -> QRectF:
    c = credits_scale(size, s)
    return QRectF(0, size.height() - 52 * c, size.width() - 16 * c, 48 * c)


def credits_rect(size: QSize, s: float, notes: tuple[str, ...]) -> QRectF:
    """Where paint_credits draws: its text's bounds, to whole pixels."""
    font = palette.font(12 * credits_scale(size, s))
    bounds = QFontMetricsF(font).boundingRect(credits_box(size, s), CREDITS_FLAGS, "\n".join(notes))
    return QRectF(bounds.toAlignedRect())


def paint_credits(painter: QPainter, size: QSize, s: float, notes: tuple[str, ...]) -> None:
    """The attribution and data notes, bottom right, on the ground."""
    painter.fillRect(credits_rect(size, s, notes), QColor(BACKGROUND))
    painter.setFont(palette.font(12 * credits_scale(size, s)))
    painter.setPen(QColor(palette.TEXT_DIM))
    painter.drawText(credits_box(size, s), CREDITS_FLAGS, "\n".join(notes))


class OverlaySprites:
    """The legend and the credits as pictures, kept while what they show stays the same: a recolour of
    the cells blits them instead of laying out their text again (~5 ms a recolour of a 4K map).

    A sprite is drawn by the same function, translated by whole pixels, so it is the picture drawn in
    place; its ground fills the band to whole pixels."""

    KEEP = 2  # per kind: a map alternates between a few looks; a 4K wall's legend is ~3 MB

    def __init__(self, image_format: QImage.Format = QImage.Format.Format_RGB32) -> None:
        self._format = image_format
        self._legends: OrderedDict[tuple, tuple[QPoint, QImage]] = OrderedDict()
        self._credits: OrderedDict[tuple, tuple[QPoint, QImage]] = OrderedDict()

    def legend(self, size: QSize, s: float, *, label: str, unit: str, level: str, scale: Scale, has_gaps: bool,
               warning_areas: bool = False, coloured: bool = True) -> tuple[QPoint, QImage]:
        # What the legend shows: the scale only through its ends' words.
        key = (size.width(), size.height(), s, label, unit, level, format_value(scale.low, unit),
               format_value(scale.high, unit), has_gaps, warning_areas, coloured)
        return self._kept(self._legends, key, legend_band(size, s), lambda painter: paint_legend(
            painter, size, s, label=label, unit=unit, level=level, scale=scale, has_gaps=has_gaps,
            warning_areas=warning_areas, coloured=coloured))

    def credits(self, size: QSize, s: float, notes: tuple[str, ...]) -> tuple[QPoint, QImage]:
        key = (size.width(), size.height(), s, notes)
        return self._kept(self._credits, key, credits_rect(size, s, notes),
                          lambda painter: paint_credits(painter, size, s, notes))

    def _kept(self, cache: OrderedDict, key: tuple, band: QRectF, paint) -> tuple[QPoint, QImage]:
        kept = cache.get(key)
        if kept is not None:
            cache.move_to_end(key)
            return kept
        bounds = band.toAlignedRect()
        image = QImage(bounds.size().expandedTo(QSize(1, 1)), self._format)
        image.fill(QColor(BACKGROUND))
        with painting(image) as painter:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.translate(-bounds.topLeft())
            paint(painter)
        cache[key] = kept = (bounds.topLeft(), image)
        while len(cache) > self.KEEP:
            cache.popitem(last=False)
        return kept


NAMES_ROOM = 600  # the map's height, at scale 1, below which the county names close up towards body size


def name_scale(size: QSize, s: float) -> float:
    """The county names' type: as designed where the map is roomy; where large type leaves the map
    few lines of its own (a wall seen from afar), down to the body size (14 of their 30), no less."""
    return s * min(1.0, max(14 / 30, size.height() / s / NAMES_ROOM))


class NameSprites:
    """Region names (and values) as small pre-rendered images, a line each, drawn above the points every frame.

    The last view's lines are kept, no older ones: a recolour re-renders only the lines whose text
    changed, the values, and never the names. (Values change with the polls: a cache of every value
    seen grew each 4K map by 40 MB.)"""

    def __init__(self) -> None:
        self._last: dict[tuple, QImage] = {}
        self._used: dict[tuple, QImage] = {}
        self._fitted: tuple[tuple, tuple[QFont, QFont, bool]] | None = None  # the labels' fonts for a view

    def for_view(self, frame: Frame, s: float, *, drilled: str | None, level: str, unit: str,
                 codes: tuple[str, ...], values: np.ndarray) -> list[tuple[QPointF, QImage]]:
        self._used = {}
        sprites = self._sprites(frame, s, drilled=drilled, level=level, unit=unit, codes=codes, values=values)
        self._last, self._used = self._used, {}
        return sprites

    def _sprites(self, frame: Frame, s: float, *, drilled: str | None, level: str, unit: str,
                 codes: tuple[str, ...], values: np.ndarray) -> list[tuple[QPointF, QImage]]:
        by_code = dict(zip(codes, values, strict=True))
        sprites = []
        show_values = level == ("county" if drilled is None else "town")
        if drilled is None:
            places = [(c.adcode, c.name, county_label_point(c.adcode)) for c in geo.counties()]
        else:
            places = [(t.adcode, t.name, (t.lon, t.lat)) for t in geo.towns() if t.county_adcode == drilled]
            title = self.sprite(f"{geo.county_by_adcode()[drilled].name} · 镇街",
                                palette.font(34 * name_scale(frame.size, s), bold=True), palette.TEXT)
            sprites.append((QPointF(20 * s, 16 * s), title))
        texts = [(name, format_value(None if math.isnan(by_code[code]) else float(by_code[code]), unit)
                  if show_values and code in by_code else None) for code, name, _ in places]
        points = [tuple(float(v) for v in frame.projection.to_pixels(lon, lat)) for _, _, (lon, lat) in places]
        key = (frame.key, s, drilled, tuple((name, len(value or "")) for name, value in texts))
        if self._fitted is None or self._fitted[0] != key:
            self._fitted = (key, self._fit(s, frame.size, drilled, texts, points))
        name_font, value_font, with_values = self._fitted[1]
        halo = halo_of(name_font)
        name_height, value_height = QFontMetricsF(name_font).height(), QFontMetricsF(value_font).height()
        for (name, value), (x, y) in zip(texts, points, strict=True):
            lines = [(name, name_font, palette.TEXT, name_height)]
            if value is not None and with_values:
                lines.append((value, value_font, VALUE_TEXT, value_height))
            top = y - sum(height for *_, height in lines) / 2 - math.ceil(halo) - 1
            for text, f, colour, height in lines:  # centred on the place, one under the other
                image = self.sprite(text, f, colour, halo=halo)
                sprites.append((QPointF(x - image.width() / 2, top), image))
                top += height
        return sprites

    @staticmethod
    def _fit(s: float, size: QSize, drilled: str | None, texts: list, points: list) -> tuple[QFont, QFont, bool]:
        """The county labels' fonts: as large as name_scale allows where they stand clear of each
        other, closing up to body size where they would run into each other; if they still do, the
        values are left out (the legend and the panels hold them). A county's towns keep body size."""
        if drilled is not None:
            return palette.font(15 * s, bold=True), palette.font(14 * s, bold=True), True
        body = 14 / 30 * s
        n = name_scale(size, s)
        while True:
            fonts = palette.font(30 * n, bold=True), palette.font(max(14 * s, 22 * n), bold=True)
            for with_values in (True, False) if n <= body else (True,):
                if not _overlapping(_label_boxes(texts, points, *fonts, with_values)):
                    return (*fonts, with_values)
            if n <= body:
                return (*fonts, False)
            n = max(body, n * 0.9)

    def sprite(self, text: str, f: QFont, colour: str, *, halo: float | None = None) -> QImage:
        halo = halo_of(f) if halo is None else halo
        key = (text, f.pixelSize(), f.bold(), colour, halo)
        image = self._used.get(key)
        if image is None:
            image = self._last.get(key)
        if image is None:
            image = text_sprite(text, f, colour, halo)
        self._used[key] = image
        return image


def _label_boxes(texts: list, points: list, name_font: QFont, value_font: QFont, with_values: bool) -> list[QRectF]:
    """Each label's ink box, its lines centred on its place."""
    name_metrics, value_metrics = QFontMetricsF(name_font), QFontMetricsF(value_font)
    boxes = []
    for (name, value), (x, y) in zip(texts, points, strict=True):
        width, height = name_metrics.horizontalAdvance(name), name_metrics.height()
        if value is not None and with_values:
            width, height = max(width, value_metrics.horizontalAdvance(value)), height + value_metrics.height()
        boxes.append(QRectF(x - width / 2, y - height / 2, width, height))
    return boxes


def _overlapping(boxes: list[QRectF]) -> bool:
    return any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def halo_of(f: QFont) -> float:
    return max(1.5, f.pixelSize() / 12)


def text_sprite(text: str, f: QFont, colour: str, halo: float) -> QImage:
    """A line of text with a dark halo (readable over any cell colour) on a transparent image, the text
    `halo` + 1 px from its edges."""
    m = QFontMetricsF(f)
    pad = math.ceil(halo) + 1
    image = QImage(math.ceil(m.horizontalAdvance(text)) + 2 * pad, math.ceil(m.height()) + 2 * pad,
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        draw_text(painter, pad, pad + m.ascent(), text, f, QColor(colour), halo=(SHADOW, halo))
    return image


SHADOW = QColor(palette.BACKGROUND)


@cache
def county_label_point(adcode: str) -> tuple[float, float]:
    """Where a county's name goes: the middle of its largest part (pole of inaccessibility)."""
    geometry = geo.county_by_adcode()[adcode].geometry
    body = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    point = polylabel(body, tolerance=0.002)
    return point.x, point.y
