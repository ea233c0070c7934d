/**
 * Now Playing: a full-screen view of the song playing, opened from the mini-player (phones)
 * or the player bar's button (wide screens). A large cover; the title, artists and album as
 * links; the waveform seek bar; previous, play/pause, next, shuffle and repeat; like and
 * dislike; a sleep timer; and the lyrics or the queue underneath. A modal dialog: Escape,
 * the close button or the browser's Back button close it, and so does following any of its
 * links.
 */

import { h, formatDuration } from "../dom.js";
import { announce } from "../notices.js";
import { icon } from "./icons.js";
import { artistLinks, coverArt, cycleRepeat, REPEAT_LABELS } from "./player-bar.js";
import { SidePanel } from "./side-panel.js";
import { iconButton, likeButton } from "./song-list.js";
import { WaveformBar } from "./waveform.js";

/** Sleep timer choices: minutes, "end" (end of the song) or "" (off). */
const SLEEP_CHOICES = [
  ["", "Off"],
  ["15", "15 minutes"],
  ["30", "30 minutes"],
  ["45", "45 minutes"],
  ["60", "1 hour"],
  ["end", "End of song"],
];

export class NowPlaying {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{player: any, likes: any}} pieces what it shows and controls, and the likes of its ♥
   */
  constructor(dialog, { player, likes }) {
    this.dialog = dialog;
    this.player = player;
    this.likes = likes;
    this.cover = coverArt("np-cover", 1200, (song) => `api/songs/${song.art_song_id || song.id}/art?size=300 300w, api/songs/${song.art_song_id || song.id}/art?size=1200 1200w`);
    this.title = h("a.np-title", { href: "#/" });
    this.artists = h("p.np-artists");
    this.album = h("p.np-album");
    this.likeSlot = h("span.like-slot");
    this.dislike = iconButton("dislike", "Dislike", () => player.song && likes.dislike(player.song), { class: "dislike" });
    this.play = iconButton("play", "Play", () => player.toggle(), { class: "play np-play" });
    this.shuffle = iconButton("shuffle", "Shuffle", () => player.queue.setShuffle(!player.queue.shuffled), { "aria-pressed": "false" });
    this.repeat = iconButton("repeat", REPEAT_LABELS.off, () => cycleRepeat(player));
    const canvas = h("canvas.waveform.np-waveform");
    this.waveform = new WaveformBar(canvas, {
      onSeek: (fraction) => player.engine.current && player.seek(fraction * player.engine.current.durationSeconds),
    });
    canvas.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        player.seek(player.engine.position + (event.key === "ArrowLeft" ? -5 : 5));
      }
    });
    this.elapsed = h("span.time", null, "0:00");
    this.total = h("span.time", null, "0:00");
    this.sleep = h("select.sleep", { id: "np-sleep", name: "sleep" }, SLEEP_CHOICES.map(([value, text]) => h("option", { value }, text)));
    this.sleep.addEventListener("change", () => {
      const value = this.sleep.value;
      player.setSleepTimer(value === "" ? null : value === "end" ? "end" : Number(value));
      announce(value ? `Sleep timer: ${this.sleep.selectedOptions[0].textContent}` : "Sleep timer off");
    });
    this.tabs = {};
    // Focusable: the lyrics scroll within it, and keyboard users must be able to scroll them.
    const panel = h("div.np-panel", { id: "np-panel", role: "tabpanel", tabindex: "0" });
    this.panel = new SidePanel(panel, { player }, { embedded: true, visible: () => this.dialog.open });
    const tablist = h(
      "div.np-tabs",
      { role: "tablist", "aria-label": "Lyrics and queue" },
      ["lyrics", "queue"].map((mode) => {
        const tab = h("button.np-tab", { type: "button", role: "tab", id: `np-tab-${mode}`, "aria-controls": "np-panel", onclick: () => this.showTab(mode) }, mode === "lyrics" ? "Lyrics" : "Queue");
        this.tabs[mode] = tab;
        return tab;
      }),
    );
    dialog.replaceChildren(
      h(
        "div.np",
        null,
        h(
          "div.np-head",
          null,
          iconButton("collapse", "Close Now Playing", () => this.close(), { class: "np-close" }),
          h("h2.np-heading", null, "Now playing"),
          h("span.np-spacer"),
        ),
        h(
          "div.np-body",
          null,
          h(
            "div.np-main",
            null,
            this.cover.box,
            h("div.np-info", null, h("div.np-text", null, this.title, this.artists, this.album), h("div.np-rate", null, this.dislike, this.likeSlot)),
            h("div.seek.np-seek", null, this.elapsed, canvas, this.total),
            h("div.buttons.np-buttons", null, this.shuffle, iconButton("previous", "Previous", () => player.previous()), this.play, iconButton("next", "Next", () => player.next()), this.repeat),
            h("label.np-sleep", null, icon("timer"), h("span", null, "Sleep timer"), this.sleep),
          ),
          h("div.np-side", null, tablist, panel),
        ),
      ),
    );
    // Following a link (the song, an artist, the album) leaves Now Playing; the link's own
    // history entry then stands where Now Playing's was.
    dialog.addEventListener("click", (event) => {
      if (!event.target.closest?.("a[href]")) return;
      this.entry = false;
      this.close();
    });
    // Open, it has a history entry of its own (the same address), so Back closes it.
    window.addEventListener("popstate", () => {
      this.entry = false;
      this.close();
    });
    dialog.addEventListener("close", () => {
      if (this.entry && history.state?.nowPlaying) history.back();
      this.entry = false;
      document.getElementById("now-playing-button")?.focus({ preventScroll: true });
    });
    this.mode = "lyrics";
    this.shownSong = undefined;
    player.addEventListener("change", () => this.paint());
    player.addEventListener("tick", () => this.tick());
  }

  open() {
    if (this.dialog.open || !this.player.song) return;
    history.pushState({ nowPlaying: true }, "", location.href);
    this.entry = true;
    this.dialog.showModal();
    this.paint();
    this.showTab(this.mode);
    this.dialog.querySelector(".np-close").focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Shows the lyrics or the queue underneath. */
  showTab(mode) {
    this.mode = mode;
    for (const [name, tab] of Object.entries(this.tabs)) tab.setAttribute("aria-selected", String(name === mode));
    this.panel.root.setAttribute("aria-labelledby", `np-tab-${mode}`);
    this.panel.show(mode);
  }

  paint() {
    if (!this.dialog.open) return;
    const player = this.player;
    const song = player.song;
    if (!song) {
      this.close();
      return;
    }
    this.play.replaceChildren(icon(player.engine.playing ? "pause" : "play"));
    this.play.setAttribute("aria-label", player.engine.playing ? "Pause" : "Play");
    this.shuffle.setAttribute("aria-pressed", String(player.queue.shuffled));
    this.shuffle.classList.toggle("on", player.queue.shuffled);
    this.repeat.setAttribute("aria-label", REPEAT_LABELS[player.queue.repeat]);
    this.repeat.classList.toggle("on", player.queue.repeat !== "off");
    this.repeat.classList.toggle("one", player.queue.repeat === "one");
    const sleep = player.sleep;
    // The timer ran out (or was set elsewhere): the choice follows the player.
    if (!sleep) this.sleep.value = "";
    else if (sleep.endOfSong) this.sleep.value = "end";
    if (song !== this.shownSong) {
      this.shownSong = song;
      this.title.textContent = song.title;
      this.title.href = `#/song/${song.id}`;
      this.artists.replaceChildren(...artistLinks(song));
      this.album.replaceChildren(song.album ? (song.album_id ? h("a", { href: `#/album/${song.album_id}` }, song.album) : song.album) : "");
      this.cover.show(song);
      this.likeSlot.replaceChildren(likeButton(this.likes, song));
      this.dislike.setAttribute("aria-label", `Dislike ${song.title}`);
      this.waveform.load(song.id);
    }
    this.tick();
  }

  tick() {
    if (!this.dialog.open) return;
    const player = this.player;
    const segment = player.engine.current;
    const position = segment ? player.engine.position : player.resumeAt || 0;
    const duration = segment ? segment.durationSeconds : (player.song?.duration_ms || 0) / 1000;
    this.elapsed.textContent = formatDuration(position * 1000);
    this.total.textContent = formatDuration(duration * 1000);
    this.waveform.update(position, duration);
  }
}
