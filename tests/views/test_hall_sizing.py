"""Large type leaves a map few lines of its own (from 5 m a 65-inch 4K screen needs body text ~92 px,
a scale of 6.75): what the map and the headline figures do then, at every size and scale."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF, QSize

from cockpit.charts.kpi import KpiTiles
from cockpit.core.mapraster import cell_set
from cockpit.views.fonts import register_fonts
from cockpit.views.map import NantongMap, overlays
from cockpit.views.map.frame import fit_beside_legend
from cockpit.views.situation_view import SituationView
from kernel import geo

WIDTHS = (480, 800, 1280, 1920, 2900, 3840, 7680)
HEIGHTS = (270, 400, 720, 1100, 1440, 2160, 4320)
SCALES = (0.75, 1.0, 2.0, 4.0, 6.75, 13.5)


def city_rect(width: int, height: int, s: float, drilled: str | None = None) -> QRectF:
    bounds = cell_set("town", drilled).bounds
    projection = fit_beside_legend(bounds, width, height, s)
    x0, y0 = projection.to_pixels(bounds[0], bounds[3])
    x1, y1 = projection.to_pixels(bounds[2], bounds[1])
    return QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))


@pytest.mark.parametrize("s", SCALES)
def test_the_legend_never_hides_the_city_and_stays_on_the_map(s: float) -> None:
    for width, height in itertools.product(WIDTHS, HEIGHTS):
        size = QSize(width, height)
        band, city = overlays.legend_band(size, s), city_rect(width, height, s)
        assert not band.intersects(city), (width, height, s, band, city)
        assert QRectF(QRect(-4, -4, width + 8, height + 8)).contains(city), (width, height, s)
        if overlays.legend_in_column(size, s):  # the column fits the map's height, whatever the type
            assert band.top() >= -4 and band.bottom() <= height + 4, (width, height, s, band)


def test_large_type_puts_the_legend_in_a_column_and_a_window_keeps_its_band() -> None:
    assert not overlays.legend_in_column(QSize(1280, 720), 0.75)  # the desk's map: as it always was
    assert not overlays.legend_in_column(QSize(2600, 1500), 2.0)  # a 4K desk
    assert overlays.legend_in_column(QSize(2900, 1100), 6.75)  # a wall's map seen from 5 m
    # There the column is at the hall's scale while the map is tall enough, and the city is beside it.
    assert overlays.column_scale(QSize(2900, 2000), 6.75) == 6.75
    assert overlays.column_scale(QSize(2900, 1100), 6.75) < 6.75
    assert city_rect(2900, 1100, 6.75).left() >= overlays.column_right(QSize(2900, 1100), 6.75)


def test_county_names_close_up_to_body_size_on_large_type_and_no_further() -> None:
    assert overlays.name_scale(QSize(1280, 720), 0.75) == 0.75
    assert overlays.name_scale(QSize(3840, 2160), 2.0) == 2.0
    for width, height, s in itertools.product(WIDTHS, HEIGHTS, SCALES):
        n = overlays.name_scale(QSize(width, height), s)
        assert 14 * s <= 30 * n + 1e-9 and n <= s
    assert overlays.name_scale(QSize(2900, 1100), 6.75) * 30 == pytest.approx(14 * 6.75)


def test_a_wall_map_draws_its_names_at_body_size_right_of_the_column(qtbot) -> None:
    register_fonts()
    widget = NantongMap()
    widget.resize(2900, 1100)
    widget.set_scale(6.75)
    qtbot.addWidget(widget)
    counties = [c.adcode for c in geo.counties()]
    widget.set_choropleth({code: 100.0 + i for i, code in enumerate(counties)}, label="今日热线受理", unit="件",
                          level="county")
    image = widget.render_image()
    assert len(widget._names) == 2 * len(counties)  # a sprite for each name and for each value
    body = 14 * 6.75
    right = overlays.column_right(QSize(2900, 1100), 6.75)
    for at, sprite in widget._names:
        assert body <= sprite.height() <= body * 1.7  # a body line (its font's line height and halo)
        assert at.x() + sprite.width() / 2 > right
    # The legend column is drawn: its title's ink stands in the column, left of the city.
    column = image.copy(overlays.legend_band(QSize(2900, 1100), 6.75).toAlignedRect())
    pixels = np.frombuffer(column.constBits(), np.uint8, column.sizeInBytes())[1::4]
    assert int((pixels > 200).sum()) > 1000


def kpi_block(count: int) -> dict:
    return {"type": "kpis", "items": [{"label": f"指标{i}", "value": 1000 + i, "unit": "件"} for i in range(count)]}


@pytest.mark.parametrize(("height", "shown"), [(200, 1), (64 * 6.75, 1), (2 * 64 * 6.75 + 41, 2), (1400, 3),
                                               (3000, 6)])
def test_a_headline_column_shows_the_figures_it_holds_at_a_size_the_hall_reads(qtbot, height, shown) -> None:
    tiles = KpiTiles()
    qtbot.addWidget(tiles)
    tiles.columns, tiles.min_tile_height = 1, 64
    tiles.set_scale(6.75)
    tiles.set_block(kpi_block(6))
    cells, value_px, *_ = tiles._layout(QRect(0, 0, 700, round(height)), tiles._texts(tiles.model))
    assert len(cells) == shown
    if height >= 64 * 6.75:
        assert all(cell.height() >= 64 * 6.75 - 1 for cell in cells)
    tiles.resize(700, round(height))
    tiles.grab()  # paints the tiles it shows, no more


def test_without_a_floor_every_figure_is_laid_out(qtbot) -> None:
    tiles = KpiTiles()
    qtbot.addWidget(tiles)
    tiles.set_block(kpi_block(6))
    cells, *_ = tiles._layout(QRect(0, 0, 700, 120), tiles._texts(tiles.model))
    assert len(cells) == 6


def test_a_display_only_map_screen_drops_the_chooser_and_zones_say_only_the_figure(qtbot) -> None:
    view = SituationView(NantongMap())
    qtbot.addWidget(view)
    view.without_chooser()
    view.show()
    assert not view.chooser.isVisible() and not view.chooser_label.isVisible() and not view.title.isVisible()
    assert view.where.isVisible()
    view._show_zones([{"code": "Z1", "name": "南通经济技术开发区", "figures": {"hotline_today": 26}}])
    assert view.zone_tiles["Z1"].value.text() == "26"


def test_a_floor_set_after_a_layout_is_laid_out_again(qtbot) -> None:
    tiles = KpiTiles()
    qtbot.addWidget(tiles)
    tiles.columns = 1
    tiles.set_block(kpi_block(6))
    rect = QRect(0, 0, 300, 300)
    assert len(tiles._layout(rect, tiles._texts(tiles.model))[0]) == 6
    tiles.min_tile_height = 100  # the same size and scale: the kept layout must not answer
    assert len(tiles._layout(rect, tiles._texts(tiles.model))[0]) == 2  # (300 + 6) // (100 + 6)
