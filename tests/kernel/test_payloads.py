"""The contract's models: a hostile value of any kind is refused in words naming its field, anything
the schema allows is accepted, and the check never fails in any other way."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from kernel.contract import payloads
from kernel.contract.payloads import ContractError, check

T = "2026-11-24T20:15:00+08:00"
PANEL = {"id": "economy", "domain": "经济发展", "title": "经济运行", "as_of": T, "blocks": {
    "kpis": {"type": "kpis", "items": [{"id": "gdp", "label": "地区生产总值", "value": 12000.5, "unit": "亿元"}]},
    "trend": {"type": "series", "label": "季度", "unit": "亿元", "x": [T, T],
              "lines": [{"name": "GDP", "values": [1.0, None]}]},
    "counties": {"type": "ranking", "label": "各县", "unit": "亿元",
                 "items": [{"name": "海门区", "value": 1500, "adcode": "320614"}]},
    "kinds": {"type": "shares", "label": "类型", "unit": "件", "items": [{"name": "咨询", "value": 0}]},
    "rate": {"type": "gauge", "label": "整改率", "value": 0.9, "min": 0, "max": 1, "unit": "%", "target": 0.95},
    "loop": {"type": "funnel", "label": "工单", "unit": "件", "stages": [{"name": "受理", "value": 10}]},
    "list": {"type": "table", "label": "清单", "columns": [{"id": "name", "label": "名称"}],
             "rows": [{"name": "甲", "n": 3, "none": None}]},
    "sites": {"type": "points", "label": "点位", "items": [{"id": "p1", "name": "甲", "lon": 120.9, "lat": 32.0,
                                                          "level": "normal"}]},
}}
SITUATION = {"as_of": T, "headline": [{"id": "h", "label": "今日", "value": 1, "unit": "件"}],
             "figures": [{"id": "h", "label": "今日", "unit": "件"}],
             "regions": [{"adcode": "320612", "name": "通州区", "level": "county", "parent": "320600",
                          "figures": {"h": 1, "rate": 0.5, "none": None}}],
             "zones": [], "events": [{"id": "E1", "kind": "grid_event", "title": "占道", "lon": 120.9, "lat": 32.0,
                                      "state": "reported", "time": T}],
             "warnings": [{"id": "W1", "severity": "red", "headline": "长" * 1_000_000, "lon": None, "lat": None,
                           "state": "active"}]}


def mutated(payload: dict, path: tuple, value: object) -> dict:
    copied = copy.deepcopy(payload)
    target = copied
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copied


def test_good_payloads_pass_and_a_megabyte_warning_headline_is_allowed():
    check("panels/economy", PANEL)
    check("situation", SITUATION)  # a real CAP headline may be that long: the views cut it


HOSTILE = [
    (("blocks", "kpis", "items", 0, "value"), 1e308, "blocks.kpis.items[0].value：数值超出约定范围"),
    (("blocks", "kpis", "items", 0, "value"), -1e16, "blocks.kpis.items[0].value：数值超出约定范围"),
    (("blocks", "kpis", "items", 0, "value"), math.nan, "blocks.kpis.items[0].value：应为有限数值"),
    (("blocks", "kpis", "items", 0, "value"), math.inf, "blocks.kpis.items[0].value：应为有限数值"),
    (("blocks", "kpis", "items", 0, "value"), "12000", "blocks.kpis.items[0].value：应为数值"),
    (("blocks", "kpis", "items", 0, "value"), True, "blocks.kpis.items[0].value：应为数值"),
    (("blocks", "kpis", "items", 0, "value"), 10 ** 400, "blocks.kpis.items[0].value"),
    (("blocks", "kpis", "items", 0, "label"), "长" * 1_000_000, "blocks.kpis.items[0].label：文本过长（上限 200 字）"),
    (("blocks", "kpis", "items", 0, "label"), 5, "blocks.kpis.items[0].label：应为文本"),
    (("blocks", "kpis"), None, "blocks.kpis：应为对象"),
    (("blocks", "kpis", "items"), KeyError, "blocks.kpis.items：缺少此字段"),
    (("blocks", "kpis", "items"), [{}] * 51, "blocks.kpis.items"),
    (("blocks", "trend", "lines", 0, "values"), [1.0], "blocks.trend：第 1 条线有 1 个值，x 有 2 个"),
    (("blocks", "trend", "x", 0), "yesterday", "blocks.trend.x[0]：应为 ISO 8601 时间"),
    (("blocks", "trend", "x", 0), "2026-11-24T20:15:00", "blocks.trend.x[0]：时间缺少时区"),
    (("blocks", "rate", "min"), 2, "blocks.rate：min 应小于 max"),
    (("blocks", "list", "rows"), [{"name": "x"}] * 51, "blocks.list.rows：项数过多（上限 50 项）"),
    (("blocks", "list", "rows", 0, "name"), {"nested": 1}, "blocks.list.rows[0].name"),
    (("blocks", "sites", "items", 0, "lon"), 1e9, "blocks.sites.items[0].lon：数值超出约定范围"),
    (("blocks", "sites", "items", 0, "level"), "purple", "blocks.sites.items[0].level：取值不在约定之内"),
    (("blocks", "x" * 1000), {"type": "kpis", "items": []}, "blocks"),
    (("blocks",), [], "blocks：应为对象"),
    (("as_of",), KeyError, "as_of：缺少此字段"),
    (("id",), "hazchem", "回答了另一个专题（hazchem）"),
]


@pytest.mark.parametrize("path, value, words", HOSTILE, ids=[f"{p[-1]}={str(v)[:12]}" for p, v, _ in HOSTILE])
def test_a_hostile_panel_is_refused_naming_the_field(path, value, words):
    with pytest.raises(ContractError) as refused:
        check("panels/economy", mutated(PANEL, path, value))
    assert words in str(refused.value)
    assert len(str(refused.value)) < 300  # never the hostile value itself


@pytest.mark.parametrize("path, value, words", [
    (("regions", 0, "figures", "h"), "1532", "regions[0].figures.h：应为数值"),
    (("regions", 0, "figures", "h"), math.nan, "regions[0].figures.h：应为有限数值"),
    (("regions",), None, "regions：应为列表"),
    (("regions", 0, "level"), "planet", "regions[0].level：取值不在约定之内"),
    (("events",), [SITUATION["events"][0]] * 3001, "events：项数过多（上限 3000 项）"),
    (("warnings", 0, "severity"), "black", "warnings[0].severity：取值不在约定之内"),
    (("figures",), KeyError, "figures：缺少此字段"),
])
def test_a_hostile_situation_is_refused_naming_the_field(path, value, words):
    with pytest.raises(ContractError, match=words.replace("[", r"\[").replace("]", r"\]")):
        check("situation", mutated(SITUATION, path, value))


def test_a_block_type_the_contract_does_not_know_is_kept_for_a_newer_client():
    check("panels/economy", mutated(PANEL, ("blocks", "heat"), {"type": "heatmap", "cells": [[1, 2]]}))
    with pytest.raises(ContractError, match="blocks.heat.type：应为文本"):
        check("panels/economy", mutated(PANEL, ("blocks", "heat"), {"type": 7}))


def test_each_endpoint_has_a_size_cap_that_fits_it():
    assert payloads.max_bytes("panels/economy") == 2 << 20
    assert payloads.max_bytes("situation") == 8 << 20
    assert payloads.max_bytes("meta") < payloads.max_bytes("panels/economy") < payloads.max_bytes("warnings")


GENERATED = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@GENERATED
@given(st.sampled_from(sorted(payloads._BLOCK_MODELS)).flatmap(
    lambda kind: from_schema(payloads.block_schema(kind, closed=True))))
def test_what_the_schema_generates_is_accepted_or_refused_in_words(block):
    """The JSON Schema cannot say everything (a line as long as x, min below max): those refusals are
    words too, and anything else the schema allows is accepted."""
    try:
        payloads.check_block(block)
    except ContractError as refused:
        # (and the generator does not always keep a dict's keys to their pattern: no control characters)
        assert any(words in str(refused) for words in ("条线有", "min 应小于 max", "时间", "控制字符"))


@GENERATED
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=50),
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                               max_size=5), max_leaves=30),
       st.sampled_from(["meta", "situation", "panels/economy", "warnings", "warnings/W1", "open311/requests"]))
def test_any_json_at_all_is_accepted_or_refused_in_words_never_a_crash(payload, endpoint):
    try:
        check(endpoint, payload)
    except ContractError as refused:
        assert str(refused)
