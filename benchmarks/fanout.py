"""Fan-out of the central API: N cockpits long-polling the warnings feed, and a round of N conditional GETs.

One reference central API (`python -m central`, a process of its own, on a fresh database with its
clock nearly stopped so that only the warnings published here arrive) is followed by N clients in
one client process: asyncio over raw HTTP/1.1 keep-alive sockets, each holding
`GET /api/v1/warnings?after=<cursor>&wait=60` open and asking again as soon as it is answered. Each
publish (`POST /api/v1/sim/warnings`, timed from just before the request is sent) is timed to every
client: p50 / p95 / p99 / max over all deliveries. Then N conditional GETs of `/api/v1/situation`
with `If-None-Match`, sent at once on N more connections (as N cockpits' pollers would), while the
long polls stay open: the round's time and how many were 304.

The same client then measures the floor, in the same run: a minimal asyncio HTTP server (a process of
its own) that wakes its waiters from one event with a precomputed body, and answers conditional GETs
from a precomputed ETag. That is what loopback and this client can do; the ratios say how far the
central API is from it.

    python -m benchmarks.fanout [--clients 300] [--publishes 10] [--rounds 5] [--new-connections]
                                [--json FILE]

`python -m benchmarks --only fanout` runs it as a subject of the benchmark runner.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

from benchmarks.timing import Record  # noqa: E402

ADMIN = "fanout-admin"
QUIET = 0.001  # simulated seconds per real second: the simulator publishes nothing of its own meanwhile
WAIT_S = 60
READY = re.compile(r"(?:cockpit-central|fanout floor) listening on (http://\S+)")
TARGET_PUBLISH_P99_MS = 1000.0
TARGET_ROUND_MS = 500.0
CONNECT_BATCH = 50  # connections opened at once (a listen backlog is finite)


def available() -> str | None:
    """Why this subject cannot run here (the runner skips it), or None."""
    for module in ("fastapi", "uvicorn"):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{module} is not installed (install the 'central' extra)"
    return None


# ---------------------------------------------------------------- the client: raw HTTP/1.1, keep-alive

class Http:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Http:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=2**24)
        return cls(reader, writer, parts.netloc)

    async def request(self, method: str, target: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        found = {}
        for line in header_lines:
            if line:
                key, _, value = line.partition(":")
                found[key.strip().lower()] = value.strip()
        if status == 304 or status < 200 or method == "HEAD":
            return status, found, b""
        if found.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            return status, found, b"".join(chunks)
        return status, found, await self.reader.readexactly(int(found.get("content-length", "0")))

    def close(self) -> None:
        self.writer.close()


async def open_many(url: str, count: int) -> list[Http]:
    connections: list[Http] = []
    for start in range(0, count, CONNECT_BATCH):
        batch = min(CONNECT_BATCH, count - start)
        connections += await asyncio.gather(*(Http.open(url) for _ in range(batch)))
    return connections


@dataclass
class Deliveries:
    """When each client got each headline (perf_counter seconds); `complete` is set when all have one."""

    clients: int
    got: dict[str, dict[int, float]] = field(default_factory=dict)
    watched: str | None = None
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[str] = field(default_factory=list)

    def arrived(self, client: int, headline: str, moment: float) -> None:
        clients = self.got.setdefault(headline, {})
        clients.setdefault(client, moment)
        if headline == self.watched and len(clients) >= self.clients:
            self.complete.set()


async def follow(client: int, url: str, held: list[Http], cursor: str, deliveries: Deliveries,
                 fresh: bool = False) -> None:
    """One cockpit's long poll on `held[client]`: ask, take what came, ask again from the new cursor
    (`fresh`: on a new connection each time, as a client without keep-alive does)."""
    while True:
        http = held[client]
        try:
            status, _, body = await http.request("GET", f"/api/v1/warnings?after={cursor}&wait={WAIT_S}")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:  # as a cockpit would: connect again
            deliveries.errors.append(f"client {client}: {exc!r}")
            http.close()
            held[client] = await Http.open(url)
            continue
        moment = time.perf_counter()
        if status != 200:
            deliveries.errors.append(f"client {client}: {status} {body[:200]!r}")
            await asyncio.sleep(1)
            continue
        page = json.loads(body)
        for warning in page["warnings"]:
            deliveries.arrived(client, warning["headline"], moment)
        cursor = page["cursor"]
        if fresh:
            http.close()
            held[client] = await Http.open(url)


async def tail_cursor(http: Http) -> str:
    """The cursor at the end of the feed (the server may hold a backfill's warnings)."""
    cursor = None
    while True:
        target = "/api/v1/warnings?limit=1000" + (f"&after={cursor}" if cursor else "")
        status, _, body = await http.request("GET", target)
        if status != 200:
            raise RuntimeError(f"the feed answered {status}: {body[:300]!r}")
        page = json.loads(body)
        cursor = page["cursor"]
        if not page["warnings"]:
            return cursor


@dataclass
class Figures:
    subject: str
    deliveries_ms: list[float]
    per_publish_all_ms: list[float]  # publish -> the last client has it
    rounds_ms: list[float]
    not_modified: list[int]  # 304s per round
    errors: list[str]


async def measure(url: str, subject: str, clients: int, publishes: int, warmup: int, rounds: int,
                  settle_s: float = 1.0, fresh: bool = False) -> Figures:
    admin = await Http.open(url)
    cursor = await tail_cursor(admin)
    pollers = await open_many(url, clients)
    deliveries = Deliveries(clients)
    tasks = [asyncio.create_task(follow(i, url, pollers, cursor, deliveries, fresh)) for i in range(clients)]
    await asyncio.sleep(settle_s + clients / 500)  # every long poll is open and waiting
    latencies: list[float] = []
    all_have: list[float] = []
    try:
        for n in range(warmup + publishes):
            headline = f"扇出基准 {subject} #{n}"
            deliveries.watched, deliveries.complete = headline, asyncio.Event()
            body = json.dumps({"severity": "red", "headline": headline, "adcode": "320612"}).encode()
            admin.close()  # a new connection: the server may have closed an idle one (keep-alive timeout)
            admin = await Http.open(url)
            started = time.perf_counter()
            status, _, answer = await admin.request("POST", "/api/v1/sim/warnings", body=body, headers={
                "Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
            if status != 201:
                raise RuntimeError(f"publishing answered {status}: {answer[:300]!r}")
            try:
                await asyncio.wait_for(deliveries.complete.wait(), 120)
            except TimeoutError:
                have = len(deliveries.got.get(headline, {}))
                raise RuntimeError(f"{subject}: only {have} of {clients} clients had publish {n} "
                                   f"after 120 s") from None
            if n >= warmup:
                moments = deliveries.got[headline].values()
                latencies += [(moment - started) * 1000 for moment in moments]
                all_have.append((max(moments) - started) * 1000)
            await asyncio.sleep(settle_s)  # every client is back in its long poll
        rounds_ms, not_modified = await conditional_rounds(url, clients, rounds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for http in [*pollers, admin]:
            http.close()
    return Figures(subject, latencies, all_have, rounds_ms, not_modified, deliveries.errors)


async def conditional_rounds(url: str, clients: int, rounds: int) -> tuple[list[float], list[int]]:
    """Rounds of `clients` conditional GETs of the situation at once, each on its own connection."""
    first = await Http.open(url)
    status, headers, body = await first.request("GET", "/api/v1/situation")
    first.close()
    if status != 200 or "etag" not in headers:
        raise RuntimeError(f"the situation answered {status} without an ETag")
    conditional = {"If-None-Match": headers["etag"]}
    connections = await open_many(url, clients)
    times, counts = [], []
    try:
        for n in range(rounds + 1):  # the first round is a warm-up
            started = time.perf_counter()
            answers = await asyncio.gather(*(http.request("GET", "/api/v1/situation", conditional)
                                             for http in connections))
            took = (time.perf_counter() - started) * 1000
            if n:
                times.append(took)
                counts.append(sum(1 for status, _, _ in answers if status == 304))
            await asyncio.sleep(0.3)
    finally:
        for http in connections:
            http.close()
    return times, counts


# ---------------------------------------------------------------- the floor: a minimal asyncio server

class Floor:
    """Long polls woken from one event with a body built once per publish; 304s from a known ETag."""

    def __init__(self, template: dict, situation: bytes) -> None:
        self.template = template
        self.messages: list[bytes] = []
        self.pages: dict[tuple[int, int], bytes] = {}
        self.news = asyncio.Event()
        self.situation = situation
        self.etag = '"' + hashlib.sha256(situation).hexdigest()[:32] + '"'

    def publish(self, fields: dict) -> bytes:
        message = dict(self.template, id=f"W{len(self.messages) + 1:06d}", headline=fields["headline"])
        encoded = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        self.messages.append(encoded)
        self.pages.clear()
        self.page(len(self.messages) - 1, 200)  # precomputed: what every waiter is about to be sent
        news, self.news = self.news, asyncio.Event()
        news.set()
        return encoded

    def page(self, after: int, limit: int) -> bytes:
        key = (after, limit)
        if key not in self.pages:
            found = self.messages[after:after + limit]
            self.pages[key] = (b'{"warnings":[' + b",".join(found) + b'],"cursor":"'
                               + str(after + len(found)).encode() + b'","server_time":"'
                               + self.template["sent"].encode() + b'","sim_time":"'
                               + self.template["sent"].encode() + b'","speed":0.001}')
        return self.pages[key]

    async def answer(self, method: str, target: str, headers: dict[str, str],
                     body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(target)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        if method == "GET" and parts.path == "/api/v1/warnings":
            after, limit = int(query.get("after", "0")), int(query.get("limit", "200"))
            if after >= len(self.messages) and float(query.get("wait", "0")) > 0:
                news = self.news
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(float(query["wait"]), WAIT_S)):
                        await news.wait()
            return 200, self.page(after, limit)
        if method == "GET" and parts.path == "/api/v1/situation":
            return (304, b"") if headers.get("if-none-match") == self.etag else (200, self.situation)
        if method == "POST" and parts.path == "/api/v1/sim/warnings":
            return 201, self.publish(json.loads(body))
        return 404, b'{"error":"not_found","message":"no such path"}'

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                status, payload = await self.answer(method, target, headers, body)
                situation = target.endswith("situation")
                extra = f"ETag: {self.etag}\r\nCache-Control: no-cache\r\n" if situation else ""
                if status == 304:
                    writer.write(f"HTTP/1.1 304 Not Modified\r\n{extra}\r\n".encode())
                else:
                    writer.write(f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n{extra}"
                                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve_floor(template_file: Path, situation_file: Path) -> None:
    floor = Floor(json.loads(template_file.read_text(encoding="utf-8")), situation_file.read_bytes())
    server = await asyncio.start_server(floor.serve, "127.0.0.1", 0, backlog=2048)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"fanout floor listening on http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------- processes

class Child:
    """A server process of its own, up to its ready line; its output goes to a log file."""

    def __init__(self, command: list[str], log: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.log = log
        output = open(log, "w")  # noqa: SIM115 (the child writes to it until it ends)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=output, text=True, cwd=ROOT,
                                        env=env)
        output.close()  # the child holds its own copy
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                match = READY.search(line)
                if match and not ready.is_set():
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(180) or not found:
            self.stop()
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            raise RuntimeError(f"{command[2]} did not start:\n{tail}")
        self.url = found[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def fetch(url: str, target: str) -> bytes:
    http = await Http.open(url)
    try:
        status, _, body = await http.request("GET", target)
    finally:
        http.close()
    if status != 200:
        raise RuntimeError(f"{target} answered {status}")
    return body


async def run(clients: int, publishes: int, warmup: int, rounds: int, folder: Path,
              server_args: tuple[str, ...] = (), fresh: bool = False) -> list[Figures]:
    loop = asyncio.get_running_loop()
    central = await loop.run_in_executor(None, lambda: Child(
        [sys.executable, "-m", "central", "--host", "127.0.0.1", "--port", "0",
         "--db", str(folder / "c.sqlite"), "--speed", str(QUIET), "--seed", "2026", "--admin-token", ADMIN,
         *server_args], folder / "central.log"))
    try:
        situation = await fetch(central.url, "/api/v1/situation")
        feed = json.loads(await fetch(central.url, "/api/v1/warnings?limit=1"))
        figures = [await measure(central.url, "central", clients, publishes, warmup, rounds, fresh=fresh)]
    finally:
        central.stop()
    template = feed["warnings"][0] if feed["warnings"] else {"sent": feed["sim_time"]}
    (folder / "template.json").write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    (folder / "situation.json").write_bytes(situation)
    floor = await loop.run_in_executor(None, lambda: Child(
        [sys.executable, "-m", "benchmarks.fanout", "--serve-floor", str(folder / "template.json"),
         str(folder / "situation.json")], folder / "floor.log"))
    try:
        figures.append(await measure(floor.url, "floor", clients, publishes, warmup, rounds, fresh=fresh))
    finally:
        floor.stop()
    return figures


# ---------------------------------------------------------------- reporting

def records(figures: list[Figures], clients: int) -> list[Record]:
    size = f"{clients} clients"
    by = {f.subject: f for f in figures}
    floor = by.get("floor")
    found = []
    for f in figures:
        publish = Record.of("fanout_publish", f.subject, size, f.deliveries_ms)
        rounds = Record.of("fanout_304_round", f.subject, size, f.rounds_ms)
        publish_note = f"publishes: {len(f.per_publish_all_ms)}, clients: {clients}"
        round_note = f"304s {min(f.not_modified)}-{max(f.not_modified)} of {clients}"
        if floor is not None and f is not floor:
            floor_publish = Record.of("fanout_publish", "floor", size, floor.deliveries_ms)
            floor_rounds = Record.of("fanout_304_round", "floor", size, floor.rounds_ms)
            publish_note += f"; p99 x{publish.p99_ms / floor_publish.p99_ms:.1f} the floor's"
            round_note += f"; x{rounds.median_ms / floor_rounds.median_ms:.1f} the floor's"
        if f.errors:
            publish_note += f"; {len(f.errors)} errors"
        found += [Record(**{**asdict(publish), "note": publish_note}),
                  Record(**{**asdict(rounds), "note": round_note})]
    return found


def report(figures: list[Figures], clients: int, publishes: int, rounds: int, fresh: bool = False) -> str:
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    lines = [f"fanout: {clients} long-polling clients, {publishes} publishes, {rounds} rounds of {clients} "
             "conditional GETs of /api/v1/situation (one client process, raw HTTP/1.1, "
             + ("a new connection for every long poll)" if fresh else "keep-alive)"),
             f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min) at the end",
             "",
             f"{'publish -> a client has it, ms':34}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
             "   all have it (median)"]
    by = {f.subject: f for f in figures}
    summary = {}
    for f in figures:
        r = Record.of("fanout_publish", f.subject, "", f.deliveries_ms)
        summary[f.subject] = r
        lines.append(f"  {f.subject:32}{r.median_ms:9.1f}{r.p95_ms:9.1f}{r.p99_ms:9.1f}{r.max_ms:9.1f}   "
                     f"{statistics.median(f.per_publish_all_ms):.1f}")
    if "floor" in summary and "central" in summary:
        c, fl = summary["central"], summary["floor"]
        lines.append(f"  {'central / floor':32}{c.median_ms / fl.median_ms:8.1f}x{c.p95_ms / fl.p95_ms:8.1f}x"
                     f"{c.p99_ms / fl.p99_ms:8.1f}x{c.max_ms / fl.max_ms:8.1f}x")
    lines += ["", f"{'round of conditional GETs, ms':34}{'median':>9}{'min':>9}{'max':>9}{'304s':>9}"]
    medians = {}
    for f in figures:
        medians[f.subject] = statistics.median(f.rounds_ms)
        lines.append(f"  {f.subject:32}{medians[f.subject]:9.1f}{min(f.rounds_ms):9.1f}"
                     f"{max(f.rounds_ms):9.1f}"
                     f"{min(f.not_modified):>6}/{clients}")
    if "floor" in medians and "central" in medians:
        lines.append(f"  {'central / floor':32}{medians['central'] / medians['floor']:8.1f}x")
    if "central" in by:
        p99, round_ms = summary["central"].p99_ms, medians["central"]
        lines += ["", f"targets: publish -> all p99 {p99:.0f} ms (≤ {TARGET_PUBLISH_P99_MS:g}: "
                      f"{'met' if p99 <= TARGET_PUBLISH_P99_MS else 'MISSED'}); round {round_ms:.0f} ms "
                      f"(≤ {TARGET_ROUND_MS:g}: {'met' if round_ms <= TARGET_ROUND_MS else 'MISSED'})"]
    for f in figures:
        for error in f.errors[:5]:
            lines.append(f"error ({f.subject}): {error}")
    return "\n".join(lines)


def machine() -> dict:
    info = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "platform": platform.platform(),
            "python": platform.python_version(), "cores": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}
    for name in ("fastapi", "starlette", "uvicorn", "pydantic", "uvloop", "httptools", "h11"):
        try:
            info[name] = getattr(importlib.import_module(name), "__version__", "installed")
        except ImportError:
            info[name] = None
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=300, help="long-polling clients (and GETs per round)")
    parser.add_argument("--publishes", type=int, default=10, help="timed publishes")
    parser.add_argument("--warmup", type=int, default=1, help="untimed publishes first")
    parser.add_argument("--rounds", type=int, default=5,
                        help="timed rounds of conditional GETs (after one untimed)")
    parser.add_argument("--json", type=Path, help="also write the machine, the figures and the records here")
    parser.add_argument("--new-connections", action="store_true",
                        help="every long poll on a new connection (clients without keep-alive)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="pass ARG to the central API (repeatable), e.g. --server-arg=--loop=asyncio")
    parser.add_argument("--records", action="store_true",
                        help="print the records as JSON on stdout (the runner's form); the report goes to "
                             "stderr")
    parser.add_argument("--serve-floor", nargs=2, type=Path, metavar=("TEMPLATE", "SITUATION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_floor:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_floor(*args.serve_floor))
        return 0
    if args.clients < 1 or args.publishes < 1 or args.rounds < 1:
        parser.error("--clients, --publishes and --rounds must be at least 1")
    reason = available()
    if reason:
        print(f"fanout: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(run(args.clients, args.publishes, args.warmup, args.rounds, Path(folder),
                                  tuple(args.server_arg), args.new_connections))
    found = records(figures, args.clients)
    text = report(figures, args.clients, args.publishes, args.rounds, args.new_connections)
    print(text, file=sys.stderr if args.records else sys.stdout, flush=True)
    if args.records:
        json.dump([asdict(r) for r in found], sys.stdout)
    if args.json:
        data = {"machine": machine(), "clients": args.clients, "publishes": args.publishes,
                "rounds": args.rounds,
                "server_args": args.server_arg, "new_connections": args.new_connections,
                "figures": [asdict(f) for f in figures], "records": [asdict(r) for r in found]}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
