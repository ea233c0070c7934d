/**
 * The songs with a whole copy on this device (in the offline cache), for the "offline" marks
 * of song lists. Whatever adds or removes copies calls `changed()`; lists read the cache again
 * on the "change" event that follows.
 */

export class OfflineCopies extends EventTarget {
  /** @param {any} cache the OfflineCache, or null when this browser has none */
  constructor(cache) {
    super();
    this.cache = cache;
  }

  /** The ids of the songs kept whole (not a prefetched start). */
  async songIds() {
    if (!this.cache) return new Set();
    const entries = await this.cache.list().catch(() => []);
    return new Set(entries.filter((entry) => !entry.partial).map((entry) => entry.songId));
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }
}
