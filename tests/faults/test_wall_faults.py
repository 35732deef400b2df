"""The wall against a real central API through a fault-injecting proxy, on the qasync loop as in the app.

Each hostile answer is refused in words naming the field, the last good picture stays under the
stale banner, the header never says 已连接 meanwhile, the refused body never reaches the cache, and
no panel moves by a pixel; when the fault ends every panel is fresh again within a poll or two.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from datetime import datetime

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from cockpit.charts import BLOCK_TYPES, CHART_KINDS, block_is_empty
from cockpit.core.cache import DiskCache
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient
from cockpit.core.poller import Backoff, Poller
from cockpit.core.store import State, Store
from cockpit.core.warning import CentralFeed, Inbox
from cockpit.views.main_window import MainWindow
from kernel.clock import CITY_TZ
from kernel.contract import payloads
from tests.faults.hostile import HOSTILE
from tests.faults.proxy import FaultProxy

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
POLL_S = 1.0
PANEL = "/api/v1/panels/economy"
SITUATION = "/api/v1/situation"


@pytest.fixture(scope="module")
def proxy(central_session):
    proxy = FaultProxy(central_session.url).start()
    yield proxy
    proxy.stop()


class Wall:
    def __init__(self, qtbot, proxy: FaultProxy, tmp_path, size=(1920, 1080)) -> None:
        proxy.clear()
        self.proxy = proxy
        self.cache = DiskCache(tmp_path / "cache.sqlite", proxy.url)
        self.store = Store(self.cache, block_is_empty=block_is_empty)
        self.window = MainWindow(CATALOGUE, self.store, source=f"测试接口 {proxy.url}")
        qtbot.addWidget(self.window)
        self.window.resize(*size)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.recoveries: dict[str, float] = {}

    def geometry(self) -> dict[str, tuple[int, int, int, int]]:
        """Where everything on the wall is, in window coordinates."""
        widgets = {"header": self.window.header, "map": self.window.situation, **self.window.tiles}
        found = {name: widget.geometry().getRect() for name, widget in widgets.items()}
        found["window"] = (0, 0, self.window.width(), self.window.height())
        return found

    def fresh(self) -> bool:
        entries = [self.store.get(endpoint) for endpoint in CATALOGUE.endpoints()]
        return all(e.state in (State.OK, State.EMPTY) for e in entries) and not any(
            tile.banner.isVisible() for tile in self.window.tiles.values())

    def run(self, scenario, intervals: dict[str, float] | None = None) -> None:
        async def main() -> None:
            with ApiClient(self.proxy.url, timeout=(1.0, 5.0)) as client:
                poller = Poller(client, self.store, intervals or dict.fromkeys(CATALOGUE.endpoints(), POLL_S),
                                backoff=Backoff(first_s=0.2, cap_s=1.0),
                                check=functools.partial(CATALOGUE.check_answer, block_types=BLOCK_TYPES))
                poller.start()
                try:
                    await until(self.fresh, "the first data on the wall")
                    await scenario(poller)
                finally:
                    await poller.stop()

        loop = qasync.QEventLoop(QApplication.instance())
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()
            asyncio.set_event_loop(None)
            self.cache.close()
            # qasync's loop owns QObjects: collected by whichever thread's allocation triggers the
            # cyclic GC, they would be destroyed off the GUI thread (a crash). Collect them here.
            del loop
            gc.collect()

    async def refuse_then_recover(self, name: str) -> None:
        """One hostile answer: refused, nothing moves, then every panel fresh again."""
        mutate, words = HOSTILE[name]
        before = self.geometry()
        for prefix in (PANEL, SITUATION):
            self.proxy.mutate_prefix, self.proxy.mutate = prefix, mutate

            def refused(endpoint: str = prefix.removeprefix("/api/v1/")) -> bool:
                return "数据格式错误" in (self.store.get(endpoint).error or "")

            await until(refused, f"{name} at {prefix} to be refused")
            endpoint = prefix.removeprefix("/api/v1/")
            entry = self.store.get(endpoint)
            assert any(w in entry.error for w in words.split("|")) and entry.state is State.STALE, entry.error
            payloads.check(endpoint, entry.payload)  # the last good picture stays, never the hostile one
            await asyncio.sleep(1.2)  # a tick of the window: the refusal is on screen
            assert self.geometry() == before, f"{name} moved the wall"
            if endpoint == "situation":
                assert self.window.situation.banner.isVisible()
            else:
                tile = self.window.tiles["economy"]
                assert tile.banner.isVisible() and tile.chart_area.isVisible()
                assert "数据格式错误" in tile.banner.full_text
            assert "已连接" not in self.window.header.connection.text()
            assert self.cache.load_all()[endpoint].payload == entry.payload  # the refused body is not cached
        self.proxy.clear()
        ended = time.monotonic()
        await until(self.fresh, f"recovery from {name}")
        self.recoveries[name] = time.monotonic() - ended
        await asyncio.sleep(1.2)
        assert self.geometry() == before
        assert "已连接" in self.window.header.connection.text()


async def until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_answer_is_refused_and_moves_nothing(qtbot, proxy, tmp_path, name):
    wall = Wall(qtbot, proxy, tmp_path)

    async def scenario(poller: Poller) -> None:
        await wall.refuse_then_recover(name)

    wall.run(scenario)
    print(f"\n{name}: every panel fresh {wall.recoveries[name]:.1f} s after the fault ended")
    assert wall.recoveries[name] < POLL_S + 5.0  # one poll interval plus one timeout


def test_hostile_answers_one_after_another_at_1280x720_leave_the_wall_whole(qtbot, proxy, tmp_path, caplog):
    """The sequence that once crashed the process (exceptions in paint left painters active)."""
    wall = Wall(qtbot, proxy, tmp_path, size=(1280, 720))

    async def scenario(poller: Poller) -> None:
        for name in HOSTILE:
            await wall.refuse_then_recover(name)

    wall.run(scenario)
    assert not [r for r in caplog.records if "could not paint" in r.getMessage()]
    print("\n" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in wall.recoveries.items()))


@pytest.mark.parametrize("offsets, words", [((300,), "服务器时钟异常：快了 5 分钟"),
                                            ((86400,), "服务器时钟异常：快了 1 天"),
                                            ((-86400,), "服务器时钟异常：慢了 1 天"),
                                            ((0, 300), "服务器时钟不一致")],
                         ids=["+5min", "+24h", "-24h", "two-back-ends"])
def test_a_wrong_server_clock_is_said_and_never_makes_the_wall_stale(qtbot, proxy, tmp_path, offsets, words):
    wall = Wall(qtbot, proxy, tmp_path)
    flips: list[str] = []
    wall.store.subscribe(lambda endpoint, entry: entry.state is State.STALE and flips.append(endpoint))

    async def scenario(poller: Poller) -> None:
        proxy.set_date_offsets(*offsets)
        await until(lambda: words in wall.window.header.connection.text(), f"the header to say {words}")
        await asyncio.sleep(4 * POLL_S)
        assert wall.fresh() and not flips
        shown = datetime.strptime(wall.window.header.clock.text(), "%Y-%m-%d  %H:%M:%S").replace(tzinfo=CITY_TZ)
        assert abs((shown - datetime.now(CITY_TZ)).total_seconds()) < 3  # the city's time, not the server's
        proxy.clear()
        await until(lambda: "服务器时钟" not in wall.window.header.connection.text(), "the clock fixed",
                    timeout=60)
        assert wall.fresh() and not flips

    wall.run(scenario)


def test_an_outage_makes_every_panel_stale_at_once_and_its_end_wakes_them_all(qtbot, proxy, tmp_path):
    """The slow panels (five minutes between polls) learn of an outage and of its end from the fast one."""
    wall = Wall(qtbot, proxy, tmp_path)
    intervals = {endpoint: 300.0 for endpoint in CATALOGUE.endpoints()} | {"situation": POLL_S}
    woken: list[float] = []

    async def scenario(poller: Poller) -> None:
        poller.on_recovered = lambda: woken.append(time.monotonic())
        proxy.stop()
        try:
            await until(lambda: all(tile.banner.isVisible() for tile in wall.window.tiles.values()),
                        "every panel stale", timeout=POLL_S + 6)
        finally:
            proxy.start()
        assert all("无法连接中央接口" in tile.banner.full_text for tile in wall.window.tiles.values())
        assert "连接异常" in wall.window.header.connection.text()
        ended = time.monotonic()
        await until(wall.fresh, "every panel fresh", timeout=POLL_S + 6)
        print(f"\nan outage's end to every panel fresh: {time.monotonic() - ended:.1f} s")
        assert woken  # the warning feed is told too

    wall.run(scenario, intervals)


def test_a_server_hanging_up_without_answering_is_said_so(qtbot, proxy, tmp_path):
    wall = Wall(qtbot, proxy, tmp_path)

    async def scenario(poller: Poller) -> None:
        proxy.close_without_answer = True
        await until(lambda: "未作回答就关闭了连接" in (wall.store.get("situation").error or ""), "the words")
        proxy.clear()
        await until(wall.fresh, "recovery")

    wall.run(scenario)


def test_behind_a_gateway_a_dead_server_is_an_outage_of_the_whole_wall(qtbot, central_server, tmp_path):
    """The gateway answers 502 for the server behind it: every panel says so at once, and all wake
    when it is back (here: the embedded server killed, then started again on its database)."""
    gateway = FaultProxy(central_server.url).start()
    try:
        wall = Wall(qtbot, gateway, tmp_path)
        intervals = {endpoint: 300.0 for endpoint in CATALOGUE.endpoints()} | {"situation": POLL_S}

        async def scenario(poller: Poller) -> None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, central_server.kill)
            await until(lambda: all(tile.banner.isVisible() for tile in wall.window.tiles.values()),
                        "every panel stale", timeout=POLL_S + 8)
            assert "HTTP 502" in wall.window.tiles["economy"].banner.full_text
            url = await loop.run_in_executor(None, central_server.start)
            gateway.upstream = (url.rsplit(":", 1)[0].removeprefix("http://"), int(url.rsplit(":", 1)[1]))
            await until(wall.fresh, "every panel fresh", timeout=POLL_S + 12)

        wall.run(scenario, intervals)
    finally:
        gateway.stop()


def test_hostile_warnings_are_refused_one_by_one_and_the_feed_moves_on(proxy, tmp_path, caplog):
    """A page of the feed with a non-object, a megabyte id, a place at 1e308 and a headline that is an
    object among the real warnings: those are refused alone, the real ones arrive, the cursor moves."""
    hostile = [1, {"id": "x" * 1_000_000, "identifier": "i", "sender": "s", "sent": "2026-11-24T20:15:00+08:00"},
               {"id": "W900001", "identifier": "i1", "sender": "s", "sent": "2026-11-24T20:15:00+08:00",
                "lon": 1e308, "lat": 32.0},
               {"id": "W900002", "identifier": "i2", "sender": "s", "sent": "2026-11-24T20:15:00+08:00",
                "headline": {"a": 1}}]
    proxy.clear()
    proxy.mutate_prefix = "/api/v1/warnings"
    proxy.mutate = lambda path, page: dict(page, warnings=hostile + page["warnings"])
    inbox = Inbox(tmp_path / "warnings.sqlite")
    feed = CentralFeed(proxy.url, wait_s=1)
    try:
        with caplog.at_level(logging.ERROR):
            batch = feed.fetch(None, wait_s=0)
        assert len(batch.problems) == 4 and batch.cursor
        assert [m.id for m in batch.messages] and all(m.id.startswith("W0") for m in batch.messages)
        assert any("lon：数值超出约定范围" in p for p in batch.problems)
        assert any("headline：应为文本" in p for p in batch.problems)
        assert all(len(p) < 400 for p in batch.problems)  # never the megabyte id itself
    finally:
        proxy.clear()
        feed.close()
        inbox.close()
