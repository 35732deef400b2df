"""Open311 GeoReport v2 over the hotline tables, with rows of the test's own written into the real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from central.db import connect

FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture(scope="module")
def hotline(writable):
    """Three known requests relative to the simulated clock: 100 days, 1 day and 2 hours old."""
    now = datetime.fromisoformat(requests.get(f"{writable.url}/api/v1/health", timeout=5).json()["sim_time"])
    conn = connect(writable.db)
    with conn:
        conn.execute("INSERT OR REPLACE INTO open311_services VALUES ('T-NOISE', '测试噪声', '夜间施工噪声', '噪声', '测试')")
        conn.execute("INSERT OR REPLACE INTO open311_services VALUES ('T-ROAD', '测试道路', '路面破损', '道路', '测试')")
        for ident, age, status, code in (("T-0001", timedelta(days=100), "open", "T-NOISE"),
                                         ("T-0002", timedelta(days=1), "open", "T-NOISE"),
                                         ("T-0003", timedelta(hours=2), "closed", "T-ROAD")):
            at = (now - age).isoformat(timespec="seconds")
            conn.execute(
                "INSERT OR REPLACE INTO service_requests VALUES (?, ?, '已受理', ?, '测试诉求', '测试局', '', ?, ?, ?, "
                "'通州区金沙街道', '', '226300', 32.08, 121.07, '', 'phone', '320612001', NULL)",
                (ident, status, code, at, at, (now - age + timedelta(days=3)).isoformat(timespec="seconds")))
    conn.close()
    return now


def get(server, path: str, **params) -> requests.Response:
    return requests.get(f"{server.url}/open311/v2/{path}", params=params, timeout=10)


def ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


def test_services_have_the_georeport_fields(writable, hotline):
    services = {s["service_code"]: s for s in get(writable, "services.json").json()}
    assert services["T-NOISE"] == {"service_code": "T-NOISE", "service_name": "测试噪声", "description": "夜间施工噪声",
                                   "metadata": False, "type": "realtime", "keywords": "噪声", "group": "测试"}


def test_requests_default_to_90_days_newest_first(writable, hotline):
    everything = get(writable, "requests.json")
    assert everything.status_code == 200 and 0 < len(everything.json()) <= 1000
    times = [datetime.fromisoformat(r["requested_datetime"]) for r in everything.json()]
    assert times == sorted(times, reverse=True)
    assert min(times) >= hotline - timedelta(days=90, minutes=1)
    response = get(writable, "requests.json", service_code="T-NOISE,T-ROAD")
    assert ids(response) == ["T-0003", "T-0002"]  # T-0001 is older than 90 days
    one = response.json()[0]
    assert set(one) == FIELDS
    assert one["service_name"] == "测试道路" and one["long"] == 121.07 and one["lat"] == 32.08


def test_requests_filters(writable, hotline):
    closed = get(writable, "requests.json", status="closed")
    assert "T-0003" in ids(closed) and {r["status"] for r in closed.json()} == {"closed"}
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE"))) == {"T-0002"}
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD"))) == {"T-0002", "T-0003"}
    start = (hotline - timedelta(hours=5)).isoformat(timespec="seconds")
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD", start_date=start))) == {"T-0003"}
    end = (hotline - timedelta(hours=5)).isoformat(timespec="seconds")
    old = (hotline - timedelta(days=200)).date().isoformat()
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD", start_date=old,
                       end_date=end))) == {"T-0001", "T-0002"}
    # Named ids win over the window.
    assert ids(get(writable, "requests.json", service_request_id="T-0001,T-0003")) == ["T-0003", "T-0001"]


def test_bad_filters_are_400_in_words(writable, hotline):
    for params, words in (({"status": "pending"}, "status"), ({"start_date": "last tuesday"}, "start_date"),
                          ({"end_date": "2026-13-45"}, "end_date"),
                          ({"start_date": "2026-11-20", "end_date": "2026-11-01"}, "after")):
        response = get(writable, "requests.json", **params)
        assert response.status_code == 400, params
        assert words in response.json()["message"]


def test_one_request_is_a_one_element_list(writable, hotline):
    response = get(writable, "requests/T-0001.json")
    assert response.status_code == 200
    assert [r["service_request_id"] for r in response.json()] == ["T-0001"]
    assert get(writable, "requests/T-9999.json").status_code == 404


def test_at_most_1000_results(writable, hotline):
    conn = connect(writable.db)
    with conn:
        conn.executemany(
            "INSERT OR REPLACE INTO service_requests (service_request_id, status, service_code, requested_datetime) "
            "VALUES (?, 'open', 'T-BULK', ?)",
            [(f"T-BULK-{n:04d}", (hotline - timedelta(days=300, minutes=n)).isoformat(timespec="seconds"))
             for n in range(1005)])  # far outside the default window, so other tests never see them
    conn.close()
    start = (hotline - timedelta(days=310)).date().isoformat()
    found = ids(get(writable, "requests.json", service_code="T-BULK", start_date=start))
    assert found[:2] == ["T-BULK-0000", "T-BULK-0001"] and len(found) == 1000
