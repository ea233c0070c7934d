/**
 * A list of songs with what you can do to each: play (from here on), play next, add to the
 * queue, add to a playlist, like, details. Optional reorder (drag, or the ↑/↓ buttons for
 * keyboards and screen readers) and remove, for playlists.
 */

import { h, formatDuration } from "../dom.js";
import { icon } from "./icons.js";
import { pickPlaylist } from "./playlist-picker.js";
import { pickDownload } from "./download-picker.js";

/**
 * @param {Array<any>} songs
 * @param {{app: any, label: string, reorder?: (from: number, to: number) => void,
 *   remove?: (index: number) => void, available?: (index: number) => boolean}} options
 * @returns {HTMLElement}
 */
export function songList(songs, { app, label, reorder, remove, available }) {
  if (!songs.length) return h("p.empty", null, "Nothing here yet.");
  const list = h("ol.songs", { "aria-label": label });
  songs.forEach((song, index) => {
    const playable = available ? available(index) : true;
    const row = h(
      "li.song",
      { dataset: { songId: song.id, index: String(index) }, draggable: reorder ? "true" : null, class: playable ? "" : "unavailable" },
      h(
        "button.song-main",
        {
          type: "button",
          disabled: !playable,
          "aria-label": `Play ${song.title} by ${(song.artists || []).join(", ")}`,
          onclick: (event) => {
            const tapAt = event.timeStamp || performance.now();
            app.player.playList(songs.filter((_, i) => !available || available(i)), songs.slice(0, index).filter((_, i) => !available || available(i)).length, { tapAt });
          },
        },
        h("span.title", null, song.title),
        h("span.artist", null, (song.artists || []).join(", ") || "Unknown artist"),
        song.album ? h("span.album", null, song.album) : null,
      ),
      h("span.duration", null, formatDuration(song.duration_ms)),
      h(
        "span.actions",
        null,
        iconButton("playNext", `Play ${song.title} next`, () => {
          app.player.playNext([song]);
          app.announce(`${song.title} plays next`);
        }),
        iconButton("add", `Add ${song.title} to the queue`, () => {
          app.player.add([song]);
          app.announce(`${song.title} added to the queue`);
        }),
        iconButton("playlistAdd", `Add ${song.title} to a playlist`, () => pickPlaylist(app, [song])),
        iconButton("download", `Download ${song.title}`, () => pickDownload(app, [song], song.title)),
        likeButton(app, song),
        h("a.icon", { href: `#/song/${song.id}`, "aria-label": `Details of ${song.title}`, title: "Details" }, icon("info")),
        reorder && index > 0 ? iconButton("up", `Move ${song.title} up`, () => reorder(index, index - 1)) : null,
        reorder && index < songs.length - 1 ? iconButton("down", `Move ${song.title} down`, () => reorder(index, index + 1)) : null,
        remove ? iconButton("close", `Remove ${song.title}`, () => remove(index)) : null,
      ),
    );
    list.append(row);
  });
  if (reorder) enableDrag(list, reorder);
  markOffline(list, app);
  return list;
}

/**
 * Downloads (issue 9): marks the rows whose song has a whole copy in the offline cache, with
 * one read of the cache's list per render, and again when the cache changes (the app's
 * "offline-changed" event) while the list is on screen.
 */
function markOffline(list, app) {
  if (!app.cache) return;
  const paint = async () => {
    const entries = await app.cache.list().catch(() => []);
    const offline = new Set(entries.filter((entry) => !entry.partial).map((entry) => entry.songId));
    for (const row of list.querySelectorAll("li.song")) {
      const on = offline.has(row.dataset.songId);
      const marker = row.querySelector(".offline-mark");
      if (on && !marker) row.querySelector(".duration").before(h("span.offline-mark", { title: "Available offline" }, "offline"));
      else if (!on && marker) marker.remove();
      row.classList.toggle("offline", on);
    }
  };
  const repaint = () => {
    if (list.isConnected) paint();
    else app.removeEventListener("offline-changed", repaint);
  };
  paint();
  app.addEventListener("offline-changed", repaint);
}

/** A small button showing an icon (ui/icons.js), labelled for screen readers. */
export function iconButton(name, label, onclick, attrs = {}) {
  return h("button.icon", { type: "button", "aria-label": label, title: label, onclick, ...attrs }, icon(name));
}

/** The ♥ toggle for a song (liked state from the app's cache of likes). */
export function likeButton(app, song) {
  const button = h("button.icon.like", { type: "button" });
  const paint = () => {
    const liked = app.likes.has(song.id);
    button.replaceChildren(icon(liked ? "heartFilled" : "heart"));
    button.setAttribute("aria-pressed", String(liked));
    button.setAttribute("aria-label", `${liked ? "Unlike" : "Like"} ${song.title}`);
    button.title = liked ? "Unlike" : "Like";
  };
  paint();
  button.addEventListener("click", async () => {
    await app.toggleLike(song);
    paint();
  });
  app.addEventListener("likes", paint);
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
