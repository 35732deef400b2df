"""The dark wall theme: palette, style sheet and the scale for the screen's size."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLayout, QWidget

from cockpit.charts import palette as p
from kernel import levels

BASE_SIZE = (1920, 1080)  # sizes in the style sheet are pixels at this size


def scale_for(width: int, height: int) -> float:
    """1.0 at 1920x1080, 2.0 at 3840x2160; steps of 0.25 so resizing does not restyle constantly."""
    raw = min(width / BASE_SIZE[0], height / BASE_SIZE[1])
    return max(0.5, round(raw * 4) / 4)


def qt_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, p.BACKGROUND), (QPalette.ColorRole.Base, p.SURFACE),
        (QPalette.ColorRole.AlternateBase, p.SURFACE_HIGH), (QPalette.ColorRole.WindowText, p.TEXT),
        (QPalette.ColorRole.Text, p.TEXT), (QPalette.ColorRole.Button, p.SURFACE_HIGH),
        (QPalette.ColorRole.ButtonText, p.TEXT), (QPalette.ColorRole.Highlight, p.ACCENT),
        (QPalette.ColorRole.HighlightedText, p.BACKGROUND), (QPalette.ColorRole.ToolTipBase, p.SURFACE_HIGH),
        (QPalette.ColorRole.ToolTipText, p.TEXT), (QPalette.ColorRole.PlaceholderText, p.TEXT_DIM),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def stylesheet(scale: float = 1.0) -> str:
    def px(size: float) -> str:
        return f"{p.scaled(size, scale)}px"

    return f"""
    QWidget {{ color: {p.TEXT}; font-family: "{p.FONT_FAMILY}"; font-size: {px(14)}; }}
    QMainWindow, #wall {{ background: {p.BACKGROUND}; }}
    #header {{ background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 #0d2550, stop:1 {p.BACKGROUND});
               border-bottom: {px(2)} solid {p.BORDER}; }}
    #wallTitle {{ font-size: {px(30)}; font-weight: bold; color: #ffffff; letter-spacing: {px(3)}; }}
    #clock {{ font-size: {px(24)}; font-weight: bold; color: {p.ACCENT}; }}
    #headerInfo {{ font-size: {px(14)}; color: {p.TEXT_DIM}; }}
    #connection[ok="true"] {{ font-size: {px(14)}; color: {p.GOOD}; }}
    #connection[ok="false"] {{ font-size: {px(14)}; color: {p.BAD}; font-weight: bold; }}
    #navTab {{ background: transparent; border: {px(1)} solid {p.BORDER}; border-radius: {px(4)};
               padding: {px(3)} {px(12)}; font-size: {px(15)}; color: {p.TEXT_DIM}; }}
    #navTab:checked {{ background: {p.SURFACE_HIGH}; color: #ffffff; border-color: {p.ACCENT}; }}
    #navTab:hover {{ border-color: {p.ACCENT}; }}
    #panel {{ background: {p.SURFACE}; border: {px(1)} solid {p.BORDER}; border-radius: {px(6)}; }}
    #panel[state="stale"] {{ border: {px(2)} solid {levels.of("orange").colour}; }}
    #panelTitle {{ font-size: {px(18)}; font-weight: bold; color: #ffffff; }}
    #domainTag {{ font-size: {px(12)}; font-weight: bold; border-radius: {px(3)}; padding: 0 {px(5)}; }}
    #asOf {{ font-size: {px(11)}; color: {p.TEXT_DIM}; }}
    #stateBadge {{ font-size: {px(11)}; font-weight: bold; border-radius: {px(3)}; padding: 0 {px(5)}; }}
    #banner {{ font-size: {px(13)}; font-weight: bold; color: #1a0a00; border-radius: {px(3)};
               padding: {px(3)} {px(6)}; }}
    #banner[level="stale"] {{ background: {levels.of("orange").colour}; }}
    #banner[level="error"] {{ background: {levels.of("red").colour}; color: #ffffff; }}
    #stateMessage {{ font-size: {px(16)}; color: {p.TEXT_DIM}; }}
    #chartCaption {{ font-size: {px(13)}; color: {p.TEXT_DIM}; }}
    #chartLegend {{ font-size: {px(12)}; color: {p.TEXT_DIM}; }}
    #chartMessage {{ font-size: {px(14)}; color: {p.TEXT_DIM}; }}
    #chartTable {{ background: transparent; alternate-background-color: {p.SURFACE_HIGH}; border: none;
                   gridline-color: {p.GRID_LINE}; }}
    QHeaderView::section {{ background: {p.BACKGROUND}; color: {p.TEXT_DIM}; border: none;
                            border-bottom: {px(1)} solid {p.BORDER}; padding: {px(2)} {px(4)}; }}
    #mapFrame {{ background: {p.SURFACE}; border: {px(1)} solid {p.BORDER}; border-radius: {px(6)}; }}
    #headlineValue {{ font-size: {px(30)}; font-weight: bold; color: {p.ACCENT}; }}
    #headlineLabel {{ font-size: {px(13)}; color: {p.TEXT_DIM}; }}
    #headlineTile {{ background: {p.SURFACE_HIGH}; border: {px(1)} solid {p.BORDER}; border-radius: {px(5)}; }}
    #figureChooser {{ background: {p.SURFACE_HIGH}; border: {px(1)} solid {p.BORDER}; border-radius: {px(4)};
                      padding: {px(2)} {px(8)}; font-size: {px(14)}; }}
    #zoneTile {{ background: {p.SURFACE_HIGH}; border: {px(1)} solid {p.BORDER}; border-radius: {px(4)}; }}
    #zoneName {{ font-size: {px(12)}; color: {p.TEXT_DIM}; }}
    #zoneValue {{ font-size: {px(18)}; font-weight: bold; color: {p.TEXT}; }}
    #warningCount {{ background: transparent; border: {px(1)} solid {p.BORDER}; border-radius: {px(4)};
                     padding: {px(3)} {px(12)}; font-size: {px(16)}; font-weight: bold; color: {p.TEXT_DIM}; }}
    #warningCount[waiting="true"] {{ background: {levels.of("red").colour}; color: #ffffff; border-color: #ffffff; }}
    #panel[mode="domain"] #panelTitle, #panel[mode="full"] #panelTitle {{ font-size: {px(24)}; }}
    #fatal {{ font-size: {px(22)}; font-weight: bold; color: #ffffff; background: {levels.of("red").colour};
              border-radius: {px(6)}; padding: {px(12)}; }}
    #sectionTitle {{ font-size: {px(16)}; font-weight: bold; color: #ffffff; }}
    #note {{ font-size: {px(11)}; color: {p.TEXT_DIM}; }}
    QToolTip {{ background: {p.SURFACE_HIGH}; color: {p.TEXT}; border: 1px solid {p.BORDER}; }}
    """


def scale_layouts(root: QWidget, scale: float) -> None:
    """Margins and gaps grow with the wall as the type does (each layout's 1080p values are kept)."""
    for layout in root.findChildren(QLayout):
        base = layout.property("base1080")
        if base is None:
            margins = layout.contentsMargins()
            base = [margins.left(), margins.top(), margins.right(), margins.bottom(), layout.spacing()]
            layout.setProperty("base1080", base)
        *edges, spacing = base
        layout.setContentsMargins(*(round(edge * scale) for edge in edges))
        if spacing >= 0:
            layout.setSpacing(round(spacing * scale))


def apply_theme(app: QApplication, scale: float = 1.0) -> None:
    app.setStyle("Fusion")
    app.setPalette(qt_palette())
    app.setStyleSheet(stylesheet(scale))


__all__ = ["apply_theme", "qt_palette", "scale_for",
           "scale_layouts", "stylesheet"]
