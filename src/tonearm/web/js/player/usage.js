/**
 * Feeds the usage ledger (lib/usage-ledger.js) from the player: audio bytes as the source
 * reads them from the network, plays served from the offline cache, prefetched beginnings
 * that were never played, and each tapped play's tap-to-audio.
 */

import { PrefetchWatch } from "../lib/usage-ledger.js";

/**
 * @param {{ledger: import("../lib/usage-ledger.js").UsageLedger,
 *   source: import("./source.js").AudioSource, player: import("./controller.js").Player,
 *   cache: import("../lib/offline-cache.js").OfflineCache|null,
 *   network: () => {type: string|null}}} parts
 * @returns {PrefetchWatch} the prefetched songs being watched (for tests)
 */
export function recordUsage({ ledger, source, player, cache, network }) {
  const watch = new PrefetchWatch();
  source.onBytes = (count) => ledger.received(count, network().type);
  source.onPrefetched = (songId, sizeBytes, fetchedBytes) => watch.prefetched(songId, sizeBytes, fetchedBytes);

  const started = async (segment, tapToAudioMs) => {
    const songId = segment.song.id;
    watch.played(songId);
    if (tapToAudioMs !== null && tapToAudioMs !== undefined) ledger.tapToAudio(tapToAudioMs, { origin: segment.origin });
    // A prefetched song that is neither playing nor coming up was skipped: its beginning is
    // dropped (so it no longer holds memory) and the rest of it was never fetched.
    const upcoming = [songId, ...player.upcoming().map((song) => song.id)];
    for (const { songId: skipped, savedBytes } of watch.abandoned(upcoming)) {
      source.prefetched.delete(skipped);
      ledger.prefetchUnplayed(savedBytes);
    }
    if (segment.origin === "cache" && cache) {
      const entry = await cache.entry(songId).catch(() => null);
      if (entry && !entry.partial) ledger.servedFromCache(entry.sizeBytes);
    }
  };
  const events = player.engine.events;
  events.addEventListener("started", (event) => started(event.detail.segment, event.detail.tapToAudioMs));
  events.addEventListener("trackchange", (event) => started(event.detail.to, null));
  window.addEventListener("pagehide", () => ledger.flush().catch(() => {}));
  return watch;
}
