"""Every body the simulator serves has exactly the contract's shape (docs/api-contract.md), over real HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import requests
import shapely
from shapely.geometry import Point

from central.sim import city
from central.sim.panels import PANELS
from central.sim.panels.__main__ import with_table
from kernel import geo, levels

ROOT = Path(__file__).resolve().parents[2]
FIGURE_IDS = {"hotline_today", "grid_events_today", "events_open", "warnings_active", "work_orders_overdue",
              "closure_rate", "satisfaction", "grids"}


def contract_panels() -> dict[str, tuple[str, str, dict[str, str]]]:
    """id -> (domain, title, {block: type}) from the server's panel registry, the contract's one home."""
    return {p.id: (p.domain, p.title, p.blocks) for p in PANELS.values()}


def test_the_contracts_table_of_panels_is_generated_from_the_registry():
    text = (ROOT / "docs" / "api-contract.md").read_text(encoding="utf-8")
    assert with_table(text) == text, "docs/api-contract.md is out of date: run python -m central.sim.panels"
    assert all(f"| `{pid}` |" in text for pid in PANELS)


def get(server, path: str) -> dict:
    response = requests.get(f"{server.url}{path}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


SMALL_HOURS = 6  # before 06:00 in the city a block of today's counts (今日…) may rightly still be empty


def check_block(name: str, block: dict, hour: int = 12) -> None:
    """`hour`: the local hour of the body's as_of."""
    kind = block["type"]
    where = f"block {name}"
    if kind == "kpis":
        assert block["items"], where
        for item in block["items"]:
            assert item.keys() == {"id", "label", "value", "unit"}, where
            assert is_number(item["value"]), where
    elif kind == "series":
        assert {"label", "unit", "x", "lines"} <= block.keys(), where
        assert block["x"] and all(datetime.fromisoformat(x).utcoffset() for x in block["x"]), where
        assert block["x"] == sorted(block["x"]), where
        for line in block["lines"]:
            assert len(line["values"]) == len(block["x"]), where
            assert all(v is None or is_number(v) for v in line["values"]), where
    elif kind == "ranking":
        values = [item["value"] for item in block["items"]]
        assert values == sorted(values, reverse=True), where
        assert values or may_be_empty(block, hour), f"{where}: empty"
        assert all({"name", "value"} <= item.keys() for item in block["items"]), where
    elif kind == "shares":
        assert block["items"] and all(is_number(i["value"]) and i["value"] >= 0 for i in block["items"]), where
        assert sum(i["value"] for i in block["items"]) > 0 or may_be_empty(block, hour), f"{where}: all zero"
    elif kind == "gauge":
        assert block["min"] <= block["value"] <= block["max"], where
    elif kind == "funnel":
        values = [stage["value"] for stage in block["stages"]]
        assert values and values == sorted(values, reverse=True), f"{where}: a funnel only narrows"
    elif kind == "table":
        ids = [column["id"] for column in block["columns"]]
        assert 0 < len(block["rows"]) <= 50 or not block["rows"], where
        assert all(set(row) == set(ids) for row in block["rows"]), where
    elif kind == "points":
        for item in block["items"]:
            assert {"id", "name", "lon", "lat", "level"} <= item.keys(), where
            assert item["level"] in levels.POINT_CODES, where
            assert 119.5 < item["lon"] < 122.5 and 31.4 < item["lat"] < 32.9, where
    else:
        pytest.fail(f"{where}: unknown type {kind}")


def may_be_empty(block: dict, hour: int) -> bool:
    return hour < SMALL_HOURS and block["label"].startswith("今日")


def test_meta_lists_the_registrys_panels(central_session):
    meta = get(central_session, "/api/v1/meta")
    assert [(p["id"], p["domain"], p["title"]) for p in meta["panels"]] == [
        (pid, domain, title) for pid, (domain, title, _) in contract_panels().items()]
    assert meta["domains"] == list(city.DOMAINS)
    assert {p["domain"] for p in meta["panels"]} == set(city.DOMAINS)


