"""CAP 1.2 in and out: schema-valid output, Update/Cancel chains, and hostile input refused unread."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests
import xmlschema

from kernel.cap import parse_cap
from kernel.paths import resource
from tests.central.conftest import ADMIN, drill, feed, read_all
from tests.conftest import DATA

CAP_HEADERS = ADMIN | {"Content-Type": "application/cap+xml"}


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(resource("CAP-v1.2.xsd")))


def cap(identifier: str, *, msg_type: str = "Alert", sent: str = "2026-11-24T20:00:00+08:00",
        references: str = "", info: bool = True, severity: str = "Severe", expires: str = "2099-01-01T00:00:00+08:00",
        headline: str = "如东县沿海大风橙色预警") -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    body = f"""<info><language>zh-CN</language><category>Met</category><event>大风</event>
      <urgency>Expected</urgency><severity>{severity}</severity><certainty>Likely</certainty>
      <expires>{expires}</expires><headline>{headline}</headline><description>阵风10级</description>
      <area><areaDesc>如东县</areaDesc>
        <polygon>32.3,121.0 32.3,121.3 32.5,121.3 32.5,121.0 32.3,121.0</polygon>
        <geocode><valueName>adcode</valueName><value>320623</value></geocode></area></info>""" if info else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier>
  <sender>weather@example.cn</sender><sent>{sent}</sent><status>Actual</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}{body}</alert>""".encode()


def post(server, data: bytes, headers: dict | None = None) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/warnings", data=data, headers=headers or CAP_HEADERS, timeout=10)


