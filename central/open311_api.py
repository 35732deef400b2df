"""Open311 GeoReport v2 over HTTP: every call in JSON and in XML, errors in the spec's form, api_key auth.

Each resource has a `.json` and a `.xml` route (so openapi.json documents each format truthfully).
Every answer under the prefix, errors included, is in the format its URL asked for: the spec's
`[{"code", "description"}]` or `<errors><error>…`, never the contract's `{"error", "message"}`
(the /api/v1 routes keep that form). The logic is in central/open311.py.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from central import models, open311
from central.http import ApiError, Guard, read_capped
from central.openapi import ACCESS

log = logging.getLogger("central")
PREFIX = "/open311/v2"
JSON_TYPE, XML_TYPE = "application/json; charset=utf-8", "text/xml; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024  # of the form's text, decoded; as sent (percent-encoded) at most 3 times that
MAX_FORM_FIELDS = 50  # the spec's 16, and room for empty attribute[code] fields
ROOTS = {"services": "services", "definition": "service_definition", "requests": "service_requests",
         "discovery": "discovery"}
_WORDS = {400: "the request is not one this server can answer", 401: "this call needs the access token",
          404: "there is nothing here", 405: "this method is not allowed here",
          413: "the request is too large", 415: "the request's content type is not taken here"}


# ---------------------------------------------------------------- answers (documented in openapi.json)

class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Open311Problem(_Answer):
    code: int = Field(description="the HTTP status again, e.g. 400")
    description: str = Field(description="what went wrong, in words a person understands")


class AttributeValue(_Answer):
    key: str
    name: str


class Attribute(_Answer):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(_Answer):
    service_code: str
    attributes: list[Attribute] = Field(description="always empty here: no service asks for attributes")


class CreatedRequest(_Answer):
    service_request_id: str
    service_notice: str | None
    account_id: str | None = Field(description="the account_id sent, or null")
    token: str = Field(description="tokens/{token} answers with the service_request_id again")


class RequestToken(_Answer):
    service_request_id: str
    token: str


class Endpoint(_Answer):
    specification: Literal["http://wiki.open311.org/GeoReport_v2"]
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[Literal["text/xml", "application/json"]]


class Discovery(_Answer):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


# ---------------------------------------------------------------- rendering

class JsonAnswer(JSONResponse):
    media_type = "application/json"  # documented as such; sent with its charset (JSON_TYPE)


class XmlAnswer(Response):
    media_type = "text/xml"  # Starlette adds "; charset=utf-8"


def render(fmt: str, root: str, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if fmt == "xml":
        return Response(open311.to_xml(root, body), status_code=status, media_type=XML_TYPE, headers=headers)
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(text.encode("utf-8"), status_code=status, media_type=JSON_TYPE, headers=headers)


def error(request: Request, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """The spec's error form, in the format the URL asked for (JSON unless it ends in .xml)."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    return render(fmt, "errors", [{"code": status, "description": description}], status, headers)


def failure(request: Request, exc: Exception) -> Response:
    """Any failure of an Open311 route, as the spec's error."""
    if isinstance(exc, ApiError):
        return error(request, exc.status, exc.message, exc.headers)
    if isinstance(exc, open311.Open311Error):
        return error(request, exc.status, str(exc), {"Retry-After": "5"} if exc.status == 503 else None)
    if isinstance(exc, RequestValidationError):
        return error(request, 400, "; ".join(_describe(e) for e in exc.errors()) or _WORDS[400])
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != "Not Found" else ""
        return error(request, exc.status_code, detail or _WORDS.get(exc.status_code, "the request failed"),
                     dict(exc.headers or {}))
    if isinstance(exc, sqlite3.OperationalError):
        log.warning("database trouble on %s: %s", request.url.path, exc)
        return error(request, 503, "the server's database is busy; try again shortly", {"Retry-After": "2"})
    log.error("failed on %s %s", request.method, request.url.path, exc_info=exc)
    return error(request, 500, "the server failed to answer this request (its log says why)")


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("query", "body", "path"))
    return f"{where or 'the request'}: {problem.get('msg', 'is not valid')}"


