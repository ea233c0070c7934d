/**
 * Browsing the library: songs, artists, albums, genres and folders. The song list is drawn
 * in windows and loads its next page as it scrolls (offline, from the catalogue copy); the
 * other lists come in pages ("More" follows `next_cursor`).
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList, windowedSongList } from "../ui/song-list.js";
import { pickDownload } from "../ui/download-picker.js";
import { shareButton } from "../ui/share-dialog.js";
import { albumCards, artistCards, artThumb, count } from "../ui/cards.js";

// The song list: a first page that draws at once, then bigger pages as the list scrolls.
const FIRST_PAGE = 100;
const NEXT_PAGES = 500;

/** A page heading, with a "Play all" button when it heads `songs` (played by `player`). */
export function heading(title, songs, player) {
  return h(
    "div.view-head",
    null,
    h("h1", null, title),
    songs && songs.length
      ? h("button.primary", { type: "button", onclick: (event) => player.playList(songs, 0, { tapAt: event.timeStamp }) }, "Play all")
      : null,
  );
}

/** A paged list: renders each page's items with `renderItems`, and a More button. */
function paged(load, renderItems) {
  const box = h("div.paged");
  const more = h("button.secondary.more", { type: "button" }, "More");
  let cursor = null;
  const next = async () => {
    more.disabled = true;
    const page = await load(cursor);
    box.insertBefore(renderItems(page.items), more);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
  };
  more.addEventListener("click", next);
  box.append(more);
  return { box, ready: next() };
}

export async function songs({ catalog, player, songActions }) {
  const label = "Songs";
  try {
    const first = await api("api/songs" + query({ sort: "title", limit: FIRST_PAGE }));
    const all = first.items;
    let cursor = first.next_cursor;
    const more = async () => {
      const page = await api("api/songs" + query({ sort: "title", limit: NEXT_PAGES, cursor }));
      all.push(...page.items);
      cursor = page.next_cursor;
      return Boolean(cursor);
    };
    return h("section", null, heading("Songs", all, player), windowedSongList(all, { actions: songActions, label, more: cursor ? more : undefined }));
  } catch (error) {
    if (!error.offline || !catalog) throw error;
    const cached = await catalog.songs({ limit: NEXT_PAGES });
    const more = async () => {
      const page = await catalog.songs({ limit: NEXT_PAGES, offset: cached.length });
      cached.push(...page);
      return page.length === NEXT_PAGES;
    };
    const list = windowedSongList(cached, { actions: songActions, label, more: cached.length === NEXT_PAGES ? more : undefined });
    return h("section", null, heading("Songs (offline copy)", cached, player), list);
  }
}

export async function artists() {
  const { box, ready } = paged(
    (cursor) => api("api/artists" + query({ cursor, limit: 200 })),
    artistCards,
  );
  await ready;
  return h("section", null, heading("Artists"), box);
}

export async function artist({ player, songActions }, id) {
  const detail = await api(`api/artists/${encodeURIComponent(id)}`);
  const artistSongs = await api("api/songs" + query({ artist: id, sort: "album", limit: 500 }));
  const art = detail.has_art ? `api/artists/${detail.id}/art?size=300` : null;
  const counts = [detail.album_count ? count(detail.album_count, "album") : null, count(detail.song_count, "song")].filter(Boolean).join(" · ");
  return h(
    "section.artist-page",
    null,
    h("div.item-head", null, h("span.item-cover.round", null, artThumb(art, detail.name, 200)), h("div.item-title", null, heading(detail.name, artistSongs.items, player), h("p.meta", null, counts))),
    detail.albums.length ? [h("h2", null, "Albums"), albumCards(detail.albums, `Albums by ${detail.name}`)] : null,
    h("h2", null, "Songs"),
    songList(artistSongs.items, { actions: songActions, label: `Songs by ${detail.name}` }),
  );
}

export { albumCards, artistCards };

export async function albums() {
  const { box, ready } = paged((cursor) => api("api/albums" + query({ cursor, limit: 200 })), albumCards);
  await ready;
  return h("section", null, heading("Albums"), box);
}

export async function album({ player, downloads, songActions }, id) {
  const detail = await api(`api/albums/${encodeURIComponent(id)}`);
  const art = detail.has_art ? `api/albums/${detail.id}/art?size=600` : null;
  const artist = detail.artist ? (detail.artist_id ? h("a", { href: `#/artist/${detail.artist_id}` }, detail.artist) : detail.artist) : null;
  const facts = [detail.year, count(detail.song_count, "song")].filter(Boolean).join(" · ");
  return h(
    "section.album-page",
    null,
    h(
      "div.item-head",
      null,
      h("span.item-cover", null, artThumb(art, detail.name, 240)),
      h("div.item-title", null, heading(detail.name, detail.tracks, player), h("p.meta", null, artist, artist ? " · " : null, facts)),
    ),
    h(
      "div.inline.album-actions",
      null,
      h("button.secondary.download-all", { type: "button", onclick: () => pickDownload(downloads, detail.tracks, `album ${detail.name}`) }, "Download album"),
      shareButton({ kind: "album", id: detail.id, name: detail.name }),
    ),
    songList(detail.tracks, { actions: songActions, label: `Tracks of ${detail.name}` }),
  );
}

export async function genres() {
  const all = await api("api/genres");
  return h(
    "section",
    null,
    heading("Genres"),
    h(
      "ul.cards",
      null,
      all.map((genre) => h("li", null, h("a.card", { href: `#/genre/${encodeURIComponent(genre.name)}` }, h("strong", null, genre.name), h("span", null, count(genre.song_count, "song"))))),
    ),
  );
}

export async function genre({ player, songActions }, name) {
  const page = await api("api/songs" + query({ genre: name, limit: 500 }));
  return h("section", null, heading(name, page.items, player), songList(page.items, { actions: songActions, label: `${name} songs` }));
}

export async function folders({ player, songActions }, path) {
  const listing = await api("api/folders" + query({ path }));
  const title = listing.path ? listing.path : "Folders";
  return h(
    "section",
    null,
    heading(title, listing.songs, player),
    listing.path ? h("p", null, h("a", { href: listing.parent ? `#/folders?path=${encodeURIComponent(listing.parent)}` : "#/folders" }, "↑ Up")) : null,
    h(
      "ul.cards",
      null,
      listing.folders.map((folder) =>
        h("li", null, h("a.card", { href: `#/folders?path=${encodeURIComponent(folder.path)}` }, h("strong", null, folder.name), h("span", null, count(folder.song_count, "song")))),
      ),
    ),
    listing.songs.length ? songList(listing.songs, { actions: songActions, label: `Songs in ${title}` }) : null,
  );
}
