/**
 * Gapless playback arithmetic: which part of a decoded song is music, and when the next song
 * must start so that it follows the current one without a gap or an overlap.
 *
 * Encoders add silence: an MP3 starts with the encoder's delay (LAME: 576 samples) plus the
 * decoder's own 529 samples, and ends with padding up to a whole 1152-sample frame; an Opus
 * stream starts with `pre-skip` samples (at 48 kHz) to discard. tonearm's MP3 renditions carry
 * a Xing/Info frame with a LAME tag (delay and padding, 12 bits each), and its `efficient`
 * renditions are Opus in WebM, whose Tracks hold the OpusHead (pre-skip) and whose Segment Info
 * holds the duration (src/tonearm/adapters/ffmpeg/renditions.py).
 *
 * What Chromium does with that silence (measured in tests/web/lib with tonearm's renditions):
 * - decodeAudioData trims it: an MP3 decodes to exactly its LAME tag's sample count, a WebM
 *   Opus file to within 24 samples (0.5 ms, dropped at the start) of its true length. Play a
 *   decoded buffer whole: trimmedWindow with 0 delay and 0 padding.
 * - Media Source Extensions do not trim an MP3: its SourceBuffer spans every frame
 *   (frames × 1152 samples). Chromium's MSE pipeline does remove the decoder's 529 samples
 *   itself, so the music starts `encoderDelay` (576) samples after the first frame's time, not
 *   `encoderDelay + 529`: see mseSongPlacement and mseAppendWindow.
 * - MSE with WebM Opus applies the pre-skip itself (skip 0), but two files placed back to
 *   back are not sample-exact: 159 samples (3.3 ms) of silence where the first ends, and the
 *   second 48 samples early, whatever the skip. Within a 5 ms gap target; decoding both with
 *   decodeAudioData is closer (24 samples).
 *
 * @module gapless
 */

/** Samples an MP3 decoder (mpg123, FFmpeg) outputs before the first encoded sample. */
export const MP3_DECODER_DELAY = 529;
/** Opus always decodes at 48 kHz; pre-skip counts samples at that rate. */
export const OPUS_SAMPLE_RATE = 48000;

/**
 * The music inside a decoded buffer: skip `offsetSeconds`, then play `playSeconds`.
 *
 * `durationSeconds` is the length of the decoded audio as the decoder produced it (an
 * AudioBuffer's duration); `encoderDelaySamples` and `paddingSamples` are the silence it
 * still contains at its start and end, at `sampleRate`. Pass 0 for what the decoder trimmed
 * already. `playSeconds` is never negative.
 * @param {{durationSeconds: number, encoderDelaySamples: number, paddingSamples: number,
 *   sampleRate: number}} input
 * @returns {{offsetSeconds: number, playSeconds: number}}
 */
export function trimmedWindow(input) {
  const { durationSeconds, encoderDelaySamples, paddingSamples, sampleRate } = input;
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be > 0, not ${sampleRate}`);
  const offsetSeconds = Math.max(0, encoderDelaySamples) / sampleRate;
  const paddingSeconds = Math.max(0, paddingSamples) / sampleRate;
  const playSeconds = Math.max(0, durationSeconds - offsetSeconds - paddingSeconds);
  return { offsetSeconds, playSeconds };
}

/**
 * The AudioContext time at which the next song must start: where the current one's window
 * ends. `currentStartCtxTime` is the context time at which the window's first sample plays
 * (the `when` given to `source.start(when, offsetSeconds, playSeconds)`); after a seek to
 * `p` seconds into the window, that is `ctx.currentTime - p` at the moment of the seek.
 * @param {number} currentStartCtxTime
 * @param {{playSeconds: number}} currentWindow
 * @returns {number}
 */
export function nextStartTime(currentStartCtxTime, currentWindow) {
  return currentStartCtxTime + currentWindow.playSeconds;
}

/**
 * SourceBuffer settings to place one song's music at `startSeconds` on the MediaSource
 * timeline and cut its encoder silence: set `timestampOffset`, then `appendWindowEnd`, then
 * `appendWindowStart` (in that order: the start may not exceed the current end), then append
 * the song's bytes. The next song starts at `appendWindowEnd`.
 *
 * `skipStartSamples` is the silence before the music *as the MSE pipeline outputs it*, and
 * `totalSamples` the music's length, both at `sampleRate`: mseSongPlacement works them out.
 * @param {{startSeconds: number, skipStartSamples: number, totalSamples: number,
 *   sampleRate: number}} song
 * @returns {{timestampOffset: number, appendWindowStart: number, appendWindowEnd: number}}
 */
export function mseAppendWindow({ startSeconds, skipStartSamples, totalSamples, sampleRate }) {
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be > 0, not ${sampleRate}`);
  return {
    timestampOffset: startSeconds - skipStartSamples / sampleRate,
    appendWindowStart: startSeconds,
    appendWindowEnd: startSeconds + totalSamples / sampleRate,
  };
}

