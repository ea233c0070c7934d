"""A checking proxy for third-party clients: it passes each request on to a live server and
validates every Subsonic document answer (XSD, and the OpenAPI schema for JSON) on the way
back, so the answers a client library elicits are checked like the tests' own client's.

Faults are collected, not raised in the server thread: a test asserts `proxy.faults == []`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.api.subsonic.client import check_against_schema

# Hop-by-hop and recomputed headers that are not passed through.
_DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class CheckingProxy:
    """Where clients connect (`url`), and what failed validation so far."""

    url: str
    checked: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


@contextmanager
def checking_proxy(upstream: str) -> Iterator[CheckingProxy]:
    """Run a proxy to `upstream` on 127.0.0.1 (a free port) for the duration."""
    http = httpx.Client(base_url=upstream, timeout=60)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _DROPPED}
            response = http.request(self.command, self.path, content=body, headers=headers)
            if self.path.startswith("/rest/"):
                method = self.path.split("?", 1)[0]
                try:
                    check_against_schema(response)
                except AssertionError as error:
                    with lock:
                        proxy.faults.append(f"{self.command} {self.path}\n{error}")
                with lock:
                    proxy.checked.append(method.rsplit("/", 1)[-1].removesuffix(".view"))
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _DROPPED and name.lower() != "content-encoding":
                    self.send_header(name, value)
            content = response.content
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy = CheckingProxy(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        http.close()
