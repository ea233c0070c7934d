/**
 * Which rendition to stream: the server's `auto` rule (src/tonearm/streaming/quality.py),
 * mirrored on the client, plus what the browser tells about the network and a throughput
 * meter fed by the player's own downloads.
 *
 * The rule:
 * - the network type sets a tier, and on cellular a cap: wifi/ethernet → high;
 *   5g/4g/cellular → medium; 3g/2g/slow-2g → low;
 * - measured throughput steps down below it (< 1000 kbps → low, 1000–5000 → medium,
 *   > 5000 → high), never above the cellular cap; with no network type, throughput alone
 *   decides; with neither, medium;
 * - the user's preferences (the shape `GET /api/user/preferences` returns) can force a quality
 *   per network type (`quality: {"4g": "low"}`), cap it (`max_quality`), or save data
 *   (`data_saver`: low on every cellular network);
 * - a browser that plays Opus in WebM gets `efficient` in place of `medium`.
 *
 * Two client-side differences, both about what the server would reject or the browser cannot
 * play: an unknown network type counts as unknown (the server answers 400), and a forced
 * `efficient` becomes `medium` when the browser does not play Opus.
 *
 * @module quality
 */

/**
 * The renditions a player streams (src/tonearm/adapters/ffmpeg/renditions.py ENCODINGS):
 * MP3s are CBR at 44.1 kHz; `efficient` is Opus VBR (~96 kbps average) at 48 kHz in WebM.
 */
export const QUALITIES = Object.freeze({
  high: Object.freeze({ codec: "mp3", container: "mp3", bitrateKbps: 320, mime: "audio/mpeg" }),
  medium: Object.freeze({ codec: "mp3", container: "mp3", bitrateKbps: 128, mime: "audio/mpeg" }),
  low: Object.freeze({ codec: "mp3", container: "mp3", bitrateKbps: 64, mime: "audio/mpeg" }),
  efficient: Object.freeze({
    codec: "opus",
    container: "webm",
    bitrateKbps: 96,
    mime: 'audio/webm; codecs="opus"',
  }),
});

/** Renditions from the most bytes to the fewest; `efficient` ranks just below `medium`. */
export const LADDER = Object.freeze(["high", "medium", "efficient", "low"]);

/** Throughput below this (kbps) means `low`. */
export const LOW_BELOW_KBPS = 1000;
/** Throughput above this (kbps) means `high`; from LOW_BELOW_KBPS up to it, `medium`. */
export const HIGH_ABOVE_KBPS = 5000;

// Network types as the Network Information API names them (type and effectiveType).
const NETWORK_TIER = Object.freeze({
  wifi: "high",
  ethernet: "high",
  "5g": "medium",
  "4g": "medium",
  cellular: "medium",
  "3g": "low",
  "2g": "low",
  "slow-2g": "low",
});

/** Every network type the rule knows. */
export const NETWORK_TYPES = Object.freeze(Object.keys(NETWORK_TIER));
/** The phone networks: capped at their tier, and `low` under the data saver. */
export const CELLULAR = Object.freeze(["5g", "4g", "cellular", "3g", "2g", "slow-2g"]);

const RANK = Object.fromEntries(LADDER.map((quality, rank) => [quality, rank]));

function lower(a, b) {
  return RANK[a] >= RANK[b] ? a : b;
}

function throughputTier(kbps) {
  if (kbps < LOW_BELOW_KBPS) return "low";
  if (kbps <= HIGH_ABOVE_KBPS) return "medium";
  return "high";
}

/** A network type lower-cased, or null when absent or not one the rule knows. */
export function normalizeNetworkType(value) {
  if (typeof value !== "string") return null;
  const network = value.trim().toLowerCase();
  return Object.hasOwn(NETWORK_TIER, network) ? network : null;
}

