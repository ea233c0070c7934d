/**
 * A list of songs. A tap or click anywhere on a row (outside its links and its "⋯" button)
 * plays the list from that row; everything else you can do to a song is in the row's "⋯"
 * menu (ui/row-menu.js). Each row shows the cover, the title, the artists and album as
 * links, and the duration; the song playing is marked in every list on screen. Optional
 * reorder (drag, or "Move up"/"Move down" in the menu) and remove, for playlists.
 */

import { h, formatDuration } from "../dom.js";
import { announce } from "../notices.js";
import { icon } from "./icons.js";
import { pickPlaylist } from "./playlist-picker.js";
import { pickDownload } from "./download-picker.js";
import { openShareDialog } from "./share-dialog.js";
import { toggleMenu } from "./row-menu.js";
import { startSonicRadio } from "./sonic.js";
import { artThumb } from "./cards.js";

/**
 * What a row does with its song: play the list from it (the player), like or dislike it,
 * add it to a playlist (a listening event through the tracker), download it, and mark it
 * when a whole copy is kept offline. Built once by app.js, handed to views as `songActions`.
 * @typedef {{player: any, likes: any, tracker: any, downloads: any, offlineCopies: any}} SongActions
 */

/**
 * @param {Array<any>} songs
 * @param {{actions: SongActions, label: string, reorder?: (from: number, to: number) => void,
 *   remove?: (index: number) => void, available?: (index: number) => boolean}} options
 * @returns {HTMLElement}
 */
export function songList(songs, { actions, label, reorder, remove, available }) {
  if (!songs.length) return h("p.empty", null, "Nothing here yet.");
  const list = h("ol.songs", { "aria-label": label });
  const playable = (index) => (available ? available(index) : true);
  const play = playFrom(actions.player, songs, playable);
  songs.forEach((song, index) => list.append(songRow(actions, song, index, { playable: playable(index), play, count: songs.length, reorder, remove })));
  playOnClick(list, play);
  if (reorder) enableDrag(list, reorder);
  keepMarks(list, actions);
  return list;
}

/**
 * A long list drawn in windows: only the rows near the screen exist (a few dozen, whatever
 * the length), the space of the others kept by the list's padding; `more()` appends the
 * next page to `songs` when the window nears the end, and says whether others remain.
 * @param {Array<any>} songs
 * @param {{actions: SongActions, label: string, more?: () => Promise<boolean>}} options
 */
export function windowedSongList(songs, { actions, label, more }) {
  if (!songs.length) return h("p.empty", null, "Nothing here yet.");
  const list = h("ol.songs.windowed", { "aria-label": label });
  const play = playFrom(actions.player, songs, () => true);
  playOnClick(list, play);
  const paintMarks = keepMarks(list, actions);
  const CHUNK = 10;
  const LOAD_AHEAD = 100; // rows left below the window when the next page is asked for
  let rowHeight = 0;
  let drawn = [0, 0];
  let hasMore = Boolean(more);
  let loading = false;
  let frame = 0;

  const draw = () => {
    frame = 0;
    if (!list.isConnected) return;
    if (!rowHeight) {
      const probe = list.firstElementChild || list.appendChild(songRow(actions, songs[0], 0, { playable: true, play, count: songs.length }));
      rowHeight = probe.getBoundingClientRect().height || 57;
    }
    // The window moves by whole chunks of rows, so most scroll frames change nothing.
    const top = list.getBoundingClientRect().top;
    const first = Math.max(0, (Math.floor(-top / rowHeight / CHUNK) - 1) * CHUNK);
    const last = Math.min(songs.length, (Math.ceil((innerHeight - top) / rowHeight / CHUNK) + 1) * CHUNK);
    if (first !== drawn[0] || last !== drawn[1] || !list.children.length) {
      // Keep the rows still in the window (focus and hover stay), add the new ones.
      const keep = new Map();
      for (const row of list.children) {
        const index = Number(row.dataset.index);
        if (index >= first && index < last) keep.set(index, row);
      }
      const rows = [];
      for (let index = first; index < last; index++) {
        rows.push(keep.get(index) || songRow(actions, songs[index], index, { playable: true, play, count: songs.length }));
      }
      list.replaceChildren(...rows);
      for (const row of rows) {
        row.setAttribute("aria-posinset", String(Number(row.dataset.index) + 1));
        row.setAttribute("aria-setsize", hasMore ? "-1" : String(songs.length));
      }
      drawn = [first, last];
      paintMarks();
      list.style.paddingTop = `${first * rowHeight}px`;
      list.style.paddingBottom = `${(songs.length - last) * rowHeight}px`;
    }
    if (hasMore && !loading && last >= songs.length - LOAD_AHEAD) {
      loading = true;
      more().then((remain) => {
        hasMore = remain;
        loading = false;
        drawn = [0, 0];
        schedule();
      }, () => (loading = false));
    }
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  // Whatever scrolls (the page or a panel around the list), a scroll event reaches the
  // document in the capture phase.
  const onScroll = () => {
    if (!list.isConnected && rowHeight) {
      document.removeEventListener("scroll", onScroll, true);
      removeEventListener("resize", onScroll);
      return;
    }
    schedule();
  };
  document.addEventListener("scroll", onScroll, { capture: true, passive: true });
  addEventListener("resize", onScroll);
  // The first window as soon as the list is on the page.
  const start = () => (list.isConnected ? draw() : requestAnimationFrame(start));
  for (const row of songs.slice(0, 30).map((song, index) => songRow(actions, song, index, { playable: true, play, count: songs.length }))) list.append(row);
  requestAnimationFrame(start);
  return list;
}

/** Plays the list from a row (the songs that can be played, from that one on). */
function playFrom(player, songs, playable) {
  return (index, event) => {
    if (!playable(index)) return;
    const tapAt = event.timeStamp || performance.now();
    const queue = songs.filter((_, i) => playable(i));
    const at = songs.slice(0, index).filter((_, i) => playable(i)).length;
    player.playList(queue, at, { tapAt });
  };
}

/** One listener for every row: a click on a row that is not on a link or a button plays it. */
function playOnClick(list, play) {
  list.addEventListener("click", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest("a, button, input, select, textarea")) return;
    const row = target.closest("li.song");
    if (row && list.contains(row)) play(Number(row.dataset.index), event);
  });
}

