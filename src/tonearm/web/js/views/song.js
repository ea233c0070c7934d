/** One song's details: cover art, tags, ReplayGain, lyrics, and what you can do with it. */

import { api } from "../api.js";
import { h, formatDuration } from "../dom.js";
import { albumLink, artistLinks, likeButton } from "../ui/song-list.js";
import { artThumb } from "../ui/cards.js";
import { pickPlaylist } from "../ui/playlist-picker.js";
import { shareButton } from "../ui/share-dialog.js";
import { startSonicRadio } from "../ui/sonic.js";

/** "1:05" from seconds (the analysis' times are seconds, not milliseconds). */
function clock(seconds) {
  return formatDuration(Math.round(seconds * 1000));
}

/**
 * What audio analysis found: tempo, key with its Camelot code, energy, danceability and
 * mood as bars, where the music starts and ends. The file's BPM tag is shown apart: it is
 * kept as tagged, and the analysed tempo is what smart transitions use.
 * @param {object} detail the song's details (`analysis` may be null)
 * @returns {HTMLElement|null}
 */
export function soundFacts(detail) {
  const found = detail.analysis;
  if (!found) return null;
  if (found.status !== "done") return h("p.meta", { id: "song-analysis" }, `Audio analysis failed: ${found.error || "unknown reason"}.`);
  const percent = (value) => `${Math.round(value * 100)}%`;
  const bar = (label, value) =>
    value === null || value === undefined
      ? null
      : [h("dt", null, label), h("dd.level", null, h("meter", { min: 0, max: 1, value, "aria-label": `${label} ${percent(value)}` }), ` ${percent(value)}`)];
  const row = (label, value) => (value === null || value === undefined ? null : [h("dt", null, label), h("dd", null, value)]);
  const tempo = found.tempo_bpm === null ? "no steady beat" : `${Math.round(found.tempo_bpm)} BPM`;
  const key = found.key ? `${found.key.name} (${found.key.camelot})` : "no clear key";
  const tagged = detail.bpm && Math.round(detail.bpm) !== Math.round(found.tempo_bpm || 0) ? `${Math.round(detail.bpm)} BPM` : null;
  return h(
    "div.sound",
    { id: "song-analysis" },
    h("h2", null, "Sound"),
    h(
      "dl.facts",
      null,
      row("Tempo", tempo),
      row("Tempo tag", tagged),
      row("Key", key),
      bar("Energy", found.energy),
      bar("Danceability", found.danceability),
      bar("Mood (brightness)", found.valence),
      row("Intro ends", found.intro_end > 0.5 ? clock(found.intro_end) : "at once"),
      row("Outro starts", clock(found.outro_start)),
      row("Silence", found.leading_silence + found.trailing_silence >= 0.5 ? `${found.leading_silence.toFixed(1)} s at the start, ${found.trailing_silence.toFixed(1)} s at the end` : null),
    ),
  );
}

export async function song({ player, cache, likes, tracker }, id) {
  const detail = await api(`api/songs/${encodeURIComponent(id)}`);
  let lyrics = null;
  if (detail.has_lyrics) lyrics = await api(`api/songs/${id}/lyrics`).catch(() => null);
  const cached = cache ? await cache.entry(id).catch(() => null) : null;
  const row = (label, value) => (value === null || value === undefined || value === "" ? null : [h("dt", null, label), h("dd", null, value instanceof Node ? value : String(value))]);
  const album = albumLink(detail);
  const albumArtist = detail.album_artist && detail.album_artist_id ? h("a", { href: `#/artist/${detail.album_artist_id}` }, detail.album_artist) : detail.album_artist;
  return h(
    "section.song-detail",
    null,
    h("span.item-cover.large", null, artThumb(detail.has_art ? `api/songs/${id}/art?size=600` : null, detail.album || detail.title, 300)),
    h(
      "div",
      null,
      h("h1", null, detail.title),
      h("p.meta", null, artistLinks(detail), album ? [" · ", album] : null),
      h(
        "div.actions",
        null,
        h("button.primary", { type: "button", onclick: (event) => player.playList([detail], 0, { tapAt: event.timeStamp }) }, "Play"),
        h("button", { type: "button", onclick: () => player.playNext([detail]) }, "Play next"),
        h("button", { type: "button", onclick: () => player.add([detail]) }, "Add to queue"),
        h("button", { type: "button", onclick: () => startSonicRadio(player, detail) }, "Sonic radio"),
        h("button", { type: "button", onclick: () => (location.hash = `#/sonic-path?from=${encodeURIComponent(detail.id)}`) }, "Sonic path"),
        h("button", { type: "button", onclick: () => pickPlaylist(tracker, [detail]) }, "Add to playlist"),
        likeButton(likes, detail),
        h("button", { type: "button", onclick: () => likes.dislike(detail) }, "Dislike"),
        shareButton({ kind: "song", id: detail.id, name: detail.title }),
      ),
      h(
        "dl.facts",
        null,
        row("Album", album),
        row("Album artist", albumArtist),
        row("Track", detail.track_number),
        row("Disc", detail.disc_number),
        row("Year", detail.year),
        row("Genres", detail.genres.join(", ")),
        row("Duration", formatDuration(detail.duration_ms)),
        row("Plays", detail.play_count),
        row("Original format", detail.original_format),
        row("Renditions", detail.renditions.join(", ")),
        row("ReplayGain (track)", detail.replaygain_track_gain_db === null ? null : `${detail.replaygain_track_gain_db.toFixed(2)} dB`),
        row("ReplayGain (album)", detail.replaygain_album_gain_db === null ? null : `${detail.replaygain_album_gain_db.toFixed(2)} dB`),
        row("Folder", detail.folder_path),
        row("On this device", cached ? `${cached.quality}${cached.partial ? " (partial)" : ""}, ${(cached.sizeBytes / 1e6).toFixed(1)} MB` : "no"),
      ),
      soundFacts(detail),
      lyrics ? h("div.lyrics-static", null, h("h2", null, "Lyrics"), h("pre", null, lyrics.plain || (lyrics.synced || []).map((l) => l.text).join("\n"))) : null,
    ),
  );
}