class Open311Route(APIRoute):
    """A route whose every failure (auth, validation, not found, the database) is the spec's error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure, in the spec's form
                return failure(request, exc)

        return answer


# ---------------------------------------------------------------- documentation

def _problems(fmt: str, extra: tuple[int, ...] = ()) -> dict[int | str, dict[str, Any]]:
    """Error answers as documented, in the spec's form, for every status a guarded route may answer."""
    described = {400: "a parameter or field is missing or wrong; the description says which",
                 401: "the server runs with a token, and no valid one was given (api_key, bearer or Basic)",
                 404: "nothing of that name or id is held, or jurisdiction_id is not this one",
                 413: "the form is larger than a request needs", 415: "the fields were not sent form-encoded",
                 503: "the database is busy; try again after Retry-After seconds"}
    statuses = (400, 401, 404, *extra, 503)
    if fmt == "json":
        return {s: {"model": list[Open311Problem], "description": described[s]} for s in statuses}
    xml = {"text/xml": {"schema": {"type": "string", "description": "<errors><error><code>…</code>"
                                   "<description>…</description></error></errors>"}}}
    return {s: {"content": xml, "description": described[s]} for s in statuses}


def _ok(fmt: str, model: Any, root: str, status: int = 200, description: str = "Successful Response") -> dict:
    if fmt == "json":
        return {status: {"model": model, "description": description}}
    return {status: {"description": f"{description}, as XML (root <{root}>)",
                     "content": {"text/xml": {"schema": {"type": "string"}}}}}


def _located(answers: dict[int | str, dict[str, Any]], fmt: str) -> dict[int | str, dict[str, Any]]:
    """The 201 of POST requests names the new request's URL."""
    for answer in answers.values():
        answer["headers"] = {"Location": {
            "description": "the new request's URL, e.g. /open311/v2/requests/NT202611242015901." + fmt,
            "required": True, "schema": {"type": "string", "pattern": rf"^{PREFIX}/requests/[^/]+[.]{fmt}$"}}}
    return answers


def _param(name: str, where: str, description: str, schema: dict[str, Any] | None = None,
           required: bool = False) -> dict[str, Any]:
    found = {"name": name, "in": where, "required": required, "description": description,
             "schema": schema or {"type": "string"}}
    if schema and schema.get("type") == "array":
        found.update(style="form", explode=True)
    return found


JURISDICTION = _param("jurisdiction_id", "query", f"optional; only {open311.JURISDICTION} is served")


def _list_of(pattern: str = open311.LIST_PATTERN) -> dict[str, Any]:
    """A repeatable parameter: each value one or more items, comma-separated (an empty value is none)."""
    return {"type": "array", "items": {"type": "string", "pattern": pattern}}


_DATE = {"type": "string", "pattern": open311.DATE_PATTERN}
REQUEST_FILTERS = [
    _param("service_request_id", "query", "ids (repeat the parameter or separate by commas; an empty value is "
           "none); named ids override every other filter", _list_of()),
    _param("service_code", "query", "service codes (repeat the parameter or separate by commas)",
           _list_of()),
    _param("start_date", "query", "earliest requested_datetime: a W3C date (2026-11-24) or date-time "
           "(2026-11-24T20:15, seconds, fraction and offset optional; no offset: Beijing time; a space "
           "before the offset is an unescaped +); empty: not given. With end_date, or to now, the window "
           "must not start after it and may span at most 90 days (else 400)", _DATE),
    _param("end_date", "query", "latest requested_datetime, in start_date's forms (default: now); a bare "
           "date means its whole day; without start_date the window is the 90 days up to it", _DATE),
    _param("status", "query", "open, closed or both (repeat or separate by commas)",
           _list_of(open311.STATUS_PATTERN)),
]
OPEN311_SECURITY = ACCESS["open311"][0]  # the guard's alternatives, as the GET routes get them


