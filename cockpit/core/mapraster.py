"""The Qt-free half of the fast map: projection, the cells of a view and their label codes
(the colours the codes look up are in cockpit.core.mapcolour).

The map is drawn from a label image: every pixel holds the code of the cell it
lies in (`polyfill.fill` of `view_edges`; towns and counties follow from the
cell, so one image serves every level). Recolouring is then one table lookup
(`lut[codes]`) instead of re-drawing thousands of polygons. The codes also carry the hatch for regions
without data, the grid and town borders and the county outlines (with a soft
edge), so one lookup paints them all:

    code = cell + variant * stride     (cell 1..n, 0 = outside the map)
    variant 0: plain, 1: hatch stripe, 2: grid border (a darker shade),
            3: edge of a county outline (half cell colour, half outline colour)
    codes n + 1, n + 2, n + 3 (in every variant): town border, county outline,
            edge of the outline over the outside
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from cockpit.core.polyfill import CELL, OUTLINE, Edges
from kernel import geo

PLAIN, STRIPE, GRID_EDGE, OUTLINE_EDGE = 0, 1, 2, 3
VARIANTS = 4



@dataclass(frozen=True)
class Projection:
    """Longitude/latitude to pixels, aspect-correct: longitude is scaled by cos(lat0)."""

    lon0: float
    lat0: float  # top edge
    scale: float  # pixels per degree of latitude
    kx: float  # cos(centre latitude)
    ox: float
    oy: float

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float], width: int, height: int,
            margin: float = 0.04) -> Projection:
        minx, miny, maxx, maxy = bounds
        kx = math.cos(math.radians((miny + maxy) / 2))
        span_x, span_y = (maxx - minx) * kx, maxy - miny
        usable_w, usable_h = width * (1 - 2 * margin), height * (1 - 2 * margin)
        scale = min(usable_w / span_x, usable_h / span_y)
        return cls(minx, maxy, scale, kx, (width - span_x * scale) / 2, (height - span_y * scale) / 2)

    def to_pixels(self, lon, lat):
        """Arrays (or floats) of lon/lat -> x, y in pixels."""
        return ((np.asarray(lon) - self.lon0) * self.kx * self.scale + self.ox,
                (self.lat0 - np.asarray(lat)) * self.scale + self.oy)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.ox) / (self.kx * self.scale) + self.lon0, self.lat0 - (y - self.oy) / self.scale

    def unit_transform(self) -> tuple[float, float, float, float]:
        """(sx, sy, dx, dy) mapping `unit_coordinates` to pixels: px = u * sx + dx."""
        return self.scale, self.scale, self.ox, self.oy


def unit_coordinates(coords: np.ndarray, lon0: float, lat0: float, kx: float) -> np.ndarray:
    """Lon/lat -> a size-free plane (degrees of latitude, y down) that any Projection of the same
    view maps to pixels with a plain scale and shift, so polygons survive a resize unchanged."""
    return np.column_stack(((coords[:, 0] - lon0) * kx, lat0 - coords[:, 1]))


@dataclass(frozen=True, eq=False)
class CellSet:
    """The cells one view rasterises (its finest level), and how they roll up to towns and counties.

    Cell i has label code i + 1. `town_of[code]` and `county_of[code]` give indexes into
    `town_codes` / `county_codes` (-1 for code 0, outside).
    """

    level: str  # "town" or "grid"
    county: str | None  # the drilled county, None = the whole city
    codes: tuple[str, ...]
    geometries: tuple
    town_codes: tuple[str, ...]
    county_codes: tuple[str, ...]
    town_of: np.ndarray
    county_of: np.ndarray
    bounds: tuple[float, float, float, float]

    @property
    def size(self) -> int:
        return len(self.codes)

    @property
    def stride(self) -> int:
        """Codes per variant: outside, the cells, town border, county outline, outline edge outside."""
        return self.size + 4

    @property
    def town_border(self) -> int:
        return self.size + 1

    @property
    def county_outline(self) -> int:
        return self.size + 2

    @property
    def outline_edge_outside(self) -> int:
        return self.size + 3

    def index_at(self, level: str) -> tuple[tuple[str, ...], np.ndarray]:
        """Region codes at `level` and, per label code, the index of its region (-1 = none)."""
        if level == "county":
            return self.county_codes, self.county_of
        if level == "town":
            return self.town_codes, self.town_of
        if level == "grid" and self.level == "grid":
            return self.codes, np.arange(-1, self.size, dtype=np.intp)
        raise ValueError(f"this view has no {level!r} cells (it was rasterised at {self.level!r} level)")


@cache
def cell_set(level: str, county: str | None = None) -> CellSet:
    """The cells of the whole city (county=None) or of one county, at town or grid level."""
    if level not in ("town", "grid"):
        raise ValueError(f"cells are rasterised at 'town' or 'grid' level, not {level!r}")
    by_county = geo.county_by_adcode()
    if county is not None and county not in by_county:
        raise ValueError(f"{county!r} is not one of Nantong's counties ({', '.join(sorted(by_county))})")
    towns = [t for t in geo.towns() if county is None or t.county_adcode == county]
    town_index = {t.adcode: i for i, t in enumerate(towns)}
    county_codes = tuple(c.adcode for c in geo.counties() if county is None or c.adcode == county)
    county_index = {code: i for i, code in enumerate(county_codes)}
    if level == "town":
        cells = geo.town_cells()
        codes = tuple(t.adcode for t in towns)
        geometries = tuple(cells[code] for code in codes)
        town_of_cell = list(range(len(towns)))
    else:
        grids = [g for g in geo.grids() if g.town_adcode in town_index]
        codes = tuple(g.code for g in grids)
        geometries = tuple(g.geometry for g in grids)
        town_of_cell = [town_index[g.town_adcode] for g in grids]
    town_of = np.array([-1, *town_of_cell], dtype=np.intp)
    county_of_town = np.array([county_index[t.county_adcode] for t in towns], dtype=np.intp)
    county_of = np.concatenate(([-1], county_of_town[town_of[1:]])).astype(np.intp)
    outline = by_county[county].geometry if county else geo.city_outline()
    return CellSet(level, county, codes, geometries, tuple(t.adcode for t in towns), county_codes,
                   town_of, county_of, outline.bounds)


@dataclass(frozen=True, eq=False)
class Rings:
    """Every polygon ring of a list of geometries as one coordinate array, for fast drawing."""

    coords: np.ndarray  # (k, 2)
    starts: np.ndarray  # ring r is coords[starts[r]:starts[r + 1]]
    owner: np.ndarray  # index of the geometry each ring belongs to
    part: np.ndarray  # index of the polygon each ring belongs to (rings of one polygon are adjacent)
    simple: np.ndarray  # per ring: its polygon has no holes


def rings(geometries) -> Rings:
    parts, owner = shapely.get_parts(np.asarray(geometries, dtype=object), return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), (3, 6))  # make_valid may leave stray lines
    parts, owner = parts[polygonal], owner[polygonal]
    ring_geoms, part_of_ring = shapely.get_rings(parts, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(ring_geoms, return_index=True)
    starts = np.searchsorted(ring_of_coord, np.arange(len(ring_geoms) + 1))
    holes = np.bincount(part_of_ring, minlength=len(parts)) > 1
    return Rings(coords, starts, owner[part_of_ring], part_of_ring, ~holes[part_of_ring])


@cache
def view_rings(level: str, county: str | None = None) -> Rings:
    """The rings of a view's counties, towns or grid cells: pure geometry, shared by every map."""
    if level == "county":
        return rings([c.geometry for c in geo.counties() if county is None or c.adcode == county])
    return rings(cell_set(level, county).geometries)


