/**
 * The player bar: what plays, its controls (previous, play/pause, next, shuffle, repeat),
 * the waveform seek bar, time, volume, the sleep timer and the queue and lyrics panels.
 */

import { h, formatDuration } from "../dom.js";
import { localSettings, updateLocalSettings } from "../settings.js";
import { icon } from "./icons.js";
import { WaveformBar } from "./waveform.js";
import { iconButton, likeButton } from "./song-list.js";

const REPEAT_LABELS = { off: "Repeat: off", all: "Repeat: all", one: "Repeat: one" };

/** Renders the bar into `root` and keeps it current. */
export function mountPlayerBar(root, app) {
  const player = app.player;
  const art = h("img.thumb", { alt: "", width: 48, height: 48, hidden: true });
  const title = h("a.now-title", { href: "#/" }, "Nothing playing");
  const artist = h("span.now-artist");
  const likeSlot = h("span.like-slot");
  const playButton = iconButton("play", "Play", () => player.toggle(), { id: "play-button", class: "play" });
  const shuffle = iconButton("shuffle", "Shuffle", () => player.queue.setShuffle(!player.queue.shuffled), { "aria-pressed": "false" });
  const repeat = iconButton("repeat", REPEAT_LABELS.off, () => {
    const order = ["off", "all", "one"];
    player.queue.setRepeat(order[(order.indexOf(player.queue.repeat) + 1) % order.length]);
  });
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
  const settings = localSettings();
  const volume = h("input.volume", { type: "range", min: 0, max: 1, step: 0.01, value: settings.volume, "aria-label": "Volume", id: "volume" });
  volume.addEventListener("input", () => app.setVolume(Number(volume.value)));
  player.engine.setVolume(settings.muted ? 0 : settings.volume);
  const sleep = h(
    "select.sleep",
    { "aria-label": "Sleep timer", id: "sleep-timer" },
    [["", "Sleep: off"], ["15", "15 min"], ["30", "30 min"], ["60", "1 hour"], ["end", "End of song"]].map(([value, text]) => h("option", { value }, text)),
  );
  sleep.addEventListener("change", () => {
    player.setSleepTimer(sleep.value === "" ? null : sleep.value === "end" ? "end" : Number(sleep.value));
    app.announce(sleep.value ? `Sleep timer: ${sleep.selectedOptions[0].textContent}` : "Sleep timer off");
  });
  const queueButton = iconButton("queue", "Queue", () => app.togglePanel("queue"), { "aria-expanded": "false", id: "queue-button" });
  const lyricsButton = iconButton("lyrics", "Lyrics", () => app.togglePanel("lyrics"), { "aria-expanded": "false", id: "lyrics-button" });

  root.replaceChildren(
    h("div.now", null, art, h("div.now-text", null, title, artist), likeSlot),
    h(
      "div.controls",
      null,
      h(
        "div.buttons",
        null,
        shuffle,
        iconButton("previous", "Previous", () => player.previous()),
        playButton,
        iconButton("next", "Next", () => player.next(), { id: "next-button" }),
        repeat,
      ),
      h("div.seek", null, elapsed, canvas, total),
    ),
    h("div.extras", null, volume, sleep, queueButton, lyricsButton),
  );

  let shownSong = null;
  const paint = () => {
    const song = player.song;
    const segment = player.engine.current;
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
      title.href = song ? `#/song/${song.id}` : "#/";
      artist.textContent = song ? (song.artists || []).join(", ") : "";
      if (song) art.src = `api/songs/${song.id}/art?size=96`;
      art.hidden = !song;
      likeSlot.replaceChildren(song ? likeButton(app, song) : "");
      if (song) waveform.load(song.id);
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
  };
  player.addEventListener("change", paint);
  player.addEventListener("tick", tick);
  app.addEventListener("volume", () => (volume.value = String(localSettings().volume)));
  paint();
}

/** Changes and remembers the volume (0–1). */
export function setVolume(app, value) {
  const volume = Math.max(0, Math.min(1, value));
  updateLocalSettings({ volume, muted: false });
  app.player.engine.setVolume(volume);
}
