"""Playlist files in the player: importing an M3U shows what did not match, the new playlist
exports as a file, and a playlist read from a music folder hides its editing controls."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Route, expect

from tests.web.conftest import RunningTonearm, screenshot

SHOTS = Path(__file__).resolve().parents[2] / "shots"

M3U = (
    "#EXTM3U\r\n"
    "#EXTINF:12,Test Artist - Alpha Dawn\r\n"
    "C:\\Music\\Test Artist\\First Light\\01 Alpha Dawn.flac\r\n"
    "#EXTINF:14,Other Band - Delta Fade\r\n"
    "..\\Other Band\\Second Wind\\01 Delta Fade.flac\r\n"
    "nowhere/missing song.mp3\r\n"
).encode("cp1252")


def test_import_report_export_and_read_only(app: Page, server: RunningTonearm) -> None:
    app.goto(server.url + "#/playlists")
    picker = app.get_by_label("Import a playlist file")
    picker.set_input_files({"name": "Road trip.m3u", "mimeType": "audio/x-mpegurl", "buffer": M3U})
    report = app.locator(".import-report")
    expect(report).to_contain_text("Imported 2 songs into Road trip.")
    expect(report).to_contain_text("1 entry not found in the library:")
    missing = report.locator(".unmatched li")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text("Line 6: nowhere/missing song.mp3")
    expect(missing).to_contain_text("no library song at this path")
    expect(app.locator(".playlist-cards a.card")).to_contain_text(["Road trip2 songs"])
    for width, height, name in ((390, 844, "phone"), (1280, 800, "desktop")):
        app.set_viewport_size({"width": width, "height": height})
        SHOTS.mkdir(exist_ok=True)
        app.screenshot(path=str(SHOTS / f"playlist-import-{name}.png"), full_page=True)

    report.get_by_role("link", name="Road trip").click()
    expect(app.locator("li.song")).to_have_count(2)
    expect(app.locator("li.song").first).to_contain_text("Alpha Dawn")
    app.get_by_text("Export", exact=True).click()
    with app.expect_download() as download:
        app.get_by_role("link", name="M3U8 playlist").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "Road trip.m3u8"
    assert saved.startswith("#EXTM3U\n#PLAYLIST:Road trip\n")
    # Imported songs live in storage, not in a music folder: listed by name, without a path.
    assert "# not a file on this server: Test Artist - Alpha Dawn" in saved
    app.screenshot(path=str(SHOTS / "playlist-export-desktop.png"))
    assert app.get_by_role("button", name="Rename").is_visible()

    # The same playlist as a scanned one: no rename, delete, reorder or remove.
    def as_scanned(route: Route) -> None:
        body = route.fetch().json()
        route.fulfill(json={**body, "read_only": True})

    playlist_url = app.url
    app.route("**/api/playlists/*", as_scanned)
    app.goto(server.url + "#/playlists")
    app.goto(playlist_url)
    expect(app.locator(".read-only-note")).to_contain_text("Read from a playlist file")
    expect(app.get_by_role("button", name="Rename")).to_have_count(0)
    expect(app.get_by_role("button", name="Delete playlist")).to_have_count(0)
    expect(app.locator("li.song")).to_have_count(2)
    screenshot(app, "playlist-read-only")
