"""The app shell through the page: Home's shelves, the grouped sidebar, the phone's tab bar
and More sheet, the mini-player and Now Playing (controls, sleep timer), and the themes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.web.conftest import (
    PASSWORD,
    USERNAME,
    PageErrors,
    RunningTonearm,
    screenshot,
    wait_until,
)
from tests.web.playing import play

pytestmark = pytest.mark.slow

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PAUSED = "() => tonearm.engine.audio.paused"


@contextmanager
def opened(
    browser: Browser, server: RunningTonearm, errors: PageErrors, hash: str = "", **options: Any
) -> Iterator[Page]:
    """A new browser context (phone or desktop, a colour scheme…) signed in at `hash`; fails
    on console errors like the `page` fixture."""
    clock = options.pop("clock", False)
    context = browser.new_context(base_url=server.url, **options)
    try:
        page = context.new_page()
        if clock:
            page.clock.install()
        page.on("console", errors.console)
        page.on("pageerror", lambda error: errors.messages.append(f"pageerror: {error}"))
        page.goto(server.url + hash)
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("body[data-ready=true]", timeout=15_000)
        yield page
        assert errors.unexpected() == [], "the page logged errors"
    finally:
        context.close()


def within_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box and size
    return bool(
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def test_home_shows_shelves_of_the_library(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, **DESKTOP) as page:
        home = page.locator("main section.home")
        expect(home.get_by_role("heading", level=1)).to_be_visible()
        added = page.get_by_role("region", name="Recently added")
        expect(added.get_by_role("listitem")).to_have_count(2)
        assert sorted(added.locator("strong").all_text_contents()) == ["First Light", "Second Wind"]
        # Nothing has been played: no shelves of plays, no "most played" over zero plays.
        for title in ("Most played", "Recently played", "Trending"):
            expect(page.get_by_role("heading", name=title)).to_have_count(0)
        # The slot recommendations fill is there, and shows nothing while empty.
        expect(page.locator("#for-you")).to_be_hidden()
        expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        screenshot(page, "home-desktop-dark")
        added.get_by_role("link", name="Second Wind").click()
        expect(page.locator("main h1")).to_have_text("Second Wind")
        # Trending over zero plays is no list of every song as "the most played".
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Trending").click()
        expect(page.locator("main p.empty")).to_contain_text("Nothing has been played yet")
        expect(page.locator("main li.song")).to_have_count(0)


def test_most_played_appears_once_something_is_played(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with server.api() as client:
        song = server.songs["Delta Fade"]
        # A counted play, as the player reports it: the song heard to its end.
        when = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        events = [
            {"id": uuid.uuid4().hex, "type": kind, "song_id": song["id"], "timestamp": when,
             "session_id": "home", "position_ms": position}
            for kind, position in (("play", 0), ("complete", song["duration_ms"]))
        ]  # fmt: skip
        answer = client.post("/api/events", json={"events": events})
        assert answer.status_code == 200, answer.text
    with opened(browser, server, page_errors, **DESKTOP) as page:
        played = page.get_by_role("region", name="Most played")
        expect(played.get_by_role("button", name="Play Delta Fade by Other Band")).to_be_visible()
        recent = page.get_by_role("region", name="Recently played")
        expect(recent.get_by_role("button")).to_have_count(1)
        played.get_by_role("button", name="Play Delta Fade by Other Band").click()
        wait_until(page, "() => !tonearm.engine.audio.paused")
        expect(page.locator(".now-title")).to_have_text("Delta Fade")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Trending").click()
        expect(page.locator("main li.song .title")).to_have_text(["Delta Fade"])


def test_home_offline_points_to_what_still_plays(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    page_errors.allowed.append("net::ERR_INTERNET_DISCONNECTED")
    with opened(browser, server, page_errors, hash="#/songs", **DESKTOP) as page:
        page.context.set_offline(True)
        try:
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
            notice = page.locator("main p.empty")
            expect(notice).to_contain_text("You are offline")
            expect(notice).not_to_contain_text("library is empty")
            expect(notice.get_by_role("link", name="your downloads")).to_be_visible()
        finally:
            page.context.set_offline(False)


def test_the_sidebar_is_grouped_and_marks_the_current_screen(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, hash="#/albums", **DESKTOP) as page:
        sidebar = page.get_by_role("navigation", name="Main")
        assert sidebar.locator("h2").all_text_contents() == ["Library", "Your music", "More"]
        expect(sidebar.get_by_role("link", name="Albums")).to_have_attribute("aria-current", "page")
        # Nothing plays: no empty player bar; the tab bar is for phones only.
        expect(page.locator("#player")).to_be_hidden()
        expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
        expect(sidebar.get_by_role("link", name="Admin")).to_be_hidden()  # alice is no admin
        sidebar.get_by_role("link", name="Playlists").click()
        expect(sidebar.get_by_role("link", name="Playlists")).to_have_attribute(
            "aria-current", "page"
        )
        expect(sidebar.get_by_role("link", name="Albums")).not_to_have_attribute(
            "aria-current", "page"
        )


def test_the_phone_tab_bar_reaches_every_destination(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, **PHONE) as page:
        tabs = page.get_by_role("navigation", name="Sections")
        expect(tabs).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        assert within_viewport(page, "#tabbar")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        for tab in tabs.locator("a, button").all():
            box = tab.bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44
        screenshot(page, "home-phone-dark")

        tabs.get_by_role("link", name="Library").tap()
        expect(tabs.get_by_role("link", name="Library")).to_have_attribute("aria-current", "page")
        screenshot(page, "library-phone-dark")
        for name in ("Songs", "Artists", "Albums", "Genres", "Folders", "Playlists"):
            page.locator("main").get_by_role("link", name=name, exact=True).tap()
            expect(page.locator("main h1")).to_have_text(name)
            # Still under the Library tab (or, for playlists, under More).
            page.go_back()
            expect(page.locator("main h1")).to_have_text("Library")

        tabs.get_by_role("link", name="Search").tap()
        expect(page.locator("main h1")).to_have_text("Search")
        expect(page.locator("#search")).to_be_focused()
        page.fill("#search", "zeta")
        page.locator("li.song", has_text="Zeta Hum").wait_for()

        tabs.get_by_role("link", name="Downloads").tap()
        expect(page.locator("main h1")).to_have_text("Downloads")
        expect(tabs.get_by_role("link", name="Downloads")).to_have_attribute("aria-current", "page")

        more = tabs.get_by_role("button", name="More")
        expected = {
            "Playlists": "Playlists",
            "Liked": "Liked songs",
            "History": "History",
            "Trending": "Trending",
            "Radio": "Radio",
            "Podcasts": "Podcasts",
            "Sonic path": "Sonic path",
            "Mashups": "Mashups",
            "Upload": "Upload",
            "Shares": "Shares",
            "Usage": "Network usage",
            "Settings": "Settings",
        }
        more.tap()
        sheet = page.get_by_role("dialog", name="More")
        expect(sheet).to_be_visible()
        screenshot(page, "more-phone-dark")
        assert sheet.get_by_role("link").all_text_contents() == list(expected)  # no Admin
        sheet.get_by_role("button", name="Close").tap()
        for link, heading in expected.items():
            more.tap()
            expect(more).to_have_attribute("aria-expanded", "true")
            sheet.get_by_role("link", name=link).tap()
            expect(sheet).to_be_hidden()
            expect(page.locator("main h1").first).to_contain_text(heading)
            # The More tab stands for every screen it lists.
            expect(more).to_have_class("tab current")
            assert within_viewport(page, "#tabbar")


def test_mini_player_opens_now_playing_whose_controls_work(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, hash="#/songs", **PHONE) as page:
        expect(page.locator("#player")).to_be_hidden()  # nothing plays: no bar at all
        play(page, "Beta Drift")
        mini = page.get_by_role("contentinfo", name="Player")
        expect(mini).to_be_visible()
        mini_box = mini.bounding_box()
        tabs_box = page.locator("#tabbar").bounding_box()
        assert mini_box and tabs_box
        assert mini_box["height"] <= 72
        assert mini_box["y"] + mini_box["height"] <= tabs_box["y"] + 1  # just above the tabs
        # Nothing of the player lies over the tabs: a tap in each tab's middle lands on it.
        covered = page.evaluate(
            """() => [...document.querySelectorAll('#tabbar .tab')].filter((tab) => {
              const box = tab.getBoundingClientRect();
              const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
              return hit?.closest('.tab') !== tab; }).map((tab) => tab.textContent)"""
        )
        assert covered == []
        expect(mini.get_by_role("button", name="Pause")).to_be_visible()
        expect(mini.get_by_role("button", name="Next")).to_be_visible()
        screenshot(page, "mini-player-phone-dark")
        # A tap on the song's title (the middle of the mini-player) opens Now Playing.
        title_box = page.locator(".now-title").bounding_box()
        assert title_box
        page.touchscreen.tap(title_box["x"] + 20, title_box["y"] + title_box["height"] / 2)
        now = page.get_by_role("dialog", name="Now playing")
        expect(now).to_be_visible()
        beta = server.songs["Beta Drift"]
        expect(now.get_by_role("link", name="Beta Drift")).to_have_attribute(
            "href", f"#/song/{beta['id']}"
        )
        expect(now.get_by_role("link", name="Test Artist")).to_be_visible()
        expect(now.get_by_role("link", name="First Light")).to_be_visible()
        expect(now.get_by_role("slider", name="Seek")).to_be_visible()
        screenshot(page, "now-playing-phone-dark")

        now.get_by_role("button", name="Pause").tap()
        wait_until(page, PAUSED)
        now.get_by_role("button", name="Play", exact=True).tap()
        wait_until(page, "() => !tonearm.engine.audio.paused")
        now.get_by_role("button", name="Like Beta Drift", exact=True).tap()
        expect(now.get_by_role("button", name="Unlike Beta Drift")).to_have_attribute(
            "aria-pressed", "true"
        )
        now.get_by_role("button", name="Dislike Beta Drift").tap()
        expect(page.locator("#toast")).to_contain_text("less like Beta Drift")
        now.get_by_role("tab", name="Queue").tap()
        queue = now.get_by_role("list", name="Queue")
        expect(queue.locator("li")).to_have_count(len(server.songs))
        now.get_by_role("tab", name="Lyrics").tap()
        expect(now.get_by_role("tabpanel")).to_contain_text("No lyrics")
        # The phone's Back closes Now Playing and stays on the page under it.
        page.go_back()
        expect(now).to_be_hidden()
        expect(page.locator("main h1")).to_have_text("Songs")
        page.get_by_role("button", name="Open Now Playing: Beta Drift").tap()
        expect(now).to_be_visible()
        now.get_by_role("button", name="Next").tap()
        expect(now.get_by_role("link", name="Delta Fade")).to_be_visible()
        # Its links lead out of Now Playing, to the song's page.
        now.get_by_role("link", name="Delta Fade").tap()
        expect(now).to_be_hidden()
        expect(page.locator("main h1")).to_have_text("Delta Fade")


def test_the_sleep_timer_pauses_playback(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, hash="#/songs", clock=True, **PHONE) as page:
        play(page, "Alpha Dawn")  # the whole list plays on: only the timer stops it
        page.get_by_role("button", name="Open Now Playing: Alpha Dawn").tap()
        now = page.get_by_role("dialog", name="Now playing")
        now.get_by_label("Sleep timer").select_option("15")
        page.clock.fast_forward("14:00")
        assert not page.evaluate(PAUSED)  # not yet
        page.clock.fast_forward("01:05")
        wait_until(page, "() => tonearm.engine.audio.volume < 1 || tonearm.player.sleep === null")
        page.clock.fast_forward("00:06")  # the fade out
        wait_until(page, PAUSED, timeout_ms=10_000)
        expect(now.get_by_label("Sleep timer")).to_have_value("")
        expect(now.get_by_role("link", name="Alpha Dawn")).to_be_visible()  # the same song


def test_desktop_player_bar_links_and_now_playing(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors
) -> None:
    with opened(browser, server, page_errors, hash="#/songs", **DESKTOP) as page:
        play(page, "Epsilon Glow")
        bar = page.get_by_role("contentinfo", name="Player")
        epsilon = server.songs["Epsilon Glow"]
        expect(bar.get_by_role("link", name="Epsilon Glow")).to_have_attribute(
            "href", f"#/song/{epsilon['id']}"
        )
        bar.get_by_role("link", name="Second Wind").click()
        expect(page.locator("main h1")).to_have_text("Second Wind")
        bar.get_by_role("link", name="Other Band").click()
        expect(page.locator("main h1")).to_have_text("Other Band")
        bar.get_by_role("button", name="Open Now Playing: Epsilon Glow").click()
        now = page.get_by_role("dialog", name="Now playing")
        expect(now).to_be_visible()
        screenshot(page, "now-playing-desktop-dark")
        expect(now.get_by_role("button", name="Close Now Playing")).to_be_focused()
        now.get_by_role("button", name="Pause").click()
        wait_until(page, PAUSED)
        # The player's keys work in Now Playing: → seeks 5 s on.
        seek = now.get_by_role("slider", name="Seek")
        before = int(seek.get_attribute("aria-valuenow") or 0)
        page.keyboard.press("ArrowRight")
        wait_until(
            page,
            "(before) => Number(document.querySelector('.np-waveform')"
            ".getAttribute('aria-valuenow')) >= before + 4",
            arg=before,
        )
        page.keyboard.press("Escape")
        expect(now).to_be_hidden()
        expect(bar.get_by_role("button", name="Open Now Playing: Epsilon Glow")).to_be_focused()


CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
    return (x + 0.05) / (y + 0.05); };
  const probe = document.createElement("span");
  document.body.append(probe);
  const colour = (name) => { probe.style.color = `var(${name})`;
    return getComputedStyle(probe).color; };
  const pairs = [["--text", "--bg"], ["--text", "--panel"], ["--muted", "--bg"],
    ["--muted", "--panel"], ["--muted", "--raised"], ["--accent", "--bg"],
    ["--accent", "--panel"], ["--accent-text", "--accent"], ["--danger", "--panel"],
    ["--text", "--raised"]];
  const out = {};
  for (const [fg, bg] of pairs) out[`${fg} on ${bg}`] = ratio(colour(fg), colour(bg));
  probe.remove();
  return { ratios: out, background: getComputedStyle(document.body).backgroundColor };
}"""


