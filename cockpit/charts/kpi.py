"""KPI tiles: big numerals with their unit and label, readable across a hall."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, elided, fitted, items_of, number, shown, split_value
from cockpit.charts.painting import painting


@dataclass(frozen=True)
class Tile:
    label: str
    value: float | None
    unit: str


class KpiTiles(Chart):
    kind = "kpi"
    block_type = "kpis"
    _ground_key: tuple | None = None
    _ground_pixmap: QPixmap | None = None

    @classmethod
    def _parse(cls, block: dict) -> tuple[Tile, ...]:
        tiles = []
        for item in items_of(block):
            if "label" not in item:
                raise BlockError("指标缺少名称 label")
            tiles.append(Tile(str(item["label"]), number(item.get("value"), str(item["label"])),
                              str(item.get("unit") or "")))
        return tuple(tiles)

    def _show(self, model: tuple[Tile, ...]) -> None:
        super()._show(model[:self.max_items])  # a small tile shows the first few, large enough to read

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
        cells = [QRectF(column * (width + gap), row * (height + gap), width, height)
                 for row, column in (divmod(index, columns) for index in range(len(tiles)))]
        texts = [split_value(shown(tile.value, tile.unit)) for tile in tiles]
        # One numeral size for the whole row (the widest figure sets it), so figures compare at a glance.
        value_px = min(36.0, (height - 1.2 * pad) * 0.5 / self.scale)
        room = width - 2 * pad
        value_px = min([value_px] + [value_px * room / need for need in
                                     (self._width(numeral, suffix, value_px, pad) for numeral, suffix in texts)
                                     if need > room])
        # The tiles and their labels change only with the layout: drawn once into a kept picture,
        # so new figures cost two text runs a tile.
        painter.drawPixmap(rect.topLeft(), self._ground(rect.size(), cells, tiles, value_px, pad))
        painter.translate(rect.topLeft())
        for cell, (numeral, suffix) in zip(cells, texts, strict=True):
            self._paint_figure(painter, cell, numeral, suffix, value_px, pad)

    def _fonts(self, value_px: float) -> tuple[QFont, QFont]:
        return (palette.shared_font(palette.scaled(value_px, self.scale), True),
                palette.shared_font(palette.scaled(value_px * 0.45, self.scale)))

    def _width(self, numeral: str, suffix: str, value_px: float, pad: int) -> float:
        numeral_font, suffix_font = self._fonts(value_px)
        gap = pad // 3 if suffix else 0
        return _metrics(numeral_font).horizontalAdvance(numeral) + _metrics(suffix_font).horizontalAdvance(suffix) + gap

    def _ground(self, size: QSize, cells: list[QRectF], tiles: tuple[Tile, ...], value_px: float,
                pad: int) -> QPixmap:
        labels = tuple(tile.label for tile in tiles)
        key = (size.width(), size.height(), self.scale, labels, self._label_px(cells[0], value_px, pad))
        if self._ground_key != key:
            ground = QPixmap(size)
            ground.fill(QColor(palette.SURFACE))  # the panel's own ground: the canvas paints opaque
            with painting(ground) as painter:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
                for cell, label in zip(cells, labels, strict=True):
                    self._paint_tile(painter, cell, label, value_px, pad)
            self._ground_pixmap, self._ground_key = ground, key
        return self._ground_pixmap

    def _label_px(self, cell: QRectF, value_px: float, pad: int) -> float:
        inner_height = cell.height() - 1.2 * pad
        return max(10.0, min(15.0, inner_height * 0.2 / self.scale, value_px * 0.6))

    def _paint_tile(self, painter: QPainter, cell: QRectF, label: str, value_px: float, pad: int) -> None:
        painter.setPen(QPen(QColor(palette.BORDER), 1))
        painter.setBrush(QColor(palette.SURFACE_HIGH))
        radius = palette.scaled(4, self.scale)
        painter.drawRoundedRect(cell.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        baseline = inner.top() + inner.height() * 0.6
        painter.setFont(fitted(label, inner.width(), self._label_px(cell, value_px, pad), self.scale))
        if painter.font().pixelSize() < palette.scaled(10, self.scale):
            painter.setFont(palette.font(10, self.scale))
        painter.setPen(QColor(palette.TEXT))
        label_rect = QRectF(inner.left(), baseline + inner.height() * 0.06, inner.width(),
                            inner.bottom() - baseline - inner.height() * 0.06)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         elided(painter, label, int(inner.width())))

    def _paint_figure(self, painter: QPainter, cell: QRectF, numeral: str, suffix: str, value_px: float,
                      pad: int) -> None:
        inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        numeral_font, suffix_font = self._fonts(value_px)
        gap = pad // 3 if suffix else 0
        numeral_width = _metrics(numeral_font).horizontalAdvance(numeral)
        total = self._width(numeral, suffix, value_px, pad)
        left = inner.left() + max(0.0, (inner.width() - total) / 2)
        baseline = inner.top() + inner.height() * 0.6
        painter.setFont(numeral_font)
        painter.setPen(ACCENT)
        painter.drawText(int(left), int(baseline), numeral)
        if suffix:
            painter.setFont(suffix_font)
            painter.setPen(TEXT_DIM)
            painter.drawText(int(left + numeral_width + gap), int(baseline), suffix)


ACCENT, TEXT_DIM = QColor(palette.ACCENT), QColor(palette.TEXT_DIM)



@functools.lru_cache(maxsize=256)
def _metrics(font: QFont) -> QFontMetrics:
    return QFontMetrics(font)
