"""Song rows that play on a tap, their "⋯" menu, cover art in grids and rows, links between
songs, albums and artists, and the search page's sections — at phone and desktop sizes.

This module has its own library: one album with embedded cover art and accented names, one
without any (its cards and rows show placeholders, and the page never asks for art that is
not there: a 404 would be a console error, which fails the test).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.ingest.audio_factory import make_audio_file, make_image_bytes
from tests.servers import free_port
from tests.web.conftest import (
    PASSWORD,
    USERNAME,
    PageErrors,
    RunningTonearm,
    run_tonearm,
    screenshot,
    sign_in,
    wait_until,
)
from tests.web.proxy import ThrottlingProxy

pytestmark = pytest.mark.slow

WITH_ART = "Norðurljós"
ARTIST_WITH_ART = "Sigrún Ævarsdóttir"
WITHOUT_ART = "Plain Covers"
ARTIST_WITHOUT_ART = "Bare Band"
# (title, artist, album, track, seconds, frequency)
SONGS = (
    ("Aurora Borealis Over the Long Winter Fjords", ARTIST_WITH_ART, WITH_ART, 1, 12, 440),
    ("Bláa Lónið", ARTIST_WITH_ART, WITH_ART, 2, 14, 330),
    ("Cold Open", ARTIST_WITHOUT_ART, WITHOUT_ART, 1, 10, 550),
    ("Dry Run", ARTIST_WITHOUT_ART, WITHOUT_ART, 2, 10, 262),
)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTonearm]:
    """A server on this module's library (cover art on one album only)."""
    root = tmp_path_factory.mktemp("rows-and-art")
    music = root / "music"
    cover = make_image_bytes("jpeg", size_px=320)
    for title, artist, album, track, seconds, hz in SONGS:
        make_audio_file(
            music,
            "flac",
            seconds=seconds,
            tags={
                "title": title,
                "artists": artist,
                "album": album,
                "album_artist": artist,
                "track_number": track,
                "genres": "Ambient",
                "year": 2024,
            },
            picture=cover if album == WITH_ART else None,
            name=f"{artist}/{album}/{track:02d} {title}.flac",
            frequency_hz=hz,
        )
    data = root / "data"
    run_tonearm(data, "import", "--jobs", "1", str(music))
    run_tonearm(data, "user", "add", USERNAME, "--password", PASSWORD)
    port = free_port()
    proxy = ThrottlingProxy(port).start()
    running = RunningTonearm(data, port, proxy, root / "tonearm.log")
    running.start()
    with running.api() as client:
        items = client.get("/api/songs", params={"limit": 100}).json()["items"]
    running.songs = {song["title"]: song for song in items}
    assert {song["title"]: song["has_art"] for song in items} == {
        title: album == WITH_ART for title, _, album, *_ in SONGS
    }
    try:
        yield running
    finally:
        running.stop()
        proxy.stop()
        shutil.rmtree(music, ignore_errors=True)


def open_page(
    browser: Browser, server: RunningTonearm, page_errors: PageErrors, **options: Any
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=server.url, **options)
    page = context.new_page()
    page.on("console", page_errors.console)
    page.on("pageerror", lambda error: page_errors.messages.append(f"pageerror: {error}"))
    sign_in(page, server)
    page.evaluate("() => { location.hash = '#/songs'; }")
    page.wait_for_selector("main h1:text-is('Songs')")
    page.wait_for_selector("main li.song")
    return context, page


@pytest.fixture
def phone(browser: Browser, server: RunningTonearm, page_errors: PageErrors) -> Iterator[Page]:
    context, page = open_page(browser, server, page_errors, **PHONE)
    yield page
    context.close()
    assert page_errors.unexpected() == [], "the page logged errors"


@pytest.fixture
def desktop(browser: Browser, server: RunningTonearm, page_errors: PageErrors) -> Iterator[Page]:
    context, page = open_page(browser, server, page_errors, **DESKTOP)
    yield page
    context.close()
    assert page_errors.unexpected() == [], "the page logged errors"


def row(page: Page, title: str) -> Any:
    return page.locator("main li.song", has_text=title)


def audio_advancing(page: Page) -> None:
    """Waits until the player's audio element (not in the document) plays past 0.5 s."""
    wait_until(page, "() => !tonearm.engine.audio.paused && tonearm.engine.audio.currentTime > 0.5")