/**
 * Where the music is in a song as Chromium's MSE outputs it, for mseAppendWindow:
 * `{skipStartSamples, totalSamples, sampleRate, source}`.
 *
 * - "mp3" with a LAME tag: skip its `encoderDelay`, play its `totalSamples` (sample-exact).
 * - "opus" (WebM): skip 0 (Chromium applies the pre-skip) and play `durationMs`, the song's
 *   duration from the catalogue. Not the WebM Duration: it runs to the end of the last
 *   packet, and placing the next song there starts it 6.4 ms late on a 1 s test file.
 * - Anything else, or an MP3 without a LAME tag: skip 0, play `durationMs`.
 * @param {{codec: string, firstBytes: ArrayBuffer|ArrayBufferView, durationMs: number}} song
 *   `firstBytes`: the start of the file (a few KiB)
 * @returns {{skipStartSamples: number, totalSamples: number, sampleRate: number,
 *   source: "lame"|"catalogue"}}
 */
export function mseSongPlacement({ codec, firstBytes, durationMs }) {
  const info = codec === "mp3" ? parseMp3GaplessInfo(firstBytes) : null;
  if (info !== null) {
    return {
      skipStartSamples: info.encoderDelay,
      totalSamples: info.totalSamples,
      sampleRate: info.sampleRate,
      source: "lame",
    };
  }
  // Milliseconds as "samples" at 1 kHz: the catalogue's precision, stated as it is.
  return { skipStartSamples: 0, totalSamples: durationMs, sampleRate: 1000, source: "catalogue" };
}

// By MPEG version (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and the header's rate index.
const MP3_SAMPLE_RATES = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

