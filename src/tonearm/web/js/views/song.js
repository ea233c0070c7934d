/** One song's details: cover art, tags, ReplayGain, lyrics, and what you can do with it. */

import { api } from "../api.js";
import { h, formatDuration } from "../dom.js";
import { albumLink, artistLinks, likeButton } from "../ui/song-list.js";
import { artThumb } from "../ui/cards.js";
import { pickPlaylist } from "../ui/playlist-picker.js";
import { shareButton } from "../ui/share-dialog.js";
import { startSonicRadio } from "../ui/sonic.js";

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
      lyrics ? h("div.lyrics-static", null, h("h2", null, "Lyrics"), h("pre", null, lyrics.plain || (lyrics.synced || []).map((l) => l.text).join("\n"))) : null,
    ),
  );
}
