/**
 * Prefetch: which songs come next, when to fetch the next one's start, and how many bytes.
 *
 * The specification's rule: predict the next 3 songs of the queue; when the current song
 * reaches 80%, fetch only the first ~30 s of the next one (a Range sized from the
 * rendition's bitrate); fetch the rest only when it actually plays. Never on a connection the
 * user marked as metered.
 *
 * @module prefetch
 */

/** Fraction of the current song after which the next one's start is fetched. */
export const PREFETCH_AT_FRACTION = 0.8;
/** Seconds of the next song fetched ahead. */
export const PREFETCH_SECONDS = 30;
/**
 * Bytes added to the bitrate's share for what is not audio payload at the start of a file.
 * tonearm's MP3s have no ID3v2 tag and one Xing/LAME frame (≤ 1,441 bytes at 320 kbps); its
 * WebM files start with ~600 bytes of EBML header, SeekHead, Info and Tracks (OpusHead), and
 * wrap every 20 ms Opus packet in a SimpleBlock (~4 bytes) inside ~5 s Clusters: about
 * 1 kB per 30 s. 8 KiB covers both with room, and is nothing beside 30 s of audio.
 */
export const HEADER_ALLOWANCE_BYTES = 8 * 1024;
/**
 * Margin on the payload for VBR Opus: its bitrate is an average over the song, and a busy
 * first 30 s can run above it. CBR MP3 needs none, but 10% of 30 s is cheap insurance.
 */
export const VBR_MARGIN = 1.1;

/**
 * The ids of the songs that play after `index`, at most `count`, in order and without
 * repeats.
 *
 * `queue` is in play order (already shuffled when shuffle is on): song ids, or objects with
 * an `id`. `repeat`: "off" stops at the end of the queue; "all" wraps to its start; "one"
 * predicts like "off", since the current song is already loaded and a skip moves on. The
 * current song is never in the answer (nor any other entry with its id).
 *
 * @param {Array<string|{id: string}>} queue
 * @param {number} index position of the song playing now (-1: nothing yet; start at 0)
 * @param {{repeat?: "off"|"all"|"one"|boolean, count?: number}} [options]
 * @returns {string[]}
 */
export function nextSongs(queue, index, { repeat = "off", count = 3 } = {}) {
  const ids = (queue ?? []).map((item) =>
    typeof item === "object" && item !== null ? item.id : item,
  );
  const wrap = repeat === "all" || repeat === true;
  const current = index >= 0 && index < ids.length ? ids[index] : undefined;
  const seen = new Set(current === undefined ? [] : [current]);
  const next = [];
  const steps = wrap ? ids.length - (current === undefined ? 0 : 1) : ids.length - index - 1;
  for (let step = 1; step <= steps && next.length < count; step += 1) {
    const id = ids[(index + step) % ids.length];
    if (id === undefined || id === null || seen.has(id)) continue;
    seen.add(id);
    next.push(id);
  }
  return next;
}

/**
 * Bytes to ask for (a Range of `bytes=0-{n-1}`) to get the first `seconds` of a rendition
 * encoded at `bitrateKbps`: the payload those seconds take, with VBR_MARGIN, plus
 * HEADER_ALLOWANCE_BYTES for headers and container framing. Rounded up to a whole byte.
 *
 * @param {number} bitrateKbps
 * @param {number} [seconds]
 * @returns {number}
 */
export function prefetchRangeBytes(bitrateKbps, seconds = PREFETCH_SECONDS) {
  if (!(bitrateKbps > 0) || !(seconds > 0)) {
    throw new RangeError(
      `prefetchRangeBytes: bitrate ${bitrateKbps} and seconds ${seconds} must be > 0`,
    );
  }
  const payload = bitrateKbps * 125 * seconds * VBR_MARGIN; // kbps × 125 = bytes per second
  // The epsilon stops float noise (96 × 125 × 30 × 1.1 = 396000.00000000006) adding a byte.
  return Math.ceil(payload - 1e-6) + HEADER_ALLOWANCE_BYTES;
}

/** The Range header value for prefetchRangeBytes: `bytes=0-{n-1}`. */
export function prefetchRangeHeader(bitrateKbps, seconds = PREFETCH_SECONDS) {
  return `bytes=0-${prefetchRangeBytes(bitrateKbps, seconds) - 1}`;
}

/**
 * Whether to fetch the next song's start now: from 80% of the current song on, once, and
 * never on a metered connection (nor when the duration is unknown).
 *
 * @param {{positionSeconds: number, durationSeconds: number, metered?: boolean,
 *   alreadyPrefetched?: boolean}} state
 * @returns {boolean}
 */
export function shouldPrefetch(state) {
  const { positionSeconds, durationSeconds, metered = false, alreadyPrefetched = false } = state;
  if (metered || alreadyPrefetched) return false;
  if (!(durationSeconds > 0) || !Number.isFinite(durationSeconds)) return false;
  // The epsilon keeps 2.4 s of 3 s at 80% despite 0.8 × 3 being 2.4000000000000004.
  return positionSeconds >= durationSeconds * PREFETCH_AT_FRACTION - 1e-9;
}

