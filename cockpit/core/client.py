"""A blocking HTTP client for the central API (called from a worker thread, never the GUI thread).

Every request has a hard (connect, read) timeout; urllib3 retries idempotent
calls with backoff and honours short Retry-After waits itself, while long ones
come back to the caller as `ApiError.retry_after_s` (so a worker thread never
sleeps for minutes). Errors are `ApiError`s in words a person understands,
and never contain the token.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util.retry import Retry

from kernel.contract import payloads

KNOWN_ENDPOINTS: tuple[str, ...] = ("meta", "situation", "panels/<id>", "warnings", "warnings/<id>",
                                    "open311/services", "open311/requests")
_PATTERNS = {"panels/": re.compile(r"panels/[a-z0-9_]+"), "warnings/": re.compile(r"warnings/[A-Za-z0-9._~%-]+")}
_ERROR_KINDS = frozenset({"unreachable", "timeout", "http", "auth", "bad_payload", "tls"})
USER_AGENT = "nantong-cockpit/0.1"
MAX_POST_ANSWER_BYTES = payloads.ANSWERS["warning"][1]  # a POST answers one warning with its acks
_CERT_NOT_YET_VALID, _CERT_EXPIRED = 9, 10  # OpenSSL's X509_V_ERR codes
RETRY_AFTER_SLEEP_CAP_S = 3.0  # longer waits are handed back to the poller instead of blocking a thread


def is_known_endpoint(endpoint: str) -> bool:
    """Any GET path of the contract (docs/api-contract.md): a fixed one, a panel or one warning."""
    for prefix, pattern in _PATTERNS.items():
        if endpoint.startswith(prefix):
            return bool(pattern.fullmatch(endpoint))
    return endpoint in KNOWN_ENDPOINTS


def new_session(*, ca_bundle: str | None = None, accept: str = "application/json",
                user_agent: str = USER_AGENT, retry: Retry | None = None) -> requests.Session:
    """The one way the cockpit makes HTTP sessions: no environment surprises (~/.netrc credentials or
    proxies on a command-hall wall), a private CA when given, idempotent calls retried with backoff."""
    session = requests.Session()
    session.verify = ca_bundle or True
    session.trust_env = False
    session.headers.update({"User-Agent": user_agent, "Accept": accept})
    # A connection for each endpoint: they all poll at once at start (17 with the shipped catalogue).
    adapter = HTTPAdapter(max_retries=retry or default_retry(), pool_connections=4, pool_maxsize=24)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BodyTooLarge(Exception):
    """The answer is larger than the caller accepts (it was not read in full)."""


def capped_body(response: requests.Response, limit: int) -> bytes:
    """The response body, read in chunks and refused beyond `limit` bytes (a runaway server cannot
    fill the memory). Raises BodyTooLarge."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    content = bytearray()
    for chunk in response.iter_content(1 << 16):
        content += chunk
        if len(content) > limit:
            raise BodyTooLarge(len(content))
    return bytes(content)


@dataclass(frozen=True)
class FetchResult:
    endpoint: str
    status: int  # 200 or 304
    payload: dict | list | None  # None for 304: the caller's copy is current
    etag: str | None
    server_date: datetime | None  # the HTTP Date header (the server's real clock), in UTC
    elapsed_s: float
    digest: str | None = None  # of the body: an unchanged answer is not written to the cache again


