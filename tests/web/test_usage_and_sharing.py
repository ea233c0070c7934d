"""The network-usage dashboard and sharing, in the player against a real server: the data
the dashboard says was used is exactly what the throttling proxy sent, a play from the
offline cache shows as saved, tap-to-audio is charted as p50/p95; a share link made in the
UI plays in a logged-out browser, then stops once expired and once revoked."""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.ingest.audio_factory import make_audio_file, make_image_bytes
from tests.servers import free_port
from tests.web.conftest import (
    PageErrors,
    RunningTonearm,
    run_tonearm,
    screenshot,
    set_connection,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import MEDIA, pause, play, play_until_cached, proxy_done
from tests.web.proxy import ThrottlingProxy

pytestmark = pytest.mark.slow

# The player fetches audio from the signed media endpoint, /api/media/{song_id}/{kind}?t=…

# An album with a cover, for the share page (the shared library has none, so the usage
# figures count audio alone).
COVER_STORY = ("Theta Shine", "Iota Spark", "Kappa Glint")


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    """The library plus "Cover Story", three short songs with cover art."""
    root = tmp_path_factory.mktemp("web-sharing")
    data = root / "data"
    shutil.copytree(library_template, data)
    music = root / "music"
    cover = make_image_bytes("jpeg", 320)
    for track, title in enumerate(COVER_STORY, start=1):
        make_audio_file(
            music,
            "flac",
            seconds=6,
            tags={"title": title, "artists": "Cover Band", "album": "Cover Story",
                  "album_artist": "Cover Band", "track_number": track},
            name=f"{track:02d} {title}.flac",
            frequency_hz=300 + 50 * track,
            picture=cover,
        )  # fmt: skip
    run_tonearm(data, "import", "--jobs", "1", str(music))
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
        running.stop()
        proxy.stop()


def nearest_rank(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def play_whole(page: Page, title: str, song_id: str) -> None:
    """Plays the song until all of it is in the offline cache (so every byte of its
    response was read), then pauses, so no prefetch of the next song starts."""
    play_until_cached(page, title, song_id)
    pause(page)


def data(page: Page, selector: str, key: str) -> str:
    return page.locator(selector).get_attribute(f"data-{key}") or ""


def test_the_dashboard_shows_the_bytes_the_proxy_counted_savings_and_tap_to_audio(
    context: BrowserContext, page: Page, server: RunningTonearm
) -> None:
    stub_connection(context, type="wifi", downlink=10)
    sign_in(page, server)
    page.wait_for_selector("li.song")
    gamma = server.songs["Gamma Echo"]["id"]
    epsilon = server.songs["Epsilon Glow"]["id"]
    server.proxy.clear()
    play_whole(page, "Gamma Echo", gamma)
    proxy_done(server)
    on_wifi = server.proxy.bytes_for(MEDIA)
    set_connection(page, type="cellular", effectiveType="4g", downlink=10)
    play_whole(page, "Epsilon Glow", epsilon)
    proxy_done(server)
    total = server.proxy.bytes_for(MEDIA)
    assert 0 < on_wifi < total
    # Again: from the offline cache, with nothing fetched.
    play(page, "Gamma Echo")
    pause(page)
    assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "cache"
    assert server.proxy.bytes_for(MEDIA) == total
    cached_size = page.evaluate(f"async () => (await tonearm.cache.entry('{gamma}')).sizeBytes")

    page.evaluate("() => { location.hash = '#/usage'; }")
    page.wait_for_selector("#usage-today")
    # The proxy counts response body bytes (after the status line and headers), and so does
    # the ledger (the bytes the player read from each response body): the two are equal,
    # to the byte. The HTTP headers (a few hundred bytes per request) are in neither.
    counted = int(data(page, "#usage-today", "bytes"))
    sent = [(r.pathname[-24:], r.range, r.status, r.body_bytes) for r in server.proxy.seen(MEDIA)]
    assert counted == total, sent
    assert int(data(page, "#usage-today-wifi", "bytes")) == on_wifi
    assert int(data(page, "#usage-today-cellular", "bytes")) == total - on_wifi
    assert int(data(page, "#usage-today-unknown", "bytes")) == 0
    today = page.locator("svg.data-chart g.day").last
    assert int(today.get_attribute("data-bytes") or 0) == total
    assert [rect.get_attribute("data-kind") for rect in today.locator("rect").all()] == [
        "wifi",
        "cellular",
    ]
    # The cache play saved the size of the copy it played.
    assert int(data(page, "#usage-saved-cache", "today-bytes")) == cached_size > 0

    taps = page.evaluate("() => tonearm.player.plays.map((p) => p.tapToAudioMs)")
    assert len(taps) == 3 and all(isinstance(ms, int) for ms in taps)
    p50, p95 = nearest_rank(taps, 50), nearest_rank(taps, 95)
    assert (data(page, "#usage-tap", "p50"), data(page, "#usage-tap", "p95")) == (
        str(p50),
        str(p95),
    )
    assert (data(page, "#usage-tap", "count")) == "3"
    for key, value in (("p50", p50), ("p95", p95)):
        assert page.locator(f"svg.tap-chart polyline.line-{key}").count() == 1
        assert page.locator(f"svg.tap-chart circle.dot-{key}").last.get_attribute("data-ms") == (
            str(value)
        )
    assert data(page, "#usage-cache-size", "count") == "2"
    assert page.locator("table.cache-contents tbody tr").count() == 2
    assert page.locator("table.cache-contents", has_text="Gamma Echo").count() == 1
    screenshot(page, "usage-dashboard")
    page.locator("svg.tap-chart").scroll_into_view_if_needed()
    screenshot(page, "usage-charts")


def test_a_shared_album_plays_logged_out_until_it_expires_and_is_revoked(
    browser: Browser, context: BrowserContext, page: Page, server: RunningTonearm,
    page_errors: PageErrors,
) -> None:  # fmt: skip
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, server)
    page.goto(server.url + "#/albums")
    # The album's card (song rows link their album too).
    page.locator("main .art-card").get_by_role("link", name="Cover Story").click()
    page.get_by_role("button", name="Share").click()
    dialog = page.locator("dialog.share-dialog")
    dialog.get_by_label("1 day").check()
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.locator("input.share-link")
    link.wait_for()
    url = link.input_value()
    assert url.startswith(server.url + "share/")
    dialog.get_by_role("button", name="Copy").click()
    wait_until(page, "async () => (await navigator.clipboard.readText()).includes('/share/')")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    # Without the Clipboard API's permission, the link is selected for Ctrl+C instead.
    page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('no')); }"
    )
    dialog.get_by_role("button", name="Copy").click()
    assert page.evaluate(
        "() => { const i = document.querySelector('input.share-link');"
        " return document.activeElement === i && i.selectionStart === 0"
        " && i.selectionEnd === i.value.length; }"
    )
    screenshot(page, "share-dialog")
    dialog.get_by_role("button", name="Close").click()

    [share] = server.api().get("/api/shares").json()
    # Asked directly (not through the proxy), the link has the server's own base: same slug.
    slug = url.rsplit("/", 1)[1]
    assert (share["url"].rsplit("/", 1)[1], share["kind"], share["song_count"]) == (
        slug,
        "album",
        3,
    )

    visitor = browser.new_context()
    try:
        listener = visitor.new_page()
        listener.on("console", page_errors.console)
        listener.on("pageerror", lambda error: page_errors.messages.append(f"pageerror: {error}"))
        assert listener.goto(url).status == 200  # type: ignore[union-attr]
        tracks = listener.get_by_role("list", name="Songs").get_by_role("button")
        assert tracks.locator("strong").all_inner_texts() == list(COVER_STORY)
        # One player for the list, and the album's cover.
        assert listener.locator("audio").count() == 1
        cover = listener.get_by_role("img", name="Cover of Cover Story")
        wait_until(listener, "() => document.querySelector('img.cover')?.naturalWidth > 0")
        assert cover.is_visible()
        # A click on a track plays it (logged out), and marks it as the one playing.
        listener.get_by_role("button", name="Iota Spark").click()
        wait_until(listener, "() => document.querySelector('audio').currentTime > 0.5")
        assert tracks.nth(1).get_attribute("aria-current") == "true"
        assert tracks.nth(0).get_attribute("aria-current") == "false"
        audio_src = listener.locator("audio").get_attribute("src") or ""
        assert audio_src == tracks.nth(1).get_attribute("data-src")
        # At its end the next one follows.
        listener.evaluate(
            "() => { const a = document.querySelector('audio'); a.currentTime = a.duration - 0.3; }"
        )
        wait_until(
            listener,
            "() => document.querySelector('.track[aria-current=\"true\"] strong')?.textContent === 'Kappa Glint'",
        )
        for size, name in (((1280, 800), "share-page-desktop"), ((390, 844), "share-page-phone")):
            listener.set_viewport_size({"width": size[0], "height": size[1]})
            screenshot(listener, name)

        page.evaluate("() => { location.hash = '#/shares'; }")
        item = page.locator("li.share-item")
        item.wait_for()
        assert item.locator(".share-visits").get_attribute("data-visits") == "1"
        assert item.locator("input.share-link").input_value() == url
        screenshot(page, "shares")
        # Opened where the app runs (its service worker controls the origin): the share page
        # still comes from the server, not the app's shell.
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
        page.goto(url)
        page.get_by_role("img", name="Cover of Cover Story").wait_for()
        page.goto(server.url + "#/shares")
        item.wait_for()

        # Expire it now: the page says so, and its audio URL no longer plays. (Chromium
        # logs the 410 and 404 of these pages as console errors: provoked here, on purpose.)
        page_errors.allowed += [
            f"status of 410 (Gone) ({url})",
            f"status of 404 (Not Found) ({url})",
        ]
        item.get_by_label("Change the expiry").select_option("now")
        page.locator("li.share-item.expired").wait_for()
        assert listener.goto(url).status == 410  # type: ignore[union-attr]
        assert listener.request.get(audio_src, headers={"Range": "bytes=0-99"}).status == 401

        # Revoke it: gone from the list, and the link leads nowhere.
        page.once("dialog", lambda prompt: prompt.accept())
        page.locator("li.share-item").get_by_role("button", name="Revoke").click()
        page.get_by_text("You have not shared anything yet.").wait_for()
        assert listener.goto(url).status == 404  # type: ignore[union-attr]
        assert server.api().get("/api/shares").json() == []
    finally:
        visitor.close()


