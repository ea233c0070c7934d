/**
 * The download manager: songs downloaded for offline use, in a persistent priority queue.
 *
 * - Queue: one item per song (song id + quality), kept in IndexedDB (store `downloads`,
 *   idb.js) so it survives a reload; high before medium before low, first in first out
 *   within a priority; one download at a time.
 * - Resume: the bytes received are saved as they come (store `download_chunks`, every
 *   `saveEveryBytes` and whenever a download stops), so a pause, a reload or a dropped
 *   connection resumes with `Range: bytes={saved}-`. A server that ignores the Range, or a
 *   rendition that changed in between (another size or quality), starts the song over.
 * - Retries: a failed attempt waits `baseDelayMs × 2^(n-1)` and tries again, at most
 *   `maxAttempts` (3) attempts in all; then the item is "failed" with its error until
 *   retry(). A 401 (the signed URL expired) asks for a fresh URL once, without counting.
 * - Prefetch mode: only the first ~30 s (the player's prefetch Range); the item is then
 *   "partial" (stored in the offline cache as a partial copy) until played(), which
 *   completes it from where it stopped (or adopts the copy the player cached meanwhile).
 * - A rendition the server has not made yet (the ticket says `pending`) is fetched whole
 *   by a plain GET, in prefetch mode too: the server makes it while sending it, and a
 *   Range would get the original meanwhile.
 * - Done: the whole file goes into the OfflineCache, pinned (never evicted by its size
 *   rule); the saved chunks are dropped.
 * - Pause and resume, for all or one item; optionally pause while the connection is
 *   cellular (navigator.connection.type).
 *
 * Events (on the manager, an EventTarget): "progress" {songId, bytes, total} as bytes
 * arrive, and "change" {songId} when an item is added, changes state or goes; progress()
 * gives the totals.
 *
 * @module downloads
 */

import { STORES, getAll, openDatabase, requestResult, transact } from "./idb.js";
import { PREFETCH_SECONDS, prefetchRangeBytes } from "./prefetch.js";

/** Priorities, highest first. */
export const PRIORITIES = Object.freeze(["high", "medium", "low"]);
/** Attempts per download before it is marked failed. */
export const MAX_ATTEMPTS = 3;
/** The first retry waits this long; each further one twice as long. */
export const DEFAULT_BASE_DELAY_MS = 1000;
/** Received bytes are saved at least this often. */
export const SAVE_EVERY_BYTES = 128 * 1024;
/** While paused by a cellular connection, how often to look whether it changed. */
const CELLULAR_RECHECK_MS = 2000;

const ITEMS = STORES.downloads;
const CHUNKS = STORES.downloadChunks;
const META = STORES.downloadMeta;

/**
 * @typedef {object} DownloadItem
 * @property {string} songId
 * @property {string} title
 * @property {string} artist
 * @property {string} album
 * @property {string} quality asked for: high, medium, low, efficient
 * @property {string|null} rendition the quality the server serves (null before the first try)
 * @property {"high"|"medium"|"low"} priority
 * @property {number} seq order of adding (first in, first out within a priority)
 * @property {"full"|"prefetch"} mode prefetch: the first ~30 s only, until played
 * @property {boolean} pinned the finished copy is pinned in the offline cache
 * @property {"queued"|"downloading"|"paused"|"partial"|"done"|"failed"} state
 * @property {number} bytes bytes saved so far
 * @property {number|null} total the rendition's size (null before the first try)
 * @property {number} attempts failed attempts since the last success or retry()
 * @property {number|null} retryAt epoch ms before which the item is not started
 * @property {string|null} error the last failure
 * @property {string|null} codec
 * @property {number|null} bitrate kbps
 */

/** Rank of a priority (0 = highest); throws on an unknown one. */
export function priorityRank(priority) {
  const rank = PRIORITIES.indexOf(priority);
  if (rank < 0) throw new RangeError(`unknown download priority: ${priority}`);
  return rank;
}

/** Items in queue order: priority, then the order they were added. */
export function queueOrder(items) {
  return [...items].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.seq - b.seq);
}

