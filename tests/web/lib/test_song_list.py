"""ui/song-list.js's windowed list: 10,000 songs drawn as a few dozen rows, the window
following the scroll, the next page asked for near the end, a click playing the right song."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.web.conftest import wait_until

SONGS = 10_000

# A scrolling panel like the app's main area, with the list's own stylesheet, and the
# `actions` a list is handed (a player that records what it is asked to play, likes, and
# offline copies without a cache).
SETUP = """async (count) => {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/css/lists.css";
  const loaded = new Promise((resolve) => (link.onload = resolve));
  document.head.append(link);
  await loaded;
  const m = await import("/js/ui/song-list.js");
  const player = Object.assign(new EventTarget(), { song: null, played: [],
    playList(songs, index) { this.played.push([songs.length, index, songs[index].title]); } });
  const likes = Object.assign(new EventTarget(), { has: () => false });
  const offlineCopies = Object.assign(new EventTarget(), { cache: null });
  const actions = { player, likes, tracker: null, downloads: null, offlineCopies };
  const song = (i) => ({ id: `s${i}`, title: `Song ${String(i).padStart(5, "0")}`,
    artists: ["Artist"], artist_ids: ["a1"], album: "Album", album_id: "b1",
    duration_ms: 180000, has_art: false });
  const songs = Array.from({ length: count / 2 }, (_, i) => song(i));
  window.more = 0;
  const more = async () => {
    window.more += 1;
    songs.push(...Array.from({ length: count / 2 }, (_, i) => song(count / 2 + i)));
    return false;
  };
  const panel = document.createElement("div");
  panel.id = "panel";
  panel.style.cssText = "height: 600px; overflow-y: auto; width: 400px";
  document.body.replaceChildren(panel);
  const started = performance.now();
  panel.append(m.windowedSongList(songs, { actions, label: "Songs", more }));
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  window.actions = actions;
  return performance.now() - started;
}"""

ROWS = "() => [...document.querySelectorAll('li.song')].map((r) => Number(r.dataset.index))"


def test_a_long_list_draws_only_the_rows_near_the_screen(page: Page) -> None:
    page.evaluate(SETUP, SONGS)
    drawn = page.evaluate(ROWS)
    assert 0 in drawn and len(drawn) < 60, drawn
    # The list is as tall as all its rows, so the scroll bar is honest.
    height = page.evaluate("() => document.querySelector('ol.songs').offsetHeight")
    assert height >= SONGS / 2 * 55
    # Scrolled half way: the rows there, and no others.
    page.evaluate(
        "() => { const p = document.getElementById('panel'); p.scrollTop = p.scrollHeight / 2; }"
    )
    wait_until(page, "() => document.querySelector('li.song[data-index=\"2500\"]') !== null")
    drawn = page.evaluate(ROWS)
    assert len(drawn) < 60 and 0 not in drawn
    row = page.locator("li.song[data-index='2500']")
    assert row.is_visible()
    row.locator(".duration").click()
    assert page.evaluate("() => actions.player.played") == [[SONGS // 2, 2500, "Song 02500"]]


def test_near_the_end_the_next_page_is_loaded_and_drawn(page: Page) -> None:
    page.evaluate(SETUP, SONGS)
    assert page.evaluate("() => window.more") == 0
    page.evaluate(
        "() => { const p = document.getElementById('panel'); p.scrollTop = p.scrollHeight; }"
    )
    wait_until(page, "() => window.more === 1")
    page.evaluate(
        "() => { const p = document.getElementById('panel'); p.scrollTop = p.scrollHeight; }"
    )
    wait_until(
        page, f"() => document.querySelector('li.song[data-index=\"{SONGS - 1}\"]') !== null"
    )
    last = page.locator(f"li.song[data-index='{SONGS - 1}']")
    assert last.get_attribute("aria-setsize") == str(SONGS)
    assert last.get_attribute("aria-posinset") == str(SONGS)
    assert len(page.evaluate(ROWS)) < 60


def test_the_playing_song_is_marked_when_its_row_is_drawn(page: Page) -> None:
    page.evaluate(SETUP, SONGS)
    page.evaluate(
        "() => { actions.player.song = { id: 's4000' }; actions.player.dispatchEvent(new Event('change')); }"
    )
    assert page.locator("li.song[aria-current='true']").count() == 0  # not drawn yet
    page.evaluate("() => { document.getElementById('panel').scrollTop = 4000 * 60 - 100; }")
    page.wait_for_selector("li.song[data-index='4000'][aria-current='true']")
    assert page.locator("li.song[aria-current='true']").count() == 1
