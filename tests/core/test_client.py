"""The API client against real local sockets: every failure gives an ApiError a person can read."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from local_http import LocalApi, dead_port_url, json_reply, raw_server
from urllib3.util.retry import Retry

from cockpit.core.client import ApiClient, ApiError, check_payload, is_known_endpoint, validate_base_url

PANEL = {"id": "hazchem", "domain": "公共安全", "title": "危化品全流程监管", "as_of": "2026-11-24T20:15:00+08:00",
         "blocks": {"kpis": {"type": "kpis", "items": [{"id": "firms", "label": "企业", "value": 1127,
                                                        "unit": "家"}]}}}
TOKEN = "s3cret-token-value"
TLS = Path(__file__).parents[1] / "data" / "tls"
FAST = (0.5, 0.5)


def test_known_endpoints():
    for endpoint in ("meta", "situation", "panels/hazchem", "warnings", "open311/services", "open311/requests"):
        assert is_known_endpoint(endpoint)
    for endpoint in ("panels/<id>", "panels/", "panels/Haz-Chem", "stats", "panels/a/b", ""):
        assert not is_known_endpoint(endpoint)


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8080", "http://", "http://u:p@host", "http://h:99999",
                                 "http://h/?q=1"])
def test_bad_base_urls_are_refused(url):
    with pytest.raises(ValueError):
        validate_base_url(url)


def test_fetch_then_304_and_the_token_is_sent_but_never_shown():
    api = LocalApi({"/api/v1/panels/hazchem": lambda request: json_reply(PANEL)})
    with api.running(), ApiClient(api.url + "/", token=TOKEN, timeout=FAST) as client:
        first = client.fetch("panels/hazchem")
        assert first.status == 200 and first.payload == PANEL and first.etag
        assert first.server_date is not None and first.server_date.tzinfo is not None
        second = client.fetch("panels/hazchem", first.etag)
        assert (second.status, second.payload, second.etag) == (304, None, first.etag)
        assert TOKEN not in repr(client)
    assert api.requests[0][1]["Authorization"] == f"Bearer {TOKEN}"
    assert api.requests[1][1]["If-None-Match"] == first.etag


def test_open311_maps_to_its_own_path():
    api = LocalApi({"/open311/v2/services.json": lambda request: json_reply([{"service_code": "001"}])})
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        assert client.fetch("open311/services").payload == [{"service_code": "001"}]


def test_dead_port_is_unreachable_in_plain_words():
    url = dead_port_url()
    with ApiClient(url, timeout=FAST) as client, pytest.raises(ApiError) as caught:
        client.fetch("situation")
    assert caught.value.kind == "unreachable"
    assert caught.value.message == f"无法连接中央接口（{url.removeprefix('http://')}）：连接被拒绝"


def test_a_silent_server_hits_the_read_timeout():
    with raw_server(None) as url, ApiClient(url, timeout=(0.5, 0.4)) as client:
        started = time.monotonic()
        with pytest.raises(ApiError) as caught:
            client.fetch("meta")
        elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert "响应超时" in caught.value.message and "0.4秒" in caught.value.message
    assert 0.4 <= elapsed < 3.0  # one read retry with a short backoff at most, never unbounded


def test_garbage_instead_of_http():
    with raw_server(b"SSH-2.0-OpenSSH_9.2\r\n") as url, ApiClient(url, timeout=FAST) as client, \
            pytest.raises(ApiError) as caught:
        client.fetch("meta")
    assert caught.value.kind == "unreachable"
    assert caught.value.message == f"{url.removeprefix('http://')} 的回答不是 HTTP（地址或端口是否写错？）"


def test_bad_json_and_wrong_shape_are_bad_payloads():
    api = LocalApi({
        "/api/v1/meta": lambda request: (200, {"Content-Type": "application/json"}, b"{not json"),
        "/api/v1/situation": lambda request: json_reply({"as_of": "2026-11-24T20:15:00+08:00", "headline": []}),
        "/api/v1/panels/economy": lambda request: json_reply(PANEL),
    })
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        with pytest.raises(ApiError, match="meta 数据格式错误：回答不是有效的 JSON") as caught:
            client.fetch("meta")
        assert caught.value.kind == "bad_payload"
        with pytest.raises(ApiError, match="situation 数据格式错误：figures：缺少此字段"):
            client.fetch("situation")
        with pytest.raises(ApiError, match="回答了另一个专题（hazchem）"):
            client.fetch("panels/economy")


def test_503_with_a_short_retry_after_is_retried_by_urllib3():
    answers = iter([json_reply({"error": "busy", "message": "正在重启"}, 503, {"Retry-After": "1"}),
                    json_reply(PANEL)])
    api = LocalApi({"/api/v1/panels/hazchem": lambda request: next(answers)})
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        started = time.monotonic()
        result = client.fetch("panels/hazchem")
        assert result.payload == PANEL
        assert time.monotonic() - started >= 0.9  # it waited as told
    assert len(api.requests) == 2


def test_503_with_a_long_retry_after_comes_back_at_once():
    api = LocalApi({"/api/v1/situation": lambda request: json_reply(
        {"error": "busy", "message": "中央接口正在重启"}, 503, {"Retry-After": "120"})})
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        started = time.monotonic()
        with pytest.raises(ApiError) as caught:
            client.fetch("situation")
        assert time.monotonic() - started < 1.0
    assert (caught.value.kind, caught.value.retry_after_s, caught.value.status) == ("http", 120.0, 503)
    assert "繁忙或正在重启" in caught.value.message and "中央接口正在重启" in caught.value.message
    assert len(api.requests) == 1


def test_401_is_auth_and_never_shows_the_token():
    api = LocalApi({"/api/v1/meta": lambda request: json_reply(
        {"error": "unauthorized", "message": "令牌无效"}, 401, {"WWW-Authenticate": "Bearer"})})
    with api.running(), ApiClient(api.url, token=TOKEN, timeout=FAST) as client, \
            pytest.raises(ApiError) as caught:
        client.fetch("meta")
    assert caught.value.kind == "auth"
    assert TOKEN not in caught.value.message and TOKEN not in repr(caught.value)
    assert "拒绝了访问令牌" in caught.value.message


def test_404_names_the_endpoint():
    api = LocalApi({})
    with api.running(), ApiClient(api.url, timeout=FAST) as client, \
            pytest.raises(ApiError, match=r"没有 panels/nothing（HTTP 404）：没有这个接口"):
        client.fetch("panels/nothing")


def test_post_json_and_its_errors():
    api = LocalApi({"/api/v1/warnings/W1/ack": lambda request: json_reply({"id": "W1", "acks": [{"by": "张三"}]}),
                    "/api/v1/sim/speed": lambda request: json_reply([1, 2])})
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        assert client.post_json("warnings/W1/ack", {"by": "张三"})["acks"] == [{"by": "张三"}]
        with pytest.raises(ApiError, match="不是 JSON 对象"):
            client.post_json("sim/speed", {"speed": 2})
    assert api.requests[0][0] == "/api/v1/warnings/W1/ack"


def test_https_to_a_plain_server_is_a_clear_error():
    with raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") as url, \
            ApiClient(url.replace("http:", "https:"), timeout=FAST) as client, pytest.raises(ApiError) as caught:
        client.fetch("meta")
    assert caught.value.kind == "tls"
    assert "加密握手失败" in caught.value.message


def test_a_private_ca_is_trusted_only_when_given():
    api = LocalApi({"/api/v1/panels/hazchem": lambda request: json_reply(PANEL)})
    with api.running(tls=(TLS / "server.pem", TLS / "server.key")):
        with ApiClient(api.url, timeout=FAST) as client, pytest.raises(ApiError) as caught:
            client.fetch("panels/hazchem")
        assert caught.value.kind == "tls"
        assert caught.value.message == (f"无法安全连接中央接口（{api.url.removeprefix('https://')}）：服务器证书未通过"
                                        "校验（unable to get local issuer certificate；私有 CA 请用 --ca-bundle 指定）")
        with ApiClient(api.url, ca_bundle=str(TLS / "ca.pem"), timeout=FAST) as client:
            assert client.fetch("panels/hazchem").payload == PANEL


def test_an_expired_certificate_says_so_and_does_not_blame_the_ca_bundle():
    api = LocalApi({"/api/v1/panels/hazchem": lambda request: json_reply(PANEL)})
    with api.running(tls=(TLS / "expired.pem", TLS / "expired.key")), \
            ApiClient(api.url, ca_bundle=str(TLS / "expired.pem"), timeout=FAST) as client, \
            pytest.raises(ApiError) as caught:
        client.fetch("panels/hazchem")
    assert caught.value.kind == "tls"
    assert "服务器证书已过期" in caught.value.message and "本机时钟" in caught.value.message
    assert "--ca-bundle" not in caught.value.message


def test_a_runaway_body_is_refused(monkeypatch):
    monkeypatch.setattr("cockpit.core.client.payloads.max_bytes", lambda endpoint: 1000)
    big = json_reply({"api_version": "1", "domains": ["x" * 2000], "panels": []})
    chunked_reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(
        b"400\r\n" + b" " * 1024 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"
    api = LocalApi({"/api/v1/meta": lambda request: big})
    with api.running(), ApiClient(api.url, timeout=FAST) as client, pytest.raises(ApiError, match="超过 1000 字节"):
        client.fetch("meta")  # too big by its Content-Length
    with raw_server(chunked_reply) as url, ApiClient(url, timeout=FAST) as client, \
            pytest.raises(ApiError, match="meta 数据格式错误：回答超过") as caught:
        client.fetch("meta")  # too big while reading: no length announced
    assert caught.value.kind == "bad_payload"


def test_each_endpoint_refuses_what_no_answer_of_its_kind_could_be():
    """A panel is tens of KB: 3 MB is a broken server, refused unread, not cached, not parsed."""
    huge = json_reply(dict(PANEL, title="x" * (3 << 20)))
    api = LocalApi({"/api/v1/panels/hazchem": lambda request: huge, "/api/v1/situation": lambda request: huge})
    with api.running(), ApiClient(api.url, timeout=FAST) as client:
        with pytest.raises(ApiError, match="panels/hazchem 数据格式错误：回答超过 2 MB，未读取"):
            client.fetch("panels/hazchem")
        with pytest.raises(ApiError, match="situation 数据格式错误：.*缺少此字段"):
            client.fetch("situation")  # the map's cap is larger (8 MB): read, then refused by the contract


def test_unknown_endpoint_is_a_programming_error():
    with ApiClient("http://127.0.0.1:9") as client, pytest.raises(ValueError, match="unknown endpoint"):
        client.fetch("stats")


def test_check_payload_of_lists_and_warnings():
    check_payload("open311/requests", [])
    check_payload("warnings", {"warnings": [], "cursor": "abc", "server_time": "2026-11-24T20:15:00+08:00"})
    with pytest.raises(ApiError, match="数据格式错误：应为列表"):
        check_payload("open311/requests", {"requests": []})
    with pytest.raises(ApiError, match="数据格式错误：cursor：应为文本"):
        check_payload("warnings", {"warnings": [], "cursor": 5})


def test_which_failures_mean_the_whole_server_is_away():
    """Those make every panel stale at once; one slow or busy answer is that endpoint's alone."""
    busy = json_reply({"error": "busy", "message": "数据库繁忙"}, 503, {"Retry-After": "30"})
    api = LocalApi({"/api/v1/meta": lambda request: busy,
                    "/api/v1/situation": lambda request: (502, {"Content-Type": "text/html"},
                                                          b"<h1>502 Bad Gateway</h1>")})

    def failure(url: str, endpoint: str, timeout=FAST) -> ApiError:
        with ApiClient(url, timeout=timeout, retry=Retry(0)) as client, pytest.raises(ApiError) as caught:
            client.fetch(endpoint)
        return caught.value

    with api.running():
        assert not failure(api.url, "meta").outage  # the contract's own 503: this answer only
        assert failure(api.url, "situation").outage  # a gateway's page: the server behind it is down
    with raw_server(None) as url:
        assert not failure(url, "meta", timeout=(0.5, 0.3)).outage  # one answer too slow
    assert failure(dead_port_url(), "meta").outage
