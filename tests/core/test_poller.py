"""The poller on plain asyncio against a real local HTTP server."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from local_http import LocalApi, json_reply, raw_server

from cockpit.core.cache import DiskCache
from cockpit.core.client import ApiClient
from cockpit.core.poller import Backoff, Poller
from cockpit.core.store import State, Store

QUICK = Backoff(first_s=0.05, cap_s=0.2)


def panel(panel_id: str, value: int = 1) -> dict:
    return {"id": panel_id, "as_of": "2026-11-24T20:00:00+08:00",
            "blocks": {"kpis": {"type": "kpis", "items": [{"id": "n", "label": "数", "value": value, "unit": "件"}]}}}


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


def test_one_task_per_endpoint_with_etags_and_callbacks_on_the_loop_thread(tmp_path):
    api = LocalApi({"/api/v1/panels/economy": lambda request: json_reply(panel("economy")),
                    "/api/v1/panels/hazchem": lambda request: json_reply(panel("hazchem"))})
    store = Store(DiskCache(tmp_path / "cache.sqlite", "local"))
    threads: set[int] = set()
    store.subscribe(lambda endpoint, entry: threads.add(threading.get_ident()))

    async def scenario() -> None:
        poller = Poller(client, store, {"panels/economy": 0.2, "panels/hazchem": 60})
        poller.start()
        await until(lambda: sum(path.endswith("economy") for path, _ in api.requests) >= 3)
        await poller.stop()

    with api.running(), ApiClient(api.url) as client:
        asyncio.run(scenario())
    economy = [headers for path, headers in api.requests if path.endswith("economy")]
    assert "If-None-Match" not in economy[0] and economy[1]["If-None-Match"] == economy[2]["If-None-Match"]
    assert sum(path.endswith("hazchem") for path, _ in api.requests) == 1  # 60 s interval: one poll so far
    assert store.get("panels/economy").state == State.OK and store.get("panels/hazchem").state == State.OK
    assert threads == {threading.get_ident()}  # asyncio.run runs its loop on this thread
    assert set(store.cache.load_all()) == {"panels/economy", "panels/hazchem"}  # written by the workers


def test_errors_back_off_then_recover_keeping_the_last_payload():
    answers = [json_reply(panel("economy", 1))] + [json_reply({"error": "boom", "message": "出错了"}, 500)] * 3 \
        + [json_reply(panel("economy", 2))]
    api = LocalApi({"/api/v1/panels/economy": lambda request: answers.pop(0) if len(answers) > 1 else answers[0]})
    store = Store()
    states: list[State] = []
    store.subscribe(lambda endpoint, entry: states.append(entry.state))

    async def scenario() -> None:
        poller = Poller(client, store, {"panels/economy": 0.05}, backoff=QUICK)
        poller.start()
        await until(lambda: store.get("panels/economy").state == State.STALE)
        entry = store.get("panels/economy")
        assert entry.payload["blocks"]["kpis"]["items"][0]["value"] == 1
        assert entry.error == "中央接口出错（panels/economy，HTTP 500）：出错了"
        await until(lambda: poller.failures("panels/economy") == 3)
        await until(lambda: store.get("panels/economy").state == State.OK)
        assert poller.failures("panels/economy") == 0
        await poller.stop()

    with api.running(), ApiClient(api.url) as client:
        asyncio.run(scenario())
    assert store.get("panels/economy").payload["blocks"]["kpis"]["items"][0]["value"] == 2
    assert states == [State.OK, State.STALE, State.OK]


def test_a_long_retry_after_is_honoured():
    api = LocalApi({"/api/v1/situation": lambda request: json_reply(
        {"error": "busy", "message": "正在重启"}, 503, {"Retry-After": "4"})})
    store = Store()

    async def scenario() -> None:
        poller = Poller(client, store, {"situation": 0.05}, backoff=QUICK)
        poller.start()
        await until(lambda: store.get("situation").state == State.ERROR)
        await asyncio.sleep(0.6)  # backoff alone would have tried several times by now
        await poller.stop()

    with api.running(), ApiClient(api.url) as client:
        asyncio.run(scenario())
    assert len(api.requests) == 1
    assert "繁忙或正在重启" in store.get("situation").error


def test_poll_soon_does_not_wait_for_the_interval():
    api = LocalApi({"/api/v1/meta": lambda request: json_reply({"api_version": "1", "domains": [], "panels": []})})
    store = Store()

    async def scenario() -> None:
        poller = Poller(client, store, {"meta": 300})
        poller.start()
        await until(lambda: len(api.requests) == 1)
        poller.poll_soon("meta")
        poller.poll_soon("not-polled")  # harmless
        await until(lambda: len(api.requests) == 2, timeout=2)
        await poller.stop()

    with api.running(), ApiClient(api.url) as client:
        asyncio.run(scenario())


def test_the_loop_never_waits_on_a_slow_server_and_stop_is_prompt():
    """A server that never answers: the loop keeps its 10 ms heartbeat and stop() returns at once."""
    lags: list[float] = []

    async def heartbeat() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - before - 0.01)

    async def scenario() -> float:
        beat = asyncio.create_task(heartbeat())
        poller = Poller(client, Store(), {"situation": 1, "meta": 1, "panels/economy": 1})
        poller.start()
        await asyncio.sleep(0.8)
        started = time.monotonic()
        await poller.stop()
        stopped_in = time.monotonic() - started
        beat.cancel()
        return stopped_in

    with raw_server(None) as url, ApiClient(url, timeout=(1.0, 5.0)) as client:
        stopped_in = asyncio.run(scenario())
    assert stopped_in < 0.5
    assert len(lags) > 30 and max(lags) < 0.25  # generous: the machine is shared


def test_start_needs_a_running_loop_and_runs_once():
    async def twice(poller: Poller) -> None:
        poller.start()
        with pytest.raises(RuntimeError, match="already running"):
            poller.start()
        await poller.stop()

    with ApiClient("http://127.0.0.1:9", timeout=(0.2, 0.2)) as client:
        poller = Poller(client, Store(), {"meta": 60})
        with pytest.raises(RuntimeError):
            poller.start()
        asyncio.run(twice(Poller(client, Store(), {"meta": 60})))
        with pytest.raises(ValueError, match="more than 0 seconds"):
            Poller(client, Store(), {"meta": 0})


def test_backoff_grows_is_capped_and_honours_retry_after():
    backoff = Backoff(first_s=2, cap_s=60, jitter=0.25)
    assert 1.5 <= backoff.delay(1) <= 2 and 3 <= backoff.delay(2) <= 4 and 6 <= backoff.delay(3) <= 8
    assert 45 <= backoff.delay(50) <= 60
    assert backoff.delay(1, retry_after_s=30) == 30
