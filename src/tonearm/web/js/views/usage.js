/**
 * Network usage, as recorded on this device (lib/usage-ledger.js): audio data used per day
 * and network, what the offline cache and prefetching only 30 s saved, tap-to-audio
 * p50/p95 per day, and what the offline cache holds.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { NETWORK_KINDS } from "../lib/usage-ledger.js";
import { NETWORK_LABELS, dataPerDayChart, dayLabel, tapToAudioChart } from "../ui/usage-charts.js";
import { count, formatBytes } from "../lib/format.js";
import { heading } from "./library.js";

const DAYS_SHOWN = 14;

function stat(id, label, value, detail, data = {}) {
  return h("div.stat", { id, dataset: data }, h("dt", null, label), h("dd", null, h("strong", null, value), detail ? h("span.meta", null, ` ${detail}`) : null));
}

function legend(items) {
  return h(
    "ul.legend",
    null,
    items.map(([className, label]) => h("li", null, h("span", { class: `swatch ${className}`, "aria-hidden": "true" }), label)),
  );
}

function sum(days, pick) {
  return days.reduce((total, row) => total + pick(row), 0);
}

function ms(value) {
  return value === null ? "–" : `${value} ms`;
}

/** A cached song's title: from the catalogue copy, else (not synced yet) the API, else none. */
async function songFor({ catalog, connectivity }, id) {
  const known = await catalog?.song(id).catch(() => null);
  if (known) return known;
  return connectivity.offline ? null : api(`api/songs/${encodeURIComponent(id)}`).catch(() => null);
}

async function cacheSection({ cache, catalog, connectivity }) {
  if (!cache) return h("p.empty", null, "This browser keeps no offline copies.");
  const [usage, entries] = await Promise.all([cache.usage(), cache.list()]);
  const titled = await Promise.all(entries.map(async (entry) => ({ entry, song: await songFor({ catalog, connectivity }, entry.songId) })));
  const limitShare = usage.limitBytes ? Math.round((usage.bytes / usage.limitBytes) * 100) : 0;
  return h(
    "div.usage-cache",
    null,
    h(
      "p",
      { id: "usage-cache-size", dataset: { bytes: String(usage.bytes), count: String(usage.count) } },
      `${formatBytes(usage.bytes)} in ${count(usage.count, "song")} (${limitShare}% of the ${formatBytes(usage.limitBytes)} limit`,
      usage.pinnedBytes ? `; ${formatBytes(usage.pinnedBytes)} downloaded for offline use` : "",
      ").",
    ),
    entries.length
      ? h(
          "table.usage-table.cache-contents",
          null,
          h("caption.visually-hidden", null, "Songs in the offline cache, the first to be evicted first"),
          h("thead", null, h("tr", null, ["Song", "Quality", "Size", "Plays", "Kept"].map((name) => h("th", { scope: "col" }, name)))),
          h(
            "tbody",
            null,
            titled.map(({ entry, song }) =>
              h(
                "tr",
                { dataset: { songId: entry.songId } },
                h("td", null, song ? h("a", { href: `#/song/${entry.songId}` }, song.title) : entry.songId),
                h("td", null, entry.quality + (entry.partial ? " (partial)" : "")),
                h("td", null, formatBytes(entry.sizeBytes)),
                h("td", null, String(entry.playCount)),
                h("td", null, entry.pinned ? "downloaded" : "until evicted"),
              ),
            ),
          ),
        )
      : h("p.empty", null, "Nothing cached yet: songs played whole are kept here."),
  );
}

export async function usage({ usage, cache, catalog, connectivity }) {
  if (!usage) {
    return h("section.usage", null, heading("Network usage"), h("p.empty", null, "This browser cannot keep a usage record (no IndexedDB)."));
  }
  const days = await usage.days(DAYS_SHOWN);
  const today = days[days.length - 1];
  const cachePlays = sum(days, (row) => row.cachePlays);
  const unplayed = sum(days, (row) => row.prefetchesUnplayed);
  const savedCache = sum(days, (row) => row.savedCacheBytes);
  const savedPrefetch = sum(days, (row) => row.savedPrefetchBytes);
  const total = sum(days, (row) => row.totalReceivedBytes);
  return h(
    "section.usage",
    null,
    heading("Network usage"),
    h("p.meta", null, "Audio data this browser received (response bodies; HTTP headers and non-audio requests are not counted), recorded on this device only."),
    h(
      "dl.usage-summary",
      null,
      stat("usage-today", "Data used today", formatBytes(today.totalReceivedBytes), null, { bytes: String(today.totalReceivedBytes) }),
      NETWORK_KINDS.map((kind) =>
        stat(`usage-today-${kind}`, `${NETWORK_LABELS[kind]} today`, formatBytes(today.receivedBytes[kind]), null, { bytes: String(today.receivedBytes[kind]) }),
      ),
      stat("usage-total", `Last ${DAYS_SHOWN} days`, formatBytes(total), null, { bytes: String(total) }),
      stat("usage-saved-cache", "Saved by the offline cache", formatBytes(savedCache), `${count(cachePlays, "play")} from this device`, {
        bytes: String(savedCache),
        todayBytes: String(today.savedCacheBytes),
      }),
      stat("usage-saved-prefetch", "Saved by prefetching only 30 s", formatBytes(savedPrefetch), `${count(unplayed, "prefetched song")} not played`, {
        bytes: String(savedPrefetch),
      }),
      stat("usage-tap", "Tap to audio today", `${ms(today.tapToAudio.p50)} median`, `p95 ${ms(today.tapToAudio.p95)} over ${today.tapToAudio.count} plays`, {
        p50: String(today.tapToAudio.p50 ?? ""),
        p95: String(today.tapToAudio.p95 ?? ""),
        count: String(today.tapToAudio.count),
      }),
    ),
    h("h2", null, "Data used per day"),
    dataPerDayChart(days),
    legend(NETWORK_KINDS.map((kind) => [`bar-${kind}`, NETWORK_LABELS[kind]])),
    h("h2", null, "Tap to audio"),
    tapToAudioChart(days),
    legend([["line-p50", "p50 (median)"], ["line-p95", "p95"]]),
    h(
      "details.usage-numbers",
      null,
      h("summary", null, "The numbers per day"),
      h(
        "table.usage-table",
        null,
        h("thead", null, h("tr", null, ["Day", ...NETWORK_KINDS.map((kind) => NETWORK_LABELS[kind]), "Saved (cache)", "Saved (prefetch)", "Tap p50", "Tap p95"].map((name) => h("th", { scope: "col" }, name)))),
        h(
          "tbody",
          null,
          [...days].reverse().map((row) =>
            h(
              "tr",
              { dataset: { day: row.day } },
              h("th", { scope: "row" }, dayLabel(row.day)),
              NETWORK_KINDS.map((kind) => h("td", null, formatBytes(row.receivedBytes[kind]))),
              h("td", null, formatBytes(row.savedCacheBytes)),
              h("td", null, formatBytes(row.savedPrefetchBytes)),
              h("td", null, ms(row.tapToAudio.p50)),
              h("td", null, ms(row.tapToAudio.p95)),
            ),
          ),
        ),
      ),
    ),
    h("h2", null, "Offline cache"),
    await cacheSection({ cache, catalog, connectivity }),
  );
}
