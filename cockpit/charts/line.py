"""Time series painted with QPainter: legend, value grid, time ticks and one curve per line.

Everything a paint needs (curve polygons, ticks, their texts) is worked out once per new
block or new size and kept; a paint then only draws what was kept."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import numpy as np
from pyqtgraph.functions import arrayToQPolygonF as array_to_polygon
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF, QStaticText, QTransform

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Canvas, Chart, items_of, number, shown
from cockpit.core.formats import format_value
from kernel.clock import CITY_TZ

HOUR, DAY = 3600, 86400
TIME_STEPS = (HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY,
              30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY)
GRID = QColor(palette.GRID_LINE)
WELL = QColor(palette.BACKGROUND)  # the plot sits in a well darker than the panel
GRID_FAINT = QColor(GRID.red(), GRID.green(), GRID.blue(), 64)  # the value grid, behind the curves


@dataclass(frozen=True)
class Line:
    name: str
    values: np.ndarray  # NaN where the source has null


@dataclass(frozen=True)
class Series:
    x: np.ndarray  # epoch seconds
    tz: tzinfo
    unit: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Tick:
    position: float  # pixels along the axis
    text: str


@dataclass(frozen=True)
class Layout:
    """The picture of one model at one size, in pixels."""

    legend_height: float
    plot: QRectF
    curves: tuple[tuple[Run, ...], ...]  # per line: its unbroken runs (a null breaks the curve)
    fill: tuple[QPolygonF, ...]  # a single line is filled down to zero
    value_ticks: tuple[Tick, ...]
    time_ticks: tuple[Tick, ...]


_EPOCH_RANGE = (datetime(1, 1, 2, tzinfo=UTC).timestamp(), datetime(9999, 12, 30, tzinfo=UTC).timestamp())


def time_ticks(first: float, last: float, width: float, tz: tzinfo, scale: float) -> list[tuple[float, str]]:
    """Round local times (whole hours, days, weeks, months), about one per 60 px."""
    span = last - first
    if span <= 0:
        return []
    wanted = max(2.0, width / (60 * max(0.5, scale)))
    step = next((s for s in TIME_STEPS if span / s <= wanted), TIME_STEPS[-1])
    offset = tz.utcoffset(None).total_seconds() if tz.utcoffset(None) else 0.0
    start = math.ceil((first + offset) / step) * step - offset
    pattern = "%H:%M" if span <= 2 * DAY else "%m-%d" if span <= 200 * DAY else "%Y-%m"
    values = np.arange(start, last + 1e-6, step)
    if values.size > 1000:  # a series over centuries: steps of years are not in TIME_STEPS, draw no ticks
        return []
    return [(value, datetime.fromtimestamp(value, tz).strftime(pattern)) for value in values.tolist()
            if _EPOCH_RANGE[0] <= value <= _EPOCH_RANGE[1]]


def value_ticks(low: float, high: float, height: float, unit: str, gap: float) -> list[tuple[float, str]]:
    """The densest round step (1, 2 or 5 times a power of ten) that keeps labels `gap` px apart,
    at most about six ticks, in the block's unit."""
    span = high - low
    if span <= 0 or height <= 0:
        return []
    rough = max(span * gap / height, span / 6)
    if not 0 < rough < math.inf:
        return []
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough * (1 - 1e-9))
    values = [index * step for index in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]
    if unit == "%":
        digits = 0 if step >= 0.01 else 1
        return [(value, f"{value * 100:.{digits}f}%") for value in values]
    return [(value, format_value(value, "")) for value in values]


@dataclass(frozen=True)
class Run:
    """An unbroken stretch of a curve: its points, and the same as (start, end) pairs of segments.

    Qt strokes a wide antialiased polyline about ten times slower than the same segments drawn
    as separate flat-capped lines; round dots on the points then make the round joins."""

    points: QPolygonF
    segments: QPolygonF


def runs(xs: np.ndarray, ys: np.ndarray) -> list[Run]:
    """The unbroken stretches of a curve (two points or more)."""
    finite = np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(np.int8), [0]))))
    found = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if b - a >= 2:
            pairs = np.repeat(np.arange(a, b), 2)[1:-1]
            found.append(Run(polygon(xs[a:b], ys[a:b]), polygon(xs[pairs], ys[pairs])))
    return found


def polygon(xs: np.ndarray, ys: np.ndarray) -> QPolygonF:
    """Filled straight from the arrays (no QPointF per point)."""
    return array_to_polygon(np.ascontiguousarray(xs, dtype=float), np.ascontiguousarray(ys, dtype=float))


class LineCanvas(Canvas):
    """A canvas at least as wide as its legend: the legend's width only grows (until a new scale),
    so changing figures do not relayout the wall on every update."""

    def __init__(self, chart: LineChart) -> None:
        super().__init__(chart)
        self.legend_size = QSize(0, 0)

    def fit_legend(self, size: QSize) -> None:
        grown = self.legend_size.expandedTo(size)
        if grown != self.legend_size:
            self.legend_size = grown
            self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(max(100, self.legend_size.width()), self.legend_size.height() + 68)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(max(40, self.legend_size.width()), self.legend_size.height() + 16)


