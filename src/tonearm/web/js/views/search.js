/**
 * Search as you type: the server's ranked, typo-tolerant search; offline, the catalogue
 * copy in IndexedDB.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList } from "../ui/song-list.js";

/** Renders the results for `text` (the search box fills this in as you type). */
export async function search(app, text) {
  const words = (text || "").trim();
  if (!words) return h("section", null, h("h1", null, "Search"), h("p.empty", null, "Type to search songs, artists, albums and genres."));
  let songs;
  let offline = false;
  try {
    songs = (await api("api/songs/search" + query({ q: words.slice(0, 200), limit: 50 }))).items;
  } catch (error) {
    if (!error.offline || !app.catalog) throw error;
    songs = await app.catalog.search(words, { limit: 50 });
    offline = true;
  }
  return h(
    "section",
    null,
    h("h1", null, `Results for “${words}”`),
    offline ? h("p.meta", null, "Offline: searching the copy on this device.") : null,
    songList(songs, { app, label: `Results for ${words}` }),
  );
}
