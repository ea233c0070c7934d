"""Uploads and the admin screens in the web player, against one real server.

- Uploads: files dropped on the library (a DataTransfer, as a drag from the desktop) and a
  folder picked in the Upload view; the good songs appear without a reload, the corrupt one
  shows the server's reason.
- Admin screens: users (add, disable, enable, reset a password, an API key that works on
  /rest/ping.view), folders and scans, import failures, jobs, health.
- Someone who is not an admin sees no Admin link and gets 403 from the admin API.
"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from tests.ingest.audio_factory import make_audio_file
from tests.servers import free_port
from tests.web.conftest import (
    LIBRARY,
    PageErrors,
    RunningTonearm,
    run_tonearm,
    screenshot,
    wait_until,
)
from tests.web.proxy import ThrottlingProxy

pytestmark = pytest.mark.slow

ADMIN = "root"
ADMIN_PASSWORD = "keys-to-the-castle-7"
# An empty ID3v2 header and no audio (random bytes after "ID3" sometimes claim a tag larger
# than the file: refused as a tag bomb, not "not audio").
CORRUPT = b"ID3\x04\x00\x00" + bytes(6004)


def new_song(folder: Path, title: str, frequency_hz: float, name: str | None = None) -> Path:
    """A short FLAC whose audio is not in the library yet."""
    return make_audio_file(
        folder,
        "flac",
        seconds=2,
        tags={"title": title, "artists": "Uploader", "album": "New Arrivals"},
        name=name or f"{title}.flac",
        frequency_hz=frequency_hz,
    )


@pytest.fixture(scope="module")
def server(
    library_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTonearm]:
    """The library, an admin, and a music folder holding one new song and a corrupt file
    (for the scan screen)."""
    root = tmp_path_factory.mktemp("web-admin")
    data = root / "data"
    shutil.copytree(library_template, data)
    run_tonearm(data, "user", "add", ADMIN, "--password", ADMIN_PASSWORD, "--admin")
    music = root / "music"
    new_song(music, "Scanned Tune", 1234, "Scanned/Scanned Tune.flac")
    (music / "Scanned" / "broken.mp3").write_bytes(CORRUPT)
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    # Admins may add music folders from the web under the test's folder only.
    settings = {"TONEARM_MUSIC_FOLDERS": str(music), "TONEARM_FOLDER_ROOTS": str(root)}
    running = RunningTonearm(data, port, proxy, root / "tonearm.log", env=settings)
    running.start()
    with running.api() as client:
        items = client.get("/api/songs", params={"limit": 100}).json()["items"]
    running.songs = {song["title"]: song for song in items}
    try:
        yield running
    finally:
        running.stop()
        proxy.stop()


def sign_in_as_admin(page: Page, server: RunningTonearm) -> None:
    page.goto(server.url)
    page.fill("#username", ADMIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)


def login(server: RunningTonearm, username: str, password: str) -> int:
    return httpx.post(
        f"{server.direct}/api/auth/login", json={"username": username, "password": password}
    ).status_code


def titles(server: RunningTonearm) -> set[str]:
    with server.api() as client:
        items = client.get("/api/songs", params={"limit": 500}).json()["items"]
    return {song["title"] for song in items}


def test_uploads_by_drop_and_folder_show_up_without_a_reload(
    app: Page, server: RunningTonearm, tmp_path: Path
) -> None:
    dropped = tmp_path / "dropped"
    files = [new_song(dropped, "Upload One", 1500), new_song(dropped, "Upload Two", 1700)]
    payload = [
        {"name": path.name, "data": base64.b64encode(path.read_bytes()).decode()} for path in files
    ] + [{"name": "corrupt.mp3", "data": base64.b64encode(CORRUPT).decode()}]
    assert app.locator("#nav-upload").is_visible()  # alice may upload (the default)
    app.evaluate("() => { window.__marker = 'no reload'; }")

    # Drop them on the song list, as a drag from the desktop would.
    app.evaluate(
        """(files) => {
            const transfer = new DataTransfer();
            for (const { name, data } of files) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name));
            }
            const target = document.querySelector("main");
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
        }""",
        payload,
    )
    app.wait_for_selector("#uploads-panel li.upload >> nth=2")
    screenshot(app, "uploads-in-progress")
    for title in ("Upload One", "Upload Two"):
        app.wait_for_selector(f"main li.song .title:text('{title}')", timeout=30_000)
    bad = app.locator("#uploads-panel li.upload:has-text('corrupt.mp3')")
    bad.locator(".upload-reason:text('not audio')").wait_for(timeout=30_000)
    assert bad.get_attribute("data-state") == "failed"
    assert app.locator("#uploads-panel li.upload[data-state=done]").count() == 2
    assert app.locator("main li.song").count() == len(LIBRARY) + 2
    assert app.evaluate("() => window.__marker") == "no reload"
    screenshot(app, "uploads-done")

    # A folder picked in the Upload view: its files go up (hidden files skipped).
    folder = tmp_path / "picked"
    new_song(folder, "Upload Three", 1900, "Album/Upload Three.flac")
    (folder / "Album" / ".DS_Store").write_bytes(b"\0" * 10)
    app.click("#nav-upload")
    app.wait_for_selector("main h1:text('Upload')")
    app.set_input_files("#upload-folder", folder)
    row = app.locator("#uploads-panel li.upload:has-text('Upload Three.flac')")
    row.and_(app.locator("[data-state=done]")).wait_for(timeout=30_000)
    assert app.locator("#uploads-panel li.upload:has-text('DS_Store')").count() == 0
    screenshot(app, "upload-view")
    app.click("nav >> text=Songs")
    app.wait_for_selector("main li.song .title:text('Upload Three')")


def test_admin_screens(page: Page, server: RunningTonearm, page_errors: PageErrors) -> None:
    page_errors.allowed.append("403 (Forbidden)")  # adding /etc: outside the allowed roots
    sign_in_as_admin(page, server)
    page.click("#nav-admin")

    # Users: add, disable, enable, reset a password, make an API key and use it.
    page.wait_for_selector("section.admin[data-admin=users] tr[data-username=root]")
    page.fill("input[name=new-username]", "bob")
    page.fill("input[name=new-password]", "bob-first-password")
    page.click("button:text-is('Add user')")
    bob = page.locator("tr[data-username=bob]")
    bob.wait_for()
    assert login(server, "bob", "bob-first-password") == 200
    bob.get_by_role("button", name="Disable").click()
    page.wait_for_selector("tr[data-username=bob][data-active=false]")
    assert login(server, "bob", "bob-first-password") == 401
    page.locator("tr[data-username=bob]").get_by_role("button", name="Enable").click()
    page.wait_for_selector("tr[data-username=bob][data-active=true]")
    page.locator("tr[data-username=bob]").get_by_role("button", name="Reset password").click()
    page.fill("input[name=reset-password]", "bob-second-password")
    page.click("button:text-is('Set password')")
    page.wait_for_selector("#toast:has-text('password was reset')")
    assert login(server, "bob", "bob-first-password") == 401
    assert login(server, "bob", "bob-second-password") == 200
    page.locator("tr[data-username=bob]").get_by_role("button", name="API keys").click()
    page.fill("input[name=key-name]", "bob's phone")
    page.click("button:text-is('Make a key')")
    key = page.locator("code.api-key").inner_text()
    ping = httpx.get(
        f"{server.direct}/rest/ping.view",
        params={"apiKey": key, "f": "json", "v": "1.16.1", "c": "test"},
    ).json()["subsonic-response"]
    assert ping["status"] == "ok", ping
    new_key = page.locator('.key-list li:has-text("bob\'s phone")')
    new_key.wait_for()
    # Listed before its first use: "never used", not a literal null.
    assert "never used" in new_key.inner_text() and "null" not in new_key.inner_text()
    screenshot(page, "admin-users")

    # Folders and scans: the scan finds the new song and the corrupt file.
    page.click(".admin-tabs >> text=Folders and scans")
    folder = page.locator("section.admin[data-admin=library] tr[data-path]")
    folder.wait_for()
    assert folder.locator("td.folder-exists").inner_text() == "yes"
    assert folder.locator("td.folder-last-scan").inner_text() == "never"
    page.click("#start-scan")
    last = page.locator(".scan[data-state=succeeded]:has(h2:text('Last scan'))")
    last.wait_for(timeout=30_000)
    assert last.locator("dd[data-count=added]").inner_text() == "1"
    assert last.locator("dd[data-count=failed]").inner_text() == "1"
    assert "not audio" in last.locator(".failure-list").inner_text()
    assert page.locator("#start-scan").is_enabled()
    assert folder.locator("td.folder-songs").inner_text() == "1"
    assert "+1" in folder.locator("td.folder-last-scan").inner_text()
    # The scanned song is listed at once, then enriched in the background: the screen
    # follows the queue until it is empty.
    enrichment = page.locator("#enrichment")
    enrichment.filter(has_text="1 done").wait_for(timeout=120_000)
    assert "0 waiting, 0 running, 0 failed, 1 done" in enrichment.inner_text()
    # Enrichment analysed the scanned song from its own decode (imports wait for the job).
    analysis = page.locator("#analysis").inner_text()
    assert re.search(
        r"Audio analysis \(tempo, key, energy\): \d+ waiting, 0 failed, 1 done", analysis
    )
    screenshot(page, "admin-library")

    # Add a second folder from the web: it is scanned at once and its song appears; then
    # remove it (after a confirm) and its song leaves the library.
    more = server.data_dir.parent / "more"
    new_song(more, "Added Tune", 2100, "Added/Added Tune.flac")
    page.fill("input[name=folder-path]", "/etc")
    page.click("button:text-is('Add folder')")
    page.wait_for_selector("#toast:has-text('TONEARM_FOLDER_ROOTS')")
    page.fill("input[name=folder-path]", str(more))
    page.click("button:text-is('Add folder')")
    added = page.locator(f"tr.music-folder[data-path='{more}']")
    added.locator("td.folder-songs:text-is('1')").wait_for(timeout=30_000)
    added.locator("td.folder-last-scan:has-text('+1')").wait_for()
    assert added.locator("td.folder-exists").inner_text() == "yes"
    assert "Added Tune" in titles(server)
    screenshot(page, "admin-folders-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    added.scroll_into_view_if_needed()
    screenshot(page, "admin-folders-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.once("dialog", lambda dialog: dialog.accept())
    added.get_by_role("button", name=f"Remove {more}").click()
    added.wait_for(state="detached")
    page.wait_for_selector("#toast:has-text('1 song left the library')")
    assert "Added Tune" not in titles(server)
    assert page.locator("tr.music-folder").count() == 1

    # Import failures: the corrupt files of the scan (and the upload test), with reasons.
    page.click(".admin-tabs >> text=Import failures")
    failure = page.locator("tr.failure:has-text('broken.mp3')")
    failure.wait_for()
    assert "not audio" in failure.locator("td.error").inner_text()
    screenshot(page, "admin-failures")

    # Jobs: run one now and see its run succeed.
    page.click(".admin-tabs >> text=Jobs")
    prune = page.locator("tr.job[data-job='jobs.prune']")
    prune.wait_for()
    assert prune.get_attribute("data-state") == "never"
    prune.get_by_role("button", name="Run now: jobs.prune").click()
    page.wait_for_selector("tr.job[data-job='jobs.prune'][data-state=succeeded]", timeout=30_000)
    scan_row = page.locator("tr.job[data-job='library.scan']")
    assert scan_row.get_attribute("data-state") == "succeeded"
    scan_row.get_by_role("button", name="History of library.scan").click()
    page.wait_for_selector("tr.runs-row li[data-state=succeeded]")
    # A job that needs arguments (a file's path) offers no "Run now".
    imports = page.locator("tr.job[data-job='library.import_file']")
    assert imports.get_by_role("button", name="Run now: library.import_file").count() == 0
    assert "Queued by tonearm when needed" in imports.inner_text()
    assert prune.get_by_role("button", name="Run now: jobs.prune").count() == 1
    screenshot(page, "admin-jobs")
    # On a phone each job is a card whose cells name their columns.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("section.admin table.admin-table thead").is_hidden()
    schedule = scan_row.locator("td").first
    assert schedule.get_attribute("data-label") == "Schedule"
    label = page.evaluate(
        "(cell) => getComputedStyle(cell, '::before').content", schedule.element_handle()
    )
    assert label == '"Schedule"'
    assert scan_row.bounding_box()["width"] <= 390  # type: ignore[index]
    screenshot(page, "admin-jobs-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Health: the figures match the server's.
    page.click(".admin-tabs >> text=Server health")
    page.wait_for_selector(".admin-health [data-status=ok]")
    with server.api() as client:
        songs = len(client.get("/api/songs", params={"limit": 500}).json()["items"])
    assert page.locator("dd[data-figure=songs]").inner_text() == str(songs)
    assert songs >= len(LIBRARY) + 1  # the scanned song at least
    assert page.locator("dd[data-figure=users]").inner_text().startswith("3 (3 active, 1 admin")
    assert page.locator("dd[data-figure=storage]").inner_text()[0].isdigit()
    assert page.locator("dd[data-figure=storage]").inner_text().split()[0] != "0"
    assert page.locator("tr[data-component=database][data-ok=true]").count() == 1
    screenshot(page, "admin-health")


def test_a_user_sees_no_admin_screens(
    app: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    page_errors.allowed.append("403 (Forbidden)")
    assert app.locator("#nav-admin").is_hidden()
    statuses = app.evaluate(
        """async () => Promise.all(["api/admin/users", "api/admin/library", "api/admin/health"]
            .map(async (path) => (await fetch(path)).status))"""
    )
    assert statuses == [403, 403, 403]
    app.goto(server.url + "#/admin/users")
    app.wait_for_selector("main h1:text('Cannot show this page')")
    wait_until(app, "() => !document.querySelector('section.admin')")
    screenshot(app, "admin-refused")
