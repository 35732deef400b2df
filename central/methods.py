"""Which methods a path serves: what `Allow` says on OPTIONS and on 405 (RFC 9110 sections 9.3.7, 15.5.6).

Two routers may serve one path (GET and POST /api/v1/warnings: the readers' and the admin's), so the
answer is the union over every route whose path matches, not the methods of the first route found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import routing
from starlette.convertors import PathConvertor
from starlette.routing import Match
from starlette.types import Scope

OPTIONS = "OPTIONS"
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", OPTIONS)


def allowed_methods(scope: Scope) -> list[str]:
    """The methods served at the scope's path (OPTIONS among them), or [] when nothing is served there."""
    found: set[str] = set()
    for route in served_routes(scope["app"].routes):
        methods = getattr(route, "methods", None)
        if methods and not _fallback(route) and route.matches(scope)[0] != Match.NONE:
            found |= set(methods)
    if not found:
        return []
    found.add(OPTIONS)
    return sorted(found, key=lambda method: (_ORDER.index(method) if method in _ORDER else len(_ORDER), method))


def _fallback(route: Any) -> bool:
    """A route that takes the rest of any path ({x:path}) answers for what is not served: no resource."""
    return any(isinstance(convertor, PathConvertor) for convertor in getattr(route, "param_convertors", {}).values())


def allow_header(scope: Scope) -> str:
    return ", ".join(allowed_methods(scope))


def served_routes(routes: Any) -> Iterator[Any]:
    """Every route as served: FastAPI from 0.120 or so keeps an included router whole, and
    `iter_route_contexts` gives its routes with the router's prefix and dependencies applied."""
    contexts = getattr(routing, "iter_route_contexts", None)
    yield from contexts(routes) if contexts is not None else routes
