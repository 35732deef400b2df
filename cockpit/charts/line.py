"""Time series: one pyqtgraph curve per line, created once and then only fed with setData."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QPainter, QPen, QTransform
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, SteadyLabel, items_of, number, shown
from cockpit.core.formats import format_value

SHANGHAI = timezone(timedelta(hours=8))
HOUR, DAY = 3600, 86400
TIME_STEPS = (HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY,
              30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY)


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


class DirectAxis(pg.AxisItem):
    """A pyqtgraph axis drawn straight onto the view's painter, its grid lines filled as rows.

    pyqtgraph records each axis into a QPicture and replays it on every paint (here `picture`
    keeps the drawing specs instead, cleared by pyqtgraph when they change). Its grid lines are
    translucent, and Qt blends a translucent line pixel by pixel (about 0.1 ms a line at 4K);
    the same pixels filled as a one-pixel rectangle blend as spans. Same picture, a fraction
    of the time."""

    def paint(self, painter, option, widget) -> None:
        painter.save()
        if self.style["tickFont"]:
            painter.setFont(self.style["tickFont"])
        if self.picture is None:  # pyqtgraph clears it when the range, size or style change
            self.picture = self.generateDrawSpecs(painter) or ()
        if self.picture:
            self.drawPicture(painter, *self.picture)
        painter.restore()

    def drawPicture(self, painter, axisSpec, tickSpecs, textSpecs) -> None:  # noqa: N802, N803 (pyqtgraph's)
        """pyqtgraph's own drawing order and settings; only the lines take the faster way."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for pen, start, end in (axisSpec, *tickSpecs):
            draw_line(painter, pen, start, end)
        if self.style["tickFont"] is not None:
            painter.setFont(self.style["tickFont"])
        painter.setPen(self.textPen())
        painter.setClipRect(self.boundingRect().toAlignedRect())
        for rect, flags, text in textSpecs:
            painter.drawText(rect, int(flags), text)


def draw_line(painter: QPainter, pen: QPen, start: QPointF, end: QPointF) -> None:
    """An aliased line; a translucent hair line along a pixel row or column is filled as that row or column.

    Qt draws such a line on the pixels from floor(start) to floor(end) in device coordinates,
    so the rectangle covers exactly those pixels and blends them the same way."""
    transform = painter.worldTransform()
    simple = transform.type().value <= QTransform.TransformationType.TxTranslate.value
    thin = pen.isCosmetic() and pen.widthF() <= 1 and pen.style() == Qt.PenStyle.SolidLine
    if not (simple and thin and pen.color().alpha() < 255) or (start.x() != end.x() and start.y() != end.y()):
        painter.setPen(pen)
        painter.drawLine(start, end)
        return
    a, b = transform.map(QPointF(start)), transform.map(QPointF(end))
    left, right = sorted((math.floor(a.x()), math.floor(b.x())))
    top, bottom = sorted((math.floor(a.y()), math.floor(b.y())))
    painter.save()
    painter.resetTransform()
    painter.fillRect(QRect(left, top, right - left + 1, bottom - top + 1), pen.color())
    painter.restore()


class TimeAxis(DirectAxis):
    """Ticks as wall-clock times in the payload's own offset (Asia/Shanghai)."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom")
        self.tz: tzinfo = SHANGHAI
        self.tick_scale = 1.0

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name and arguments)
        """Round local times (whole hours, days, weeks, months), about one per 60 px."""
        span = maxVal - minVal
        if span <= 0:
            return []
        wanted = max(2.0, size / (60 * max(0.5, self.tick_scale)))
        step = next((s for s in TIME_STEPS if span / s <= wanted), TIME_STEPS[-1])
        offset = self.tz.utcoffset(None).total_seconds() if self.tz.utcoffset(None) else 0.0
        first = np.ceil((minVal + offset) / step) * step - offset
        return [(step, list(np.arange(first, maxVal + 1e-6, step)))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        low, high = self.range
        span = abs(high - low)
        pattern = "%H:%M" if span <= 2 * 86400 else "%m-%d" if span <= 200 * 86400 else "%Y-%m"
        return [datetime.fromtimestamp(value, self.tz).strftime(pattern) for value in values]


class ValueAxis(DirectAxis):
    """Ticks in the block's unit: fractions as %, large counts in 万/亿."""

    def __init__(self) -> None:
        super().__init__(orientation="left")
        self.unit = ""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if self.unit == "%":
            digits = 0 if spacing >= 0.01 else 1
            return [f"{value * 100:.{digits}f}%" for value in values]
        return [format_value(value, "") for value in values]