/** The wait before the attempt after `failures` failed ones: base × 2^(failures-1). */
export function backoffDelayMs(failures, baseMs = DEFAULT_BASE_DELAY_MS) {
  return failures <= 0 ? 0 : baseMs * 2 ** (failures - 1);
}

/** The first queued item due at `now` (in queue order), or null. */
export function nextRunnable(items, now) {
  return queueOrder(items).find((item) => item.state === "queued" && (item.retryAt ?? 0) <= now) ?? null;
}

/**
 * Totals over items: bytes saved (or received) and bytes to get, with counts. Items whose
 * size is not known yet count for their bytes only; `unknown` says how many there are.
 * Prefetch-mode items count up to their partial size. `fraction` (0–1) is by bytes when
 * every size is known, else the mean of each song's own fraction (an unknown size is 0).
 */
export function totalProgress(items) {
  let bytes = 0;
  let totalBytes = 0;
  let done = 0;
  let failed = 0;
  let unknown = 0;
  let songFractions = 0;
  let count = 0;
  for (const item of items) {
    count += 1;
    const got = item.bytes + (item.pending || 0);
    bytes += got;
    const finished = item.state === "done" || item.state === "partial";
    if (item.total === null || item.total === undefined) unknown += 1;
    else totalBytes += item.state === "partial" ? got : item.total;
    songFractions += finished ? 1 : item.total ? Math.min(1, got / item.total) : 0;
    if (finished) done += 1;
    if (item.state === "failed") failed += 1;
  }
  const fraction = count === 0 ? 0 : unknown ? songFractions / count : totalBytes ? bytes / totalBytes : 1;
  return { bytes, totalBytes, done, failed, unknown, count, fraction };
}

/** `bytes a-b/size` → {start, end, size} (size null for `*`), or null when malformed. */
export function parseContentRange(header) {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec((header || "").trim());
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), size: match[3] === "*" ? null : Number(match[3]) };
}

/** Whether a navigator.connection-like object says cellular. */
export function isCellular(connection) {
  return connection?.type === "cellular";
}

/** The Content-Type a rendition is stored with. */
export function contentTypeFor(ticket) {
  return ticket.codec === "opus" || ticket.quality === "efficient" ? "audio/webm" : "audio/mpeg";
}

class HttpError extends Error {
  constructor(status) {
    super(`the server answered ${status}`);
    this.status = status;
  }
}

/** The fields of an item that are stored (not the bytes in flight). */
function row(item) {
  const { pending: _pending, removed: _removed, ...stored } = item;
  return stored;
}

function chunkRange(songId) {
  return IDBKeyRange.bound([songId, 0], [songId, Infinity]);
}

export class DownloadManager extends EventTarget {
  #db;
  #cache;
  #ticket;
  #fetch;
  #baseDelayMs;
  #maxAttempts;
  #connection;
  #saveEvery;
  #prefetchSeconds;
  #onBytes;
  /** @type {Map<string, DownloadItem>} */
  #items = new Map();
  #meta = { pausedAll: false, pauseOnCellular: false };
  #seq = 0;
  #started = false;
  #pumping = false;
  /** @type {{songId: string, controller: AbortController, settled: Promise<void>}|null} */
  #running = null;
  #timer = null;
  #idleWaiters = [];
  #onConnectionChange = () => this.#kick();

  /** Use DownloadManager.open(). */
  constructor(db, options) {
    super();
    this.#db = db;
    this.#cache = options.cache;
    this.#ticket = options.ticket;
    this.#fetch = options.fetch;
    this.#baseDelayMs = options.baseDelayMs;
    this.#maxAttempts = options.maxAttempts;
    this.#connection = options.connection;
    this.#saveEvery = options.saveEveryBytes;
    this.#prefetchSeconds = options.prefetchSeconds;
    this.#onBytes = options.onBytes;
  }

