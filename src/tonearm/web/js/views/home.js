/**
 * Home: shelves of cover cards — recently added albums, recently played and most played
 * songs, trending (once the popularity job has ranked something), your playlists — and an
 * empty "For you" slot (#for-you) that recommendations fill. Also the phone's Library page,
 * the way into songs, artists, albums, genres, folders and playlists.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { hue, initials } from "../ui/cards.js";

const SHELF_SIZE = 12;

/** The Home screen. */
export async function home({ player }) {
  // Each shelf on its own: one failing (offline, say) leaves the others.
  let offline = false;
  const load = (path) =>
    api(path).catch((error) => {
      if (!error.offline) throw error;
      offline = true;
      return null;
    });
  const [added, history, mostPlayed, trending, playlists] = await Promise.all([
    load("api/albums" + query({ sort: "-added", limit: SHELF_SIZE })),
    load("api/user/history" + query({ limit: 50 })),
    load("api/songs" + query({ sort: "-play_count", limit: SHELF_SIZE })),
    load("api/trending" + query({ limit: SHELF_SIZE })),
    load("api/playlists?sort=newest"),
  ]);
  const recent = uniqueSongs((history?.items || []).map((item) => item.song)).slice(0, SHELF_SIZE);
  const played = (mostPlayed?.items || []).filter((song) => song.play_count > 0);
  // Until the popularity job has run, trending is the most played list: shown once, above.
  const ranked = trending?.source === "trending:daily" ? trending.items : [];
  const shelves = [
    // Filled by recommendations; empty (and so hidden) until then.
    h("section.shelf.for-you", { id: "for-you", "aria-label": "For you", hidden: true }),
    added?.items.length ? shelf("Recently added", "#/albums", added.items.map(albumCard)) : null,
    recent.length ? shelf("Recently played", "#/history", songCards(player, recent)) : null,
    played.length ? shelf("Most played", null, songCards(player, played)) : null,
    ranked.length ? shelf("Trending", "#/trending", songCards(player, ranked)) : null,
    playlists?.playlists.length ? shelf("Your playlists", "#/playlists", playlists.playlists.slice(0, SHELF_SIZE).map(playlistCard)) : null,
  ];
  const empty = !shelves.slice(1).some(Boolean);
  return h(
    "section.home",
    null,
    h("h1", null, greeting()),
    offline
      ? h("p.empty", null, "You are offline: ", h("a", { href: "#/downloads" }, "your downloads"), " and ", h("a", { href: "#/songs" }, "the songs kept on this device"), " still play.")
      : empty
        ? h("p.empty", null, "Your library is empty. Add music from Upload, or ask an admin to add a music folder.")
        : null,
    shelves,
  );
}

/** The Library page: big links to each way of browsing. */
export function libraryIndex() {
  const entries = [
    ["Songs", "#/songs"],
    ["Artists", "#/artists"],
    ["Albums", "#/albums"],
    ["Genres", "#/genres"],
    ["Folders", "#/folders"],
    ["Playlists", "#/playlists"],
    ["Liked", "#/likes"],
    ["History", "#/history"],
  ];
  return h("section.library-index", null, h("h1", null, "Library"), h("ul.library-links", null, entries.map(([label, href]) => h("li", null, h("a", { href }, label)))));
}

function greeting() {
  const hour = new Date().getHours();
  return hour < 5 ? "Good night" : hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
}

/** A titled, horizontally scrolling row of cards, with a "See all" link. */
function shelf(title, more, cards) {
  const id = `shelf-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return h(
    "section.shelf",
    { "aria-labelledby": id },
    h("div.shelf-head", null, h("h2", { id }, title), more ? h("a.see-all", { href: more, "aria-label": `See all: ${title}` }, "See all") : null),
    h("ul.shelf-row", null, cards.map((card) => h("li", null, card))),
  );
}

/** A cover: the image when the item has art, over a placeholder coloured after its name. */
function cover(name, src) {
  const box = h("span.card-cover", { "aria-hidden": "true" }, h("span.initials", null, initials(name)));
  box.style.setProperty("--hue", String(hue(name)));
  if (src) {
    const image = h("img", { alt: "", loading: "lazy", decoding: "async", src, hidden: true });
    image.addEventListener("load", () => (image.hidden = false));
    box.append(image);
  }
  return box;
}

function albumCard(album) {
  return h(
    "a.cover-card",
    { href: `#/album/${album.id}` },
    cover(album.name, album.has_art ? `api/albums/${album.id}/art?size=300` : null),
    h("strong", null, album.name),
    h("span", null, album.artist || ""),
  );
}

function playlistCard(playlist) {
  const count = `${playlist.song_count} ${playlist.song_count === 1 ? "song" : "songs"}`;
  return h("a.cover-card", { href: `#/playlist/${playlist.id}` }, cover(playlist.name, null), h("strong", null, playlist.name), h("span", null, count));
}

/**
 * Cards that play the shelf from the song tapped. Named by what they show (no aria-label
 * that speech-input users could not say from the screen), with "Play" and "by" for screen
 * readers only: "Play Alpha Dawn by Test Artist".
 */
function songCards(player, songs) {
  return songs.map((song, index) => {
    const artists = (song.artists || []).join(", ");
    return h(
      "button.cover-card",
      { type: "button", onclick: (event) => player.playList(songs, index, { tapAt: event.timeStamp }) },
      h("span.visually-hidden", null, "Play "),
      cover(song.album || song.title, song.has_art ? `api/songs/${song.id}/art?size=300` : null),
      h("strong", null, song.title),
      artists ? h("span.visually-hidden", null, " by ") : null,
      h("span", null, artists),
    );
  });
}

function uniqueSongs(songs) {
  const seen = new Set();
  return songs.filter((song) => !seen.has(song.id) && seen.add(song.id));
}
