/**
 * Auto-caching: on Wi-Fi (or a wired connection not marked metered), keep the 100 most
 * played songs in the offline cache in medium quality (Opus when the browser plays it),
 * one at a time in the background, most played first.
 */

import { api, query } from "../api.js";
import { currentNetwork, onUnmeteredWifi, opusPlayable } from "../network.js";

const TOP_SONGS = 100;

/**
 * Caches what is missing of the top songs; stops as soon as the connection changes.
 * @param {{ cache: any, source: any, usage: any, offline: boolean }} pieces the offline
 *   cache, the audio source (signed URLs), the usage ledger, and whether the server is away
 *   (read as the songs go, so a lost server stops the run)
 */
export async function autoCacheTopSongs(pieces) {
  const { cache, source, usage } = pieces;
  if (!cache || !onUnmeteredWifi()) return 0;
  const top = await api("api/songs" + query({ sort: "-play_count", limit: TOP_SONGS }));
  const quality = opusPlayable() ? "efficient" : "medium";
  let added = 0;
  for (const song of top.items) {
    if (!song.play_count) break;
    if (!onUnmeteredWifi() || pieces.offline) break;
    const entry = await cache.entry(song.id);
    if (entry && !entry.partial) {
      await cache.recordPlay(song.id, song.play_count).catch(() => {});
      continue;
    }
    const ticket = await source.ticket(song.id, quality);
    const response = await fetch(ticket.url, { credentials: "same-origin", cache: "no-store" });
    // A rendition not made yet stands in as the original while another process makes it:
    // cache it another time, not under the wrong name.
    const served = response.headers.get("X-Tonearm-Served");
    if (!response.ok || (served && served !== ticket.quality)) {
      response.body?.cancel().catch(() => {});
      continue;
    }
    const type = ticket.codec === "opus" ? "audio/webm" : "audio/mpeg";
    const bytes = await response.arrayBuffer();
    usage?.received(bytes.byteLength, currentNetwork().type);
    const blob = new Blob([bytes], { type });
    await cache.put(song.id, ticket.quality, blob, { playCount: song.play_count, lastPlayedAt: null });
    added += 1;
  }
  return added;
}