/*
 * Range windows. A song played from the network is fetched in pieces rather than as one
 * response: the first window ends near the skip horizon (~30 s, the same size as a
 * prefetched beginning), each later one is twice the one before (up to four minutes), and
 * the next is asked for only when the audio buffered ahead runs low; from the third window
 * on, a rest shorter than the next window joins the one before it. A song skipped after 10 s then costs its first
 * window, not the whole file a browser would have pulled in.
 */

/** Seconds of audio in the first window; each later one doubles, up to the last. */
export const WINDOW_SECONDS = [PREFETCH_SECONDS, 60, 120, 240];
/** The next window is asked for this many times earlier than it takes to arrive... */
export const LOW_WATER_SAFETY = 3;
/** ...and never with less, nor more, than this much audio left ahead (seconds). */
export const LOW_WATER_MIN_SECONDS = 4;
export const LOW_WATER_MAX_SECONDS = 15;
/** Round trip assumed for a request when there is no measurement (seconds). */
export const ASSUMED_ROUND_TRIP_SECONDS = 0.5;

/**
 * The byte ranges (`{start, end}`, end inclusive) to fetch a rendition of `sizeBytes` at
 * `bitrateKbps` with, from `startByte` on. `firstWindow` is the index in WINDOW_SECONDS of the
 * first range: 0 for a song fetched from its start, 1 after a prefetched beginning (which was
 * window 0) or when continuing mid-song.
 *
 * @param {{sizeBytes: number, bitrateKbps: number, startByte?: number, firstWindow?: number}} plan
 * @returns {{start: number, end: number}[]}
 */
export function rangeWindows({ sizeBytes, bitrateKbps, startByte = 0, firstWindow = 0 }) {
  if (!(sizeBytes > 0) || !(bitrateKbps > 0)) {
    throw new RangeError(`rangeWindows: size ${sizeBytes} and bitrate ${bitrateKbps} must be > 0`);
  }
  const windows = [];
  let at = startByte;
  let index = Math.max(0, Math.min(firstWindow, WINDOW_SECONDS.length - 1));
  while (at < sizeBytes) {
    // The first window of a song carries its header: the same bytes as a prefetch.
    const length =
      at === 0
        ? prefetchRangeBytes(bitrateKbps, WINDOW_SECONDS[index])
        : Math.ceil(bitrateKbps * 125 * WINDOW_SECONDS[index] * VBR_MARGIN);
    let end = Math.min(sizeBytes, at + length) - 1;
    // From the third window on, a rest shorter than the next window joins this one: the
    // song's last byte is then in well before its end (the next song can only be laid behind
    // it once it is), and the last request is not a sliver. Not earlier: the second window
    // is asked for just before the skip horizon, where a skip is still likely.
    const next = Math.min(index + 1, WINDOW_SECONDS.length - 1);
    if (index > 1 && sizeBytes - (end + 1) < bitrateKbps * 125 * WINDOW_SECONDS[next] * VBR_MARGIN) {
      end = sizeBytes - 1;
    }
    windows.push({ start: at, end });
    at = end + 1;
    index = Math.min(index + 1, WINDOW_SECONDS.length - 1);
  }
  return windows;
}

/**
 * Seconds of audio left ahead of the playhead at which the next window of `windowBytes` is
 * asked for: LOW_WATER_SAFETY times what it takes to arrive at `throughputKbps` (a round trip
 * plus the transfer), within LOW_WATER_MIN_SECONDS..LOW_WATER_MAX_SECONDS. Without a
 * throughput measurement, the most.
 *
 * @param {{windowBytes: number, throughputKbps?: number|null}} state
 * @returns {number}
 */
export function lowWaterSeconds({ windowBytes, throughputKbps }) {
  if (!(throughputKbps > 0)) return LOW_WATER_MAX_SECONDS;
  const arrives = ASSUMED_ROUND_TRIP_SECONDS + (windowBytes * 8) / (throughputKbps * 1000);
  return Math.min(LOW_WATER_MAX_SECONDS, Math.max(LOW_WATER_MIN_SECONDS, LOW_WATER_SAFETY * arrives));
}

/**
 * The bitrate to size windows with: the rendition's nominal one, or its average over the
 * song when that is higher (VBR Opus runs above its nominal rate).
 *
 * @param {{bitrateKbps?: number|null, sizeBytes?: number|null, durationSeconds?: number|null}} r
 * @returns {number|null}
 */
export function effectiveKbps({ bitrateKbps, sizeBytes, durationSeconds }) {
  const average = sizeBytes > 0 && durationSeconds > 0 ? (sizeBytes * 8) / 1000 / durationSeconds : 0;
  const best = Math.max(bitrateKbps || 0, average);
  return best > 0 ? best : null;
}
