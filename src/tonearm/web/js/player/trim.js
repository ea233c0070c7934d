/**
 * Where the music is inside a rendition as Media Source Extensions decode it, so songs can be
 * laid end to end without the encoders' silence between them (lib/gapless.js has the
 * measured rules: MP3 skips only the encoder delay from the LAME tag, as Chromium's MSE
 * compensates the decoder's own 529 samples; Opus in WebM has its pre-skip applied by the
 * browser and lasts the catalogue's duration).
 */

import { mseSongPlacement } from "../lib/gapless.js";

/**
 * @param {"mp3"|"opus"} codec
 * @param {Uint8Array} firstBytes The first few KiB of the file.
 * @param {{duration_ms: number}} song
 * @returns {{leadingSeconds: number, durationSeconds: number, source: string}}
 *   leadingSeconds: decoded audio before the first sample of music (cut by the append
 *   window); durationSeconds: the music's length.
 */
export function gaplessWindow(codec, firstBytes, song) {
  const placement = mseSongPlacement({ codec, firstBytes, durationMs: song.duration_ms || 0 });
  return {
    leadingSeconds: placement.skipStartSamples / placement.sampleRate,
    durationSeconds: placement.totalSamples / placement.sampleRate,
    source: placement.source,
  };
}
