"""KPI tiles: big numerals with their unit and label, readable across a hall."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, elided, fitted, items_of, number, shown, split_value
from cockpit.charts.painting import draw_text, painting


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
    _painted: tuple | None = None  # the last paint's (size, scale, columns, labels, numeral size, texts)
    _kept: tuple | None = None  # the last layout worked out, with what it was worked out for
    _measured: dict[tuple[str, int, bool], int] = {}  # the widths that layout measured (never changed in place)
    columns: int | None = None  # the tiles in a row; None: up to four, else two rows
    min_tile_height: float | None = None  # show only the rows of tiles this tall (at scale 1) that fit

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

    def _repaint_body(self) -> None:
        """Only the tiles whose figure changed repaint, when the picture keeps its layout (the same
        tiles, size, scale and numeral size); anything else repaints the whole chart."""
        painted, self._painted = self._painted, None
        tiles: tuple[Tile, ...] = self.model or ()
        if painted is not None and tiles and self.body.isVisible():
            size, scale, columns, labels, value_px, texts = painted
            rect = self.body.rect()
            if (size == rect.size() and scale == self.scale and columns == self.columns
                    and labels == tuple(t.label for t in tiles)):
                layout = self._layout(rect, self._texts(tiles))
                cells, new_px, _pad, _widths, new_texts = layout
                if new_px == value_px and len(texts) == len(new_texts):
                    half = palette.scaled(6, self.scale) // 2  # half the gap between tiles: theirs is the other
                    for cell, old, new in zip(cells, texts, new_texts, strict=True):
                        if old != new:
                            self.body.update(cell.toAlignedRect().adjusted(-half, -half, half, half))
                    self._painted = painted  # what is on screen outside the dirty tiles
                    return
        self.body.update()

    @staticmethod
    def _texts(tiles: tuple[Tile, ...]) -> tuple[tuple[str, str], ...]:
        return tuple(split_value(shown(tile.value, tile.unit)) for tile in tiles)

    def _layout(self, rect: QRect, texts: tuple[tuple[str, str], ...]) -> tuple:
        """The tiles' cells, the numeral size they share, the padding, each figure's widths and the
        texts: kept, so the repaint that follows a new block measures nothing again."""
        key = (rect.width(), rect.height(), self.scale, self.columns, self.min_tile_height, texts)
        if self._kept is not None and self._kept[0] == key:
            return self._kept[1]
        gap = palette.scaled(6, self.scale)
        count = len(texts)
        columns = self.columns or (count if count <= 4 else math.ceil(count / 2))
        if self.min_tile_height:  # the first figures, legible, rather than all of them unread
            rows_fit = max(1, math.floor((rect.height() + gap) / (self.min_tile_height * self.scale + gap)))
            if rows_fit == 1 and not self.columns:
                columns = min(count, 4)
            texts = texts[:rows_fit * columns]
            count = len(texts)
        rows = math.ceil(count / columns)
        width = (rect.width() - gap * (columns - 1)) / columns
        height = (rect.height() - gap * (rows - 1)) / rows
        pad = palette.scaled(6, self.scale)
        cells = [QRectF(column * (width + gap), row * (height + gap), width, height)
                 for row, column in (divmod(index, columns) for index in range(count))]
        # One numeral size for the whole row (the widest figure sets it), so figures compare at a glance.
        value_px = min(36.0, (height - 1.2 * pad) * 0.5 / self.scale)
        room = width - 2 * pad
        # Texts measured for the picture on screen are not measured again (most figures of a new block
        # are the old ones); only this layout's measures are kept for the next.
        previous, self._measured = self._measured, {}
        widths = [self._widths(numeral, suffix, value_px, pad, previous) for numeral, suffix in texts]
        needs = [need for _, need in widths if need > room]
        if needs:
            value_px = min(value_px * room / need for need in needs)
            widths = [self._widths(numeral, suffix, value_px, pad, previous) for numeral, suffix in texts]
        layout = (cells, value_px, pad, widths, texts)
        self._kept = (key, layout)
        return layout

    def paint(self, painter: QPainter, rect: QRect) -> None:
        tiles: tuple[Tile, ...] = self.model or ()
        if not tiles:
            return
        cells, value_px, pad, widths, texts = self._layout(rect, self._texts(tiles))
        # The tiles and their labels change only with the layout: drawn once into a kept picture,
        # so new figures cost two text runs a tile.
        painter.drawPixmap(rect.topLeft(), self._ground(rect.size(), cells, tiles[:len(cells)], value_px, pad))
        painter.translate(rect.topLeft())
        exposed = self.body.exposed
        for cell, (numeral, suffix), width in zip(cells, texts, widths, strict=True):
            if exposed is None or exposed.intersects(cell.toAlignedRect()):
                self._paint_figure(painter, cell, numeral, suffix, value_px, pad, width)
        self._painted = (rect.size(), self.scale, self.columns, tuple(t.label for t in tiles), value_px, texts)

    def _fonts(self, value_px: float) -> tuple[QFont, QFont]:
        return (palette.shared_font(palette.scaled(value_px, self.scale), True),
                palette.shared_font(palette.scaled(value_px * 0.45, self.scale)))

    def _widths(self, numeral: str, suffix: str, value_px: float, pad: int,
                previous: dict[tuple[str, int, bool], int]) -> tuple[float, float]:
        """The numeral's width and the whole figure's (numeral, gap, suffix)."""
        numeral_font, suffix_font = self._fonts(value_px)
        numeral_width = self._measure(numeral, numeral_font, previous)
        if not suffix:
            return numeral_width, numeral_width
        return numeral_width, numeral_width + self._measure(suffix, suffix_font, previous) + pad // 3

    def _measure(self, text: str, font: QFont, previous: dict[tuple[str, int, bool], int]) -> int:
        key = (text, font.pixelSize(), font.bold())
        width = previous.get(key)
        if width is None:
            width = _metrics(font).horizontalAdvance(text)
        self._measured[key] = width
        return width

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
                      pad: int, widths: tuple[float, float]) -> None:
        inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        numeral_font, suffix_font = self._fonts(value_px)
        gap = pad // 3 if suffix else 0
        numeral_width, total = widths
        left = inner.left() + max(0.0, (inner.width() - total) / 2)
        baseline = inner.top() + inner.height() * 0.6
        draw_text(painter, int(left), int(baseline), numeral, numeral_font, ACCENT)
        if suffix:
            draw_text(painter, int(left + numeral_width + gap), int(baseline), suffix, suffix_font, TEXT_DIM)


ACCENT, TEXT_DIM = QColor(palette.ACCENT), QColor(palette.TEXT_DIM)



@functools.lru_cache(maxsize=256)
def _metrics(font: QFont) -> QFontMetrics:
    return QFontMetrics(font)
