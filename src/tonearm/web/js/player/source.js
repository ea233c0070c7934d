/**
 * Where a song's bytes come from, in the specification's order: the offline cache, then a
 * still-valid signed URL kept in memory, then the API (which answers from its own URL cache
 * or signs a new one). Bytes are handed over chunk by chunk as they arrive, so the deck can
 * start playing on the first one, and every download feeds the throughput meter.
 *
 * Prefetched beginnings (the first ~30 s of the next songs) are kept in memory; when such a
 * song plays, its beginning is used at once and only the rest is fetched, by Range.
 *
 * A stored rendition is fetched in Range windows (lib/prefetch.js `rangeWindows`): ~30 s
 * first, then growing, each asked for only when the player's `gate` lets it (the audio
 * buffered ahead runs low), so a skipped song costs what was fetched of it, not the file.
 */

import { api, query } from "../api.js";
import { mediaSourceClass } from "./deck.js";
import { effectiveKbps, lowWaterSeconds, prefetchRangeBytes, rangeWindows } from "../lib/prefetch.js";

/** Queue ids of mashups (views/mashups.js): the prefix Subsonic gives them too. */
export const MASHUP_PREFIX = "mx-";

/**
 * The mashup a queue id names, or null for a song.
 * @param {string} songId
 * @returns {string|null}
 */
export function mashupId(songId) {
  return String(songId).startsWith(MASHUP_PREFIX) ? String(songId).slice(MASHUP_PREFIX.length) : null;
}

/** A signed URL is used from memory only while it has at least this long to live. */
const URL_MARGIN_MS = 60_000;
/** Cached songs are appended in chunks: a small first one, so playback starts at once. */
const CACHE_FIRST_CHUNK_BYTES = 64 * 1024;
const CACHE_CHUNK_BYTES = 1024 * 1024;
/** How often, and how long apart, a rendition being made elsewhere is asked for again. */
const PENDING_ATTEMPTS = 30;
const PENDING_RETRY_MS = 1000;
/** Chunks smaller than this are merged before they are measured. */
const MEASURE_EVERY_BYTES = 64 * 1024;

/**
 * @typedef {object} Opened
 * @property {"cache"|"url"|"api"|"prefetch"} origin Where the first bytes came from.
 * @property {string} quality The rendition.
 * @property {string} codec "mp3" or "opus".
 * @property {number|null} bitrate kbps.
 * @property {AsyncGenerator<Uint8Array>} chunks The song's bytes in order.
 * @property {() => void} cancel Stops the download.
 * @property {(lowWaterSeconds: number) => Promise<void>} gate Called before every Range
 *   window after the first: resolves when the next one should be fetched. The player sets it
 *   (the default fetches at once).
 */

export class AudioSource {
  /**
   * @param {{cache: import("../lib/offline-cache.js").OfflineCache|null,
   *   meter: import("../lib/quality.js").ThroughputMeter,
   *   conditions: () => {network: string|null, opus: boolean},
   *   onBytes?: (count: number, kind: string) => void,
   *   onPrefetched?: (songId: string, sizeBytes: number, fetchedBytes: number) => void}} options
   *   onBytes: body bytes read from the network ("stream" or "prefetch"); onPrefetched: a
   *   song's beginning is kept (the usage ledger watches whether it is played).
   */
  constructor({ cache, meter, conditions, onBytes, onPrefetched }) {
    this.cache = cache;
    this.meter = meter;
    this.conditions = conditions;
    this.onBytes = onBytes || (() => {});
    this.onPrefetched = onPrefetched || (() => {});
    /** @type {Map<string, any>} signed URLs by `${songId}/${quality}` */
    this.urls = new Map();
    /** @type {Map<string, {quality: string, codec: string, bitrate: number|null, size: number, bytes: Uint8Array}>} */
    this.prefetched = new Map();
  }

