/**
 * The player bar, hidden while nothing is queued. On wide screens: the cover and the song's
 * title, artists and album as links, its controls (previous, play/pause, next, shuffle,
 * repeat), the waveform seek bar, volume, the queue and lyrics panels, and a button that
 * opens Now Playing. On phones (the stylesheet decides) a one-line mini-player: cover,
 * title and artist, play/pause and next over a thin progress line; a tap on it opens
 * Now Playing.
 */

import { h, formatDuration } from "../dom.js";
import { localSettings, updateLocalSettings } from "../settings.js";
import { hue, initials } from "./cards.js";
import { icon } from "./icons.js";
import { WaveformBar } from "./waveform.js";
import { iconButton, likeButton } from "./song-list.js";
import { mashupId } from "../player/source.js";

export const REPEAT_LABELS = { off: "Repeat: off", all: "Repeat: all", one: "Repeat: one" };
const REPEAT_ORDER = ["off", "all", "one"];

/** The next repeat mode after the player's. */
export function cycleRepeat(player) {
  player.queue.setRepeat(REPEAT_ORDER[(REPEAT_ORDER.indexOf(player.queue.repeat) + 1) % REPEAT_ORDER.length]);
}

/** Links to the song's artists, separated by commas (plain text for those without an id). */
export function artistLinks(song) {
  const names = song.artists || [];
  return names.flatMap((name, index) => {
    const id = song.artist_ids?.[index];
    const part = id ? h("a", { href: `#/artist/${id}` }, name) : name;
    return index ? [", ", part] : [part];
  });
}

/**
 * A cover: the song's art over a placeholder coloured after its album (the placeholder stays
 * when there is no art, or it fails to load).
 */
export function coverArt(className, size, srcset) {
  const image = h("img", { alt: "", decoding: "async", hidden: true });
  image.addEventListener("load", () => (image.hidden = false));
  image.addEventListener("error", () => (image.hidden = true));
  const box = h(`span.${className}`, { "aria-hidden": "true" }, h("span.initials"), image);
  return {
    box,
    show(song) {
      image.hidden = true;
      const seed = song?.album || song?.title || "";
      box.style.setProperty("--hue", String(hue(seed)));
      box.querySelector(".initials").textContent = initials(seed);
      // Songs say whether they have art (has_art); without the flag, try (the server answers 404).
      if (song && song.has_art !== false) {
        if (srcset) image.srcset = srcset(song);
        image.src = `api/songs/${song.art_song_id || song.id}/art?size=${size}`;
      } else {
        image.removeAttribute("src");
        image.removeAttribute("srcset");
      }
    },
  };
}

/**
 * Renders the bar into `root` and keeps it current.
 * @param {HTMLElement} root
 * @param {{player: any, likes: any, nowPlaying: any, panel: any}} pieces the player it
 *   controls, the likes of its ♥, Now Playing (opened from it) and the queue/lyrics panel
 */
