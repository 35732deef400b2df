"""A small fault-injecting HTTP proxy between the cockpit and a real central API (real sockets).

The faults are set on the running proxy and apply to the next requests:

- `mutate`: a function (path, payload) -> payload or bytes, applied to JSON answers whose path starts
  with `mutate_prefix`; the answer gets a fresh ETag, and conditional requests pass through
  unconditionally, so a 304 never hides the fault.
- `date_offsets`: seconds added to the `Date` header, in turn (two values: two back ends whose
  clocks disagree, answering one after the other).
- `close_without_answer`: read the request, then hang up.
- `stop()` / `start()`: the address refuses connections, then listens again on the same port.

When the server behind it is down, it answers 502 Bad Gateway with an HTML page, as a gateway does.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import itertools
import json
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Mutation = Callable[[str, Any], Any]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.mutate: Mutation | None = None
        self.mutate_prefix = "/"
        self.close_without_answer = False
        self._offsets: itertools.cycle | None = None
        self._lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.seen: list[str] = []  # the paths asked, in order
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_date_offsets(self, *seconds: float) -> None:
        with self._lock:
            self._offsets = itertools.cycle(seconds) if seconds else None

    def clear(self) -> None:
        """Every fault off: the proxy passes answers through untouched."""
        self.mutate, self.mutate_prefix, self.close_without_answer = None, "/", False
        self.set_date_offsets()

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                proxy._forward(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                proxy._forward(self, "POST")

            def setup(self) -> None:
                super().setup()
                proxy._connections.add(self.connection)

            def finish(self) -> None:
                proxy._connections.discard(self.connection)
                super().finish()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused) until start() again, on the same port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for connection in list(self._connections):  # kept-alive ones too: the server is gone
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _forward(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        self.seen.append(request.path)
        if self.close_without_answer:
            request.close_connection = True
            with contextlib.suppress(OSError):
                request.connection.shutdown(2)
            return
        mutate = self.mutate if request.path.startswith(self.mutate_prefix) else None
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("host", "connection", "content-length")
                   and not (mutate and name.lower() == "if-none-match")}
        upstream = http.client.HTTPConnection(*self.upstream, timeout=70)
        try:
            upstream.request(method, request.path, body=body, headers=headers)
            answer = upstream.getresponse()
            status, content = answer.status, answer.read()
            answer_headers = {name: value for name, value in answer.getheaders()
                              if name.lower() not in _HOP_BY_HOP}
            date = answer.getheader("Date")
        except OSError:  # the server behind is down: what a gateway answers then
            status, content, date = 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", None
            answer_headers = {"Content-Type": "text/html"}
        finally:
            upstream.close()
        if mutate is not None and status == 200:
            changed = mutate(request.path, json.loads(content))
            content = changed if isinstance(changed, bytes) else json.dumps(changed, ensure_ascii=False,
                                                                             allow_nan=True).encode()
            answer_headers["ETag"] = '"' + hashlib.sha256(content).hexdigest()[:16] + '"'
        request.send_response_only(status)  # not send_response: it adds a Date of its own
        request.send_header("Date", self._date(date))
        for name, value in answer_headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(content)))
        request.end_headers()
        with contextlib.suppress(OSError):
            request.wfile.write(content)

    def _date(self, date: str | None) -> str:
        when = parsedate_to_datetime(date) if date else datetime.now(UTC)
        with self._lock:
            offset = next(self._offsets) if self._offsets is not None else 0.0
        return format_datetime((when + timedelta(seconds=offset)).astimezone(UTC), usegmt=True)
