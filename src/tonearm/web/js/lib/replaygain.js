/**
 * Loudness normalisation: the linear gain to play a song at, from its ReplayGain values.
 *
 * tonearm computes ReplayGain 2.0 values at ingest from EBU R128 loudness, against a reference
 * of -18 LUFS (src/tonearm/library/replaygain.py: REFERENCE_LUFS), and the REST API's SongOut
 * carries `replaygain_track_gain_db` and `replaygain_album_gain_db`. When a song has no gain
 * but its integrated loudness is known (`loudness_lufs`), the gain is computed the same way,
 * against the same -18 LUFS: a different target (streaming services use -14 or -16) would make
 * songs without tags play louder or quieter than the tagged songs around them, which is the
 * very jump normalisation exists to remove. -18 also leaves headroom, so fewer songs need
 * their gain limited by the peak.
 *
 * Peak protection: when the song's peak (linear, 1.0 = full scale) is known, the gain never
 * exceeds 1 / peak, so the loudest sample is not pushed past full scale and clipped. SongOut
 * does not carry peaks (yet); the fields read are `replaygain_track_peak` and
 * `replaygain_album_peak`.
 *
 * @module replaygain
 */

/** The loudness ReplayGain 2.0 plays everything at, as tonearm's ingest computes it. */
export const REFERENCE_LUFS = -18;

/** 10^(dB/20). */
export function dbToLinear(db) {
  return 10 ** (db / 20);
}

/** 20·log10(linear). */
export function linearToDb(linear) {
  return 20 * Math.log10(linear);
}

function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * The gain in dB and the peak that apply to `song` in `mode`, or null when nothing is known.
 * Album mode uses the album's values and falls back to the track's; track mode uses the
 * track's and falls back to its loudness. "auto" is album mode when `inAlbumOrder`, else
 * track mode (the `auto` of the user's `replaygain` preference).
 */
export function gainSource(song, { mode = "track", inAlbumOrder = false } = {}) {
  const effective = mode === "auto" ? (inAlbumOrder ? "album" : "track") : mode;
  if (effective === "off" || !song) return null;
  const trackPeak = finite(song.replaygain_track_peak);
  const candidates = [];
  if (effective === "album") {
    candidates.push({
      gainDb: finite(song.replaygain_album_gain_db),
      peak: finite(song.replaygain_album_peak) ?? trackPeak,
      source: "album",
    });
  }
  const trackGain = finite(song.replaygain_track_gain_db);
  candidates.push({ gainDb: trackGain, peak: trackPeak, source: "track" });
  const lufs = finite(song.loudness_lufs);
  if (lufs !== null) {
    candidates.push({ gainDb: REFERENCE_LUFS - lufs, peak: trackPeak, source: "loudness" });
  }
  return candidates.find((c) => c.gainDb !== null) ?? null;
}

/**
 * The linear gain (for a GainNode or `audio.volume`-like use) to play `song` at.
 *
 * gain = 10^((gainDb + preampDb) / 20), limited to 1 / peak when the peak is known. Mode
 * "off", or a song with neither gain nor loudness, plays at 1 (unchanged; the pre-amp is a
 * correction of ReplayGain's level, so it does not apply where no gain does).
 *
 * Note that a gain above 1 cannot be set through `HTMLMediaElement.volume` (range 0–1); use
 * a Web Audio GainNode.
 * @param {object} song a SongOut (or any object with the same field names)
 * @param {{mode?: "track"|"album"|"auto"|"off", preampDb?: number,
 *   inAlbumOrder?: boolean}} [options]
 * @returns {number}
 */
export function gainFor(song, { mode = "track", preampDb = 0, inAlbumOrder = false } = {}) {
  const chosen = gainSource(song, { mode, inAlbumOrder });
  if (chosen === null) return 1;
  const gain = dbToLinear(chosen.gainDb + (finite(preampDb) ?? 0));
  return chosen.peak !== null && chosen.peak > 0 ? Math.min(gain, 1 / chosen.peak) : gain;
}
