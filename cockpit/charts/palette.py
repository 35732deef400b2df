"""Colours and type sizes shared by the charts and the window (a dark wall theme).

Sizes are pixels at 1920x1080; `scaled(px, scale)` grows them for larger
walls, so a 4K wall gets numerals twice as tall.
"""

from __future__ import annotations

import functools

from PySide6.QtGui import QColor, QFont

FONT_FAMILY = "Noto Sans SC"

BACKGROUND = "#050b18"
SURFACE = "#0a1730"
SURFACE_HIGH = "#10224a"
BORDER = "#1d3d6e"
GRID_LINE = "#1a2f52"
TEXT = "#e8f1ff"
TEXT_DIM = "#8ea6c9"
ACCENT = "#39d0ff"
GOOD = "#35d49a"
BAD = "#ff5a5a"

# Series colours: distinct on a dark ground, the first is the accent.
SERIES = ("#39d0ff", "#ffc53d", "#35d49a", "#ff7a8a", "#b68cff", "#4f8cff", "#ff9f45", "#7ee8fa")

def series_colour(index: int) -> QColor:
    return QColor(SERIES[index % len(SERIES)])


def scaled(px: float, scale: float) -> int:
    return max(1, round(px * scale))


def font(px: float, scale: float = 1.0, *, bold: bool = False) -> QFont:
    """The wall's font, `px` pixels at 1920x1080 grown by `scale`: the one font factory (a copy the
    caller may change)."""
    return QFont(shared_font(scaled(px, scale), bold))


@functools.lru_cache(maxsize=512)
def shared_font(pixels: int, bold: bool = False) -> QFont:
    """The wall's font at a pixel size, kept: building a QFont and its metrics costs more than
    drawing with it. Shared, so never change it (use `font` for one to change)."""
    result = QFont(FONT_FAMILY)
    result.setPixelSize(max(1, pixels))
    result.setBold(bold)
    return result
