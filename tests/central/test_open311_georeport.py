"""Open311 GeoReport v2 as an off-the-shelf client sees it: the `georeport` package (and, for the calls it
does not make, plain HTTP as the spec writes them) against a real server process, in JSON and XML.

georeport 0.3.1 reads services, service definitions and requests, in either format; it cannot create a
request, follow a token or read the discovery, and it never sends its api_key (only `requests`' own
.netrc lookup can authenticate it, as HTTP Basic). Those calls are made here with `requests`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
import requests
from georeport import GeoReport

from kernel import geo
from tests.central.conftest import READER_TOKEN

FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"}
TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
FORMATS = ("json", "xml")
SPEC = "http://wiki.open311.org/GeoReport_v2"


def base(server) -> str:
    return f"{server.url}/open311/v2"


def town(name: str) -> geo.Town:
    return next(t for t in geo.towns() if t.name == name)


def county_name(found: geo.Town) -> str:
    return next(c.name for c in geo.counties() if c.adcode == found.county_adcode)


def post(server, fmt: str = "json", **fields) -> requests.Response:
    return requests.post(f"{base(server)}/requests.{fmt}", data=fields, timeout=10)


def created(server, fmt: str = "json", **fields) -> dict:
    response = post(server, fmt, **fields)
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == TYPES[fmt]
    if fmt == "json":
        (answer,) = response.json()
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
        answer = {child.tag: child.text for child in root[0]}
    assert set(answer) == {"service_request_id", "service_notice", "account_id", "token"}
    assert response.headers["Location"] == f"/open311/v2/requests/{answer['service_request_id']}.{fmt}"
    return answer


def spec_error(response: requests.Response, status: int, fmt: str = "json") -> str:
    """The spec's error form, in the format asked for: its one description."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == TYPES[fmt], response.headers
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}, body
        assert body[0]["code"] == status
        return body[0]["description"]
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"], response.text
    assert [c.tag for c in root[0]] == ["code", "description"] and root[0].findtext("code") == str(status)
    return root[0].findtext("description") or ""


def sim_now(server) -> datetime:
    return datetime.fromisoformat(requests.get(f"{server.url}/api/v1/health", timeout=5).json()["sim_time"])


@pytest.fixture(scope="module")
def reported(writable):
    """Two requests reported as a citizen's app would: by lat/long in 通州区金沙街道, and by an address
    naming 启东市汇龙镇 (JSON and XML), with text an XML writer must escape."""
    jinsha, huilong = town("金沙街道"), town("汇龙镇")
    by_point = created(writable, "json", service_code="003", lat=str(jinsha.lat), long=str(jinsha.lon),
                       description="路灯不亮 <夜间> & “漏电”\n已两天", email="a@example.cn", first_name="张",
                       last_name="三", phone="13800000000", device_id="dev-7", account_id="acct-42",
                       media_url="https://example.cn/p/1.jpg")
    by_address = created(writable, "xml", service_code="019", address_string="启东市汇龙镇人民路8号门口积水",
                         description="门口积水过膝")
    return {"point": (by_point, jinsha), "address": (by_address, huilong)}