def create_form() -> dict[str, Any]:
    """POST requests' form as create_request checks it (central/open311.py): every field at most once,
    an empty one the same as none; no field but these and empty attribute[code] fields."""
    from central.sim import city  # late: the simulated city's catalogue is what services.json lists

    def text(name: str, description: str = "") -> dict[str, Any]:
        limit, pattern = open311.TEXT_FIELDS[name]
        return {"type": "string", "maxLength": limit, "pattern": pattern,
                **({"description": description} if description else {})}

    def coordinate(bounds: tuple[float, float], description: str) -> dict[str, Any]:
        return {"anyOf": [{"type": "number", "minimum": bounds[0], "maximum": bounds[1]},
                          {"type": "string", "maxLength": 0}], "description": description}

    return {
        "type": "object", "required": ["service_code"],
        "properties": {
            "api_key": text("api_key", "the server's reader token, when it runs with one"),
            "jurisdiction_id": text("jurisdiction_id", f"optional; only {open311.JURISDICTION} (else 404)"),
            "service_code": {"type": "string", "enum": [s.code for s in city.SERVICES],
                             "description": "one of services.json"},
            "lat": coordinate(open311.LAT_RANGE, "WGS-84, with long; inside the city's bounds (a point there "
                                                 "that no town of Nantong covers is 404)"),
            "long": coordinate(open311.LONG_RANGE, "WGS-84, with lat"),
            "address_string": text("address_string", "without lat/long it must name a town (镇 or 街道) of "
                                                     "Nantong: the first named (of a county it names, if any)"),
            "address_id": text("address_id", "kept, but places nothing on its own (no address register here)"),
            **{name: text(name, "checked, not kept") for name in ("email", "device_id", "first_name", "last_name",
                                                                 "phone")},
            "account_id": text("account_id", "echoed in the answer"),
            "description": text("description", "line breaks allowed"),
            "media_url": text("media_url", "an http(s) address"),
        },
        "patternProperties": {r"^attribute\[": {"type": "string", "maxLength": 0,
                                                "description": "no service has attributes: empty, if given"}},
        "additionalProperties": False,
        "propertyNames": {"maxLength": open311.MAX_FIELD_NAME},
        "maxProperties": MAX_FORM_FIELDS,
        "anyOf": [  # a location: lat and long, or an address_string naming a town
            {"required": ["lat", "long"], "properties": {"lat": {"type": "number"}, "long": {"type": "number"}}},
            {"required": ["address_string"], "properties": {
                "lat": {"const": ""}, "long": {"const": ""},
                "address_string": {"pattern": open311.town_named()}}},
        ],
    }


# ---------------------------------------------------------------- the routes

