"""The map's legend, credits and names as kept pictures: the same pixels as drawn in place, and
kept only while what they show is on screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter

from cockpit.charts.painting import painting
from cockpit.core.mapcolour import Scale
from cockpit.views.fonts import register_fonts
from cockpit.views.map import NantongMap, overlays
from kernel import geo, levels

NOTES = (geo.ATTRIBUTION, "数据：模拟")


def cells_under(size: QSize) -> QImage:
    """A picture like a recoloured map: colours everywhere, so a sprite's ground must cover them."""
    image = QImage(size, QImage.Format.Format_RGB32)
    gradient = QLinearGradient(0, 0, size.width(), size.height())
    gradient.setColorAt(0, QColor("#1668a8"))
    gradient.setColorAt(1, QColor("#f0543c"))
    with painting(image) as painter:
        painter.fillRect(image.rect(), gradient)
    return image


@pytest.mark.parametrize(("width", "height", "s"), [(1920, 1080, 1.0), (3840, 2160, 2.0), (3840, 2160, 4.0),
                                                 (2900, 1100, 6.75)])
@pytest.mark.parametrize("warning_areas", [False, True])
def test_the_kept_legend_and_credits_are_the_pictures_drawn_in_place(qapp, width, height, s, warning_areas) -> None:
    register_fonts()
    size = QSize(width, height)
    content = dict(label="在办事件", unit="件", level="county", scale=Scale.of(np.array([12.0, 480.0])),
                   has_gaps=True, warning_areas=warning_areas)
    in_place, from_sprites = cells_under(size), cells_under(size)
    with painting(in_place) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        overlays.paint_credits(painter, size, s, NOTES)
        overlays.paint_legend(painter, size, s, **content)
    sprites = overlays.OverlaySprites()
    with painting(from_sprites) as painter:
        painter.drawImage(*sprites.credits(size, s, NOTES))
        painter.drawImage(*sprites.legend(size, s, **content))
    assert from_sprites == in_place


def test_a_legend_is_drawn_again_only_when_what_it_says_changes(qapp) -> None:
    register_fonts()
    sprites, size = overlays.OverlaySprites(), QSize(1920, 1080)
    content = dict(label="在办事件", unit="件", level="county", has_gaps=False)
    first = sprites.legend(size, 1.0, scale=Scale.of(np.array([12.0, 480.0])), **content)[1]
    # Other values with the same ends: the legend reads the same, so it is the same picture.
    assert sprites.legend(size, 1.0, scale=Scale.of(np.array([12.0, 100.0, 480.0])), **content)[1] is first
    other = sprites.legend(size, 1.0, scale=Scale.of(np.array([12.0, 520.0])), **content)[1]
    assert other is not first and other != first
    for high in range(600, 640):  # however many looks pass, a few are kept
        sprites.legend(size, 1.0, scale=Scale.of(np.array([12.0, float(high)])), **content)
    assert len(sprites._legends) <= overlays.OverlaySprites.KEEP


def test_name_sprites_keep_the_last_view_only(qtbot) -> None:
    widget = NantongMap()
    widget.resize(1280, 720)
    qtbot.addWidget(widget)
    counties = [c.adcode for c in geo.counties()]
    widget.set_choropleth({code: 100.0 + i for i, code in enumerate(counties)}, label="A", unit="件",
                          level="county")
    widget.render_image()
    first = {image.cacheKey() for _, image in widget._names}
    # One value changes: that line alone is drawn again.
    widget.set_choropleth({code: 100.0 + i + (50 if i == 0 else 0) for i, code in enumerate(counties)},
                          label="A", unit="件", level="county")
    widget.render_image()
    second = {image.cacheKey() for _, image in widget._names}
    assert len(second - first) == 1
    # A thousand polls of new values later, no more than one view's sprites are held.
    for poll in range(1000, 1040):
        widget.set_choropleth({code: float(poll + i) for i, code in enumerate(counties)}, label="A", unit="件",
                              level="county")
        widget.render_image()
    assert len(widget._name_sprites._last) == 2 * len(counties)  # each county's name and its value
    # and the names themselves were never drawn again
    assert len({image.cacheKey() for _, image in widget._names} & first) == len(counties)


def argb_of(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint32, image.sizeInBytes() // 4).reshape(
        image.height(), -1)[:, :image.width()] & 0xFFFFFF


@pytest.mark.parametrize(("size", "scale"), [((1280, 720), 1.0), ((2900, 1100), 6.75), ((640, 360), 1.0)])
def test_a_map_of_points_that_no_figure_colours_says_only_what_its_points_mean(qtbot, size, scale) -> None:
    """Most panels' maps show points and colour nothing: no ramp from 0 to 1, no "no data" over the
    whole city, no "—" under each county's name."""
    from cockpit.core.mapcolour import NO_DATA, NO_DATA_HATCH, PLAIN, RAMP

    widget = NantongMap()
    widget.resize(*size)
    widget.set_scale(scale)
    qtbot.addWidget(widget)
    towns = list(geo.towns())[:40]
    widget.set_points("sites", [{"id": t.adcode, "lon": t.lon, "lat": t.lat, "level": "red"} for t in towns])
    pixels = argb_of(widget.render_image())
    colours = set(np.unique(pixels).tolist())
    assert int(PLAIN[1:], 16) in colours  # the land
    assert not {int(c[1:], 16) for c in (NO_DATA, NO_DATA_HATCH, RAMP[0], RAMP[-1])} & colours
    assert len(widget._names) == len(geo.counties())  # the names alone
    band = overlays.legend_band(QSize(*size), scale).toAlignedRect()
    legend = pixels[band.top():band.bottom(), band.left():band.right()]
    assert int(levels.of("blue").colour[1:], 16) in set(np.unique(legend).tolist())  # its dot, no point is blue
    # Coloured later by a figure, the same map has its ramp again.
    widget.set_choropleth({c.adcode: float(i) for i, c in enumerate(geo.counties())}, label="企业", unit="家")
    colours = set(np.unique(argb_of(widget.render_image())).tolist())
    assert int(PLAIN[1:], 16) not in colours and int(RAMP[-1][1:], 16) in colours
    assert len(widget._names) == (2 if scale == 1.0 else 1) * len(geo.counties())  # values where they fit


def test_the_tooltip_of_a_map_no_figure_colours_names_the_place_only(qtbot) -> None:
    widget = NantongMap()
    widget.resize(1280, 720)
    qtbot.addWidget(widget)
    widget.render_image()
    point = widget.to_widget(*overlays.county_label_point("320612"))
    assert widget.describe_at(point.x(), point.y()) == "通州区"


@pytest.mark.parametrize(("unit", "low", "high"), [("亿元", 1371.0, 2486.0), ("件", 9.0, 40.0), ("%", 0.9, 0.99),
                                                   ("万人", 12.5, 1234.5)])
@pytest.mark.parametrize("width", [60.0, 120.0, 600.0])
def test_the_ramps_ends_stand_apart_on_their_line(qtbot, unit, low, high, width) -> None:
    """Where both ends with their unit would run into each other, they drop the unit the title names."""
    from PySide6.QtGui import QFontMetricsF

    from cockpit.charts import palette
    from cockpit.core.formats import format_value

    register_fonts()
    metrics = QFontMetricsF(palette.font(13 * 2))
    left, right = overlays.ramp_ends(Scale(low, high), unit, metrics, width)
    full = (format_value(low, unit), format_value(high, unit))
    if metrics.horizontalAdvance(f"{full[0]}  {full[1]}") <= width or unit == "%":
        assert (left, right) == full
    else:
        assert (left + unit, right + unit) == full
