"""axe-core (tests/web/vendor/axe.min.js, test-only) on every screen of the web player and on
the public share page, at 1280×800 and at 390×844 with touch, in light and dark: no serious
or critical violations.

Each run also writes what axe found to test-output/axe/<size>-<scheme>.json, so the report
names every screen and rule when it fails.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.servers import free_port
from tests.web.conftest import SCREENSHOTS, RunningTonearm, run_tonearm, wait_until
from tests.web.proxy import ThrottlingProxy

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
REPORTS = SCREENSHOTS.parent / "axe"
ADMIN = "root"
ADMIN_PASSWORD = "keys-to-the-castle-7"

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}

# Serious or critical violations of the screen's rules, as "rule: target, target (help)".
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`
      + `${v.nodes.length > 4 ? ` … ${v.nodes.length} in all` : ""} — ${v.help}`);
}"""


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    """The library with an admin (who sees every screen), a playlist and a share."""
    root = tmp_path_factory.mktemp("web-a11y")
    data = root / "data"
    shutil.copytree(library_template, data)
    run_tonearm(data, "user", "add", ADMIN, "--password", ADMIN_PASSWORD, "--admin")
    run_tonearm(data, "radio", "add", "Night Owl FM", "https://radio.example/live")
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


def admin_client(server: RunningTonearm) -> httpx.Client:
    token = httpx.post(
        f"{server.direct}/api/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    return httpx.Client(base_url=server.direct, headers={"Authorization": f"Bearer {token}"})


def screens(server: RunningTonearm, playlist_id: str) -> dict[str, str]:
    """Every screen's route."""
    song = server.songs["Alpha Dawn"]
    return {
        "home": "#/home",
        "library": "#/library",
        "songs": "#/songs",
        "albums": "#/albums",
        "album": f"#/album/{song['album_id']}",
        "artists": "#/artists",
        "artist": f"#/artist/{song['artist_ids'][0]}",
        "song": f"#/song/{song['id']}",
        "search": "#/search/alpha",
        "genres": "#/genres",
        "folders": "#/folders",
        "playlists": "#/playlists",
        "playlist": f"#/playlist/{playlist_id}",
        "likes": "#/likes",
        "history": "#/history",
        "trending": "#/trending",
        "settings": "#/settings",
        "downloads": "#/downloads",
        "upload": "#/upload",
        "usage": "#/usage",
        "shares": "#/shares",
        "admin-users": "#/admin/users",
        "admin-library": "#/admin/library",
        "admin-failures": "#/admin/failures",
        "admin-jobs": "#/admin/jobs",
        "admin-health": "#/admin/health",
        "radio": "#/radio",
        "admin-radio": "#/admin/radio",
        "podcasts": "#/podcasts",
        "sonic-path": f"#/sonic-path?from={song['id']}",
    }


def show(page: Page, route: str) -> None:
    """Opens `route` and waits until its view is drawn."""
    page.evaluate("(route) => { location.hash = route; }", route)
    wait_until(
        page,
        """(route) => location.hash === route && !document.getElementById('main').hasAttribute('aria-busy')
            && document.querySelector('#main h1')""",
        arg=route,
        timeout_ms=30_000,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_or_critical_violations_on_any_screen(
    browser: Browser, server: RunningTonearm, size: str, scheme: str
) -> None:
    with admin_client(server) as client:
        song_ids = [server.songs[title]["id"] for title in ("Alpha Dawn", "Beta Drift")]
        owned = client.get("/api/playlists").json()["playlists"]
        if not owned:
            client.post("/api/playlists", json={"name": "Evening", "song_ids": song_ids})
            owned = client.get("/api/playlists").json()["playlists"]
        playlist_id = owned[0]["id"]
        # A counted play, so that Home shows its song shelves (recently and most played)
        # whatever ran before: a complete counts on its own.
        played = client.post(
            "/api/events",
            json={
                "events": [
                    {
                        "id": f"a11y-{size}-{scheme}",
                        "type": "complete",
                        "song_id": song_ids[0],
                        "timestamp": datetime.now(UTC).isoformat(),
                        "session_id": f"a11y-{size}-{scheme}",
                    }
                ]
            },
        )
        assert played.status_code < 300, played.text
        share = client.post(
            "/api/shares", json={"kind": "album", "id": server.songs["Alpha Dawn"]["album_id"]}
        ).json()
    context = browser.new_context(
        base_url=server.url,
        color_scheme=scheme,
        **SIZES[size],  # type: ignore[arg-type]
    )
    found: dict[str, list[str]] = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(name: str) -> None:
        found[name] = page.evaluate(RUN_AXE)
        page.screenshot(path=str(SCREENSHOTS / f"a11y-{size}-{scheme}-{name}.png"))

    try:
        # axe is in every document from its start (an init script, which no CSP stops).
        context.add_init_script(path=AXE)
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector("#username")
        check("sign-in")
        page.fill("#username", ADMIN)
        page.fill("#password", ADMIN_PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        for name, route in screens(server, playlist_id).items():
            show(page, route)
            check(name)
        if size == "phone":
            # The More sheet: every screen the phone's tabs leave out.
            page.get_by_role("button", name="More").tap()
            page.get_by_role("dialog", name="More").wait_for()
            check("more-sheet")
            page.keyboard.press("Escape")
        # Now Playing over a song that plays (paused, so the screenshot holds still).
        show(page, "#/songs")
        page.locator("li.song", has_text="Alpha Dawn").locator("button.song-main").click()
        page.get_by_role("button", name="Open Now Playing: Alpha Dawn").click()
        dialog = page.get_by_role("dialog", name="Now playing")
        dialog.get_by_role("button", name="Pause", exact=True).click()
        dialog.get_by_role("button", name="Play", exact=True).wait_for()
        check("now-playing")
        page.goto(share["url"].replace(server.direct + "/", server.url))
        check("share-page")
    finally:
        context.close()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{size}-{scheme}.json").write_text(json.dumps(found, indent=2))
    failing = {screen: rules for screen, rules in found.items() if rules}
    assert failing == {}, json.dumps(failing, indent=2)
