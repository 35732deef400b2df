"""Shares of a whole: a donut with the total in its hole and a legend of parts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, elided, fitted, items_of, number, shown, split_value

MAX_PARTS = 6  # the rest are summed as 其他, so every legend line stays readable


@dataclass(frozen=True)
class Part:
    name: str
    value: float


@dataclass(frozen=True)
class Shares:
    unit: str
    parts: tuple[Part, ...]

    @property
    def total(self) -> float:
        return sum(part.value for part in self.parts)


class DonutChart(Chart):
    kind = "donut"
    block_type = "shares"

    @classmethod
    def _parse(cls, block: dict) -> Shares:
        parts = []
        for item in items_of(block):
            name = str(item.get("name", ""))
            value = number(item.get("value"), name) or 0.0
            if value < 0:
                raise BlockError(f"“{name}” 的占比为负数")
            parts.append(Part(name, value))
        parts.sort(key=lambda part: part.value, reverse=True)
        if len(parts) > MAX_PARTS:
            rest = sum(part.value for part in parts[MAX_PARTS - 1:])
            parts = [*parts[:MAX_PARTS - 1], Part("其他", rest)]
        return Shares(str(block.get("unit") or ""), tuple(parts))

    @classmethod
    def _is_empty(cls, model: Shares) -> bool:
        return model.total <= 0

    def paint(self, painter: QPainter, rect: QRect) -> None:
        model: Shares = self.model
        side = min(rect.height(), rect.width() * 0.45)
        ring = side * 0.16
        circle = QRectF(rect.left() + ring / 2 + 2, rect.top() + (rect.height() - side) / 2 + ring / 2,
                        side - ring, side - ring)
        angle = 90 * 16
        for index, part in enumerate(model.parts):
            span = -round(360 * 16 * part.value / model.total)
            painter.setPen(QPen(palette.series_colour(index), ring, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawArc(circle, angle, span)
            angle += span
        hole = circle.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2)
        numeral, suffix = split_value(shown(model.total, "" if model.unit == "%" else model.unit))
        painter.setPen(QColor(palette.TEXT))
        painter.setFont(fitted(numeral, hole.width() * 0.86, hole.height() * 0.3 / self.scale, self.scale, bold=True))
        painter.drawText(hole.adjusted(0, 0, 0, -hole.height() * 0.18), Qt.AlignmentFlag.AlignCenter, numeral)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.setFont(palette.font(min(12.0, hole.height() * 0.16 / self.scale), self.scale))
        painter.drawText(hole.adjusted(0, hole.height() * 0.34, 0, 0), Qt.AlignmentFlag.AlignCenter,
                         f"合计{suffix}" if suffix else "合计")
        self._paint_legend(painter, model, QRectF(rect.left() + side + palette.scaled(10, self.scale), rect.top(),
                                                  rect.right() - rect.left() - side - palette.scaled(10, self.scale),
                                                  rect.height()))

    def _paint_legend(self, painter: QPainter, model: Shares, area: QRectF) -> None:
        row_height = min(area.height() / len(model.parts), 26 * self.scale)
        top = area.top() + (area.height() - row_height * len(model.parts)) / 2
        painter.setFont(palette.font(max(10.0, min(14.0, row_height * 0.7 / self.scale)), self.scale))
        metrics = painter.fontMetrics()
        percent_width = metrics.horizontalAdvance("100.0%")
        dot = row_height * 0.36
        for index, part in enumerate(model.parts):
            y = top + index * row_height
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.series_colour(index))
            painter.drawRoundedRect(QRectF(area.left(), y + (row_height - dot) / 2, dot, dot), 2, 2)
            name_rect = QRectF(area.left() + dot * 1.8, y, area.width() - dot * 1.8 - percent_width, row_height)
            painter.setPen(QColor(palette.TEXT))
            painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             elided(painter, part.name, int(name_rect.width())))
            painter.setPen(QColor(palette.ACCENT))
            painter.drawText(QRectF(area.right() - percent_width, y, percent_width, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             f"{100 * part.value / model.total:.1f}%")
