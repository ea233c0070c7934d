/**
 * The network-usage ledger: what listening costs on this device, kept in IndexedDB (stores
 * `usage_days` and `usage_plays`, see idb.js) for the usage dashboard.
 *
 * - Bytes received for audio, per local day and per network kind (wifi, cellular, unknown):
 *   the response body bytes the player actually read from the network, counted as they
 *   arrive (not the sizes the server announced). HTTP headers are not counted.
 * - Bytes saved by the offline cache (a play served from it counts the size of that copy)
 *   and by prefetching only the first ~30 s (a prefetched song skipped or never played
 *   saves its rendition's size minus what was prefetched).
 * - Tap-to-audio of each play, with its time, so a day's p50/p95 can be drawn.
 *
 * Counting is cheap (in memory); the totals are written at most every second, and `flush()`
 * writes them at once (the dashboard reads after a flush, so it shows every byte counted).
 *
 * @module usage-ledger
 */

import { Mutex, STORES, openDatabase, requestResult, transact } from "./idb.js";

/** The network kinds the ledger tells apart, in the order the dashboard stacks them. */
export const NETWORK_KINDS = Object.freeze(["wifi", "cellular", "unknown"]);
/** Plays (tap-to-audio) older than this are dropped; the daily byte totals are kept. */
export const KEEP_PLAYS_DAYS = 90;
/** Counted bytes are written to IndexedDB this long after the first uncommitted one. */
export const FLUSH_DELAY_MS = 1000;

const DAYS = STORES.usageDays;
const PLAYS = STORES.usagePlays;
const DAY_MS = 24 * 60 * 60 * 1000;

const CELLULAR_TYPES = new Set(["cellular", "5g", "4g", "3g", "2g", "slow-2g"]);

/**
 * The ledger's network kind for the player's network type (network.js currentNetwork().type:
 * a cellular link is named by its generation, "4g", "3g", …): "cellular", "wifi" (Wi-Fi or
 * wired: both are home connections), else "unknown" (no Network Information API, or another
 * type).
 * @param {string|null|undefined} type
 * @returns {"wifi"|"cellular"|"unknown"}
 */
export function networkKind(type) {
  if (CELLULAR_TYPES.has(type)) return "cellular";
  if (type === "wifi" || type === "ethernet") return "wifi";
  return "unknown";
}

