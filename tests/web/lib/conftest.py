"""A static server for src/tonearm/web and one headless Chromium for the lib module tests.

Each test gets a fresh browser context (its own IndexedDB and Cache Storage) with a page at the
server's origin, so `await import('/js/lib/x.js')` works and storage is in a secure context
(http://127.0.0.1 counts as one).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.ingest.audio_factory import lavfi
from tonearm.adapters.ffmpeg import find_ffmpeg, render_renditions
from tonearm.ingest.models import RenditionKind

WEB_ROOT = Path(__file__).resolve().parents[3] / "src" / "tonearm" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
BLANK_PATH = "/__lib_test__"
MEDIA_PREFIX = "/__media__/"
SOURCE_SECONDS = 40
SOURCE_RATE = 44100


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Files under WEB_ROOT (and test media under MEDIA_PREFIX), ES modules as JavaScript,
    nothing cached, no request log."""

    media_root: Path

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    def do_GET(self) -> None:
        if self.path == BLANK_PATH:
            body = b"<!doctype html><meta charset=utf-8><title>lib tests</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        if path.startswith(MEDIA_PREFIX):
            name = Path(path[len(MEDIA_PREFIX) :].split("?")[0]).name
            return str(self.media_root / name)
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files here are served at MEDIA_PREFIX + name."""
    return tmp_path_factory.mktemp("lib-media")


@pytest.fixture(scope="session")
def web_server(media_dir: Path) -> Iterator[str]:
    """Base URL of a static HTTP server for WEB_ROOT on 127.0.0.1 (a free port)."""
    handler_class = type("_Handler", (_StaticHandler,), {"media_root": media_dir})
    handler = functools.partial(handler_class, directory=str(WEB_ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="lib-web-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session, on the process's one Playwright
    (tests/web/conftest.py)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@contextlib.contextmanager
def _blank_page(browser: Browser, web_server: str) -> Iterator[tuple[Page, list[str]]]:
    """A page at BLANK_PATH in a new context, and the uncaught errors it reports."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(web_server + BLANK_PATH)
    try:
        yield page, errors
    finally:
        context.close()


@pytest.fixture(scope="session")
def _storage_page(browser: Browser, web_server: str) -> Iterator[tuple[Page, list[str]]]:
    with _blank_page(browser, web_server) as opened:
        yield opened


CLEAR_STORAGE = """async () => {
  for (const {name} of await indexedDB.databases()) {
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = resolve;
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`deleting ${name} is blocked`));
    });
  }
  for (const name of await caches.keys()) await caches.delete(name);
}"""


@pytest.fixture
def page(_storage_page: tuple[Page, list[str]]) -> Iterator[Page]:
    """A page at the test server's origin with empty IndexedDB and Cache Storage; fails the
    test on uncaught page errors. (One page for the session, reloaded and emptied for each
    test: a new browser context per test costs ~0.4 s here.)"""
    page, errors = _storage_page
    errors.clear()
    page.reload()  # closes the previous test's IndexedDB connections, so deletes never block
    page.evaluate(CLEAR_STORAGE)
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


JsRunner = Callable[..., Any]


def _runner(page: Page) -> JsRunner:
    def run(module: str, body: str, arg: Any = None) -> Any:
        script = f"async (arg) => {{ const m = await import('/js/lib/{module}'); {body} }}"
        return page.evaluate(script, arg)

    return run


@pytest.fixture
def js(page: Page) -> JsRunner:
    """`js(module, body, arg=None)`: import /js/lib/{module} as `m`, run `body` (the body of
    an async function of `arg`) in a fresh page, and return its result (JSON-like values)."""
    return _runner(page)


@pytest.fixture(scope="session")
def pure_js(browser: Browser, web_server: str) -> Iterator[JsRunner]:
    """Like `js`, but in one page shared by the session: for modules that keep no state."""
    with _blank_page(browser, web_server) as (page, errors):
        yield _runner(page)
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="session")
def renditions(media_dir: Path) -> dict[str, Path]:
    """tonearm's own high, medium, low and efficient renditions (render_renditions) of a
    SOURCE_SECONDS stereo source of exactly SOURCE_SECONDS × SOURCE_RATE samples (pink noise
    and a tone, so Opus VBR spends a realistic bitrate). Served at MEDIA_PREFIX + file name."""
    tool = find_ffmpeg()
    source = media_dir / "source.flac"
    lavfi(
        [f"anoisesrc=c=pink:r={SOURCE_RATE}:a=0.25:seed=7:d={SOURCE_SECONDS + 1}",
         f"sine=f=440:r={SOURCE_RATE}:d={SOURCE_SECONDS + 1}"],
        "-filter_complex", "[0][1]amerge=inputs=2,"
        f"atrim=end_sample={SOURCE_SECONDS * SOURCE_RATE}[out]",
        "-map", "[out]", str(source),
        ffmpeg=tool.ffmpeg,
    )  # fmt: skip
    kinds = [RenditionKind.HIGH, RenditionKind.MEDIUM, RenditionKind.LOW, RenditionKind.EFFICIENT]
    encode = render_renditions(
        tool,
        source,
        media_dir,
        kinds,
        preview_start_ms=0,
        duration_ms=SOURCE_SECONDS * 1000,
        limit_seconds=120,
        memory_limit_bytes=None,
    )
    # In a thread of its own: Playwright's sync API runs an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        files = pool.submit(asyncio.run, encode).result()
    return {kind.value: file.path for kind, file in files.items()}
