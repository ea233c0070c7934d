/**
 * Search as you type: the server's ranked, typo-tolerant search, shown as sections of
 * artists, albums and songs, each with "Show all"; offline, the songs in the catalogue copy
 * in IndexedDB.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList } from "../ui/song-list.js";
import { albumCards, artistCards } from "../ui/cards.js";

const FIRST_NAMES = 6; // artists and albums shown before "Show all"
const ALL_NAMES = 50;
const FIRST_SONGS = 8;
const SONG_PAGE = 50;

/** Renders the results for `text` (the search box fills this in as you type). */
export async function search({ catalog, songActions }, text) {
  const words = (text || "").trim();
  // Opened from a link or the back button: the box shows what these are the results for
  // (left alone while someone types in it).
  const box = document.getElementById("search");
  if (box && document.activeElement !== box && box.value.trim() !== words) box.value = words;
  if (!words) return h("section.search-page", null, h("h1", null, "Search"), h("p.empty", null, "Type to search songs, artists and albums."));
  const q = words.slice(0, 200);
  let songs;
  let total = 0;
  let found = { artists: [], albums: [] };
  let offline = false;
  try {
    found = await api("api/search" + query({ q, limit: SONG_PAGE, artist_limit: FIRST_NAMES + 1, album_limit: FIRST_NAMES + 1 }));
    songs = await withDetails(catalog, found.songs.items);
    total = found.songs.total;
  } catch (error) {
    if (!error.offline || !catalog) throw error;
    songs = await catalog.search(words, { limit: SONG_PAGE });
    total = songs.length;
    offline = true;
  }
  const nothing = !songs.length && !found.artists.length && !found.albums.length;
  return h(
    "section.search-page",
    null,
    h("h1", null, `Results for “${words}”`),
    offline ? h("p.meta", null, "Offline: searching the copy on this device.") : null,
    nothing ? h("p.empty", null, "Nothing found. Check the spelling, or try fewer words.") : null,
    found.artists.length
      ? nameSection("Artists", found.artists, artistCards, async () => (await api("api/search" + query({ q, limit: 1, artist_limit: ALL_NAMES, album_limit: 0 }))).artists)
      : null,
    found.albums.length
      ? nameSection("Albums", found.albums, albumCards, async () => (await api("api/search" + query({ q, limit: 1, artist_limit: 0, album_limit: ALL_NAMES }))).albums)
      : null,
    songs.length ? songSection({ catalog, songActions }, words, q, songs, total, offline) : null,
  );
}

/** A section of artist or album cards: the first few, and "Show all" for the rest. */
function nameSection(title, items, cards, loadAll) {
  const grid = cards(items.slice(0, FIRST_NAMES), title);
  const all = h("button.link.show-all", { type: "button" }, "Show all");
  all.addEventListener("click", async () => {
    all.disabled = true;
    grid.replaceWith(cards(await loadAll(), title));
    all.remove();
  });
  return h("div.search-section", null, h("div.section-head", null, h("h2", null, title), items.length > FIRST_NAMES ? all : null), grid);
}

/** The songs found: the first few, then all of this page, then more pages. */
function songSection({ catalog, songActions }, words, q, songs, total, offline) {
  const label = `Songs for ${words}`;
  let list = songList(songs.slice(0, FIRST_SONGS), { actions: songActions, label });
  const section = h("div.search-section");
  const all = h("button.link.show-all", { type: "button" }, total > songs.length ? `Show all ${total}` : "Show all");
  const more = h("button.secondary.more", { type: "button", hidden: true }, "More songs");
  const redraw = () => {
    const next = songList(songs, { actions: songActions, label });
    list.replaceWith(next);
    list = next;
    more.hidden = offline || songs.length >= total;
  };
  all.addEventListener("click", () => {
    all.remove();
    redraw();
  });
  more.addEventListener("click", async () => {
    more.disabled = true;
    const page = await api("api/songs/search" + query({ q, limit: SONG_PAGE, offset: songs.length }));
    songs.push(...(await withDetails(catalog, page.items)));
    more.disabled = false;
    if (!page.items.length) total = songs.length;
    redraw();
  });
  section.append(h("div.section-head", null, h("h2", null, "Songs"), songs.length > FIRST_SONGS || total > songs.length ? all : null), list, more);
  return section;
}

/**
 * Search results carry names, not ids or whether there is a cover: take those from the
 * catalogue copy on this device when it has the song, else (before the first sync) ask the
 * server for the songs shown first (links and covers in the rows).
 */
async function withDetails(catalog, matches) {
  return Promise.all(
    matches.map(async (match, index) => {
      let known = catalog ? await catalog.song(match.id).catch(() => null) : null;
      if (!known && index < FIRST_SONGS) known = await api(`api/songs/${encodeURIComponent(match.id)}`).catch(() => null);
      return known ? { ...known, ...match, artist_ids: known.artist_ids, album_id: known.album_id, has_art: known.has_art } : match;
    }),
  );
}
