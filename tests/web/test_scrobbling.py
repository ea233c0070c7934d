"""Settings → Scrobbling in Chromium: connect ListenBrainz with a token (refused, then
accepted; the page never shows it again), see the state, disconnect. The server talks to
the local fake of ListenBrainz and Last.fm (tests/scrobbling/fake_services.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.scrobbling.fake_services import API_KEY, SECRET, FakeServices, running_fake
from tests.servers import free_port
from tests.web.conftest import SCREENSHOTS, PageErrors, RunningTonearm, sign_in
from tests.web.proxy import ThrottlingProxy


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeServices]:
    with running_fake() as services:
        yield services


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory, fake: FakeServices
) -> Iterator[RunningTonearm]:
    """A server on a copy of the library whose scrobbling services are the fake."""
    root = tmp_path_factory.mktemp("web-scrobbling")
    data = root / "data"
    shutil.copytree(library_template, data)
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.env = {
        "TONEARM_LISTENBRAINZ_URL": fake.url,
        "TONEARM_LASTFM_API_KEY": API_KEY,
        "TONEARM_LASTFM_SECRET": SECRET,
        "TONEARM_LASTFM_API_URL": fake.lastfm_api_url,
        "TONEARM_LASTFM_AUTH_URL": fake.lastfm_auth_url,
    }
    running.start()
    try:
        yield running
    finally:
        running.stop()
        proxy.stop()


def shoot(page: Page, name: str) -> None:
    """The Scrobbling card alone, under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#scrobbling").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_listenbrainz_connects_with_a_token_and_disconnects(
    page: Page, server: RunningTonearm, fake: FakeServices, page_errors: PageErrors
) -> None:
    page_errors.allowed.append("400 (Bad Request)")  # the refused token, on purpose
    fake.state.lb_tokens["lb-secret-token"] = "alice-on-lb"
    sign_in(page, server)
    page.goto(server.url + "#/settings")
    card = page.locator("#scrobbling")
    expect(card.get_by_role("heading", name="Scrobbling")).to_be_visible()
    listenbrainz = card.locator("[data-service=listenbrainz]")
    lastfm = card.locator("[data-service=lastfm]")
    expect(lastfm.get_by_role("button", name="Connect Last.fm")).to_be_visible()
    shoot(page, "scrobbling-desktop-disconnected")

    listenbrainz.get_by_label("ListenBrainz user token").fill("not-a-token")
    listenbrainz.get_by_role("button", name="Connect ListenBrainz").click()
    expect(page.locator("#toast")).to_contain_text("ListenBrainz does not know this token")

    listenbrainz.get_by_label("ListenBrainz user token").fill("lb-secret-token")
    listenbrainz.get_by_role("button", name="Connect ListenBrainz").click()
    expect(listenbrainz).to_contain_text("Connected as alice-on-lb.")
    expect(listenbrainz).to_contain_text("0 items waiting")
    expect(listenbrainz.get_by_label("ListenBrainz user token")).to_have_count(0)
    assert "lb-secret-token" not in page.content()
    shoot(page, "scrobbling-desktop-connected")
    page.set_viewport_size({"width": 390, "height": 844})
    card.scroll_into_view_if_needed()
    shoot(page, "scrobbling-phone-connected")

    listenbrainz.get_by_role("button", name="Disconnect ListenBrainz").click()
    expect(listenbrainz.get_by_label("ListenBrainz user token")).to_be_visible()
    with server.api() as api:
        services = {s["service"]: s for s in api.get("/api/me/scrobbling").json()["services"]}
    assert services["listenbrainz"]["connected"] is False
