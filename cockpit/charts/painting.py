"""Painting helpers for charts and views alike: a painter that is always ended, and large text drawn
from kept glyph images."""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QTransform


@contextmanager
def painting(device) -> Iterator[QPainter]:
    """An error while drawing must not leave the device with an active painter (Qt aborts on that)."""
    painter = QPainter(device)
    try:
        yield painter
    finally:
        painter.end()


LARGE_TEXT_PX = 64  # Qt keeps glyph images up to this size; larger text is filled from outlines every time
GLYPH_BUDGET_BYTES = 32 << 20  # a wall's headline figures at a few sizes and colours take a few MB
# Text of these characters draws glyph by glyph as Qt draws it: no combining marks, no shaping.
_STAMPABLE = re.compile("[\u0020-\u02ff\u2000-\u206f\u2100-\u214f\u3000-\u9fff\uff00-\uffef]*")


HALO_OFFSETS = ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1))


def draw_text(painter: QPainter, x: float, y: float, text: str, font: QFont, colour: QColor,
              halo: tuple[QColor, float] | None = None) -> None:
    """`text` in `font` and `colour` with its baseline starting at (x, y), as QPainter.drawText draws it;
    with `halo` (a colour and a width), over the text drawn in that colour at eight offsets that far,
    which keeps it readable over any ground.

    Above LARGE_TEXT_PX each glyph (and its halo) is drawn once into a kept image and then stamped: a
    wall's figures change with every poll, and filling a 200 px numeral's outlines costs about a
    millisecond. Only where the painter merely translates: a stamp is never scaled."""
    dpr = painter.device().devicePixelRatioF()
    if (font.pixelSize() * dpr <= LARGE_TEXT_PX or painter.transform().type().value > QTransform.TxTranslate.value
            or not _STAMPABLE.fullmatch(text)):
        painter.setFont(font)
        if halo is not None:  # small glyphs come from Qt's cache: drawing them eight times is cheap
            painter.setPen(halo[0])
            for dx, dy in HALO_OFFSETS:
                painter.drawText(QPointF(x + dx * halo[1], y + dy * halo[1]), text)
        painter.setPen(colour)
        painter.drawText(QPointF(x, y), text)
        return
    for layer in ((halo, None) if halo is not None else (None,)):  # every halo under every glyph
        left = x
        for char in text:
            image, offset, advance = _GLYPHS.get(char, font, colour, dpr, layer)
            if image is not None:
                painter.drawImage(QPoint(round(left) + offset.x(), round(y) + offset.y()), image)
            left += advance


class _GlyphImages:
    """Glyph images by character, font and colour, the least recently used dropped past the budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.bytes = 0
        self._kept: OrderedDict[tuple, tuple[QImage | None, QPoint, float]] = OrderedDict()

    def get(self, char: str, font: QFont, colour: QColor, dpr: float,
            halo: tuple[QColor, float] | None = None) -> tuple[QImage | None, QPoint, float]:
        """The glyph in `colour`, or with `halo` the glyph's halo alone."""
        key = (char, font.key(), colour.rgba(), dpr) if halo is None else \
            (char, font.key(), halo[0].rgba(), dpr, round(halo[1], 2))
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        kept = self._kept[key] = _glyph(char, font, colour, dpr) if halo is None else \
            _glyph(char, font, halo[0], dpr, halo=halo[1])
        self.bytes += kept[0].sizeInBytes() if kept[0] is not None else 0
        while self.bytes > self.budget and len(self._kept) > 1:
            dropped = self._kept.popitem(last=False)[1][0]
            self.bytes -= dropped.sizeInBytes() if dropped is not None else 0
        return kept


def _glyph(char: str, font: QFont, colour: QColor, dpr: float,
           halo: float = 0.0) -> tuple[QImage | None, QPoint, float]:
    """The glyph's image (at the device's pixel ratio), where its top left goes from the pen's position,
    and the pen's advance; with `halo`, the glyph drawn at the eight offsets that far instead (once:
    the stamps reuse it)."""
    metrics = QFontMetricsF(font)
    advance = metrics.horizontalAdvance(char)
    ink = metrics.boundingRect(char)
    if ink.isEmpty():  # a space
        return None, QPoint(), advance
    reach = math.ceil(halo)
    offset = QPoint(math.floor(ink.left()) - 2 - reach, math.floor(ink.top()) - 2 - reach)
    image = QImage(math.ceil((math.ceil(ink.right()) - offset.x() + 2 + reach) * dpr),
                   math.ceil((math.ceil(ink.bottom()) - offset.y() + 2 + reach) * dpr),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setFont(font)
        painter.setPen(colour)
        for dx, dy in HALO_OFFSETS if halo else ((0, 0),):
            painter.drawText(QPointF(dx * halo - offset.x(), dy * halo - offset.y()), char)
    return image, offset, advance


_GLYPHS = _GlyphImages(GLYPH_BUDGET_BYTES)


def glyph_image_bytes() -> int:
    """What the kept glyph images take (at most GLYPH_BUDGET_BYTES)."""
    return _GLYPHS.bytes
