"""Internet radio in Chromium: an admin adds a local endless-MP3 station with ICY metadata
(tests/radio_stream.py) in the admin screens, a user taps it in the Radio view, and its
stream really plays through the radio bar's <audio> element with the now-playing title."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.radio_stream import IcyStation, make_stream_audio
from tests.web.conftest import PASSWORD, USERNAME, RunningTonearm, run_tonearm, screenshot

ADMIN, ADMIN_PASSWORD = "root", "keys-to-the-castle-7"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IcyStation]:
    audio = make_stream_audio(tmp_path_factory.mktemp("station"), seconds=4)
    running = IcyStation(audio, title="Nina Vale – Harbour Lights").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin_account(server: RunningTonearm) -> str:
    run_tonearm(server.data_dir, "user", "add", ADMIN, "--password", ADMIN_PASSWORD, "--admin")
    return ADMIN


def media_src(server: RunningTonearm) -> str:
    policy = httpx.get(server.direct + "/").headers["content-security-policy"]
    match = re.search(r"media-src ([^;]*)", policy)
    assert match
    return match.group(1)


def open_as(page: Page, server: RunningTonearm, username: str, password: str, route: str) -> None:
    page.goto(server.url + route)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)


def test_an_admin_adds_a_station_and_a_user_plays_it(
    browser: Browser, server: RunningTonearm, station: IcyStation, admin_account: str
) -> None:
    assert station.origin not in media_src(server)

    admin = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = admin.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_as(page, server, admin_account, ADMIN_PASSWORD, "#/admin/radio")
    page.wait_for_selector("form.station-form")
    page.fill("#new-station-name", "Harbour Radio")
    page.fill("#new-station-stream", station.url)
    page.fill("#new-station-homepage", "https://harbour.example/")
    page.click("form.station-form button[type=submit]")
    expect(page.locator("tr[data-station] th")).to_have_text("Harbour Radio")
    screenshot(page, "radio-admin-desktop")
    admin.close()
    assert errors == []
    # The page may now play media from the station's origin, and from no other.
    assert station.origin in media_src(server)
    assert "https:" not in media_src(server).split()

    listener = browser.new_context(base_url=server.url, **PHONE)
    page = listener.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console.append(str(error)))
    open_as(page, server, USERNAME, PASSWORD, "#/radio")
    card = page.get_by_role("button", name="Play Harbour Radio")
    card.click()
    # Really playing: the element's clock moves (an endless stream, so it never ends).
    page.wait_for_function(
        """() => { const audio = document.getElementById('radio-audio');
                   return audio && !audio.paused && audio.currentTime > 1.5; }""",
        timeout=20_000,
    )
    bar = page.locator("#radio-bar")
    expect(bar).to_be_visible()
    expect(bar.locator(".radio-name")).to_have_text("Harbour Radio")
    expect(page.locator("#radio-now-playing")).to_have_text("Nina Vale – Harbour Lights")
    expect(page.get_by_role("button", name="Stop Harbour Radio")).to_have_class(
        re.compile("playing")
    )
    screenshot(page, "radio-playing-phone")

    # Pause and play again from the bar, then stop: the stream is let go.
    page.get_by_role("button", name="Pause Harbour Radio").click()
    page.wait_for_function("() => document.getElementById('radio-audio').paused")
    page.get_by_role("button", name="Play Harbour Radio").first.click()
    page.wait_for_function("() => !document.getElementById('radio-audio').paused")
    page.get_by_role("button", name="Stop the radio").click()
    expect(bar).to_be_hidden()
    assert page.evaluate("() => document.getElementById('radio-audio').getAttribute('src')") is None
    listener.close()
    assert console == []


def test_playing_a_song_stops_the_radio(
    browser: Browser, server: RunningTonearm, station: IcyStation, admin_account: str
) -> None:
    token = httpx.post(
        f"{server.direct}/api/auth/login",
        json={"username": admin_account, "password": ADMIN_PASSWORD},
    ).json()["access_token"]
    with httpx.Client(base_url=server.direct, headers={"Authorization": f"Bearer {token}"}) as api:
        if "Harbour Radio" not in [s["name"] for s in api.get("/api/radio/stations").json()]:
            added = api.post(
                "/api/radio/stations", json={"name": "Harbour Radio", "stream_url": station.url}
            )
            assert added.status_code == 201, added.text
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_as(page, server, USERNAME, PASSWORD, "#/radio")
    page.get_by_role("button", name="Play Harbour Radio").click()
    page.wait_for_function(
        "() => document.getElementById('radio-audio').currentTime > 0.5", timeout=20_000
    )
    screenshot(page, "radio-playing-desktop")
    page.goto(server.url + "#/songs")
    page.wait_for_selector("li.song")
    page.locator("li.song").first.locator("button").first.click()
    page.wait_for_function("() => window.tonearm.player.engine.playing", timeout=20_000)
    expect(page.locator("#radio-bar")).to_be_hidden()
    expect(page.locator("#player")).to_be_visible()
    context.close()