/** The local calendar day of `at` (epoch ms) as "YYYY-MM-DD". */
export function dayKey(at) {
  const date = new Date(at);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The `count` local days ending on the day of `at`, oldest first (calendar days, so a
 * daylight-saving change neither skips nor repeats one).
 * @returns {string[]}
 */
export function lastDays(at, count) {
  const days = [];
  const date = new Date(at);
  for (let back = count - 1; back >= 0; back -= 1) {
    days.push(dayKey(new Date(date.getFullYear(), date.getMonth(), date.getDate() - back, 12)));
  }
  return days;
}

/**
 * The nearest-rank percentile `p` (0–100] of `values`: the smallest value with at least p%
 * of the values at or below it. null when there are none.
 * @param {number[]} values
 * @param {number} p
 * @returns {number|null}
 */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** What prefetching only the beginning saved on a song that was then not played. */
export function prefetchSavedBytes(sizeBytes, prefetchedBytes) {
  return Math.max(0, (sizeBytes || 0) - (prefetchedBytes || 0));
}

/** A day with nothing counted. */
export function emptyDay(day) {
  return {
    day,
    receivedBytes: Object.fromEntries(NETWORK_KINDS.map((kind) => [kind, 0])),
    savedCacheBytes: 0,
    cachePlays: 0,
    savedPrefetchBytes: 0,
    prefetchesUnplayed: 0,
  };
}

function addInto(row, delta) {
  for (const kind of NETWORK_KINDS) {
    row.receivedBytes[kind] = (row.receivedBytes[kind] || 0) + delta.receivedBytes[kind];
  }
  row.savedCacheBytes += delta.savedCacheBytes;
  row.cachePlays += delta.cachePlays;
  row.savedPrefetchBytes += delta.savedPrefetchBytes;
  row.prefetchesUnplayed += delta.prefetchesUnplayed;
  return row;
}

/**
 * The dashboard's rows: one per day of `days` (oldest first), from the stored day rows and
 * plays, with the total received and the day's tap-to-audio p50/p95.
 * @param {string[]} days
 * @param {any[]} rows stored day rows
 * @param {{day: string, tapToAudioMs: number}[]} plays
 */
export function summarizeDays(days, rows, plays) {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const taps = new Map();
  for (const play of plays) {
    if (!taps.has(play.day)) taps.set(play.day, []);
    taps.get(play.day).push(play.tapToAudioMs);
  }
  return days.map((day) => {
    const row = addInto(emptyDay(day), byDay.get(day) || emptyDay(day));
    const values = taps.get(day) || [];
    return {
      ...row,
      totalReceivedBytes: NETWORK_KINDS.reduce((sum, kind) => sum + row.receivedBytes[kind], 0),
      tapToAudio: { count: values.length, p50: percentile(values, 50), p95: percentile(values, 95) },
    };
  });
}

/**
 * Prefetched beginnings not yet played. When the player moves on, those no longer coming
 * up were skipped (or will never play): `abandoned` hands them over, once, with what
 * fetching only their beginning saved.
 */
export class PrefetchWatch {
  #heads = new Map();

  /** A song's beginning was prefetched: `fetchedBytes` of its `sizeBytes`. */
  prefetched(songId, sizeBytes, fetchedBytes) {
    this.#heads.set(songId, { sizeBytes, fetchedBytes });
  }

  /** The song started playing: its beginning was used, nothing was saved. */
  played(songId) {
    this.#heads.delete(songId);
  }

  /**
   * The prefetched songs not among `upcomingIds` (the one playing and those coming next),
   * forgotten as they are returned.
   * @param {Iterable<string>} upcomingIds
   * @returns {{songId: string, savedBytes: number}[]}
   */
  abandoned(upcomingIds) {
    const keep = new Set(upcomingIds);
    const gone = [];
    for (const [songId, head] of this.#heads) {
      if (keep.has(songId)) continue;
      this.#heads.delete(songId);
      gone.push({ songId, savedBytes: prefetchSavedBytes(head.sizeBytes, head.fetchedBytes) });
    }
    return gone;
  }

  /** Song ids waiting to be played. */
  get pending() {
    return [...this.#heads.keys()];
  }
}

export class UsageLedger {
  #db;
  #clock;
  #lock = new Mutex();
  #days = new Map();
  #plays = [];
  #timer = null;

  /** Use UsageLedger.open(). */
  constructor(db, clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /**
   * Open the ledger in the player's database.
   * @param {{dbName?: string, clock?: () => number}} [options] clock: epoch ms (tests).
   * @returns {Promise<UsageLedger>}
   */
  static async open({ dbName = "tonearm", clock = () => Date.now() } = {}) {
    return new UsageLedger(await openDatabase(dbName), clock);
  }

  #today() {
    const day = dayKey(this.#clock());
    if (!this.#days.has(day)) this.#days.set(day, emptyDay(day));
    this.#schedule();
    return this.#days.get(day);
  }

  #schedule() {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => {});
    }, FLUSH_DELAY_MS);
  }

  /**
   * Count audio bytes received over the network.
   * @param {number} bytes body bytes read
   * @param {string|null} networkType the Network Information type (networkKind maps it)
   */
  received(bytes, networkType) {
    if (!(bytes > 0)) return;
    this.#today().receivedBytes[networkKind(networkType)] += bytes;
  }

  /** A play served from the offline cache: it saved the size of that copy. */
  servedFromCache(sizeBytes) {
    const today = this.#today();
    today.savedCacheBytes += Math.max(0, sizeBytes || 0);
    today.cachePlays += 1;
  }

  /** A prefetched song was skipped or never played: fetching only its beginning saved this. */
  prefetchUnplayed(savedBytes) {
    const today = this.#today();
    today.savedPrefetchBytes += Math.max(0, savedBytes || 0);
    today.prefetchesUnplayed += 1;
  }

  /** A play's tap-to-audio (ms from the tap to the first sound). */
  tapToAudio(ms, { origin = null } = {}) {
    if (!Number.isFinite(ms) || ms < 0) return;
    const at = this.#clock();
    this.#plays.push({ at, day: dayKey(at), tapToAudioMs: Math.round(ms), origin });
    this.#schedule();
  }

  /** Write what was counted since the last flush (in one transaction). */
  async flush() {
    return this.#lock.run(async () => {
      clearTimeout(this.#timer);
      this.#timer = null;
      const days = [...this.#days.values()];
      const plays = this.#plays;
      if (!days.length && !plays.length) return;
      this.#days = new Map();
      this.#plays = [];
      const cutoff = this.#clock() - KEEP_PLAYS_DAYS * DAY_MS;
      try {
        await transact(this.#db, [DAYS, PLAYS], "readwrite", async (s) => {
          for (const delta of days) {
            const row = (await requestResult(s[DAYS].get(delta.day))) || emptyDay(delta.day);
            s[DAYS].put(addInto(row, delta));
          }
          for (const play of plays) s[PLAYS].add(play);
          const old = await requestResult(s[PLAYS].index("by_at").getAllKeys(IDBKeyRange.upperBound(cutoff, true)));
          for (const key of old) s[PLAYS].delete(key);
        });
      } catch (error) {
        // Not written: count it again with what comes next, rather than lose it.
        for (const delta of days) {
          if (!this.#days.has(delta.day)) this.#days.set(delta.day, emptyDay(delta.day));
          addInto(this.#days.get(delta.day), delta);
        }
        this.#plays = [...plays, ...this.#plays];
        throw error;
      }
    });
  }

  /**
   * The last `count` days (oldest first, today last), everything counted so far included.
   * @returns {Promise<ReturnType<typeof summarizeDays>>}
   */
  async days(count = 14) {
    await this.flush();
    const days = lastDays(this.#clock(), count);
    const range = IDBKeyRange.bound(days[0], days[days.length - 1]);
    const [rows, plays] = await transact(this.#db, [DAYS, PLAYS], "readonly", async (s) => [
      await requestResult(s[DAYS].getAll(range)),
      await requestResult(s[PLAYS].index("by_at").getAll(IDBKeyRange.lowerBound(this.#clock() - (count + 1) * DAY_MS))),
    ]);
    return summarizeDays(days, rows, plays);
  }

  /** Forget everything recorded. */
  async clear() {
    await this.#lock.run(async () => {
      this.#days = new Map();
      this.#plays = [];
      await transact(this.#db, [DAYS, PLAYS], "readwrite", (s) => {
        s[DAYS].clear();
        s[PLAYS].clear();
      });
    });
  }

  close() {
    clearTimeout(this.#timer);
    this.#db.close();
  }
}