def covers_loaded(page: Page, selector: str) -> None:
    wait_until(
        page,
        "(s) => { const all = [...document.querySelectorAll(s)];"
        " return all.length > 0 && all.every((i) => i.complete && i.naturalWidth > 0); }",
        arg=selector,
    )


def test_phone_tap_in_the_middle_of_a_row_plays_that_song_and_opens_nothing(
    phone: Page, server: RunningTonearm
) -> None:
    target = row(phone, "Bláa Lónið")
    box = target.bounding_box()
    assert box is not None
    # One line each for the title and the names: rows are short, and fit the screen.
    assert box["height"] <= 72, box
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    hash_before = phone.evaluate("() => location.hash")
    phone.mouse.move(0, 0)
    phone.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    audio_advancing(phone)
    phone.wait_for_selector("main li.song[aria-current='true']:has-text('Bláa Lónið')")
    assert phone.locator("main li.song[aria-current='true']").count() == 1
    assert phone.evaluate("() => location.hash") == hash_before
    assert phone.locator("[role=menu]").count() == 0
    assert phone.locator("dialog[open]").count() == 0
    # A tap on the names plays too (on a touch screen they are part of the row) …
    other = row(phone, "Cold Open").locator(".song-sub")
    other.tap()
    phone.wait_for_selector("main li.song[aria-current='true']:has-text('Cold Open')")
    assert phone.evaluate("() => location.hash") == hash_before
    assert not row(phone, "Bláa Lónið").get_attribute("aria-current")
    screenshot(phone, "rows-phone-songs-playing")
    # … and the ⋯ button opens the menu as a bottom sheet, which a tap outside closes.
    row(phone, "Dry Run").get_by_role("button", name="More for Dry Run").tap()
    menu = phone.get_by_role("menu")
    menu.wait_for()
    menu_box = menu.bounding_box()
    assert menu_box is not None and menu_box["y"] + menu_box["height"] >= 844 - 2
    assert menu_box["width"] >= 380
    for item in menu.get_by_role("menuitem").all():
        assert item.bounding_box()["height"] >= 44  # type: ignore[index]
    screenshot(phone, "rows-phone-menu")
    phone.touchscreen.tap(195, 100)
    menu.wait_for(state="detached")
    phone.wait_for_selector("main li.song[aria-current='true']:has-text('Cold Open')")


def test_menu_adds_to_queue_and_works_from_the_keyboard(desktop: Page) -> None:
    more = row(desktop, "Cold Open").get_by_role("button", name="More for Cold Open")
    more.click()
    menu = desktop.get_by_role("menu")
    assert more.get_attribute("aria-expanded") == "true"
    names = [item.text_content() for item in menu.get_by_role("menuitem").all()]
    for wanted in ("Play next", "Add to queue", "Add to playlist…", "Download…", "Share…"):
        assert wanted in names
    for wanted in ("Like", "Dislike", "Go to album", "Go to artist", "Song details"):
        assert wanted in names
    screenshot(desktop, "rows-desktop-menu")
    # Arrows move through the items; Escape closes and gives the focus back.
    desktop.keyboard.press("ArrowDown")
    assert desktop.evaluate("() => document.activeElement.textContent") == "Add to queue"
    desktop.keyboard.press("Escape")
    menu.wait_for(state="detached")
    assert desktop.evaluate("() => document.activeElement.getAttribute('aria-label')") == (
        "More for Cold Open"
    )
    # Enter opens it again (it is a button), Down then Enter picks "Add to queue".
    desktop.keyboard.press("Enter")
    menu.wait_for()
    desktop.keyboard.press("ArrowDown")
    desktop.keyboard.press("Enter")
    menu.wait_for(state="detached")
    desktop.wait_for_selector("#toast:text('Cold Open added to the queue')")
    desktop.click("#queue-button")
    desktop.wait_for_selector("ol.queue .title:text('Cold Open')")
    # Nothing started from the menu: the queue was empty, so the song added plays.
    audio_advancing(desktop)
    # A click outside closes a menu without doing anything else.
    row(desktop, "Dry Run").get_by_role("button", name="More for Dry Run").click()
    desktop.get_by_role("menu").wait_for()
    desktop.mouse.click(640, 20)
    desktop.get_by_role("menu").wait_for(state="detached")
    assert desktop.locator("ol.queue .title").all_text_contents() == ["Cold Open"]


