"""App start: how long the web player takes to show a usable library, on emulated 4G and 3G.

Headless Chromium (Debian's, through Playwright) opens the app through the throttling proxy
(tests/web/proxy.py: one shared link, 4G = 9 Mbps + 60 ms per request, 3G = 1.6 Mbps +
150 ms) in front of a real `tonearm serve` on a small generated library.

Each round uses a NEW browser context (empty HTTP cache, no service worker, no storage) at
390×844 with touch. The session is made before the timed part: the benchmark signs in once
through the API (POST /api/auth/session, straight to the server) and puts that session's
cookies into every fresh context, so the page starts signed in, exactly as a returning user's
browser does, but with nothing cached.

- cold: navigate to the app root (which opens Home). Timed from navigation start, by the page's
  own clock: first paint and first contentful paint, and "library" = the first Home shelf item
  (or song row) in the DOM, seen by a MutationObserver installed before any script runs.
  Counted by the proxy up to that moment: requests and response bytes, split into JS, CSS,
  API and other; plus the JS modules the page itself loaded (Resource Timing).
  Then, until the service worker is active: the requests and bytes the first visit still
  costs (the worker's install, which caches the shell, and the page's own later requests).
- warm: once the service worker is active (its install caches the shell), the same context
  navigates to the root again.

Networks and rounds are interleaved (4G, 3G, 4G, 3G, ...) so that drift on the shared machine
falls on both. Prints median and p95 per network and mode, and the JS+CSS the app ships
(uncompressed on disk, as sent by the server, and gzipped for comparison).

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_web_start.py [--rounds N] [--compare]
[--waterfall]
(--compare adds a browser that sends `Accept-Encoding: identity`: the files as they are on disk;
--waterfall first prints one cold 4G start's requests as the page saw them, in order, each with
its start and end: where the time goes.)
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright
from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port
from tests.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LIBRARY,
    PASSWORD,
    USERNAME,
    RunningTonearm,
    run_tonearm,
    stub_connection,
)
from tests.web.proxy import ProxiedRequest, ThrottlingProxy

from tonearm.api.webapp import WEB_ROOT

NETWORKS = {
    "4G": ({"type": "cellular", "effectiveType": "4g", "downlink": 9}, 9000, 60),
    "3G": ({"type": "cellular", "effectiveType": "3g", "downlink": 1.6}, 1600, 150),
}
LIBRARY_ITEM = "section.shelf li, li.song"
# Installed before any of the page's scripts: notes when the library first shows an item.
MARKER = (
    "window.__start = {library: 0, controlled: 0};"
    "navigator.serviceWorker?.addEventListener('controllerchange',"
    " () => { window.__start.controlled = performance.now(); });"
    "new MutationObserver((_, observer) => {"
    f"  if (document.querySelector({LIBRARY_ITEM!r})) {{"
    "    window.__start.library = performance.now(); observer.disconnect(); }"
    "}).observe(document, {childList: true, subtree: true});"
)
READ_TIMINGS = """() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
  const modules = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.endsWith('.js'));
  return {
    firstPaint: paint['first-paint'] ?? null,
    contentfulPaint: paint['first-contentful-paint'] ?? null,
    library: window.__start.library,
    controlled: window.__start.controlled || null,
    modules: modules.length,
    modulesFromNetwork: modules.filter((e) => e.transferSize > 0).length,
  };
}"""


WATERFALL = """() => performance.getEntriesByType('navigation')
  .concat(performance.getEntriesByType('resource'))
  .filter((e) => e.startTime < window.__start.library)
  .map((e) => ({path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime,
                end: e.responseEnd, bytes: e.transferSize}))"""


def kind(request: ProxiedRequest) -> str:
    path = request.pathname
    if path.startswith("/api/"):
        return "api"
    if path.endswith(".js"):
        return "js"
    if path.endswith(".css"):
        return "css"
    return "other"


def traffic(requests: list[ProxiedRequest]) -> dict[str, float]:
    """Requests and response bytes seen by the proxy, in total and by kind."""
    figures: dict[str, float] = {"requests": len(requests), "bytes": 0}
    for request in requests:
        figures["bytes"] += request.body_bytes
        figures[f"{kind(request)}_bytes"] = (
            figures.get(f"{kind(request)}_bytes", 0) + request.body_bytes
        )
        figures[f"{kind(request)}_requests"] = figures.get(f"{kind(request)}_requests", 0) + 1
    return figures


def build_library(root: Path) -> Path:
    """The web tests' six tagged songs, imported, and alice's account."""
    music = root / "music"
    for song in LIBRARY:
        make_audio_file(
            music,
            "flac",
            seconds=song.seconds,
            tags={"title": song.title, "artists": song.artist, "album": song.album,
                  "album_artist": song.artist, "track_number": song.track,
                  "genres": song.genre, "year": 2025},
            name=f"{song.artist}/{song.album}/{song.track:02d} {song.title}.flac",
            frequency_hz=song.frequency_hz,
        )  # fmt: skip
    data = root / "data"
    run_tonearm(data, "import", "--jobs", "1", str(music))
    run_tonearm(data, "user", "add", USERNAME, "--password", PASSWORD)
    return data


def session_cookies(server: RunningTonearm) -> list[dict[str, Any]]:
    """Signs in once through the API and returns the session's cookies for the browser."""
    response = httpx.post(
        f"{server.direct}/api/auth/session", json={"username": USERNAME, "password": PASSWORD}
    )
    response.raise_for_status()
    return [
        {"name": cookie.name, "value": cookie.value, "url": server.proxy.url}
        for cookie in response.cookies.jar
    ]