class ApiError(Exception):
    """A failed call, with a message fit for the screen."""

    def __init__(self, kind: str, message: str, *, retry_after_s: float | None = None,
                 status: int | None = None, too_large: bool = False, outage: bool = False) -> None:
        """`too_large`: refused unread for its size; `outage`: the server as a whole is away (not one
        answer bad), so every endpoint is out of date."""
        if kind not in _ERROR_KINDS:
            raise ValueError(f"unknown ApiError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after_s = retry_after_s
        self.status = status
        self.too_large = too_large
        self.outage = outage

    def __repr__(self) -> str:
        return f"ApiError({self.kind!r}, {self.message!r}, retry_after_s={self.retry_after_s!r})"


class _Retry(Retry):
    """urllib3 Retry that returns the response instead of sleeping through a long Retry-After."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.respect_retry_after_header:
            wait = _retry_after_s(response.headers.get("Retry-After"))
            if wait is not None and wait > RETRY_AFTER_SLEEP_CAP_S:
                raise MaxRetryError(_pool, url, None)  # with raise_on_status=False: the response comes back
        return super().increment(method, url, response, error, _pool, _stacktrace)


def default_retry() -> Retry:
    return _Retry(total=3, connect=2, read=1, status=2, other=0, redirect=2,
                  allowed_methods=frozenset({"GET", "HEAD"}), status_forcelist=frozenset({429, 502, 503, 504}),
                  backoff_factor=0.3, backoff_max=2.0, backoff_jitter=0.2, raise_on_status=False,
                  respect_retry_after_header=True)


def validate_base_url(url: str) -> str:
    """The base URL without a trailing slash, or ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) address: {url!r} (expected e.g. https://cockpit.example.gov.cn)")
    if parts.username or parts.password:
        raise ValueError("the address must not contain a user name or password (give the token separately)")
    if parts.query or parts.fragment:
        raise ValueError(f"the address must not have a query or fragment: {url!r}")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise ValueError(f"bad port in {url!r}: {exc}") from None
    return url.strip().rstrip("/")


class ApiClient:
    def __init__(self, base_url: str, *, token: str | None = None, ca_bundle: str | None = None,
                 timeout: tuple[float, float] = (3.05, 10.0), retry: Retry | None = None) -> None:
        self.base_url = validate_base_url(base_url)
        self.timeout = timeout
        self._token = token
        self._session = new_session(ca_bundle=ca_bundle, retry=retry)

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r}, token={'***' if self._token else None})"

    def set_base_url(self, base_url: str) -> None:
        """Point at another server (e.g. the embedded one restarted on a new port)."""
        self.base_url = validate_base_url(base_url)

    @property
    def where(self) -> str:
        parts = urlsplit(self.base_url)
        return parts.netloc

    def url_for(self, endpoint: str) -> str:
        if endpoint.startswith("open311/"):
            return f"{self.base_url}/open311/v2/{endpoint.removeprefix('open311/')}.json"
        return f"{self.base_url}/api/v1/{endpoint}"

    def fetch(self, endpoint: str, etag: str | None = None, *, params: dict[str, Any] | None = None
              ) -> FetchResult:
        """GET one endpoint; 304 when `etag` is still current. Raises ApiError."""
        if not is_known_endpoint(endpoint):
            raise ValueError(f"unknown endpoint {endpoint!r} (known: {', '.join(KNOWN_ENDPOINTS)})")
        headers = self._auth_headers(self._token)
        if etag:
            headers["If-None-Match"] = etag
        started = time.monotonic()
        response, content = self._send("GET", self.url_for(endpoint), endpoint, payloads.max_bytes(endpoint),
                                       headers=headers, params=params)
        server_date = http_date(response.headers.get("Date"))
        if response.status_code == 304:
            return FetchResult(endpoint, 304, None, response.headers.get("ETag") or etag, server_date,
                               time.monotonic() - started)
        self._raise_for_status(response, content, endpoint)
        payload = _json_body(content, endpoint)
        check_payload(endpoint, payload)
        return FetchResult(endpoint, 200, payload, response.headers.get("ETag"), server_date,
                           time.monotonic() - started, hashlib.blake2b(content, digest_size=16).hexdigest())

    def post_json(self, path: str, body: dict, *, token: str | None = None) -> dict:
        """POST JSON to `path` under /api/v1/ (e.g. "warnings/W000042/ack"); a leading "/" means from the
        server root. `token` overrides the client's token (admin calls). Never retried once sent."""
        url = f"{self.base_url}{path}" if path.startswith("/") else f"{self.base_url}/api/v1/{path}"
        name = path.lstrip("/")
        headers = self._auth_headers(token or self._token)
        response, content = self._send("POST", url, name, MAX_POST_ANSWER_BYTES, headers=headers, json=body)
        self._raise_for_status(response, content, name)
        payload = _json_body(content, name)
        if not isinstance(payload, dict):
            raise ApiError("bad_payload", f"中央接口 {name} 的回答不是 JSON 对象")
        return payload

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _auth_headers(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, url: str, name: str, limit: int, **kwargs: Any
              ) -> tuple[requests.Response, bytes]:
        """The response and its body, read up to `limit` bytes (what the contract lets this endpoint
        answer: a runaway server cannot fill the memory, nor the cache)."""
        try:
            with self._session.request(method, url, timeout=self.timeout, stream=True, **kwargs) as response:
                return response, capped_body(response, limit)
        except BodyTooLarge:
            raise ApiError("bad_payload", f"中央接口 {name} 数据格式错误：回答超过 {_size(limit)}，未读取",
                           too_large=True) from None
        except requests.RequestException as exc:
            raise self._transport_error(exc, name) from None

    def _transport_error(self, exc: requests.RequestException, name: str) -> ApiError:
        """The failure in words; every one is the server as a whole, but a read timeout (one slow
        answer, e.g. a big map on a slow link)."""
        error = self._transport_words(exc, name)
        error.outage = error.kind != "timeout" or any(
            isinstance(cause, requests.exceptions.ConnectTimeout | ConnectTimeoutError) for cause in _causes(exc))
        return error

    def _transport_words(self, exc: requests.RequestException, name: str) -> ApiError:
        where = self.where
        chain = _causes(exc)

        def found(*kinds: type[BaseException]) -> BaseException | None:
            return next((cause for cause in chain if isinstance(cause, kinds)), None)

        if unverified := found(ssl.SSLCertVerificationError):
            reason = getattr(unverified, "verify_message", "") or _short(unverified)
            code = getattr(unverified, "verify_code", None)
            if code in (_CERT_EXPIRED, _CERT_NOT_YET_VALID):  # a CA bundle would not help: dates are wrong
                which = "已过期" if code == _CERT_EXPIRED else "尚未生效"
                return ApiError("tls", f"无法安全连接中央接口（{where}）：服务器证书{which}（{reason}；"
                                       "请检查本机时钟，或请服务器管理员更换证书）")
            return ApiError("tls", f"无法安全连接中央接口（{where}）：服务器证书未通过校验（{reason}；"
                                   "私有 CA 请用 --ca-bundle 指定）")
        if found(requests.exceptions.SSLError, Urllib3SSLError, ssl.SSLError):
            return ApiError("tls", f"无法安全连接中央接口（{where}）：加密握手失败（{_short(chain[-1])}）")
        if found(requests.exceptions.ConnectTimeout, ConnectTimeoutError) and not found(NewConnectionError):
            return ApiError("timeout", f"连接中央接口超时（{where}，{_seconds(self.timeout[0])}内未连上）")
        if found(requests.exceptions.ReadTimeout, ReadTimeoutError):
            return ApiError("timeout", f"中央接口响应超时（{where} 的 {name}，{_seconds(self.timeout[1])}内无回答）")
        if found(NameResolutionError, socket.gaierror):
            return ApiError("unreachable", f"无法连接中央接口（{where}）：找不到该主机名")
        if found(ConnectionRefusedError):
            return ApiError("unreachable", f"无法连接中央接口（{where}）：连接被拒绝")
        if found(http.client.RemoteDisconnected):  # a BadStatusLine too, but the server said nothing at all
            return ApiError("unreachable", f"中央接口（{where}）未作回答就关闭了连接（可能正在重启或过载）")
        if found(http.client.BadStatusLine, http.client.HTTPException):
            return ApiError("unreachable", f"{where} 的回答不是 HTTP（地址或端口是否写错？）")
        if found(ProtocolError, ConnectionResetError):
            return ApiError("unreachable", f"中央接口（{where}）中断了连接，回答不完整")
        return ApiError("unreachable", f"无法连接中央接口（{where}）：{_short(chain[-1])}")

    def _raise_for_status(self, response: requests.Response, content: bytes, name: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = _server_message(content)
        retry_after = _retry_after_s(response.headers.get("Retry-After"))
        if status in (401, 403):
            what = "拒绝了访问令牌" if status == 401 else "不允许此操作"
            raise ApiError("auth", f"中央接口{what}（{name}，HTTP {status}）{detail}", status=status)
        if status == 404:
            raise ApiError("http", f"中央接口没有 {name}（HTTP 404）{detail}", status=status)
        # A gateway's own page for 502/503/504 means the server behind it is away; the contract's
        # JSON error (e.g. 503 "database busy") is about this one answer.
        gateway_down = status in (502, 503, 504) and not detail
        if status == 503 or status == 429:
            wait = f"，{_seconds(retry_after)}后再试" if retry_after else ""
            busy = "繁忙或正在重启" if status == 503 else "请求过于频繁"
            raise ApiError("http", f"中央接口{busy}（{name}，HTTP {status}{wait}）{detail}",
                           retry_after_s=retry_after, status=status, outage=gateway_down)
        raise ApiError("http", f"中央接口出错（{name}，HTTP {status}）{detail}", retry_after_s=retry_after,
                       status=status, outage=gateway_down)


def check_payload(endpoint: str, payload: Any) -> None:
    """Raise ApiError bad_payload, naming the field, when the payload breaks the contract."""
    try:
        payloads.check(endpoint, payload)
    except payloads.ContractError as exc:
        raise ApiError("bad_payload", f"中央接口 {endpoint} 数据格式错误：{exc}") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} 不是 JSON 数值")  # Python's parser would take NaN and Infinity