/** The names of `song`'s artists, each a link to its page when its id is known. */
export function artistLinks(song) {
  const names = song.artists && song.artists.length ? song.artists : [];
  if (!names.length) return ["Unknown artist"];
  return names.map((name, i) => {
    const id = song.artist_ids && song.artist_ids[i];
    return [i ? ", " : "", id ? h("a", { href: `#/artist/${id}` }, name) : name];
  });
}

/** The album's name as a link to its page (plain text without an id, nothing without one). */
export function albumLink(song) {
  if (!song.album) return null;
  return song.album_id ? h("a", { href: `#/album/${song.album_id}` }, song.album) : song.album;
}

function songRow(actions, song, index, { playable, play, count, reorder, remove }) {
  const artists = (song.artists || []).join(", ") || "Unknown artist";
  const more = h(
    "button.icon.row-more",
    { type: "button", "aria-label": `More for ${song.title}`, title: "More", "aria-haspopup": "menu", "aria-expanded": "false" },
    h("span.dots", { "aria-hidden": "true" }, "⋯"),
  );
  more.addEventListener("click", () =>
    toggleMenu(more, `${song.title} — ${artists}`, menuItems(actions, song, index, { count, reorder, remove })),
  );
  const album = albumLink(song);
  return h(
    "li.song",
    {
      dataset: { songId: song.id, index: String(index) },
      draggable: reorder ? "true" : null,
      class: playable ? "" : "unavailable",
    },
    artThumb(song.has_art ? `api/songs/${song.id}/art?size=96` : null, song.album || song.title, 44),
    h(
      "div.song-text",
      null,
      h(
        "button.song-main",
        { type: "button", disabled: !playable, "aria-label": `Play ${song.title} by ${artists}`, onclick: (event) => play(index, event) },
        h("span.title", null, song.title),
      ),
      h("span.song-sub", null, artistLinks(song), album ? [" · ", album] : null),
    ),
    h("span.row-end", null, h("span.duration", null, formatDuration(song.duration_ms))),
    more,
  );
}

