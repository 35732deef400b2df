"""The reference central API: FastAPI routes over the simulator and the warnings feed.

`cockpit-central` binds its socket itself, then prints exactly one line,
`cockpit-central listening on http://HOST:PORT`, once requests are served
(the cockpit's embedded mode waits for that line).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from central import answers, capio, models, open311_api, openapi, warning_feed
from central.db import Database
from central.http import ApiError, ETagMiddleware, Guard, install_error_handlers, read_capped
from central.places import place
from kernel import geo, levels
from kernel.cap import (
    MAX_CAP_BYTES,
    CapAlert,
    CapError,
    SignatureCheck,
    TrustList,
    check_signature,
    parse_cap,
)
from kernel.cap.read import size_words
from kernel.clock import CITY_TZ, city_text

log = logging.getLogger("central")
API_VERSION = "1"
MAX_WAIT_S = 60.0
RECHECK_S = 1.0  # long polls also look at the database this often, whatever the bell says
MAX_SPEED = 100_000.0  # as the simulator allows
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
CAP_ERROR_STATUS = {"too_large": 413, "untrusted_signer": 403}  # every other CapError is a 400
WARNING_LOCATION = {"Location": {"description": "the warning's URL, /api/v1/warnings/{id}", "required": True,
                                 "schema": {"type": "string", "pattern": "^/api/v1/warnings/W[0-9]{6,12}$"}}}


@dataclass(frozen=True)
class Settings:
    db: Path = Path("central.sqlite")
    seed: int = 2026
    speed: float = 1.0
    token: str | None = None
    admin_token: str | None = None
    start_at: datetime | None = None  # a new database's simulated clock starts here (None: now)
    lifetimes: str = ""  # default lifetimes of messages without <expires> (kernel.levels.lifetimes)
    trusted_signers: Path | None = None  # PEM certificates: a signed CAP message must be signed by one
    require_signature: bool = False  # refuse unsigned CAP messages


def now_text() -> str:
    return city_text(datetime.now(CITY_TZ))


def create_app(settings: Settings) -> FastAPI:
    """The application; the database and simulator open when it starts serving."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from central.sim import Simulator  # imported late: --dump-openapi needs no simulator

        db = Database(settings.db)  # first: the schema exists before the simulator writes
        try:
            simulator = Simulator(settings.db, seed=settings.seed, speed=settings.speed, start_at=settings.start_at)
            await run_in_threadpool(simulator.start)  # a new database is backfilled first
            app.state.db, app.state.sim, app.state.speed = db, simulator, settings.speed
            watch = answers.Watch(settings.db)  # shared answers are kept while nothing is committed
            app.state.feed_pages = answers.FeedPages(watch, db.db_id, db.conn, simulator.now, RECHECK_S)
            app.state.encoded = answers.Encoded(watch)
            log.info("serving %s (seed %d, speed %g)", settings.db, settings.seed, settings.speed)
            try:
                yield
            finally:
                warning_feed.BELL.close()
                simulator.stop()
                watch.close()
        finally:
            db.close()

    # the error answers each operation documents are added by central/openapi.py, per operation
    app = FastAPI(title="Nantong cockpit central API", version=API_VERSION, lifespan=lifespan,
                  description="The contract between the leadership cockpit and a city platform "
                              "(docs/api-contract.md); this is the reference server with a simulated Nantong.")
    app.add_middleware(ETagMiddleware)
    install_error_handlers(app)
    app.state.settings = settings
    # Read now: a trust list that cannot be read stops the start, in words, not the first message.
    app.state.trust = TrustList.load(settings.trusted_signers) if settings.trusted_signers else None
    guard = Guard(settings.token, settings.admin_token)
    app.include_router(_open_routes())
    app.include_router(_api_routes(), dependencies=[Depends(guard.reader)])
    app.include_router(_admin_routes(), dependencies=[Depends(guard.admin)])
    app.include_router(open311_api.router(guard))  # last: it answers every path under /open311/v2
    openapi.install(app, guard)
    return app


def _sim(request: Request) -> Any:
    return request.app.state.sim


def _sim_text(request: Request) -> str:
    return city_text(_sim(request).now())


def _conn(request: Request) -> Any:
    return request.app.state.db.conn()


async def _encoded(request: Request, key: Any, build: Any) -> Response | None:
    """A big body encoded (and its ETag worked out) once per version, read again only after a commit;
    ETagMiddleware answers a conditional GET that names that ETag with 304. None: `build` found nothing."""
    found = await request.app.state.encoded.get(key, build)
    if found is None:
        return None
    return Response(found[1], media_type="application/json", headers={"ETag": found[0]})


