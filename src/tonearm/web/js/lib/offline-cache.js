/**
 * The offline cache: song audio in Cache Storage, what is known about each copy in IndexedDB.
 *
 * Audio is kept as a Response under a synthetic same-origin URL, `/offline/audio/{songId}`
 * (offlineAudioUrl), so the service worker can answer a request for that URL straight from
 * Cache Storage. The IndexedDB row (store `offline_songs`, see idb.js) holds the quality,
 * size, play count, last play, and the `partial` and `pinned` flags.
 *
 * The size rule (the specification's): when the cached bytes exceed the limit (default
 * 500 MB), evict by lowest play count, then least recently played (never played counts as
 * oldest), then earliest stored, down to 80% of the limit. Pinned entries (songs downloaded
 * for offline use) count towards the bytes but are never evicted by the rule; only remove()
 * deletes them.
 *
 * One OfflineCache serialises its own writes; two tabs writing at once are not coordinated
 * (the worst case is an eviction pass that runs twice).
 *
 * @module offline-cache
 */

import { Mutex, STORES, getAll, openDatabase, readOne, requestResult, transact } from "./idb.js";

/** Where a cached song's audio lives in Cache Storage (and what the service worker answers). */
export function offlineAudioUrl(songId) {
  return `/offline/audio/${encodeURIComponent(songId)}`;
}

/** The default size limit: 500 MB (the specification's, user-settable). */
export const DEFAULT_LIMIT_BYTES = 500 * 1024 * 1024;
/** Eviction stops once the cached bytes are at or below this fraction of the limit. */
export const EVICT_DOWN_TO_FRACTION = 0.8;

const STORE = STORES.offlineSongs;

/**
 * Entries in eviction order: lowest play count, then least recently played (never played
 * first), then stored earliest, then song id (so the order is total and repeatable).
 */
export function evictionOrder(entries) {
  return [...entries].sort(
    (a, b) =>
      a.playCount - b.playCount ||
      (a.lastPlayedAt ?? -Infinity) - (b.lastPlayedAt ?? -Infinity) ||
      a.storedAt - b.storedAt ||
      (a.songId < b.songId ? -1 : a.songId > b.songId ? 1 : 0),
  );
}

/**
 * @typedef {object} OfflineEntry
 * @property {string} songId
 * @property {string} quality rendition stored: high, medium, low, efficient
 * @property {number} sizeBytes
 * @property {number} playCount
 * @property {number|null} lastPlayedAt epoch milliseconds; null: never played from the cache
 * @property {number} storedAt epoch milliseconds
 * @property {boolean} partial only the first seconds (a prefetch); the rest must be fetched
 * @property {boolean} pinned downloaded for offline use: never evicted by the size rule
 * @property {string} contentType
 */

export class OfflineCache {
  #db;
  #cache;
  #limitBytes;
  #lock = new Mutex();

  /** Use OfflineCache.open(). */
  constructor(db, cache, limitBytes) {
    this.#db = db;
    this.#cache = cache;
    this.#limitBytes = limitBytes;
  }

  /**
   * Open the cache. The limit is not stored: pass the user's `offline_cache_mb` preference
   * (× 1024 × 1024) each time, and call setLimit when it changes.
   * @param {{dbName?: string, cacheName?: string, limitBytes?: number}} [options]
   * @returns {Promise<OfflineCache>}
   */
  static async open({
    dbName = "tonearm",
    cacheName = "tonearm-audio",
    limitBytes = DEFAULT_LIMIT_BYTES,
  } = {}) {
    checkLimit(limitBytes);
    const [db, cache] = await Promise.all([openDatabase(dbName), caches.open(cacheName)]);
    return new OfflineCache(db, cache, limitBytes);
  }