def test_enter_on_a_row_plays_it_and_the_mark_follows_the_track(desktop: Page) -> None:
    row(desktop, "Aurora Borealis").locator("button.song-main").focus()
    desktop.keyboard.press("Enter")
    desktop.wait_for_selector("main li.song.playing[aria-current='true']:has-text('Aurora')")
    audio_advancing(desktop)
    desktop.get_by_role("button", name="Next", exact=True).click()
    desktop.wait_for_selector("main li.song[aria-current='true']:has-text('Bláa Lónið')")
    assert desktop.locator("main li.song[aria-current='true']").count() == 1


def test_album_and_artist_grids_show_covers_and_placeholders(desktop: Page) -> None:
    desktop.click("nav >> text=Albums")
    desktop.wait_for_selector("main .art-card")
    with_art = desktop.locator("main .art-card", has_text=WITH_ART)
    without = desktop.locator("main .art-card", has_text=WITHOUT_ART)
    covers_loaded(desktop, "main .art-card img.art")
    assert with_art.locator("img.art").count() == 1
    assert without.locator("img").count() == 0
    assert without.locator(".art.placeholder").text_content() == "PC"
    screenshot(desktop, "rows-desktop-albums")
    desktop.click("nav >> text=Artists")
    desktop.wait_for_selector(f"main .art-card:has-text('{ARTIST_WITHOUT_ART}')")
    covers_loaded(desktop, "main .art-card img.art")
    assert desktop.locator("main .art-card", has_text=ARTIST_WITH_ART).locator("img").count()
    assert (
        desktop.locator("main .art-card", has_text=ARTIST_WITHOUT_ART).locator("img").count() == 0
    )
    # Song rows: small covers where there is art, placeholders elsewhere.
    desktop.click("nav >> text=Songs")
    covers_loaded(desktop, "main li.song img.art")
    assert row(desktop, "Bláa Lónið").locator("img.art").count() == 1
    assert row(desktop, "Cold Open").locator(".art.placeholder").count() == 1
    screenshot(desktop, "rows-desktop-songs")


def test_album_and_artist_covers_seen_are_kept_for_offline(desktop: Page) -> None:
    desktop.click("nav >> text=Albums")
    covers_loaded(desktop, "main .art-card img.art")
    desktop.click("nav >> text=Artists")
    covers_loaded(desktop, "main .art-card img.art")
    # The service worker keeps each cover it passed on, as it does a song's.
    kept = (
        "async () => { const cache = await caches.open('tonearm-art');"
        " return (await cache.keys()).map((r) => new URL(r.url).pathname); }"
    )
    wait_until(
        desktop,
        f"async () => {{ const paths = await ({kept})();"
        " return paths.some((p) => /\\/api\\/albums\\/[^/]+\\/art$/.test(p))"
        " && paths.some((p) => /\\/api\\/artists\\/[^/]+\\/art$/.test(p)); }",
    )


def test_artist_and_album_links_navigate(desktop: Page, server: RunningTonearm) -> None:
    # Song row → artist page.
    row(desktop, "Cold Open").get_by_role("link", name=ARTIST_WITHOUT_ART).click()
    desktop.wait_for_selector(f"main h1:text('{ARTIST_WITHOUT_ART}')")
    # Artist page → album card → album page → its artist link → back to the artist.
    desktop.locator("main .art-card").get_by_role("link", name=WITHOUT_ART).click()
    desktop.wait_for_selector(f"main h1:text('{WITHOUT_ART}')")
    desktop.locator("main .item-head").get_by_role("link", name=ARTIST_WITHOUT_ART).click()
    desktop.wait_for_selector(f"main h1:text('{ARTIST_WITHOUT_ART}')")
    # Song row → album page (with its big cover).
    desktop.click("nav >> text=Songs")
    row(desktop, "Bláa Lónið").get_by_role("link", name=WITH_ART).click()
    desktop.wait_for_selector(f"main h1:text('{WITH_ART}')")
    covers_loaded(desktop, "main .item-head img.art")
    screenshot(desktop, "rows-desktop-album")
    # Album card subtitle → artist page.
    desktop.click("nav >> text=Albums")
    desktop.locator("main .art-card", has_text=WITH_ART).get_by_role(
        "link", name=ARTIST_WITH_ART
    ).click()
    desktop.wait_for_selector(f"main h1:text('{ARTIST_WITH_ART}')")
    covers_loaded(desktop, "main .item-head img.art")
    screenshot(desktop, "rows-desktop-artist")
    # The song page: its album is a link.
    desktop.goto(server.url + f"#/song/{server.songs['Bláa Lónið']['id']}")
    desktop.wait_for_selector("main h1:text('Bláa Lónið')")
    desktop.locator("dl.facts").get_by_role("link", name=WITH_ART).click()
    desktop.wait_for_selector(f"main h1:text('{WITH_ART}')")
    # From the menu too.
    row(desktop, "Bláa Lónið").get_by_role("button", name="More for Bláa Lónið").click()
    desktop.get_by_role("menuitem", name="Go to artist").click()
    desktop.wait_for_selector(f"main h1:text('{ARTIST_WITH_ART}')")


