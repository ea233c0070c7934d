/**
 * The side panel: the queue (jump, reorder by drag or ↑/↓, remove, shuffle, repeat) or the
 * synced lyrics of the song playing (the current line highlighted and kept in view). Now
 * Playing shows the same content in its own section (`embedded`: no close button, shown
 * while `visible()` says so).
 */

import { api } from "../api.js";
import { h, formatDuration } from "../dom.js";
import { lineAt } from "../lib/lyrics.js";
import { iconButton } from "./song-list.js";
import { mashupId } from "../player/source.js";

export class SidePanel {
  /**
   * @param {HTMLElement} root
   * @param {{player: any}} pieces the player whose queue and lyrics it shows
   * @param {{embedded?: boolean, visible?: () => boolean}} [options]
   */
  constructor(root, { player }, { embedded = false, visible = () => !root.hidden } = {}) {
    this.root = root;
    this.player = player;
    this.embedded = embedded;
    this.visible = visible;
    this.mode = null;
    this.lyrics = null;
    this.lyricsFor = null;
    this.activeLine = -1;
    player.addEventListener("change", () => this.render());
    player.addEventListener("tick", () => this.follow());
  }

  /** Shows `mode` ("queue" or "lyrics"), or hides the panel when it already shows it. */
  toggle(mode) {
    this.mode = this.mode === mode ? null : mode;
    this.root.hidden = !this.mode;
    document.getElementById("queue-button")?.setAttribute("aria-expanded", String(this.mode === "queue"));
    document.getElementById("lyrics-button")?.setAttribute("aria-expanded", String(this.mode === "lyrics"));
    this.render();
  }

  /** Shows `mode` ("queue" or "lyrics") in an embedded panel. */
  show(mode) {
    this.mode = mode;
    this.render();
  }

  /** A heading, with a close button unless embedded. */
  head(title, closeLabel) {
    return h("div.panel-head", null, h("h2", null, title), this.embedded ? null : iconButton("close", closeLabel, () => this.toggle(this.mode)));
  }

  render() {
    if (!this.visible()) return;
    if (this.mode === "queue") this.renderQueue();
    else if (this.mode === "lyrics") this.renderLyrics();
  }

  renderQueue() {
    const player = this.player;
    const queue = player.queue;
    const list = h("ol.queue", { "aria-label": "Queue" });
    queue.songs.forEach((song, index) => {
      list.append(
        h(
          "li",
          { class: index === queue.index ? "current" : "", draggable: "true", dataset: { index: String(index) }, "aria-current": index === queue.index ? "true" : null },
          h("button.song-main", { type: "button", onclick: (event) => player.playIndex(index, { tapAt: event.timeStamp }) }, h("span.title", null, song.title), h("span.artist", null, (song.artists || []).join(", "))),
          h("span.duration", null, formatDuration(song.duration_ms)),
          index > 0 ? iconButton("up", `Move ${song.title} up`, () => queue.move(index, index - 1)) : null,
          index < queue.songs.length - 1 ? iconButton("down", `Move ${song.title} down`, () => queue.move(index, index + 1)) : null,
          index !== queue.index ? iconButton("close", `Remove ${song.title} from the queue`, () => queue.remove(index)) : null,
        ),
      );
    });
    let from = -1;
    list.addEventListener("dragstart", (event) => {
      from = Number(event.target.closest("li")?.dataset.index ?? -1);
      event.dataTransfer.setData("text/plain", String(from));
    });
    list.addEventListener("dragover", (event) => from >= 0 && event.preventDefault());
    list.addEventListener("drop", (event) => {
      event.preventDefault();
      const to = Number(event.target.closest("li")?.dataset.index ?? -1);
      if (from >= 0 && to >= 0) queue.move(from, to);
      from = -1;
    });
    this.root.replaceChildren(
      this.head("Queue", "Close the queue"),
      queue.songs.length ? list : h("p.empty", null, "The queue is empty."),
    );
  }

  async renderLyrics() {
    const song = this.player.song;
    const head = this.head("Lyrics", "Close the lyrics");
    if (!song) {
      this.root.replaceChildren(head, h("p.empty", null, "Nothing playing."));
      return;
    }
    if (this.lyricsFor !== song.id && (song.has_lyrics === false || mashupId(song.id))) {
      // The song says it has none, or is a mashup: no request (the server would answer 404).
      this.lyricsFor = song.id;
      this.lyrics = { plain: null, synced: null };
    } else if (this.lyricsFor !== song.id) {
      this.lyricsFor = song.id;
      this.lyrics = null;
      this.root.replaceChildren(head, h("p.empty", null, "…"));
      this.lyrics = await api(`api/songs/${song.id}/lyrics`).catch(() => ({ plain: null, synced: null }));
      if (this.lyricsFor !== song.id || this.mode !== "lyrics") return;
    }
    if (!this.lyrics) return; // still on its way: the call that asked for it draws it
    const { synced, plain } = this.lyrics;
    this.activeLine = -1;
    if (synced && synced.length) {
      const list = h("ol.lyrics", { "aria-label": `Lyrics of ${song.title}` }, synced.map((line) => h("li", null, line.text || "♪")));
      this.root.replaceChildren(head, list);
      this.follow();
    } else {
      this.root.replaceChildren(head, plain ? h("pre.lyrics-plain", null, plain) : h("p.empty", null, "No lyrics for this song."));
    }
  }

  /** Highlights the synced line at the playing position. */
  follow() {
    if (this.mode !== "lyrics" || !this.lyrics?.synced?.length || !this.visible()) return;
    const index = lineAt(this.lyrics.synced, this.player.engine.position * 1000);
    if (index === this.activeLine) return;
    const items = this.root.querySelectorAll("ol.lyrics li");
    items[this.activeLine]?.classList.remove("active");
    items[this.activeLine]?.removeAttribute("aria-current");
    this.activeLine = index;
    if (index >= 0 && items[index]) {
      items[index].classList.add("active");
      items[index].setAttribute("aria-current", "true");
      // Within the panel only: Now Playing around it stays where it is.
      const box = this.root.getBoundingClientRect();
      const line = items[index].getBoundingClientRect();
      this.root.scrollTo({ top: this.root.scrollTop + line.top - box.top - (this.root.clientHeight - line.height) / 2, behavior: "smooth" });
    }
  }
}
