"""An internet radio station for tests: an endless MP3 stream with ICY metadata, served on
127.0.0.1 from a thread of the test process.

The audio is a few seconds of a sine made by the real ffmpeg (no Xing header, so a player
sees a stream of unknown length, not a short file), sent again and again. A client that asks
with `Icy-MetaData: 1` gets `icy-metaint` and a metadata block (`StreamTitle='…';`) after
every METAINT audio bytes, as Icecast and Shoutcast send them; a browser's `<audio>` (which
does not ask) gets plain MP3. `title` may be changed while it runs; `metadata_requests`
counts the clients that asked for metadata.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

METAINT = 8192
CHUNK_BYTES = 4096
# About 2.5 times real time at 128 kb/s: a player fills its buffer, the server does not spin.
CHUNK_PAUSE_SECONDS = 0.1


def make_stream_audio(directory: Path, seconds: float = 4.0) -> bytes:
    """MP3 frames of a `seconds`-long sine (128 kb/s, no tags, no Xing header)."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is missing: make system-deps"
    path = directory / "station.mp3"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=523:duration={seconds}",
         "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
         "-id3v2_version", "0", "-map_metadata", "-1", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def metadata_block(title: str, encoding: str = "utf-8") -> bytes:
    """One ICY metadata block: its length byte (in 16s) and the padded text."""
    text = f"StreamTitle='{title}';StreamUrl='';".encode(encoding)
    padded = text + b"\x00" * (-len(text) % 16)
    return bytes([len(padded) // 16]) + padded


class IcyStation:
    """The station's HTTP server; `url` is its stream."""

    def __init__(self, audio: bytes, title: str = "", encoding: str = "utf-8") -> None:
        self.audio = audio
        self.title = title
        self.encoding = encoding
        self.metadata_requests = 0
        self.requests = 0
        self._lock = threading.Lock()
        station = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                station.count(self.headers.get("Icy-MetaData") == "1")
                if self.path.split("?")[0] != "/stream.mp3":
                    self.send_error(404)
                    return
                with_metadata = self.headers.get("Icy-MetaData") == "1"
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("icy-name", "Test Station")
                if with_metadata:
                    self.send_header("icy-metaint", str(METAINT))
                self.end_headers()
                station.stream(self.wfile, with_metadata)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The stream's URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/stream.mp3"

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`"""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, with_metadata: bool) -> None:
        with self._lock:
            self.requests += 1
            self.metadata_requests += int(with_metadata)

    def stream(self, out: object, with_metadata: bool) -> None:
        """Send the audio forever (until the client hangs up), metadata every METAINT."""
        position = 0  # in the audio
        since_metadata = 0
        try:
            while True:
                size = CHUNK_BYTES
                if with_metadata:
                    size = min(size, METAINT - since_metadata)
                end = position + size
                chunk = self.audio[position:end]
                if len(chunk) < size:  # wrap around
                    chunk += self.audio[: size - len(chunk)]
                position = (position + size) % len(self.audio)
                out.write(chunk)  # type: ignore[attr-defined]
                since_metadata += size
                if with_metadata and since_metadata == METAINT:
                    out.write(metadata_block(self.title, self.encoding))  # type: ignore[attr-defined]
                    since_metadata = 0
                time.sleep(CHUNK_PAUSE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            return

    def start(self) -> IcyStation:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