  /**
   * A signed URL for the song in `quality`: from memory when it has time left, else the API.
   * @returns {Promise<{url: string, quality: string, codec: string, bitrate: number|null,
   *   size: number, origin: "url"|"api"}>}
   */
  async ticket(songId, quality) {
    const key = `${songId}/${quality}`;
    const known = this.urls.get(key);
    if (known && Date.parse(known.expires_at) - Date.now() > URL_MARGIN_MS) {
      return { ...known, codec: codecOf(known), origin: "url" };
    }
    const { network, opus } = this.conditions();
    const mashup = mashupId(songId);
    // A mashup has one MP3, signed like a song's rendition: its ticket has the same shape.
    const answer = mashup
      ? await api(`api/mashups/${encodeURIComponent(mashup)}/stream`)
      : await api(
          `api/songs/${encodeURIComponent(songId)}/stream` +
            query({ quality, network: network || undefined, opus }),
        );
    // A pending rendition (not made yet) is asked for again each time: once made, its
    // ticket states the real size and allows Range.
    if (!answer.pending) {
      this.urls.set(key, answer);
      // The server may have substituted a rendition (policy off): remember it under that name too.
      this.urls.set(`${songId}/${answer.quality}`, answer);
    }
    return { ...answer, codec: codecOf(answer), origin: "api" };
  }

  /** Forgets the song's URLs (the media endpoint said they no longer work). */
  forget(songId) {
    for (const key of this.urls.keys()) if (key.startsWith(songId + "/")) this.urls.delete(key);
  }

  /**
   * Opens the song for playing in `quality` (the cached copy wins whatever its quality).
   * @param {any} song
   * @param {string} quality
   * @param {{startByte?: number}} [options] startByte: continue a rendition from there
   *   (a mid-song quality switch).
   * @returns {Promise<Opened>}
   */
  async open(song, quality, { startByte = 0 } = {}) {
    if (startByte === 0 && this.cache) {
      const cached = await this.cache.get(song.id).catch(() => null);
      if (cached && !cached.partial) {
        return {
          origin: "cache",
          quality: cached.quality,
          codec: cached.quality === "efficient" || cached.blob.type.includes("webm") ? "opus" : "mp3",
          bitrate: null,
          size: cached.blob.size,
          // Read from disk as a stream: the first chunk plays while the rest is read.
          chunks: blobChunks(cached.blob),
          cancel() {},
        };
      }
    }
    let head = startByte === 0 ? this.prefetched.get(song.id) : undefined;
    let headTicket = null;
    if (head) {
      this.prefetched.delete(song.id);
      headTicket = await this.ticket(song.id, head.quality);
      // Still not made (its beginning came from the encode): the rest cannot be had by
      // Range yet, so the song is fetched from its start.
      if (headTicket.pending || headTicket.quality !== head.quality) head = undefined;
    }
    if (head) {
      const ticket = headTicket;
      head.size = ticket.size;
      const controller = new AbortController();
      const opened = {
        origin: "prefetch",
        quality: head.quality,
        codec: head.codec,
        bitrate: head.bitrate,
        size: head.size,
        chunks: null,
        cancel: () => controller.abort(),
        gate: openGate,
      };
      const rest =
        head.bytes.length < head.size
          ? this.windows(song, ticket, head.bytes.length, controller.signal, opened, 1)
          : null;
      opened.chunks = (async function* () {
        yield head.bytes;
        if (rest) yield* rest;
      })();
      return opened;
    }
    const partial = startByte === 0 ? await this.partialDownload(song.id) : null;
    if (partial) return partial;
    const ticket = await this.ticket(song.id, quality);
    const controller = new AbortController();
    const opened = {
      origin: ticket.origin,
      quality: ticket.quality,
      codec: ticket.codec,
      bitrate: ticket.bitrate,
      size: ticket.size,
      chunks: null,
      cancel: () => controller.abort(),
      gate: openGate,
    };
    opened.chunks = this.windows(song, ticket, startByte, controller.signal, opened, startByte > 0 ? 1 : 0);
    return opened;
  }

  /**
   * The bytes of a rendition from `startByte` on, in Range windows, each after the first
   * waiting for `opened.gate`. A rendition not stored yet (pending: no size, no Range) comes
   * in one response, as it is encoded.
   */
  async *windows(song, ticket, startByte, signal, opened, firstWindow) {
    const bitrateKbps = effectiveKbps({
      bitrateKbps: ticket.bitrate,
      sizeBytes: ticket.size,
      durationSeconds: (song.duration_ms || 0) / 1000,
    });
    if (ticket.pending || !(ticket.size > 0) || !bitrateKbps) {
      yield* this.download(ticket.url, startByte, signal, "stream", undefined, ticket);
      return;
    }
    const windows = rangeWindows({ sizeBytes: ticket.size, bitrateKbps, startByte, firstWindow });
    for (const [index, { start, end }] of windows.entries()) {
      if (index > 0 || firstWindow > 0) {
        const lowWater = lowWaterSeconds({ windowBytes: end - start + 1, throughputKbps: this.meter.kbps });
        await untilAborted(opened.gate(lowWater), signal);
      }
      yield* this.download(ticket.url, start, signal, "stream", end - start + 1, ticket);
    }
  }

