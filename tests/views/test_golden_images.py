"""Every chart kind and the map, drawn from fixed payloads, against approved pictures (tests/golden.py)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QImage

from cockpit.charts import CHART_KINDS
from cockpit.views.fonts import register_fonts
from cockpit.views.map import NantongMap
from cockpit.views.theme import qt_palette, stylesheet
from tests.golden import GOLDEN, assert_matches_golden

PAYLOADS = json.loads((GOLDEN / "payloads.json").read_text(encoding="utf-8"))
CHART_SIZE = (480, 300)


@pytest.mark.parametrize("kind", sorted(CHART_KINDS))
def test_each_chart_kind_draws_its_approved_picture(qapp, qtbot, tmp_path, kind):
    if kind not in PAYLOADS["charts"]:
        pytest.skip(f"no golden payload for the chart kind {kind!r}: add one to {GOLDEN.name}/payloads.json")
    register_fonts()
    chart = CHART_KINDS[kind]()
    chart.setPalette(qt_palette())  # the wall's theme on this widget alone, as the app applies it to all
    chart.setStyleSheet(stylesheet(1.0))
    qtbot.addWidget(chart)
    chart.resize(*CHART_SIZE)
    chart.set_block(PAYLOADS["charts"][kind]["block"])
    assert chart.problem is None, chart.problem
    chart.show()
    qtbot.waitExposed(chart)
    image = chart.grab().toImage()
    assert_matches_golden(image, f"chart-{kind}", tmp_path)


@pytest.mark.parametrize(("name", "size", "drill"), [("map-city", (1280, 720), None),
                                                      ("map-tongzhou", (1280, 720), "320612")])
def test_the_map_draws_its_approved_picture(qapp, qtbot, tmp_path, name, size, drill):
    spec = PAYLOADS["map"]
    widget = NantongMap()
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.set_scale(0.8)
    widget.set_choropleth(spec["counties"], label=spec["label"], unit=spec["unit"], level="county")
    widget.set_points("events", spec["points"])
    widget.drill(drill)
    image = widget.render_image(QImage(widget.size(), QImage.Format.Format_RGB32))
    assert_matches_golden(image, name, tmp_path)
