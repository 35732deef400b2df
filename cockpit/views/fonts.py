"""The bundled Noto Sans SC (OFL), so Chinese renders on a machine with no CJK font."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from cockpit.charts.palette import FONT_FAMILY
from kernel.paths import resource

FONT_FILES = ("NotoSansSC-Regular.subset.ttf", "NotoSansSC-Bold.subset.ttf")


class FontError(RuntimeError):
    pass


def register_fonts() -> str:
    """Register the bundled fonts (once) without touching the application's font; return the family."""
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