def _seq(warning_id: str) -> int:
    seq = warning_feed.seq_of(warning_id)
    if seq is None:
        raise ApiError(404, f"there is no warning {warning_id!r} (ids look like W000042)")
    return seq


def _open_routes() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/health", summary="Liveness probe (no token needed)", response_model=models.Health)
    def health(request: Request) -> dict[str, Any]:
        return {"status": "ok", "server_time": now_text(), "sim_time": _sim_text(request)}

    return router


def _api_routes() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/meta", summary="The city, the clock, the domains and the panels", response_model=None,
                responses={200: {"model": models.Meta, "description": "the city and its panels"}})
    def meta(request: Request) -> dict[str, Any]:
        body = {"api_version": API_VERSION, "city": geo.CITY, "server_time": now_text(),
                "sim_time": _sim_text(request), "speed": request.app.state.speed,
                "datum": geo.DATUM, "attribution": geo.ATTRIBUTION}
        body.update((key, value) for key, value in _sim(request).meta().items() if key not in body)
        return body

    @router.get("/situation", summary="The overall situation map (总体态势图)", response_model=None,
                responses={200: {"model": models.Situation, "description": "the situation now"}})
    async def situation(request: Request) -> Response | None:  # never None: the situation always exists
        return await _encoded(request, "situation", _sim(request).situation_versioned)

    @router.get("/panels/{panel_id}", summary="One thematic panel (专题图)", response_model=None,
                responses={200: {"model": models.Panel, "description": "the panel now"}})
    async def panel(panel_id: str, request: Request) -> Response:
        found = await _encoded(request, ("panel", panel_id), lambda: _sim(request).panel_versioned(panel_id))
        if found is None:
            raise ApiError(404, f"there is no panel {panel_id!r}; /api/v1/meta lists the panels")
        return found

    @router.get("/warnings", summary="The warnings feed: every message once, in order (long poll with wait)",
                response_model=models.Feed)
    async def feed(request: Request,
                   after: str | None = Query(None, description="the cursor of the previous answer"),
                   wait: float = Query(0, ge=0, le=MAX_WAIT_S,
                                       description="seconds to wait for news (at most 60; more is 400)"),
                   limit: int = Query(200, ge=1, le=1000)) -> Response:
        db: Database = request.app.state.db
        try:
            seq = warning_feed.decode_cursor(after, db.db_id) if after else 0
        except warning_feed.CursorError as exc:
            raise ApiError(400, str(exc), code="bad_cursor") from None
        # Every long poll woken by one publish asks for the same page: it is read, validated against
        # models.WarningMessage and encoded once, and shared (central/answers.py says when it is fresh).
        pages: answers.FeedPages = request.app.state.feed_pages
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(wait, MAX_WAIT_S)
        while True:
            remaining = deadline - loop.time()
            bell = warning_feed.BELL.arm() if remaining > 0 else None  # armed before looking: no ring is missed
            try:
                page = await pages.get(seq, limit)
                if page.ahead:
                    raise ApiError(400, "the cursor is ahead of this server's feed (was its database "
                                        "restored from a backup?); start again without `after`", code="bad_cursor")
                if page.count or bell is None or warning_feed.BELL.closed:
                    break
                await warning_feed.BELL.wait(bell, min(remaining, RECHECK_S))
            finally:
                if bell is not None:
                    warning_feed.BELL.disarm(bell)
        body = pages.answer(page, server_time=now_text(), sim_time=_sim_text(request),
                            speed=_sim(request).speed)
        return Response(body, media_type="application/json")

    @router.get("/warnings/{warning_id}.cap", summary="One warning as a CAP 1.2 message",
                response_class=Response, responses={200: {"content": {"application/cap+xml": {}}}})
    def warning_cap(warning_id: str, request: Request) -> Response:
        row = warning_feed.get_row(_conn(request), _seq(warning_id))
        if row is None:
            raise ApiError(404, f"there is no warning {warning_id}")
        return Response(capio.to_cap(row), media_type="application/cap+xml")

    @router.get("/warnings/{warning_id}", summary="One warning", response_model=models.WarningMessage)
    def warning(warning_id: str, request: Request) -> dict[str, Any]:
        found = warning_feed.get_warning(_conn(request), _seq(warning_id), now=_sim(request).now())
        if found is None:
            raise ApiError(404, f"there is no warning {warning_id}")
        return found

    @router.post("/warnings/{warning_id}/ack", summary="Acknowledge a warning (idempotent by ack_id)",
                 response_model=models.WarningMessage)
    def ack(warning_id: str, body: models.AckIn, request: Request) -> dict[str, Any]:
        seq, conn = _seq(warning_id), _conn(request)
        if not warning_feed.add_ack(conn, seq, ack_id=body.ack_id, by=body.by, at=body.at, client=body.client):
            raise ApiError(404, f"there is no warning {warning_id}")
        return warning_feed.get_warning(conn, seq, now=_sim(request).now())  # type: ignore[return-value]

    return router


