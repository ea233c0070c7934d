"""Podcasts in the web player against a real server and a local feed server (on the
allow-list): an admin subscribes by URL, the channel's card opens its episodes, the newest
is downloaded by the server's own job, plays (Range) in the page, and where it stopped is
saved and shown again after a reload; another episode is downloaded on request. axe finds
no serious or critical violation on either screen, at desktop and phone sizes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.feed_server import FeedServer, start_feed_server
from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port
from tests.web.conftest import PageErrors, RunningTonearm, run_tonearm, wait_until
from tests.web.proxy import ThrottlingProxy
from tests.web.test_accessibility import AXE, RUN_AXE, SIZES

pytestmark = pytest.mark.slow

ADMIN = "boss"
ADMIN_PASSWORD = "keys-to-the-castle-7"
SHOTS = Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedServer]:
    audio = make_audio_file(tmp_path_factory.mktemp("episode-audio"), "mp3", seconds=8)
    server, stop = start_feed_server()
    for n in (1, 2, 3):
        server.route(f"/audio/{n}.mp3", body=audio.read_bytes(), content_type="audio/mpeg")
    yield server
    stop()


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    root = tmp_path_factory.mktemp("web-podcasts")
    data = root / "data"
    shutil.copytree(library_template, data)
    run_tonearm(data, "user", "add", ADMIN, "--password", ADMIN_PASSWORD, "--admin")
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(
        data,
        port,
        proxy,
        root / "tonearm.log",
        env={"TONEARM_FETCH_ALLOW": "127.0.0.1", "TONEARM_PODCAST_KEEP_EPISODES": "1"},
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()
        proxy.stop()


def signed_in(browser: Browser, server: RunningTonearm, size: str) -> Page:
    context = browser.new_context(base_url=server.url, **SIZES[size])  # type: ignore[arg-type]
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto(server.url + "#/podcasts")
    page.fill("#username", ADMIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def no_axe_violations(page: Page) -> None:
    assert page.evaluate(RUN_AXE) == []


def test_subscribe_download_play_and_resume(
    browser: Browser, server: RunningTonearm, feeds: FeedServer, page_errors: PageErrors
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page = signed_in(browser, server, "desktop")
    page.on("console", page_errors.console)
    page.on("pageerror", lambda error: page_errors.messages.append(f"pageerror: {error}"))
    # The channel's image is on a plain-http test server: the app's CSP (https images only)
    # refuses it and the card shows its placeholder.
    page_errors.allowed.append("cover.png")
    page.wait_for_selector("section.podcasts")
    expect(page.locator("p.empty")).to_contain_text("No podcasts yet")

    page.fill("#podcast-url", feeds.feed("/feed.xml", "itunes.xml"))
    page.get_by_role("button", name="Subscribe").click()
    card = page.locator("li.podcast-card")
    expect(card).to_have_count(1)
    expect(card.locator("a.card-title")).to_have_text("Tonearm Test Radio")
    no_axe_violations(page)
    page.screenshot(path=str(SHOTS / "podcasts-desktop-grid.png"))

    card.locator("a.card-title").click()
    episodes = page.locator("li.episode")
    expect(episodes).to_have_count(3)
    expect(episodes.locator(".episode-title")).to_have_text(
        ["Episode 3: Belts", "Episode 2: Cartridges", "Episode 1: Hello"]
    )
    newest = episodes.nth(0)
    # TONEARM_PODCAST_KEEP_EPISODES=1: the server's job downloads the newest; the page
    # looks again while a download is under way.
    expect(newest.locator(".episode-status")).to_have_text("Downloaded", timeout=60_000)
    expect(episodes.nth(2).locator(".episode-status")).to_have_text("Not downloaded")

    newest.get_by_role("button", name="Play", exact=True).click()
    wait_until(page, "() => document.querySelector('audio.episode-audio').currentTime > 1.5")
    page.evaluate("() => document.querySelector('audio.episode-audio').pause()")
    # Paused: the position is saved; a reload shows it (read back from the server).
    wait_until(
        page,
        """async () => {
          const r = await fetch(`api/podcasts/episodes/${document.querySelector('li.episode').dataset.episodeId}`);
          const e = await r.json();
          return e.progress && e.progress.position_ms > 1000;
        }""",
    )
    page.reload()
    page.wait_for_selector("li.episode")
    expect(page.locator("li.episode").nth(0).locator(".episode-resume")).to_contain_text(
        "Stopped at 0:0"
    )
    expect(page.locator("li.episode").nth(0).get_by_role("button", name="Resume")).to_be_visible()

    oldest = page.locator("li.episode").nth(2)
    oldest.get_by_role("button", name="Download").click()
    expect(oldest.locator(".episode-status")).to_have_text("Downloaded", timeout=60_000)
    oldest.get_by_role("button", name="Mark played").click()
    expect(page.locator("li.episode").nth(2).locator(".episode-played")).to_have_text("Played")
    no_axe_violations(page)
    page.screenshot(path=str(SHOTS / "podcasts-desktop-channel.png"), full_page=True)
    page.context.close()

    phone = signed_in(browser, server, "phone")
    phone.wait_for_selector("li.podcast-card")
    phone.screenshot(path=str(SHOTS / "podcasts-phone-grid.png"))
    phone.locator("li.podcast-card a.card-title").tap()
    phone.wait_for_selector("li.episode")
    no_axe_violations(phone)
    phone.screenshot(path=str(SHOTS / "podcasts-phone-channel.png"), full_page=True)
    # On a phone, Podcasts is in the More sheet (the bottom tabs are unchanged).
    phone.get_by_role("button", name="More").tap()
    expect(
        phone.get_by_role("dialog", name="More").get_by_role("link", name="Podcasts")
    ).to_be_visible()
    phone.context.close()
    assert page_errors.unexpected() == []
