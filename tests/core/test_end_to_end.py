"""The runtime core against the real reference central API over HTTP: data, 304, outage, cache, recovery."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from local_http import dead_port_url, raw_server

from cockpit.charts import CHART_KINDS
from cockpit.core.cache import DiskCache
from cockpit.core.catalogue import load_catalogue
from cockpit.core.client import ApiClient, ApiError, check_payload
from cockpit.core.embedded import EmbeddedCentral
from cockpit.core.poller import Backoff, Poller
from cockpit.core.store import State, Store

KINDS = frozenset(CHART_KINDS)  # the chart registry, whatever kinds it holds
CATALOGUE = load_catalogue(chart_kinds=KINDS)
QUICK = Backoff(first_s=0.1, cap_s=0.5)
BLOCK_TYPES = {"kpi": "kpis", "line": "series", "ranking": "ranking", "donut": "shares", "gauge": "gauge",
               "funnel": "funnel", "table": "table"}


async def until(condition, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


def test_every_endpoint_answers_as_the_contract_says_and_revalidates_with_304(central_session):
    with ApiClient(central_session.url) as client:
        meta = client.fetch("meta")  # carries the live clocks, so its tag changes on every call: no 304 check
        check_payload("meta", meta.payload)
        for endpoint in [*CATALOGUE.endpoints(), "warnings", "open311/services", "open311/requests"]:
            first = client.fetch(endpoint)
            assert first.status == 200 and first.etag and first.server_date, endpoint
            check_payload(endpoint, first.payload)
            again = client.fetch(endpoint, first.etag)
            if again.status == 200:  # the simulated city moved on in between: the new tag must differ
                assert again.etag != first.etag, endpoint
                again = client.fetch(endpoint, again.etag)
            assert (again.status, again.payload) == (304, None), endpoint


def test_the_catalogue_matches_what_the_server_serves(central_session):
    """Every chart's block exists with the type its chart kind draws; every map layer is points."""
    with ApiClient(central_session.url) as client:
        meta = client.fetch("meta").payload
        assert tuple(meta["domains"]) == CATALOGUE.domains
        assert {p["id"] for p in meta["panels"]} == {p.id for p in CATALOGUE.panels}
        for panel in CATALOGUE.panels:
            blocks = client.fetch(panel.endpoint).payload["blocks"]
            for chart in panel.charts:
                assert blocks[chart.block]["type"] == BLOCK_TYPES[chart.kind], (panel.id, chart)
            if panel.map_layer:
                assert blocks[panel.map_layer]["type"] == "points", panel.id


def test_an_unknown_panel_is_a_404_in_words(central_session):
    with ApiClient(central_session.url) as client, pytest.raises(ApiError) as caught:
        client.fetch("panels/no_such_panel")
    assert (caught.value.kind, caught.value.status) == ("http", 404)
    assert "没有 panels/no_such_panel" in caught.value.message


def test_outage_goes_stale_with_the_error_then_recovers(central_server: EmbeddedCentral, tmp_path: Path):
    intervals = {"situation": 0.5, "panels/hazchem": 0.5, "panels/flood_control": 0.5}
    store = Store(DiskCache(tmp_path / "cache.sqlite", "embedded:seed=7"))

    async def scenario(client: ApiClient) -> None:
        poller = Poller(client, store, intervals, backoff=QUICK)
        poller.start()
        try:
            await until(lambda: all(store.get(e).state == State.OK for e in intervals), what="data")
            before = {e: store.get(e).payload for e in intervals}
            old_address = central_server.url.removeprefix("http://")
            await asyncio.get_running_loop().run_in_executor(None, central_server.kill)
            await until(lambda: all(store.get(e).state == State.STALE for e in intervals), what="stale")
            for endpoint in intervals:
                entry = store.get(endpoint)
                assert entry.payload is before[endpoint]  # the last good picture stays up
                assert entry.error.startswith(f"无法连接中央接口（{old_address}）"), entry.error
            url = await asyncio.get_running_loop().run_in_executor(None, central_server.start)
            client.set_base_url(url)  # the restarted server listens on a new port
            await until(lambda: all(store.get(e).state == State.OK for e in intervals), what="recovery")
            assert all(store.get(e).error is None for e in intervals)
            assert all(poller.failures(e) == 0 for e in intervals)
        finally:
            await poller.stop()

    with ApiClient(central_server.url) as client:
        asyncio.run(scenario(client))
    assert set(store.cache.load_all()) == set(intervals)


