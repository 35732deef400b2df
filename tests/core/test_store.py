"""Store semantics: errors keep the last good payload, 304 refreshes, ages from arrival."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from cockpit.core.cache import DiskCache
from cockpit.core.client import ApiError, FetchResult
from cockpit.core.store import State, Store, is_empty, stale_after_for

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PANEL = {"id": "hazchem", "as_of": "2026-11-24T20:00:00+08:00", "blocks": {
    "kpis": {"type": "kpis", "items": [{"id": "firms", "label": "企业", "value": 1127, "unit": "家"}]},
    "rectification": {"type": "gauge", "label": "整改率", "value": 0.91, "min": 0, "max": 1, "unit": "%"}}}
EMPTY_PANEL = {"id": "hazchem", "as_of": "2026-11-24T20:00:00+08:00", "blocks": {
    "kpis": {"type": "kpis", "items": []}, "rectification": {"type": "gauge", "value": None}}}
DOWN = ApiError("unreachable", "无法连接中央接口（127.0.0.1:8080）：连接被拒绝")


def fetched(payload, when=T0, status=200, etag='"e1"', endpoint="panels/hazchem"):
    return FetchResult(endpoint, status, payload, etag, when, 0.01)


def test_unknown_endpoints_are_loading():
    entry = Store().get("situation")
    assert (entry.state, entry.payload, entry.error, entry.age_s(T0)) == (State.LOADING, None, None, None)


def test_data_then_error_then_recovery():
    store, seen = Store(), []
    store.subscribe(lambda endpoint, entry: seen.append(entry.state))
    store.put_fetch(fetched(PANEL))
    entry = store.get("panels/hazchem")
    assert (entry.state, entry.payload, entry.as_of, entry.etag) == (State.OK, PANEL, PANEL["as_of"], '"e1"')
    store.put_error("panels/hazchem", DOWN)
    entry = store.get("panels/hazchem")
    assert (entry.state, entry.payload, entry.error) == (State.STALE, PANEL, DOWN.message)
    assert entry.received_server_time == T0  # the payload's time, not the error's
    store.put_error("panels/hazchem", DOWN)  # nothing changed: nobody is told again
    store.put_fetch(fetched(PANEL, T0 + timedelta(seconds=30)))
    assert store.get("panels/hazchem").error is None
    assert seen == [State.OK, State.STALE, State.OK]


def test_error_with_nothing_to_show():
    store = Store()
    store.put_error("situation", DOWN)
    entry = store.get("situation")
    assert (entry.state, entry.payload, entry.error) == (State.ERROR, None, DOWN.message)


def test_304_keeps_the_payload_and_refreshes_the_time():
    store = Store()
    store.put_fetch(fetched(PANEL))
    store.put_fetch(fetched(None, T0 + timedelta(seconds=15), status=304))
    entry = store.get("panels/hazchem")
    assert entry.payload is PANEL and entry.state == State.OK and entry.etag == '"e1"'
    assert entry.received_server_time == T0 + timedelta(seconds=15)


def test_empty_payloads():
    store = Store()
    store.put_fetch(fetched(EMPTY_PANEL))
    assert store.get("panels/hazchem").state == State.EMPTY
    assert is_empty([]) and not is_empty([{"service_code": "1"}])
    assert is_empty({"warnings": [], "cursor": "c"})
    assert is_empty({"as_of": "x", "headline": [], "regions": []})
    assert not is_empty({"as_of": "x", "headline": [{"id": "a"}], "regions": []})
    assert not is_empty({"id": "x", "as_of": "x", "blocks": {"s": {"type": "series", "lines": [{"values": []}]}}})


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ages_run_from_arrival_whatever_the_server_dates_say(monkeypatch):
    """A server Date off by hours, or jumping between back ends, neither ages nor freshens data:
    staleness counts the seconds since the answer arrived."""
    monotonic = FakeMonotonic()
    monkeypatch.setattr("cockpit.core.store.time.monotonic", monotonic)
    store = Store(stale_after=stale_after_for({"panels/hazchem": 15.0}, factor=3, floor_s=30))
    server_date = datetime.now(UTC) - timedelta(hours=3)  # the server's clock is three hours behind ours
    store.put_fetch(fetched(PANEL, server_date))
    store.put_fetch(fetched(PANEL, server_date, endpoint="panels/other"))
    now = store.server_now()
    assert abs((now - server_date).total_seconds()) < 1.0  # the estimate follows the server's Date
    later = server_date + timedelta(days=1)  # another answer claims a day has passed on the server
    store.put_fetch(fetched({"as_of": "x", "headline": [{"id": "a"}], "regions": []}, later, endpoint="situation"))
    store.refresh_states()
    assert store.get("panels/hazchem").state == State.OK
    assert store.get("panels/hazchem").age_s(store.server_now()) == 0.0
    monotonic.now += 50  # 50 s pass here
    store.refresh_states()
    entry = store.get("panels/hazchem")
    assert entry.age_s(store.server_now()) == 50.0
    assert (entry.state, entry.error, entry.payload) == (State.STALE, None, PANEL)  # 50 s > 3 x 15 s
    assert store.get("panels/other").state == State.OK  # unknown intervals: stale after 120 s


def test_a_data_time_ahead_of_the_servers_clock_is_flagged():
    store = Store()
    store.put_fetch(fetched(PANEL, datetime(2026, 11, 24, 12, 0, tzinfo=UTC)))  # as_of 20:00+08 = 12:00 UTC
    assert store.get("panels/hazchem").time_problem is None
    store.put_fetch(fetched(PANEL, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)))  # the data claims tomorrow
    assert store.get("panels/hazchem").time_problem == "数据时间超前服务器时钟 1 天，不可信"
    ahead = Store(data_now=lambda: datetime(2026, 11, 24, 11, 59, tzinfo=UTC))  # a stated (simulated) clock
    ahead.put_fetch(fetched(PANEL, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)))
    assert ahead.get("panels/hazchem").time_problem is None


def test_server_now_moves_with_the_monotonic_clock():
    store = Store()
    store.put_fetch(fetched(PANEL, T0))
    time.sleep(0.05)
    assert timedelta(seconds=0.04) < store.server_now() - T0 < timedelta(seconds=1)


def test_start_from_the_disk_cache(tmp_path):
    cache = DiskCache(tmp_path / "cache.sqlite", "http://a")
    cache.save("panels/hazchem", PANEL, '"e1"', T0)
    store = Store(cache)
    store.put_fetch(fetched({"as_of": "live", "headline": [{"id": "x"}], "regions": [], "figures": []},
                            endpoint="situation"))
    cache.save("situation", {"as_of": "old"}, None, T0 - timedelta(days=1))
    store.load_from_cache()
    entry = store.get("panels/hazchem")
    assert (entry.state, entry.payload, entry.from_cache, entry.etag) == (State.STALE, PANEL, True, '"e1"')
    assert entry.age_s(T0 + timedelta(minutes=5)) == 300
    assert store.get("situation").payload["as_of"] == "live"  # live data beats the cache
    store.put_fetch(fetched(None, T0 + timedelta(minutes=6), status=304))  # the server confirms the cached copy
    entry = store.get("panels/hazchem")
    assert (entry.state, entry.payload, entry.from_cache) == (State.OK, PANEL, False)


def test_save_to_cache_writes_200_and_touches_on_304(tmp_path):
    cache = DiskCache(tmp_path / "cache.sqlite", "http://a")
    store = Store(cache)
    store.save_to_cache(fetched(PANEL))
    store.save_to_cache(fetched(None, T0 + timedelta(seconds=40), status=304))
    (cached,) = cache.load_all().values()
    assert cached.payload == PANEL and cached.server_time == T0 + timedelta(seconds=40)
    Store().save_to_cache(fetched(PANEL))  # without a cache it does nothing


def test_a_broken_subscriber_does_not_starve_the_others(caplog):
    store, seen = Store(), []

    def broken(endpoint, entry):
        raise RuntimeError("view bug")

    store.subscribe(broken)
    unsubscribe = store.subscribe(lambda endpoint, entry: seen.append(endpoint))
    store.put_fetch(fetched(PANEL))
    unsubscribe()
    unsubscribe()  # twice is harmless
    store.put_error("panels/hazchem", DOWN)
    assert seen == ["panels/hazchem"] and "a store subscriber failed" in caplog.text


def test_an_unchanged_body_is_not_written_to_the_cache_again(tmp_path):
    """A server without ETags sends the same answer every poll: only its time moves on disk."""
    saved: list[str] = []

    class CountingCache(DiskCache):
        def save(self, endpoint, payload, etag, server_time):
            saved.append(endpoint)
            super().save(endpoint, payload, etag, server_time)

    cache = CountingCache(tmp_path / "cache.sqlite", "http://a")
    store = Store(cache)
    for n in range(3):
        store.save_to_cache(FetchResult("panels/hazchem", 200, PANEL, None, T0 + timedelta(seconds=n), 0.01, "d1"))
    store.save_to_cache(FetchResult("panels/hazchem", 200, EMPTY_PANEL, None, T0, 0.01, "d2"))
    assert saved == ["panels/hazchem", "panels/hazchem"]
    cache.close()