def test_the_theme_setting_applies_at_once_and_is_kept_by_the_server(
    page: Page, server: RunningTonearm
) -> None:
    sign_in(page, server)
    page.goto(server.url + "#/settings")
    theme = page.get_by_role("group", name="Theme")
    assert theme.get_by_role("radio", name="System").is_checked()
    # Before any measurement, no "Last tap-to-audio: — ms".
    assert page.get_by_text("Last tap-to-audio").count() == 0
    # The cache limit reads in the unit of its field.
    assert page.get_by_label("Cache size limit (MiB)").input_value() == "500"
    assert "limit 500 MiB" in page.locator("#cache-usage").inner_text()

    theme.get_by_role("radio", name="Dark").check()
    wait_until(page, "() => document.documentElement.dataset.theme === 'dark'")
    server_theme_becomes(server, "dark")
    screenshot(page, "settings-dark")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.goto(server.url + "#/settings")
    assert page.get_by_role("group", name="Theme").get_by_role("radio", name="Dark").is_checked()

    page.get_by_role("group", name="Theme").get_by_role("radio", name="Light").check()
    wait_until(page, "() => document.documentElement.dataset.theme === 'light'")
    page.get_by_role("group", name="Theme").get_by_role("radio", name="System").check()
    wait_until(page, "() => !('theme' in document.documentElement.dataset)")
    server_theme_becomes(server, "system")


def server_theme_becomes(server: RunningTonearm, theme: str, timeout_s: float = 15) -> None:
    """Waits until the server keeps `theme` as alice's preference (the page saves on change)."""
    deadline = time.monotonic() + timeout_s
    with server.api() as client:
        while (kept := client.get("/api/user/preferences").json()["theme"]) != theme:
            assert time.monotonic() < deadline, f"the server kept {kept!r}, not {theme!r}"
            time.sleep(0.1)
