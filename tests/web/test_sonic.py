"""Sonic radio and Sonic path in the web player, against a real server whose songs carry
stored analysis (two styles: the Ambient songs' embeddings close together, the Rock songs'
elsewhere). Sonic radio from a song's menu plays it then the most similar songs, and tops
the queue up as it runs low; Sonic path builds a queue from one picked song to another.
axe finds no serious or critical violation on the path screen at both sizes."""

from __future__ import annotations

import asyncio
import math
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.servers import free_port
from tests.web.conftest import PASSWORD as WEB_PASSWORD
from tests.web.conftest import USERNAME, PageErrors, RunningTonearm, wait_until
from tests.web.playing import queue_titles, row_action
from tests.web.proxy import ThrottlingProxy
from tests.web.test_accessibility import AXE, RUN_AXE, SIZES
from tonearm.adapters.db import Database
from tonearm.adapters.db.song_features import SqlFeatureRepository
from tonearm.analysis import EMBEDDING_DIMS, SongFeatures

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "shots"
# Degrees in the embedding plane: Ambient near 0, Rock near 100.
ANGLES = {
    "Alpha Dawn": 0,
    "Beta Drift": 10,
    "Gamma Echo": 20,
    "Delta Fade": 100,
    "Epsilon Glow": 110,
    "Zeta Hum": 120,
}
RADIO_ORDER = ["Alpha Dawn", "Beta Drift", "Gamma Echo", "Delta Fade", "Epsilon Glow", "Zeta Hum"]


def features(degrees: float) -> SongFeatures:
    r = math.radians(degrees)
    embedding = (math.cos(r), math.sin(r)) + (0.0,) * (EMBEDDING_DIMS - 2)
    return SongFeatures(
        analyzer_version="web-test",
        duration=10.0,
        tempo_bpm=120.0,
        tempo_confidence=0.9,
        beats=(),
        meter=4,
        key=None,
        key_confidence=0.0,
        loudness=(),
        energy=0.5,
        danceability=0.5,
        valence=0.5,
        intro_end=0.0,
        outro_start=10.0,
        leading_silence=0.0,
        trailing_silence=0.0,
        embedding=embedding,
    )


async def analyse(data: Path) -> None:
    with sqlite3.connect(data / "tonearm.db") as db:
        rows = db.execute("SELECT id, title FROM songs WHERE deleted_at IS NULL").fetchall()
    database = Database(f"sqlite+aiosqlite:///{data / 'tonearm.db'}")
    repository = SqlFeatureRepository(database.sessions)
    now = datetime.now(UTC)
    for raw_id, title in rows:
        song_id = uuid.UUID(hex=raw_id) if isinstance(raw_id, str) else uuid.UUID(bytes=raw_id)
        await repository.put(song_id, features(ANGLES[title]), now)
    await database.close()


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    root = tmp_path_factory.mktemp("web-sonic")
    data = root / "data"
    shutil.copytree(library_template, data)
    # Its own thread: sync Playwright already runs an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, analyse(data)).result()
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()
        proxy.stop()


def signed_in(browser: Browser, server: RunningTonearm, size: str, errors: PageErrors) -> Page:
    context = browser.new_context(base_url=server.url, **SIZES[size])  # type: ignore[arg-type]
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.on("console", errors.console)
    page.on("pageerror", lambda error: errors.messages.append(f"pageerror: {error}"))
    page.goto(server.url + "#/songs")
    page.fill("#username", USERNAME)
    page.fill("#password", WEB_PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def test_sonic_radio_plays_similar_songs_and_tops_the_queue_up(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    page = signed_in(browser, server, "desktop", page_errors)
    page.wait_for_selector("li.song")
    row_action(page, "Alpha Dawn", "Sonic radio")
    wait_until(page, "() => tonearm.player.song && tonearm.player.song.title === 'Alpha Dawn'")
    assert queue_titles(page) == RADIO_ORDER
    # The queue runs low (the last three taken out): the radio adds the songs most like
    # the one playing that are not queued, in order of similarity.
    page.evaluate("() => { for (const at of [5, 4, 3]) tonearm.player.queue.remove(at); }")
    wait_until(page, "() => tonearm.player.queue.songs.length === 6")
    assert queue_titles(page) == RADIO_ORDER
    page.click("#queue-button")
    expect(page.locator("#side-panel ol.queue li")).to_have_count(6)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "sonic-radio-desktop.png"))
    page.context.close()
    assert page_errors.unexpected() == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_sonic_path_from_a_song_to_another(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors, size: str
) -> None:
    page = signed_in(browser, server, size, page_errors)
    alpha = page.evaluate(
        "async () => (await (await fetch('api/songs/search?q=Alpha%20Dawn')).json()).items[0].id"
    )
    page.goto(server.url + f"#/sonic-path?from={alpha}")
    expect(page.locator("#sonic-from-chosen")).to_contain_text("Alpha Dawn")
    play = page.get_by_role("button", name="Play the path")
    expect(play).to_be_disabled()
    page.fill("#sonic-to", "Zeta")
    page.get_by_role("button", name="Zeta Hum — Other Band").click()
    expect(page.locator("#sonic-to-chosen")).to_contain_text("Zeta Hum")
    page.select_option("#sonic-length", "10")
    play.click()
    wait_until(page, "() => tonearm.player.queue.songs.length > 0")
    titles = queue_titles(page)
    assert titles == RADIO_ORDER  # every song lies on the way from Alpha to Zeta here
    expect(page.locator(".sonic-result li.song")).to_have_count(6)
    assert page.evaluate(RUN_AXE) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"sonic-path-{size}.png"), full_page=True)
    page.context.close()
    assert page_errors.unexpected() == []
