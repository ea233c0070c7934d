"""A small throttling HTTP reverse proxy for the web player's tests and benchmark.

Playwright's offline switch and network throttling do not reach requests made by a service
worker, so the browser talks to tonearm through this proxy instead: it adds latency, limits
bandwidth (one shared link, like a phone's), counts the response bytes of every request by
path, records each request's Range header, and can fail the next N requests.

HTTP/1.1 only, one request per client connection (it answers `Connection: close`), which is
all a browser on loopback needs. Runs its own asyncio loop in a thread; 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHUNK_BYTES = 16 * 1024


@dataclass
class ProxiedRequest:
    """What the proxy saw of one request and its response."""

    method: str
    path: str
    range: str | None
    status: int = 0
    body_bytes: int = 0
    finished: bool = False
    started_at: float = field(default_factory=time.monotonic)

    @property
    def pathname(self) -> str:
        """The path without the query string."""
        return urlsplit(self.path).path


class Link:
    """A shared link: bandwidth in kbit/s (None: unlimited) and one-way latency in seconds."""

    def __init__(self) -> None:
        self.kbps: float | None = None
        self.latency_seconds = 0.0
        self._next_free = 0.0
        self._lock = asyncio.Lock()

    async def send(self, size: int) -> None:
        """Waits as long as `size` bytes take on the link (shared by every connection)."""
        if not self.kbps:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_free)
            self._next_free = start + size * 8 / (self.kbps * 1000)
            delay = self._next_free - now
        if delay > 0:
            await asyncio.sleep(delay)


class ThrottlingProxy:
    """Forwards 127.0.0.1:`port` to `upstream_port`, throttled and counted."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.requests: list[ProxiedRequest] = []
        self._fail_next = 0
        self._fail_prefix = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.link = Link()

    # -- control (from the test's thread) ---------------------------------------------------

    def start(self) -> ThrottlingProxy:
        """Starts listening on a free port."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(10)
        return self

    def stop(self) -> None:
        """Stops listening and ends the loop."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        """The origin the browser uses."""
        return f"http://127.0.0.1:{self.port}"

    def shape(self, kbps: float | None, latency_ms: float = 0) -> None:
        """Sets the link: bandwidth (None: unlimited) and latency added to each request."""
        self.link.kbps = kbps
        self.link.latency_seconds = latency_ms / 1000

    def fail_next(self, count: int, path_prefix: str = "") -> None:
        """The next `count` requests whose path starts with `path_prefix` get a 503."""
        self._fail_next = count
        self._fail_prefix = path_prefix

    def clear(self) -> None:
        """Forgets the requests seen so far."""
        self.requests.clear()

    def seen(self, path_prefix: str) -> list[ProxiedRequest]:
        """Requests whose path starts with `path_prefix`, oldest first."""
        return [r for r in list(self.requests) if r.path.startswith(path_prefix)]

    def bytes_for(self, path_prefix: str) -> int:
        """Response body bytes sent for paths starting with `path_prefix`."""
        return sum(r.body_bytes for r in self.seen(path_prefix))

    # -- the proxy (in its loop) ------------------------------------------------------------

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._relay(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        by_name = {h.split(":", 1)[0].strip().lower(): h.split(":", 1)[1].strip() for h in headers}
        length = int(by_name.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
        record = ProxiedRequest(method, path, by_name.get("range"))
        self.requests.append(record)
        if self._fail_next > 0 and path.startswith(self._fail_prefix):
            self._fail_next -= 1
            record.status = 503
            record.finished = True
            writer.write(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
            return
        if self.link.latency_seconds:
            await asyncio.sleep(self.link.latency_seconds)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            # The server is down: the browser sees a failed connection, as when offline.
            record.finished = True
            return
        kept = [
            h
            for h in headers
            if h.split(":", 1)[0].strip().lower() not in ("connection", "keep-alive")
        ]
        request = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
        up_writer.write(request + body)
        await up_writer.drain()
        try:
            response_head = await up_reader.readuntil(b"\r\n\r\n")
            status_line, *response_headers = response_head.decode("latin-1").split("\r\n")
            record.status = int(status_line.split(" ")[1])
            kept_response = [
                h
                for h in response_headers
                if h and h.split(":", 1)[0].strip().lower() not in ("connection", "keep-alive")
            ]
            writer.write(
                "\r\n".join([status_line, *kept_response, "Connection: close", "", ""]).encode(
                    "latin-1"
                )
            )
            await writer.drain()
            while chunk := await up_reader.read(CHUNK_BYTES):
                await self.link.send(len(chunk))
                writer.write(chunk)
                await writer.drain()
                record.body_bytes += len(chunk)
        finally:
            record.finished = True
            up_writer.close()