export function mountPlayerBar(root, { player, likes, nowPlaying, panel }) {
  const cover = coverArt("thumb", 96);
  const title = h("a.now-title", { href: "#/" }, "Nothing playing");
  const artist = h("span.now-artist");
  const album = h("span.now-album");
  const likeSlot = h("span.like-slot");
  const playButton = iconButton("play", "Play", () => player.toggle(), { id: "play-button", class: "play" });
  const shuffle = iconButton("shuffle", "Shuffle", () => player.queue.setShuffle(!player.queue.shuffled), { "aria-pressed": "false" });
  const repeat = iconButton("repeat", REPEAT_LABELS.off, () => cycleRepeat(player));
  const canvas = h("canvas.waveform", { id: "seek-bar" });
  const waveform = new WaveformBar(canvas, {
    onSeek: (fraction) => player.engine.current && player.seek(fraction * player.engine.current.durationSeconds),
  });
  canvas.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      event.stopPropagation();
      player.seek(player.engine.position + (event.key === "ArrowLeft" ? -5 : 5));
    }
  });
  const elapsed = h("span.time", { id: "elapsed" }, "0:00");
  const total = h("span.time", null, "0:00");
  const progress = h("span.mini-progress-fill");
  const settings = localSettings();
  const volume = h("input.volume", { type: "range", min: 0, max: 1, step: 0.01, value: settings.volume, "aria-label": "Volume", id: "volume" });
  volume.addEventListener("input", () => setVolume(player, Number(volume.value)));
  player.engine.setVolume(settings.muted ? 0 : settings.volume);
  const queueButton = iconButton("queue", "Queue", () => panel.toggle("queue"), { "aria-expanded": "false", id: "queue-button" });
  const lyricsButton = iconButton("lyrics", "Lyrics", () => panel.toggle("lyrics"), { "aria-expanded": "false", id: "lyrics-button" });
  // On phones this button covers the cover and text: the whole mini-player opens Now Playing.
  const open = h(
    "button.icon.np-open",
    { type: "button", id: "now-playing-button", "aria-haspopup": "dialog", "aria-label": "Open Now Playing", title: "Now Playing", onclick: () => nowPlaying.open() },
    icon("expand"),
  );

  root.replaceChildren(
    h("div.now", null, cover.box, h("div.now-text", null, title, h("span.now-sub", null, artist, album)), likeSlot),
    h(
      "div.controls",
      null,
      h(
        "div.buttons",
        null,
        shuffle,
        iconButton("previous", "Previous", () => player.previous(), { class: "previous" }),
        playButton,
        iconButton("next", "Next", () => player.next(), { id: "next-button" }),
        repeat,
      ),
      h("div.seek", null, elapsed, canvas, total),
    ),
    h("div.extras", null, volume, queueButton, lyricsButton, open),
    h("span.mini-progress", { "aria-hidden": "true" }, progress),
  );

  let shownSong = null;
  const paint = () => {
    const song = player.song;
    const segment = player.engine.current;
    root.hidden = !song;
    document.body.classList.toggle("has-player", Boolean(song));
    playButton.replaceChildren(icon(player.engine.playing ? "pause" : "play"));
    playButton.setAttribute("aria-label", player.engine.playing ? "Pause" : "Play");
    shuffle.setAttribute("aria-pressed", String(player.queue.shuffled));
    repeat.classList.toggle("one", player.queue.repeat === "one");
    repeat.setAttribute("aria-label", REPEAT_LABELS[player.queue.repeat]);
    repeat.classList.toggle("on", player.queue.repeat !== "off");
    shuffle.classList.toggle("on", player.queue.shuffled);
    if (song !== shownSong) {
      shownSong = song;
      title.textContent = song ? song.title : "Nothing playing";
      // A mashup is not a song: no song page, no ♥, no stored waveform.
      const mashup = Boolean(song && mashupId(song.id));
      title.href = song ? (mashup ? "#/mashups" : `#/song/${song.id}`) : "#/";
      artist.replaceChildren(...(song ? artistLinks(song) : []));
      album.replaceChildren(song?.album ? (song.album_id ? h("a", { href: `#/album/${song.album_id}` }, song.album) : song.album) : "");
      open.setAttribute("aria-label", song ? `Open Now Playing: ${song.title}` : "Open Now Playing");
      cover.show(song);
      likeSlot.replaceChildren(song && !mashup ? likeButton(likes, song) : "");
      if (song) waveform.load(mashup ? null : song.id);
      document.title = song ? `${song.title} · tonearm` : "tonearm";
    }
    const duration = segment ? segment.durationSeconds : (song?.duration_ms || 0) / 1000;
    total.textContent = formatDuration(duration * 1000);
    tick();
  };
  const tick = () => {
    const segment = player.engine.current;
    const position = segment ? player.engine.position : player.resumeAt || 0;
    const duration = segment ? segment.durationSeconds : (player.song?.duration_ms || 0) / 1000;
    elapsed.textContent = formatDuration(position * 1000);
    waveform.update(position, duration);
    progress.style.transform = `scaleX(${duration > 0 ? Math.min(1, position / duration) : 0})`;
  };
  player.addEventListener("change", paint);
  player.addEventListener("tick", tick);
  paint();
}

/** Changes and remembers the volume (0–1); the bar's slider follows (the keys change it too). */
export function setVolume(player, value) {
  const volume = Math.max(0, Math.min(1, value));
  updateLocalSettings({ volume, muted: false });
  player.engine.setVolume(volume);
  const slider = /** @type {HTMLInputElement|null} */ (document.getElementById("volume"));
  if (slider) slider.value = String(volume);
}