  /**
   * Where the song can be played from as a URL (a browser without MSE): the cached copy as a
   * blob: URL (the deck revokes it), else the signed media URL. With a partial copy (a
   * prefetched or downloaded beginning) the URL is of the copy's rendition: the service
   * worker answers it with the copy's bytes first (sw.js), so the song starts from them.
   * @returns {Promise<{url: string, origin: string, quality: string, codec: string}>}
   */
  async locate(song, quality) {
    this.prefetched.delete(song.id);
    const entry = this.cache ? await this.cache.entry(song.id).catch(() => null) : null;
    if (entry && !entry.partial) {
      const cached = await this.cache.get(song.id).catch(() => null);
      if (cached && !cached.partial) {
        return {
          url: URL.createObjectURL(cached.blob),
          origin: "cache",
          quality: cached.quality,
          codec: cached.blob.type.includes("webm") ? "opus" : "mp3",
        };
      }
    }
    if (entry?.partial) {
      const ticket = await this.ticket(song.id, entry.quality);
      if (!ticket.pending && ticket.quality === entry.quality) {
        const origin = servedByWorker() ? "prefetch" : ticket.origin;
        return { url: ticket.url, origin, quality: ticket.quality, codec: ticket.codec };
      }
    }
    const ticket = await this.ticket(song.id, quality);
    return { url: ticket.url, origin: ticket.origin, quality: ticket.quality, codec: ticket.codec };
  }

  /**
   * A partial copy in the offline cache (a download in prefetch mode, downloads.js) opened
   * like a prefetched beginning: its bytes at once, the rest by Range. Null when there is
   * none, or when the server now serves another rendition.
   * @returns {Promise<Opened|null>}
   */
  async partialDownload(songId) {
    if (!this.cache) return null;
    const entry = await this.cache.entry(songId).catch(() => null);
    if (!entry?.partial) return null;
    const ticket = await this.ticket(songId, entry.quality);
    const cached = await this.cache.get(songId).catch(() => null);
    if (!cached?.partial || ticket.pending || ticket.quality !== cached.quality || ticket.size <= cached.blob.size) return null;
    const head = new Uint8Array(await cached.blob.arrayBuffer());
    const controller = new AbortController();
    const opened = {
      origin: "prefetch",
      quality: ticket.quality,
      codec: ticket.codec,
      bitrate: ticket.bitrate,
      size: ticket.size,
      chunks: null,
      cancel: () => controller.abort(),
      gate: openGate,
    };
    const rest = this.windows({ id: songId }, ticket, head.length, controller.signal, opened, 1);
    opened.chunks = (async function* () {
      yield head;
      yield* rest;
    })();
    return opened;
  }

  /**
   * Fetches only the first ~30 s of the song (a Range sized from the rendition's bitrate)
   * and keeps it for when the song plays. Does nothing for cached or prefetched songs.
   * @returns {Promise<boolean>} whether bytes were fetched
   */
  async prefetch(song, quality) {
    if (this.prefetched.has(song.id)) return false;
    // A cached copy, whole or a downloaded beginning (partialDownload), needs no prefetch.
    if (this.cache && (await this.cache.entry(song.id).catch(() => null))) return false;
    const ticket = await this.ticket(song.id, quality);
    const withMse = Boolean(mediaSourceClass());
    // Without MSE the song plays from its URL. Its beginning, kept in the offline cache as a
    // partial copy, is what the service worker answers that URL with first (sw.js); with no
    // worker (or a rendition not made yet, which has no Range for the rest), having the
    // signed URL at hand (no API round trip on the tap) is all a prefetch can do.
    if (!withMse && (!this.cache || !servedByWorker() || ticket.pending || !(ticket.size > 0))) return true;
    const length = prefetchRangeBytes(ticket.bitrate || 128);
    const parts = [];
    let count = 0;
    // A pending rendition is fetched without Range (a Range would get the original): the
    // server starts making it, and the beginning is kept once enough of it has arrived.
    const chunks = this.download(ticket.url, 0, undefined, "prefetch", ticket.pending ? 0 : length, ticket);
    for await (const chunk of chunks) {
      parts.push(chunk);
      count += chunk.length;
      if (ticket.pending && count >= length) break;
    }
    const bytes = concat(parts).subarray(0, ticket.pending ? length : undefined);
    if (!withMse) {
      const type = ticket.codec === "opus" ? "audio/webm" : "audio/mpeg";
      const partial = bytes.length < ticket.size;
      await this.cache.put(song.id, ticket.quality, new Blob([bytes], { type }), {
        partial,
        totalBytes: ticket.size,
        lastPlayedAt: null,
      });
      this.onPrefetched(song.id, ticket.size, bytes.length);
      return true;
    }
    this.prefetched.set(song.id, {
      quality: ticket.quality,
      codec: ticket.codec,
      bitrate: ticket.bitrate,
      size: ticket.size,
      bytes,
    });
    this.onPrefetched(song.id, ticket.size, bytes.length);
    return true;
  }