def _json_body(content: bytes, name: str) -> Any:
    if not content:
        raise ApiError("bad_payload", f"中央接口 {name} 数据格式错误：回答是空的")
    try:
        return json.loads(content, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        snippet = content[:60].decode("utf-8", "replace")
        raise ApiError("bad_payload",
                       f"中央接口 {name} 数据格式错误：回答不是有效的 JSON（{exc}；开头：{snippet!r}）") from None


def _server_message(content: bytes) -> str:
    """The contract's {"error", "message"} text, short, or nothing."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f"：{str(message)[:200]}" if message else ""


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = http_date(value)
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when else None


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header as an aware UTC time; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _causes(exc: BaseException) -> list[BaseException]:
    """The chain through requests' and urllib3's wrappers (MaxRetryError.reason, args, __context__)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        if isinstance(current, MaxRetryError) and current.reason is not None:
            current = current.reason
        elif current.args and isinstance(current.args[-1], BaseException):
            current = current.args[-1]
        else:
            current = current.__cause__ or current.__context__
    return chain


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _size(limit: int) -> str:
    if limit >= 1 << 20:
        return f"{limit >> 20} MB"
    return f"{limit >> 10} KB" if limit >= 1 << 10 else f"{limit} 字节"


def _seconds(value: float | None) -> str:
    return f"{value:g}秒" if value is not None else ""
