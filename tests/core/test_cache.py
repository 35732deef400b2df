"""The SQLite payload cache: round trip, one API never sees another's, damage is survived."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cockpit.core.cache import DiskCache

WHEN = datetime(2026, 11, 24, 12, 15, tzinfo=UTC)
PANEL = {"id": "economy", "as_of": "2026-11-24T20:15:00+08:00", "blocks": {"kpis": {"type": "kpis", "items": [
    {"id": "gdp", "label": "地区生产总值", "value": 3285.4, "unit": "亿元"}]}}}


def test_round_trip_survives_reopening(tmp_path):
    cache = DiskCache(tmp_path / "sub" / "cache.sqlite", "http://127.0.0.1:8080/")
    cache.save("panels/economy", PANEL, '"abc"', WHEN)
    cache.save("open311/services", [{"service_code": "001", "service_name": "噪音扰民"}], None,
               WHEN.astimezone(timezone(timedelta(hours=8))))
    cache.close()
    loaded = DiskCache(tmp_path / "sub" / "cache.sqlite", "http://127.0.0.1:8080").load_all()
    assert set(loaded) == {"panels/economy", "open311/services"}
    assert loaded["panels/economy"].payload == PANEL and loaded["panels/economy"].etag == '"abc"'
    assert loaded["panels/economy"].server_time == WHEN
    assert loaded["open311/services"].server_time == WHEN  # the same instant, whatever the offset
    assert loaded["open311/services"].payload[0]["service_name"] == "噪音扰民"


def test_saving_again_replaces_and_touch_moves_the_time(tmp_path):
    cache = DiskCache(tmp_path / "cache.sqlite", "http://a")
    cache.save("situation", {"as_of": "1"}, '"1"', WHEN)
    cache.save("situation", {"as_of": "2"}, '"2"', WHEN + timedelta(seconds=10))
    cache.touch("situation", WHEN + timedelta(seconds=20))
    (entry,) = cache.load_all().values()
    assert (entry.payload, entry.etag, entry.server_time) == ({"as_of": "2"}, '"2"', WHEN + timedelta(seconds=20))


def test_apis_do_not_mix(tmp_path):
    DiskCache(tmp_path / "cache.sqlite", "http://a").save("meta", {"api_version": "1"}, None, WHEN)
    assert DiskCache(tmp_path / "cache.sqlite", "http://b").load_all() == {}


def test_a_damaged_file_is_set_aside(tmp_path, caplog):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    cache = DiskCache(path, "http://a")
    assert cache.load_all() == {}
    cache.save("meta", {"api_version": "1"}, None, WHEN)
    assert (tmp_path / "cache.sqlite.damaged").exists()
    assert "damaged" in caplog.text


def test_an_unreadable_row_costs_only_that_endpoint(tmp_path, caplog):
    cache = DiskCache(tmp_path / "cache.sqlite", "http://a")
    cache.save("meta", {"api_version": "1"}, None, WHEN)
    cache.save("situation", {"as_of": "x"}, None, WHEN)
    cache._db.execute("UPDATE payloads SET payload = '{broken' WHERE endpoint = 'situation'")
    assert set(cache.load_all()) == {"meta"}
    assert "skipping the unreadable cached payload of situation" in caplog.text


def test_naive_times_are_refused(tmp_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        DiskCache(tmp_path / "c.sqlite", "http://a").save("meta", {}, None, datetime(2026, 1, 1))


def test_saves_from_several_threads(tmp_path):
    cache = DiskCache(tmp_path / "cache.sqlite", "http://a")
    threads = [threading.Thread(target=lambda i=i: [cache.save(f"panels/p{i}", {"n": n}, None, WHEN)
                                                     for n in range(20)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = cache.load_all()
    assert len(loaded) == 4 and all(entry.payload == {"n": 19} for entry in loaded.values())


def test_a_fetch_finishing_after_shut_down_is_dropped_quietly(tmp_path):
    """The poller's worker may finish a fetch after the app closed the cache: no error, no write."""
    cache = DiskCache(tmp_path / "c.sqlite", "http://a")
    cache.close()
    now = datetime.now(UTC)
    cache.save("situation", {"late": True}, None, now)
    cache.touch("situation", now)
    assert DiskCache(tmp_path / "c.sqlite", "http://a").load_all() == {}