class LineChart(Chart):
    kind = "line"
    block_type = "series"

    def __init__(self, parent=None) -> None:
        self._layout: tuple[tuple, Layout] | None = None  # (the size and scale it was made for, layout)
        self._texts: dict[tuple[str, bool, float], QStaticText] = {}
        self._legend: list[tuple[QColor, str, str]] = []
        super().__init__(parent)

    def _make_body(self) -> LineCanvas:
        return LineCanvas(self)

    @classmethod
    def _parse(cls, block: dict) -> Series:
        times = block.get("x")
        if not isinstance(times, list):
            raise BlockError("缺少时间轴 x")
        try:
            stamps = [datetime.fromisoformat(str(text)) for text in times]
        except ValueError as exc:
            raise BlockError(f"时间格式无法识别：{exc}") from exc
        tz = stamps[0].tzinfo if stamps and stamps[0].tzinfo else CITY_TZ
        x = np.array([(s if s.tzinfo else s.replace(tzinfo=CITY_TZ)).timestamp() for s in stamps])
        lines = []
        for item in items_of(block, "lines"):
            name = str(item.get("name", ""))
            raw = item.get("values")
            if not isinstance(raw, list) or len(raw) != len(x):
                raise BlockError(f"曲线 “{name}” 的数值个数与时间轴不一致")
            values = [number(value, name) for value in raw]
            lines.append(Line(name, np.array([np.nan if v is None else v for v in values], dtype=float)))
        return Series(x, tz, str(block.get("unit") or ""), tuple(lines))

    @classmethod
    def _is_empty(cls, model: Series) -> bool:
        return len(model.x) == 0 or not model.lines

    def _show(self, model: Series) -> None:
        self.model = model
        self._layout = None
        self._legend = []
        for index, line in enumerate(model.lines):
            finite = line.values[np.isfinite(line.values)]
            latest = shown(float(finite[-1]) if finite.size else None, model.unit)
            self._legend.append((palette.series_colour(index), line.name, latest))
        self.body.fit_legend(self._legend_size())

    def _rescaled(self) -> None:
        self._layout = None
        self._texts.clear()
        self.body.legend_size = QSize(0, 0)  # measured afresh at the new scale
        if self.model is not None:
            self.body.fit_legend(self._legend_size())
        self.body.updateGeometry()

    def _legend_size(self) -> QSize:
        height = self._text("国", px=12).size().height()
        width = sum(self._text(text, px=12, bold=bold).size().width() for _, name, latest in self._legend
                    for text, bold in (("●", False), (f" {name} ", False), (latest, True)))
        width += self._text("  ", px=12).size().width() * max(0, len(self._legend) - 1)
        return QSize(math.ceil(width), math.ceil(height))

    # -- painting -----------------------------------------------------------
    def layout_for(self, rect: QRect) -> Layout:
        """The kept layout, made afresh when the block, the size or the scale changed."""
        key = (rect.x(), rect.y(), rect.width(), rect.height(), self.scale)
        if self._layout is None or self._layout[0] != key:
            self._layout = (key, self._make_layout(rect))
        return self._layout[1]

    def _make_layout(self, rect: QRect) -> Layout:
        model: Series = self.model
        s = self.scale
        legend_height = self._text("国", px=12).size().height()
        tick_height = self._text("0", bold=False, px=11).size().height()
        plot = QRectF(rect.left() + palette.scaled(44, s), rect.top() + legend_height + tick_height / 2,
                      0, 0)
        plot.setRight(rect.right() - palette.scaled(3, s))
        plot.setBottom(rect.bottom() - palette.scaled(22, s))
        sparkline = plot.height() < palette.scaled(24, s)  # too low for axes (a small tile): the curve alone
        if sparkline:
            plot = QRectF(QPointF(rect.left() + palette.scaled(3, s), rect.top() + legend_height + palette.scaled(2, s)),
                          QPointF(rect.right() - palette.scaled(3, s), rect.bottom() - palette.scaled(2, s)))
        if plot.width() < 4 or plot.height() < 4:
            return Layout(legend_height, plot, (), (), (), ())

        values = np.concatenate([line.values for line in model.lines])
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        low = min(low, 0.0)  # counts and rates start at zero: a flat line of zeros sits on the floor
        if high - low <= max(abs(low), abs(high)) * 1e-9 or high - low < 1e-12:  # flat, to float precision
            high = low + max(abs(low) * 0.1, 1.0 if model.unit != "%" else 0.01)
        top = high + (high - low) * 0.08
        first, last = float(model.x.min()), float(model.x.max())
        margin = (last - first) * 0.02 or 1.0
        first, last = first - margin, last + margin

        def px_x(x):
            return plot.left() + (x - first) / (last - first) * plot.width()

        def px_y(y):
            return plot.bottom() - (y - low) / (top - low) * plot.height()

        xs = px_x(model.x)
        curves = tuple(tuple(runs(xs, px_y(line.values))) for line in model.lines)
        fill: list[QPolygonF] = []
        if len(model.lines) == 1:
            floor = px_y(0.0)
            for run in curves[0]:
                area = QPolygonF(run.points)
                area.append(QPointF(run.points.last().x(), floor))
                area.append(QPointF(run.points.first().x(), floor))
                fill.append(area)
        if sparkline:
            return Layout(legend_height, plot, curves, tuple(fill), (), ())
        values_at = value_ticks(low, top, plot.height(), model.unit, tick_height * 0.8)  # labels just apart
        times_at = time_ticks(first, last, plot.width(), model.tz, s)
        return Layout(legend_height, plot, curves, tuple(fill), tuple(Tick(px_y(v), text) for v, text in values_at),
                      tuple(Tick(px_x(v), text) for v, text in times_at))

    def paint(self, painter: QPainter, rect: QRect) -> None:
        layout = self.layout_for(rect)
        self._paint_legend(painter, rect)
        plot = layout.plot
        painter.fillRect(rect.adjusted(0, math.ceil(layout.legend_height), 0, 0), WELL)
        if plot.width() < 4 or plot.height() < 4:
            return
        s = self.scale
        gap = palette.scaled(4, s)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        left, right = math.floor(plot.left()), math.floor(plot.right())
        for tick in layout.value_ticks:  # grid rows, filled: a translucent line blends pixel by pixel
            painter.fillRect(QRect(left, math.floor(tick.position), right - left + 1, 1), GRID_FAINT)
        painter.fillRect(QRect(left, math.floor(plot.top()), 1, math.ceil(plot.height()) + 1), GRID)
        painter.fillRect(QRect(left, math.floor(plot.bottom()), right - left + 1, 1), GRID)
        for tick in layout.time_ticks:
            painter.fillRect(QRect(math.floor(tick.position), math.floor(plot.bottom()) - gap, 1, gap), GRID)

        painter.setPen(QColor(palette.TEXT_DIM))
        painter.setFont(self._font(11))
        for tick in layout.value_ticks:
            text = self._text(tick.text)
            size = text.size()
            painter.drawStaticText(QPointF(plot.left() - gap - size.width(), tick.position - size.height() / 2),
                                   text)
        edge = plot.left()
        for tick in layout.time_ticks:
            text = self._text(tick.text)
            x = tick.position - text.size().width() / 2
            if x < edge or x + text.size().width() > rect.right():
                continue  # labels never overlap nor run off the chart
            painter.drawStaticText(QPointF(x, plot.bottom() + gap), text)
            edge = x + text.size().width() + gap

        painter.save()
        # a little room above and below, so a line at the top or at zero shows whole
        painter.setClipRect(plot.adjusted(0, -palette.scaled(2, s), 0, palette.scaled(1, s)))
        if layout.fill:  # aliased: its only slanted edge lies under the curve's own stroke
            fill = palette.series_colour(0)
            fill.setAlpha(50)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            for area in layout.fill:
                painter.drawPolygon(area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for index, curve in enumerate(layout.curves):
            pen = QPen(palette.series_colour(index), max(1.5, 2.2 * s))
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            for run in curve:
                painter.drawLines(run.segments)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            for run in curve:
                painter.drawPoints(run.points)
        painter.restore()

    def _paint_legend(self, painter: QPainter, rect: QRect) -> None:
        """● name value, one after another on the top row, as far as the width goes."""
        x, right = float(rect.left()), rect.left() + rect.width() + 0.5
        space = self._text("  ", px=12).size().width()
        for colour, name, latest in self._legend:
            parts = [(self._text("●", px=12), colour), (self._text(f" {name} ", px=12), QColor(palette.TEXT_DIM)),
                     (self._text(latest, px=12, bold=True), QColor(palette.TEXT))]
            for (text, pen), bold in zip(parts, (False, False, True), strict=True):
                if x + text.size().width() > right:
                    return
                painter.setFont(self._font(12, bold=bold))  # a static text is drawn in the painter's font
                painter.setPen(pen)
                painter.drawStaticText(QPointF(x, rect.top()), text)
                x += text.size().width()
            x += space

    def _text(self, text: str, *, bold: bool = False, px: float = 11) -> QStaticText:
        """A text laid out once and then only drawn (the ticks repeat from one block to the next)."""
        key = (text, bold, px)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) > 512:  # an hour's worth of changing figures, not a lifetime's
                self._texts.clear()
            found = QStaticText(text)
            found.setTextFormat(Qt.TextFormat.PlainText)
            found.prepare(QTransform(), self._font(px, bold=bold))
            self._texts[key] = found
        return found

    def _font(self, px: float, *, bold: bool = False) -> QFont:
        return palette.shared_font(palette.scaled(px, self.scale), bold)