def get_cap(server, warning_id: str) -> bytes:
    response = requests.get(f"{server.url}/api/v1/warnings/{warning_id}.cap", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/cap+xml")
    return response.content


def state(server, warning_id: str) -> str:
    return requests.get(f"{server.url}/api/v1/warnings/{warning_id}", timeout=10).json()["state"]


def test_own_warnings_are_valid_cap_and_read_back_the_same(writable, schema):
    warning = drill(writable, severity="yellow", headline="演练：崇川区道路积水", adcode="320613",
                    instruction="绕行", item_code="CS-02")
    data = get_cap(writable, warning["id"])
    schema.validate(data)
    alert = parse_cap(data)
    info = alert.info_for()
    assert alert.identifier == warning["identifier"] and alert.sender == warning["sender"]
    assert alert.status == "Exercise"  # a drill says so
    assert info.severity == "Moderate" and info.headline == "演练：崇川区道路积水" and info.instruction == "绕行"
    assert ("adcode", "320613") in info.areas[0].geocodes
    assert info.expires.isoformat() == warning["expires"]


def test_ingested_alert_keeps_its_fields(writable, schema):
    response = post(writable, cap("T-ALERT-1"))
    assert response.status_code == 201, response.text
    warning = response.json()
    assert response.headers["Location"] == f"/api/v1/warnings/{warning['id']}"
    assert warning["source"] == "cap" and warning["state"] == "active"
    assert warning["severity"] == "orange" and warning["cap_severity"] == "Severe"
    assert warning["area"]["adcode"] == "320623" and warning["area"]["name"] == "如东县"
    assert warning["area"]["polygon"][0] == [121.0, 32.3]  # lon, lat
    assert 121.0 < warning["lon"] < 121.3 and 32.3 < warning["lat"] < 32.5
    data = get_cap(writable, warning["id"])
    schema.validate(data)
    assert parse_cap(data).sent_text == "2026-11-24T20:00:00+08:00"


def test_duplicate_is_200_with_the_existing_warning(writable):
    first = post(writable, cap("T-DUP-1"))
    again = post(writable, cap("T-DUP-1"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    _, cursor = read_all(writable)
    post(writable, cap("T-DUP-1"))
    assert feed(writable, cursor)["warnings"] == []


def test_update_then_cancel_chain(writable, schema):
    alert = post(writable, cap("T-CHAIN-1", sent="2026-11-24T12:00:00+00:00")).json()
    _, cursor = read_all(writable)
    # The reference writes the same instant in Beijing time: still the same message.
    update = post(writable, cap("T-CHAIN-2", msg_type="Update", sent="2026-11-24T20:30:00+08:00",
                                references="weather@example.cn,T-CHAIN-1,2026-11-24T20:00:00+08:00",
                                severity="Extreme", headline="如东县沿海大风红色预警"))
    assert update.status_code == 201, update.text
    update = update.json()
    assert update["msg_type"] == "Update" and update["severity"] == "red" and update["state"] == "active"
    assert update["references"] == [{"sender": "weather@example.cn", "identifier": "T-CHAIN-1",
                                     "sent": "2026-11-24T20:00:00+08:00"}]
    assert state(writable, alert["id"]) == "updated"
    # The superseded message changed state, but only the Update is new in the feed.
    assert [w["id"] for w in feed(writable, cursor)["warnings"]] == [update["id"]]
    schema.validate(get_cap(writable, update["id"]))

    cancel = post(writable, cap("T-CHAIN-3", msg_type="Cancel", sent="2026-11-24T21:00:00+08:00", info=False,
                                references="weather@example.cn,T-CHAIN-2,2026-11-24T20:30:00+08:00"))
    assert cancel.status_code == 201, cancel.text
    cancel = cancel.json()
    assert cancel["state"] == "cancelled" and cancel["msg_type"] == "Cancel"
    assert cancel["headline"] == "如东县沿海大风红色预警"  # a bare Cancel shows what it cancels
    assert state(writable, update["id"]) == "cancelled"
    ids = [w["id"] for w in read_all(writable, cursor)[0]]
    assert ids == [update["id"], cancel["id"]]
    schema.validate(get_cap(writable, cancel["id"]))
    assert parse_cap(get_cap(writable, cancel["id"])).references[0].identifier == "T-CHAIN-2"


def test_messages_that_are_no_warning_are_refused(writable):
    bare_alert = post(writable, cap("T-BARE-1", info=False))
    assert bare_alert.status_code == 400 and "nothing to show" in bare_alert.json()["message"]
    test_status = post(writable, cap("T-TEST-1").replace(b"<status>Actual", b"<status>Test"))
    assert test_status.status_code == 400 and "Test" in test_status.json()["message"]


def test_expired_cap_shows_as_expired(writable):
    response = post(writable, cap("T-OLD-1", expires="2020-01-01T00:00:00+08:00"))
    assert response.status_code == 201 and response.json()["state"] == "expired"


def test_real_world_cap_files_are_ingested(writable, schema):
    for name in ("weather.cap", "earthquake.cap", "australia.cap", "no_optional_fields.cap"):
        response = post(writable, (DATA / "cap" / name).read_bytes())
        assert response.status_code in (200, 201), (name, response.text)
        schema.validate(get_cap(writable, response.json()["id"]))


@pytest.fixture
def listener():
    """A local socket that notes any connection (nothing should ever connect)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_nobody_connected(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


def test_hostile_entities_read_no_file_and_fetch_nothing(writable, tmp_path: Path, listener):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7f3a9c", encoding="utf-8")
    port = listener.getsockname()[1]
    _, cursor = read_all(writable)
    hostile = [
        (DATA / "cap" / "xee.cap").read_bytes().replace(b"localhost:8080", f"127.0.0.1:{port}".encode()),
        f"""<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file://{secret}">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X1</identifier><sender>a@b</sender>
<sent>2026-11-24T20:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><category>Met</category><event>&xxe;</event><urgency>Immediate</urgency><severity>Severe</severity>
<certainty>Observed</certainty><headline>&xxe;</headline></info></alert>""".encode(),
        f"""<?xml version="1.0"?><!DOCTYPE alert SYSTEM "http://127.0.0.1:{port}/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X2</identifier></alert>""".encode(),
        f"""<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"
 xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://{secret}" parse="text"/></alert>""".encode(),
    ]
    for data in hostile:
        response = post(writable, data)
        assert response.status_code == 400, response.text
        assert response.json()["error"].startswith("cap_")
        assert "SECRET-7f3a9c" not in response.text
    assert_nobody_connected(listener)
    after = requests.get(f"{writable.url}/api/v1/warnings", params={"after": cursor}, timeout=10)
    assert "SECRET-7f3a9c" not in after.text and after.json()["warnings"] == []


def test_billion_laughs_is_refused_quickly(writable):
    lol = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                                     for n in range(1, 10)]
    data = f"""<?xml version="1.0"?><!DOCTYPE alert [{''.join(lol)}]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>""".encode()
    response = post(writable, data)
    assert response.status_code == 400
    assert response.json()["error"] == "cap_forbidden"


def test_oversize_is_413_even_without_a_declared_length(writable):
    big = cap("T-BIG-1").replace(b"<description>", b"<description>" + b"x" * (4 * 1024 * 1024))
    declared = post(writable, big)
    assert declared.status_code == 413 and "4 MiB" in declared.json()["message"]
    chunked = post(writable, iter([big[i:i + 65536] for i in range(0, len(big), 65536)]))  # no Content-Length
    assert chunked.status_code == 413


def test_not_xml_html_and_not_cap_are_400(writable):
    for data, code in ((b"this is not xml", "cap_not_xml"),
                       (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "cap_not_cap"),
                       (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "cap_not_cap"),
                       (b"", "cap_not_xml")):
        response = post(writable, data)
        assert response.status_code == 400, data
        assert response.json()["error"] == code
        assert response.json()["message"]


def test_wrong_content_type_is_415(writable):
    for kind in ("text/html", "application/json", None):
        headers = dict(ADMIN) | ({"Content-Type": kind} if kind else {})
        response = post(writable, cap("T-TYPE-1"), headers=headers)
        assert response.status_code == 415, kind
        assert "application/cap+xml" in response.json()["message"]


def test_ingestion_needs_the_admin_token(writable, locked):
    assert post(writable, cap("T-AUTH-1"), headers={"Content-Type": "application/cap+xml"}).status_code == 401
    assert post(writable, cap("T-AUTH-1"), headers={"Content-Type": "application/cap+xml",
                                                    "Authorization": "Bearer nope"}).status_code == 403
    assert post(locked, cap("T-AUTH-1")).status_code in (401, 403)
