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


def spec_error(response: requests.Response, status: int) -> str:
    """GeoReport v2's error form, [{"code", "description"}]: its description."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    (error,) = response.json()
    assert set(error) == {"code", "description"} and error["code"] == status
    return error["description"]


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
    since = (hotline - timedelta(days=60)).date().isoformat()
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD", start_date=since,
                       end_date=end))) == {"T-0002"}
    old, older = ((hotline - timedelta(days=days)).date().isoformat() for days in (90, 170))
    assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD", start_date=older,
                       end_date=old))) == {"T-0001"}  # an older window, 80 days long
    # Named ids win over the window.
    assert ids(get(writable, "requests.json", service_request_id="T-0001,T-0003")) == ["T-0003", "T-0001"]


def test_bad_filters_are_400_in_words(writable, hotline):
    for params, words in (({"status": "pending"}, "status"), ({"start_date": "last tuesday"}, "start_date"),
                          ({"end_date": "2026-13-45"}, "end_date"),
                          ({"start_date": "2026-11-20", "end_date": "2026-11-01"}, "after")):
        response = get(writable, "requests.json", **params)
        assert response.status_code == 400, params
        assert words in spec_error(response, 400)


def test_one_request_is_a_one_element_list(writable, hotline):
    response = get(writable, "requests/T-0001.json")
    assert response.status_code == 200
    assert [r["service_request_id"] for r in response.json()] == ["T-0001"]
    assert "T-9999" in spec_error(get(writable, "requests/T-9999.json"), 404)


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
    end = (hotline - timedelta(days=250)).date().isoformat()
    found = ids(get(writable, "requests.json", service_code="T-BULK", start_date=start, end_date=end))
    assert found[:2] == ["T-BULK-0000", "T-BULK-0001"] and len(found) == 1000


def test_repeated_parameters_mean_every_value(writable, hotline):
    """?service_code=a&service_code=b is a and b, as a,b is (the last value alone is not the answer)."""
    both = {"T-0002", "T-0003"}
    repeated = requests.get(f"{writable.url}/open311/v2/requests.json",
                            params=[("service_code", "T-NOISE"), ("service_code", "T-ROAD")], timeout=10)
    assert set(ids(repeated)) == both
    mixed = requests.get(f"{writable.url}/open311/v2/requests.json",
                         params=[("service_code", "T-NOISE,T-BULK"), ("service_code", "T-ROAD")], timeout=10)
    assert set(ids(mixed)) == both
    named = requests.get(f"{writable.url}/open311/v2/requests.json",
                         params=[("service_request_id", "T-0001"), ("service_request_id", "T-0003")], timeout=10)
    assert ids(named) == ["T-0003", "T-0001"]
    statuses = requests.get(f"{writable.url}/open311/v2/requests.json",
                            params=[("service_code", "T-NOISE,T-ROAD"), ("status", "open"), ("status", "closed")],
                            timeout=10)
    assert set(ids(statuses)) == both
    twice = requests.get(f"{writable.url}/open311/v2/requests.json",
                         params=[("start_date", "2026-11-01"), ("start_date", "2026-11-02")], timeout=10)
    assert "start_date" in spec_error(twice, 400) and "once" in spec_error(twice, 400)


def test_empty_values_are_none_and_dates_take_their_w3c_forms(writable, hotline):
    both = {"T-0002", "T-0003"}
    empty = requests.get(f"{writable.url}/open311/v2/requests.json", timeout=10, params=[
        ("service_code", "T-NOISE,T-ROAD"), ("service_code", ""), ("service_request_id", ""), ("status", ""),
        ("start_date", ""), ("end_date", "")])
    assert set(ids(empty)) == both
    day = (hotline - timedelta(days=2)).strftime("%Y-%m-%d")
    for start in (day, f"{day}T00:00", f"{day}T00:00:00.5Z", f"{day}T08:00+08:00"):
        assert set(ids(get(writable, "requests.json", service_code="T-NOISE,T-ROAD", start_date=start))) == both
    # "+08:00" written unescaped in a query string arrives as " 08:00": read as the offset it was.
    unescaped = requests.get(f"{writable.url}/open311/v2/requests.json?service_code=T-NOISE,T-ROAD"
                             f"&start_date={day}T08:00+08:00", timeout=10)
    assert set(ids(unescaped)) == both


def test_a_comma_in_the_id_path_is_one_id_not_two(writable, hotline):
    response = get(writable, "requests/T-0001,T-0003.json")
    assert "service_request_id=" in spec_error(response, 400)  # refused, pointing at the list form
    escaped = requests.get(f"{writable.url}/open311/v2/requests/T-0001%2CT-0003.json", timeout=10)
    spec_error(escaped, 400)
    assert ids(get(writable, "requests/T-0003.json")) == ["T-0003"]


def test_a_span_over_90_days_is_refused_in_words(writable, hotline):
    end = hotline.date()
    for start, refused in ((end - timedelta(days=89), False), (end - timedelta(days=90), True),
                           (end - timedelta(days=200), True)):
        response = get(writable, "requests.json", start_date=start.isoformat(), end_date=end.isoformat())
        if refused:
            assert "90 days" in spec_error(response, 400), start
        else:
            assert response.status_code == 200, response.text  # 90 whole days, start to end inclusive
    # Without end_date the window runs to now: a start_date long ago is a span over 90 days too.
    long_ago = (hotline - timedelta(days=120)).isoformat(timespec="seconds")
    assert "90 days" in spec_error(get(writable, "requests.json", start_date=long_ago), 400)
    # Without start_date it is the 90 days before end_date.
    assert "T-0001" in ids(get(writable, "requests.json", service_code="T-NOISE",
                               end_date=(hotline - timedelta(days=99)).isoformat(timespec="seconds")))


def test_bad_values_are_refused_in_the_specs_form(writable, hotline):
    for params, words in (({"status": "open,pending"}, "pending"), ({"end_date": "2026-02-30"}, "end_date"),
                          ({"start_date": "yesterday"}, "start_date"), ({"service_code": ","}, "names nothing"),
                          ({"start_date": "2026-11-24 "}, "start_date"), ({"end_date": "20261124"}, "end_date"),
                          ({"service_request_id": " , "}, "names nothing"),
                          ({"start_date": "2026-11-20T10:00:00+08:00", "end_date": "2026-11-19"}, "after")):
        assert words in spec_error(get(writable, "requests.json", **params), 400), params
