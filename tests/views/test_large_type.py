"""Wall type is large (body text ~90 px from 5 m, figures several times that): it must draw at every
size. Qt's glyph cache cannot hold glyphs of this font above 64 px (with QT_MAX_CACHED_GLYPH_SIZE
raised they silently draw nothing), so they are filled as outlines; this guards that. Above 64 px
`draw_text` stamps kept glyph images instead, and must draw what drawText draws."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from cockpit.charts import painting as text_painting
from cockpit.charts import palette
from cockpit.charts.painting import draw_text, painting
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


def drawn(px: int, text: str, stamped: bool, *, scale: float = 1.0, dpr: float = 1.0) -> np.ndarray:
    register_fonts()
    image = QImage(round(px * 8 * dpr), round(px * 2 * dpr), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(dpr)
    image.fill(QColor("black"))
    font, colour = palette.font(px, bold=True), QColor("#38c8ff")
    with painting(image) as painter:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(scale, scale)
        if stamped:
            draw_text(painter, px * 0.1, px * 1.3, text, font, colour)
        else:
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(QPointF(px * 0.1, px * 1.3), text)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), -1, 4).copy()


@pytest.mark.parametrize("px", [65, 96, 150, 240])
@pytest.mark.parametrize("text", ["775", "96.94%", "-12,345.6", "3474件", "崇川区 132件"])
def test_large_text_stamped_from_glyph_images_draws_what_draw_text_draws(qapp, px: int, text: str) -> None:
    want, got = drawn(px, text, stamped=False), drawn(px, text, stamped=True)
    lit_want, lit_got = int((want[..., 0] > 128).sum()), int((got[..., 0] > 128).sum())
    assert lit_want > px * px // 10
    assert abs(lit_got - lit_want) <= 0.04 * lit_want, (lit_want, lit_got)
    # The same glyphs in the same places: at most a pixel's shift at their edges.
    assert within_a_pixel(got, want) < 0.001


@pytest.mark.parametrize(("px", "scale", "dpr"), [(40, 1.0, 1.0), (64, 1.0, 1.0), (150, 2.0, 1.0),
                                                  (150, 0.5, 1.0), (200, 1.0, 2.0)])
def test_text_that_would_be_scaled_or_is_small_is_drawn_by_qt_or_at_the_device_pixels(qapp, px, scale, dpr) -> None:
    """Below 64 device pixels, or under a scaling painter, draw_text is drawText itself; on a 2x device
    the stamps are drawn at its pixels (no bitmap scaling of text)."""
    want, got = drawn(px, "12,345.6件", stamped=False, scale=scale, dpr=dpr), \
        drawn(px, "12,345.6件", stamped=True, scale=scale, dpr=dpr)
    if px * dpr <= text_painting.LARGE_TEXT_PX or scale != 1.0:
        assert np.array_equal(got, want)
    else:
        assert within_a_pixel(got, want) < 0.001


def within_a_pixel(got: np.ndarray, want: np.ndarray) -> float:
    """The share of pixels of `got` unlike every pixel of `want` within one pixel of them (a stamp stands on
    a whole pixel: its edges may be half a pixel from Qt's, ~128 levels apart)."""
    got, want = got.astype(int), np.pad(want.astype(int), ((1, 1), (1, 1), (0, 0)), mode="edge")
    height, width = got.shape[:2]
    nearest = np.min([np.abs(got - want[dy:dy + height, dx:dx + width]).max(axis=2)
                      for dy in range(3) for dx in range(3)], axis=0)
    return float((nearest > 160).mean())


def test_the_glyph_images_stay_within_their_budget(qapp, monkeypatch) -> None:
    glyphs = text_painting._GlyphImages(budget=2 << 20)
    monkeypatch.setattr(text_painting, "_GLYPHS", glyphs)
    register_fonts()
    image = QImage(2000, 500, QImage.Format.Format_RGB32)
    with painting(image) as painter:
        for px in range(70, 400, 10):
            draw_text(painter, 10, 400, "0123456789", palette.font(px, bold=True), QColor("white"))
            assert glyphs.bytes <= glyphs.budget
    assert glyphs.bytes > 0 and len(glyphs._kept) < 33 * 10


@pytest.mark.parametrize("px", [65, 120, 240])
def test_a_halo_stamped_from_glyph_images_is_the_halo_qt_draws(qapp, monkeypatch, px: int) -> None:
    register_fonts()

    def haloed(large_px: int) -> np.ndarray:
        monkeypatch.setattr(text_painting, "LARGE_TEXT_PX", large_px)
        image = QImage(px * 8, px * 2, QImage.Format.Format_RGB32)
        image.fill(QColor("#f0543c"))  # a hot cell
        with painting(image) as painter:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            draw_text(painter, px * 0.2, px * 1.3, "崇川区 2,486亿元", palette.font(px, bold=True),
                      QColor("#ffe08a"), halo=(QColor("#050b18"), px / 12))
        return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), -1, 4).copy()

    stamped, drawn_by_qt = haloed(64), haloed(10_000)
    dark = (drawn_by_qt[..., :3].max(axis=2) < 40).sum()
    assert dark > px * px // 4  # the halo is there
    assert abs(int((stamped[..., :3].max(axis=2) < 40).sum()) - int(dark)) <= 0.05 * dark
    assert within_a_pixel(stamped, drawn_by_qt) < 0.002
