"""`cockpit-central` (and `python -m central`): start the reference central API from the command line.

One server per database (a lock file says who serves it), loopback unless told otherwise, and a
clean exit on SIGTERM or when the cockpit that started it dies.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import importlib
import ipaddress
import logging
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from types import FrameType

import uvicorn

from central import warning_feed
from central.db import Database, SchemaTooNewError
from central.server import MAX_SPEED, Settings, create_app, openapi_text
from kernel import levels
from kernel.cap import TrustListError
from kernel.clock import instant_argument

log = logging.getLogger("central")


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        warning_feed.BELL.close()  # long polls answer now instead of holding the shutdown up
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # exit with status 0 after the clean shutdown, not by the signal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cockpit-central", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    parser.add_argument("--db", type=Path, default=Path("central.sqlite"), help="SQLite file (created if missing)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the simulated city")
    parser.add_argument("--start-at", metavar="TIME", type=instant_argument,
                        help="where a new database's simulated clock starts, e.g. 2028-02-29T23:55 "
                             "(no offset: the city's time, UTC+8; default: now); an existing database "
                             "continues its own clock")
    parser.add_argument("--token", help="require Authorization: Bearer TOKEN on API calls")
    parser.add_argument("--admin-token", help="token for admin calls (CAP ingestion, simulation control)")
    parser.add_argument("--default-lifetime", default="", metavar="LEVEL=DURATION,...",
                        help="how long a CAP message without <expires> is in force, per level "
                             "(default red=6h,orange=12h,yellow=24h,blue=24h)")
    parser.add_argument("--trusted-signers", type=Path, metavar="PATH",
                        help="PEM certificates (a file or a folder): a signed CAP message must be signed by one")
    parser.add_argument("--require-signature", action="store_true",
                        help="refuse CAP messages that are not signed (with --trusted-signers: by a trusted signer)")
    parser.add_argument("--dump-openapi", type=Path, metavar="FILE", help="write the OpenAPI document and exit")
    parser.add_argument("--panels-module", action="append", default=[], metavar="MODULE",
                        help="import MODULE first: its @panel builders serve panels of the city's own "
                             "(repeatable; the module must be importable, e.g. on PYTHONPATH)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one dies (the cockpit's embedded default)")
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto",
                        help="event loop (auto: uvloop when installed, else asyncio)")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto",
                        help="HTTP/1.1 parser (auto: httptools when installed, else h11)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not 0 < args.speed <= MAX_SPEED:
        print(f"cockpit-central: --speed must be above 0 and at most {MAX_SPEED:g}, not {args.speed}", file=sys.stderr)
        return 2
    # httptools and uvloop (the central extra brings both) when installed, else h11 and asyncio's
    # own loop: the same server, slower when hundreds of long polls are answered at once.
    try:
        loop_factory, http = _loop_factory(args.loop), _http(args.http)
    except ImportError as exc:
        print(f"cockpit-central: --loop {args.loop} --http {args.http}: {exc} (install the 'central' extra)",
              file=sys.stderr)
        return 2
    for module in args.panels_module:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 (any failure of a city's own module is reported, not raised)
            print(f"cockpit-central: cannot import the panels module {module!r}: {exc}", file=sys.stderr)
            return 2
    try:
        levels.lifetimes(args.default_lifetime)
    except ValueError as exc:
        print(f"cockpit-central: --default-lifetime: {exc}", file=sys.stderr)
        return 2
    settings = Settings(db=args.db, seed=args.seed, speed=args.speed, token=args.token,
                        admin_token=args.admin_token, start_at=args.start_at, lifetimes=args.default_lifetime,
                        trusted_signers=args.trusted_signers, require_signature=args.require_signature)
    try:
        app = create_app(settings)
    except TrustListError as exc:
        print(f"cockpit-central: --trusted-signers: {exc}", file=sys.stderr)
        return 2
    if args.dump_openapi:
        args.dump_openapi.write_text(openapi_text(app), encoding="utf-8")
        return 0
    try:
        Database(args.db).close()  # a file that is not our database fails here, in words, not mid-start
    except (sqlite3.DatabaseError, SchemaTooNewError) as exc:
        hint = " (does its folder exist, and may this user write there?)" if "unable to open" in str(exc) else ""
        print(f"cockpit-central: cannot use {args.db} as the database: {exc}{hint}", file=sys.stderr)
        return 2
    lock = _lock_database(args.db)
    if isinstance(lock, str):  # another server simulates this city: two would publish every warning twice
        print(f"{ALREADY_SERVING} {lock}", flush=True)
        print(f"cockpit-central: {args.db} is already served at {lock}; not starting a second simulator on it",
              file=sys.stderr)
        return 3
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"cockpit-central: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    if not _loopback(host) and not args.token:
        log.warning("listening on %s beyond this machine without --token: anyone who can reach it can read", host)
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    lock.truncate(0)
    lock.write(url)
    lock.flush()
    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=5,
                            lifespan="on", http=http)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_serve(_Server(config), sock, url, exit_with_parent=args.exit_with_parent))


def _loop_factory(choice: str):
    """uvloop's event loop factory, or None (asyncio's own) for `asyncio`, or for `auto` without uvloop."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def _http(choice: str) -> str:
    """uvicorn's HTTP protocol: httptools for `httptools`, or for `auto` when it is installed; else h11."""
    if choice == "h11":
        return choice
    try:
        importlib.import_module("httptools")
    except ImportError:
        if choice == "httptools":
            raise
        return "h11"
    return "httptools"


async def _stop_when_orphaned(server: _Server, parent: int) -> None:
    """A cockpit killed hard (SIGKILL, a crash) must not leave its embedded server running."""
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    log.info("the process that started this server is gone; stopping")
    server.handle_exit(signal.SIGTERM, None)


ALREADY_SERVING = "cockpit-central already serving this database at"


def _lock_database(db: Path):
    """Hold `<db>.lock` for the server's life (the OS drops it when the process dies, however it
    dies). Returns the open lock file, or the address written by the server that holds it."""
    path = db.with_name(db.name + ".lock")
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open on purpose until exit)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "an address not yet known"
        handle.close()
        return holder
    return handle


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.partition("%")[0]).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # as uvicorn's own default: hundreds of cockpits may connect at once
    sock.set_inheritable(True)
    return sock


async def _serve(server: _Server, sock: socket.socket, url: str, *, exit_with_parent: bool = False) -> int:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    if exit_with_parent:
        asyncio.create_task(_stop_when_orphaned(server, os.getppid()))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if not server.started:
        await task
        print("cockpit-central: the server did not start (see the messages above)", file=sys.stderr)
        return 1
    print(f"cockpit-central listening on {url}", flush=True)
    await task
    return 0