function knownKbps(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * The quality `auto` means for these conditions.
 *
 * @param {object} conditions
 * @param {string|null} [conditions.networkType] wifi, ethernet, 5g, 4g, cellular, 3g, 2g,
 *   slow-2g; null or unknown: not known (see networkInfo().type)
 * @param {number|null} [conditions.throughputKbps] measured throughput; null: not measured
 * @param {{quality?: Record<string,string>, max_quality?: string|null, data_saver?: boolean}}
 *   [conditions.preferences] the user's preferences as the API returns them
 * @param {boolean} [conditions.opusPlayable] the browser plays `audio/webm; codecs="opus"`
 * @returns {"high"|"medium"|"low"|"efficient"}
 */
export function chooseQuality({
  networkType = null,
  throughputKbps = null,
  preferences = {},
  opusPlayable = false,
} = {}) {
  const network = normalizeNetworkType(networkType);
  const prefs = preferences ?? {};
  const forcedValue = network ? prefs.quality?.[network] : undefined;
  const forced = Object.hasOwn(RANK, forcedValue ?? "") ? forcedValue : null;
  const cellular = network !== null && CELLULAR.includes(network);
  let chosen;
  if (forced !== null) {
    chosen = forced;
  } else {
    const tier = network ? NETWORK_TIER[network] : null;
    const kbps = knownKbps(throughputKbps);
    if (kbps !== null) {
      // Never above the tier: this is also the cellular cap (quality.py applies it again).
      const measured = throughputTier(kbps);
      chosen = tier === null ? measured : lower(tier, measured);
    } else {
      chosen = tier ?? "medium";
    }
  }
  const cap = prefs.max_quality;
  if (cap && Object.hasOwn(RANK, cap)) chosen = lower(chosen, cap);
  if (prefs.data_saver && cellular) chosen = "low";
  if (opusPlayable && chosen === "medium") chosen = "efficient";
  if (!opusPlayable && chosen === "efficient") chosen = "medium";
  return chosen;
}

/**
 * What the browser says about the connection, shaped for chooseQuality.
 *
 * `type` is the network type for the rule, or null when the browser does not say (Safari,
 * Firefox, desktop and headless Chromium have no `connection.type`). `effectiveType` is
 * Chromium's estimate from measured round trips ("4g" on any fast link, Wi-Fi included), so
 * on its own it is no network type: it only names the generation once `type` says cellular.
 * `downlinkKbps` is Chromium's throughput estimate (rounded, capped at 10 Mbps); a measured
 * ThroughputMeter figure is better when there is one.
 *
 * @param {Navigator|{connection?: object}} [nav] navigator, or a stand-in (tests inject one)
 * @param {{markedMetered?: boolean}} [options] markedMetered: the user marked this connection
 *   as metered in the app's settings
 * @returns {{type: string|null, effectiveType: string|null, downlinkKbps: number|null,
 *   saveData: boolean, metered: boolean}}
 */
export function networkInfo(nav = globalThis.navigator, { markedMetered = false } = {}) {
  const connection = nav?.connection ?? nav?.mozConnection ?? nav?.webkitConnection ?? null;
  const rawType = typeof connection?.type === "string" ? connection.type.toLowerCase() : null;
  const effectiveType =
    typeof connection?.effectiveType === "string" ? connection.effectiveType.toLowerCase() : null;
  let type = null;
  if (rawType === "wifi" || rawType === "ethernet") {
    type = rawType;
  } else if (rawType === "cellular") {
    type = normalizeNetworkType(effectiveType) ?? "cellular";
  } else {
    // "bluetooth", "wimax", "other", "mixed", "unknown", "none" or no type at all.
    type = null;
  }
  const downlink = knownKbps(connection?.downlink);
  const saveData = connection?.saveData === true;
  return {
    type,
    effectiveType,
    downlinkKbps: downlink === null ? null : downlink * 1000,
    saveData,
    metered: Boolean(markedMetered) || saveData,
  };
}

/**
 * Throughput of the player's recent downloads: the median of the last `window` samples.
 *
 * A median, not a mean: one response served from a cache or one stalled request does not
 * swing the choice. Samples under `minBytes` are ignored, because a small response measures
 * round-trip time and TCP slow start rather than the link's throughput.
 */
export class ThroughputMeter {
  /** @type {number[]} kbps, oldest first */
  #samples = [];

  /**
   * @param {{window?: number, minBytes?: number}} [options]
   */
  constructor({ window = 5, minBytes = 32 * 1024 } = {}) {
    this.window = window;
    this.minBytes = minBytes;
  }

  /**
   * Record one download: `bytes` received in `ms` milliseconds (first byte to last, or request
   * to last). Returns whether the sample counted.
   * @param {number} bytes
   * @param {number} ms
   * @returns {boolean}
   */
  record(bytes, ms) {
    if (!(bytes >= this.minBytes) || !(ms > 0) || !Number.isFinite(bytes / ms)) return false;
    this.#samples.push((bytes * 8) / ms); // bits per millisecond = kilobits per second
    if (this.#samples.length > this.window) this.#samples.shift();
    return true;
  }

  /** The median throughput in kbps, or null before the first counted sample. */
  get kbps() {
    if (this.#samples.length === 0) return null;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** Forget every sample (after a network change: the old link's figures no longer apply). */
  reset() {
    this.#samples = [];
  }
}

/** A rendition's bitrate must fit this many times into the throughput to be safe to keep. */
export const HEADROOM = 1.5;
/** Below this much audio buffered ahead (seconds), a stall is near enough to act on. */
export const LOW_BUFFER_SECONDS = 15;

/**
 * Whether "the network collapsed" under the song now playing, so it should switch to a lower
 * rendition at the current position rather than wait for the next song.
 *
 * The rule: the throughput is known, is below HEADROOM × the current rendition's bitrate
 * (the buffer no longer refills comfortably), fewer than LOW_BUFFER_SECONDS are buffered
 * ahead, and there is a lower rendition. A full buffer rides out a dip without any switch;
 * a slow link with the rendition still fitting keeps it.
 *
 * @param {{currentQuality: string, throughputKbps: number|null,
 *   bufferedAheadSeconds: number}} state
 * @returns {boolean}
 */
export function shouldDowngradeMidSong({ currentQuality, throughputKbps, bufferedAheadSeconds }) {
  const current = QUALITIES[currentQuality];
  const kbps = knownKbps(throughputKbps);
  if (!current || kbps === null || currentQuality === "low") return false;
  if (!(bufferedAheadSeconds < LOW_BUFFER_SECONDS)) return false;
  return kbps < current.bitrateKbps * HEADROOM;
}

/**
 * The rendition to switch to after shouldDowngradeMidSong said yes: the best one below
 * `currentQuality` that fits HEADROOM times into the throughput, else `low`.
 * `efficient` is only offered when the browser plays Opus.
 *
 * @param {{currentQuality: string, throughputKbps: number, opusPlayable?: boolean}} state
 * @returns {"medium"|"efficient"|"low"}
 */
export function downgradeTarget({ currentQuality, throughputKbps, opusPlayable = false }) {
  const start = Object.hasOwn(RANK, currentQuality) ? RANK[currentQuality] + 1 : LADDER.length - 1;
  const kbps = knownKbps(throughputKbps) ?? 0;
  for (const quality of LADDER.slice(start)) {
    if (quality === "efficient" && !opusPlayable) continue;
    if (QUALITIES[quality].bitrateKbps * HEADROOM <= kbps) return quality;
  }
  return "low";
}
