"""The OpenAPI document: what FastAPI derives from the routes, made to say what the server really does.

FastAPI knows each route's parameters and success answer; it does not know what the plumbing around
the routes adds (central/http.py): the tokens each call needs, ETags and `304 Not Modified` on every
GET, errors as `{"error", "message"}` with 400 (never 422), 401 and 403 only where a token is checked,
404 only where a path names something, 503 with `Retry-After` when the database is busy. This module
adds exactly those, per operation, and declares the formats of ids, cursors and times, so that a client
(or a property-based test such as schemathesis) can rely on every status code, header and schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from central import models
from central.http import Guard
from central.methods import served_routes

READER, ADMIN, API_KEY, BASIC = "reader", "admin", "open311_api_key", "open311_basic"
SECURITY_SCHEMES = {
    READER: {"type": "http", "scheme": "bearer",
             "description": "the server's `--token` (the admin token is taken too); asked for only when the "
                            "server runs with `--token`"},
    ADMIN: {"type": "http", "scheme": "bearer",
            "description": "the server's `--admin-token`; a server without one refuses admin calls with 403"},
    API_KEY: {"type": "apiKey", "in": "query", "name": "api_key",
              "description": "Open311's way of giving the reader token: `?api_key=<token>` (Open311 calls only)"},
    BASIC: {"type": "http", "scheme": "basic",
            "description": "the reader token as the password of HTTP Basic auth, any user name (Open311 calls "
                           "only, for clients that can send no other)"},
}
# Per kind of access: the security requirements (alternatives), the error statuses the guard adds.
ACCESS: dict[str, tuple[list[dict[str, list[str]]], tuple[int, ...]]] = {
    "open": ([], ()),
    "reader": ([{READER: []}, {ADMIN: []}], (401,)),
    "open311": ([{READER: []}, {ADMIN: []}, {API_KEY: []}, {BASIC: []}], (401,)),
    "admin": ([{ADMIN: []}], (401, 403)),
}
ERRORS = {
    304: "Not Modified: the `If-None-Match` tag is the current one (no body)",
    400: "the request is not one this call takes; `message` says why",
    401: "a token is needed (the server runs with `--token`, or this is an admin call) and none valid was given",
    403: "the token is not the admin token, or administration is switched off on this server",
    404: "nothing of that name or id is held",
    503: "the database is busy; try again after `Retry-After` seconds",
}
_HEADERS = {
    "ETag": {"description": "strong: a hash of the body", "required": True,
             "schema": {"type": "string", "pattern": '^"[^"]*"$'}},
    "Cache-Control": {"description": "always revalidate", "required": True,
                      "schema": {"type": "string", "enum": ["no-cache"]}},
    "WWW-Authenticate": {"description": "the Bearer challenge", "required": True,
                         "schema": {"type": "string", "pattern": "^Bearer"}},
    "Retry-After": {"description": "seconds to wait", "required": True, "schema": {"type": "string", "pattern": r"^\d+$"}},
}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "the `ETag` of an earlier answer: 304 with no body while it is still current",
                 "schema": {"type": "string"}}


def install(app: FastAPI, guard: Guard) -> None:
    """Serve (and dump) the document built here instead of FastAPI's own."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, guard)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(app: FastAPI, guard: Guard) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                      description=app.description, routes=app.routes)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422: this server answers 400
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = _HEADERS
    schemas.setdefault("Problem", models.Problem.model_json_schema())
    for route in served_routes(app.routes):
        if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema:
            for method in route.methods:
                _truthful(doc["paths"][route.path_format][method.lower()], route, method, _access(route, guard))
    if app.openapi_url:
        doc["paths"][app.openapi_url] = _document_operation()
    _formats(doc)
    return doc


def _access(route: Any, guard: Guard) -> str:
    checks = [dependency.dependency for dependency in route.dependencies]
    if guard.admin in checks:
        return "admin"
    if guard.key_reader in checks:  # Open311's: the token also as api_key or by Basic auth
        return "open311"
    if guard.reader in checks:
        return "reader"
    return "open"


def _problem(status: int) -> dict[str, Any]:
    return {"description": ERRORS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _truthful(operation: dict[str, Any], route: Any, method: str, access: str) -> None:
    responses: dict[str, Any] = operation["responses"]
    responses.pop("422", None)
    parameters = operation.setdefault("parameters", [])
    security, guarded = ACCESS[access]
    statuses: list[int] = list(guarded)
    if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
        statuses.append(400)
    if any(p["in"] == "path" for p in parameters):
        statuses.append(404)
    if access != "open":  # every guarded call reads the database
        statuses.append(503)
    for status in statuses:  # what a route declares itself (e.g. Open311's own error form) is kept
        responses.setdefault(str(status), _problem(status))
    if "401" in responses:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = _header("WWW-Authenticate")
    if "503" in responses:
        responses["503"].setdefault("headers", {})["Retry-After"] = _header("Retry-After")
    if method == "GET":
        _cached(responses)
        parameters.append(IF_NONE_MATCH)
    for answer in responses.values():  # media types named without a schema: say the body is text
        for media, content in answer.get("content", {}).items():
            if not content.get("schema") and not media.endswith("json"):
                content["schema"] = {"type": "string"}
    if not parameters:
        del operation["parameters"]
    if security:
        operation["security"] = security
    operation["responses"] = dict(sorted(responses.items()))


def _cached(responses: dict[str, Any]) -> None:
    """Every GET answer of 200 has an ETag and no-cache; If-None-Match with that tag gives 304."""
    responses["200"].setdefault("headers", {}).update({"ETag": _header("ETag"), "Cache-Control": _header("Cache-Control")})
    responses["304"] = {"description": ERRORS[304],
                        "headers": {"ETag": _header("ETag"), "Cache-Control": _header("Cache-Control")}}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _document_operation() -> dict[str, Any]:
    responses = {"200": {"description": "this document",
                         "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}}}}
    _cached(responses)
    return {"get": {"summary": "This OpenAPI document (no token needed)", "operationId": "openapi_json",
                    "parameters": [IF_NONE_MATCH], "responses": dict(sorted(responses.items()))}}


def _formats(doc: dict[str, Any]) -> None:
    """The forms of ids, cursors and dates, declared where FastAPI sees only strings."""
    for operations in doc["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name, where, schema = parameter["name"], parameter["in"], parameter["schema"]
                if where == "path" and name == "warning_id":
                    schema.update(pattern=models.WARNING_ID)
                elif where == "path" and name == "panel_id":
                    schema.update(enum=_panel_ids())
                elif where == "query" and name == "after":
                    parameter["schema"] = {"type": "string", "pattern": models.AFTER, "maxLength": models.MAX_CURSOR,
                                           "description": schema.get("description", "")}
    answers = doc["components"]["schemas"]
    for name in ("WarningMessage",):  # its model is the warnings' own; the forms of its fields are said here
        fields = answers.get(name, {}).get("properties", {})
        if "id" in fields:
            fields["id"].setdefault("pattern", models.WARNING_ID)
        for time_field in ("sent", "expires"):
            _time(fields.get(time_field))


def _time(schema: dict[str, Any] | None) -> None:
    if schema is None or "format" in str(schema):
        return
    if schema.get("type") == "string":
        schema["format"] = "date-time"
    for choice in schema.get("anyOf", []):
        if choice.get("type") == "string":
            choice["format"] = "date-time"


def _panel_ids() -> list[str]:
    from central.sim import panels  # late: the registry (and a city's own panels) as this server serves them

    return list(panels.PANELS)
