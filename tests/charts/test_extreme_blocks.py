"""Every chart kind draws whatever the contract allows (the schema's extremes: ±1e15, zeros, 200-character
names, empty and long lists) at any size without an exception in paint; and a paint that raises anyway
ends its painter and shows the chart's error state instead of taking the wall down."""

from __future__ import annotations

import itertools
import logging
from datetime import datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from cockpit.charts import CHART_KINDS
from cockpit.charts.base import PAINT_FAILED
from cockpit.charts.gauge import GaugeChart
from kernel.clock import CITY_TZ
from kernel.contract import MAX_FIGURE, payloads

SIZES = ((24, 16), (160, 90), (480, 300), (1400, 800))
EXTREMES = (0.0, 5e-324, -5e-324, 1e-300, 1 / 3, 1e15, -1e15, 1e15 - 1, None)
GENERATED = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def valid(block: dict) -> bool:
    try:
        payloads.check_block(block)
    except payloads.ContractError:
        return False
    return True


FIGURES = st.none() | st.floats(-MAX_FIGURE, MAX_FIGURE, allow_nan=False) | st.sampled_from(EXTREMES)


def series_blocks() -> st.SearchStrategy[dict]:
    """The schema cannot say that every line is as long as x: build series that are."""
    times = st.datetimes(datetime(1900, 1, 2), datetime(2199, 12, 30), timezones=st.just(CITY_TZ)).map(
        lambda when: when.isoformat())
    return st.integers(0, 40).flatmap(lambda n: st.fixed_dictionaries({
        "type": st.just("series"), "label": st.text(max_size=200), "unit": st.sampled_from(["件", "%", "亿元", ""]),
        "x": st.lists(times, min_size=n, max_size=n),
        "lines": st.lists(st.fixed_dictionaries({"name": st.text(max_size=200),
                                                 "values": st.lists(FIGURES, min_size=n, max_size=n)}),
                          max_size=8)}))


@pytest.mark.parametrize("kind", sorted(CHART_KINDS))
def test_whatever_the_contract_allows_is_drawn_without_an_exception(qtbot, caplog, kind):
    chart = CHART_KINDS[kind]()
    qtbot.addWidget(chart)
    chart.show()
    blocks = series_blocks() if chart.block_type == "series" else from_schema(
        payloads.block_schema(chart.block_type, closed=True))

    @GENERATED
    @given(blocks)
    def draws(block: dict) -> None:
        assume(valid(block))
        chart.set_block(block)
        for size in SIZES:
            chart.resize(*size)
            chart.grab()
        assert chart.problem != PAINT_FAILED

    with caplog.at_level(logging.ERROR):
        draws()
    assert not [r for r in caplog.records if "could not paint" in r.getMessage()]


def extreme_blocks(block_type: str, values: tuple) -> dict:
    """One block of `block_type` holding `values` wherever it holds numbers."""
    items = [{"id": f"i{n}", "name": f"项{n}", "label": f"项{n}", "value": v} for n, v in enumerate(values)]
    return {
        "kpis": {"type": "kpis", "items": items},
        "series": {"type": "series", "unit": "件", "x": [f"2026-11-{n + 1:02d}T00:00:00+08:00" for n in range(len(values))],
                   "lines": [{"name": "甲", "values": list(values)}]},
        "ranking": {"type": "ranking", "unit": "件", "items": items},
        "shares": {"type": "shares", "unit": "件", "items": items},
        "gauge": {"type": "gauge", "unit": "%", "value": values[0], "min": min(values[-1] or 0.0, 0.0),
                  "max": max(values[-1] or 0.0, 0.0) or 1.0},  # ranges as wide as 1e15, as narrow as 5e-324
        "funnel": {"type": "funnel", "unit": "件", "stages": items},
        "table": {"type": "table", "columns": [{"id": "value", "label": "值", "unit": "件"}],
                  "rows": [{"value": v} for v in values]},
    }[block_type]


@pytest.mark.parametrize("kind", sorted(CHART_KINDS))
def test_the_extremes_of_every_number_are_drawn(qtbot, caplog, kind):
    chart = CHART_KINDS[kind]()
    qtbot.addWidget(chart)
    chart.show()
    with caplog.at_level(logging.ERROR):
        for values in itertools.product(EXTREMES, repeat=2):
            block = extreme_blocks(chart.block_type, values)
            payloads.check_block(block)
            chart.set_block(block)
            for size in SIZES:
                chart.resize(*size)
                chart.grab()
    assert not [r.getMessage() for r in caplog.records if "could not paint" in r.getMessage()]


def test_a_paint_that_raises_ends_its_painter_and_shows_the_error_state(qtbot, caplog, monkeypatch):
    chart = GaugeChart()
    qtbot.addWidget(chart)
    chart.resize(300, 200)
    chart.show()
    chart.set_block({"type": "gauge", "label": "整改率", "value": 0.9, "min": 0, "max": 1, "unit": "%"})
    monkeypatch.setattr(GaugeChart, "paint", lambda self, painter, rect: 1 / 0)
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            chart.grab()  # each would leave an active painter behind without the guard: Qt aborts on that
    qtbot.waitUntil(lambda: chart.problem == PAINT_FAILED)
    assert chart.message.isVisible() and chart.message.text() == PAINT_FAILED
    assert any("could not paint" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    chart.set_block({"type": "gauge", "label": "整改率", "value": 0.8, "min": 0, "max": 1, "unit": "%"})
    assert chart.problem is None and not chart.message.isVisible()  # the next good block draws again
