"""The bundled Noto Sans SC (OFL), so Chinese renders on a machine with no CJK font."""

from __future__ import annotations

import os

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from cockpit.charts.palette import FONT_FAMILY
from kernel.paths import resource

FONT_FILES = ("NotoSansSC-Regular.subset.ttf", "NotoSansSC-Bold.subset.ttf")
# Qt rasterises glyphs up to this many pixels once and blits them after; larger ones it fills as
# outlines on every paint (its default is 64). A wall's figures are 100-400 px: a 200 px line costs
# 3.9 ms as outlines, 0.013 ms from the cache. Qt reads the variable once, at the first text drawn.
CACHED_GLYPH_PX = "512"


class FontError(RuntimeError):
    pass


def register_fonts() -> str:
    """Register the bundled fonts (once) without touching the application's font; return the family."""
    os.environ.setdefault("QT_MAX_CACHED_GLYPH_SIZE", CACHED_GLYPH_PX)
    if FONT_FAMILY in QFontDatabase.families():
        return FONT_FAMILY
    for name in FONT_FILES:
        path = resource("fonts", name)
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            raise FontError(f"the bundled font {path.name} could not be loaded (is the file damaged?)")
    if FONT_FAMILY not in QFontDatabase.families():
        raise FontError(f"the bundled fonts did not provide the family {FONT_FAMILY!r}")
    return FONT_FAMILY


def install_fonts(app: QApplication) -> str:
    """Register the bundled fonts and make them the application font; return the family."""
    register_fonts()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(14)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    return FONT_FAMILY
