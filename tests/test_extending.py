"""Extending the wall as a city would: a 17th panel over an existing endpoint, an 18th with data of
its own (a builder the city adds to its central API), and a new chart kind: no other edit needed."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt

from cockpit import charts
from cockpit.charts import CHART_KINDS, Chart, block_is_empty
from cockpit.charts.base import number
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient
from cockpit.core.embedded import EmbeddedCentral
from cockpit.core.store import State, Store
from cockpit.views.main_window import MainWindow
from kernel.paths import resource
from tests.test_app import cockpit, png_size

CITY_PANELS = '''
from central.sim import blocks as b
from central.sim.panels import panel


@panel("城市运行", "城市体征", kpis="kpis", city_signs="ranking")
def city_signs(view):
    return {"kpis": b.kpis(b.kpi("signs", "体征指标", 128, "项"), b.kpi("alarms", "异常体征", 3, "项")),
            "city_signs": b.ranking("各县（市、区）异常体征", "项",
                                    [{"name": "崇川区", "value": 2, "adcode": "320613"},
                                     {"name": "通州区", "value": 1, "adcode": "320612"}])}
'''


@pytest.fixture(scope="module")
def city_server(tmp_path_factory) -> EmbeddedCentral:
    """The central API with a panel of the city's own, imported by --panels-module."""
    folder = tmp_path_factory.mktemp("city")
    (folder / "city_panels.py").write_text(CITY_PANELS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", f"{folder}:{Path(__file__).resolve().parents[1]}")
        server = EmbeddedCentral(folder / "central.sqlite", seed=7, speed=0.001,
                                 extra_args=("--panels-module", "city_panels"))
        server.start()
    yield server
    server.stop()


def grown_catalogue(tmp_path: Path) -> Path:
    data = json.loads(resource("panels.json").read_text(encoding="utf-8"))
    economy = next(p for p in data["panels"] if p["id"] == "economy")
    twin = dict(copy.deepcopy(economy), id="economy_for_the_mayor", title="经济运行（市长专栏）")
    twin.pop("layout")  # packed into the first free cell: the grid grows a row
    own = {"id": "city_signs", "domain": "城市运行", "title": "城市体征", "endpoint": "panels/city_signs",
           "refresh_s": 60, "charts": [{"kind": "kpi", "block": "kpis", "tile_items": 4},
                                       {"kind": "ranking", "block": "city_signs"}], "tile_charts": 2,
           "map_colour": {"block": "city_signs", "level": "county"}}
    data["panels"] += [twin, own]
    path = tmp_path / "panels.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_two_more_panels_show_on_a_grown_grid_that_fits_1280x720(qtbot, tmp_path, city_server):
    catalogue = load_catalogue(grown_catalogue(tmp_path), chart_kinds=CHART_KINDS)
    shipped = load_catalogue(chart_kinds=CHART_KINDS)
    assert catalogue.rows == shipped.rows + 1
    store = Store(block_is_empty=block_is_empty)
    with ApiClient(city_server.url) as client:
        for endpoint in catalogue.endpoints():
            store.put_fetch(client.fetch(endpoint))
    window = MainWindow(catalogue, store, source="测试接口")
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.tick()
    screen = QRect(0, 0, window.width(), window.height())
    for panel_id in ("economy_for_the_mayor", "city_signs", "economy"):
        tile = window.tiles[panel_id]
        assert store.get(tile.spec.endpoint).state is State.OK
        assert tile.chart_area.isVisibleTo(window) and not tile.banner.isVisibleTo(window), panel_id
        assert all(chart.problem is None and chart.model for _, chart in tile.charts), panel_id
        place = QRect(tile.mapTo(window, tile.rect().topLeft()), tile.size())
        assert screen.contains(place) and place.height() >= 60, (panel_id, place)
    assert window.tiles["city_signs"].charts[0][1].model[0].label == "体征指标"
    window.show_panel("city_signs")  # full-size: its own ranking colours the map by county
    full = window.pages.currentWidget().findChild(type(window.tiles["city_signs"]))
    full.set_entry(store.get("panels/city_signs"), store.server_now())
    assert full.map_widget.choropleth == ("各县（市、区）异常体征", "项", "county")


def test_the_app_takes_its_screenshot_with_the_grown_catalogue(tmp_path, city_server):
    shot = tmp_path / "grown.png"
    done = cockpit(tmp_path, "--api", city_server.url, "--catalogue", str(grown_catalogue(tmp_path)),
                   "--screenshot", str(shot), "--size", "1280x720", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (1280, 720)


@dataclass(frozen=True)
class Bullet:
    value: float
    target: float


class BulletChart(Chart):
    """A new kind for the test: a gauge block drawn as one bar with the target marked."""

    kind = "bullet"
    block_type = "gauge"

    @classmethod
    def _parse(cls, block: dict) -> Bullet | None:
        value = number(block.get("value"), "value")
        return None if value is None else Bullet(value, number(block.get("target"), "target") or 0.0)

    def paint(self, painter, rect) -> None:
        painter.fillRect(rect.adjusted(0, rect.height() // 3, 0, -rect.height() // 3), Qt.GlobalColor.cyan)


def test_a_new_chart_kind_is_one_class_and_its_registry_line(qtbot, tmp_path, monkeypatch, central_session):
    monkeypatch.setitem(charts.CHART_KINDS, BulletChart.kind, BulletChart)  # the registry line
    data = json.loads(resource("panels.json").read_text(encoding="utf-8"))
    hazchem = next(p for p in data["panels"] if p["id"] == "hazchem")
    for chart in hazchem["charts"]:
        if chart["kind"] == "gauge":
            chart["kind"] = "bullet"
    path = tmp_path / "panels.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue = load_catalogue(path, chart_kinds=charts.CHART_KINDS)
    store = Store(block_is_empty=block_is_empty)
    with ApiClient(central_session.url) as client:
        store.put_fetch(client.fetch("panels/hazchem"))
    window = MainWindow(catalogue, store, source="测试接口")
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    window.tick()
    window.show_panel("hazchem")
    bullets = [chart for view in window.findChildren(type(window.tiles["hazchem"]))
               for _, chart in view.charts if isinstance(chart, BulletChart)]
    assert bullets and all(chart.problem is None and isinstance(chart.model, Bullet) for chart in bullets)
    gauge = store.get("panels/hazchem").payload["blocks"]["rectification"]
    assert not block_is_empty(gauge) and block_is_empty(dict(gauge, value=None))


def test_a_panel_the_server_does_not_serve_is_shown_as_such_and_the_screenshot_completes(tmp_path, city_server):
    data = json.loads(grown_catalogue(tmp_path).read_text(encoding="utf-8"))
    data["panels"].append({"id": "not_yet", "domain": "城市运行", "title": "尚未上线的专题",
                           "endpoint": "panels/not_yet", "refresh_s": 60,
                           "charts": [{"kind": "kpi", "block": "kpis"}], "tile_charts": 1})
    path = tmp_path / "with-missing.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shot = tmp_path / "missing.png"
    done = cockpit(tmp_path, "--api", city_server.url, "--catalogue", str(path), "--screenshot", str(shot),
                   "--size", "1280x720", "--timeout", "60", timeout=120)
    assert done.returncode == 0, done.stderr  # the server's 404 is an answer: no waiting for the timeout
    assert png_size(shot) == (1280, 720)