def view_plane(level: str, county: str | None = None) -> Projection:
    """The size-free plane of a view (scale 1, no offset): `Projection.fit` of any size differs
    from it only by a scale and a shift."""
    projection = Projection.fit(cell_set(level, county).bounds, 1, 1)
    return Projection(projection.lon0, projection.lat0, 1.0, projection.kx, 0.0, 0.0)


@cache
def view_edges(level: str, county: str | None = None) -> Edges:
    """What `polyfill.fill` rasterises for a view: its cells (weighted by code) and its counties'
    outlines (so a pixel between cells inside a county is a gap to fill, not the outside)."""
    plane = view_plane(level, county)

    def edges(ring_set: Rings, values: np.ndarray) -> Edges:
        unit = unit_coordinates(ring_set.coords, plane.lon0, plane.lat0, plane.kx)
        is_hole = np.concatenate(([False], ring_set.part[1:] == ring_set.part[:-1]))
        return Edges.of(unit, ring_set.starts, is_hole, values)

    cells, outlines = view_rings(level, county), view_rings("county", county)
    return (edges(cells, CELL + 1 + cells.owner.astype(np.int64))
            + edges(outlines, np.full(len(outlines.owner), OUTLINE, dtype=np.int64))).merged()


def display_codes(cells: np.ndarray, cell_set: CellSet, *, grid_edges: bool, outline_px: int = 2,
                  stripe_period: int = 12, right_changes: np.ndarray | None = None) -> np.ndarray:
    """Label image (uint16 cell code per pixel, 0 outside, C-contiguous) -> uint16 display codes.

    Runs once per resize or drill with few whole-image passes: the hatch stripe is added everywhere
    (the outside code maps to the background in every variant), and borders come from the pixels
    whose right or lower neighbour has another cell: grid borders 1 px; among those, town borders
    2 px and county outlines 2 * outline_px + 1 px with a one-pixel soft edge, found by looking up
    the cells' towns and counties at those pixels only. `right_changes` (flat indexes of the pixels
    whose right neighbour differs, as `polyfill.fill` gives them) saves comparing every row."""
    stride = cell_set.stride
    if VARIANTS * stride > np.iinfo(np.uint16).max:
        raise ValueError(f"{cell_set.size} cells are too many for 16-bit display codes")
    width = cells.shape[1]
    codes = cells + _stripes(cells.shape, stripe_period, stride * STRIPE)
    flat_cells, flat_codes = cells.reshape(-1), codes.reshape(-1)
    if right_changes is None:
        right_changes = np.flatnonzero(cells[:, 1:] != cells[:, :-1])
        right_changes += right_changes // (width - 1)  # index in the (h, w - 1) comparison -> of the left pixel
    down_changes = np.flatnonzero(cells[1:] != cells[:-1])
    # The first pixel of each differing pair, the step to the second, and both pixels' cells.
    pairs = [(first, step, flat_cells[first], flat_cells[first + step])
             for first, step in ((right_changes, 1), (down_changes, width))]
    if grid_edges and cell_set.level == "grid":
        for first, _, a, _ in pairs:
            flat_codes[first] = a + np.uint16(stride * GRID_EDGE)
    seeds = []
    for first, step, a, b in pairs:
        town = first[cell_set.town_of[a] != cell_set.town_of[b]]
        # Town borders; where one meets the outside the county outline (drawn next) covers it.
        flat_codes[town] = flat_codes[town + step] = cell_set.town_border
        a, b = flat_cells[town], flat_cells[town + step]
        seeds.append(town[cell_set.county_of[a] != cell_set.county_of[b]])
    _draw_outline(flat_codes, flat_cells, np.concatenate(seeds), cells.shape, cell_set, outline_px)
    return codes