  /**
   * Store a song's audio, replacing any copy in another quality or a partial one, then apply
   * the size rule (the entry just stored is not evicted by its own put).
   *
   * A partial copy never replaces a complete one: the call is then a no-op. Play count and
   * last play carry over from the copy replaced unless given.
   *
   * @param {string} songId
   * @param {string} quality
   * @param {Blob|Response|ArrayBuffer} body
   * @param {{playCount?: number, lastPlayedAt?: number|null, partial?: boolean,
   *   pinned?: boolean, totalBytes?: number}} [options] totalBytes: a partial copy's whole
   *   size, which lets the service worker serve the copy's bytes and the network's after them
   *   as one response (sw.js).
   * @returns {Promise<string[]>} the song ids evicted to make room
   */
  async put(songId, quality, body, options = {}) {
    const { playCount, lastPlayedAt, partial = false, pinned = false, totalBytes } = options;
    const blob = await toBlob(body);
    return this.#lock.run(async () => {
      const previous = await this.#entry(songId);
      if (partial && previous && !previous.partial) return [];
      const entry = {
        songId,
        quality,
        sizeBytes: blob.size,
        playCount: playCount ?? previous?.playCount ?? 0,
        lastPlayedAt: lastPlayedAt !== undefined ? lastPlayedAt : (previous?.lastPlayedAt ?? null),
        storedAt: Date.now(),
        partial: Boolean(partial),
        pinned: Boolean(pinned || previous?.pinned),
        contentType: blob.type || "application/octet-stream",
      };
      const headers = {
        "Content-Type": entry.contentType,
        "Content-Length": String(blob.size),
        "X-Tonearm-Quality": quality,
        "X-Tonearm-Partial": entry.partial ? "1" : "0",
      };
      if (entry.partial && totalBytes > blob.size) headers["X-Tonearm-Total-Bytes"] = String(totalBytes);
      // Audio first: a row without its audio would claim a song that cannot play.
      await this.#cache.put(offlineAudioUrl(songId), new Response(blob, { headers }));
      await transact(this.#db, [STORE], "readwrite", (s) => s[STORE].put(entry));
      return this.#evict([songId]);
    });
  }

  /**
   * A cached song's audio, or null. Counts as playing it: lastPlayedAt becomes now.
   * A row whose audio has gone (the user cleared site data in part) is dropped.
   * @param {string} songId
   * @returns {Promise<{blob: Blob, quality: string, partial: boolean, sizeBytes: number}|null>}
   */
  async get(songId) {
    return this.#lock.run(async () => {
      const entry = await this.#entry(songId);
      if (!entry) return null;
      const response = await this.#cache.match(offlineAudioUrl(songId));
      if (!response) {
        await this.#deleteRow(songId);
        return null;
      }
      const blob = await response.blob();
      await this.#update(songId, (row) => ({ ...row, lastPlayedAt: Date.now() }));
      return { blob, quality: entry.quality, partial: entry.partial, sizeBytes: entry.sizeBytes };
    });
  }

  /** Whether the song has a copy (complete or partial; see entry() to tell which). */
  async has(songId) {
    return (await this.#entry(songId)) !== null;
  }

  /** The song's row, or null. Does not count as a play. @returns {Promise<OfflineEntry|null>} */
  async entry(songId) {
    return this.#entry(songId);
  }

  /**
   * Count a play of a cached song: the play count becomes `playCount` when given (the
   * server's figure) or goes up by one, and lastPlayedAt becomes now.
   * @returns {Promise<boolean>} false when the song is not cached
   */
  async recordPlay(songId, playCount) {
    return this.#lock.run(() =>
      this.#update(songId, (row) => ({
        ...row,
        playCount: playCount ?? row.playCount + 1,
        lastPlayedAt: Date.now(),
      })),
    );
  }

  /**
   * Change the size limit and apply the size rule at once.
   * @param {number} bytes
   * @returns {Promise<string[]>} the song ids evicted
   */
  async setLimit(bytes) {
    checkLimit(bytes);
    this.#limitBytes = bytes;
    return this.#lock.run(() => this.#evict([]));
  }

  /** Bytes cached (pinned included), entries, pinned bytes, and the limit. */
  async usage() {
    const entries = await this.list();
    return {
      bytes: entries.reduce((sum, e) => sum + e.sizeBytes, 0),
      count: entries.length,
      pinnedBytes: entries.filter((e) => e.pinned).reduce((sum, e) => sum + e.sizeBytes, 0),
      limitBytes: this.#limitBytes,
    };
  }

  /**
   * Every entry, in eviction order (the first would go first).
   * @returns {Promise<OfflineEntry[]>}
   */
  async list() {
    const rows = await transact(this.#db, [STORE], "readonly", (s) => getAll(s[STORE]));
    return evictionOrder(rows);
  }

  /**
   * Keep the song whatever the size rule says (a download).
   * @returns {Promise<boolean>} false when the song is not cached
   */
  async pin(songId) {
    return this.#lock.run(() => this.#update(songId, (row) => ({ ...row, pinned: true })));
  }

  /**
   * Let the size rule evict the song again, and apply the rule now.
   * @returns {Promise<boolean>} false when not cached
   */
  async unpin(songId) {
    return this.#lock.run(async () => {
      const found = await this.#update(songId, (row) => ({ ...row, pinned: false }));
      if (found) await this.#evict([]);
      return found;
    });
  }

  /** Delete the song's copy, pinned or not. @returns {Promise<boolean>} whether there was one */
  async remove(songId) {
    return this.#lock.run(async () => {
      const existed = (await this.#entry(songId)) !== null;
      await this.#deleteRow(songId);
      return existed;
    });
  }

  /**
   * Apply the size rule: when the bytes exceed the limit, evict unpinned entries in
   * eviction order until they are at or below 80% of it (or only pinned ones are left).
   * @returns {Promise<string[]>} the song ids evicted, in the order they went
   */
  async evictIfNeeded() {
    return this.#lock.run(() => this.#evict([]));
  }

  /**
   * Ask the browser to keep this site's storage under storage pressure
   * (navigator.storage.persist()). Resolves true when storage is (now) persistent, false when
   * refused or unsupported. Chromium decides by site engagement and may refuse silently.
   * @returns {Promise<boolean>}
   */
  async requestPersistence() {
    const storage = globalThis.navigator?.storage;
    if (!storage?.persist) return false;
    if (storage.persisted && (await storage.persisted())) return true;
    return storage.persist();
  }

  /** Close the IndexedDB connection (tests, and before deleting the database). */
  close() {
    this.#db.close();
  }

  async #entry(songId) {
    return (await readOne(this.#db, STORE, songId)) ?? null;
  }

  async #update(songId, change) {
    return transact(this.#db, [STORE], "readwrite", async (s) => {
      const row = await requestResult(s[STORE].get(songId));
      if (!row) return false;
      s[STORE].put(change(row));
      return true;
    });
  }

  async #deleteRow(songId) {
    // Row first: a stray Response without a row is unreachable and overwritten by the next put.
    await transact(this.#db, [STORE], "readwrite", (s) => s[STORE].delete(songId));
    await this.#cache.delete(offlineAudioUrl(songId));
  }

  async #evict(keep) {
    const entries = await this.list();
    let bytes = entries.reduce((sum, e) => sum + e.sizeBytes, 0);
    if (bytes <= this.#limitBytes) return [];
    const target = this.#limitBytes * EVICT_DOWN_TO_FRACTION;
    const evicted = [];
    for (const entry of entries) {
      if (bytes <= target) break;
      if (entry.pinned || keep.includes(entry.songId)) continue;
      await this.#deleteRow(entry.songId);
      bytes -= entry.sizeBytes;
      evicted.push(entry.songId);
    }
    return evicted;
  }
}

function checkLimit(bytes) {
  if (!(Number.isFinite(bytes) && bytes > 0)) {
    throw new RangeError(`offline cache limit must be a positive number of bytes, not ${bytes}`);
  }
}

async function toBlob(body) {
  if (body instanceof Blob) return body;
  if (body instanceof Response) {
    if (!body.ok) throw new Error(`cannot cache an HTTP ${body.status} response`);
    return body.blob();
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new Blob([body]);
  throw new TypeError("OfflineCache.put: body must be a Blob, Response or ArrayBuffer");
}
