"""A gauge: one value on a 240° arc between min and max, with the target marked."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, fitted, number, shown, split_value

START_DEG = 210.0  # Qt angles: 0 at three o'clock, counter-clockwise
SWEEP_DEG = 240.0


@dataclass(frozen=True)
class Reading:
    value: float | None
    low: float
    high: float
    unit: str
    target: float | None

    def fraction(self, value: float) -> float:
        return min(1.0, max(0.0, (value - self.low) / (self.high - self.low)))


class GaugeChart(Chart):
    kind = "gauge"
    block_type = "gauge"

    @classmethod
    def _parse(cls, block: dict) -> Reading:
        low, high = number(block["min"], "最小值 min"), number(block["max"], "最大值 max")
        if low is None or high is None or high <= low:
            raise BlockError(f"量程无效：min={block.get('min')}，max={block.get('max')}")
        return Reading(number(block.get("value"), "value"), low, high, str(block.get("unit") or ""),
                       number(block.get("target"), "target"))

    @classmethod
    def _is_empty(cls, model: Reading) -> bool:
        return model.value is None

    def _caption_text(self, block: dict) -> str:
        return str(block.get("label") or "")

    def paint(self, painter: QPainter, rect: QRect) -> None:
        model: Reading = self.model
        label_height = palette.scaled(min(12.0, rect.height() * 0.08 / self.scale) * 1.6, self.scale)
        side = min(rect.width() * 0.95, (rect.height() - label_height) / 0.86)
        thickness = side * 0.09
        circle = QRectF(0, 0, side - thickness, side - thickness)
        circle.moveCenter(QPointF(rect.center().x(), rect.top() + side / 2))
        track = QPen(QColor(palette.GRID_LINE), thickness, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(track)
        painter.drawArc(circle, int(START_DEG * 16), int(-SWEEP_DEG * 16))
        fraction = model.fraction(model.value)
        below_target = model.target is not None and model.value < model.target
        colour = QColor("#ff8c1a" if below_target else palette.ACCENT)
        painter.setPen(QPen(colour, thickness, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawArc(circle, int(START_DEG * 16), int(-SWEEP_DEG * fraction * 16))
        radius = circle.width() / 2
        if model.target is not None:
            self._paint_target(painter, circle, radius, thickness, model)
        numeral, suffix = split_value(shown(model.value, model.unit))
        centre = QRectF(circle.left() + thickness, circle.center().y() - radius * 0.45,
                        circle.width() - 2 * thickness, radius * 0.7)
        painter.setPen(colour)
        painter.setFont(fitted(numeral + suffix, centre.width() * 0.9, radius * 0.42 / self.scale, self.scale,
                               bold=True))
        painter.drawText(centre, Qt.AlignmentFlag.AlignCenter, numeral + suffix)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.setFont(palette.font(min(12.0, rect.height() * 0.08 / self.scale), self.scale))
        bottom = circle.center().y() + radius * 0.5 + thickness * 0.7
        ends = QRectF(circle.left() - thickness, bottom, circle.width() + 2 * thickness, label_height)
        painter.drawText(ends, Qt.AlignmentFlag.AlignLeft, shown(model.low, model.unit))
        painter.drawText(ends, Qt.AlignmentFlag.AlignRight, shown(model.high, model.unit))
        if model.target is not None:
            painter.drawText(ends, Qt.AlignmentFlag.AlignHCenter, f"目标 {shown(model.target, model.unit)}")

    def _paint_target(self, painter: QPainter, circle: QRectF, radius: float, thickness: float,
                      model: Reading) -> None:
        angle = math.radians(START_DEG - SWEEP_DEG * model.fraction(model.target))
        centre = circle.center()
        inner, outer = radius - thickness * 0.9, radius + thickness * 0.9
        direction = QPointF(math.cos(angle), -math.sin(angle))
        painter.setPen(QPen(QColor(palette.TEXT), max(2.0, thickness * 0.22)))
        painter.drawLine(centre + direction * inner, centre + direction * outer)
