/**
 * Search as you type: the server's ranked, typo-tolerant search (artists and albums by their
 * names, then songs); offline, the songs in the catalogue copy in IndexedDB.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList } from "../ui/song-list.js";
import { albumCards, artistCards } from "./library.js";

/** Renders the results for `text` (the search box fills this in as you type). */
export async function search(app, text) {
  const words = (text || "").trim();
  // Opened from a link or the back button: the box shows what these are the results for
  // (left alone while someone types in it).
  const box = document.getElementById("search");
  if (box && document.activeElement !== box && box.value.trim() !== words) box.value = words;
  if (!words) return h("section", null, h("h1", null, "Search"), h("p.empty", null, "Type to search songs, artists, albums and genres."));
  let songs;
  let found = { artists: [], albums: [] };
  let offline = false;
  try {
    found = await api("api/search" + query({ q: words.slice(0, 200), limit: 50, artist_limit: 6, album_limit: 6 }));
    songs = found.songs.items;
  } catch (error) {
    if (!error.offline || !app.catalog) throw error;
    songs = await app.catalog.search(words, { limit: 50 });
    offline = true;
  }
  const nothing = !songs.length && !found.artists.length && !found.albums.length;
  return h(
    "section",
    null,
    h("h1", null, `Results for “${words}”`),
    offline ? h("p.meta", null, "Offline: searching the copy on this device.") : null,
    nothing ? h("p.empty", null, "Nothing found. Check the spelling, or try fewer words.") : null,
    found.artists.length ? [h("h2", null, "Artists"), artistCards(found.artists)] : null,
    found.albums.length ? [h("h2", null, "Albums"), albumCards(found.albums)] : null,
    songs.length && (found.artists.length || found.albums.length) ? h("h2", null, "Songs") : null,
    songs.length ? songList(songs, { app, label: `Results for ${words}` }) : null,
  );
}
