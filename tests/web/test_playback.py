"""Playing: real audio, the queue, gapless hand-over, prefetch at 80%, quality choice,
ReplayGain, crossfade, lyrics, the Media Session, resume after a reload."""

from __future__ import annotations

import math
import struct
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from tests.web.conftest import (
    RunningTonearm,
    screenshot,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import play, queue_titles, row_action, wait_for_look_ahead

pytestmark = pytest.mark.slow


def test_a_tapped_song_really_plays(app: Page, server: RunningTonearm) -> None:
    play(app, "Alpha Dawn")
    start = app.evaluate(
        "() => [tonearm.engine.audio.currentTime, tonearm.engine.context.currentTime]"
    )
    # The element's clock and the AudioContext it feeds both move: sound is being rendered.
    wait_until(
        app,
        """([media, context]) => tonearm.engine.audio.currentTime > media + 0.5
                                && tonearm.engine.context.currentTime > context + 0.5""",
        arg=start,
    )
    state = app.evaluate(
        """() => ({
          media: tonearm.engine.audio.currentTime,
          context: tonearm.engine.context.currentTime,
          running: tonearm.engine.context.state,
          paused: tonearm.engine.audio.paused,
          play: tonearm.player.plays[0],
          title: document.querySelector('.now-title').textContent,
        })"""
    )
    assert state["media"] > start[0] + 0.5
    assert state["context"] > start[1] + 0.5
    assert state["running"] == "running" and not state["paused"]
    assert state["title"] == "Alpha Dawn"
    assert state["play"]["origin"] == "api"
    assert 0 < state["play"]["tapToAudioMs"] < 5000
    screenshot(app, "now-playing")


def test_queue_play_next_add_and_skip(app: Page, server: RunningTonearm) -> None:
    play(app, "Alpha Dawn")
    row_action(app, "Gamma Echo", "Add to queue")
    row_action(app, "Beta Drift", "Play next")
    # Tapping a song queues its list from there; play next goes after it, add at the end.
    titles = queue_titles(app)
    assert titles[:2] == ["Alpha Dawn", "Beta Drift"] and titles[-1] == "Gamma Echo"
    app.click("#queue-button")
    assert app.locator("#side-panel ol.queue li").count() == len(queue_titles(app))
    screenshot(app, "queue")
    app.click("#next-button")
    wait_until(
        app, "() => tonearm.engine.current && tonearm.engine.current.song.title === 'Beta Drift'"
    )
    before = app.evaluate("() => tonearm.engine.audio.currentTime")
    wait_until(app, f"() => tonearm.engine.audio.currentTime > {before} + 0.3")
    app.evaluate("() => tonearm.events.flush()")
    events = [(e["action"], e["song_id"]) for e in server.interactions()]
    alpha, beta = server.songs["Alpha Dawn"]["id"], server.songs["Beta Drift"]["id"]
    # Left after a second or two: a skip of Alpha, then a play of Beta.
    assert events[-2:] == [("skip", alpha), ("play", beta)]
    # Reorder in the queue panel: the Gamma added last moves up one place.
    length = len(queue_titles(app))
    app.locator("#side-panel").get_by_role("button", name="Move Gamma Echo up").last.click()
    assert queue_titles(app)[length - 2] == "Gamma Echo"


def mp3_window(data: bytes) -> tuple[float, float]:
    """(leading seconds to cut, seconds of music) from an MP3's Xing/Info + LAME tag,
    computed here independently of the player's JavaScript."""
    assert data[0] == 0xFF and data[1] & 0xE0 == 0xE0, "not an MP3 frame"
    sample_rate = (44100, 48000, 32000)[(data[2] >> 2) & 3]
    mono = (data[3] >> 6) & 3 == 3
    at = 4 + (17 if mono else 32)
    assert data[at : at + 4] in (b"Xing", b"Info")
    flags = struct.unpack(">I", data[at + 4 : at + 8])[0]
    frames = struct.unpack(">I", data[at + 8 : at + 12])[0]
    lame = at + 12 + (4 if flags & 2 else 0) + (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
    delay = (data[lame + 21] << 4) | (data[lame + 22] >> 4)
    padding = ((data[lame + 22] & 0x0F) << 8) | data[lame + 23]
    # Chromium's MSE decoder compensates its own 529-sample delay: only the encoder's is cut.
    leading = delay / sample_rate
    music = (frames * 1152 - delay - padding) / sample_rate
    return leading, music


def rendition_bytes(server: RunningTonearm, song_id: str, quality: str) -> bytes:
    with server.api() as client:
        ticket = client.get(f"/api/songs/{song_id}/stream", params={"quality": quality}).json()
        url = ticket["url"].replace(server.proxy.url, server.direct)
        return httpx.get(url).content


def test_gapless_the_next_song_starts_where_the_trimmed_current_one_ends(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="wifi", downlink=10)  # high: MP3, whose delay must be cut
    sign_in(page, server)
    page.wait_for_selector("li.song")
    play(page, "Gamma Echo")
    row_action(page, "Alpha Dawn", "Play next")
    # Faster, so the hand-over comes sooner; it changes no timestamp.
    page.evaluate("() => { tonearm.engine.audio.playbackRate = 2; }")
    schedule = wait_until(
        page,
        "() => tonearm.engine.lastSchedule && tonearm.engine.lastSchedule.window && tonearm.engine.lastSchedule",
    )
    gamma = server.songs["Gamma Echo"]["id"]
    leading, music = mp3_window(rendition_bytes(server, gamma, "high"))
    assert schedule["songId"] == server.songs["Alpha Dawn"]["id"]
    assert schedule["previous"]["window"]["leadingSeconds"] == pytest.approx(leading, abs=1e-9)
    assert schedule["previous"]["window"]["durationSeconds"] == pytest.approx(music, abs=1e-9)
    assert schedule["start"] == pytest.approx(schedule["previous"]["start"] + music, abs=1e-9)
    # The next song's bytes sit right behind: one buffered range across the join, no hole.
    buffered = wait_until(
        page,
        """(join) => {
          const b = tonearm.engine.active.sourceBuffer.buffered;
          const ranges = [];
          for (let i = 0; i < b.length; i++) ranges.push([b.start(i), b.end(i)]);
          return ranges.some(([s, e]) => s <= join - 0.5 && e >= join + 0.5) && ranges;
        }""",
        arg=schedule["start"],
    )
    assert buffered
    # And it plays on through the join without stopping.
    wait_until(page, "() => tonearm.engine.current.song.title === 'Alpha Dawn'", timeout_ms=20_000)
    transitions = page.evaluate("() => tonearm.player.plays.map((p) => p.transition)")
    assert transitions == ["tap", "gapless"]
    assert page.evaluate("() => !tonearm.engine.audio.paused && !tonearm.engine.audio.ended")


def test_prefetch_fetches_only_30_seconds_of_the_next_song_at_80_percent(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="wifi", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    delta = server.songs["Delta Fade"]["id"]
    zeta = server.songs["Zeta Hum"]["id"]
    server.proxy.clear()
    play(page, "Zeta Hum")
    row_action(page, "Delta Fade", "Add to queue")
    page.evaluate("() => tonearm.player.seek(0.7 * tonearm.engine.current.durationSeconds)")
    wait_for_look_ahead(page, 0.7)  # the player has decided about the next song at 70%
    assert page.evaluate(f"() => !tonearm.player.prefetches.has('{delta}')"), "prefetch before 80%"
    assert server.proxy.seen(f"/api/media/{delta}/") == [], "fetched before 80%"
    page.evaluate("() => tonearm.player.seek(0.79 * tonearm.engine.current.durationSeconds)")
    wait_until(
        page, f"() => tonearm.source.prefetched.has('{delta}') || tonearm.engine.lastSchedule"
    )
    fetched = server.proxy.seen(f"/api/media/{delta}/")
    assert len(fetched) == 1
    bitrate = page.evaluate(
        "async (id) => (await (await fetch(`api/songs/${id}/stream?quality=high`)).json()).bitrate",
        delta,
    )
    expected = page.evaluate(
        f"async (kbps) => (await import('./v/{page.evaluate('document.body.dataset.version')}/js/lib/prefetch.js')).prefetchRangeBytes(kbps)",
        bitrate,
    )
    assert fetched[0].range == f"bytes=0-{expected - 1}"
    # About 30 s of audio at the rendition's bitrate, not the whole file.
    assert expected == pytest.approx(bitrate * 1000 / 8 * 30, rel=0.15)
    # The song playing came by its own Range windows, from its first byte.
    assert server.proxy.seen(f"/api/media/{zeta}/")[0].range.startswith("bytes=0-")


def test_no_prefetch_on_a_metered_connection(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="cellular", effectiveType="4g", downlink=10, saveData=True)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    delta = server.songs["Delta Fade"]["id"]
    server.proxy.clear()
    play(page, "Zeta Hum")
    row_action(page, "Delta Fade", "Add to queue")
    page.evaluate("() => tonearm.player.seek(0.82 * tonearm.engine.current.durationSeconds)")
    wait_for_look_ahead(page, 0.82)  # past 80%: where it would have prefetched
    assert page.evaluate(f"() => !tonearm.player.prefetches.has('{delta}')")
    assert page.evaluate(f"() => !tonearm.source.prefetched.has('{delta}')")
    # Its bytes are fetched only once it is laid behind the song playing, in its last seconds.
    if server.proxy.seen(f"/api/media/{delta}/"):
        assert page.evaluate("() => tonearm.engine.lastSchedule?.songId") == delta


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        ({"type": "wifi", "downlink": 10}, "high"),
        ({"type": "wifi", "downlink": 5.001}, "high"),
        ({"type": "wifi", "downlink": 5.0}, "efficient"),  # medium, as Opus: Chromium plays it
        ({"type": "wifi", "downlink": 1.0}, "efficient"),
        ({"type": "wifi", "downlink": 0.999}, "low"),
        ({"type": "cellular", "effectiveType": "4g", "downlink": 10}, "efficient"),
        ({"type": "cellular", "effectiveType": "3g", "downlink": 10}, "low"),
        ({"type": None, "downlink": 8}, "high"),
    ],
)
def test_quality_follows_the_network_and_its_throughput(
    context: BrowserContext,
    page: Page,
    server: RunningTonearm,
    connection: dict[str, Any],
    expected: str,
) -> None:
    stub_connection(context, **connection)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    server.proxy.clear()
    play(page, "Beta Drift")
    asked = server.proxy.seen(f"/api/songs/{server.songs['Beta Drift']['id']}/stream")
    assert asked and f"quality={expected}" in asked[-1].path
    assert page.evaluate("() => tonearm.engine.current.quality") == expected


def test_quality_steps_down_mid_song_when_the_network_collapses(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="wifi", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    zeta = server.songs["Zeta Hum"]["id"]
    server.proxy.clear()
    server.proxy.shape(kbps=200, latency_ms=20)  # far below high's 320 kbps
    try:
        play(page, "Zeta Hum")
        assert page.evaluate("() => tonearm.engine.current.quality") == "high"
        wait_until(page, "() => tonearm.engine.current.quality !== 'high'", timeout_ms=25_000)
    finally:
        server.proxy.shape(kbps=None)
    switched = page.evaluate("() => tonearm.engine.current.quality")
    continued = [r for r in server.proxy.seen(f"/api/media/{zeta}/{switched}") if r.range]
    assert continued, "the lower rendition was not fetched from the current position"
    assert int(continued[0].range.removeprefix("bytes=").split("-")[0]) > 0
    before = page.evaluate("() => tonearm.engine.audio.currentTime")
    wait_until(page, f"() => tonearm.engine.audio.currentTime > {before} + 0.5", timeout_ms=20_000)


def test_replaygain_sets_the_gain_of_the_song_playing(app: Page, server: RunningTonearm) -> None:
    play(app, "Delta Fade")
    gain_db = server.songs["Delta Fade"]["replaygain_track_gain_db"]
    assert gain_db is not None
    applied = app.evaluate("() => tonearm.engine.active.replayGain.gain.value")
    assert applied == pytest.approx(math.pow(10, gain_db / 20), rel=1e-3)


def test_replaygain_applies_to_songs_listed_without_it(app: Page, server: RunningTonearm) -> None:
    # Search results carry no ReplayGain: the player completes the song as it starts.
    app.fill("#search", "zeta")
    app.wait_for_selector("main h1:text('Results for “zeta”')")
    play(app, "Zeta Hum")
    gain_db = server.songs["Zeta Hum"]["replaygain_track_gain_db"]
    expected = math.pow(10, gain_db / 20)
    assert abs(expected - 1) > 0.01, "the generated song needs a gain for this test"
    wait_until(
        app, f"() => Math.abs(tonearm.engine.active.replayGain.gain.value - {expected}) < 1e-3"
    )


def test_crossfade_fades_into_the_next_song_on_the_second_deck(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    context.add_init_script(
        "localStorage.setItem('tonearm.settings', JSON.stringify({crossfadeSeconds: 3}))"
    )
    sign_in(page, server)
    page.wait_for_selector("li.song")
    play(page, "Gamma Echo")
    row_action(page, "Beta Drift", "Play next")
    page.evaluate("() => tonearm.player.seek(3)")
    wait_until(page, "() => tonearm.engine.current.song.title === 'Beta Drift'", timeout_ms=20_000)
    state = page.evaluate(
        """() => ({
          deck: tonearm.engine.active.name,
          fade: tonearm.engine.lastSchedule.crossfadeSeconds,
          bothPlaying: tonearm.engine.decks.every((d) => !d.audio.paused),
          transition: tonearm.player.plays.at(-1).transition,
        })"""
    )
    assert state["deck"] == "B"
    assert state["fade"] == pytest.approx(3)
    assert state["bothPlaying"]
    assert state["transition"] == "crossfade"


def test_synced_lyrics_follow_the_song(app: Page) -> None:
    play(app, "Alpha Dawn")
    app.click("#lyrics-button")
    app.wait_for_selector("ol.lyrics li")
    app.evaluate("() => tonearm.player.seek(3.5)")
    wait_until(
        app, "() => document.querySelector('ol.lyrics li.active')?.textContent === 'Second line'"
    )
    screenshot(app, "lyrics")


def test_media_session_and_keyboard(app: Page) -> None:
    play(app, "Alpha Dawn")
    session = app.evaluate(
        "() => ({title: navigator.mediaSession.metadata.title, artist: navigator.mediaSession.metadata.artist,"
        " artwork: navigator.mediaSession.metadata.artwork.length})"
    )
    assert session == {"title": "Alpha Dawn", "artist": "Test Artist", "artwork": 3}
    app.focus("#main")
    app.keyboard.press("Space")
    wait_until(app, "() => tonearm.engine.audio.paused")
    app.keyboard.press("Space")
    wait_until(app, "() => !tonearm.engine.audio.paused")
    app.keyboard.press("q")
    assert app.locator("#side-panel").is_visible()
    app.keyboard.press("/")
    assert app.evaluate("() => document.activeElement.id") == "search"


def test_sleep_timer_pauses_playback(app: Page) -> None:
    play(app, "Zeta Hum")
    app.evaluate("() => tonearm.player.setSleepTimer(0.02)")  # 1.2 s, then a 5 s fade
    wait_until(app, "() => tonearm.engine.audio.paused", timeout_ms=15_000)


def test_resume_after_a_reload(app: Page) -> None:
    play(app, "Delta Fade")
    row_action(app, "Gamma Echo", "Add to queue")
    app.evaluate("() => tonearm.player.seek(6)")
    wait_until(app, "() => tonearm.engine.position > 6")
    app.evaluate("() => tonearm.player.save(true)")
    app.reload()
    app.wait_for_selector("body[data-ready=true]")
    assert app.locator(".now-title").text_content() == "Delta Fade"
    assert queue_titles(app)[-1] == "Gamma Echo"
    app.click("#play-button")
    wait_until(app, "() => tonearm.engine.current && tonearm.engine.position > 6")