class LineChart(Chart):
    kind = "line"
    block_types = frozenset({"series"})

    def _make_body(self) -> QWidget:
        body = QWidget(self)
        self.legend = SteadyLabel(body)
        self.legend.setObjectName("chartLegend")
        self.time_axis = TimeAxis()
        self.value_axis = ValueAxis()
        self.plot = pg.PlotWidget(body, background=None,
                                  axisItems={"bottom": self.time_axis, "left": self.value_axis})
        self.plot.setMinimumSize(40, 16)  # a small tile squeezes the plot rather than the wall
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.curves: list[pg.PlotDataItem] = []
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        self._rescaled()
        return body

    def _parse(self, block: dict) -> Series:
        times = block.get("x")
        if not isinstance(times, list):
            raise BlockError("缺少时间轴 x")
        try:
            stamps = [datetime.fromisoformat(str(text)) for text in times]
        except ValueError as exc:
            raise BlockError(f"时间格式无法识别：{exc}") from exc
        tz = stamps[0].tzinfo if stamps and stamps[0].tzinfo else SHANGHAI
        x = np.array([(s if s.tzinfo else s.replace(tzinfo=SHANGHAI)).timestamp() for s in stamps])
        lines = []
        for item in items_of(block, "lines"):
            name = str(item.get("name", ""))
            raw = item.get("values")
            if not isinstance(raw, list) or len(raw) != len(x):
                raise BlockError(f"曲线 “{name}” 的数值个数与时间轴不一致")
            values = [number(value, name) for value in raw]
            lines.append(Line(name, np.array([np.nan if v is None else v for v in values], dtype=float)))
        return Series(x, tz, str(block.get("unit") or ""), tuple(lines))

    def _is_empty(self, model: Series) -> bool:
        return len(model.x) == 0 or not model.lines

    def _show(self, model: Series) -> None:
        self.model = model
        self.time_axis.tz = model.tz
        self.value_axis.unit = model.unit
        while len(self.curves) < len(model.lines):
            self.curves.append(self.plot.plot(connect="finite"))
        for index, curve in enumerate(self.curves):
            if index < len(model.lines):
                self._style(curve, index, filled=len(model.lines) == 1)
                curve.setData(model.x, model.lines[index].values)
                curve.show()
            else:
                curve.setData([], [])
                curve.hide()
        self._fit_values(model)
        self.value_axis.picture = None  # re-read the unit on the next paint
        self.value_axis.update()
        self.legend.setText(self._legend_html(model))

    def _fit_values(self, model: Series) -> None:
        """Counts and rates start at zero, so a flat line of zeros sits on the floor, not mid-chart."""
        values = np.concatenate([line.values for line in model.lines])
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        low = min(low, 0.0)
        if high <= low:
            high = low + (1.0 if model.unit != "%" else 0.01)
        first, last = float(model.x.min()), float(model.x.max())
        margin = (last - first) * 0.02
        self.plot.setRange(xRange=(first - margin, last + margin), yRange=(low, high + (high - low) * 0.08),
                           padding=0)  # one range change: each one re-lays the axes out
        # Settle the new view transform now: left to the paint, it moves every item again there
        # and the plot is painted a second time in the same frame.
        self.plot.getViewBox().prepareForPaint()

    def _style(self, curve: pg.PlotDataItem, index: int, *, filled: bool) -> None:
        look = (index, filled, self.scale)
        if getattr(curve, "look", None) == look:  # each setter below makes pyqtgraph redo the curve
            return
        curve.look = look
        colour = palette.series_colour(index)
        curve.setPen(pg.mkPen(colour, width=max(1.5, 2.2 * self.scale)))
        if filled:
            fill = palette.series_colour(index)
            fill.setAlpha(50)
            curve.setFillLevel(0)
            curve.setBrush(fill)
        else:
            curve.setFillLevel(None)

    def _legend_html(self, model: Series) -> str:
        parts = []
        for index, line in enumerate(model.lines):
            finite = line.values[np.isfinite(line.values)]
            latest = shown(float(finite[-1]) if finite.size else None, model.unit)
            colour = palette.SERIES[index % len(palette.SERIES)]
            parts.append(f"<span style='color:{colour}'>●</span> {html.escape(line.name)} "
                         f"<b style='color:{palette.TEXT}'>{html.escape(latest)}</b>")
        return "&nbsp;&nbsp;".join(parts)

    def _rescaled(self) -> None:
        self.time_axis.tick_scale = self.scale
        tick_font = palette.font(11, self.scale)
        for axis in (self.time_axis, self.value_axis):
            axis.enableAutoSIPrefix(False)  # the axes carry no unit label: nothing to prefix, no label to re-set
            axis.setTickFont(tick_font)
            axis.setPen(pg.mkPen(palette.GRID_LINE))
            axis.setTextPen(pg.mkPen(palette.TEXT_DIM))
            axis.setStyle(tickTextOffset=palette.scaled(4, self.scale), tickLength=-palette.scaled(4, self.scale))
        self.value_axis.setWidth(palette.scaled(44, self.scale))
        self.time_axis.setHeight(palette.scaled(22, self.scale))
        if self.model is not None:
            self._show(self.model)