  /**
   * The bytes of `url` from `startByte` (to `startByte + length`), chunk by chunk, timed.
   * A Range is sent whenever only part of the file is wanted.
   */
  async *download(url, startByte, signal, kind, length, ticket) {
    const headers = {};
    if (startByte > 0 || length) {
      headers.Range = `bytes=${startByte}-${length ? startByte + length - 1 : ""}`;
    }
    const started = performance.now();
    let response;
    for (let attempt = 1; ; attempt++) {
      // no-store: every byte read here crossed the network (the usage ledger counts them as
      // such); a song played again comes from the offline cache, not the HTTP cache.
      response = await fetch(url, { headers, signal, credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        if (response.status === 401 || response.status === 404) this.forgetUrl(url);
        throw new Error(`audio request failed with ${response.status}`);
      }
      // A rendition not made yet is sent as it is encoded; while another server process is
      // making it (or every encode slot is busy), the original comes instead, which the
      // decoder may not take: wait for the rendition rather than play the wrong bytes.
      const served = response.headers.get("X-Tonearm-Served");
      if (!served || !ticket || served === ticket.quality) break;
      response.body?.cancel().catch(() => {});
      if (startByte > 0 || length || attempt >= PENDING_ATTEMPTS) {
        // Part of a rendition that is gone (tiering) or still being made: the original's
        // bytes would not fit; fail, so the next ask gets a fresh ticket.
        this.forgetUrl(url);
        throw new Error(`the server sent ${served} in place of ${ticket.quality}`);
      }
      await new Promise((resolve) => setTimeout(resolve, PENDING_RETRY_MS));
    }
    const reader = response.body.getReader();
    let measuredBytes = 0;
    // Only the time spent waiting for the network counts: while the player holds back (it
    // reads a minute ahead at most), the clock must not run, or throughput would look low.
    let measuredMs = performance.now() - started;
    try {
      for (;;) {
        const before = performance.now();
        const { done, value } = await reader.read();
        measuredMs += performance.now() - before;
        if (done) break;
        this.onBytes(value.length, kind);
        measuredBytes += value.length;
        if (measuredBytes >= MEASURE_EVERY_BYTES) {
          this.meter.record(measuredBytes, measuredMs);
          measuredBytes = 0;
          measuredMs = 0;
        }
        yield value;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  forgetUrl(url) {
    for (const [key, value] of this.urls) if (value.url === url) this.urls.delete(key);
  }
}

/** Whether a service worker answers this page's requests (media URLs included). */
function servedByWorker() {
  return Boolean(globalThis.navigator?.serviceWorker?.controller);
}

/** The default gate: the next window at once. */
function openGate() {
  return Promise.resolve();
}

/** `promise`, or an AbortError as soon as `signal` aborts. */
function untilAborted(promise, signal) {
  if (signal.aborted) return Promise.reject(new DOMException("aborted", "AbortError"));
  return new Promise((resolve, reject) => {
    const abort = () => reject(new DOMException("aborted", "AbortError"));
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** "opus" for the WebM rendition, else "mp3". */
function codecOf(ticket) {
  return ticket.codec === "opus" || ticket.quality === "efficient" ? "opus" : "mp3";
}

/** A blob's bytes: a small first chunk (so playback starts at once), then larger ones. */
async function* blobChunks(blob) {
  let offset = 0;
  let size = CACHE_FIRST_CHUNK_BYTES;
  while (offset < blob.size) {
    const end = Math.min(blob.size, offset + size);
    yield new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    offset = end;
    size = CACHE_CHUNK_BYTES;
  }
}

/** One Uint8Array from several. */
export function concat(parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
