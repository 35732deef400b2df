"""The warnings feed: cursors without gaps or repeats (across restarts), long polls, acks, expiry."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import datetime, timedelta

import requests

from central.db import connect
from central.warning_feed import publish_warning
from tests.central.conftest import ADMIN, drill, feed, read_all


def test_cursor_pages_without_gaps_or_repeats(writable):
    _, start = read_all(writable)
    published = [drill(writable, headline=f"演练 {n}")["id"] for n in range(7)]
    seen, cursor = [], start
    while True:
        page = feed(writable, cursor, limit=3)
        assert len(page["warnings"]) <= 3
        if not page["warnings"]:
            assert page["cursor"] == cursor  # nothing new: the same place
            break
        seen += [w["id"] for w in page["warnings"]]
        cursor = page["cursor"]
    assert seen == published


def test_feed_from_the_start_holds_everything_in_order(writable):
    drill(writable)
    everything, _ = read_all(writable)
    ids = [w["id"] for w in everything]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(w["id"].startswith("W") for w in everything)


def test_cursor_survives_restart_and_crash(quiet_server):
    first = [drill(quiet_server, headline=f"重启前 {n}")["id"] for n in range(3)]
    seen, cursor = read_all(quiet_server)
    assert [w["id"] for w in seen][-3:] == first
    quiet_server.stop()
    quiet_server.start()
    assert feed(quiet_server, cursor)["warnings"] == []  # nothing repeated after a restart
    after_restart = drill(quiet_server, headline="重启后")["id"]
    quiet_server.kill()  # a crash: the message was committed before it was answered
    quiet_server.start()
    later, cursor = read_all(quiet_server, cursor)
    assert [w["id"] for w in later] == [after_restart]
    assert int(after_restart[1:]) > int(first[-1][1:])


def test_cursor_from_another_database_is_refused(writable, central_session):
    foreign = feed(central_session)["cursor"]
    response = requests.get(f"{writable.url}/api/v1/warnings", params={"after": foreign}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_cursor"
    assert "another central database" in response.json()["message"]


def test_unreadable_cursors_are_refused_in_words(writable):
    for cursor in ("garbage", "eyJ2IjoyfQ", "!!!", "eyJ2IjoxLCJkYiI6IngiLCJzZXEiOi0xfQ"):
        response = requests.get(f"{writable.url}/api/v1/warnings", params={"after": cursor}, timeout=10)
        assert response.status_code == 400, cursor
        assert "start again" in response.json()["message"]


def test_long_poll_answers_as_soon_as_a_warning_is_published(writable):
    _, cursor = read_all(writable)
    answer: dict = {}

    def poll() -> None:
        began = time.monotonic()
        answer["body"] = feed(writable, cursor, wait=20)
        answer["took"] = time.monotonic() - began

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)
    published = drill(writable, headline="长轮询")
    poller.join(15)
    assert not poller.is_alive()
    assert [w["id"] for w in answer["body"]["warnings"]] == [published["id"]]
    assert answer["took"] < 3.0


def test_long_poll_sees_a_write_made_by_another_process(writable):
    """A publisher that cannot ring the server's bell is still seen within a second or so."""
    _, cursor = read_all(writable)
    answer: dict = {}
    poller = threading.Thread(target=lambda: answer.update(feed(writable, cursor, wait=20)))
    poller.start()
    time.sleep(0.3)
    conn = connect(writable.db)
    sent = datetime.fromisoformat(requests.get(f"{writable.url}/api/v1/health", timeout=5).json()["sim_time"])
    published = publish_warning(conn, severity="yellow", headline="外部写入", adcode="320613", lon=120.9,
                                lat=32.0, item_code="SZ-01", item_name="测试", domain="社会治理", sent=sent,
                                expires=sent + timedelta(hours=1))
    conn.close()
    began = time.monotonic()
    poller.join(15)
    assert [w["id"] for w in answer["warnings"]] == [published["id"]]
    assert time.monotonic() - began < 3.0


def test_long_poll_returns_empty_after_the_wait(writable):
    _, cursor = read_all(writable)
    began = time.monotonic()
    body = feed(writable, cursor, wait=1)
    took = time.monotonic() - began
    assert body["warnings"] == [] and body["cursor"] == cursor
    assert 0.9 <= took < 4.0