def test_search_shows_artists_albums_and_songs(desktop: Page) -> None:
    # Accents folded: "nordurljos" finds Norðurljós, its artist's songs too.
    desktop.fill("#search", "nordurljos")
    desktop.wait_for_selector("main h2:text('Albums')")
    desktop.wait_for_selector("main h2:text('Songs')")
    assert desktop.locator("main .art-card .card-title").all_text_contents() == [WITH_ART]
    assert desktop.locator("main li.song").count() == 2
    # The songs found show their covers and link their album, as in every list.
    wait_until(desktop, "() => document.querySelectorAll('main li.song img.art').length === 2")
    covers_loaded(desktop, "main img.art")
    assert row(desktop, "Bláa Lónið").get_by_role("link", name=WITH_ART).count() == 1
    desktop.fill("#search", "sigrun")
    desktop.wait_for_selector("main h2:text('Artists')")
    assert desktop.locator("main h2").all_text_contents()[0] == "Artists"
    screenshot(desktop, "rows-desktop-search")
    desktop.locator("main .art-card").get_by_role("link", name=ARTIST_WITH_ART).click()
    desktop.wait_for_selector(f"main h1:text('{ARTIST_WITH_ART}')")
    # A typo is forgiven in artist names as in songs.
    desktop.fill("#search", "bare bnad")
    desktop.wait_for_selector(f"main .art-card:has-text('{ARTIST_WITHOUT_ART}')")


def test_phone_screens(phone: Page, server: RunningTonearm) -> None:
    """The main screens at 390×844: nothing wider than the screen; screenshots to look at."""
    screens = (
        ("songs", "#/songs", "main li.song"),
        ("albums", "#/albums", "main h1:text('Albums')"),
        ("artists", "#/artists", "main h1:text('Artists')"),
        ("album", None, "main .item-head"),
        ("artist", None, "main .item-head"),
        ("search", "#/search/nordurljos", "main .search-section h2:text('Songs')"),
    )
    album_id = server.songs["Bláa Lónið"]["album_id"]
    artist_id = server.songs["Bláa Lónið"]["artist_ids"][0]
    for name, route, ready in screens:
        if route is None:
            route = f"#/album/{album_id}" if name == "album" else f"#/artist/{artist_id}"
        phone.evaluate("(r) => { location.hash = r; }", route)
        phone.wait_for_selector(ready)
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390, name
        screenshot(phone, f"rows-phone-{name}")
    # Two album cards side by side, their covers square and loaded.
    phone.evaluate("() => { location.hash = '#/albums'; }")
    phone.wait_for_selector("main h1:text('Albums')")
    wait_until(phone, "() => document.querySelectorAll('main .art-card').length === 2")
    covers_loaded(phone, "main .art-card img.art")
    first, second = (c.bounding_box() for c in phone.locator("main .art-card").all()[:2])
    assert first and second and abs(first["y"] - second["y"]) < 1
    # Titles that do not fit end in an ellipsis on one line.
    phone.evaluate("() => { location.hash = '#/songs'; }")
    phone.wait_for_selector("main h1:text-is('Songs')")
    title = row(phone, "Aurora Borealis").locator(".title")
    assert title.evaluate("(t) => t.scrollWidth > t.clientWidth")
    assert title.bounding_box()["height"] < 30  # type: ignore[index]