/** What the "⋯" menu of a song offers. */
function menuItems({ player, likes, tracker, downloads }, song, index, { count, reorder, remove }) {
  const liked = likes.has(song.id);
  const artistId = song.album_artist_id || (song.artist_ids && song.artist_ids[0]);
  return [
    {
      label: "Play next",
      run: () => {
        player.playNext([song]);
        announce(`${song.title} plays next`);
      },
    },
    {
      label: "Add to queue",
      run: () => {
        player.add([song]);
        announce(`${song.title} added to the queue`);
      },
    },
    { label: "Sonic radio", run: () => startSonicRadio(player, song) },
    { label: "Sonic path from here…", href: `#/sonic-path?from=${encodeURIComponent(song.id)}` },
    { label: "Add to playlist…", run: () => pickPlaylist(tracker, [song]) },
    { label: "Download…", run: () => pickDownload(downloads, [song], song.title) },
    { label: "Share…", run: () => openShareDialog({ kind: "song", id: song.id, name: song.title }) },
    { label: liked ? "Unlike" : "Like", run: () => likes.toggle(song) },
    { label: "Dislike", run: () => likes.dislike(song) },
    song.album_id ? { label: "Go to album", href: `#/album/${song.album_id}` } : null,
    artistId ? { label: "Go to artist", href: `#/artist/${artistId}` } : null,
    { label: "Song details", href: `#/song/${song.id}` },
    reorder && index > 0 ? { label: "Move up", run: () => reorder(index, index - 1) } : null,
    reorder && index < count - 1 ? { label: "Move down", run: () => reorder(index, index + 1) } : null,
    remove ? { label: "Remove from playlist", run: () => remove(index) } : null,
  ];
}

/**
 * Keeps the marks of `list`'s rows up to date while it is on screen: the song playing
 * (aria-current and a visible marker, again whenever the player changes track) and the
 * songs with a whole copy in the offline cache (one read of the cache's list, again when it
 * changes: `offlineCopies`' "change" event). Returns `paint`, to call when rows are drawn.
 */
function keepMarks(list, { player, offlineCopies }) {
  let offline = new Set();
  const paint = () => {
    const id = player.song ? player.song.id : null;
    for (const row of list.querySelectorAll("li.song")) {
      const songId = row.dataset.songId;
      const on = songId === id;
      if (row.classList.contains("playing") !== on) {
        row.classList.toggle("playing", on);
        if (on) row.setAttribute("aria-current", "true");
        else row.removeAttribute("aria-current");
      }
      const saved = offline.has(songId);
      if (row.classList.contains("offline") !== saved) {
        row.classList.toggle("offline", saved);
        const marker = row.querySelector(".offline-mark");
        if (saved && !marker) row.querySelector(".duration").before(h("span.offline-mark", { title: "Available offline" }, "offline"));
        else if (!saved && marker) marker.remove();
      }
    }
  };
  let seen = false; // listeners go once the list has been on screen and is gone
  const alive = () => {
    if (list.isConnected) seen = true;
    if (list.isConnected || !seen) return true;
    player.removeEventListener("change", onChange);
    offlineCopies.removeEventListener("change", readCache);
    return false;
  };
  const readCache = async () => {
    if (!offlineCopies.cache || !alive()) return;
    offline = await offlineCopies.songIds();
    paint();
  };
  const onChange = () => {
    if (alive()) paint();
  };
  player.addEventListener("change", onChange);
  offlineCopies.addEventListener("change", readCache);
  paint();
  readCache();
  return paint;
}

/** A small button showing an icon (ui/icons.js), labelled for screen readers. */
export function iconButton(name, label, onclick, attrs = {}) {
  return h("button.icon", { type: "button", "aria-label": label, title: label, onclick, ...attrs }, icon(name));
}

/** The ♥ toggle for a song (liked state from `likes`, the page's copy of the user's likes). */
export function likeButton(likes, song) {
  const button = h("button.icon.like", { type: "button" });
  const paint = () => {
    const liked = likes.has(song.id);
    button.replaceChildren(icon(liked ? "heartFilled" : "heart"));
    button.setAttribute("aria-pressed", String(liked));
    button.setAttribute("aria-label", `${liked ? "Unlike" : "Like"} ${song.title}`);
    button.title = liked ? "Unlike" : "Like";
  };
  paint();
  button.addEventListener("click", async () => {
    await likes.toggle(song);
    paint();
  });
  likes.addEventListener("change", paint);
  return button;
}

/** HTML5 drag and drop on the rows of `list`; calls reorder(from, to) on a drop. */
function enableDrag(list, reorder) {
  let from = -1;
  list.addEventListener("dragstart", (event) => {
    const row = event.target.closest("li.song");
    if (!row) return;
    from = Number(row.dataset.index);
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", String(from));
  });
  list.addEventListener("dragover", (event) => {
    if (from < 0) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const row = event.target.closest("li.song");
    if (!row || from < 0) return;
    const to = Number(row.dataset.index);
    const moved = from;
    from = -1;
    if (to !== moved) reorder(moved, to);
  });
  list.addEventListener("dragend", () => {
    from = -1;
    for (const row of list.querySelectorAll(".dragging")) row.classList.remove("dragging");
  });
}
