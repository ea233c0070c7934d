/**
 * Browsing the library: songs, artists, albums, genres and folders. Lists come in pages
 * ("More" follows `next_cursor`). Offline, the song list comes from the catalogue copy.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { songList } from "../ui/song-list.js";
import { pickDownload } from "../ui/download-picker.js";
import { shareButton } from "../ui/share-dialog.js";

/** A page heading with an optional "Play all" button. */
export function heading(app, title, songs) {
  return h(
    "div.view-head",
    null,
    h("h1", null, title),
    songs && songs.length
      ? h("button.primary", { type: "button", onclick: (event) => app.player.playList(songs, 0, { tapAt: event.timeStamp }) }, "Play all")
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

export async function songs(app) {
  try {
    const first = await api("api/songs" + query({ sort: "title", limit: 200 }));
    const all = first.items;
    const view = h("section", null, heading(app, "Songs", all));
    const list = songList(all, { app, label: "Songs" });
    view.append(list);
    if (first.next_cursor) {
      let cursor = first.next_cursor;
      const more = h("button.secondary.more", { type: "button" }, "More");
      more.addEventListener("click", async () => {
        const page = await api("api/songs" + query({ sort: "title", limit: 200, cursor }));
        all.push(...page.items);
        cursor = page.next_cursor;
        list.replaceWith(songList(all, { app, label: "Songs" }));
        more.hidden = !cursor;
      });
      view.append(more);
    }
    return view;
  } catch (error) {
    if (!error.offline || !app.catalog) throw error;
    const cached = await app.catalog.songs({ limit: 500 });
    return h("section", null, heading(app, "Songs (offline copy)", cached), songList(cached, { app, label: "Songs" }));
  }
}

export async function artists(app) {
  const { box, ready } = paged(
    (cursor) => api("api/artists" + query({ cursor, limit: 200 })),
    artistCards,
  );
  await ready;
  return h("section", null, heading(app, "Artists"), box);
}

export async function artist(app, id) {
  const detail = await api(`api/artists/${encodeURIComponent(id)}`);
  const artistSongs = await api("api/songs" + query({ artist: id, sort: "album", limit: 500 }));
  return h(
    "section",
    null,
    heading(app, detail.name, artistSongs.items),
    h("h2", null, "Albums"),
    albumCards(detail.albums),
    h("h2", null, "Songs"),
    songList(artistSongs.items, { app, label: `Songs by ${detail.name}` }),
  );
}

/** "1 album", "3 albums". */
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Cards linking to artists, with their album and song counts. */
export function artistCards(artists) {
  return h(
    "ul.cards",
    null,
    artists.map((artist) =>
      h("li", null, h("a.card", { href: `#/artist/${artist.id}` }, h("strong", null, artist.name), h("span", null, `${count(artist.album_count, "album")} · ${count(artist.song_count, "song")}`))),
    ),
  );
}

/** Cards linking to albums, with their artist and year. */
export function albumCards(albums) {
  return h(
    "ul.cards",
    null,
    albums.map((album) =>
      h("li", null, h("a.card", { href: `#/album/${album.id}` }, h("strong", null, album.name), h("span", null, [album.artist, album.year].filter(Boolean).join(" · ")))),
    ),
  );
}

export async function albums(app) {
  const { box, ready } = paged((cursor) => api("api/albums" + query({ cursor, limit: 200 })), albumCards);
  await ready;
  return h("section", null, heading(app, "Albums"), box);
}

export async function album(app, id) {
  const detail = await api(`api/albums/${encodeURIComponent(id)}`);
  const cover = detail.tracks[0]
    ? h("img.cover", { src: `api/songs/${detail.tracks[0].id}/art?size=300`, alt: `Cover of ${detail.name}`, width: 200, height: 200, loading: "lazy" })
    : null;
  return h(
    "section",
    null,
    h("div.album-head", null, cover, heading(app, detail.name, detail.tracks)),
    h("p.meta", null, [detail.artist, detail.year, `${detail.song_count} songs`].filter(Boolean).join(" · ")),
    h(
      "div.inline.album-actions",
      null,
      h("button.secondary.download-all", { type: "button", onclick: () => pickDownload(app, detail.tracks, `album ${detail.name}`) }, "Download album"),
      shareButton(app, { kind: "album", id: detail.id, name: detail.name }),
    ),
    songList(detail.tracks, { app, label: `Tracks of ${detail.name}` }),
  );
}

export async function genres(app) {
  const all = await api("api/genres");
  return h(
    "section",
    null,
    heading(app, "Genres"),
    h(
      "ul.cards",
      null,
      all.map((genre) => h("li", null, h("a.card", { href: `#/genre/${encodeURIComponent(genre.name)}` }, h("strong", null, genre.name), h("span", null, `${genre.song_count} songs`)))),
    ),
  );
}

export async function genre(app, name) {
  const page = await api("api/songs" + query({ genre: name, limit: 500 }));
  return h("section", null, heading(app, name, page.items), songList(page.items, { app, label: `${name} songs` }));
}

export async function folders(app, path) {
  const listing = await api("api/folders" + query({ path }));
  const title = listing.path ? listing.path : "Folders";
  return h(
    "section",
    null,
    heading(app, title, listing.songs),
    listing.path ? h("p", null, h("a", { href: listing.parent ? `#/folders?path=${encodeURIComponent(listing.parent)}` : "#/folders" }, "↑ Up")) : null,
    h(
      "ul.cards",
      null,
      listing.folders.map((folder) =>
        h("li", null, h("a.card", { href: `#/folders?path=${encodeURIComponent(folder.path)}` }, h("strong", null, folder.name), h("span", null, `${folder.song_count} songs`))),
      ),
    ),
    listing.songs.length ? songList(listing.songs, { app, label: `Songs in ${title}` }) : null,
  );
}