function bytesOf(buffer) {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

function uint32(bytes, at) {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function printable(bytes, from, length) {
  for (let i = from; i < from + length; i += 1) {
    if (!(bytes[i] >= 0x20 && bytes[i] <= 0x7e)) return false;
  }
  return true;
}

// Skip an ID3v2 tag (tonearm writes none, but an original MP3 may start with one).
function firstFrameOffset(bytes) {
  if (bytes.length >= 10 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    // A "syncsafe" integer: 7 bits per byte.
    const size = [6, 7, 8, 9].reduce((value, i) => (value << 7) | (bytes[i] & 0x7f), 0);
    const footer = bytes[5] & 0x10 ? 10 : 0;
    return 10 + size + footer;
  }
  return 0;
}

/**
 * The gapless information of an MP3's first frame (Xing/Info frame with a LAME tag), or null
 * when it has none. `buffer` is the start of the file (a few KiB after any ID3v2 tag is
 * enough).
 *
 * `encoderDelay` and `padding` are the LAME tag's figures: `frames` × `samplesPerFrame` =
 * encoderDelay + `totalSamples` + padding. A decoder outputs MP3_DECODER_DELAY (529) more
 * samples at the start and that many fewer at the end, so in the raw decoded stream the music
 * starts after `skipStartSamples` = encoderDelay + 529 and is followed by `skipEndSamples` =
 * padding − 529 (never below 0). `frames` excludes the Info frame itself, which decoders
 * recognise and drop.
 * @param {ArrayBuffer|ArrayBufferView} buffer
 * @returns {{encoderDelay: number, padding: number, frames: number, samplesPerFrame: number,
 *   sampleRate: number, channels: number, totalSamples: number, skipStartSamples: number,
 *   skipEndSamples: number, encoder: string} | null}
 */
export function parseMp3GaplessInfo(buffer) {
  const bytes = bytesOf(buffer);
  const at = firstFrameOffset(bytes);
  if (bytes.length < at + 4 || bytes[at] !== 0xff || (bytes[at + 1] & 0xe0) !== 0xe0) return null;
  const version = (bytes[at + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (bytes[at + 1] >> 1) & 3; // 1: Layer III
  const rateIndex = (bytes[at + 2] >> 2) & 3;
  if (!(version in MP3_SAMPLE_RATES) || layer !== 1 || rateIndex === 3) return null;
  const sampleRate = MP3_SAMPLE_RATES[version][rateIndex];
  const mono = ((bytes[at + 3] >> 6) & 3) === 3;
  const mpeg1 = version === 3;
  // The Xing tag sits after the side information, whose size depends on version and channels
  // (the same offsets FFmpeg's mp3 demuxer uses).
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  let position = at + 4 + sideInfo;
  const tag = String.fromCharCode(...bytes.subarray(position, position + 4));
  if (tag !== "Xing" && tag !== "Info") return null;
  const flags = uint32(bytes, position + 4);
  position += 8;
  if (!(flags & 1)) return null; // no frame count: the length is unknown
  const frames = uint32(bytes, position);
  // 0: the header of a file still being written (a rendition streamed while it is made on
  // first request; ffmpeg fills the counts in at the end): the length is not known yet.
  if (frames === 0) return null;
  position += 4 + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  // LAME tag: 9-byte encoder name ("LAME3.100", FFmpeg writes "Lavf…"), …, then at +21 three
  // bytes holding two 12-bit numbers: encoder delay, padding.
  if (bytes.length < position + 24 || !printable(bytes, position, 4)) return null;
  const encoder = String.fromCharCode(...bytes.subarray(position, position + 9))
    .replace(/\0+$/, "");
  const g = position + 21;
  const encoderDelay = (bytes[g] << 4) | (bytes[g + 1] >> 4);
  const padding = ((bytes[g + 1] & 0x0f) << 8) | bytes[g + 2];
  return {
    encoderDelay,
    padding,
    frames,
    samplesPerFrame,
    sampleRate,
    channels: mono ? 1 : 2,
    totalSamples: frames * samplesPerFrame - encoderDelay - padding,
    skipStartSamples: encoderDelay + MP3_DECODER_DELAY,
    skipEndSamples: Math.max(0, padding - MP3_DECODER_DELAY),
    encoder,
  };
}

function indexOfAscii(bytes, text, from = 0) {
  const codes = [...text].map((c) => c.charCodeAt(0));
  outer: for (let i = from; i <= bytes.length - codes.length; i += 1) {
    for (let j = 0; j < codes.length; j += 1) {
      if (bytes[i + j] !== codes[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/**
 * The pre-skip of an Opus stream (samples at 48 kHz to discard at its start), from its
 * OpusHead: in an Ogg file the first page's packet, in WebM/Matroska the Opus track's
 * CodecPrivate. Both hold the same 19+ byte structure ("OpusHead", version, channels,
 * pre-skip as a little-endian uint16, …), so the first OpusHead in `buffer` is read.
 * Null when there is none (not Opus, or `buffer` is too short).
 * @param {ArrayBuffer|ArrayBufferView} buffer the start of the file
 * @returns {number|null}
 */
export function parseOpusPreSkip(buffer) {
  const head = parseOpusHead(buffer);
  return head === null ? null : head.preSkip;
}

/**
 * The OpusHead's fields, or null: {version, channels, preSkip, inputSampleRate, outputGainDb}.
 * @param {ArrayBuffer|ArrayBufferView} buffer
 */
export function parseOpusHead(buffer) {
  const bytes = bytesOf(buffer);
  const at = indexOfAscii(bytes, "OpusHead");
  if (at < 0 || bytes.length < at + 19) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 19);
  return {
    version: view.getUint8(8),
    channels: view.getUint8(9),
    preSkip: view.getUint16(10, true),
    inputSampleRate: view.getUint32(12, true),
    outputGainDb: view.getInt16(16, true) / 256, // Q7.8 fixed point
  };
}

// EBML ids (with their length-marker bits, as written).
const EBML_SEGMENT = 0x18538067;
const EBML_INFO = 0x1549a966;
const EBML_TIMECODE_SCALE = 0x2ad7b1;
const EBML_DURATION = 0x4489;

// A variable-length integer at `at`: [value, length], or null when cut off or invalid.
function vint(bytes, at, keepMarker) {
  if (at >= bytes.length || bytes[at] === 0) return null;
  const length = Math.clz32(bytes[at]) - 23; // 1 for 0b1xxxxxxx … 8 for 0b00000001
  if (at + length > bytes.length) return null;
  let value = keepMarker ? bytes[at] : bytes[at] & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i += 1) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  // An all-ones size means "unknown" (a live-written segment).
  return [!keepMarker && allOnes ? null : value, length];
}

/**
 * The duration in a WebM/Matroska file's Segment Info, in seconds, or null when absent from
 * `buffer` (the start of the file). FFmpeg's WebM muxer writes it to the millisecond and up
 * to the end of the last Opus packet, so it can exceed the music by a few milliseconds (8 ms
 * on a 40 s test file): the exact end is the last block's DiscardPadding, at the file's end.
 * @param {ArrayBuffer|ArrayBufferView} buffer
 * @returns {number|null}
 */
export function parseWebmDuration(buffer) {
  const bytes = bytesOf(buffer);
  let position = 0;
  while (position < bytes.length) {
    const id = vint(bytes, position, true);
    if (!id) return null;
    const size = vint(bytes, position + id[1], false);
    if (!size) return null;
    const body = position + id[1] + size[1];
    if (id[0] === EBML_SEGMENT) {
      position = body; // step inside: Info is one of the Segment's first children
      continue;
    }
    if (size[0] === null) return null;
    if (id[0] === EBML_INFO) return infoDuration(bytes.subarray(body, body + size[0]));
    position = body + size[0];
  }
  return null;
}

function infoDuration(info) {
  let scaleNs = 1_000_000;
  let duration = null;
  let position = 0;
  while (position < info.length) {
    const id = vint(info, position, true);
    const size = id && vint(info, position + id[1], false);
    if (!id || !size || size[0] === null) break;
    const body = position + id[1] + size[1];
    const length = Math.min(size[0], info.length - body);
    const view = new DataView(info.buffer, info.byteOffset + body, length);
    if (id[0] === EBML_TIMECODE_SCALE) {
      scaleNs = 0;
      for (let i = 0; i < size[0]; i += 1) scaleNs = scaleNs * 256 + info[body + i];
    } else if (id[0] === EBML_DURATION && (length === 4 || length === 8) && length === size[0]) {
      duration = size[0] === 4 ? view.getFloat32(0) : view.getFloat64(0);
    }
    position = body + size[0];
  }
  return duration === null ? null : (duration * scaleNs) / 1e9;
}
