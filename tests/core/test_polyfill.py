"""The numpy scanline fill: pixel centres decide, tilings have no seams, gaps and overlaps are repaired."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from cockpit.core.mapraster import rings
from cockpit.core.polyfill import CELL, OUTLINE, Edges, fill
from kernel import geo


def edges_of(polygons, values) -> Edges:
    ring_set = rings(polygons)
    is_hole = np.concatenate(([False], ring_set.part[1:] == ring_set.part[:-1]))
    return Edges.of(ring_set.coords, ring_set.starts, is_hole, np.asarray(values, dtype=np.int64)[ring_set.owner])


def centres(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.indices(shape)
    return cols + 0.5, rows + 0.5


def test_fills_exactly_the_pixels_whose_centres_are_inside() -> None:
    # Real town cells of one county, in either ring orientation, one with a hole: against shapely.
    cells = [geometry for code, geometry in geo.town_cells().items() if code.startswith("320612")][:12]
    minx, miny, maxx, maxy = shapely.total_bounds(cells)
    scale = 360 / (maxx - minx)
    plane = [shapely.transform(c, lambda xy: (xy - (minx, miny)) * scale) for c in cells]
    plane[0] = shapely.orient_polygons(plane[0], exterior_cw=True)
    hole = plane[1].centroid.buffer(3)
    plane[1] = plane[1].difference(hole)
    shape = (int((maxy - miny) * scale) + 4, 364)
    labels = fill(edges_of(plane, [CELL + i + 1 for i in range(len(plane))]), 1.0, 0.0, 0.0, shape).labels
    x, y = centres(shape)
    expected = np.zeros(shape, dtype=np.uint16)
    for i, polygon in enumerate(plane):
        expected[shapely.contains_xy(polygon, x, y)] = i + 1
    assert (labels > 0).sum() > 15_000
    assert np.mean(labels == expected) > 0.999  # only centres exactly on an edge may differ
    assert (labels[shapely.contains_xy(hole, x, y)] == 0).all()


def test_scale_and_shift_place_the_polygons() -> None:
    labels = fill(edges_of([box(0, 0, 2, 1)], [CELL + 7]), 10.0, 3.0, 5.0, (20, 30)).labels
    rows, cols = np.nonzero(labels)
    assert (labels[rows, cols] == 7).all()
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 14, 3, 22)


def test_gaps_inside_an_outline_take_a_neighbour_and_overlaps_are_not_summed() -> None:
    # Two cells with a one-pixel slit between them, inside an outline; a third overlapping the second.
    cells = [box(0, 0, 10, 10), box(11, 0, 20, 10), box(15, 5, 25, 10)]
    outline = box(0, 0, 20, 10)
    edges = edges_of(cells, [CELL + 1, CELL + 2, CELL + 3]) + edges_of([outline], [OUTLINE])
    labels = fill(edges, 1.0, 0.0, 0.0, (12, 30)).labels
    assert (labels[:10, 10] > 0).all() and set(np.unique(labels[:10, 10])) <= {1, 2}  # the slit is filled
    assert set(np.unique(labels)) == {0, 1, 2, 3}  # no sums of codes where two cells overlap
    assert (labels[10:] == 0).all() and (labels[:, 25:] == 0).all()


def test_a_cell_running_off_the_right_edge_ends_there() -> None:
    labels = fill(edges_of([box(5, 1, 40, 3), Polygon([(0, 4), (3, 4), (3, 6), (0, 6)])], [CELL + 1, CELL + 2]),
                  1.0, 0.0, 0.0, (8, 10)).labels
    assert (labels[1:3, 5:] == 1).all() and (labels[1:3, :5] == 0).all()
    assert (labels[4:6, :3] == 2).all() and (labels[4:6, 3:] == 0).all()  # nothing carried over a row


def test_right_changes_and_row_extents_match_the_image() -> None:
    for cells, outline in (([box(0, 0, 10, 10), box(10, 0, 20, 10), box(3, 12, 29, 14)], box(0, 0, 20, 10)),
                           ([box(0, 0, 10, 10), box(11, 0, 20, 10)], box(0, 0, 20, 10))):  # the second has a gap
        raster = fill(edges_of(cells, [CELL + 1, CELL + 2, CELL + 3][:len(cells)]) + edges_of([outline], [OUTLINE]),
                      1.0, 0.0, 0.0, (16, 30))
        labels = raster.labels
        expected = np.flatnonzero(np.concatenate((labels[:, 1:] != labels[:, :-1], np.zeros((16, 1), bool)), axis=1))
        assert raster.right_changes.tolist() == expected.tolist()
        inside = labels > 0
        extent = [(row.argmax(), 30 - row[::-1].argmax()) if row.any() else (0, 0) for row in inside]
        assert raster.extent.tolist() == [list(e) for e in extent]


def test_merging_shared_edges_keeps_the_image() -> None:
    cells = [geometry for code, geometry in geo.town_cells().items() if code.startswith("320623")]
    minx, miny, maxx, maxy = shapely.total_bounds(cells)
    plane = [shapely.transform(c, lambda xy: (xy - (minx, miny)) * (200 / (maxx - minx))) for c in cells]
    outline = shapely.union_all(plane)
    edges = edges_of(plane, [CELL + i + 1 for i in range(len(plane))]) + edges_of([outline], [OUTLINE])
    merged = edges.merged()
    assert len(merged.top) < 0.7 * len(edges.top)  # neighbours share most of their edges
    shape = (int((maxy - miny) * 200 / (maxx - minx)) + 2, 202)
    assert (fill(merged, 1.0, 0.0, 0.0, shape).labels == fill(edges, 1.0, 0.0, 0.0, shape).labels).all()
