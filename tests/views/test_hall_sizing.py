"""Large type leaves a map few lines of its own (from 5 m a 65-inch 4K screen needs body text ~92 px,
a scale of 6.75): what the map and the headline figures do then, at every size and scale."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF, QSize, QSizeF

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
    # At the hall's body size the names and their values would run into each other on this map:
    # the names stay, the values are left to the legend and the panels.
    assert len(widget._names) == len(counties)
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


@pytest.mark.parametrize("mode", ["domain", "full"])
@pytest.mark.parametrize("height", [300, 500, 800, 1200, 2000])
def test_a_wall_panel_shows_the_charts_that_fit_at_a_legible_height_in_their_order(qtbot, mode, height) -> None:
    from cockpit.charts import CHART_KINDS
    from cockpit.core.catalogue import load_catalogue
    from cockpit.views.panel_view import PanelView
    from cockpit.views.wall.surface import LEGIBLE_CHART_HEIGHT, _sized_for_the_hall

    spec = next(p for p in load_catalogue(chart_kinds=CHART_KINDS).panels if len(p.charts) >= 4)
    view = PanelView(spec, mode, map_widget=NantongMap() if mode == "full" else None)
    qtbot.addWidget(view)
    view.chart_area.show()  # as with a payload
    view.resize(1600, height)
    view.show()
    _sized_for_the_hall(view, 2.0)
    legible, spacing = LEGIBLE_CHART_HEIGHT * 2, view._grid.spacing()
    needs = [chart.minimumHeight() if chart.kind == "kpi" else legible for _block, chart in view.charts]
    qtbot.wait(50)  # the layout after the rows' new stretches
    room = view.chart_area.height()
    shown = [not chart.isHidden() for _block, chart in view.charts]
    count = shown.count(True)
    assert shown == [True] * count + [False] * (len(shown) - count)  # the first ones, in their order
    assert count == 1 or sum(needs[:count]) + (count - 1) * spacing <= room  # those shown fit
    assert count == len(needs) or sum(needs[:count + 1]) + count * spacing > room  # and one more would not
    if count > 1:
        for (_block, chart), need in zip(view.charts[:count], needs, strict=False):
            assert chart.height() >= need - 2  # each at its legible height at least
    view.set_legible_chart_height(0)  # a desk: every chart
    assert all(not chart.isHidden() for _block, chart in view.charts)


@pytest.mark.parametrize(("width", "height", "s"), [(1280, 720, 1.0), (1920, 1080, 1.0), (1400, 1000, 2.6),
                                                    (2900, 1100, 6.75), (3840, 2160, 2.6), (900, 700, 2.0),
                                                    (3840, 1900, 1.35)])
def test_county_labels_with_values_never_run_into_each_other(qtbot, width, height, s) -> None:
    register_fonts()
    widget = NantongMap()
    widget.resize(width, height)
    widget.set_scale(s)
    qtbot.addWidget(widget)
    counties = [c.adcode for c in geo.counties()]
    widget.set_choropleth({code: 1000.0 + 237 * i for i, code in enumerate(counties)}, label="地区生产总值",
                          unit="亿元", level="county")
    widget.render_image()
    sprites = widget._names
    assert len(sprites) in (len(counties), 2 * len(counties))
    assert all(sprite.height() >= 14 * s for _, sprite in sprites)  # never below body size
    if len(sprites) == len(counties):
        return  # the names alone: at body size they may touch, they are never dropped
    boxes = []
    for (name_at, name), (value_at, value) in zip(sprites[::2], sprites[1::2], strict=True):
        inset = 0.1 * name.height()  # the halo's padding
        box = QRectF(name_at, QSizeF(name.size())) | QRectF(value_at, QSizeF(value.size()))
        boxes.append(box.adjusted(inset, inset, -inset, -inset))
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