@pytest.mark.parametrize("panel_id", list(contract_panels()))
def test_every_panel_has_exactly_the_contracts_blocks(central_session, panel_id):
    domain, title, block_types = contract_panels()[panel_id]
    body = get(central_session, f"/api/v1/panels/{panel_id}")
    assert (body["id"], body["domain"], body["title"]) == (panel_id, domain, title)
    as_of = datetime.fromisoformat(body["as_of"])
    assert as_of.utcoffset().total_seconds() == 8 * 3600
    assert {name: block["type"] for name, block in body["blocks"].items()} == block_types
    for name, block in body["blocks"].items():
        check_block(name, block, as_of.hour)


def test_the_situation_has_every_region_zone_and_figure(central_session):
    body = get(central_session, "/api/v1/situation")
    assert {f["id"] for f in body["figures"]} == FIGURE_IDS
    counties = [r for r in body["regions"] if r["level"] == "county"]
    towns = [r for r in body["regions"] if r["level"] == "town"]
    assert len(counties) == 7 and all(len(r["adcode"]) == 6 and r["parent"] == "320600" for r in counties)
    assert len(towns) == 103 and all(len(r["adcode"]) == 9 for r in towns)
    assert {t["parent"] for t in towns} == {c["adcode"] for c in counties}
    assert [z["name"] for z in body["zones"]] == ["南通经济技术开发区", "苏锡通科技产业园区", "通州湾示范区"]
    assert all("geometry" not in z for z in body["zones"])
    for unit in body["regions"] + body["zones"]:
        assert unit["figures"].keys() == FIGURE_IDS, unit["name"]
        assert 0 <= unit["figures"]["closure_rate"] <= 1 and 0 <= unit["figures"]["satisfaction"] <= 1
    by_code = {r["adcode"]: r["figures"] for r in body["regions"]}
    assert sum(c["figures"]["grids"] for c in counties) == 8450
    assert by_code["320612"]["grids"] == 1030
    for county in counties:  # a county is the sum of its towns
        members = [t["figures"] for t in towns if t["parent"] == county["adcode"]]
        for key in ("hotline_today", "grid_events_today", "events_open", "work_orders_overdue", "grids"):
            assert county["figures"][key] == sum(m[key] for m in members), (county["name"], key)
    headline = {h["id"]: h["value"] for h in body["headline"]}
    assert headline["hotline_today"] == sum(c["figures"]["hotline_today"] for c in counties)
    assert headline["warnings_active"] == len(body["warnings"])


def test_events_lie_inside_their_town_cells_and_warnings_are_active(central_session):
    body = get(central_session, "/api/v1/situation")
    assert 0 < len(body["events"]) <= 3000
    cells = geo.town_cells()
    for event in body["events"]:
        assert {"id", "kind", "title", "lon", "lat", "adcode", "state", "time"} <= event.keys()
        assert shapely.covers(cells[event["adcode"]], Point(event["lon"], event["lat"])), event
    assert len({e["id"] for e in body["events"]}) == len(body["events"])
    times = [e["time"] for e in body["events"]]
    assert times == sorted(times, reverse=True)
    assert body["warnings"], "a simulated city always has some warnings in force"
    assert all(w["state"] == "active" and w["severity"] in {"red", "orange", "yellow", "blue"}
               for w in body["warnings"])


def test_a_drill_shows_on_the_situation_map_at_once(central_server):
    from tests.conftest import ADMIN_TOKEN

    get(central_server, "/api/v1/situation")  # built and cached for this simulated minute
    drill = requests.post(f"{central_server.url}/api/v1/sim/warnings", timeout=10,
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                          json={"severity": "red", "headline": "演练：如东县风暴潮", "adcode": "320623"})
    assert drill.status_code == 201, drill.text
    shown = get(central_server, "/api/v1/situation")["warnings"]
    assert drill.json()["id"] in {w["id"] for w in shown}
