"""The offline cache and listening without the server: songs played are kept, the size rule
evicts the least played first, the most played are cached on Wi-Fi, and with the server
stopped the app still opens, plays what is cached and queues its events, which reach the
server exactly once when it is back."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.polling import wait_for
from tests.web.conftest import (
    PageErrors,
    RunningTonearm,
    screenshot,
    set_connection,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import heard, pause, play, play_until_cached

pytestmark = pytest.mark.slow


def cached_ids(page: Page) -> list[str]:
    """Cached song ids in eviction order (the first would go first)."""
    return page.evaluate("async () => (await tonearm.cache.list()).map((e) => e.songId)")


def test_played_songs_are_kept_and_the_least_played_go_first(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="wifi", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    ids = {t: server.songs[t]["id"] for t in ("Alpha Dawn", "Beta Drift", "Gamma Echo")}
    # Alpha three times, Gamma twice, Beta once; a repeat tap plays from the cache.
    for title, times in (("Beta Drift", 1), ("Gamma Echo", 2), ("Alpha Dawn", 3)):
        play_until_cached(page, title, ids[title])
        for _ in range(times - 1):
            play(page, title)
            assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "cache"
    counts = page.evaluate(
        "async () => Object.fromEntries((await tonearm.cache.list()).map((e) => [e.songId, e.playCount]))"
    )
    assert counts[ids["Alpha Dawn"]] > counts[ids["Gamma Echo"]] > counts[ids["Beta Drift"]]
    assert cached_ids(page) == [ids["Beta Drift"], ids["Gamma Echo"], ids["Alpha Dawn"]]
    sizes = page.evaluate(
        "async () => Object.fromEntries((await tonearm.cache.list()).map((e) => [e.songId, e.sizeBytes]))"
    )
    # A limit whose 80% holds Alpha alone: Beta goes first, then Gamma.
    limit = int((sizes[ids["Alpha Dawn"]] + sizes[ids["Gamma Echo"]] / 2) / 0.8)
    evicted = page.evaluate("(limit) => tonearm.cache.setLimit(limit)", limit)
    assert evicted == [ids["Beta Drift"], ids["Gamma Echo"]]
    assert cached_ids(page) == [ids["Alpha Dawn"]]
    page.goto(server.url + f"#/song/{ids['Alpha Dawn']}")
    page.wait_for_selector("dd:text-matches('MB')")
    assert page.evaluate("() => navigator.storage.persisted !== undefined")


def test_the_most_played_songs_are_cached_on_wifi_only(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    played = {"Delta Fade": 7, "Zeta Hum": 4}
    with sqlite3.connect(server.data_dir / "tonearm.db") as db:
        for title, count in played.items():
            db.execute(
                "UPDATE songs SET play_count = ? WHERE id = ?",
                (count, server.songs[title]["id"].replace("-", "")),
            )
    stub_connection(context, type="cellular", effectiveType="4g", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    assert page.evaluate("() => tonearm.autoCache()") == 0
    assert cached_ids(page) == []
    set_connection(page, type="wifi")
    assert page.evaluate("() => tonearm.autoCache()") == 2
    entries = page.evaluate(
        "async () => (await tonearm.cache.list()).map((e) => [e.songId, e.quality, e.playCount])"
    )
    # Medium quality, as Opus where the browser plays it; play counts from the server.
    assert sorted(entries) == sorted(
        [server.songs[t]["id"], "efficient", count] for t, count in played.items()
    )


def test_offline_the_app_opens_plays_cached_songs_and_delivers_events_once_back(
    context: BrowserContext, page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    # While the server is stopped, the requests that try it fail: that is the point.
    page_errors.allowed += ["net::ERR_EMPTY_RESPONSE", "net::ERR_CONNECTION_REFUSED", "503"]
    stub_connection(context, type="wifi", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    gamma = server.songs["Gamma Echo"]["id"]
    play_until_cached(page, "Gamma Echo", gamma)
    pause(page)
    wait_until(page, "async () => (await tonearm.catalog.count()) === 6")
    page.evaluate("() => tonearm.events.flush()")
    delivered_before = len(server.interactions())

    server.stop()
    try:
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        # The shell came from the service worker; the list from the catalogue copy.
        assert page.locator("#offline-badge").is_visible()
        page.wait_for_selector("main h1:text('Songs (offline copy)')")
        screenshot(page, "offline")
        play(page, "Gamma Echo")
        assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "cache"
        heard(page)
        pause(page)
        queued = page.evaluate("async () => (await tonearm.events.events()).map((e) => e.id)")
        assert queued, "no event was queued while offline"
        assert page.evaluate("async () => (await tonearm.events.flush()).remaining") == len(queued)
    finally:
        server.start()
    # Back: the app notices by itself and sends what waited.
    wait_until(page, "() => document.getElementById('offline-badge').hidden", timeout_ms=30_000)
    # What waited reaches the server, once.
    wait_for(
        lambda: len(server.interactions()) - delivered_before >= len(queued),
        "the queued events to reach the server",
        timeout=30,
    )
    stored = [e for e in server.interactions()[delivered_before:]]
    assert sorted(e["id"] for e in stored) == sorted(queued)
    play_event = next(e for e in stored if e["action"] in ("play", "replay"))
    assert play_event["song_id"] == gamma
    assert play_event["context"]["source"] == "cache"
    # A batch resent (as after a lost answer) is recognised: still one row per event.
    resent = page.evaluate(
        """async ([ids, song]) => {
          const events = ids.map((id) => ({id, type: 'dislike', song_id: song, session_id: 's',
                                          timestamp: new Date().toISOString()}));
          const send = async () => (await fetch('api/events', {method: 'POST',
            headers: {'Content-Type': 'application/json',
                      'X-CSRF-Token': document.cookie.match(/tonearm_csrf=([^;]+)/)[1]},
            body: JSON.stringify({events})})).json();
          return [await send(), await send()];
        }""",
        [queued, gamma],
    )
    assert resent[0]["duplicates"] == len(queued) and resent[1]["duplicates"] == len(queued)
    ids = [e["id"] for e in server.interactions()]
    assert all(ids.count(event_id) == 1 for event_id in queued)
