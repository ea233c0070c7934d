/**
 * Where the music is inside a rendition as Media Source Extensions decode it, so songs can be
 * laid end to end without the encoders' silence between them.
 *
 * - MP3: the first frame's LAME tag gives the encoder delay and padding. Chromium's MSE
 *   parser drops the Info frame but no samples, so the decoded stream starts with the
 *   encoder delay plus the decoder's own 529 samples, and its last frame ends with the padding
 *   minus those 529 (lib/gapless.js: skipStartSamples, skipEndSamples).
 * - Opus in WebM: the browser applies the stream's pre-skip itself; the Segment Info's
 *   duration is the music's exact length, so only the end needs cutting.
 * - Anything else, or a header that cannot be read: the song's duration from the catalogue,
 *   untrimmed at the start.
 */

import { parseMp3GaplessInfo, parseWebmDuration, trimmedWindow } from "../lib/gapless.js";

/**
 * @param {"mp3"|"opus"} codec
 * @param {Uint8Array} firstBytes The first few KiB of the file.
 * @param {{duration_ms: number}} song
 * @returns {{leadingSeconds: number, durationSeconds: number, source: string,
 *   offsetSeconds: number, playSeconds: number}}
 */
export function gaplessWindow(codec, firstBytes, song) {
  const catalogueSeconds = (song.duration_ms || 0) / 1000;
  if (codec === "mp3") {
    const info = parseMp3GaplessInfo(firstBytes);
    if (info) {
      const window = trimmedWindow({
        durationSeconds: (info.frames * info.samplesPerFrame) / info.sampleRate,
        encoderDelaySamples: info.skipStartSamples,
        paddingSamples: info.skipEndSamples,
        sampleRate: info.sampleRate,
      });
      return { ...window, leadingSeconds: window.offsetSeconds, durationSeconds: window.playSeconds, source: "lame" };
    }
  } else if (codec === "opus") {
    const seconds = parseWebmDuration(firstBytes);
    if (seconds) {
      return { offsetSeconds: 0, playSeconds: seconds, leadingSeconds: 0, durationSeconds: seconds, source: "webm" };
    }
  }
  return {
    offsetSeconds: 0,
    playSeconds: catalogueSeconds,
    leadingSeconds: 0,
    durationSeconds: catalogueSeconds,
    source: "catalogue",
  };
}