def _admin_routes() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.post("/warnings", summary="Ingest a CAP 1.2 message (admin)", status_code=201,
                 response_model=models.WarningMessage,
                 responses={201: {"description": "ingested: the new warning", "headers": WARNING_LOCATION},
                            200: {"model": models.WarningMessage, "description": "a duplicate, already held",
                                  "headers": WARNING_LOCATION},
                            413: {"model": models.Problem}, 415: {"model": models.Problem}},
                 openapi_extra={"requestBody": {"required": True, "content": {
                     "application/cap+xml": {"schema": {"type": "string", "maxLength": MAX_CAP_BYTES}}}}})
    async def ingest(request: Request) -> JSONResponse:
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind not in CAP_TYPES:
            raise ApiError(415, f"send the CAP message as application/cap+xml, not {kind or 'no content type'}")
        data = await read_capped(request, MAX_CAP_BYTES, ApiError(
            413, f"the message is over {size_words(MAX_CAP_BYTES)}, the most a CAP message may be",
            code="cap_too_large"))
        settings: Settings = request.app.state.settings
        try:
            alert, signature = await run_in_threadpool(_read_and_verify, data, request.app.state.trust)
        except CapError as exc:
            log.warning("refused a CAP message (%d bytes): %s", len(data), exc)
            raise ApiError(CAP_ERROR_STATUS.get(exc.code, 400), str(exc), code=f"cap_{exc.code}") from None
        if settings.require_signature and not signature.signed:
            raise ApiError(403, "this server takes signed CAP messages only (--require-signature), and this one "
                                "carries no XML signature", code="cap_unsigned")
        sim = _sim(request)
        try:
            found, created = await run_in_threadpool(
                lambda: capio.ingest(request.app.state.db.conn(), alert, now=sim.now(), original=data,
                                     signature=signature, lifetimes=levels.lifetimes(settings.lifetimes)))
        except capio.IngestError as exc:
            log.warning("refused CAP %s from %s: %s", alert.identifier, alert.sender, exc)
            raise ApiError(400, str(exc), code="cap_not_a_warning") from None
        log.info("%s CAP %s %s from %s as %s", "ingested" if created else "already had", alert.msg_type,
                 alert.identifier, alert.sender, found["id"])
        return JSONResponse(found, status_code=201 if created else 200,
                            headers={"Location": f"/api/v1/warnings/{found['id']}"})

    @router.post("/sim/warnings", summary="Publish a drill warning now (admin)", status_code=201,
                 response_model=models.WarningMessage)
    def drill(body: models.DrillIn, request: Request) -> dict[str, Any]:
        where = place(body.adcode)
        if where is None:
            raise ApiError(400, f"{body.adcode!r} is not an adcode of Nantong (e.g. 320612 通州区)")
        if (body.lon is None) != (body.lat is None):
            raise ApiError(400, "give both lon and lat, or neither")
        sent = _sim(request).now()
        return warning_feed.publish_warning(
            _conn(request), severity=body.severity, headline=body.headline, adcode=body.adcode,
            lon=body.lon if body.lon is not None else where.lon, lat=body.lat if body.lat is not None else where.lat,
            item_code=body.item_code, item_name=body.item_name, domain=body.domain, sent=sent,
            expires=sent + timedelta(seconds=body.expires_in_s), description=body.description,
            instruction=body.instruction, area_name=where.name, source="drill")

    @router.post("/sim/speed", summary="Change the simulated clock's speed (admin)", response_model=models.Clock)
    def speed(body: models.SpeedIn, request: Request) -> dict[str, Any]:
        _sim(request).set_speed(body.speed)
        request.app.state.speed = body.speed
        return {"speed": body.speed, "sim_time": _sim_text(request), "server_time": now_text()}

    return router


def _read_and_verify(data: bytes, trust: TrustList | None) -> tuple[CapAlert, SignatureCheck]:
    """The message and its signature's verdict; a signed one is read from exactly what was signed."""
    alert = parse_cap(data)  # first: its refusals (not XML, not CAP, a DTD) say what is wrong best
    signature = check_signature(data, trust)
    return (parse_cap(signature.signed_data) if signature.signed else alert), signature


# ---------------------------------------------------------------- command line

def openapi_text(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2) + "\n"
