"""HTTP plumbing shared by every route: errors in words, ETags, caching headers, bearer auth."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.methods import OPTIONS, allow_header

log = logging.getLogger("central")

_REASONS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type", 503: "unavailable"}


class ApiError(Exception):
    """An answer in the contract's error form: {"error": code, "message": words}."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.code = code or _REASONS.get(status, "error")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # the router names one route's methods: Allow names every route's
            headers["Allow"] = allow_header(request.scope)
            if request.method == OPTIONS:  # no route answers OPTIONS itself: this is its answer
                return Response(status_code=204, headers={"Allow": headers["Allow"]})
        message = {404: f"there is nothing at {request.url.path}",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, _REASONS.get(exc.status_code, "error"), message, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "bad_request", "; ".join(_describe(e) for e in exc.errors()))

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception) -> JSONResponse:
        log.error("failed on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal", "the server failed to answer this request (its log says why)")

    @app.exception_handler(sqlite3.OperationalError)
    async def database_busy(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        log.warning("database trouble on %s: %s", request.url.path, exc)
        return error_response(503, "unavailable", "the server's database is busy; try again shortly",
                              {"Retry-After": "2"})


def _describe(error: dict[str, Any]) -> str:
    where = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
    place = f"{error['loc'][0]} field {'.'.join(where)}" if where else "the request"
    if error.get("type") == "string_pattern_mismatch":  # the request models' patterns: no control characters
        return f"{place}: is only white space, or holds a control character (a one-line text: a line break)"
    return f"{place}: {error.get('msg', 'is not valid')}"


class ETagMiddleware:
    """Every GET answer gets a strong ETag (hash of the body) and Cache-Control: no-cache;
    a matching If-None-Match gets 304 with no body.

    A route that already knows its body's ETag sets it (it must be strong and change whenever the
    body does: `strong_etag` of the bytes, worked out once per version of the body);
    such an answer is passed on as it is sent, neither buffered nor hashed again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        wanted = _if_none_match(scope)
        start: Message | None = None
        chunks: list[bytes] = []
        tagged = False  # the route gave the ETag: the answer streams through
        swallow = False  # a 304 was sent in its place: the body is dropped

        async def buffered(message: Message) -> None:
            nonlocal start, tagged, swallow
            if message["type"] == "http.response.start" and any(k.lower() == b"etag" for k, _ in
                                                                  message.get("headers", [])):
                tagged = True
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-cache"))
                tag = next(v for k, v in headers if k.lower() == b"etag").decode("latin-1")
                if message["status"] == 200 and (tag in wanted or "*" in wanted):
                    swallow = True
                    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length",
                                                                           b"content-type")]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await send({**message, "headers": headers})
                return
            if tagged:
                if not swallow:
                    await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"etag", b"cache-control")]
            headers.append((b"cache-control", b"no-cache"))
            status = start["status"]
            if status == 200:
                tag = strong_etag(body)
                headers.append((b"etag", tag.encode()))
                if tag in wanted or "*" in wanted:
                    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


def strong_etag(body: bytes) -> str:
    """The strong validator of a body: a hash of its bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _if_none_match(scope: Scope) -> set[str]:
    for key, value in scope.get("headers", []):
        if key == b"if-none-match":
            # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
            return {tag.strip().removeprefix("W/") for tag in value.decode("latin-1").split(",")}
    return set()


OPEN311_PREFIX = "/open311/"


class Guard:
    """Bearer-token checks: readers need --token (when set); admin calls need --admin-token."""

    def __init__(self, token: str | None, admin_token: str | None) -> None:
        self.token, self.admin_token = token or None, admin_token or None

    def reader(self, request: Request) -> None:
        """The reader token or the admin token; Open311 calls may give it as `?api_key=` instead."""
        if self.token is None:
            return
        presented = [_bearer(request)]
        if request.url.path.startswith(OPEN311_PREFIX):
            presented.append(request.query_params.get("api_key") or None)
        if not any(value is not None and (_same(value, self.token) or _same(value, self.admin_token))
                   for value in presented):
            raise ApiError(401, "this server needs a valid access token (Authorization: Bearer <token>)",
                           headers={"WWW-Authenticate": 'Bearer realm="cockpit-central"'})

    def key_reader(self, request: Request) -> None:
        """The reader check of a published standard's routes (Open311), for off-the-shelf clients: the
        reader (or admin) token as the bearer token, as the spec's `api_key` in the query string, or as
        the password of HTTP Basic auth (for clients that can send neither, e.g. from a .netrc file)."""
        self.key_reader_with(request, None)

    def key_reader_with(self, request: Request, form_key: str | None) -> None:
        """key_reader, also taking `api_key` from a form already read (`form_key`). Every comparison is
        in constant time, as for the bearer token."""
        if self.token is None:
            return
        presented = [_bearer(request), _basic_password(request), request.query_params.get("api_key"), form_key]
        if not any(value and (_same(value, self.token) or _same(value, self.admin_token)) for value in presented):
            raise ApiError(401, "this server needs its access token: give it as api_key (in the query string "
                                "or the form), or as Authorization: Bearer <token>",
                           headers={"WWW-Authenticate": 'Bearer realm="cockpit-central", '
                                                        'Basic realm="cockpit-central", charset="UTF-8"'})

    def admin(self, request: Request) -> None:
        if self.admin_token is None:
            raise ApiError(403, "administration is switched off on this server (it runs without --admin-token)")
        presented = _bearer(request)
        if presented is None:
            raise ApiError(401, "this call needs the administrator token (Authorization: Bearer <token>)",
                           headers={"WWW-Authenticate": 'Bearer realm="cockpit-central"'})
        if not _same(presented, self.admin_token):
            raise ApiError(403, "the token given is not the administrator token")


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _basic_password(request: Request) -> str | None:
    """HTTP Basic's password (or its user name when the password is empty); None if not Basic."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        user, colon, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (password or user or None) if colon else None


def _same(presented: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(presented.encode(), expected.encode())


async def read_capped(request: Request, limit: int, too_big: ApiError) -> bytes:
    """The body, refused with `too_big` as soon as it is known to exceed `limit` (before reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, f"the Content-Length {declared!r} is not a number")
        if int(declared) > limit:
            raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)
