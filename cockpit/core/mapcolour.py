"""The map's colours as tables the display codes look up (cockpit.core.mapraster makes the codes):
one `lut[codes]` recolours the whole picture, hatch, borders and outlines included."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from cockpit.core.mapraster import CellSet

# Dark-theme sequential ramp: low values stay calm blue, high values run hot.
RAMP = ("#123a6b", "#1668a8", "#1fa2b5", "#5fcf8a", "#e6d54a", "#f59a3c", "#f0543c")
NO_DATA = "#3a4356"
PLAIN = "#16294a"  # the land of a map that no figure colours (its points only)
NO_DATA_HATCH = "#59637a"
BACKGROUND = "#050b18"
TOWN_BORDER = "#061022"
COUNTY_OUTLINE = "#7fe3ff"
GRID_SHADE = 0.72  # grid borders: the cell's own colour, darker


def paint_codes(lut: np.ndarray, codes: np.ndarray, out: np.ndarray, scratch: np.ndarray,
                blocks: np.ndarray | None = None) -> None:
    """out = lut[codes], split over two threads (numpy releases the GIL in these loops).

    Each thread works in blocks of rows: widening the uint16 codes to intp in a small cache-sized
    scratch first makes numpy's take twice as fast as taking with uint16 indices directly. With
    `blocks` (from `code_blocks`) only their columns are looked up: `out` holds the outside beyond."""
    if blocks is None:
        blocks = code_blocks(np.tile((0, codes.shape[1]), (codes.shape[0], 1)), 0, codes.shape[1],
                             scratch.shape[1])
    if len(blocks) and (blocks[:, 1] - blocks[:, 0]).max() > scratch.shape[1]:
        raise ValueError(f"blocks of more than {scratch.shape[1]} rows do not fit the scratch rows")
    half = len(blocks) // 2
    parts = [(blocks[:half], scratch[0]), (blocks[half:], scratch[1])]
    list(_POOL.map(lambda part: _paint_blocks(lut, codes, out, *part), parts))


def _paint_blocks(lut: np.ndarray, codes: np.ndarray, out: np.ndarray, blocks: np.ndarray,
                  scratch: np.ndarray) -> None:
    flat_scratch = scratch.reshape(-1)
    for top, bottom, left, right in blocks.tolist():
        if right > left:
            index = flat_scratch[:(bottom - top) * (right - left)].reshape(bottom - top, right - left)
            np.copyto(index, codes[top:bottom, left:right], casting="unsafe")
            np.take(lut, index, out=out[top:bottom, left:right], mode="clip")


def code_blocks(extent: np.ndarray, reach: int, width: int, rows: int = 64) -> np.ndarray:
    """(top, bottom, left, right) per block of `rows` rows: the columns whose display codes may show
    more than the outside, from each row's [first, end) columns of cells (`Raster.extent`) and how
    far the lines drawn around cells `reach` beyond them (rows and columns)."""
    height = len(extent)
    some = extent[:, 1] > extent[:, 0]
    low = np.pad(np.where(some, extent[:, 0], width), reach, constant_values=width)
    high = np.pad(np.where(some, extent[:, 1], 0), reach, constant_values=0)
    window = 2 * reach + 1  # a row's columns reach `reach` rows up and down
    low = np.lib.stride_tricks.sliding_window_view(low, window).min(axis=1)
    high = np.lib.stride_tricks.sliding_window_view(high, window).max(axis=1)
    tops = np.arange(0, height, rows)
    left = np.clip(np.minimum.reduceat(low, tops) - reach, 0, width)
    right = np.clip(np.maximum.reduceat(high, tops) + reach, 0, width)
    return np.column_stack((tops, np.minimum(tops + rows, height), left, np.maximum(left, right)))


def fill_outside(out: np.ndarray, blocks: np.ndarray, argb: int) -> None:
    """Give the columns beyond each block's (which paint_codes leaves alone) the outside's colour."""
    for top, bottom, left, right in blocks.tolist():
        out[top:bottom, :left] = argb
        out[top:bottom, right:] = argb


def scratch_for(width: int, rows: int = 64) -> np.ndarray:
    """Per-thread scratch rows for paint_codes."""
    return np.empty((2, rows, width), dtype=np.intp)


_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="map-recolour")


def hex_argb(colour: str) -> int:
    return 0xFF000000 | int(colour.lstrip("#"), 16)


def ramp_argb(fractions: np.ndarray, ramp: tuple[str, ...] = RAMP) -> np.ndarray:
    """Fractions in [0, 1] -> opaque ARGB32 colours interpolated along the ramp."""
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in ramp], dtype=float)
    position = np.clip(np.nan_to_num(fractions), 0, 1) * (len(ramp) - 1)
    low = np.minimum(position.astype(int), len(ramp) - 2)
    t = (position - low)[:, None]
    rgb = np.rint(stops[low] * (1 - t) + stops[low + 1] * t).astype(np.uint32)
    return 0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


@dataclass(frozen=True)
class Scale:
    """The value range a choropleth's colours span."""

    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Scale:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return cls(0.0, 1.0)
        low, high = float(finite.min()), float(finite.max())
        return cls(low, high if high > low else low + 1.0)

    def fractions(self, values: np.ndarray) -> np.ndarray:
        return (values - self.low) / (self.high - self.low)


