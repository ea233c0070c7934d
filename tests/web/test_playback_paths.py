"""The ways a song's bytes reach the speaker, each played through the page:

- ManagedMediaSource (the only MSE on iPhone and iPad). WebKit cannot run here, so an init
  script stands in for it on Chromium's real MediaSource: it removes MediaSource, fires
  `startstreaming`/`endstreaming` as the buffer fills and drains, and logs a console error
  (which fails the test) when bytes are appended while the browser said it has enough, or
  when the element was not told `disableRemotePlayback`, as WebKit requires.
- No MSE at all: an init script removes MediaSource; songs play from a plain URL, a cached
  one from its copy with no network, and through the service worker a song read whole is
  kept and the next song starts from its prefetched beginning.
- Range windows: a long song is fetched ~30 s at a time, so a skip costs what was fetched.

For each path: the song plays (the audio's currentTime advances), next and previous work,
and the listening events reach the server.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port
from tests.web.conftest import (
    PageErrors,
    RunningTonearm,
    run_tonearm,
    screenshot,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import MEDIA, play, proxy_done
from tests.web.proxy import ProxiedRequest, ThrottlingProxy

pytestmark = pytest.mark.slow

LONG = "Omega Long"
LONG_SECONDS = 100

# Stands in for WebKit's ManagedMediaSource on Chromium's MediaSource (see the docstring).
MANAGED_MEDIA_SOURCE_SHIM = """
(() => {
  const Base = window.MediaSource;
  const HIGH = 8, LOW = 4; // seconds buffered ahead: enough / want more
  const seen = { instances: 0, starts: 0, ends: 0 };
  window.__managedMediaSource = seen;
  const byUrl = new Map();
  class ManagedMediaSource extends Base {
    constructor() {
      super();
      seen.instances += 1;
      this.streaming = false;
      this.element = null;
      this.addEventListener("sourceopen", () => this.want(true), { once: true });
      const timer = setInterval(() => {
        if (this.readyState === "closed" && this.element && byUrl.get(this.element.src) !== this) {
          return clearInterval(timer);
        }
        const audio = this.element;
        if (!audio) return;
        let ahead = 0;
        for (let i = 0; i < audio.buffered.length; i++) {
          if (audio.buffered.start(i) <= audio.currentTime + 0.05 && audio.buffered.end(i) >= audio.currentTime) {
            ahead = audio.buffered.end(i) - audio.currentTime;
          }
        }
        if (this.streaming && ahead > HIGH) this.want(false);
        else if (!this.streaming && ahead < LOW) this.want(true);
      }, 50);
    }
    want(streaming) {
      this.streaming = streaming;
      if (streaming) seen.starts += 1; else seen.ends += 1;
      this.dispatchEvent(new Event(streaming ? "startstreaming" : "endstreaming"));
    }
    addSourceBuffer(mime) {
      const buffer = super.addSourceBuffer(mime);
      buffer.__managed = this;
      return buffer;
    }
  }
  const appendBuffer = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    if (this.__managed && !this.__managed.streaming) {
      console.error("ManagedMediaSource: bytes appended after endstreaming");
    }
    return appendBuffer.call(this, data);
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (object) {
    const url = createObjectURL.call(URL, object);
    if (object instanceof ManagedMediaSource) byUrl.set(url, object);
    return url;
  };
  const src = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "src");
  Object.defineProperty(HTMLMediaElement.prototype, "src", {
    configurable: true,
    get() { return src.get.call(this); },
    set(value) {
      const managed = byUrl.get(value);
      if (managed) {
        if (this.disableRemotePlayback !== true) {
          console.error("ManagedMediaSource: disableRemotePlayback must be set");
        }
        managed.element = this;
      }
      src.set.call(this, value);
    },
  });
  window.ManagedMediaSource = ManagedMediaSource;
  delete window.MediaSource;
  delete window.WebKitMediaSource;
})();
"""

NO_MEDIA_SOURCE = """
delete window.MediaSource;
delete window.ManagedMediaSource;
delete window.WebKitMediaSource;
"""


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    """The shared library plus one long song (long enough for several Range windows)."""
    root = tmp_path_factory.mktemp("web-paths")
    data = root / "data"
    shutil.copytree(library_template, data)
    music = root / "music"
    make_audio_file(
        music,
        "flac",
        seconds=LONG_SECONDS,
        tags={"title": LONG, "artists": "Long Player", "album": "Far Side", "track_number": 1},
        name="long/omega.flac",
        frequency_hz=300,
    )
    run_tonearm(data, "import", "--jobs", "1", str(music))
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.start()
    with running.api() as client:
        items = client.get("/api/songs", params={"limit": 100}).json()["items"]
    running.songs = {song["title"]: song for song in items}
    assert LONG in running.songs
    try:
        yield running
    finally:
        if running._process.poll() is None:
            running.stop()
        proxy.stop()


@contextmanager
def no_network(page: Page, server: RunningTonearm) -> Iterator[None]:
    """The browser offline, and the proxy refusing the media requests the service worker
    would still send (Playwright's offline switch does not reach the worker)."""
    page.context.set_offline(True)
    server.proxy.fail_next(1000, MEDIA)
    try:
        yield
    finally:
        server.proxy.fail_next(0)
        page.context.set_offline(False)


def now_playing(page: Page, title: str) -> None:
    """Waits until `title` is the song playing and its audio moves."""
    wait_until(
        page,
        "(title) => tonearm.engine.current && tonearm.engine.current.song.title === title",
        arg=title,
    )
    before = page.evaluate("() => tonearm.engine.audio.currentTime")
    wait_until(
        page,
        f"() => !tonearm.engine.audio.paused && tonearm.engine.audio.currentTime > {before} + 0.3",
    )


def play_next_previous_and_report(page: Page, server: RunningTonearm) -> None:
    """The shared walk: tap a song, it plays; Next plays the following one, Previous goes
    back; the skip and the plays reach the server as listening events."""
    play(page, "Alpha Dawn")
    now_playing(page, "Alpha Dawn")
    page.get_by_role("button", name="Next", exact=True).first.click()
    now_playing(page, "Beta Drift")
    page.get_by_role("button", name="Previous", exact=True).first.click()
    now_playing(page, "Alpha Dawn")
    page.evaluate("() => tonearm.events.flush()")
    alpha, beta = server.songs["Alpha Dawn"]["id"], server.songs["Beta Drift"]["id"]
    events = [(e["action"], e["song_id"]) for e in server.interactions()]
    assert ("play", alpha) in events and ("play", beta) in events, events
    assert ("skip", alpha) in events, events


def test_managed_media_source_plays_and_appends_only_while_streaming(
    page: Page, server: RunningTonearm
) -> None:
    page.add_init_script(MANAGED_MEDIA_SOURCE_SHIM)
    stub_connection(page, type="wifi", downlink=50)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    assert page.evaluate("() => typeof MediaSource") == "undefined"
    play_next_previous_and_report(page, server)
    # The longest song, arriving at a few times its bitrate: its buffer fills past the
    # "enough" mark while bytes are still coming, drains, and is refilled after
    # `startstreaming` (an append in between would log an error and fail the test).
    server.proxy.shape(1200, 20)
    page.on("close", lambda _: server.proxy.shape(None))
    play(page, "Zeta Hum")
    now_playing(page, "Zeta Hum")
    wait_until(page, "() => window.__managedMediaSource.ends >= 1", 20_000)
    ends = page.evaluate("() => window.__managedMediaSource.starts")
    wait_until(
        page,
        f"() => window.__managedMediaSource.starts > {ends} && tonearm.engine.position > 11",
        30_000,
    )
    assert page.evaluate("() => window.__managedMediaSource.instances") >= 1
    server.proxy.shape(None)


def test_on_a_phone_with_only_managed_media_source_a_song_plays(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    """An iPhone as far as Chromium can be one: 390×844, touch, only ManagedMediaSource."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    try:
        context.add_init_script(MANAGED_MEDIA_SOURCE_SHIM)
        page = context.new_page()
        page.on("console", page_errors.console)
        page.on("pageerror", lambda error: page_errors.messages.append(f"pageerror: {error}"))
        sign_in(page, server)
        page.wait_for_selector("li.song")
        # Started from the keyboard: where a tap on a row lands is the layout's business.
        page.locator("li.song", has_text="Delta Fade").locator("button.song-main").focus()
        page.keyboard.press("Enter")
        now_playing(page, "Delta Fade")
        screenshot(page, "phone-managed-media-source-playing")
        assert page_errors.unexpected() == [], "the page logged errors"
    finally:
        context.close()


def test_without_media_source_songs_play_from_their_url(page: Page, server: RunningTonearm) -> None:
    page.add_init_script(NO_MEDIA_SOURCE)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    server.proxy.clear()
    play_next_previous_and_report(page, server)
    # The element played the media URL itself (back on it, Alpha may play from the copy kept).
    assert page.evaluate("() => tonearm.player.plays[0].origin") != "cache"
    alpha = server.songs["Alpha Dawn"]["id"]
    assert any(alpha in r.path for r in server.proxy.seen(MEDIA)), server.proxy.seen(MEDIA)
    screenshot(page, "desktop-without-media-source-playing")
    # A song ends and the next one follows (the queue goes on without gapless joins).
    page.evaluate("() => tonearm.player.seek(tonearm.engine.current.durationSeconds - 1)")
    now_playing(page, "Beta Drift")


def test_without_media_source_a_cached_song_plays_offline_from_its_copy(
    page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    page.add_init_script(NO_MEDIA_SOURCE)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    song = server.songs["Gamma Echo"]
    # Keep a copy in the offline cache as a download would, then lose the network.
    page.evaluate(
        """async (song) => {
          const ticket = await tonearm.source.ticket(song.id, "medium");
          const blob = await (await fetch(ticket.url)).blob();
          await tonearm.cache.put(song.id, ticket.quality, blob);
        }""",
        song,
    )
    page_errors.allowed += ["net::ERR_INTERNET_DISCONNECTED", "503"]
    with no_network(page, server):
        server.proxy.clear()
        play(page, "Gamma Echo")
        now_playing(page, "Gamma Echo")
        assert page.evaluate("() => tonearm.engine.audio.src").startswith("blob:")
        assert server.proxy.seen(MEDIA) == []


def _long_song_requests(server: RunningTonearm) -> list:  # type: ignore[type-arg]
    song_id = server.songs[LONG]["id"]
    return [
        r
        for r in server.proxy.seen(MEDIA)
        if song_id in r.path or song_id.replace("-", "") in r.path
    ]


def test_a_skipped_song_costs_its_first_window_not_the_file(
    page: Page, server: RunningTonearm
) -> None:
    stub_connection(page, type="wifi", downlink=50)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    server.proxy.clear()
    play(page, LONG)
    now_playing(page, LONG)
    wait_until(page, "() => tonearm.engine.position > 3")
    page.get_by_role("button", name="Next", exact=True).first.click()
    wait_until(
        page, f"() => tonearm.engine.current && tonearm.engine.current.song.title !== '{LONG}'"
    )
    proxy_done(server)
    requests = _long_song_requests(server)
    size = page.evaluate(
        "async (id) => (await tonearm.source.ticket(id, tonearm.player.plays[0].quality)).size",
        server.songs[LONG]["id"],
    )
    fetched = sum(r.body_bytes for r in requests)
    # ~30 s of a 100 s song (with the prefetch's margins), asked for by Range.
    assert requests and all(r.range and r.range.startswith("bytes=0-") for r in requests), requests
    assert fetched < 0.45 * size, (fetched, size)


def test_a_song_played_through_arrives_in_growing_windows_once(
    page: Page, server: RunningTonearm
) -> None:
    stub_connection(page, type="wifi", downlink=50)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    server.proxy.clear()
    play(page, LONG)
    now_playing(page, LONG)
    page.evaluate("() => { tonearm.engine.audio.playbackRate = 8; }")
    wait_until(page, f"() => tonearm.engine.position > {LONG_SECONDS - 5}", 60_000)
    proxy_done(server)
    requests = _long_song_requests(server)
    ranges = []
    for request in requests:
        assert request.range and request.status == 206, request
        start, end = (int(x) for x in request.range.removeprefix("bytes=").split("-"))
        ranges.append((start, end))
    # Contiguous, each one larger than the one before (the last may be the rest), no byte twice.
    assert len(ranges) >= 2 and ranges[0][0] == 0, ranges
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end + 1, ranges
    sizes = [end - start + 1 for start, end in ranges]
    assert sizes[1] > sizes[0], sizes
    assert sum(r.body_bytes for r in requests) == ranges[-1][1] + 1


def _requests_for(server: RunningTonearm, title: str) -> list[ProxiedRequest]:
    song_id = server.songs[title]["id"]
    return [r for r in server.proxy.seen(MEDIA) if song_id in r.path]


def _entry(page: Page, title: str, server: RunningTonearm) -> dict[str, Any] | None:
    """The song's row in the page's offline cache, or None."""
    entry: dict[str, Any] | None = page.evaluate(
        "async (id) => tonearm.cache.entry(id)", server.songs[title]["id"]
    )
    return entry


def test_without_media_source_a_song_played_online_is_kept_and_plays_offline(
    page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    page_errors.allowed += ["net::ERR_INTERNET_DISCONNECTED", "503"]
    page.add_init_script(NO_MEDIA_SOURCE)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    wait_until(page, "() => Boolean(navigator.serviceWorker.controller)")
    song_id = server.songs["Gamma Echo"]["id"]
    server.proxy.clear()
    play(page, "Gamma Echo")
    now_playing(page, "Gamma Echo")
    # Played from its URL, and kept whole in the offline cache once the element read it all.
    wait_until(
        page, "async (id) => (await tonearm.cache.entry(id))?.partial === false", arg=song_id
    )
    proxy_done(server)
    kept = _entry(page, "Gamma Echo", server)
    assert kept is not None
    requests = _requests_for(server, "Gamma Echo")
    # Its bytes crossed the network once: the element's one read from byte 0 is what was kept
    # (no second download of the file for the cache).
    from_start = [r for r in requests if r.range in (None, "bytes=0-")]
    assert len(from_start) == 1 and from_start[0].body_bytes == kept["sizeBytes"], (requests, kept)
    # Played through, it counts as complete.
    wait_until(page, "() => tonearm.player.song?.id !== tonearm.player.plays[0]?.songId", 30_000)
    page.evaluate("() => tonearm.events.flush()")
    assert ("complete", song_id) in [(e["action"], e["song_id"]) for e in server.interactions()]

    with no_network(page, server):
        server.proxy.clear()
        play(page, "Gamma Echo")
        now_playing(page, "Gamma Echo")
        assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "cache"
        assert page.evaluate("() => tonearm.engine.audio.src").startswith("blob:")
        assert _requests_for(server, "Gamma Echo") == []


def test_without_media_source_the_next_song_starts_from_its_prefetched_beginning(
    page: Page, server: RunningTonearm
) -> None:
    page.add_init_script(NO_MEDIA_SOURCE)
    stub_connection(page, type="wifi", downlink=50)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    wait_until(page, "() => Boolean(navigator.serviceWorker.controller)")
    first, second = server.songs["Gamma Echo"], server.songs[LONG]
    server.proxy.clear()
    page.evaluate("([a, b]) => tonearm.player.playList([a, b], 0)", [first, second])
    now_playing(page, "Gamma Echo")
    # At 80% of the first song, the next one's first ~30 s are fetched by Range and kept.
    wait_until(
        page, "async (id) => (await tonearm.cache.entry(id))?.partial === true", arg=second["id"]
    )
    prefetched = _entry(page, LONG, server)
    assert prefetched is not None
    head = prefetched["sizeBytes"]
    size = page.evaluate(
        "async ([id, quality]) => (await tonearm.source.ticket(id, quality)).size",
        [second["id"], prefetched["quality"]],
    )
    assert head < 0.45 * size, (head, size)
    assert [r.range for r in _requests_for(server, LONG)] == [f"bytes=0-{head - 1}"]
    # The first song ends; the next one starts from the kept beginning, and only its rest
    # is asked of the network (from the byte after the beginning).
    now_playing(page, LONG)
    assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "prefetch"
    wait_until(page, "() => tonearm.engine.position > 2")
    proxy_done(server)
    ranges = [r.range for r in _requests_for(server, LONG)]
    assert ranges[0] == f"bytes=0-{head - 1}" and ranges[1] == f"bytes={head}-", ranges
    assert all(not (r or "").startswith("bytes=0-") for r in ranges[1:]), ranges
    # Read to its end (the beginning from the copy, the rest from the network; the element
    # reads a minute or so ahead of what plays), it is kept whole.
    page.evaluate("() => { tonearm.engine.audio.playbackRate = 8; }")
    wait_until(
        page,
        "async (id) => (await tonearm.cache.entry(id))?.partial === false",
        60_000,
        arg=second["id"],
    )
    kept = _entry(page, LONG, server)
    assert kept is not None and kept["sizeBytes"] == size, (kept, size)
    # The listening events go on: the first song complete, the second one played.
    page.evaluate("() => tonearm.events.flush()")
    events = [(e["action"], e["song_id"]) for e in server.interactions()]
    assert ("complete", first["id"]) in events and ("play", second["id"]) in events, events
