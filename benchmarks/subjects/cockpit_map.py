"""The cockpit's own map widget (NantongMap), rendered offscreen into a reused QImage.

Timed inside this process around the widget's public calls:
map_first     the same, for the first map of the process (one run: what a fresh start pays)
map_full      a new widget: set the choropleth and points, render the first frame
map_recolour  every grid cell gets the other value set, render
map_points    the 3,000 points move, render what changed (the widget's own update path)
map_drill     drill into a county, render; back to the city, render
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.scene import LABEL, UNIT, scene  # noqa: E402
from benchmarks.timing import Plan, Record, sample, subject_main  # noqa: E402
from cockpit.views.fonts import install_fonts  # noqa: E402
from cockpit.views.map import NantongMap  # noqa: E402

SUBJECT = "cockpit"


def run(size: tuple[int, int], plan: Plan) -> list[Record]:
    app = QApplication.instance() or QApplication([])
    install_fonts(app)
    data = scene()
    width, height = size
    label = f"{width}x{height}"
    target = QImage(width, height, QImage.Format.Format_RGB32)
    text_scale = min(width / 1920, height / 1080)
    widgets: list[NantongMap] = []

    def free() -> None:
        while widgets:
            widgets.pop().close()  # the last reference: Python deletes the widget and its frames
        app.processEvents()
        gc.collect()

    def build(_: int) -> None:
        widget = NantongMap()
        widget.resize(width, height)
        widget.set_scale(text_scale)
        widget.set_choropleth(data.values_a, label=LABEL, unit=UNIT, level="grid")
        widget.set_points("events", list(data.points_a))
        widget.render_image(target)
        widgets.append(widget)

    first = sample(build, 1, 0)  # the process's first map: Qt polygons, glyph caches and all
    records = [Record.of("map_first", SUBJECT, label, first, note="the first map of a fresh process"),
               Record.of("map_full", SUBJECT, label, sample(build, plan.full_runs, plan.warmup, free))]
    widget = widgets[-1]
    values = (data.values_b, data.values_a)
    points = (list(data.points_b), list(data.points_a))

    def recolour(i: int) -> None:
        widget.set_choropleth(values[i % 2], label=LABEL, unit=UNIT, level="grid")
        widget.render_image(target)

    def move(i: int) -> None:
        widget.set_points("events", points[i % 2])
        widget.render_image(target, changed_only=True)

    def drill(_: int) -> None:
        widget.drill(data.drill_county)
        widget.render_image(target)
        widget.drill(None)
        widget.render_image(target)

    records.append(Record.of("map_recolour", SUBJECT, label, sample(recolour, plan.runs, plan.warmup)))
    records.append(Record.of("map_points", SUBJECT, label, sample(move, plan.runs, plan.warmup)))
    records.append(Record.of("map_drill", SUBJECT, label, sample(drill, plan.runs, plan.warmup)))
    app.processEvents()
    return records


if __name__ == "__main__":
    raise SystemExit(subject_main(run))
