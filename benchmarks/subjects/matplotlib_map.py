"""matplotlib (Agg): the way briefing maps are usually made in Python.

Timed inside this process:
map_first     the same, for the first figure of the process (one run)
map_full      build the figure (cells as one PolyCollection, town and county outlines as
              LineCollections, points as one scatter, names, colour bar), draw, read the pixels
map_recolour  every cell gets the other value set (set_array), draw
map_points    the points move, by blitting: restore the cached background, draw only the points
              (one marker line per level: Agg stamps a cached marker, far faster than scatter)
map_drill     zoom to a county (axis limits), draw; back to the city, draw
"""

from __future__ import annotations

import gc

import numpy as np

from benchmarks.scene import LABEL, UNIT, polygons_of, rings_of, scene
from benchmarks.timing import Plan, Record, sample, subject_main
from kernel import geo
from kernel.paths import resource

FONT_FAMILY = "Noto Sans SC"
FONT_FILES = ("NotoSansSC-Regular.subset.ttf", "NotoSansSC-Bold.subset.ttf")

SUBJECT = "matplotlib"
LEVEL_COLOURS = {"red": "#ff3b3b", "orange": "#ff8c1a", "yellow": "#ffd21f", "blue": "#2f8cff",
                 "normal": "#39d0ff"}


def available() -> str | None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    return None


def run(size: tuple[int, int], plan: Plan) -> list[Record]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure

    for name in FONT_FILES:  # the same bundled CJK font the cockpit draws with
        font_manager.fontManager.addfont(str(resource("fonts", name)))
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    data = scene()
    width, height = size
    label = f"{width}x{height}"
    grids = data.grids
    codes = [g.code for g in grids]
    # Plain coordinate lists, prepared once like the scene is for every subject.
    cell_verts, cell_owner = [], []
    for index, grid in enumerate(grids):
        for polygon in polygons_of(grid.geometry):
            cell_verts.append(np.asarray(polygon[0]))
            cell_owner.append(index)
    cell_owner = np.asarray(cell_owner)
    town_lines = [np.asarray(r) for cell in geo.town_cells().values() for r in rings_of(cell)]
    county_lines = [np.asarray(r) for c in data.counties for r in rings_of(c.geometry)]
    values = [np.array([v[c] for c in codes])[cell_owner] for v in (data.values_a, data.values_b)]
    points = [{level: np.array([[p["lon"], p["lat"]] for p in pts if p["level"] == level]).reshape(-1, 2)
               for level in LEVEL_COLOURS} for pts in (data.points_a, data.points_b)]
    minx, miny, maxx, maxy = geo.bounds()
    aspect = 1 / np.cos(np.radians((miny + maxy) / 2))
    state: dict = {}

    def build(_: int) -> None:
        fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="#050b18")
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.02, 0.04, 0.96, 0.92))
        ax.set_facecolor("#050b18")
        ax.set_axis_off()
        cells = PolyCollection(cell_verts, array=values[0], cmap="viridis", edgecolors="none", antialiased=True)
        ax.add_collection(cells)
        ax.add_collection(LineCollection(town_lines, colors="#061022", linewidths=1.5))
        ax.add_collection(LineCollection(county_lines, colors="#7fe3ff", linewidths=2.5))
        for county in data.counties:
            at = county.geometry.representative_point()
            ax.text(at.x, at.y, county.name, color="white", fontsize=22, ha="center", va="center")
        fig.colorbar(cells, ax=ax, fraction=0.02, pad=0.01, label=f"{LABEL}（{UNIT}）")
        ax.text(0.99, 0.01, geo.ATTRIBUTION, transform=ax.transAxes, ha="right", color="#8ea6c9", fontsize=10)
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect(aspect)
        markers = {level: ax.plot(xy[:, 0], xy[:, 1], "o", ms=6 if level == "normal" else 9, color=colour,
                                  markeredgecolor="#050b18", markeredgewidth=0.8, animated=True)[0]
                   for (level, colour), xy in zip(LEVEL_COLOURS.items(), points[0].values(), strict=True)}
        canvas.draw()
        background = canvas.copy_from_bbox(ax.bbox)
        for line in markers.values():
            ax.draw_artist(line)
        canvas.blit(ax.bbox)
        np.asarray(canvas.buffer_rgba())[0, 0]
        state.update(fig=fig, canvas=canvas, ax=ax, cells=cells, markers=markers, background=background)

    def free() -> None:
        state.clear()
        gc.collect()

    first = sample(build, 1, 0)  # the process's first figure: font caches and all
    records = [Record.of("map_first", SUBJECT, label, first, note="the first map of a fresh process"),
               Record.of("map_full", SUBJECT, label, sample(build, plan.full_runs, plan.warmup, free))]
    canvas, ax, cells, markers = state["canvas"], state["ax"], state["cells"], state["markers"]

    def draw_points() -> None:
        for line in markers.values():
            ax.draw_artist(line)
        canvas.blit(ax.bbox)

    def redraw() -> None:
        canvas.draw()
        state["background"] = canvas.copy_from_bbox(ax.bbox)
        draw_points()
        np.asarray(canvas.buffer_rgba())[0, 0]

    def recolour(i: int) -> None:
        cells.set_array(values[(i + 1) % 2])
        redraw()

    def move(i: int) -> None:
        canvas.restore_region(state["background"])
        for level, xy in points[(i + 1) % 2].items():
            markers[level].set_data(xy[:, 0], xy[:, 1])
        draw_points()
        np.asarray(canvas.buffer_rgba())[0, 0]

    county = geo.county_by_adcode()[data.drill_county].geometry.bounds

    def drill(_: int) -> None:
        ax.set_xlim(county[0], county[2])
        ax.set_ylim(county[1], county[3])
        redraw()
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        redraw()

    records.append(Record.of("map_recolour", SUBJECT, label, sample(recolour, plan.runs, plan.warmup)))
    records.append(Record.of("map_points", SUBJECT, label, sample(move, plan.runs, plan.warmup)))
    records.append(Record.of("map_drill", SUBJECT, label, sample(drill, plan.runs, plan.warmup)))
    return records


if __name__ == "__main__":
    raise SystemExit(subject_main(run))