def saved_preferences(response: Response) -> bool:
    return response.url.endswith("/api/user/preferences") and response.request.method == "PUT"


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_theme_follows_the_system_and_the_preference(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors, scheme: str
) -> None:
    with opened(browser, server, page_errors, color_scheme=scheme, **DESKTOP) as page:
        measured = page.evaluate(CONTRAST)
        dark = measured["background"] == "rgb(20, 22, 26)"
        light = measured["background"] == "rgb(246, 246, 244)"
        assert dark if scheme == "dark" else light, measured["background"]
        low = {pair: ratio for pair, ratio in measured["ratios"].items() if ratio < 4.5}
        assert low == {}, f"below WCAG AA in the {scheme} theme"
        # The `theme` preference (chosen in Settings) overrides the system.
        other = "light" if scheme == "dark" else "dark"
        page.goto(server.url + "#/settings")
        theme = page.get_by_role("group", name="Theme")
        with page.expect_response(saved_preferences):
            theme.get_by_role("radio", name=other.title()).check()
        expect(page.locator("html")).to_have_attribute("data-theme", other)
        assert page.evaluate(CONTRAST)["background"] != measured["background"]
        low = {p: r for p, r in page.evaluate(CONTRAST)["ratios"].items() if r < 4.5}
        assert low == {}, f"below WCAG AA in the {other} theme"
        # Saved back before the page closes: the server's preference outlives this test.
        with page.expect_response(saved_preferences):
            theme.get_by_role("radio", name="System").check()
        expect(page.locator("html")).not_to_have_attribute("data-theme", other)
        assert page.evaluate(CONTRAST)["background"] == measured["background"]


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_screenshots_of_the_main_screens(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors, scheme: str
) -> None:
    """Home, Library, More and Now Playing at both sizes in both themes, to look at."""
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        with opened(browser, server, page_errors, color_scheme=scheme, **options) as page:
            page.locator("section.home").wait_for()
            screenshot(page, f"home-{size}-{scheme}")
            page.goto(server.url + ("#/library" if size == "phone" else "#/albums"))
            expect(page.locator("main h1")).to_have_text("Library" if size == "phone" else "Albums")
            screenshot(page, f"library-{size}-{scheme}")
            if size == "phone":
                page.get_by_role("button", name="More").tap()
                page.get_by_role("dialog", name="More").wait_for()
                screenshot(page, f"more-{size}-{scheme}")
                page.keyboard.press("Escape")
            page.goto(server.url + "#/songs")
            play(page, "Alpha Dawn")
            page.evaluate("() => tonearm.player.seek(4)")
            screenshot(page, f"bar-{size}-{scheme}")
            page.get_by_role("button", name="Open Now Playing: Alpha Dawn").click()
            page.get_by_role("dialog", name="Now playing").get_by_text("Second line").wait_for()
            page.get_by_role("dialog", name="Now playing").get_by_role(
                "button", name="Pause"
            ).click()
            wait_until(page, PAUSED)
            screenshot(page, f"now-playing-{size}-{scheme}")
