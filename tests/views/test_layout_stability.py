"""The wall's geometry depends on the catalogue and the screen, never on data: the most extreme answers
the contract allows (every name 200 characters, every figure ±1e15, every list long) move nothing, at
1920x1080 and at 1280x720, and the figures say they are out of range rather than print 16 digits."""

from __future__ import annotations

import copy

import pytest

from cockpit.charts import CHART_KINDS, block_is_empty
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient, FetchResult
from cockpit.core.store import Store
from cockpit.views.main_window import MainWindow
from kernel.contract import MAX_FIGURE, payloads

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
TEXT_FIELDS = {"label", "name", "title", "unit", "domain"}
KEEP = {"lon", "lat", "min", "max"}  # places and a gauge's range keep their meaning


@pytest.fixture(scope="module")
def fetched(central_session) -> dict[str, FetchResult]:
    with ApiClient(central_session.url) as client:
        return {endpoint: client.fetch(endpoint) for endpoint in CATALOGUE.endpoints()}


def extreme(value: object, key: str = "", sign: list[int] | None = None) -> object:
    """The same answer at the contract's limits: long names, huge figures, long item lists."""
    sign = sign if sign is not None else [1]
    if isinstance(value, dict):
        return {k: extreme(v, k, sign) for k, v in value.items()}
    if isinstance(value, list):
        items = [extreme(v, key, sign) for v in value]
        if key == "items" and items and isinstance(items[0], dict) and "lon" not in items[0]:
            items = (items * 50)[:50]  # at most 50 kpis: the smallest list limit of the item blocks
        if key == "zones" and items:  # as many as the contract allows, some codes twice
            items = [dict(items[n % len(items)], code=f"Z{n % 4:03d}") for n in range(100)]
        return items
    if isinstance(value, str) and key in TEXT_FIELDS:
        return "长" * payloads.MAX_LABEL
    if isinstance(value, int | float) and not isinstance(value, bool) and key not in KEEP:
        sign[0] = -sign[0]
        return sign[0] * MAX_FIGURE
    return value


def live_wall(qtbot, fetched: dict[str, FetchResult], size: tuple[int, int]) -> tuple[MainWindow, Store]:
    store = Store(block_is_empty=block_is_empty)
    window = MainWindow(CATALOGUE, store, source="测试接口")
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    for result in fetched.values():
        store.put_fetch(result)
    window.tick()
    settled(qtbot, window)
    return window, store


def settled(qtbot, window: MainWindow) -> dict[str, tuple[int, int, int, int]]:
    """The geometry once Qt has laid out what just arrived (on a busy machine that takes a few turns)."""
    seen = [geometry(window)]

    def still() -> bool:
        qtbot.wait(30)
        seen.append(geometry(window))
        return seen[-1] == seen[-2]

    qtbot.waitUntil(still, timeout=5000)
    return seen[-1]


def geometry(window: MainWindow) -> dict[str, tuple[int, int, int, int]]:
    """Where every panel is, and the map inside the situation view (its zones and texts must not
    squeeze it)."""
    widgets = {"header": window.header, "map": window.situation, "map itself": window.map, **window.tiles}
    return {name: widget.geometry().getRect() for name, widget in widgets.items()} | {
        "window": (0, 0, window.width(), window.height())}


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_the_most_extreme_answers_the_contract_allows_move_nothing(qtbot, fetched, size):
    window, store = live_wall(qtbot, fetched, size)
    before = geometry(window)
    assert before["window"] == (0, 0, *size)
    for endpoint, result in fetched.items():
        payload = extreme(copy.deepcopy(result.payload))
        if isinstance(payload, dict) and "id" in payload:
            payload["id"] = result.payload["id"]
        payloads.check(endpoint, payload)  # still within the contract: the views must cope
        store.put_fetch(FetchResult(endpoint, 200, payload, None, result.server_date, 0.0))
    window.tick()
    assert settled(qtbot, window) == before
    kpi = window.tiles["economy"].charts[0][1]
    assert kpi.grab().width() > 0 and kpi.problem is None
    for result in fetched.values():
        store.put_fetch(result)
    window.tick()
    assert settled(qtbot, window) == before


def test_a_notice_over_the_wall_moves_nothing_and_outlives_the_connection_check(qtbot, fetched):
    window, _store = live_wall(qtbot, fetched, (1280, 720))
    before = geometry(window)
    window.set_notice("内置中央接口已停止，正在重新启动（第 1 次）…")
    window.tick()  # all is well as far as the data knows: the notice stays all the same
    assert window.notice.isVisible() and settled(qtbot, window) == before
    assert window.notice.geometry().top() >= window.header.geometry().bottom()
    window.set_notice(None)
    assert not window.notice.isVisible() and geometry(window) == before