def test_start_from_the_cache_with_the_server_down_then_recover(central_session, tmp_path: Path):
    cache_path = tmp_path / "cache.sqlite"
    intervals = {"situation": 0.5, "panels/economy": 0.5}

    async def fill() -> None:  # an earlier run of the cockpit left its cache behind
        store = Store(DiskCache(cache_path, "the-api"))
        with ApiClient(central_session.url) as client:
            poller = Poller(client, store, intervals)
            poller.start()
            await until(lambda: all(store.get(e).state == State.OK for e in intervals), what="data")
            await poller.stop()

    asyncio.run(fill())
    time.sleep(1.1)  # so the cached picture has an age on the server's (1 s resolution) clock

    store = Store(DiskCache(cache_path, "the-api"))
    store.load_from_cache()
    for endpoint in intervals:
        entry = store.get(endpoint)
        assert (entry.state, entry.from_cache) == (State.STALE, True) and entry.payload is not None
        assert entry.age_s(store.server_now()) >= 1.0

    async def down_then_back(client: ApiClient) -> None:
        poller = Poller(client, store, intervals, backoff=QUICK)
        poller.start()
        try:
            await until(lambda: all(store.get(e).error for e in intervals), what="the error")
            for endpoint in intervals:
                entry = store.get(endpoint)
                assert entry.state == State.STALE and entry.payload is not None and "连接被拒绝" in entry.error
            client.set_base_url(central_session.url)  # the API is back
            await until(lambda: all(store.get(e).state == State.OK for e in intervals), what="recovery")
            assert not any(store.get(e).from_cache for e in intervals)
        finally:
            await poller.stop()

    with ApiClient(dead_port_url()) as client:
        asyncio.run(down_then_back(client))


def test_a_dead_api_with_no_cache_is_a_clear_error(tmp_path: Path):
    store = Store(DiskCache(tmp_path / "cache.sqlite", "nothing-cached"))
    store.load_from_cache()
    url = dead_port_url()

    async def scenario(client: ApiClient) -> None:
        poller = Poller(client, store, {"situation": 1, "panels/hazchem": 1}, backoff=QUICK)
        poller.start()
        await until(lambda: store.get("situation").state == State.ERROR and
                    store.get("panels/hazchem").state == State.ERROR, what="errors")
        await poller.stop()

    with ApiClient(url) as client:
        asyncio.run(scenario(client))
    assert store.get("situation").error == f"无法连接中央接口（{url.removeprefix('http://')}）：连接被拒绝"
    assert store.get("situation").payload is None


def test_a_server_that_never_answers_times_out_into_the_store():
    store = Store()

    async def scenario(client: ApiClient) -> float:
        started = time.monotonic()
        poller = Poller(client, store, {"situation": 10}, backoff=QUICK)
        poller.start()
        await until(lambda: store.get("situation").state == State.ERROR, timeout=5, what="timeout")
        await poller.stop()
        return time.monotonic() - started

    with raw_server(None) as url, ApiClient(url, timeout=(0.5, 0.3)) as client:
        took = asyncio.run(scenario(client))
    assert "0.3秒内无回答" in store.get("situation").error
    assert took < 3.0


def test_a_token_protected_server(tmp_path: Path):
    token = "wall-token-4f1c9b"
    with EmbeddedCentral(tmp_path / "central.sqlite", seed=7, extra_args=("--token", token)) as server:
        with ApiClient(server.url) as client, pytest.raises(ApiError) as caught:
            client.fetch("situation")
        assert caught.value.kind == "auth" and caught.value.status == 401
        with ApiClient(server.url, token="wrong-token") as client, pytest.raises(ApiError) as caught:
            client.fetch("situation")
        assert "wrong-token" not in caught.value.message
        with ApiClient(server.url, token=token) as client:
            assert client.fetch("situation").status == 200
            assert token not in repr(client)
