"""Every chart kind draws the real payloads of the real central API, and says why when a block is wrong."""

from __future__ import annotations

import numpy as np
import pytest
import requests

from cockpit.charts import CHART_KINDS, Chart, block_is_empty
from cockpit.charts.base import EMPTY_TEXT, split_value
from cockpit.core.catalogue import load_catalogue
from kernel.contract import BLOCK_TYPES

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
USES = [(panel.id, chart.kind, chart.block) for panel in CATALOGUE.panels for chart in panel.charts]


@pytest.fixture(scope="module")
def panels(central_session) -> dict[str, dict]:
    """Every panel's payload, fetched over HTTP from the real central server."""
    found = {}
    with requests.Session() as http:
        for panel in CATALOGUE.panels:
            response = http.get(f"{central_session.url}/api/v1/{panel.endpoint}", timeout=30)
            assert response.status_code == 200, response.text
            found[panel.id] = response.json()
    return found


def drawn(chart: Chart, qtbot, size=(480, 300)) -> np.ndarray:
    qtbot.addWidget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    image = chart.grab().toImage()
    return np.array([[image.pixel(x, y) for x in range(0, image.width(), 4)]
                     for y in range(0, image.height(), 4)])


def test_the_registry_covers_every_kind_the_catalogue_uses():
    assert {kind for _, kind, _ in USES} <= set(CHART_KINDS)
    for kind, chart in CHART_KINDS.items():
        assert chart.kind == kind and chart.block_type in BLOCK_TYPES


@pytest.mark.parametrize(("panel_id", "kind", "block_name"), USES, ids=[f"{p}-{b}" for p, _, b in USES])
def test_each_chart_draws_its_real_block(panels, qtbot, panel_id, kind, block_name):
    block = panels[panel_id]["blocks"][block_name]
    chart = CHART_KINDS[kind]()
    chart.set_block(block)
    assert chart.problem is None, chart.problem
    assert chart.message.isHidden() or not chart.message.isVisible()
    pixels = drawn(chart, qtbot)
    assert len(np.unique(pixels)) > 8, "the chart drew (next to) nothing"
    model = chart.model
    if block_is_empty(block):  # today's figures just after midnight in the city: nothing yet, nothing drawn
        assert model is None
        return
    if kind == "kpi":
        assert [tile.label for tile in model] == [item["label"] for item in block["items"]]
    elif kind == "line":
        assert len(model.lines) == len(block["lines"]) and len(model.x) == len(block["x"])
        layout = chart.layout_for(chart.body.rect())
        assert len(layout.curves) == len(block["lines"])
        finite = np.isfinite(model.lines[0].values)
        assert sum(run.points.size() for run in layout.curves[0]) <= finite.sum()
        assert layout.curves[0] and layout.value_ticks and layout.time_ticks
    elif kind == "ranking":
        assert [bar.value for bar in model.bars] == sorted((i["value"] for i in block["items"]), reverse=True)
    elif kind == "donut":
        assert model.total == pytest.approx(sum(item["value"] for item in block["items"]))
    elif kind == "gauge":
        assert block["min"] <= model.value <= block["max"]
    elif kind == "funnel":
        assert [stage.name for stage in model.stages] == [stage["name"] for stage in block["stages"]]
    elif kind == "table":
        assert chart.table.rowCount() == len(block["rows"]) <= 50
        assert chart.table.columnCount() == len(block["columns"])


def test_the_work_order_loop_is_the_six_stage_funnel(panels):
    stages = [s["name"] for s in panels["accountability"]["blocks"]["work_order_loop"]["stages"]]
    assert stages == ["流转", "交办", "办理", "核查", "评估", "问效"]


def test_a_line_chart_lays_out_once_per_block_and_size(panels, qtbot):
    """A paint draws the kept curves and ticks; only a new block or a new size makes them afresh."""
    block = panels["grid_management"]["blocks"]["events_24h"]
    chart = CHART_KINDS["line"]()
    chart.set_block(block)
    drawn(chart, qtbot)
    rect = chart.body.rect()
    kept = chart.layout_for(rect)
    chart.set_block(dict(block))  # equal: nothing changes
    assert chart.layout_for(rect) is kept
    chart.set_block(dict(block, lines=block["lines"][:1]))
    single = chart.layout_for(rect)
    assert single is not kept and len(single.curves) == 1 and single.fill  # one line is filled to zero
    assert chart.layout_for(rect.adjusted(0, 0, -10, 0)) is not single