def test_ack_is_idempotent_by_ack_id(writable):
    warning = drill(writable)
    url = f"{writable.url}/api/v1/warnings/{warning['id']}/ack"
    ack = {"by": "张三", "at": "2026-11-24T20:15:00+08:00", "client": "wall-1", "ack_id": str(uuid.uuid4())}
    for _ in range(2):
        response = requests.post(url, json=ack, timeout=10)
        assert response.status_code == 200
        assert response.json()["acks"] == [{"by": "张三", "at": ack["at"], "client": "wall-1"}]
    second = dict(ack, by="李四", ack_id=str(uuid.uuid4()))
    assert len(requests.post(url, json=second, timeout=10).json()["acks"]) == 2
    assert len(requests.get(f"{writable.url}/api/v1/warnings/{warning['id']}", timeout=10).json()["acks"]) == 2


def test_ack_errors(writable):
    ack = {"by": "张三", "at": "2026-11-24T20:15:00+08:00", "client": "wall-1", "ack_id": "a-1"}
    missing = requests.post(f"{writable.url}/api/v1/warnings/W999999/ack", json=ack, timeout=10)
    assert missing.status_code == 404
    warning = drill(writable)
    for bad in (dict(ack, at="yesterday"), dict(ack, by=""), {"by": "张三"}):
        response = requests.post(f"{writable.url}/api/v1/warnings/{warning['id']}/ack", json=bad, timeout=10)
        assert response.status_code == 400, bad
        assert response.json()["message"]


def test_drill_warning_has_every_contract_field(writable):
    warning = drill(writable, severity="red", headline="演练：金沙街道火情", adcode="320612001",
                    description="描述", instruction="疏散", item_code="AQ-03", domain="公共安全")
    assert set(warning) == {"id", "identifier", "sender", "msg_type", "references", "severity", "severity_name",
                            "cap_severity", "urgency", "certainty", "headline", "description", "instruction",
                            "item", "domain", "sent", "expires", "expires_assumed", "area", "areas", "signature",
                            "lon", "lat", "source", "status", "state", "acks"}
    assert set(warning["area"]) == {"name", "adcode", "polygon", "circle"}
    assert warning["areas"] == [{"name": "通州区金沙街道", "adcode": "320612001", "polygons": [], "circles": [],
                                 "geocodes": [{"name": "adcode", "value": "320612001"}]}]
    assert warning["expires_assumed"] is False and warning["signature"]["status"] == "unsigned"
    assert warning["severity"] == "red" and warning["severity_name"] == "红色"
    assert warning["cap_severity"] == "Extreme"
    assert warning["source"] == "drill" and warning["state"] == "active" and warning["msg_type"] == "Alert"
    assert warning["area"]["adcode"] == "320612001" and warning["area"]["name"] == "通州区金沙街道"
    assert warning["item"] == {"code": "AQ-03", "name": "应急演练"}
    assert 120 < warning["lon"] < 122 and 31 < warning["lat"] < 33
    sent, expires = (datetime.fromisoformat(warning[k]) for k in ("sent", "expires"))
    assert expires - sent == timedelta(hours=1)
    assert sent.utcoffset() == timedelta(hours=8)
    assert requests.get(f"{writable.url}/api/v1/warnings/{warning['id']}", timeout=10).json() == warning


def test_expiry_is_judged_on_the_simulated_clock(central_server):
    warning = drill(central_server, expires_in_s=60)
    assert warning["state"] == "active"
    response = requests.post(f"{central_server.url}/api/v1/sim/speed", json={"speed": 600}, headers=ADMIN,
                             timeout=10)
    assert response.status_code == 200
    time.sleep(0.3)  # 0.3 s at 600x = 3 simulated minutes
    now = requests.get(f"{central_server.url}/api/v1/warnings/{warning['id']}", timeout=10).json()
    assert now["state"] == "expired"
    listed = feed(central_server)["warnings"]
    assert [w["state"] for w in listed if w["id"] == warning["id"]] == ["expired"]


def test_a_locked_database_gives_503_with_retry_after(quiet_server):
    holder = sqlite3.connect(quiet_server.db, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database (WAL readers still read)
    try:
        response = requests.post(f"{quiet_server.url}/api/v1/sim/warnings", headers=ADMIN, timeout=30,
                                 json={"severity": "red", "headline": "锁", "adcode": "320612"})
        assert requests.get(f"{quiet_server.url}/api/v1/warnings", timeout=10).status_code == 200
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json() == {"error": "unavailable", "message": "the server's database is busy; try again shortly"}
    assert drill(quiet_server)["state"] == "active"  # and it recovers by itself