# ---------------------------------------------------------------- the client's reading calls

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_services_and_definitions(writable, fmt):
    client = GeoReport(base(writable), output_format=fmt)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert {"001", "019"} <= set(services) and services["001"]["service_name"] == "市容环境"
    assert services["019"]["metadata"] in (False, "false") and services["019"]["type"] == "realtime"
    assert set(services["001"]) == {"service_code", "service_name", "description", "metadata", "type",
                                    "keywords", "group"}
    definition = client.get_service_definition("019")
    assert definition["service_code"] == "019"
    assert definition["attributes"] in ([], None)  # no attributes: [] in JSON, <attributes/> in XML
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_definition("no-such-service")
    assert "no-such-service" in spec_error(caught.value.response, 404, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_requests_lists_and_one(writable, reported, fmt):
    client = GeoReport(base(writable), output_format=fmt)
    everything = client.get_service_requests()
    assert len(everything) > 2 and all(set(r) == FIELDS for r in everything)
    ids = [r["service_request_id"] for r in everything]
    assert reported["point"][0]["service_request_id"] in ids
    chosen = client.get_service_requests(service_code="003,019", status="open")
    assert chosen and {r["service_code"] for r in chosen} <= {"003", "019"}
    assert {r["status"] for r in chosen} == {"open"}
    one_id = reported["address"][0]["service_request_id"]
    one = client.get_service_request(one_id)
    assert one["service_request_id"] == one_id and one["service_code"] == "019" and one["status"] == "open"
    assert one["address"] == "启东市汇龙镇人民路8号门口积水" and one["description"] == "门口积水过膝"
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_request("NT-NO-SUCH")
    assert "NT-NO-SUCH" in spec_error(caught.value.response, 404, fmt)


def test_json_and_xml_answer_the_same(writable, reported):
    as_json, as_xml = (GeoReport(base(writable), output_format=fmt) for fmt in FORMATS)
    assert [s["service_code"] for s in as_json.get_service_list()] == \
        [s["service_code"] for s in as_xml.get_service_list()]
    listed = [r["service_request_id"] for r in as_json.get_service_requests(service_code="003")]
    assert listed == [r["service_request_id"] for r in as_xml.get_service_requests(service_code="003")]
    one_id = reported["point"][0]["service_request_id"]
    json_one, xml_one = as_json.get_service_request(one_id), as_xml.get_service_request(one_id)
    assert {k: ("" if v is None else str(v)) for k, v in json_one.items()} == \
        {k: v or "" for k, v in xml_one.items()}


# ---------------------------------------------------------------- creation, tokens, read back

def test_a_request_by_lat_long_lands_in_its_town_and_reads_back(writable, reported):
    answer, jinsha = reported["point"]
    assert answer["account_id"] == "acct-42" and answer["service_notice"] == "承诺72小时内办理"
    rid = answer["service_request_id"]
    assert rid.startswith("NT") and rid[2:].isdigit() and len(rid) == 17  # the simulator's id form
    (row,) = requests.get(f"{base(writable)}/requests/{rid}.json", timeout=10).json()
    assert row["address"] == county_name(jinsha) + "金沙街道"
    assert (row["lat"], row["long"]) == (jinsha.lat, jinsha.lon) and row["zipcode"] == "226300"
    assert row["description"] == "路灯不亮 <夜间> & “漏电”\n已两天"
    assert row["media_url"] == "https://example.cn/p/1.jpg" and row["agency_responsible"]
    requested = datetime.fromisoformat(row["requested_datetime"])
    assert abs(requested - sim_now(writable)) < timedelta(minutes=5)
    assert datetime.fromisoformat(row["expected_datetime"]) - requested == timedelta(hours=72)
    assert row["status"] == "open" and "13800000000" not in str(row)  # personal details are not kept


def test_the_cockpit_sees_new_requests_at_once(writable, reported):
    """The hotline panel and the situation are the cockpit's view of the city: both show the new
    requests, in the right towns, without waiting for the simulated clock to move (this server's clock
    hardly moves: both bodies are read first, so the new request must not come from a cold cache)."""
    for path in ("panels/hotline_12345", "situation"):
        assert requests.get(f"{writable.url}/api/v1/{path}", timeout=10).status_code == 200
    fresh = created(writable, service_code="002", lat=str(town("汇龙镇").lat), long=str(town("汇龙镇").lon),
                    description="广场舞音响声音过大")["service_request_id"]
    panel = requests.get(f"{writable.url}/api/v1/panels/hotline_12345", timeout=10).json()
    rows = {r["id"]: r for r in panel["blocks"]["latest_requests"]["rows"]}
    assert rows[fresh]["town"] == "启东市汇龙镇" and rows[fresh]["service"] == "噪声扰民"
    point_id = reported["point"][0]["service_request_id"]
    assert rows[point_id]["town"] == county_name(town("金沙街道")) + "金沙街道"
    points = {p["id"]: p for p in panel["blocks"]["open_requests"]["items"]}
    assert points[point_id]["adcode"] == town("金沙街道").adcode
    assert "\n" not in points[point_id]["name"]  # a point's name stays one line
    events = requests.get(f"{writable.url}/api/v1/situation", timeout=10).json()["events"]
    assert any(e["id"] == fresh and e["adcode"] == town("汇龙镇").adcode for e in events)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_name_their_request(writable, reported, fmt):
    answer = reported["address"][0]
    response = requests.get(f"{base(writable)}/tokens/{answer['token']}.{fmt}", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == TYPES[fmt]
    if fmt == "json":
        assert response.json() == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "service_requests" and root[0].tag == "request"
        assert root[0].findtext("service_request_id") == answer["service_request_id"]
        assert root[0].findtext("token") == answer["token"]
    forged = answer["token"][:15] + ("0" if answer["token"][15] != "0" else "1") + answer["token"][16:]
    assert "token" in spec_error(requests.get(f"{base(writable)}/tokens/{forged}.{fmt}", timeout=10), 404, fmt)


@pytest.mark.parametrize(("fields", "words"), [
    ({"lat": "32.0", "long": "120.9"}, "service_code"),
    ({"service_code": "999", "lat": "32.0", "long": "120.9"}, "999"),
    ({"service_code": "001"}, "location"),
    ({"service_code": "001", "lat": "39.9042", "long": "116.4074"}, "outside Nantong"),
    ({"service_code": "001", "lat": "32.0"}, "long"),
    ({"service_code": "001", "lat": "north", "long": "120.9"}, "lat"),
    ({"service_code": "001", "address_string": "北京市东城区王府井大街1号"}, "names no town"),
    ({"service_code": "001", "address_id": "A-1"}, "address_id"),
    ({"service_code": "001", "lat": "32.0", "long": "120.9", "description": "x" * 4001}, "4,000"),
    ({"service_code": "001", "lat": "32.0", "long": "120.9", "attribute[WHISHETN]": "123"}, "attribute"),
    ({"service_code": "001", "lat": "32.0", "long": "120.9", "media_url": "javascript:alert(1)"}, "media_url"),
    ({"service_code": "001", "lat": "32.0", "long": "120.9", "jurisdiction_id": "sfgov.org"}, "jurisdiction"),
    ({"service_code": "001", "lat": "31.65", "long": "120.2"}, "outside Nantong"),  # in its bounds, off its towns
    ({"service_code": "001", "lat": "32.0", "lon": "120.9"}, "calls the longitude long"),
    ({"service_code": " 001", "lat": "32.0", "long": "120.9"}, "' 001'"),
    ({"service_code": "001", "lat": "32.0 ", "long": "120.9"}, "lat"),
    ({"service_code": "001", "lat": "32.0", "long": "120.9", "media_url": " https://example.cn/1.jpg"}, "media_url"),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_creation_refuses_in_words(writable, fields, words, fmt):
    before = taken_online(writable)
    response = post(writable, fmt, **fields)
    status = 404 if "jurisdiction_id" in fields or fields.get("lat") == "31.65" else 400
    assert words in spec_error(response, status, fmt)
    assert not taken_online(writable) - before  # nothing new was taken


def taken_online(server) -> set[str]:
    """The ids of the last hour's requests taken over Open311 (numbered from 900 within their minute)."""
    since = (sim_now(server) - timedelta(hours=1)).isoformat(timespec="seconds")
    found = requests.get(f"{base(server)}/requests.json", params={"start_date": since}, timeout=10).json()
    return {r["service_request_id"] for r in found if r["service_request_id"][-3:] >= "900"}


def test_a_form_gives_each_field_once_and_empty_ones_are_none(writable):
    repeated = requests.post(f"{base(writable)}/requests.json", timeout=10,
                             data=[("service_code", "001"), ("lat", "32.0"), ("long", "120.9"), ("lat", "32.0")])
    assert "twice" in spec_error(repeated, 400)
    # An HTML form sends its empty inputs: they are no value (an attribute, too, may be given empty).
    answer = created(writable, service_code="001", lat="", long="", address_string="启东市汇龙镇", email="",
                     media_url="", **{"attribute[NOTE]": ""})
    (row,) = requests.get(f"{base(writable)}/requests/{answer['service_request_id']}.json", timeout=10).json()
    assert row["address"] == "启东市汇龙镇" and row["media_url"] is None


def test_creation_takes_only_a_form(writable):
    response = requests.post(f"{base(writable)}/requests.json", json={"service_code": "001"}, timeout=10)
    assert "form-encoded" in spec_error(response, 415)
    big = requests.post(f"{base(writable)}/requests.xml", data={"service_code": "001", "description": "x" * 70_000},
                        timeout=10)
    assert "KiB" in spec_error(big, 413, "xml")


# ---------------------------------------------------------------- the forms of answers and errors

@pytest.mark.parametrize("path", ["services", "services/001", "requests", "discovery"])
def test_every_answer_is_utf8_in_the_format_asked(writable, reported, path):
    for fmt in FORMATS:
        response = requests.get(f"{base(writable)}/{path}.{fmt}", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"] == TYPES[fmt], (path, fmt)
        if fmt == "xml":
            assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
            root = ET.fromstring(response.content)
            assert root.tag == {"services": "services", "services/001": "service_definition",
                                "requests": "service_requests", "discovery": "discovery"}[path]
        else:
            response.json()
    services = requests.get(f"{base(writable)}/services.xml", timeout=10).content
    assert "市容环境".encode() in services  # Chinese as UTF-8, not as character references


def test_xml_holds_the_spec_elements_and_escapes_text(writable, reported):
    rid = reported["point"][0]["service_request_id"]
    response = requests.get(f"{base(writable)}/requests/{rid}.xml", timeout=10)
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [e.tag for e in root[0]] == ["service_request_id", "status", "status_notes", "service_name",
                                        "service_code", "description", "agency_responsible", "service_notice",
                                        "requested_datetime", "updated_datetime", "expected_datetime", "address",
                                        "address_id", "zipcode", "lat", "long", "media_url"]
    assert root[0].findtext("description") == "路灯不亮 <夜间> & “漏电”\n已两天"
    assert root[0].find("address_id").text is None  # null: an empty element
    services = ET.fromstring(requests.get(f"{base(writable)}/services.xml", timeout=10).content)
    assert services.tag == "services" and {s.tag for s in services} == {"service"}
    assert services[0].findtext("metadata") == "false"


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_this_endpoint(writable, fmt):
    response = requests.get(f"{base(writable)}/discovery.{fmt}", timeout=10)
    if fmt == "json":
        body = response.json()
    else:
        root = ET.fromstring(response.content)
        endpoint = root.find("endpoints/endpoint")
        body = {child.tag: child.text for child in root if child.tag != "endpoints"}
        body["endpoints"] = [{**{c.tag: c.text for c in endpoint if c.tag != "formats"},
                              "formats": [f.text for f in endpoint.find("formats")]}]
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    datetime.fromisoformat(body["changeset"])
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == SPEC and endpoint["url"] == base(writable)
    assert endpoint["type"] in ("production", "test")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert "no api_key" in body["key_service"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_are_in_the_specs_form_everywhere(writable, fmt):
    def at(path: str, method: str = "GET", **params) -> requests.Response:
        return requests.request(method, f"{base(writable)}/{path}.{fmt}", params=params, timeout=10)

    assert "pending" in spec_error(at("requests", status="pending"), 400, fmt)
    assert "start_date" in spec_error(at("requests", start_date="last tuesday"), 400, fmt)
    assert "NOPE" in spec_error(at("requests/NOPE"), 404, fmt)
    assert "nothing" in spec_error(at("no-such-resource"), 404, fmt)
    assert "jurisdiction_id" in spec_error(at("services", jurisdiction_id="elsewhere"), 404, fmt)
    not_allowed = at("services", "DELETE")
    assert "DELETE" in spec_error(not_allowed, 405, fmt) and "GET" in not_allowed.headers["Allow"]
    assert "PUT" in spec_error(at("requests", "PUT"), 405, fmt)
    options = at("requests", "OPTIONS")
    assert options.status_code == 204 and {"GET", "POST"} <= set(options.headers["Allow"].split(", "))
    head = requests.head(f"{base(writable)}/services.{fmt}", timeout=10)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"]
    # Outside the prefix the contract's own error form stays.
    assert requests.get(f"{writable.url}/api/v1/nothing-here", timeout=10).json()["error"] == "not_found"


# ---------------------------------------------------------------- api_key and the other credentials

def test_a_locked_server_takes_the_api_key(locked):
    url = base(locked)
    for path in ("services.json", "services/001.xml", "requests.json", "requests.xml"):
        missing = requests.get(f"{url}/{path}", timeout=10)
        fmt = path.rsplit(".", 1)[1]
        assert "api_key" in spec_error(missing, 401, fmt)
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = requests.get(f"{url}/{path}", params={"api_key": "not-the-token"}, timeout=10)
        spec_error(wrong, 401, fmt)
        assert requests.get(f"{url}/{path}", params={"api_key": READER_TOKEN}, timeout=10).status_code == 200
        bearer = requests.get(f"{url}/{path}", headers={"Authorization": f"Bearer {READER_TOKEN}"}, timeout=10)
        assert bearer.status_code == 200
    # Discovery is open, and says a key is needed.
    assert "api_key" in requests.get(f"{url}/discovery.json", timeout=10).json()["key_service"]
    # The api_key opens Open311 only: the contract's calls still want the bearer token.
    assert requests.get(f"{locked.url}/api/v1/meta", params={"api_key": READER_TOKEN}, timeout=10).status_code == 401
    assert requests.get(f"{locked.url}/api/v1/meta", headers={"Authorization": f"Bearer {READER_TOKEN}"},
                        timeout=10).status_code == 200


def test_a_locked_server_takes_requests_with_the_api_key_in_the_form(locked):
    where = town("金沙街道")
    fields = {"service_code": "001", "lat": str(where.lat), "long": str(where.lon), "description": "垃圾未清运"}
    assert "api_key" in spec_error(post(locked, "json", **fields), 401)
    assert "api_key" in spec_error(post(locked, "xml", **fields, api_key="guess"), 401, "xml")
    answer = created(locked, "json", **fields, api_key=READER_TOKEN)
    token = requests.get(f"{base(locked)}/tokens/{answer['token']}.json", params={"api_key": READER_TOKEN},
                         timeout=10)
    assert token.json()[0]["service_request_id"] == answer["service_request_id"]
    assert spec_error(requests.get(f"{base(locked)}/tokens/{answer['token']}.json", timeout=10), 401)


def test_the_client_authenticates_by_netrc_as_http_basic(locked, tmp_path, monkeypatch):
    """georeport cannot send an api_key; `requests` under it reads ~/.netrc (or $NETRC) and sends
    HTTP Basic, whose password the server takes as the token."""
    client = GeoReport(base(locked), api_key=READER_TOKEN, output_format="xml")
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_list()
    assert "api_key" in spec_error(caught.value.response, 401, "xml")
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login open311 password {READER_TOKEN}\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert {"001", "019"} <= {s["service_code"] for s in client.get_service_list()}
    assert client.get_service_definition("001")["service_code"] == "001"
    assert GeoReport(base(locked)).get_service_requests(status="open")
    netrc.write_text("machine 127.0.0.1 login open311 password wrong-password\n", encoding="utf-8")
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_list()
    assert caught.value.response.status_code == 401
