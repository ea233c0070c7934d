"""A static server for src/tonearm/web and one headless Chromium for the lib module tests.

Each test gets a fresh browser context (its own IndexedDB and Cache Storage) with a page at the
server's origin, so `await import('/js/lib/x.js')` works and storage is in a secure context
(http://127.0.0.1 counts as one).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Files under WEB_ROOT, ES modules as JavaScript, nothing cached, no request log."""

    extensions_map = {  # noqa: RUF012 (the base class declares it as a plain dict)
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

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def web_server() -> Iterator[str]:
    """Base URL of a static HTTP server for WEB_ROOT on 127.0.0.1 (a free port)."""
    handler = functools.partial(_StaticHandler, directory=str(WEB_ROOT))
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
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, web_server: str) -> Iterator[Page]:
    """A page at the test server's origin in a fresh context; fails the test on page errors."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(web_server + BLANK_PATH)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


JsRunner = Callable[..., Any]


@pytest.fixture
def js(page: Page) -> JsRunner:
    """`js(module, body, arg=None)`: import /js/lib/{module} as `m`, run `body` (the body of
    an async function of `arg`) in the page, and return its result (JSON-like values)."""

    def run(module: str, body: str, arg: Any = None) -> Any:
        script = f"async (arg) => {{ const m = await import('/js/lib/{module}'); {body} }}"
        return page.evaluate(script, arg)

    return run