def load(page: Page, server: RunningTonearm) -> dict[str, float]:
    """Navigates to the root and waits for the library; returns the timings and traffic."""
    server.proxy.clear()
    page.goto(server.url, wait_until="commit")
    page.wait_for_function(
        "() => window.__start && window.__start.library > 0", timeout=60_000, polling=50
    )
    seen = list(server.proxy.requests)
    figures = page.evaluate(READ_TIMINGS)
    return {**figures, **traffic(seen)}


def one_round(
    browser: Browser,
    server: RunningTonearm,
    cookies: list[dict[str, Any]],
    network: str,
    compressed: bool,
) -> tuple[dict[str, float], dict[str, float]]:
    connection, kbps, latency = NETWORKS[network]
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        # The baseline: a browser that asks for no compression gets the files as they are.
        extra_http_headers=None if compressed else {"Accept-Encoding": "identity"},
    )
    try:
        stub_connection(context, **connection)
        context.add_init_script(MARKER)
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        server.proxy.shape(kbps, latency)
        cold = load(page, server)
        # Warm: the service worker has installed (and cached the shell) before the reload.
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        # What the first visit cost after the library showed, until the worker was active
        # (its install caches the shell; the page's own later requests count too).
        after = traffic(list(server.proxy.requests)[int(cold["requests"]) :])
        cold["later_requests"], cold["later_bytes"] = after["requests"], after["bytes"]
        warm = load(page, server)
        return cold, warm
    finally:
        server.proxy.shape(None)
        context.close()


