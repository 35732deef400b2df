"""The server's HTTP behaviour: probes, meta, ETags, errors and tokens, over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime

import requests

from tests.central.conftest import ADMIN, READER_TOKEN


def get(server, path: str, **kwargs) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=10, **kwargs)


def test_health_is_open_and_tells_both_clocks(central_session):
    response = get(central_session, "/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for key in ("server_time", "sim_time"):
        assert datetime.fromisoformat(body[key]).utcoffset().total_seconds() == 8 * 3600


def test_meta_follows_the_contract(central_session):
    body = get(central_session, "/api/v1/meta").json()
    assert body["api_version"] == "1"
    assert body["city"] == {"adcode": "320600", "name": "南通市"}
    assert body["datum"] == "WGS-84"
    assert "GeoNames" in body["attribution"]
    assert body["speed"] == 1.0
    assert {"domains", "panels", "counts", "server_time", "sim_time"} <= body.keys()


def test_every_get_has_a_strong_etag_date_and_no_cache(central_session):
    for path in ("/api/v1/meta", "/api/v1/situation", "/api/v1/warnings", "/open311/v2/services.json",
                 "/openapi.json"):
        response = get(central_session, path)
        assert response.status_code == 200, path
        tag = response.headers["ETag"]
        assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/"), path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert response.headers["Date"], path


def test_if_none_match_gives_304_without_a_body(central_session):
    first = get(central_session, "/open311/v2/services.json")
    again = get(central_session, "/open311/v2/services.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = get(central_session, "/open311/v2/services.json", headers={"If-None-Match": '"not-the-tag"'})
    assert other.status_code == 200 and other.content == first.content


def test_the_etag_follows_the_body(central_session):
    meta = get(central_session, "/api/v1/meta")
    services = get(central_session, "/open311/v2/services.json")
    assert meta.headers["ETag"] != services.headers["ETag"]


def test_unknown_panel_and_path_are_404_in_words(central_session):
    for path in ("/api/v1/panels/no_such_panel", "/api/v1/nothing-here", "/api/v1/warnings/W999999",
                 "/api/v1/warnings/banana", "/open311/v2/requests/NOPE.json"):
        response = get(central_session, path)
        assert response.status_code == 404, path
        body = response.json()
        if path.startswith("/open311/"):  # GeoReport v2's own error form
            assert body[0]["code"] == 404 and body[0]["description"], path
        else:
            assert body["error"] == "not_found" and body["message"], path


def test_bad_query_values_are_400_in_words(central_session):
    for params in ({"limit": "zero"}, {"limit": 0}, {"limit": 5000}, {"wait": -1}, {"wait": 61}):
        response = get(central_session, "/api/v1/warnings", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["error"] == "bad_request"
        assert "limit" in body["message"] or "wait" in body["message"]


def test_reader_token_is_required_when_configured(locked):
    assert get(locked, "/api/v1/health").status_code == 200
    assert get(locked, "/openapi.json").status_code == 200
    for path in ("/api/v1/meta", "/api/v1/situation", "/api/v1/warnings", "/open311/v2/services.json"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {READER_TOKEN}"}):
            response = get(locked, path, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            body = response.json()
            if path.startswith("/open311/"):  # GeoReport v2's own error form
                assert body[0]["code"] == 401, body
            else:
                assert body["error"] == "unauthorized"
        assert get(locked, path, headers={"Authorization": f"Bearer {READER_TOKEN}"}).status_code == 200


def test_admin_calls_are_403_when_no_admin_token_is_configured(locked):
    headers = {"Authorization": f"Bearer {READER_TOKEN}"}
    for path, body in (("/api/v1/sim/speed", {"speed": 2}),
                       ("/api/v1/sim/warnings", {"severity": "red", "headline": "x", "adcode": "320612"})):
        response = requests.post(f"{locked.url}{path}", json=body, headers=headers, timeout=10)
        assert response.status_code == 403
        assert "admin" in response.json()["message"]


def test_admin_calls_need_the_admin_token(writable):
    body = {"speed": 2}
    missing = requests.post(f"{writable.url}/api/v1/sim/speed", json=body, timeout=10)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.post(f"{writable.url}/api/v1/sim/speed", json=body,
                          headers={"Authorization": "Bearer guess"}, timeout=10)
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"


def test_tokens_never_reach_the_log(locked):
    get(locked, "/api/v1/meta", headers={"Authorization": "Bearer wrong-guess-91"})
    get(locked, "/api/v1/meta", headers={"Authorization": f"Bearer {READER_TOKEN}"})
    log = "\n".join(locked.output)
    assert READER_TOKEN not in log and "wrong-guess-91" not in log


def test_speed_control_changes_the_clock(writable):
    response = requests.post(f"{writable.url}/api/v1/sim/speed", json={"speed": 60}, headers=ADMIN, timeout=10)
    assert response.status_code == 200
    assert response.json()["speed"] == 60
    assert get(writable, "/api/v1/meta").json()["speed"] == 60
    bad = requests.post(f"{writable.url}/api/v1/sim/speed", json={"speed": -1}, headers=ADMIN, timeout=10)
    assert bad.status_code == 400 and "speed" in bad.json()["message"]
    requests.post(f"{writable.url}/api/v1/sim/speed", json={"speed": 1}, headers=ADMIN, timeout=10)


def test_drill_validation_speaks_plainly(writable):
    for body, words in (({"severity": "purple", "headline": "x", "adcode": "320612"}, "severity"),
                        ({"severity": "red", "headline": "x", "adcode": "999999"}, "adcode"),
                        ({"severity": "red", "headline": "x", "adcode": "320612", "lon": 121.0}, "lat")):
        response = requests.post(f"{writable.url}/api/v1/sim/warnings", json=body, headers=ADMIN, timeout=10)
        assert response.status_code == 400, body
        assert words in response.json()["message"], response.json()
    broken = requests.post(f"{writable.url}/api/v1/sim/warnings", data=b"{not json", headers=ADMIN | {
        "Content-Type": "application/json"}, timeout=10)
    assert broken.status_code == 400 and broken.json()["error"] == "bad_request"


def test_openapi_served_matches_the_routes(central_session):
    document = json.loads(get(central_session, "/openapi.json").content)
    assert "/api/v1/warnings/{warning_id}.cap" in document["paths"]
    assert "/open311/v2/requests.json" in document["paths"]