def test_a_line_chart_too_low_for_axes_still_draws_its_curve(panels, qtbot):
    """A small overview tile (a grown grid at 1280x720) keeps the curve and drops the axes."""
    chart = CHART_KINDS["line"]()
    chart.set_block(panels["grid_management"]["blocks"]["events_24h"])
    drawn(chart, qtbot, size=(220, 58))
    layout = chart.layout_for(chart.body.rect())
    assert layout.curves and not layout.value_ticks and not layout.time_ticks
    assert layout.plot.height() >= 4 and chart.body.rect().contains(layout.plot.toRect())


def test_line_ticks_read_in_the_blocks_unit():
    from cockpit.charts.line import time_ticks, value_ticks
    from kernel.clock import CITY_TZ

    assert [text for _, text in value_ticks(0, 0.5, 200, "%", 20)] == ["0%", "10%", "20%", "30%", "40%", "50%"]
    assert [value for value, _ in value_ticks(0, 9.3, 113, "", 24)] == [0, 2, 4, 6, 8]  # dense, yet apart
    big = [text for _, text in value_ticks(0, 300000, 120, "件", 20)]
    assert big[0] == "0" and all("万" in text for text in big[1:])
    hours = time_ticks(1795521600, 1795521600 + 86400, 400, CITY_TZ, 1.0)
    assert all(len(text) == 5 and text[2] == ":" for _, text in hours) and len(hours) >= 4


@pytest.mark.parametrize("kind", sorted(CHART_KINDS))
def test_no_block_says_no_data(qtbot, kind):
    chart = CHART_KINDS[kind]()
    qtbot.addWidget(chart)
    chart.set_block(None)
    assert chart.message.text() == EMPTY_TEXT and chart.problem is None


@pytest.mark.parametrize("kind", sorted(CHART_KINDS))
def test_a_block_of_the_wrong_type_is_refused_in_words(qtbot, kind):
    chart = CHART_KINDS[kind]()
    qtbot.addWidget(chart)
    chart.set_block({"type": "pie", "label": "x"})
    assert chart.problem is not None and "pie" in chart.problem
    assert chart.message.text().startswith("无法显示")


@pytest.mark.parametrize(("kind", "block", "words"), [
    ("kpi", {"type": "kpis", "items": [{"label": "受理", "value": "很多", "unit": "件"}]}, "应为数值"),
    ("kpi", {"type": "kpis"}, "items"),
    ("line", {"type": "series", "x": ["2026-11-24T20:00:00+08:00"], "lines": [{"name": "a", "values": [1, 2]}]},
     "个数"),
    ("line", {"type": "series", "x": ["yesterday"], "lines": []}, "时间"),
    ("gauge", {"type": "gauge", "value": 1, "min": 5, "max": 1, "unit": "%"}, "量程"),
    ("gauge", {"type": "gauge", "value": 1, "max": 1, "unit": "%"}, "min"),
    ("donut", {"type": "shares", "items": [{"name": "a", "value": -1}]}, "负数"),
    ("table", {"type": "table", "columns": [], "rows": []}, "没有列"),
])
def test_a_broken_block_is_explained_and_nothing_is_lost(qtbot, kind, block, words):
    chart = CHART_KINDS[kind]()
    qtbot.addWidget(chart)
    chart.set_block(block)
    assert chart.problem is not None and words in chart.problem
    assert words in chart.message.text()


def test_a_broken_update_keeps_the_chart_usable(panels, qtbot):
    block = panels["hazchem"]["blocks"]["rectification"]
    chart = CHART_KINDS["gauge"]()
    qtbot.addWidget(chart)
    chart.set_block({"type": "gauge", "value": "?", "min": 0, "max": 1})
    chart.set_block(block)
    assert chart.problem is None and chart.model.value == block["value"]


def test_numerals_and_units_are_split_for_drawing():
    assert split_value("1.53万件") == ("1.53", "万件")
    assert split_value("96.85%") == ("96.85", "%")
    assert split_value("11,813.3亿元") == ("11,813.3", "亿元")
    assert split_value("—") == ("—", "")


def test_charts_grow_with_the_wall(panels, qtbot):
    """At 4K (scale 2) a KPI numeral is drawn about twice as tall as at 1080p."""
    block = panels["hotline_12345"]["blocks"]["kpis"]
    heights = []
    for scale, size in ((1.0, (400, 120)), (2.0, (800, 240))):
        chart = CHART_KINDS["kpi"]()
        chart.set_scale(scale)
        chart.set_block(block)
        pixels = drawn(chart, qtbot, size)
        accent = np.any(pixels == 0xFF39D0FF, axis=1)  # rows holding the accent-coloured numerals
        heights.append(accent.sum())
    assert heights[0] > 0 and 1.5 < heights[1] / heights[0] < 2.5
