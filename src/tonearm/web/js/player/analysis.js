/**
 * A song's audio analysis for the player's smart crossfade: the `analysis` summary of the
 * song's details (intro_end, outro_start, leading_silence, trailing_silence, tempo_bpm…).
 * Song lists leave it out (null), so a song without it is looked up once by
 * `GET /api/songs/{id}` (always there: no failed request for a song never analysed) and kept
 * for the page's life; it changes only when a song is analysed again. Precomputed
 * transitions between two songs are looked up the same way, once per pair.
 */

import { api } from "../api.js";
import { mashupId } from "./source.js";

const known = new Map();

function usable(analysis) {
  return analysis && analysis.status !== "failed" ? analysis : null;
}

/**
 * @param {{id: string, analysis?: object|null}} song
 * @returns {Promise<object|null>} null when the song has no (successful) analysis.
 */
export async function songAnalysis(song) {
  if (song.analysis) return usable(song.analysis);
  if (mashupId(song.id)) return null; // not a song: nothing analysed, nothing to ask
  if (!known.has(song.id)) {
    known.set(
      song.id,
      api(`api/songs/${encodeURIComponent(song.id)}`)
        .then((details) => usable(details?.analysis))
        .catch(() => null),
    );
  }
  return known.get(song.id);
}

const transitions = new Map();

/**
 * The precomputed transition from one song into the next (GET /api/transitions), or null.
 * @param {{id: string}} from
 * @param {{id: string}} to
 * @returns {Promise<{url: string, duration_ms: number, from_start_ms: number,
 *   to_resume_ms: number}|null>}
 */
export async function songTransition(from, to) {
  if (mashupId(from.id) || mashupId(to.id)) return null;
  const key = `${from.id}>${to.id}`;
  if (!transitions.has(key)) {
    const path = `api/transitions?from=${encodeURIComponent(from.id)}&to=${encodeURIComponent(to.id)}`;
    transitions.set(
      key,
      api(path)
        .then((answer) => answer?.items?.[0] || null)
        .catch(() => null),
    );
  }
  return transitions.get(key);
}
