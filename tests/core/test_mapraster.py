"""The Qt-free map core: projection, cell sets, display codes and colour tables, on tiny images."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cockpit.core.mapcolour import (
    BACKGROUND,
    COUNTY_OUTLINE,
    NO_DATA,
    NO_DATA_HATCH,
    TOWN_BORDER,
    Scale,
    code_blocks,
    colour_table,
    fill_outside,
    hex_argb,
    paint_codes,
    ramp_argb,
    region_values,
    scratch_for,
)
from cockpit.core.mapraster import GRID_EDGE, OUTLINE_EDGE, STRIPE, Projection, cell_set, display_codes
from kernel import geo


def test_projection_is_aspect_correct_and_round_trips() -> None:
    bounds = geo.bounds()
    projection = Projection.fit(bounds, 1600, 900, margin=0.05)
    x0, y0 = projection.to_pixels(bounds[0], bounds[1])
    x1, y1 = projection.to_pixels(bounds[2], bounds[3])
    lat0 = math.radians((bounds[1] + bounds[3]) / 2)
    # One degree of longitude is cos(lat) of one degree of latitude on screen.
    assert (x1 - x0) / (y0 - y1) == pytest.approx((bounds[2] - bounds[0]) * math.cos(lat0) / (bounds[3] - bounds[1]))
    assert 0 <= x0 < x1 <= 1600 and 0 <= y1 < y0 <= 900
    assert projection.to_lonlat(*projection.to_pixels(121.0, 32.0)) == pytest.approx((121.0, 32.0))


def test_cell_sets_roll_up_to_towns_and_counties() -> None:
    city = cell_set("grid")
    assert city.size == geo.COMPREHENSIVE_GRIDS and len(city.town_codes) == 103 and len(city.county_codes) == 7
    tongzhou = cell_set("grid", "320612")
    assert tongzhou.size == geo.TONGZHOU_GRIDS and set(tongzhou.county_codes) == {"320612"}
    grid = geo.grids()[0]
    code = city.codes.index(grid.code) + 1
    assert city.town_codes[city.town_of[code]] == grid.town_adcode
    assert city.county_codes[city.county_of[code]] == grid.town_adcode[:6]
    with pytest.raises(ValueError, match="not one of Nantong's counties"):
        cell_set("town", "999999")
    with pytest.raises(ValueError, match="no 'grid' cells"):
        cell_set("town").index_at("grid")


def tiny_cells() -> tuple[np.ndarray, object]:
    """A 16x26 image of four town cells of the city's town set: two counties side by side."""
    cells = cell_set("town")
    first = [i + 1 for i, t in enumerate(cells.town_codes) if t.startswith(cells.county_codes[0])][:2]
    second = [i + 1 for i, t in enumerate(cells.town_codes) if t.startswith(cells.county_codes[1])][:2]
    labels = np.zeros((16, 26), dtype=np.uint16)
    labels[4:12, 1:7], labels[4:12, 7:13] = first
    labels[4:12, 13:19], labels[4:12, 19:25] = second
    return labels, cells


def test_display_codes_mark_borders_outlines_and_hatch() -> None:
    labels, cells = tiny_cells()
    codes = display_codes(labels, cells, grid_edges=False, outline_px=1, stripe_period=4)
    stride = cells.stride
    assert codes.dtype == np.uint16 and codes.shape == labels.shape
    variant, base = np.divmod(codes.astype(int), stride)
    inside = labels > 0
    # Two towns of one county meet between columns 6 and 7: a 2-pixel town border.
    assert (base[8, 6:8] == cells.town_border).all()
    # Two counties meet between columns 12 and 13: a 3-pixel outline (radius 1) and a soft edge either side.
    assert (base[8, 11:14] == cells.county_outline).all()
    assert variant[8, 10] == OUTLINE_EDGE and base[8, 10] == labels[8, 10]
    assert variant[8, 14] == OUTLINE_EDGE and base[8, 14] == labels[8, 14]
    # The outline runs round the outside edge too.
    assert base[8, 1] == cells.county_outline and base[8, 0] == cells.county_outline
    # Away from lines a cell is itself, plain or on a hatch stripe.
    assert base[8, 3] == labels[8, 3] and variant[8, 3] in (0, STRIPE)
    assert {int(v) for v in variant[8, 3:6]} == {0, STRIPE}  # the stripes alternate along the row
    assert not inside[0, 20] and codes[0, 20] in (0, STRIPE * stride)


