"""The main window, fed through the real client from the real central server: titles, states, navigation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from cockpit.charts import CHART_KINDS, block_is_empty
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient, ApiError, FetchResult
from cockpit.core.store import Store
from cockpit.views.main_window import WALL_TITLE, MainWindow
from cockpit.views.panel_view import PanelView

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
OUTAGE = ApiError("unreachable", "无法连接中央接口（127.0.0.1:9）：连接被拒绝")


@pytest.fixture(scope="module")
def fetched(central_session) -> dict[str, FetchResult]:
    with ApiClient(central_session.url) as client:
        return {endpoint: client.fetch(endpoint) for endpoint in CATALOGUE.endpoints()}


def open_window(qtbot, store: Store, size=(1920, 1080)) -> MainWindow:
    window = MainWindow(CATALOGUE, store, source="测试接口")
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def live(qtbot, fetched) -> tuple[MainWindow, Store]:
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    for result in fetched.values():
        store.put_fetch(result)
    window.tick()
    return window, store


def shown_text(widget) -> str:
    return widget.text() if widget.isVisibleTo(widget.window()) else ""


def test_the_overview_shows_every_catalogue_panel_around_the_map_with_their_figures(live):
    window, _ = live
    assert window.windowTitle() == WALL_TITLE
    assert list(window.tiles) == [p.id for p in CATALOGUE.panels]
    assert {tile.title.text() for tile in window.tiles.values()} == {p.title for p in CATALOGUE.panels}
    for tile in window.tiles.values():
        assert tile.chart_area.isVisibleTo(window), tile.spec.id
        assert not tile.badge.isVisibleTo(window) and not tile.banner.isVisibleTo(window)
        assert all(chart.problem is None for _, chart in tile.charts), tile.spec.id
        assert tile.as_of.text()  # the data's own time
    assert [tile.label for tile in window.situation.headline.model]
    assert window.situation.chooser.count() == 8
    assert "已连接" in window.header.connection.text()
    assert window.header.clock.text() and window.header.as_of.text().startswith("态势数据时间")
    assert set(window.header.tab_buttons) == {"总览", *CATALOGUE.domains}


def test_panels_sit_in_the_catalogue_grid_grouped_by_domain(live):
    window, _ = live
    grid = window.overview.layout()
    for spec in CATALOGUE.panels:
        row, column, rowspan, colspan = grid.getItemPosition(grid.indexOf(window.tiles[spec.id]))
        assert (row, column) == (spec.layout.row, spec.layout.col)
        assert window.tiles[spec.id].domain_tag.text() == spec.domain
    row, column, rowspan, colspan = grid.getItemPosition(grid.indexOf(window.situation))
    assert (row, column, rowspan, colspan) == (0, 2, 4, 2)


def test_navigation_by_keys_tabs_and_clicks_and_esc_back(live, qtbot):
    window, _ = live
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_3)
    assert window.current == ("domain", "社会治理")
    shown = {view.spec.id for view in window.detail_page.findChildren(PanelView)}
    assert shown == {p.id for p in CATALOGUE.by_domain("社会治理")}
    assert window.header.tab_buttons["社会治理"].isChecked()

    qtbot.mouseClick(window.header.tab_buttons["公共安全"], Qt.MouseButton.LeftButton)
    assert window.current == ("domain", "公共安全")

    qtbot.keyClick(window, Qt.Key.Key_0)
    assert window.current == ("overview", None)
    qtbot.mouseClick(window.tiles["hazchem"], Qt.MouseButton.LeftButton)
    assert window.current == ("panel", "hazchem")
    full = window.detail_page.findChildren(PanelView)[0]
    assert full.mode == "full" and len(full.charts) == len(CATALOGUE.panel("hazchem").charts)
    assert full.map_widget is not None and full.chart_area.isVisibleTo(window)

    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.current == ("panel", "video_surveillance")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current == ("domain", "公共安全")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current == ("overview", None)


def test_pages_left_behind_stop_receiving_data(live, qtbot):
    window, store = live
    for _ in range(3):
        window.show_panel("economy")
        window.show_domain("经济发展")
    window.show_overview()
    assert all(len(views) == 1 for views in window.binder.views.values())  # the overview's own views only


def test_drill_into_a_county_and_back(live, qtbot):
    window, _ = live
    window.situation.drill("320612")
    assert window.map.drilled == "320612"
    assert "通州区" in window.situation.where.text() and window.situation.back_button.isVisibleTo(window)
    window.back()
    assert window.map.drilled is None and window.current == ("overview", None)
    assert not window.situation.back_button.isVisibleTo(window)
    window.map.region_clicked.emit("320681")  # what a click on 启东市 sends
    assert window.map.drilled == "320681"
    qtbot.mouseClick(window.situation.back_button, Qt.MouseButton.LeftButton)
    assert window.map.drilled is None


def test_the_figure_chooser_recolours_the_map_and_the_zones(live):
    window, _ = live
    chooser = window.situation.chooser
    chooser.setCurrentIndex(chooser.findData("closure_rate"))
    assert window.situation.figure_id == "closure_rate"
    assert len(window.situation.zone_tiles) == 3
    assert all(tile.value.text().endswith("%") for tile in window.situation.zone_tiles.values())


def test_loading_then_ok(qtbot, fetched):
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    tile = window.tiles["economy"]
    assert tile.state_message.text() == "正在加载…" and tile.badge.text() == "加载中"
    store.put_fetch(fetched["panels/economy"])
    window.tick()
    assert tile.chart_area.isVisibleTo(window) and not tile.badge.isVisibleTo(window)


def test_stale_is_loud_with_the_age_and_the_reason(qtbot, fetched):
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    for result in fetched.values():
        store.put_fetch(result)
    arrived = store.get("panels/economy")  # five minutes ago, as this machine counts
    store._set(replace(arrived, received_monotonic=arrived.received_monotonic - 300))
    store.put_error("panels/economy", OUTAGE)
    window.tick()
    tile = window.tiles["economy"]
    assert tile.chart_area.isVisibleTo(window)  # the last picture stays
    assert tile.banner.isVisibleTo(window) and tile.property("state") == "stale"
    first_line, reason = tile.banner.text().split("\n")
    assert first_line == "⚠ 数据过期：最后更新于5分钟前"  # in full, even in a 1080p tile
    assert tile.banner.full_text.endswith(OUTAGE.message) and tile.banner.toolTip() == tile.banner.full_text
    assert tile.badge.text() == "数据过期"
    assert "连接异常" in window.header.connection.text()


def test_error_without_data_and_empty_are_distinct(qtbot, fetched):
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    store.put_error("panels/hazchem", OUTAGE)
    empty = fetched["panels/flood_control"]
    blocks = {name: dict(block, items=[]) if "items" in block else dict(block, value=None, lines=[])
              for name, block in empty.payload["blocks"].items()}
    store.put_fetch(replace(empty, payload=dict(empty.payload, blocks=blocks)))
    window.tick()
    hazchem, flood = window.tiles["hazchem"], window.tiles["flood_control"]
    assert "无法获取数据" in hazchem.state_message.text() and "连接被拒绝" in hazchem.state_message.text()
    assert hazchem.badge.text() == "故障"
    assert flood.state_message.text() == "暂无数据" and flood.badge.text() == "无数据"


def test_nothing_reachable_and_nothing_cached_is_said_on_screen(qtbot):
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    for endpoint in CATALOGUE.endpoints():
        store.put_error(endpoint, OUTAGE)
    window.tick()
    assert window.fatal.isVisibleTo(window)
    assert "中央接口 测试接口 无法访问" in window.fatal.text() and OUTAGE.message in window.fatal.text()


def test_a_4k_wall_doubles_the_type(live, qtbot):
    window, _ = live
    window.resize(3840, 2160)
    qtbot.waitUntil(lambda: window.scale == 2.0)
    assert all(chart.scale == 2.0 for tile in window.tiles.values() for _, chart in tile.charts)
    assert "font-size: 60px" in window.styleSheet()  # the 30 px title, doubled


def test_the_timer_applies_new_data_a_view_at_a_time(qtbot, fetched):
    """Seventeen payloads arriving together are applied one endpoint per event-loop turn (Qt repaints between)."""
    store = Store(block_is_empty=block_is_empty)
    window = open_window(qtbot, store)
    for result in fetched.values():
        store.put_fetch(result)
    window.tick(complete=False)
    waiting = [tile for tile in window.tiles.values() if not tile.chart_area.isVisibleTo(window)]
    assert len(waiting) >= len(window.tiles) - 1  # at most one endpoint applied in this turn
    qtbot.waitUntil(lambda: all(tile.chart_area.isVisibleTo(window) for tile in window.tiles.values()))
    assert window.situation.headline.model