def _draw_outline(flat_codes: np.ndarray, flat_cells: np.ndarray, seeds: np.ndarray, shape: tuple[int, int],
                  cell_set: CellSet, radius: int) -> None:
    """County outline around the seed pixels: a disc of `radius` in the outline colour, then a ring one
    pixel wider that mixes the outline with what lies under it (a cheap antialiased edge)."""
    height, width = shape
    reach = radius + 1
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1].reshape(2, -1)
    distance = dy * dy + dx * dx
    core = distance <= radius * radius + radius
    edge = ~core & (distance <= reach * reach + reach)
    rows, cols = np.divmod(seeds, width)
    inner = (rows >= reach) & (rows < height - reach) & (cols >= reach) & (cols < width - reach)
    for ring in (edge, core):  # the core last: it covers the edge of a neighbouring seed
        # Seeds away from the image's border take flat offsets; the few near it are clipped.
        r, c = rows[~inner, None] + dy[ring], cols[~inner, None] + dx[ring]
        index = np.concatenate(((seeds[inner, None] + (dy * width + dx)[ring]).reshape(-1),
                                (r * width + c)[(r >= 0) & (r < height) & (c >= 0) & (c < width)]))
        if ring is core:
            flat_codes[index] = cell_set.county_outline
        else:
            under = flat_cells[index]
            flat_codes[index] = np.where(under > 0, under + cell_set.stride * OUTLINE_EDGE,
                                         cell_set.outline_edge_outside)


def _stripes(shape: tuple[int, int], period: int, value: int) -> np.ndarray:
    """Diagonal stripes (`value` on a stripe, 0 off) of `shape`: a strided view of one row, no per-pixel work."""
    height, width = shape
    line = np.where((np.arange(width + height) % period) < max(2, period // 4), value, 0).astype(np.uint16)
    return np.lib.stride_tricks.as_strided(line, shape=(height, width), strides=(line.strides[0],) * 2,
                                           writeable=False)
