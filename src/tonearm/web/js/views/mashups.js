/**
 * Mashups (GET /api/mashups): the mashups made for you from your most played songs, each
 * with why its pair was chosen, its length and when it was made. Only you see them.
 *
 * They play in the main player (queue, player bar, lock screen) as songs do: a mashup's
 * queue entry has the id `mx-<uuid>`, for which the player asks /api/mashups/{id}/stream
 * for its signed URL instead of a song's (player/source.js), and counts no plays.
 */

import { api } from "../api.js";
import { formatDuration, h } from "../dom.js";
import { icon } from "../ui/icons.js";
import { MASHUP_PREFIX } from "../player/source.js";

/**
 * A mashup as a queue entry the player plays like a song.
 * @param {any} mashup an entry of GET /api/mashups
 */
export function mashupTrack(mashup) {
  return {
    id: MASHUP_PREFIX + mashup.id,
    title: mashup.title,
    artists: ["Mashup"],
    album: "Mashups",
    duration_ms: mashup.duration_ms,
    // The lead song's cover; no ReplayGain to look up (a mashup is loudness-normalised).
    art_song_id: mashup.lead_song_id,
    replaygain_track_gain_db: null,
    has_lyrics: false,
  };
}

function made(mashup) {
  return new Date(mashup.created_at).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/**
 * The Mashups screen (`#/mashups`).
 * @param {{player: any}} pieces
 */
export async function mashups({ player }) {
  const listed = await api("api/mashups");
  const tracks = listed.entries.map(mashupTrack);
  const section = h("section.mashups", null, h("div.view-head", null, h("h1", null, "Mashups")));
  if (!tracks.length) {
    section.append(
      h(
        "div.empty.mashups-empty",
        null,
        h("p", null, "No mashups yet. They are made from the songs you played most in the last six months, once a month, when two of them share a tempo and a key."),
        h("p", null, "To make some now, run ", h("code", null, "tonearm mashup <your username>"), " on the server."),
      ),
    );
    return section;
  }
  section.append(
    h("p.view-sub", null, "Made from your most played songs. Only you see them."),
    h(
      "ol.mashup-list",
      { "aria-label": "Your mashups" },
      listed.entries.map((mashup, index) =>
        h(
          "li.mashup",
          { dataset: { mashupId: mashup.id } },
          h(
            "button.icon-button.mashup-play",
            { type: "button", "aria-label": `Play ${mashup.title}`, onclick: () => player.playList(tracks, index) },
            icon("play"),
          ),
          h(
            "div.mashup-text",
            null,
            h("span.mashup-title", null, mashup.title),
            h("span.mashup-why", null, mashup.why),
            h("span.mashup-meta", null, `${formatDuration(mashup.duration_ms)} · made ${made(mashup)}`),
          ),
        ),
      ),
    ),
  );
  return section;
}
