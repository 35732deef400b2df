"""KPI tiles: big numerals with their unit and label, readable across a hall."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

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
        pad = palette.scaled(6, self.scale)
        cells = [QRectF(rect.left() + column * (width + gap), rect.top() + row * (height + gap), width, height)
                 for row, column in (divmod(index, columns) for index in range(len(tiles)))]
        texts = [split_value(shown(tile.value, tile.unit)) for tile in tiles]
        # One numeral size for the whole row (the widest figure sets it), so figures compare at a glance.
        value_px = min(36.0, (height - 1.2 * pad) * 0.5 / self.scale)
        room = width - 2 * pad
        value_px = min([value_px] + [value_px * room / need for need in
                                     (self._width(numeral, suffix, value_px, pad) for numeral, suffix in texts)
                                     if need > room])
        for cell, tile, (numeral, suffix) in zip(cells, tiles, texts, strict=True):
            self._paint_tile(painter, cell, tile, numeral, suffix, value_px, pad)

    def _fonts(self, value_px: float) -> tuple[QFont, QFont]:
        return palette.font(value_px, self.scale, bold=True), palette.font(value_px * 0.45, self.scale)

    def _width(self, numeral: str, suffix: str, value_px: float, pad: int) -> float:
        numeral_font, suffix_font = self._fonts(value_px)
        gap = pad // 3 if suffix else 0
        return (QFontMetrics(numeral_font).horizontalAdvance(numeral)
                + QFontMetrics(suffix_font).horizontalAdvance(suffix) + gap)

    def _paint_tile(self, painter: QPainter, cell: QRectF, tile: Tile, numeral: str, suffix: str,
                    value_px: float, pad: int) -> None:
        painter.setPen(QPen(QColor(palette.BORDER), 1))
        painter.setBrush(QColor(palette.SURFACE_HIGH))
        radius = palette.scaled(4, self.scale)
        painter.drawRoundedRect(cell.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        numeral_font, suffix_font = self._fonts(value_px)
        gap = pad // 3 if suffix else 0
        numeral_width = QFontMetrics(numeral_font).horizontalAdvance(numeral)
        total = self._width(numeral, suffix, value_px, pad)
        left = inner.left() + max(0.0, (inner.width() - total) / 2)
        baseline = inner.top() + inner.height() * 0.6
        painter.setFont(numeral_font)
        painter.setPen(QColor(palette.ACCENT))
        painter.drawText(int(left), int(baseline), numeral)
        painter.setFont(suffix_font)
        painter.setPen(QColor(palette.TEXT_DIM))
        painter.drawText(int(left + numeral_width + gap), int(baseline), suffix)
        label_px = max(10.0, min(15.0, inner.height() * 0.2 / self.scale, value_px * 0.6))
        painter.setFont(fitted(tile.label, inner.width(), label_px, self.scale))
        if painter.font().pixelSize() < palette.scaled(10, self.scale):
            painter.setFont(palette.font(10, self.scale))
        painter.setPen(QColor(palette.TEXT))
        label_rect = QRectF(inner.left(), baseline + inner.height() * 0.06, inner.width(),
                            inner.bottom() - baseline - inner.height() * 0.06)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         elided(painter, tile.label, int(inner.width())))
