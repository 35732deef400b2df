"""Small real servers on 127.0.0.1 for the client's failure paths (real sockets, no mocks)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Reply = tuple[int, dict[str, str], bytes]


def json_reply(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, dict(headers or {}), json.dumps(payload, ensure_ascii=False).encode()


@dataclass
class LocalApi:
    """A real HTTP server: `routes` maps a path to a function of the request giving a reply.

    200 answers get a strong ETag (a hash of the body) and honour If-None-Match, as the contract says.
    """

    routes: dict[str, Callable[[BaseHTTPRequestHandler], Reply]]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    @contextlib.contextmanager
    def running(self, tls: tuple[Path, Path] | None = None) -> Iterator[LocalApi]:
        """Serve on a free port; with `tls` = (certificate, key) it speaks HTTPS."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                api.requests.append((self.path, dict(self.headers)))
                route = api.routes.get(self.path.split("?")[0])
                status, headers, body = route(self) if route else json_reply(
                    {"error": "not_found", "message": "没有这个接口"}, 404)
                if status == 200:
                    headers.setdefault("ETag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        status, body = 304, b""
                self.send_response(status)
                self.send_header("Date", formatdate(usegmt=True))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@contextlib.contextmanager
def raw_server(answer: bytes | None) -> Iterator[str]:
    """Accepts connections and sends `answer` (then closes), or with None never answers at all."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if answer is None:
                held.append(conn)  # keep it open and silent
                continue
            with conn:
                conn.settimeout(1.0)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in held:
            conn.close()


def dead_port_url() -> str:
    """An address where nothing listens (connection refused)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