  /**
   * Open the queue (a download interrupted by a reload is queued again) and, unless
   * `autoStart` is false, start downloading.
   * @param {{dbName?: string,
   *   cache: import("./offline-cache.js").OfflineCache,
   *   ticket: (songId: string, quality: string, options: {fresh: boolean}) =>
   *     Promise<{url: string, quality: string, codec?: string|null, bitrate?: number|null, size: number}>,
   *   fetch?: typeof fetch, baseDelayMs?: number, maxAttempts?: number,
   *   connection?: () => any, saveEveryBytes?: number, prefetchSeconds?: number,
   *   onBytes?: (count: number) => void, autoStart?: boolean}} options
   *   onBytes: told of every body chunk read from the network (the usage ledger counts it)
   * @returns {Promise<DownloadManager>}
   */
  static async open({
    dbName = "tonearm",
    cache,
    ticket,
    fetch: fetchImpl = (...args) => globalThis.fetch(...args),
    baseDelayMs = DEFAULT_BASE_DELAY_MS,
    maxAttempts = MAX_ATTEMPTS,
    connection = () => globalThis.navigator?.connection ?? null,
    saveEveryBytes = SAVE_EVERY_BYTES,
    prefetchSeconds = PREFETCH_SECONDS,
    onBytes = () => {},
    autoStart = true,
  }) {
    const db = await openDatabase(dbName);
    const manager = new DownloadManager(db, {
      cache,
      ticket,
      fetch: fetchImpl,
      baseDelayMs,
      maxAttempts,
      connection,
      saveEveryBytes,
      prefetchSeconds,
      onBytes,
    });
    await manager.#load();
    if (autoStart) manager.start();
    return manager;
  }

  async #load() {
    const [rows, meta] = await transact(this.#db, [ITEMS, META], "readonly", (s) =>
      Promise.all([getAll(s[ITEMS]), getAll(s[META])]),
    );
    for (const { key, value } of meta) if (key in this.#meta) this.#meta[key] = value;
    for (const item of rows) {
      if (item.state === "downloading") item.state = "queued"; // stopped by a reload
      this.#items.set(item.songId, item);
      this.#seq = Math.max(this.#seq, item.seq);
    }
  }

  /** Start (or restart) working through the queue. */
  start() {
    this.#started = true;
    this.#connection()?.addEventListener?.("change", this.#onConnectionChange);
    this.#kick();
  }

