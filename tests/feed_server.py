"""A local HTTP server for podcast tests: recorded feeds, audio files, redirects, and the
hostile cases (a never-ending body, a slow server) the fetcher must survive.

Runs in a thread on 127.0.0.1; `FeedServer.route(path, ...)` sets what a path answers.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDS = Path(__file__).resolve().parent / "podcasts" / "feeds"


@dataclass
class Route:
    """What one path answers: a body, or a redirect, or a generator of chunks."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml"
    location: str | None = None
    chunks: Callable[[], Iterator[bytes]] | None = None
    declared_length: int | None = None
    delay_seconds: float = 0.0


@dataclass
class FeedServer:
    """Routes by path; `hits` counts requests per path."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)  # the last Host header per path
    port: int = 0
    scheme: str = "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, **answer: object) -> str:
        self.routes[path] = Route(**answer)  # type: ignore[arg-type]
        return self.url(path)

    def feed(self, path: str, name: str, **replace: str) -> str:
        """Serve the recorded feed `name` (tests/podcasts/feeds/), with `{key}` filled in."""
        text = (FEEDS / name).read_text(encoding="utf-8")
        for key, value in {"base": self.base, **replace}.items():
            text = text.replace("{" + key + "}", value)
        return self.route(path, body=text.encode())


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.hits[path] = server.hits.get(path, 0) + 1
            server.hosts[path] = self.headers.get("Host", "")
            route = server.routes.get(path)
            if route is None:
                self.send_error(404)
                return
            if route.delay_seconds:
                time.sleep(route.delay_seconds)
            self.send_response(route.status)
            if route.location is not None:
                self.send_header("Location", route.location)
            self.send_header("Content-Type", route.content_type)
            if route.chunks is not None:
                if route.declared_length is not None:
                    self.send_header("Content-Length", str(route.declared_length))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in route.chunks():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


def start_feed_server(
    tls: ssl.SSLContext | None = None,
) -> tuple[FeedServer, Callable[[], None]]:
    """A running server (https with `tls`) and the function that stops it."""
    server = FeedServer(scheme="https" if tls else "http")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()

    return server, stop