def print_waterfall(
    browser: Browser, server: RunningTonearm, cookies: list[dict[str, Any]]
) -> None:
    """One cold 4G start: each request the page made before the library showed."""
    connection, kbps, latency = NETWORKS["4G"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        stub_connection(context, **connection)
        context.add_init_script(MARKER)
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        server.proxy.shape(kbps, latency)
        figures = load(page, server)
        entries = page.evaluate(WATERFALL)
    finally:
        server.proxy.shape(None)
        context.close()
    print(f"cold 4G, one start: library at {figures['library']:.0f} ms")
    for entry in sorted(entries, key=lambda e: e["start"]):
        path = entry["path"].split("/js/", 1)[-1] if "/js/" in entry["path"] else entry["path"]
        print(f"{entry['start']:7.0f} {entry['end']:7.0f} {entry['bytes'] / 1024:6.1f} KB  {path}")
    print()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def summary(runs: list[dict[str, float]], key: str, format: Callable[[float], str]) -> str:
    values = [run.get(key) or 0.0 for run in runs]
    return f"{format(statistics.median(values))} / {format(percentile(values, 0.95))}"


def print_table(title: str, results: dict[str, list[dict[str, float]]]) -> None:
    def ms(x: float) -> str:
        return f"{x:.0f} ms"

    def kb(x: float) -> str:
        return f"{x / 1024:.0f} KB"

    def count(x: float) -> str:
        return f"{x:.0f}"

    rows = [
        ("first paint", "firstPaint", ms),
        ("first contentful paint", "contentfulPaint", ms),
        ("library visible (1st item)", "library", ms),
        ("worker in control (0: not yet)", "controlled", ms),
        ("JS modules loaded by the page", "modules", count),
        ("  of them from the network", "modulesFromNetwork", count),
        ("requests through the proxy", "requests", count),
        ("bytes through the proxy", "bytes", kb),
        ("  JS", "js_bytes", kb),
        ("  CSS", "css_bytes", kb),
        ("  API", "api_bytes", kb),
        ("  other (HTML, icons, art)", "other_bytes", kb),
        ("then, until the worker is active", "later_requests", count),
        ("  bytes", "later_bytes", kb),
    ]
    columns = list(results)
    header = f"{title:32}" + "".join(f"{column:>22}" for column in columns)
    print(header)
    print("-" * len(header))
    for label, key, format in rows:
        print(f"{label:32}" + "".join(f"{summary(results[c], key, format):>22}" for c in columns))


def shipped_bytes(server: RunningTonearm) -> None:
    """JS and CSS on disk, as the server sends them, and what gzip would make of them."""
    version = httpx.get(f"{server.direct}/").text.split('data-version="')[1].split('"')[0]
    for label, suffix in (("JS", ".js"), ("CSS", ".css")):
        files = sorted(p for p in WEB_ROOT.rglob(f"*{suffix}") if p.name != "sw.js")
        raw = sum(p.stat().st_size for p in files)
        sent = 0
        encodings = set()
        for path in files:
            response = httpx.get(
                f"{server.direct}/v/{version}/{path.relative_to(WEB_ROOT).as_posix()}",
                headers={"Accept-Encoding": "gzip, br"},
            )
            sent += int(response.headers.get("content-length", len(response.content)))
            encodings.add(response.headers.get("content-encoding", "identity"))
        zipped = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
        print(
            f"{label}: {len(files)} files, {raw / 1024:.0f} KB on disk, {sent / 1024:.0f} KB as sent "
            f"({', '.join(sorted(encodings))}), {zipped / 1024:.0f} KB if gzipped (level 6)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds per network")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also measure a browser that asks for no compression (Accept-Encoding: identity)",
    )
    parser.add_argument(
        "--waterfall", action="store_true", help="first print one cold 4G start's requests"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tonearm-bench-start-"))
    try:
        data = build_library(root)
        port = free_port()
        proxy = ThrottlingProxy(port).start()
        server = RunningTonearm(data, port, proxy, root / "tonearm.log")
        server.start()
        variants = {"gzip": True, "identity": False} if args.compare else {"": True}
        results: dict[str, dict[str, list[dict[str, float]]]] = {
            mode: {f"{net} {variant}".strip(): [] for net in NETWORKS for variant in variants}
            for mode in ("cold", "warm")
        }
        try:
            cookies = session_cookies(server)
            # The server's very first page and asset cost more (lazy imports, first reads):
            # paid here, not by the first round.
            httpx.get(f"{server.proxy.url}/").raise_for_status()
            began = time.monotonic()
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                if args.waterfall:
                    print_waterfall(browser, server, cookies)
                for _ in range(args.rounds):
                    for network in NETWORKS:
                        for variant, compressed in variants.items():
                            cold, warm = one_round(browser, server, cookies, network, compressed)
                            results["cold"][f"{network} {variant}".strip()].append(cold)
                            results["warm"][f"{network} {variant}".strip()].append(warm)
                browser.close()
            print(f"{args.rounds} rounds per column, {time.monotonic() - began:.0f} s")
            print("median / p95, counted up to the moment the first library item appeared\n")
            for mode, columns in results.items():
                print_table(mode, columns)
                print()
            shipped_bytes(server)
        finally:
            server.stop()
            proxy.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