def test_grid_edges_use_the_darker_variant() -> None:
    cells = cell_set("grid", "320612")
    labels = np.zeros((6, 8), dtype=np.uint16)
    assert cells.town_of[1] == cells.town_of[2]  # two grid cells of one town
    labels[:, :4], labels[:, 4:] = 1, 2
    codes = display_codes(labels, cells, grid_edges=True, outline_px=1, stripe_period=1000)
    assert codes[3, 3] == 1 + GRID_EDGE * cells.stride  # the pixel before the change
    assert codes[3, 2] % cells.stride == 1 and codes[3, 2] // cells.stride != GRID_EDGE
    assert codes[3, 5] % cells.stride == 2 and codes[3, 5] // cells.stride != GRID_EDGE
    # Cells of two towns: their towns come from the cells, and the border between them is the town's.
    other = int(np.flatnonzero(cells.town_of != cells.town_of[1])[1])
    assert cells.county_of[other] == cells.county_of[1]
    labels[3:, :] = other
    codes = display_codes(labels, cells, grid_edges=True, outline_px=1, stripe_period=1000)
    assert (codes[2:4, 1] == cells.town_border).all() and (codes[2:4, 6] == cells.town_border).all()


def test_colour_table_and_paint_codes() -> None:
    labels, cells = tiny_cells()
    codes = display_codes(labels, cells, grid_edges=False, outline_px=1, stripe_period=4)
    values = np.arange(len(cells.county_codes), dtype=float)
    values[1] = np.nan  # the second county has no data
    lut = colour_table(cells, "county", values, Scale.of(values))
    out = np.empty(codes.shape, dtype=np.uint32)
    paint_codes(lut, codes, out, scratch_for(codes.shape[1], rows=4))
    assert (out == lut[codes]).all()
    stride = cells.stride
    first_code = int(labels[8, 3])
    assert lut[first_code] == ramp_argb(np.array([0.0]))[0]
    assert lut[first_code + STRIPE * stride] == lut[first_code]  # data: the stripe is invisible
    second_code = int(labels[8, 22])
    assert lut[second_code] == hex_argb(NO_DATA)
    assert lut[second_code + STRIPE * stride] == hex_argb(NO_DATA_HATCH)  # no data: hatched
    for variant in range(4):
        assert lut[variant * stride] == hex_argb(BACKGROUND)
        assert lut[variant * stride + cells.town_border] == hex_argb(TOWN_BORDER)
        assert lut[variant * stride + cells.county_outline] == hex_argb(COUNTY_OUTLINE)


def test_recolouring_only_the_blocks_around_the_cells_paints_the_same() -> None:
    labels = np.zeros((40, 60), dtype=np.uint16)
    cells = cell_set("town")
    labels[14:22, 20:30], labels[22:26, 26:40] = 1, 2  # a corner of the map in a sea of outside
    codes = display_codes(labels, cells, grid_edges=False, outline_px=2, stripe_period=4)
    extent = np.array([(row.argmax(), len(row) - row[::-1].argmax()) if row.any() else (0, 0)
                       for row in labels > 0])
    blocks = code_blocks(extent, 2 + 2, 60, rows=8)
    assert blocks[:, 2].min() > 0 and blocks[:, 3].max() < 60 and (blocks[0, 2:] == blocks[0, 2]).all()
    values = np.arange(len(cells.county_codes), dtype=float)
    lut = colour_table(cells, "county", values, Scale.of(values))
    out = np.zeros(codes.shape, dtype=np.uint32)
    fill_outside(out, blocks, hex_argb(BACKGROUND))
    paint_codes(lut, codes, out, scratch_for(60, rows=8), blocks)
    assert (out == lut[codes]).all()  # the outline's soft edge included
    with pytest.raises(ValueError, match="scratch rows"):
        paint_codes(lut, codes, out, scratch_for(60, rows=4), blocks)


def test_region_values_keep_only_numbers() -> None:
    codes = ("a", "b", "c", "d", "e", "f")
    values = region_values({"a": 1, "b": 2.5, "c": None, "e": float("inf"), "f": "12"}, codes)
    assert values[:2].tolist() == [1.0, 2.5]
    assert np.isnan(values[2:]).all()  # None, missing, infinite and text are all "no data"
    assert np.isnan(region_values({"a": True}, ("a",))).all()


def test_scale_of_constant_or_empty_values() -> None:
    assert Scale.of(np.array([np.nan])) == Scale(0.0, 1.0)
    assert Scale.of(np.array([5.0, 5.0])) == Scale(5.0, 6.0)
