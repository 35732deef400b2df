"""Wall type is large (body text ~90 px from 5 m, figures several times that): it must draw at every
size. Qt's glyph cache cannot hold glyphs of this font above 64 px (with QT_MAX_CACHED_GLYPH_SIZE
raised they silently draw nothing), so they are filled as outlines; this guards that."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from cockpit.charts import palette
from cockpit.charts.painting import painting
from cockpit.views.fonts import register_fonts


@pytest.mark.parametrize("px", [14, 64, 65, 96, 150, 240, 400])
@pytest.mark.parametrize("bold", [False, True])
def test_text_draws_ink_at_every_wall_size(qapp, px: int, bold: bool) -> None:
    register_fonts()
    image = QImage(px * 8, px * 2, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    with painting(image) as painter:
        painter.setFont(palette.font(px, bold=bold))
        painter.setPen(QColor("white"))
        painter.drawText(QPointF(px * 0.1, px * 1.3), "南通 12,345.6")
    green = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())[1::4]
    lit = int((green > 128).sum())
    assert lit > px * px // 10, f"{px} px text lit {lit} pixels"
