"""Fill thousands of polygons into a label image in a few numpy passes: no Python loop per polygon.

A scanline fill of a whole tiling at once. Every edge yields its crossings with the pixel-row
centres; a crossing adds its polygon's winding weight at the first pixel whose centre lies on or
right of it. Sorted along the rows, a running sum of those weights is the value of every run of
pixels between two crossings, and one `np.repeat` writes the image. A weight packs the cell's
code with a cell count and an outline count, so runs that no cell covers inside an outline (gaps)
or that two cells cover (overlaps) are found per run, not per pixel, and take a neighbour's code.

Pixel centres decide, as in Qt's aliased fill, and an edge two cells share gives both the same
crossing (it is computed from its upper end either way), so a tiling has neither gaps nor overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL = 1 << 16  # a cell's weight: +-(code + CELL); codes stay below it
OUTLINE = 1 << 20  # an outline's weight: +-OUTLINE (marks where a gap between cells is not the outside)
GAP = 0xFFFF  # the code of pixels left between cells, before a neighbour's code fills them


@dataclass(frozen=True, eq=False)
class Edges:
    """The non-horizontal edges of a set of rings in a size-free plane (y down), upper end first."""

    top: np.ndarray  # y of the upper end
    bottom: np.ndarray  # y of the lower end
    x_top: np.ndarray  # x of the upper end
    slope: np.ndarray  # dx / dy
    weight: np.ndarray  # int64 winding weight: +-(code + CELL) or +-OUTLINE

    @classmethod
    def of(cls, coords: np.ndarray, starts: np.ndarray, is_hole: np.ndarray, values: np.ndarray) -> Edges:
        """Edges of closed rings: ring r is coords[starts[r]:starts[r + 1]] (last point = first), its
        pixels get `values[r]` (CELL + code, or OUTLINE); holes take it away again."""
        last = np.zeros(len(coords), dtype=bool)
        last[starts[1:] - 1] = True
        first = np.flatnonzero(~last)  # edge i runs from point i to point i + 1 of the same ring
        x, y = coords[:, 0], coords[:, 1]
        xa, ya, xb, yb = x[first], y[first], x[first + 1], y[first + 1]
        ring = np.searchsorted(starts, first, side="right") - 1
        # The winding of a ring's inside is +1 or -1 by its orientation: make it +1 (-1 for a hole).
        area = np.bincount(ring, xa * yb - xb * ya, minlength=len(starts) - 1)
        inside = np.where(area > 0, -1, 1) * np.where(is_hole, -1, 1)
        down = yb > ya
        keep = ya != yb  # horizontal edges cross no row centre
        top, bottom = np.where(down, ya, yb)[keep], np.where(down, yb, ya)[keep]
        x_top, x_bottom = np.where(down, xa, xb)[keep], np.where(down, xb, xa)[keep]
        weight = (np.where(down, 1, -1) * inside[ring] * values[ring])[keep].astype(np.int64)
        return cls(top, bottom, x_top, (x_bottom - x_top) / (bottom - top), weight)

    def merged(self) -> Edges:
        """One edge for every edge that rings share (neighbouring cells, a cell and its outline),
        carrying the sum of their weights: half the crossings to sort, the same running sums."""
        columns = (self.top, self.bottom, self.x_top, self.slope)
        order = np.lexsort(columns[::-1])
        same = np.ones(len(order), dtype=bool)  # is each sorted edge the same as the one before it?
        for column in columns:
            ordered = column[order]
            same[1:] &= ordered[1:] == ordered[:-1]
        same[0] = False
        group = np.cumsum(~same) - 1
        first = order[~same]
        weight = np.bincount(group, minlength=len(first), weights=self.weight[order]).astype(np.int64)
        kept = np.flatnonzero(weight)  # edges whose weights cancel change nothing
        edge = first[kept]
        return Edges(self.top[edge], self.bottom[edge], self.x_top[edge], self.slope[edge], weight[kept])

    def __add__(self, other: Edges) -> Edges:
        return Edges(*(np.concatenate((a, b)) for a, b in
                       zip((self.top, self.bottom, self.x_top, self.slope, self.weight),
                           (other.top, other.bottom, other.x_top, other.slope, other.weight), strict=True)))


@dataclass(frozen=True, eq=False)
class Raster:
    labels: np.ndarray  # (height, width) uint16 cell codes, 0 outside
    right_changes: np.ndarray  # flat index of every pixel whose right neighbour has another code
    extent: np.ndarray  # (height, 2): per row, the columns [first, end) that hold cells (0, 0: none)


def fill(edges: Edges, scale: float, dx: float, dy: float, shape: tuple[int, int]) -> Raster:
    """The cell codes of the plane mapped by px = u * scale + d, and where they change along the rows
    (the runs give that for free; a whole-image comparison would cost two passes)."""
    height, width = shape
    top = edges.top * scale + (dy - 0.5)  # row r's centre is at r + 0.5
    first_row = np.clip(np.ceil(top), 0, height).astype(np.intp)
    end_row = np.clip(np.ceil(edges.bottom * scale + (dy - 0.5)), 0, height).astype(np.intp)
    rows = end_row - first_row
    crossing = np.flatnonzero(rows)
    rows = rows[crossing]
    ends = np.cumsum(rows)
    row = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(first_row[crossing] - (ends - rows), rows)
    slope = edges.slope[crossing]
    x_at_row0 = edges.x_top[crossing] * scale + (dx - 0.5) - top[crossing] * slope
    col = np.clip(np.ceil(np.repeat(x_at_row0, rows) + row * np.repeat(slope, rows)), 0, width).astype(np.int64)
    # col == width lands on the next row's first pixel: a run that reaches the right edge ends there.
    key = ((row * width + col) << 32) | (np.repeat(edges.weight[crossing], rows) & 0xFFFFFFFF)
    key.sort()
    at = key >> 32
    value = np.concatenate(([0], np.cumsum((key & 0xFFFFFFFF).astype(np.uint32).view(np.int32), dtype=np.int64)))
    lengths = np.diff(at, prepend=0, append=height * width)
    cells = (value >> 16) & 0xF
    code = (value & 0xFFFF).astype(np.uint16)
    bad = ((cells > 1) | ((cells == 0) & (value >= OUTLINE)) | (value < 0)) & (lengths > 0)
    code[bad] = GAP
    labels = np.repeat(code, lengths).reshape(height, width)
    starts = np.concatenate(([0], at))
    if bad.any():
        counts = lengths[bad]
        gaps = np.arange(int(counts.sum())) + np.repeat(starts[bad] - (np.cumsum(counts) - counts), counts)
        _fill_gaps(labels, gaps)
        right = np.flatnonzero(labels[:, 1:] != labels[:, :-1])
        inside = labels != 0
        extent = np.column_stack((inside.argmax(axis=1), width - inside[:, ::-1].argmax(axis=1)))
        extent[~inside.any(axis=1)] = 0
        return Raster(labels, right + right // (width - 1), extent)
    kept = np.flatnonzero(lengths)
    code, starts, ends = code[kept], starts[kept], (starts + lengths)[kept]
    change = starts[1:][code[1:] != code[:-1]]
    return Raster(labels, change[change % width != 0] - 1, _extent(starts[code != 0], ends[code != 0], shape))


def _extent(starts: np.ndarray, ends: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per row, [first, end) columns of the runs of cells (sorted flat [start, end); none spans two rows)."""
    height, width = shape
    row = starts // width
    first = np.searchsorted(row, np.arange(height))
    last = np.searchsorted(row, np.arange(height), side="right") - 1
    extent = np.zeros((height, 2), dtype=np.intp)
    some = last >= first
    extent[some, 0] = starts[first[some]] % width
    extent[some, 1] = ends[last[some]] - row[last[some]] * width
    return extent


def _fill_gaps(labels: np.ndarray, gaps: np.ndarray) -> None:
    """Give the pixels between cells (flat indexes) the code of a neighbour, in place; 0 if none has one."""
    height, width = labels.shape
    rows, cols = np.divmod(gaps, width)
    for dy, dx in ((0, -1), (0, 1), (-1, 0), (1, 0)) * 2:
        if rows.size == 0:
            break
        neighbours = labels[np.clip(rows + dy, 0, height - 1), np.clip(cols + dx, 0, width - 1)]
        good = (neighbours != GAP) & (neighbours != 0)
        labels[rows[good], cols[good]] = neighbours[good]
        rows, cols = rows[~good], cols[~good]
    labels[rows, cols] = 0
