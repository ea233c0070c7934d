"""The web player against a real `tonearm serve`, in Debian's Chromium driven by Playwright.

- A small generated library (short songs, so playing one through takes seconds) is imported
  once per session; each test module copies its data directory and starts its own server,
  reached through the throttling proxy (tests/web/proxy.py), so the bytes the browser and
  its service worker fetch can be counted and shaped.
- One Chromium per session; each test gets a fresh browser context (empty storage, no
  service worker) and fails if the page logged a console error or threw.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

import tonearm
from tests.cli.conftest import TONEARM, clean_environment
from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port, stop_pid, wait_for_port
from tests.web.proxy import ThrottlingProxy

USERNAME = "alice"
PASSWORD = "listen-closely-42"
SOURCE_ROOT = Path(tonearm.__file__).parents[1]
SCREENSHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"
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


@dataclass(frozen=True)
class LibrarySong:
    """A generated song: its tags and its length."""

    title: str
    artist: str
    album: str
    track: int
    genre: str
    seconds: float
    frequency_hz: float
    synced_lyrics: tuple[tuple[int, str], ...] = ()


LIBRARY = (
    LibrarySong("Alpha Dawn", "Test Artist", "First Light", 1, "Ambient", 12, 440,
                ((0, "First line"), (3000, "Second line"), (6000, "Third line"))),
    LibrarySong("Beta Drift", "Test Artist", "First Light", 2, "Ambient", 10, 330),
    LibrarySong("Gamma Echo", "Test Artist", "First Light", 3, "Ambient", 8, 550),
    LibrarySong("Delta Fade", "Other Band", "Second Wind", 1, "Rock", 14, 262),
    LibrarySong("Epsilon Glow", "Other Band", "Second Wind", 2, "Rock", 9, 392),
    LibrarySong("Zeta Hum", "Other Band", "Second Wind", 3, "Rock", 16, 196),
)  # fmt: skip


def run_tonearm(data_dir: Path, *args: str, input: str | None = None) -> str:
    """Runs a `tonearm` command on `data_dir` with this checkout's code; returns its output."""
    result = subprocess.run(
        [str(TONEARM), *args],
        env=server_environment(data_dir),
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def server_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment `tonearm` runs in: this checkout's code, quiet, no schedules in the way."""
    return clean_environment(
        TONEARM_DATA_DIR=str(data_dir),
        TONEARM_SCAN_CRON="",
        TONEARM_LOG_LEVEL="warning",
        # Tests click and search far faster than a person; the limits are tested in tests/api.
        TONEARM_RATE_LIMIT_CONTROL_PER_MINUTE="100000",
        TONEARM_RATE_LIMIT_READ_PER_MINUTE="100000",
        PYTHONPATH=str(SOURCE_ROOT),
        **extra,
    )


@pytest.fixture(scope="session")
def library_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the generated library and alice's account, made once."""
    root = tmp_path_factory.mktemp("web-library")
    music = root / "music"
    for song in LIBRARY:
        tags: dict[str, Any] = {
            "title": song.title,
            "artists": song.artist,
            "album": song.album,
            "album_artist": song.artist,
            "track_number": song.track,
            "genres": song.genre,
            "year": 2025,
        }
        if song.synced_lyrics:
            tags["synced_lyrics"] = list(song.synced_lyrics)
        make_audio_file(
            music,
            "flac",
            seconds=song.seconds,
            tags=tags,
            name=f"{song.artist}/{song.album}/{song.track:02d} {song.title}.flac",
            frequency_hz=song.frequency_hz,
        )
    data = root / "data"
    # One file at a time: parallel imports of one album's tracks can make the album twice
    # (an ingest race reported separately); these tests are about the player.
    run_tonearm(data, "import", "--jobs", "1", str(music))
    run_tonearm(data, "user", "add", USERNAME, "--password", PASSWORD)
    return data


@dataclass
class RunningTonearm:
    """A `tonearm serve` behind the throttling proxy; restartable on the same port."""

    data_dir: Path
    port: int
    proxy: ThrottlingProxy
    log: Path
    pid: int = 0
    songs: dict[str, dict[str, Any]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # extra TONEARM_* settings

    @property
    def url(self) -> str:
        """What the browser opens: the proxy."""
        return self.proxy.url + "/"

    @property
    def direct(self) -> str:
        """The server itself, for the test's own API calls."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server (again) on its port and data directory."""
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [str(TONEARM), "serve", "--port", str(self.port)],
                env=server_environment(self.data_dir, **self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.pid = process.pid
        wait_for_port(self.port, process, timeout=60)
        deadline = time.monotonic() + 60
        while httpx.get(f"{self.direct}/api/health").status_code != 200:
            assert time.monotonic() < deadline, "tonearm never became healthy"
            time.sleep(0.1)
        self._process = process

    def stop(self) -> None:
        """Stops the server by its process id (as when it goes away)."""
        stop_pid(self.pid)
        self._process.wait(10)

    def interactions(self) -> list[dict[str, Any]]:
        """Every listening event the server stored, oldest first (read from its database)."""
        with sqlite3.connect(self.data_dir / "tonearm.db") as db:
            rows = db.execute(
                "SELECT action, song_id, client_event_id, context, position_ms"
                " FROM user_interactions ORDER BY id"
            ).fetchall()
        return [
            {
                "action": action,
                "song_id": str(uuid.UUID(hex=song_id)) if len(song_id) == 32 else song_id,
                "id": client_id,
                "context": json.loads(context) if context else None,
                "position_ms": position_ms,
            }
            for action, song_id, client_id, context, position_ms in rows
        ]

    def api(self, password: str = PASSWORD) -> httpx.Client:
        """A client signed in as alice with a bearer token, straight to the server."""
        token = httpx.post(
            f"{self.direct}/api/auth/login", json={"username": USERNAME, "password": password}
        ).json()["access_token"]
        return httpx.Client(base_url=self.direct, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    """This module's own server on a copy of the library (its changes stay in the module)."""
    root = tmp_path_factory.mktemp("web-server")
    data = root / "data"
    shutil.copytree(library_template, data)
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.start()
    with running.api() as client:
        items = client.get("/api/songs", params={"limit": 100}).json()["items"]
    running.songs = {song["title"]: song for song in items}
    assert set(running.songs) == {song.title for song in LIBRARY}
    try:
        yield running
    finally:
        with_process = getattr(running, "_process", None)
        if with_process is not None and with_process.poll() is None:
            running.stop()
        proxy.stop()


# One per process, for the player's modules and tests/web/lib alike: a second sync
# Playwright cannot start while one runs (it takes the first one's loop for an asyncio loop).
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert os.path.exists(CHROMIUM), "Chromium is missing: make system-deps"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions of a page."""

    messages: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} ({message.location.get('url')})")

    def unexpected(self) -> list[str]:
        """Errors no test declared it expects."""
        return [m for m in self.messages if not any(a in m for a in self.allowed)]


@pytest.fixture
def page_errors() -> PageErrors:
    """Errors the page logs; a test may `allowed.append(...)` what it provokes on purpose."""
    return PageErrors()


@pytest.fixture
def context(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, page_errors: PageErrors) -> Iterator[Page]:
    page = context.new_page()
    page.on("console", page_errors.console)
    page.on("pageerror", lambda error: page_errors.messages.append(f"pageerror: {error}"))
    yield page
    assert page_errors.unexpected() == [], "the page logged errors"


def sign_in(page: Page, server: RunningTonearm, password: str = PASSWORD) -> None:
    """Opens the app on the song list (the player's tests start there; the app itself opens
    on Home) and signs in as alice through the form; waits until it is ready."""
    page.goto(server.url + "#/songs")
    page.fill("#username", USERNAME)
    page.fill("#password", password)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    # The service worker registers once the first screen is drawn and claims the page when
    # installed; the tests start from a page it controls, as a returning user's is.
    page.wait_for_function(
        "() => !('serviceWorker' in navigator) || navigator.serviceWorker.controller !== null",
        timeout=15_000,
    )


@pytest.fixture
def app(page: Page, server: RunningTonearm) -> Page:
    """A page signed in and showing the library."""
    sign_in(page, server)
    page.wait_for_selector("li.song")
    return page


def screenshot(page: Page, name: str) -> Path:
    """Saves a screenshot of the page under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_until(page: Page, expression: str, timeout_ms: float = 15_000, arg: Any = None) -> Any:
    """Polls the JavaScript function `expression` (async allowed) until it returns something
    truthy, and returns that; fails after `timeout_ms`."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        assert time.monotonic() < deadline, f"still false after {timeout_ms} ms: {expression}"
        time.sleep(0.1)


def stub_connection(page_or_context: Page | BrowserContext, **connection: Any) -> None:
    """Makes navigator.connection say `connection` (type, effectiveType, downlink in Mbps,
    saveData), as a phone's browser would; headless Chromium has no connection type of its
    own. set_connection() changes it later in a page."""
    page_or_context.add_init_script(
        f"globalThis.__connection = Object.assign(new EventTarget(), {json.dumps(connection)});"
        "Object.defineProperty(Navigator.prototype, 'connection', {configurable: true,"
        " get() { return globalThis.__connection; }});"
    )


def set_connection(page: Page, **connection: Any) -> None:
    """Changes what the stubbed navigator.connection says (after stub_connection)."""
    page.evaluate("(c) => Object.assign(globalThis.__connection, c)", connection)
