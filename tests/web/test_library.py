"""Signing in and out, changing the password, and the library views: search as you type,
artists, albums, genres, folders, playlists, liked songs, history, trending, song details."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.web.conftest import PASSWORD, PageErrors, RunningTonearm, screenshot, sign_in
from tests.web.playing import row_action

pytestmark = pytest.mark.slow


def test_wrong_password_is_refused_then_sign_in_and_out(
    page: Page, server: RunningTonearm, page_errors: PageErrors
) -> None:
    # The refused sign-in and the check after signing out answer 401 on purpose.
    page_errors.allowed += [
        f"401 (Unauthorized) ({server.url}api/auth/session)",
        f"401 (Unauthorized) ({server.url}api/auth/me)",
    ]
    page.goto(server.url + "#/songs")
    page.fill("#username", "alice")
    page.fill("#password", "not the password")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signin .error:text('Wrong username or password.')")
    screenshot(page, "sign-in")
    page.fill("#password", PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("li.song").count() == len(server.songs)
    page.goto(server.url + "#/settings")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#signin #username")
    # The session ended on the server too: the cookie no longer signs anything in.
    assert page.evaluate("async () => (await fetch('api/auth/me')).status") == 401


def test_search_as_you_type(app: Page) -> None:
    app.fill("#search", "gamm")
    app.wait_for_selector("main h1:text('Results for “gamm”')")
    titles = app.locator("main li.song .title").all_text_contents()
    assert titles[0] == "Gamma Echo"
    # A typo in a whole word is forgiven by the server's search.
    app.fill("#search", "epsilom")
    app.wait_for_selector("main li.song .title:text('Epsilon Glow')")
    # Artists and albums are found by their own names, above the songs, and lead to them.
    app.fill("#search", "seco")
    app.wait_for_selector("main h2:text('Albums')")
    assert app.locator("main .art-card .card-title").all_text_contents() == ["Second Wind"]
    assert app.locator("main h2").all_text_contents() == ["Albums", "Songs"]
    app.fill("#search", "other band")
    app.wait_for_selector("main h2:text('Artists')")
    screenshot(app, "search")
    app.click("main .art-card a.card-title:has-text('Other Band')")
    app.wait_for_selector("main h1:text('Other Band')")
    app.fill("#search", "qqqqzzzz")
    app.wait_for_selector("main p.empty:text('Nothing found')")
    # Results opened from a link (or the back button): the box says what they are for.
    app.evaluate("() => { document.activeElement.blur(); location.hash = '#/search/gamma'; }")
    app.wait_for_selector("main h1:text('Results for “gamma”')")
    assert app.input_value("#search") == "gamma"


def test_artists_albums_genres_folders_and_song_details(app: Page, server: RunningTonearm) -> None:
    app.click("nav >> text=Artists")
    app.click(".art-card a.card-title:has-text('Other Band')")
    app.wait_for_selector("h1:text('Other Band')")
    app.click(".art-card a.card-title:has-text('Second Wind')")
    app.wait_for_selector("h1:text('Second Wind')")
    assert app.locator("main li.song .title").all_text_contents() == [
        "Delta Fade",
        "Epsilon Glow",
        "Zeta Hum",
    ]
    screenshot(app, "album")
    app.click("nav >> text=Genres")
    app.click("a.card:has-text('Rock')")
    app.wait_for_selector("main h1:text('Rock')")
    assert app.locator("main li.song").count() == 3
    app.click("nav >> text=Folders")
    app.wait_for_selector("main a.card")
    app.locator("main a.card").first.click()
    app.wait_for_selector("main a:text('↑ Up')")
    app.goto(server.url + f"#/song/{server.songs['Alpha Dawn']['id']}")
    app.wait_for_selector("h1:text('Alpha Dawn')")
    assert "Ambient" in app.locator("dl.facts").text_content()
    assert "Third line" in app.locator(".lyrics-static").text_content()
    # These generated songs have no cover: a placeholder stands in, and no image is asked.
    assert app.locator("main .item-cover .art.placeholder").is_visible()
    assert app.locator("main .item-cover img").count() == 0
    screenshot(app, "song-details")


def test_playlists_create_add_reorder_rename_delete(app: Page, server: RunningTonearm) -> None:
    app.click("nav >> text=Playlists")
    app.fill("input[aria-label='New playlist name']", "Road trip")
    app.click("main button:text('Create')")
    app.wait_for_selector("main h1:text('Road trip')")
    for title in ("Beta Drift", "Alpha Dawn", "Gamma Echo"):
        app.click("nav >> text=Songs")
        row_action(app, title, "Add to playlist…")
        app.click("dialog.picker button:text('Road trip')")
        app.wait_for_selector("dialog.picker", state="detached")
    playlist_id = app.evaluate(
        "async () => (await (await fetch('api/playlists')).json()).playlists[0].id"
    )
    app.goto(server.url + f"#/playlist/{playlist_id}")
    app.wait_for_selector("section.playlist li.song")
    titles = lambda: app.locator("main li.song .title").all_text_contents()  # noqa: E731
    assert titles() == ["Beta Drift", "Alpha Dawn", "Gamma Echo"]
    # Drag Gamma onto Beta's place: it becomes first.
    app.locator("main li.song", has_text="Gamma Echo").drag_to(
        app.locator("main li.song", has_text="Beta Drift")
    )
    app.wait_for_function(
        "() => document.querySelector('main li.song .title').textContent === 'Gamma Echo'"
    )
    assert titles() == ["Gamma Echo", "Beta Drift", "Alpha Dawn"]
    row_action(app, "Alpha Dawn", "Move up")
    app.wait_for_function(
        "() => document.querySelectorAll('main li.song .title')[1].textContent === 'Alpha Dawn'"
    )
    row_action(app, "Beta Drift", "Remove from playlist")
    app.wait_for_function("() => document.querySelectorAll('main li.song').length === 2")
    with server.api() as client:
        saved = client.get(f"/api/playlists/{playlist_id}").json()
    assert [e["song"]["title"] for e in saved["entries"]] == ["Gamma Echo", "Alpha Dawn"]
    app.fill("input[aria-label='Playlist name']", "Long drive")
    app.click("main button:text('Rename')")
    app.wait_for_selector("main h1:text('Long drive')")
    screenshot(app, "playlist")
    app.evaluate("() => tonearm.events.flush()")
    added = [e for e in server.interactions() if e["action"] == "add_to_playlist"]
    assert sorted(e["song_id"] for e in added) == sorted(
        server.songs[t]["id"] for t in ("Beta Drift", "Alpha Dawn", "Gamma Echo")
    )
    assert {e["context"]["playlist_id"] for e in added} == {playlist_id}
    app.on("dialog", lambda dialog: dialog.accept())
    app.click("main button:text('Delete playlist')")
    app.wait_for_selector("main h1:text('Playlists')")
    with server.api() as client:
        assert client.get(f"/api/playlists/{playlist_id}").status_code == 404


def test_like_shows_in_liked_songs_and_history_and_trending_load(
    app: Page, server: RunningTonearm
) -> None:
    with app.expect_response(lambda r: r.url.endswith("/like") and r.request.method == "PUT"):
        row_action(app, "Epsilon Glow", "Like")
    # Its menu now offers to unlike it.
    app.get_by_role("button", name="More for Epsilon Glow").click()
    app.get_by_role("menuitem", name="Unlike").wait_for()
    app.keyboard.press("Escape")
    app.click("nav >> text=Liked")
    app.wait_for_selector("main h1:text('Liked songs')")
    assert app.locator("main li.song .title").all_text_contents() == ["Epsilon Glow"]
    app.evaluate("() => tonearm.events.flush()")
    assert ("like", server.songs["Epsilon Glow"]["id"]) in [
        (e["action"], e["song_id"]) for e in server.interactions()
    ]
    app.click("nav >> text=History")
    app.wait_for_selector("main h1:text('History')")
    app.click("nav >> text=Trending")
    app.wait_for_selector("main h1:text('Trending')")
    # Nothing has been played here: no list of songs with no plays under "most played".
    app.wait_for_selector("main p.empty:text('Nothing has been played yet')")
    assert app.locator("main li.song").count() == 0


def test_change_password_keeps_this_browser_signed_in(
    app: Page, server: RunningTonearm, browser: Browser
) -> None:
    new_password = "an even better one 7"
    app.goto(server.url + "#/settings")
    app.fill("input[name=current]", PASSWORD)
    app.fill("input[name=new]", new_password)
    app.click("button:text('Change password')")
    app.wait_for_selector("#toast:text('Password changed')")
    screenshot(app, "settings")
    assert app.evaluate("async () => (await fetch('api/auth/me')).status") == 200
    other = browser.new_context(base_url=server.url)
    try:
        page = other.new_page()
        sign_in(page, server, password=new_password)
        assert page.locator("li.song").count() > 0
    finally:
        other.close()
        with server.api(new_password) as client:
            response = client.post(
                "/api/auth/password",
                json={"current_password": new_password, "new_password": PASSWORD},
            )
            assert response.status_code == 204


def test_phone_layout(browser: Browser, server: RunningTonearm) -> None:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        sign_in(page, server)
        page.wait_for_selector("li.song")
        # Nothing is wider than the screen; the tab bar is below the list (tests/web/
        # test_home_and_nav.py tests it and the mini-player).
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        tabs = page.get_by_role("navigation", name="Sections").bounding_box()
        main = page.locator("#main").bounding_box()
        assert tabs and main and main["y"] + main["height"] <= tabs["y"] + 1
        screenshot(page, "phone-library")
    finally:
        context.close()