  /** Stop downloading (the current download is saved and queued again); for tests. */
  async stop() {
    this.#started = false;
    this.#connection()?.removeEventListener?.("change", this.#onConnectionChange);
    clearTimeout(this.#timer);
    await this.#abortRunning();
  }

  /** Stop, and close the database. */
  async close() {
    await this.stop();
    this.#db.close();
  }

  /** Whether everything is paused. */
  get pausedAll() {
    return this.#meta.pausedAll;
  }

  /** Whether downloads wait while the connection is cellular. */
  get pauseOnCellular() {
    return this.#meta.pauseOnCellular;
  }

  /** Whether downloading is held back now (paused, or cellular with pauseOnCellular). */
  get blocked() {
    return this.#meta.pausedAll || (this.#meta.pauseOnCellular && isCellular(this.#connection()));
  }

  /** Every item, in queue order (copies). @returns {DownloadItem[]} */
  list() {
    return queueOrder(this.#items.values()).map((item) => ({ ...row(item), bytes: item.bytes + (item.pending || 0) }));
  }

  /** One item (a copy), or null. */
  item(songId) {
    const item = this.#items.get(songId);
    return item ? { ...row(item), bytes: item.bytes + (item.pending || 0) } : null;
  }

  /** Totals over every item (see totalProgress). */
  progress() {
    return totalProgress([...this.#items.values()]);
  }

  /**
   * Queue songs. A song already queued keeps its place; its priority (and mode, full over
   * prefetch) is updated, a failed one is queued again, and one done in another quality is
   * downloaded again in this one.
   * @param {Array<{id: string, title?: string, artists?: string[], album?: string}|string>} songs
   * @param {{quality?: string, priority?: string, mode?: "full"|"prefetch", pinned?: boolean,
   *   prefetchSeconds?: number}} [options] prefetchSeconds: how much prefetch mode gets
   *   (default the manager's, ~30 s)
   * @returns {Promise<DownloadItem[]>} the items
   */
  async add(songs, { quality = "medium", priority = "medium", mode = "full", pinned = true, prefetchSeconds = null } = {}) {
    priorityRank(priority);
    if (mode !== "full" && mode !== "prefetch") throw new RangeError(`unknown download mode: ${mode}`);
    const touched = [];
    for (const song of songs) {
      const meta = typeof song === "string" ? { id: song } : song;
      // Changed in place: a running download holds the same object.
      let item = this.#items.get(meta.id);
      const lost = item?.state === "done" && (await this.#cache.entry(item.songId).catch(() => null))?.partial !== false;
      if (item && (lost || (item.quality !== quality && (item.bytes > 0 || item.state === "done")))) {
        // Another quality than the one (partly) saved, or the offline copy has gone: anew.
        if (this.#running?.songId === item.songId) await this.#abortRunning();
        await this.#dropChunks(item.songId);
        const state = item.state === "paused" ? "paused" : "queued";
        Object.assign(item, { quality, priority, rendition: null, bytes: 0, total: null, mode, state, attempts: 0, retryAt: null, error: null });
      } else if (item) {
        Object.assign(item, { quality, priority });
        if (mode === "full" && item.mode === "prefetch") {
          item.mode = "full";
          if (item.state === "partial") item.state = "queued";
        }
        if (item.state === "failed") Object.assign(item, { state: "queued", attempts: 0, retryAt: null, error: null });
        if (item.state === "done") await this.#cache.pin(item.songId).catch(() => false);
      } else {
        item = {
          songId: meta.id,
          title: meta.title ?? "",
          artist: (meta.artists || []).join(", "),
          album: meta.album ?? "",
          quality,
          rendition: null,
          priority,
          seq: ++this.#seq,
          mode,
          prefetchSeconds,
          pinned,
          state: "queued",
          bytes: 0,
          total: null,
          attempts: 0,
          retryAt: null,
          error: null,
          codec: null,
          bitrate: null,
          addedAt: Date.now(),
        };
      }
      item.pinned = item.pinned || pinned;
      this.#items.set(item.songId, item);
      await this.#save(item);
      touched.push({ ...row(item) });
      this.#changed(item.songId);
    }
    this.#kick();
    return touched;
  }

  /** Change an item's priority. @returns {Promise<boolean>} false when not queued */
  async setPriority(songId, priority) {
    priorityRank(priority);
    const item = this.#items.get(songId);
    if (!item) return false;
    item.priority = priority;
    await this.#save(item);
    this.#changed(songId);
    this.#kick();
    return true;
  }

  /**
   * Pause one item (queued or downloading), or everything when `songId` is omitted. The
   * bytes received so far are kept.
   */
  async pause(songId) {
    if (songId === undefined) {
      await this.#setMeta("pausedAll", true);
      await this.#abortRunning();
      this.#changed(null);
      return true;
    }
    const item = this.#items.get(songId);
    if (!item || !["queued", "downloading"].includes(item.state)) return false;
    item.state = "paused";
    if (this.#running?.songId === songId) await this.#abortRunning();
    await this.#save(item);
    this.#changed(songId);
    return true;
  }

  /** Resume one paused item, or everything (every paused item too) when `songId` is omitted. */
  async resume(songId) {
    if (songId === undefined) {
      await this.#setMeta("pausedAll", false);
      for (const item of this.#items.values()) {
        if (item.state === "paused") {
          item.state = "queued";
          await this.#save(item);
        }
      }
      this.#changed(null);
      this.#kick();
      return true;
    }
    const item = this.#items.get(songId);
    if (!item || item.state !== "paused") return false;
    item.state = "queued";
    await this.#save(item);
    this.#changed(songId);
    this.#kick();
    return true;
  }

  /** Queue a failed item again, with its attempts counted afresh. */
  async retry(songId) {
    const item = this.#items.get(songId);
    if (!item || item.state !== "failed") return false;
    Object.assign(item, { state: "queued", attempts: 0, retryAt: null, error: null });
    await this.#save(item);
    this.#changed(songId);
    this.#kick();
    return true;
  }

  /**
   * Remove an item: stop it, drop its saved bytes and delete its offline copy.
   * @returns {Promise<boolean>} whether it was queued
   */
  async remove(songId) {
    const item = this.#items.get(songId);
    if (!item) return false;
    item.removed = true;
    if (this.#running?.songId === songId) await this.#abortRunning();
    this.#items.delete(songId);
    await transact(this.#db, [ITEMS, CHUNKS], "readwrite", (s) => {
      s[ITEMS].delete(songId);
      s[CHUNKS].delete(chunkRange(songId));
    });
    await this.#cache.remove(songId);
    this.#changed(songId);
    this.#kick();
    return true;
  }

  /** Wait while the connection is cellular (persisted). */
  async setPauseOnCellular(on) {
    await this.#setMeta("pauseOnCellular", Boolean(on));
    if (this.blocked) await this.#abortRunning();
    this.#changed(null);
    this.#kick();
  }

  /**
   * The song is being played: a prefetch-mode item is completed, at its priority raised to
   * high, after `afterMs` (time for the player to keep the copy it is fetching anyway; the
   * copy is then adopted without a byte fetched).
   * @returns {Promise<boolean>} whether there was a partial item to complete
   */
  async played(songId, { afterMs = 0 } = {}) {
    const item = this.#items.get(songId);
    if (!item || item.mode !== "prefetch") return false;
    item.mode = "full";
    item.priority = "high";
    if (item.state === "partial") item.state = "queued";
    item.retryAt = afterMs > 0 ? Date.now() + afterMs : null;
    item.waitingForPlayer = afterMs > 0;
    await this.#save(item);
    this.#changed(songId);
    this.#kick();
    return true;
  }

  /**
   * The player kept a whole copy of the song: an item played() left waiting for it is due
   * now (and adopts that copy).
   * @returns {Promise<boolean>} whether an item was waiting
   */
  async kept(songId) {
    const item = this.#items.get(songId);
    if (!item?.waitingForPlayer || item.state !== "queued") return false;
    Object.assign(item, { retryAt: null, waitingForPlayer: false });
    await this.#save(item);
    this.#kick();
    return true;
  }

  /** Resolves once nothing is downloading and nothing queued is due or waiting for a retry
   * (a paused or blocked queue counts as idle). */
  whenIdle() {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The saved bytes of an unfinished item, in order (for tests and diagnostics). */
  async savedBlob(songId) {
    return new Blob((await this.#chunks(songId)).map((c) => c.data));
  }

  // -- the queue ----------------------------------------------------------------------------

  #idle() {
    if (this.#running) return false;
    if (this.blocked || !this.#started) return true;
    return ![...this.#items.values()].some((item) => item.state === "queued");
  }

  #settle() {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  #kick() {
    if (!this.#started) return;
    this.#pump().catch((error) => {
      // A storage failure: an "error" event rather than an unhandled rejection.
      this.dispatchEvent(new CustomEvent("error", { detail: { error } }));
    });
  }

  async #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    clearTimeout(this.#timer);
    try {
      while (this.#started) {
        if (this.blocked) {
          // Not every browser says when the connection changes: look again now and then.
          const waiting = [...this.#items.values()].some((i) => i.state === "queued");
          if (!this.#meta.pausedAll && waiting) this.#timer = setTimeout(() => this.#kick(), CELLULAR_RECHECK_MS);
          break;
        }
        const now = Date.now();
        const next = nextRunnable(this.#items.values(), now);
        if (!next) {
          const waits = [...this.#items.values()].filter((i) => i.state === "queued" && i.retryAt);
          if (waits.length) {
            const due = Math.min(...waits.map((i) => i.retryAt));
            this.#timer = setTimeout(() => this.#kick(), Math.max(0, due - now));
          }
          break;
        }
        await this.#run(next);
      }
    } finally {
      this.#pumping = false;
      this.#settle();
    }
  }

  async #abortRunning() {
    const running = this.#running;
    if (!running) return;
    running.controller.abort();
    await running.settled;
  }

  async #run(item) {
    const controller = new AbortController();
    let settle;
    const settled = new Promise((resolve) => (settle = resolve));
    this.#running = { songId: item.songId, controller, settled };
    Object.assign(item, { state: "downloading", retryAt: null, waitingForPlayer: false });
    try {
      await this.#save(item);
      this.#changed(item.songId);
      await this.#transfer(item, controller.signal);
      Object.assign(item, { attempts: 0, error: null });
    } catch (error) {
      if (item.removed) return;
      if (controller.signal.aborted) {
        // Stopped by pause(), remove(), stop() or the cellular rule: not a failure.
        if (item.state === "downloading") item.state = "queued";
      } else {
        item.attempts += 1;
        item.error = error?.message || String(error);
        if (item.attempts >= this.#maxAttempts) {
          Object.assign(item, { state: "failed", retryAt: null });
        } else {
          Object.assign(item, { state: "queued", retryAt: Date.now() + backoffDelayMs(item.attempts, this.#baseDelayMs) });
        }
      }
    } finally {
      if (!item.removed) {
        await this.#save(item).catch(() => {});
        this.#changed(item.songId);
      }
      this.#running = null;
      settle();
    }
  }

  /** Bytes to get in all: the prefetch Range in prefetch mode, else the whole rendition. */
  #target(item) {
    if (item.mode !== "prefetch") return item.total;
    return Math.min(item.total, prefetchRangeBytes(item.bitrate || 128, item.prefetchSeconds || this.#prefetchSeconds));
  }

  async #transfer(item, signal) {
    if (item.mode === "full" && (await this.#adoptCached(item))) return;
    let ticket = await this.#ticket(item.songId, item.quality, { fresh: false });
    let refreshed = false;
    for (;;) {
      signal.throwIfAborted();
      if (item.bytes > 0 && (ticket.quality !== item.rendition || ticket.size !== item.total)) {
        await this.#restart(item); // another rendition than the one half saved
      }
      Object.assign(item, {
        rendition: ticket.quality,
        total: ticket.size,
        codec: ticket.codec ?? null,
        bitrate: ticket.bitrate ?? null,
        contentType: contentTypeFor(ticket),
      });
      if (ticket.pending) {
        // Not made yet (a scanned song): a plain GET makes the rendition while sending it,
        // whole; no Range until it is stored, and `size` was only an estimate.
        await this.#restart(item);
        const response = await this.#fetch(ticket.url, { signal, credentials: "same-origin", cache: "no-store" });
        const served = response.headers.get("X-Tonearm-Served");
        if (!response.ok || (served && served !== ticket.quality)) {
          response.body?.cancel().catch(() => {});
          // Being made by another server process: try again once it is stored.
          throw new Error(response.ok ? `${ticket.quality} is being made; retrying` : `HTTP ${response.status}`);
        }
        await this.#read(item, response, signal);
        item.total = item.bytes;
        break;
      }
      const target = this.#target(item);
      if (item.bytes >= target) break;
      const headers = {};
      if (item.bytes > 0 || target < item.total) {
        headers.Range = `bytes=${item.bytes}-${target < item.total ? target - 1 : ""}`;
      }
      const response = await this.#fetch(ticket.url, { headers, signal, credentials: "same-origin", cache: "no-store" });
      if (response.status === 401 && !refreshed) {
        // The signed URL expired (or was revoked): ask for a new one, once per attempt.
        refreshed = true;
        response.body?.cancel().catch(() => {});
        ticket = await this.#ticket(item.songId, item.quality, { fresh: true });
        continue;
      }
      if (!response.ok) {
        response.body?.cancel().catch(() => {});
        throw new HttpError(response.status);
      }
      if (response.status === 206) {
        const range = parseContentRange(response.headers.get("Content-Range"));
        if (!range || range.start !== item.bytes || (range.size !== null && range.size !== item.total)) {
          response.body?.cancel().catch(() => {});
          await this.#restart(item);
          throw new Error(`unexpected Content-Range ${response.headers.get("Content-Range")}`);
        }
      } else if (item.bytes > 0) {
        await this.#restart(item); // the Range was ignored: this is the whole file
      }
      await this.#read(item, response, signal);
      break;
    }
    await this.#finish(item);
  }

  /** A complete copy of the same rendition is already cached (the player kept it). */
  async #adoptCached(item) {
    const entry = await this.#cache.entry(item.songId).catch(() => null);
    if (!entry || entry.partial || entry.quality !== (item.rendition ?? item.quality)) return false;
    if (item.pinned) await this.#cache.pin(item.songId);
    await this.#dropChunks(item.songId);
    Object.assign(item, { bytes: entry.sizeBytes, total: entry.sizeBytes, state: "done" });
    return true;
  }

  async #read(item, response, signal) {
    const reader = response.body.getReader();
    let parts = [];
    item.pending = 0;
    const flush = async () => {
      if (!item.pending || item.removed) return;
      const data = new Blob(parts);
      const offset = item.bytes;
      parts = [];
      item.pending = 0;
      item.bytes = offset + data.size;
      const stored = row(item);
      await transact(this.#db, [ITEMS, CHUNKS], "readwrite", (s) => {
        s[CHUNKS].put({ songId: item.songId, offset, data });
        s[ITEMS].put(stored);
      });
    };
    try {
      for (;;) {
        if (this.blocked && !signal.aborted) this.#running?.controller.abort();
        signal.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        item.pending += value.length;
        this.#onBytes(value.length);
        if (item.pending >= this.#saveEvery) await flush();
        this.dispatchEvent(
          new CustomEvent("progress", { detail: { songId: item.songId, bytes: item.bytes + item.pending, total: item.total } }),
        );
      }
    } finally {
      reader.cancel().catch(() => {});
      // What arrived is good, whatever stopped the download: keep it for the resume.
      await flush();
      item.pending = 0;
    }
  }

  async #finish(item) {
    const target = this.#target(item);
    if (item.state === "done") return;
    if (item.bytes < target) throw new Error(`the download stopped at ${item.bytes} of ${target} bytes`);
    const chunks = await this.#chunks(item.songId);
    let expected = 0;
    for (const chunk of chunks) {
      if (chunk.offset !== expected) throw new Error(`saved bytes have a hole at ${expected}`);
      expected += chunk.data.size;
    }
    const blob = new Blob(chunks.map((c) => c.data), { type: item.contentType });
    if (blob.size !== item.bytes) throw new Error(`saved ${blob.size} bytes, expected ${item.bytes}`);
    if (item.mode === "prefetch" && item.bytes < item.total) {
      await this.#cache.put(item.songId, item.rendition, blob, { partial: true, pinned: item.pinned });
      item.state = "partial";
      return;
    }
    await this.#cache.put(item.songId, item.rendition, blob, { pinned: item.pinned });
    await this.#dropChunks(item.songId);
    Object.assign(item, { state: "done", mode: "full" });
  }

  async #restart(item) {
    await this.#dropChunks(item.songId);
    item.bytes = 0;
  }

  async #chunks(songId) {
    return transact(this.#db, [CHUNKS], "readonly", (s) => requestResult(s[CHUNKS].getAll(chunkRange(songId))));
  }

  async #dropChunks(songId) {
    await transact(this.#db, [CHUNKS], "readwrite", (s) => s[CHUNKS].delete(chunkRange(songId)));
  }

  async #save(item) {
    if (item.removed) return;
    const stored = row(item);
    await transact(this.#db, [ITEMS], "readwrite", (s) => s[ITEMS].put(stored));
  }

  async #setMeta(key, value) {
    this.#meta[key] = value;
    await transact(this.#db, [META], "readwrite", (s) => s[META].put({ key, value }));
  }

  #changed(songId) {
    this.dispatchEvent(new CustomEvent("change", { detail: { songId } }));
    this.#settle();
  }
}