def region_values(values: dict[str, float | None], region_codes: tuple[str, ...]) -> np.ndarray:
    """Values in region order, NaN where a region has no value (None, missing or not a number)."""
    picked = [values.get(code) for code in region_codes]
    if set(map(type, picked)) <= _PLAIN_NUMBERS:
        out = np.array(picked, dtype=float)  # fast path: None -> NaN
    else:  # "12" or True are not figures; anything else unreadable is no data
        out = np.array([_number(v) for v in picked], dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


_PLAIN_NUMBERS = {float, int, type(None), np.float64, np.float32, np.int64, np.int32}


def _number(value) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan


def colour_table(cell_set: CellSet, level: str, values: np.ndarray | None, scale: Scale) -> np.ndarray:
    """The lookup table for `display_codes`: region values (NaN = no data) -> ARGB per code; with
    `values` None (no figure colours the map) every cell is plain land."""
    size = cell_set.size
    if values is None:
        known = np.ones(size, dtype=bool)
        colours = np.full(size, hex_argb(PLAIN), dtype=np.uint32)
    else:
        _, region_of = cell_set.index_at(level)
        cell_values = values[region_of[1:size + 1]]
        known = np.isfinite(cell_values)
        colours = np.full(size, hex_argb(NO_DATA), dtype=np.uint32)
        colours[known] = ramp_argb(scale.fractions(cell_values[known]))
    outline = hex_argb(COUNTY_OUTLINE)
    base = np.empty(cell_set.stride, dtype=np.uint32)
    base[0] = hex_argb(BACKGROUND)
    base[1:size + 1] = colours
    base[size + 1:] = (hex_argb(TOWN_BORDER), outline, _mix(np.array([base[0]]), outline)[0])
    hatch, shade, edge = base.copy(), base.copy(), base.copy()
    hatch[1:size + 1][~known] = hex_argb(NO_DATA_HATCH)
    shade[1:size + 1] = _darker(colours, GRID_SHADE)
    edge[1:size + 1] = _mix(colours, outline)
    return np.concatenate((base, hatch, shade, edge))


def _mix(argb: np.ndarray, other: int) -> np.ndarray:
    """Half-and-half blend of opaque colours with `other`."""
    return 0xFF000000 | ((((argb & 0xFEFEFE) >> 1) + ((other & 0xFEFEFE) >> 1)) & 0xFFFFFF)


def _darker(argb: np.ndarray, factor: float) -> np.ndarray:
    rgb = [((argb >> shift) & 0xFF).astype(float) * factor for shift in (16, 8, 0)]
    r, g, b = (np.rint(c).astype(np.uint32) for c in rgb)
    return 0xFF000000 | (r << 16) | (g << 8) | b
