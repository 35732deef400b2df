"""KPI tiles: big numerals with their unit and label, readable across a hall."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, elided, fitted, items_of, number, shown, split_value


@dataclass(frozen=True)
class Tile:
    label: str
    value: float | None
    unit: str


class KpiTiles(Chart):
    kind = "kpi"
    block_types = frozenset({"kpis"})
    max_tiles: int | None = None  # a small tile shows the first few, large enough to read

    def set_max_tiles(self, count: int | None) -> None:
        self.max_tiles = count
        if self.block is not None:
            self.set_block(self.block)

    def _parse(self, block: dict) -> tuple[Tile, ...]:
        tiles = []
        for item in items_of(block):
            if "label" not in item:
                raise BlockError("指标缺少名称 label")
            tiles.append(Tile(str(item["label"]), number(item.get("value"), str(item["label"])),
                              str(item.get("unit") or "")))
        return tuple(tiles[:self.max_tiles])

    def paint(self, painter: QPainter, rect: QRect) -> None:
        tiles: tuple[Tile, ...] = self.model or ()
        if not tiles:
            return
        columns = len(tiles) if len(tiles) <= 4 else math.ceil(len(tiles) / 2)
        rows = math.ceil(len(tiles) / columns)
        gap = palette.scaled(6, self.scale)
        width = (rect.width() - gap * (columns - 1)) / columns
        height = (rect.height() - gap * (rows - 1)) / rows
        for index, tile in enumerate(tiles):
            row, column = divmod(index, columns)
            cell = QRectF(rect.left() + column * (width + gap), rect.top() + row * (height + gap), width, height)
            self._paint_tile(painter, cell, tile)

    def _paint_tile(self, painter: QPainter, cell: QRectF, tile: Tile) -> None:
        painter.setPen(QPen(QColor(palette.BORDER), 1))
        painter.setBrush(QColor(palette.SURFACE_HIGH))
        radius = palette.scaled(4, self.scale)
        painter.drawRoundedRect(cell.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        pad = palette.scaled(6, self.scale)
        inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        numeral, suffix = split_value(shown(tile.value, tile.unit))
        value_px = min(36.0, inner.height() * 0.5 / self.scale)
        numeral_font = palette.font(value_px, self.scale, bold=True)
        suffix_font = palette.font(value_px * 0.45, self.scale)
        gap = pad // 3 if suffix else 0
        numeral_width = QFontMetrics(numeral_font).horizontalAdvance(numeral)
        suffix_width = QFontMetrics(suffix_font).horizontalAdvance(suffix) + gap
        if numeral_width + suffix_width > inner.width():  # shrink both, keeping their proportion
            shrink = inner.width() / (numeral_width + suffix_width)
            numeral_font.setPixelSize(max(6, int(numeral_font.pixelSize() * shrink)))
            suffix_font.setPixelSize(max(6, int(suffix_font.pixelSize() * shrink)))
            numeral_width = QFontMetrics(numeral_font).horizontalAdvance(numeral)
            suffix_width = QFontMetrics(suffix_font).horizontalAdvance(suffix) + gap
        label_px = min(15.0, inner.height() * 0.2 / self.scale, numeral_font.pixelSize() * 0.6 / self.scale)
        left = inner.left() + max(0.0, (inner.width() - numeral_width - suffix_width) / 2)
        baseline = inner.top() + inner.height() * 0.6
        painter.setFont(numeral_font)
        painter.setPen(QColor(palette.ACCENT))
        painter.drawText(int(left), int(baseline), numeral)
        painter.setFont(suffix_font)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(int(left + numeral_width + gap), int(baseline), suffix)
        painter.setFont(fitted(tile.label, inner.width(), label_px, self.scale))
        if painter.font().pixelSize() < palette.scaled(10, self.scale):
            painter.setFont(palette.font(10, self.scale))
        painter.setPen(QColor(palette.TEXT))
        label_rect = QRectF(inner.left(), baseline + inner.height() * 0.06, inner.width(),
                            inner.bottom() - baseline - inner.height() * 0.06)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         elided(painter, tile.label, int(inner.width())))
