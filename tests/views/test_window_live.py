"""The wall live on the qasync loop: real poller, real server; it dies, the wall goes stale, it returns."""

from __future__ import annotations

import asyncio
import time

import qasync
from PySide6.QtWidgets import QApplication

from cockpit.charts import CHART_KINDS, block_is_empty
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient
from cockpit.core.poller import Backoff, Poller
from cockpit.core.store import Store
from cockpit.views.main_window import MainWindow

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
WATCHED = ("panels/hazchem", "panels/economy", "situation")


async def until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def test_outage_shows_stale_on_the_wall_then_recovers(qtbot, central_server):
    store = Store(block_is_empty=block_is_empty)
    window = MainWindow(CATALOGUE, store, source="测试接口")
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    tiles = [window.tiles["hazchem"], window.tiles["economy"]]

    def live() -> bool:
        return all(t.chart_area.isVisible() and not t.banner.isVisible() for t in tiles)

    async def scenario(client: ApiClient) -> None:
        poller = Poller(client, store, dict.fromkeys(WATCHED, 0.5), backoff=Backoff(first_s=0.1, cap_s=0.5))
        poller.start()
        try:
            await until(live, "the first data on the wall")
            await asyncio.get_running_loop().run_in_executor(None, central_server.kill)
            await until(lambda: all(t.banner.isVisible() for t in tiles), "the stale banners")
            for tile in tiles:
                assert tile.chart_area.isVisible()  # the last picture stays up, under the banner
                assert "无法连接中央接口" in tile.banner.full_text and tile.badge.text() == "数据过期"
            assert "连接异常" in window.header.connection.text()
            url = await asyncio.get_running_loop().run_in_executor(None, central_server.start)
            client.set_base_url(url)  # the restarted server listens on a new port
            await until(live, "recovery")
            await until(lambda: "已连接" in window.header.connection.text(), "the header to say connected")
        finally:
            await poller.stop()

    loop = qasync.QEventLoop(QApplication.instance())
    try:
        with ApiClient(central_server.url, timeout=(1.0, 5.0)) as client:
            loop.run_until_complete(scenario(client))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