def router(guard: Guard) -> APIRouter:
    """Every GeoReport v2 call under /open311/v2, in .json and .xml; `guard` checks the reader token
    (as api_key, bearer or HTTP Basic) wherever the server runs with one. Discovery is open."""
    routes = APIRouter(prefix=PREFIX, route_class=Open311Route)

    locked = [Depends(guard.key_reader), Depends(_jurisdiction)]
    form = create_form()

    for fmt in ("json", "xml"):
        kind = JsonAnswer if fmt == "json" else XmlAnswer
        common = {"response_class": kind, "dependencies": locked}

        routes.add_api_route(
            f"/services.{fmt}", _services(fmt), methods=["GET"], summary=f"Open311: the 12345 service types ({fmt})",
            responses={**_ok(fmt, list[models.Service], "services"), **_problems(fmt)},
            openapi_extra={"parameters": [JURISDICTION]}, **common)
        routes.add_api_route(
            f"/services/{{service_code}}.{fmt}", _definition(fmt), methods=["GET"],
            summary=f"Open311: one service's definition ({fmt}; no service asks for attributes)",
            responses={**_ok(fmt, ServiceDefinition, "service_definition"), **_problems(fmt)},
            openapi_extra={"parameters": [_param("service_code", "path", "a service_code of services.json",
                                                 required=True), JURISDICTION]}, **common)
        routes.add_api_route(
            f"/requests.{fmt}", _requests(fmt), methods=["GET"],
            summary=f"Open311: service requests, newest first (at most 1,000; {fmt})",
            responses={**_ok(fmt, list[models.ServiceRequest], "service_requests"), **_problems(fmt)},
            openapi_extra={"parameters": [*REQUEST_FILTERS, JURISDICTION]}, **common)
        routes.add_api_route(
            f"/requests.{fmt}", _create(fmt, guard), methods=["POST"], status_code=201, response_class=kind,
            summary=f"Open311: report a request to the simulated 12345 hotline ({fmt})",
            responses={**_located(_ok(fmt, list[CreatedRequest], "service_requests", 201, "Created"), fmt),
                       **_problems(fmt, (413, 415))},
            openapi_extra={"parameters": [JURISDICTION], "security": OPEN311_SECURITY,  # checked after the form
                           "requestBody": {"required": True, "content": {FORM_TYPE: {"schema": form}}}})
        routes.add_api_route(
            f"/requests/{{service_request_id}}.{fmt}", _one(fmt), methods=["GET"],
            summary=f"Open311: one service request, as a one-element list ({fmt})",
            responses={**_ok(fmt, list[models.ServiceRequest], "service_requests"), **_problems(fmt)},
            openapi_extra={"parameters": [_param("service_request_id", "path", "one id (no id holds a comma: a "
                                                 "comma is 400)", {"type": "string", "pattern": "^[^,]+$"},
                                                 required=True), JURISDICTION]}, **common)
        routes.add_api_route(
            f"/tokens/{{token}}.{fmt}", _token(fmt), methods=["GET"],
            summary=f"Open311: the service request of a token ({fmt})",
            responses={**_ok(fmt, list[RequestToken], "service_requests"), **_problems(fmt)},
            openapi_extra={"parameters": [_param("token", "path", "a token from POST requests", required=True),
                                          JURISDICTION]}, **common)
        routes.add_api_route(
            f"/discovery.{fmt}", _discovery(fmt, guard), methods=["GET"], response_class=kind,
            summary=f"Open311: service discovery ({fmt}; no token needed)",
            responses=_ok(fmt, Discovery, "discovery"))

    # Anything else under the prefix: an ASGI endpoint, so no method set (a function's would be GET), and
    # the full path (a plain route gets no prefix of the router's). The router is included last.
    routes.add_route(f"{PREFIX}/{{anything:path}}", Elsewhere(list(routes.routes)), include_in_schema=False)
    return routes


