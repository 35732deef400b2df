"""Ranking bars: name, bar and value on one row each, largest first."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter

from cockpit.charts import palette
from cockpit.charts.base import Chart, elided, items_of, number, shown

MAX_ROWS = 10


@dataclass(frozen=True)
class Bar:
    name: str
    value: float


@dataclass(frozen=True)
class Ranking:
    unit: str
    bars: tuple[Bar, ...]


class RankingBars(Chart):
    kind = "ranking"
    block_type = "ranking"

    @classmethod
    def _parse(cls, block: dict) -> Ranking:
        bars = [Bar(str(item.get("name", "")), number(item.get("value"), str(item.get("name", ""))) or 0.0)
                for item in items_of(block)]
        bars.sort(key=lambda bar: bar.value, reverse=True)
        return Ranking(str(block.get("unit") or ""), tuple(bars))

    @classmethod
    def _is_empty(cls, model: Ranking) -> bool:
        return not model.bars

    def paint(self, painter: QPainter, rect: QRect) -> None:
        model: Ranking = self.model
        row_px = 24 * self.scale
        rows = max(1, min(len(model.bars), MAX_ROWS, int(rect.height() // row_px)))
        row_height = rect.height() / rows
        text_px = min(14.0, row_height * 0.62 / self.scale)
        painter.setFont(palette.font(text_px, self.scale))
        metrics = painter.fontMetrics()
        bars = model.bars[:rows]
        rank_width = metrics.horizontalAdvance("10 ")
        name_width = min(int(rect.width() * 0.36), max(metrics.horizontalAdvance(bar.name) for bar in bars) + 4)
        values = [shown(bar.value, model.unit) for bar in bars]
        value_width = max(metrics.horizontalAdvance(text) for text in values) + palette.scaled(6, self.scale)
        bar_left = rect.left() + rank_width + name_width + palette.scaled(6, self.scale)
        bar_room = max(1.0, rect.right() - value_width - bar_left)
        top_value = max(bar.value for bar in bars) or 1.0
        for index, (bar, text) in enumerate(zip(bars, values, strict=True)):
            y = rect.top() + index * row_height
            line = QRectF(rect.left(), y, rect.width(), row_height)
            painter.setPen(QColor(palette.ACCENT if index < 3 else palette.TEXT_DIM))
            painter.drawText(QRectF(line.left(), y, rank_width, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, str(index + 1))
            painter.setPen(QColor(palette.TEXT))
            painter.drawText(QRectF(line.left() + rank_width, y, name_width, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             elided(painter, bar.name, name_width))
            length = bar_room * max(0.0, bar.value) / top_value
            thickness = row_height * 0.46
            bar_rect = QRectF(bar_left, y + (row_height - thickness) / 2, max(2.0, length), thickness)
            gradient = QLinearGradient(bar_rect.topLeft(), bar_rect.topRight())
            start = QColor(palette.SERIES[0] if index >= 3 else palette.SERIES[1])
            end = QColor(start)
            start.setAlpha(90)
            gradient.setColorAt(0, start)
            gradient.setColorAt(1, end)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(gradient)
            painter.drawRoundedRect(bar_rect, thickness / 3, thickness / 3)
            painter.setPen(QColor(palette.TEXT))
            painter.drawText(QRectF(bar_rect.right() + palette.scaled(4, self.scale), y, value_width, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
