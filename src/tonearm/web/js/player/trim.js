/**
 * Where the music is inside a rendition as Media Source Extensions decode it, so songs can be
 * laid end to end without the encoders' silence between them.
 *
 * - MP3: the first frame's LAME tag gives the encoder delay and padding. Chromium's MSE
 *   path drops the Info frame and compensates the decoder's own 529-sample delay, so the
 *   decoded stream is exactly encoder delay + music + padding (measured: cutting 529 more at
 *   the start, as a raw decoder would need, left 529 samples of silence at every join).
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
        encoderDelaySamples: info.encoderDelay,
        paddingSamples: info.padding,
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
