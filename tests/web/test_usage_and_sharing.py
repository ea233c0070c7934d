"""The network-usage dashboard and sharing, in the player against a real server: the data
the dashboard says was used is exactly what the throttling proxy sent, a play from the
offline cache shows as saved, tap-to-audio is charted as p50/p95; a share link made in the
UI plays in a logged-out browser, then stops once expired and once revoked."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.web.conftest import (
    PageErrors,
    RunningTonearm,
    screenshot,
    set_connection,
    sign_in,
    stub_connection,
    wait_until,
)
from tests.web.playing import MEDIA, play, play_until_cached, proxy_done

pytestmark = pytest.mark.slow

# The player fetches audio from the signed media endpoint, /api/media/{song_id}/{kind}?t=…


def nearest_rank(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def play_whole(page: Page, title: str, song_id: str) -> None:
    """Plays the song until all of it is in the offline cache (so every byte of its
    response was read), then pauses, so no prefetch of the next song starts."""
    play_until_cached(page, title, song_id)
    page.evaluate("() => tonearm.engine.pause()")


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
    page.evaluate("() => tonearm.engine.pause()")
    assert page.evaluate("() => tonearm.player.plays.at(-1).origin") == "cache"
    assert server.proxy.bytes_for(MEDIA) == total
    cached_size = page.evaluate(f"async () => (await tonearm.cache.entry('{gamma}')).sizeBytes")

    page.evaluate("() => { location.hash = '#/usage'; }")
    page.wait_for_selector("#usage-today")
    # The proxy counts response body bytes (after the status line and headers), and so does
    # the ledger (the bytes the player read from each response body): the two are equal,
    # to the byte. The HTTP headers (a few hundred bytes per request) are in neither.
    assert int(data(page, "#usage-today", "bytes")) == total
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
    page.locator("main .art-card").get_by_role("link", name="First Light").click()
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
        assert listener.locator("li strong").all_inner_texts() == [
            "Alpha Dawn",
            "Beta Drift",
            "Gamma Echo",
        ]
        audio_src = listener.locator("audio").first.get_attribute("src") or ""
        listener.evaluate("() => document.querySelector('audio').play()")
        wait_until(listener, "() => document.querySelector('audio').currentTime > 0.5")

        page.evaluate("() => { location.hash = '#/shares'; }")
        item = page.locator("li.share-item")
        item.wait_for()
        assert item.locator(".share-visits").get_attribute("data-visits") == "1"
        assert item.locator("input.share-link").input_value() == url
        screenshot(page, "shares")

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
