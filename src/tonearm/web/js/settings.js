/**
 * Settings kept on this device (crossfade, volume, the metered switch…), beside the
 * account's preferences kept by the server (quality, ReplayGain mode, cache size).
 */

const KEY = "tonearm.settings";

/** Defaults: crossfade off, full volume, ReplayGain preamp 0 dB. */
export const LOCAL_DEFAULTS = Object.freeze({
  crossfadeSeconds: 0,
  volume: 1,
  muted: false,
  preampDb: 0,
  metered: false,
  autoCache: true,
  downloadQuality: "medium", // downloads for offline (views/downloads.js)
});

/** Server-side preferences as GET /api/user/preferences answers before any change. */
export const PREFERENCE_DEFAULTS = Object.freeze({
  quality: {},
  max_quality: null,
  data_saver: false,
  favourite_genres: [],
  offline_cache_mb: 500,
  replaygain: "track",
  theme: "system", // "system" | "light" | "dark": the page's colours (applied by app.js)
});

/** The device's settings, defaults filled in. */
export function localSettings() {
  try {
    return { ...LOCAL_DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || "{}") };
  } catch {
    return { ...LOCAL_DEFAULTS };
  }
}

/** Changes some of the device's settings. */
export function updateLocalSettings(changes) {
  const next = { ...localSettings(), ...changes };
  localStorage.setItem(KEY, JSON.stringify(next));
  return next;
}

/**
 * Shows the `theme` preference: "light" or "dark" set `data-theme` on the root element;
 * "system" (or nothing) removes it, and the stylesheet follows prefers-color-scheme.
 */
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === "light" || theme === "dark") root.dataset.theme = theme;
  else delete root.dataset.theme;
}
