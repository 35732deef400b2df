"""The work-order loop as a funnel: 流转 → 交办 → 办理 → 核查 → 评估 → 问效, left to right."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF

from cockpit.charts import palette
from cockpit.charts.base import Chart, elided, fitted, items_of, number, shown


@dataclass(frozen=True)
class Stage:
    name: str
    value: float


@dataclass(frozen=True)
class Funnel:
    unit: str
    stages: tuple[Stage, ...]


class FunnelChart(Chart):
    kind = "funnel"
    block_type = "funnel"

    @classmethod
    def _parse(cls, block: dict) -> Funnel:
        stages = tuple(Stage(str(item.get("name", "")), number(item.get("value"), str(item.get("name", ""))) or 0.0)
                       for item in items_of(block, "stages"))
        return Funnel(str(block.get("unit") or ""), stages)

    @classmethod
    def _is_empty(cls, model: Funnel) -> bool:
        return not model.stages

    def paint(self, painter: QPainter, rect: QRect) -> None:
        model: Funnel = self.model
        count = len(model.stages)
        name_px = min(14.0, rect.height() * 0.14 / self.scale)
        name_height = palette.scaled(name_px * 1.5, self.scale)
        body = QRectF(rect.left(), rect.top(), rect.width(), rect.height() - 2 * name_height)
        width = body.width() / count
        top_value = max(stage.value for stage in model.stages) or 1.0
        middle = body.center().y()
        heights = [body.height() * (0.3 + 0.7 * max(0.0, stage.value) / top_value) for stage in model.stages]
        for index, stage in enumerate(model.stages):
            left, right = body.left() + index * width, body.left() + (index + 1) * width
            here = heights[index] / 2
            after = (heights[index + 1] if index + 1 < count else heights[index] * 0.85) / 2
            nose = width * 0.12
            shape = QPolygonF([QPointF(left, middle - here), QPointF(right - nose, middle - after),
                               QPointF(right, middle), QPointF(right - nose, middle + after),
                               QPointF(left, middle + here), QPointF(left + (nose if index else 0), middle)])
            colour = QColor(palette.ACCENT)
            colour.setAlphaF(1.0 - 0.1 * index)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(shape)
            text = shown(stage.value, model.unit)
            painter.setPen(QColor(palette.BACKGROUND))
            painter.setFont(fitted(text, width * 0.7, min(18.0, here * 0.9 / self.scale), self.scale, bold=True))
            painter.drawText(QRectF(left, middle - here, width - nose, 2 * here), Qt.AlignmentFlag.AlignCenter, text)
            painter.setPen(QColor(palette.TEXT))
            painter.setFont(palette.font(name_px, self.scale))
            label = QRectF(left, body.bottom() + 2, width, name_height)
            painter.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             elided(painter, stage.name, int(width)))
            if index:
                rate = stage.value / model.stages[index - 1].value if model.stages[index - 1].value else None
                painter.setPen(QColor(palette.TEXT_DIM))
                painter.setFont(palette.font(name_px * 0.85, self.scale))
                painter.drawText(QRectF(left - width / 2, body.bottom() + name_height, width, name_height),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                                 "—" if rate is None else f"{rate:.0%}")
