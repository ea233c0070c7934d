"""Songs with only their original (no renditions: made on first request, or dropped by
tiering) play in the web player: the first request makes the rendition while it streams, a
prefetch of such a song starts it without Range, and afterwards the rendition is stored.

The waveform rows stay: an imported song without one is what a killed import of an older
version left, and the start-up repair would complete it before the test could play it."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.polling import wait_for
from tests.servers import free_port
from tests.web.conftest import (
    PageErrors,
    RunningTonearm,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import row_action
from tests.web.proxy import ThrottlingProxy

pytestmark = pytest.mark.slow

BARE = ("Beta Drift", "Delta Fade")  # left with their original, waveform and cover only


def _strip(data: Path, titles: tuple[str, ...]) -> None:
    with sqlite3.connect(data / "tonearm.db") as db:
        for title in titles:
            db.execute(
                "DELETE FROM renditions WHERE kind NOT LIKE 'art-%' AND kind != 'waveform'"
                " AND song_id ="
                " (SELECT id FROM songs WHERE title = ?)",
                (title,),
            )


def _kinds(server: RunningTonearm, title: str) -> set[str]:
    song_id = uuid.UUID(server.songs[title]["id"]).hex
    with sqlite3.connect(server.data_dir / "tonearm.db") as db:
        rows = db.execute(
            "SELECT kind FROM renditions WHERE song_id = ? OR song_id = ?",
            (song_id, str(uuid.UUID(song_id))),
        ).fetchall()
    return {kind for (kind,) in rows if not kind.startswith("art-") and kind != "waveform"}


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    root = tmp_path_factory.mktemp("web-on-demand")
    data = root / "data"
    shutil.copytree(library_template, data)
    _strip(data, BARE)
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.start()
    with running.api() as client:
        items = client.get("/api/songs", params={"limit": 100}).json()["items"]
    running.songs = {song["title"]: song for song in items}
    try:
        yield running
    finally:
        if running._process.poll() is None:
            running.stop()
        proxy.stop()


def _play(page: Page, title: str) -> None:
    before = page.evaluate("() => tonearm.player.plays.length")
    page.locator("li.song", has_text=title).locator("button.song-main").click()
    wait_until(page, f"() => tonearm.player.plays.length > {before}")


def test_a_song_with_only_its_original_plays_and_its_rendition_is_kept(
    context: BrowserContext, page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    stub_connection(context, type="4g")  # medium
    sign_in(page, server)
    page.wait_for_selector("li.song")
    assert _kinds(server, "Beta Drift") == set()
    _play(page, "Beta Drift")
    start = page.evaluate("() => tonearm.engine.audio.currentTime")
    wait_until(page, f"() => tonearm.engine.audio.currentTime > {start} + 1")
    play = page.evaluate("() => tonearm.player.plays.at(-1)")
    # 4G asks for medium; Chromium plays Opus, so the same tier comes as `efficient`.
    kind = play["quality"]
    assert kind in ("medium", "efficient")
    assert not page.evaluate("() => tonearm.engine.audio.paused")
    fetched = server.proxy.seen(f"/api/media/{server.songs['Beta Drift']['id']}/{kind}")
    assert fetched and fetched[0].range is None  # no Range on a rendition being made
    assert _wait_for_kind(server, "Beta Drift", kind)


def test_prefetching_a_bare_song_starts_its_rendition_without_range(
    context: BrowserContext, page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    stub_connection(context, type="wifi", downlink=10)  # high
    sign_in(page, server)
    page.wait_for_selector("li.song")
    delta = server.songs["Delta Fade"]["id"]
    _play(page, "Zeta Hum")
    row_action(page, "Delta Fade", "Add to queue")
    page.evaluate("() => { tonearm.engine.audio.playbackRate = 2; }")
    page.evaluate("() => tonearm.player.seek(0.79 * tonearm.engine.current.durationSeconds)")
    wait_until(
        page,
        "() => tonearm.engine.current && tonearm.engine.current.song.title === 'Delta Fade'",
        timeout_ms=60_000,
    )
    start = page.evaluate("() => tonearm.engine.audio.currentTime")
    wait_until(page, f"() => tonearm.engine.audio.currentTime > {start} + 1")
    requests = server.proxy.seen(f"/api/media/{delta}/")
    assert requests and all(request.range is None for request in requests)
    assert _wait_for_kind(server, "Delta Fade", "high")


def _wait_for_kind(server: RunningTonearm, title: str, kind: str) -> bool:
    """The server stores the rendition just after the stream ends: poll its database."""
    return wait_for(lambda: kind in _kinds(server, title), f"{kind} of {title} to be stored")
