"""The panel catalogue: the shipped one loads; broken ones stop start-up with a message naming the panel."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cockpit.charts import CHART_KINDS
from cockpit.core.catalogue import DEFAULT_DOMAIN_COLOUR, CatalogueError, Layout, load_catalogue
from kernel.paths import resource

KINDS = frozenset(CHART_KINDS)  # the chart registry, whatever kinds it holds
SHIPPED = json.loads(resource("panels.json").read_text(encoding="utf-8"))


def test_the_shipped_catalogue_is_valid():
    catalogue = load_catalogue(chart_kinds=KINDS)
    assert {panel.domain for panel in catalogue.panels} == set(catalogue.domains)
    assert catalogue.domains == ("党建引领", "经济发展", "社会治理", "政务服务", "公共安全", "城市运行")
    assert all(catalogue.by_domain(domain) for domain in catalogue.domains)
    assert catalogue.panel("hotline_12345").title == "12345政务热线"
    assert catalogue.map.endpoint == "situation"
    assert catalogue.panel("data_exchange").map_layer is None
    endpoints = catalogue.endpoints()
    assert len(endpoints) == len({panel.endpoint for panel in catalogue.panels}) + 1
    assert endpoints["situation"] == 10.0
    with pytest.raises(KeyError):
        catalogue.panel("nope")


def test_panels_sharing_an_endpoint_poll_at_the_shortest_refresh(tmp_path):
    data = copy.deepcopy(SHIPPED)
    data["panels"][1]["endpoint"] = data["panels"][0]["endpoint"]
    data["panels"][1]["refresh_s"] = 5
    endpoints = load_catalogue(_write(tmp_path, data), chart_kinds=KINDS).endpoints()
    assert endpoints["panels/party_grid"] == 5.0 and "panels/party_volunteer" not in endpoints


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "panels.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _broken(tmp_path: Path, change) -> str:
    data = copy.deepcopy(SHIPPED)
    change(data)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(_write(tmp_path, data), chart_kinds=KINDS)
    return str(caught.value)


def _panel(data: dict, panel_id: str) -> dict:
    return next(p for p in data["panels"] if p["id"] == panel_id)


def test_unknown_chart_kind(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "hotline_12345")["charts"][2].update(kind="pie"))
    assert message.endswith(f"panel 'hotline_12345': unknown chart kind 'pie' (known: {', '.join(sorted(KINDS))})")
    assert message.startswith(str(tmp_path / "panels.json"))


def test_duplicate_id(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "economy").update(id="party_grid"))
    assert "panel 'party_grid': duplicate panel id" in message


def test_unknown_domain(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "hazchem").update(domain="公共卫生"))
    assert "panel 'hazchem': unknown domain '公共卫生' (known: 党建引领, 经济发展" in message


def test_unknown_endpoint(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "economy").update(endpoint="stats/economy"))
    assert "panel 'economy': endpoint 'stats/economy' is not one the client knows" in message
    assert "panels/<id>" in message


def test_layout_outside_the_grid(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "yangtze_eco")["layout"].update(row=3, rowspan=2))
    assert "panel 'yangtze_eco': layout (row 3, col 5, 2x1) lies outside the 4x6 grid" in message


def test_layout_overlapping_the_map(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "hazchem")["layout"].update(col=3))
    assert "panel 'hazchem': layout overlaps the map at row 3, column 3" in message


def test_layout_overlapping_another_panel(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "economy")["layout"].update(row=0))
    assert "panel 'economy': layout overlaps panel 'party_grid' at row 0, column 0" in message


@pytest.mark.parametrize("refresh", [0, 0.5, 7200, "60", None, True])
def test_refresh_out_of_range(tmp_path, refresh):
    message = _broken(tmp_path, lambda d: _panel(d, "flood_control").update(refresh_s=refresh))
    assert f"panel 'flood_control': 'refresh_s' must be a number of seconds from 1 to 3600, got {refresh!r}" in message


def test_map_refresh_and_endpoint_are_checked(tmp_path):
    assert "the map: 'refresh_s'" in _broken(tmp_path, lambda d: d["overview"]["map"].update(refresh_s=-1))
    assert "the map: endpoint 'map'" in _broken(tmp_path, lambda d: d["overview"]["map"].update(endpoint="map"))


def test_bad_json_gives_line_and_column(tmp_path):
    path = tmp_path / "panels.json"
    path.write_text('{\n  "schema_version": 1,\n  "domains": ["a",]\n}\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"not valid JSON at line 3 column 19: Expecting value"):
        load_catalogue(path, chart_kinds=KINDS)


def test_missing_file(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read the panel catalogue"):
        load_catalogue(tmp_path / "absent.json", chart_kinds=KINDS)


def test_schema_version(tmp_path):
    message = _broken(tmp_path, lambda d: d.update(schema_version=2))
    assert "schema_version 2 is not supported (this cockpit reads 1)" in message


def test_typo_in_a_field_name(tmp_path):
    def typo(data):
        panel = _panel(data, "baitong_app")
        panel["refesh_s"] = panel.pop("refresh_s")

    assert "panel 'baitong_app': unknown field(s) refesh_s" in _broken(tmp_path, typo)


def test_panel_without_a_usable_id(tmp_path):
    assert "panel #3: 'id' must be lower-case" in _broken(tmp_path, lambda d: d["panels"][2].update(id="Economy!"))


def test_tile_charts_cannot_exceed_the_charts(tmp_path):
    message = _broken(tmp_path, lambda d: _panel(d, "hazchem").update(tile_charts=4))
    assert "panel 'hazchem': 'tile_charts' is 4 but there are 3 charts" in message


def test_empty_charts_and_bad_chart_entries(tmp_path):
    assert "'charts' is empty" in _broken(tmp_path, lambda d: _panel(d, "hazchem").update(charts=[]))
    message = _broken(tmp_path, lambda d: _panel(d, "hazchem")["charts"].append({"kind": "kpi"}))
    assert "panel 'hazchem': each chart needs a 'kind' and a 'block'" in message


def test_layout_cells():
    assert Layout(1, 2, 2, 1).cells() == {(1, 2), (2, 2)}


def test_panels_without_a_layout_are_packed_row_by_row_and_the_grid_grows(tmp_path):
    data = copy.deepcopy(SHIPPED)
    extra = [dict(copy.deepcopy(data["panels"][0]), id=f"extra_{n}") for n in range(8)]
    for panel in extra:
        del panel["layout"]
    data["panels"] += extra
    catalogue = load_catalogue(_write(tmp_path, data), chart_kinds=KINDS)
    shipped = load_catalogue(chart_kinds=KINDS)
    placed = [catalogue.panel(f"extra_{n}").layout for n in range(8)]
    assert [(cell.row, cell.col) for cell in placed] == [(shipped.rows + n // shipped.columns, n % shipped.columns)
                                                          for n in range(8)]  # the shipped grid is full
    assert catalogue.rows == shipped.rows + 2 and catalogue.columns == shipped.columns
    cells = [cell for panel in catalogue.panels for cell in panel.layout.cells()]
    assert len(cells) == len(set(cells))


def test_two_panels_over_one_endpoint_with_their_own_ids(tmp_path):
    data = copy.deepcopy(SHIPPED)
    twin = dict(copy.deepcopy(_panel(data, "economy")), id="economy_for_the_mayor", title="经济运行（市长）")
    del twin["layout"]
    data["panels"].append(twin)
    catalogue = load_catalogue(_write(tmp_path, data), chart_kinds=KINDS)
    assert catalogue.panel("economy_for_the_mayor").endpoint == catalogue.panel("economy").endpoint
    assert list(catalogue.endpoints()).count("panels/economy") == 1


def test_domain_colours_and_tile_items_come_from_the_catalogue(tmp_path):
    data = copy.deepcopy(SHIPPED)
    data["domains"][0] = {"name": data["domains"][0]["name"], "colour": "#123456"}
    data["domains"][1] = data["domains"][1]["name"]  # a bare name takes the default colour
    _panel(data, "economy")["charts"][0]["tile_items"] = 2
    catalogue = load_catalogue(_write(tmp_path, data), chart_kinds=KINDS)
    first, second = catalogue.domains[:2]
    assert catalogue.domain_colour(first) == "#123456"
    assert all(p.domain_colour == "#123456" for p in catalogue.by_domain(first))
    assert catalogue.domain_colour(second) == DEFAULT_DOMAIN_COLOUR
    assert catalogue.panel("economy").charts[0].tile_items == 2


def test_bad_domain_colour_map_colour_and_chart_fields(tmp_path):
    message = _broken(tmp_path, lambda d: d["domains"][0].update(colour="red"))
    assert "'colour' must be #rrggbb, got 'red'" in message
    message = _broken(tmp_path, lambda d: _panel(d, "economy").update(map_colour={"block": "county_gdp"}))
    assert "panel 'economy': 'map_colour' must be" in message
    message = _broken(tmp_path, lambda d: _panel(d, "economy")["charts"][0].update(tiles=3))
    assert "panel 'economy': chart 'kpis': unknown field(s) tiles" in message