class Elsewhere:
    """A path under the prefix that no route serves with this method: HEAD where GET is served (the GET
    answer's headers), 204 with Allow for OPTIONS, 405 with Allow where other methods are served, else
    404; errors in the spec's form."""

    def __init__(self, served: list[Any]) -> None:
        self.served = [route for route in served if isinstance(route, APIRoute)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        path = request.url.path
        served = {m for route in self.served if route.path_regex.match(path) for m in route.methods}
        if request.method == "HEAD" and "GET" in served:
            await self._head(scope, receive, send)
            return
        methods = sorted(served | ({"HEAD"} if "GET" in served else set()), key=_METHODS.index)
        if not methods:
            response = error(request, 404, f"there is nothing at {path}; GeoReport v2 here: services, "
                                           "services/{service_code}, requests, requests/{id}, tokens/{token} "
                                           "and discovery, each .json or .xml")
        elif request.method == "OPTIONS":
            response = Response(status_code=204, headers={"Allow": ", ".join([*methods, "OPTIONS"])})
        else:
            allow = ", ".join([*methods, "OPTIONS"])
            response = error(request, 405, f"{request.method} is not allowed on {path}; it answers {allow}",
                             {"Allow": allow})
        await response(scope, receive, send)

    @staticmethod
    async def _head(scope: Scope, receive: Receive, send: Send) -> None:
        """The GET answer without its body: the application again, from a fresh scope, as a GET."""
        fresh = {key: scope[key] for key in _ASGI_KEYS if key in scope}

        async def headers_only(message: Message) -> None:
            await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

        await scope["app"]({**fresh, "method": "GET"}, receive, headers_only)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_ASGI_KEYS = ("type", "asgi", "http_version", "scheme", "path", "raw_path", "root_path", "query_string",
              "headers", "client", "server", "state", "extensions")


def _jurisdiction(request: Request) -> None:
    open311.check_jurisdiction(request.query_params.getlist("jurisdiction_id"))


def _conn(request: Request) -> Any:
    return request.app.state.db.conn()


def _services(fmt: str) -> Callable[[Request], Response]:
    def services(request: Request) -> Response:
        return render(fmt, ROOTS["services"], open311.services(_conn(request)))

    return services


def _definition(fmt: str) -> Callable[[Request], Response]:
    def definition(request: Request) -> Response:
        found = open311.service_definition(_conn(request), request.path_params["service_code"])
        return render(fmt, ROOTS["definition"], found)

    return definition


def _requests(fmt: str) -> Callable[[Request], Response]:
    def requests(request: Request) -> Response:
        query = request.query_params
        found = open311.requests(
            _conn(request), now=request.app.state.sim.now(), service_request_id=query.getlist("service_request_id"),
            service_code=query.getlist("service_code"), start_date=_once(query, "start_date"),
            end_date=_once(query, "end_date"), status=query.getlist("status"))
        return render(fmt, ROOTS["requests"], found)

    return requests


def _one(fmt: str) -> Callable[[Request], Response]:
    def one_request(request: Request) -> Response:
        found = open311.one_request(_conn(request), request.path_params["service_request_id"])
        return render(fmt, ROOTS["requests"], found)

    return one_request


def _token(fmt: str) -> Callable[[Request], Response]:
    def token(request: Request) -> Response:
        found = open311.token_request(_conn(request), request.app.state.db.db_id, request.path_params["token"])
        return render(fmt, ROOTS["requests"], found)

    return token


def _discovery(fmt: str, guard: Guard) -> Callable[[Request], Response]:
    def discovery(request: Request) -> Response:
        url = str(request.base_url).rstrip("/") + PREFIX
        return render(fmt, ROOTS["discovery"], open311.discovery(url, key_needed=guard.token is not None))

    return discovery


def _create(fmt: str, guard: Guard) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def create(request: Request) -> Response:
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind != FORM_TYPE:
            raise ApiError(415, f"send the fields form-encoded ({FORM_TYPE}), as GeoReport v2 says, not "
                                f"{kind or 'with no content type'}")
        fields = _form(await read_capped(request, 3 * MAX_FORM_BYTES, _too_big()))
        guard.key_reader_with(request, fields.get("api_key"))
        open311.check_jurisdiction(request.query_params.getlist("jurisdiction_id"))
        db, sim = request.app.state.db, request.app.state.sim
        taken = await run_in_threadpool(
            lambda: open311.create_request(db.conn(), now=sim.now(), fields=fields, key=db.db_id))
        sim.touch()  # the city's bodies show the new request at their next read
        log.info("took Open311 request %s (service %s)", taken["service_request_id"], fields.get("service_code"))
        return render(fmt, ROOTS["requests"], [taken], 201,
                      {"Location": f"{PREFIX}/requests/{taken['service_request_id']}.{fmt}"})

    return create


def _form(data: bytes) -> dict[str, str]:
    """The fields of a form, each given once, its text (decoded) at most MAX_FORM_BYTES."""
    if len(unquote_to_bytes(data.replace(b"+", b" "))) > MAX_FORM_BYTES:
        raise _too_big()
    try:
        pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
                          encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise open311.Open311Error("the form is not UTF-8 text (GeoReport v2 takes UTF-8 only)") from None
    except ValueError:
        raise open311.Open311Error(f"the form has over {MAX_FORM_FIELDS} fields") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise open311.Open311Error(f"the form gives {name[:100]!r} twice; give each field once")
        fields[name] = value
    return fields


def _too_big() -> ApiError:
    return ApiError(413, f"the form is over {MAX_FORM_BYTES // 1024} KiB, more than a request needs")


def _once(query: Any, name: str) -> str | None:
    values = set(query.getlist(name))
    if len(values) > 1:
        raise open311.Open311Error(f"{name} is given {len(values)} times; give it once")
    return next(iter(values), None)
