/**
 * Settings: the account (password, sign out), appearance (theme), playback (crossfade,
 * ReplayGain), quality (data saver, caps), the network (metered), the offline cache (limit,
 * usage), scrobbling (views/scrobbling.js) and about.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { applyTheme, localSettings, updateLocalSettings } from "../settings.js";
import { currentNetwork } from "../network.js";
import { qualitySelect } from "../ui/download-picker.js";
import { count, formatBytes } from "../lib/format.js";
import { scrobblingSection } from "./scrobbling.js";

const QUALITY_CHOICES = ["auto", "high", "medium", "efficient", "low"];
const THEMES = [["system", "System"], ["light", "Light"], ["dark", "Dark"]];

/** System / Light / Dark as a radio group; a choice shows at once and is saved. */
function themeControl(current, choose) {
  const name = "theme";
  return h(
    "fieldset.theme-choice",
    null,
    h("legend", null, "Theme"),
    THEMES.map(([value, text]) => {
      const input = h("input", { type: "radio", name, value, checked: value === current });
      input.addEventListener("change", () => input.checked && choose(value));
      return h("label", null, input, text);
    }),
  );
}

function field(label, control, hint) {
  // The label names the form control itself, also when it comes wrapped (a range and its value).
  const target = control.matches("input, select, textarea") ? control : control.querySelector("input, select, textarea") || control;
  const id = target.id || `f-${Math.random().toString(36).slice(2)}`;
  target.id = id;
  return h("div.field", null, h("label", { for: id }, label), control, hint ? h("small", null, hint) : null);
}

function select(name, options, value) {
  return h("select", { name }, options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)));
}

export async function settings({ session, cache, downloads, player, source, signOut, redraw }) {
  const local = localSettings();
  const prefs = session.preferences;
  const usage = cache ? await cache.usage().catch(() => null) : null;
  const network = currentNetwork();

  const current = h("input", { type: "password", name: "current", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", name: "new", autocomplete: "new-password", required: true, minlength: 1 });
  const password = h(
    "form.card-form",
    {
      "aria-label": "Change password",
      onsubmit: async (event) => {
        event.preventDefault();
        const done = await guard(api("api/auth/password", { method: "POST", body: { current_password: current.value, new_password: next.value } }), true);
        if (done !== undefined) {
          current.value = next.value = "";
          announce("Password changed; your other sign-ins were ended.");
        }
      },
    },
    h("h2", null, "Account"),
    h("p", null, `Signed in as ${session.user?.username || "?"}.`),
    field("Current password", current),
    field("New password", next),
    h(
      "div.button-row",
      null,
      h("button.primary", { type: "submit" }, "Change password"),
      h("button.secondary", { type: "button", onclick: () => signOut() }, "Sign out"),
    ),
  );

  const crossfade = h("input", { type: "range", min: 0, max: 12, step: 1, value: local.crossfadeSeconds, name: "crossfade" });
  const crossfadeValue = h("output", null, `${local.crossfadeSeconds} s`);
  crossfade.addEventListener("input", () => {
    updateLocalSettings({ crossfadeSeconds: Number(crossfade.value) });
    crossfadeValue.textContent = `${crossfade.value} s`;
  });
  const replaygain = select("replaygain", [["track", "Track"], ["album", "Album"], ["auto", "Album when playing an album"], ["off", "Off"]], prefs.replaygain);
  const preamp = h("input", { type: "number", name: "preamp", min: -15, max: 15, step: 0.5, value: local.preampDb });
  preamp.addEventListener("change", () => updateLocalSettings({ preampDb: Number(preamp.value) || 0 }));

  const dataSaver = h("input", { type: "checkbox", name: "data_saver", checked: prefs.data_saver });
  const maxQuality = select("max_quality", [["", "No cap"], ["high", "High"], ["medium", "Medium"], ["low", "Low"]], prefs.max_quality || "");
  const wifiQuality = select("quality_wifi", QUALITY_CHOICES.map((q) => [q, q]), prefs.quality?.wifi || "auto");
  const cellularQuality = select("quality_cellular", QUALITY_CHOICES.map((q) => [q, q]), prefs.quality?.cellular || "auto");
  const metered = h("input", { type: "checkbox", name: "metered", checked: local.metered });
  metered.addEventListener("change", () => updateLocalSettings({ metered: metered.checked }));
  const cacheMb = h("input", { type: "number", name: "offline_cache_mb", min: 50, max: 100000, step: 50, value: prefs.offline_cache_mb });
  let theme = prefs.theme || "system";

  const savePreferences = async () => {
    const quality = { ...prefs.quality };
    for (const [network, control] of [["wifi", wifiQuality], ["cellular", cellularQuality]]) {
      if (control.value === "auto") delete quality[network];
      else quality[network] = control.value;
    }
    const body = {
      ...prefs,
      quality,
      data_saver: dataSaver.checked,
      max_quality: maxQuality.value || null,
      replaygain: replaygain.value,
      offline_cache_mb: Number(cacheMb.value),
      theme,
    };
    const saved = await guard(api("api/user/preferences", { method: "PUT", body }));
    if (saved) {
      session.setPreferences(saved);
      announce("Preferences saved");
    }
  };
  const appearance = themeControl(theme, (value) => {
    theme = value;
    applyTheme(value);
    savePreferences();
  });
  for (const control of [replaygain, dataSaver, maxQuality, wifiQuality, cellularQuality, cacheMb]) control.addEventListener("change", savePreferences);

  // Downloads for offline: the default quality of new downloads, the cellular rule.
  const downloadQuality = qualitySelect(local.downloadQuality, { id: "settings-download-quality" });
  downloadQuality.addEventListener("change", () => updateLocalSettings({ downloadQuality: downloadQuality.value }));
  const pauseOnCellular = h("input", { type: "checkbox", name: "download_pause_cellular", checked: Boolean(downloads?.pauseOnCellular), disabled: !downloads });
  pauseOnCellular.addEventListener("change", () => downloads?.setPauseOnCellular(pauseOnCellular.checked));

  const usageText = usage
    ? `${formatBytes(usage.bytes)} in ${count(usage.count, "song")} (limit ${formatBytes(usage.limitBytes)})`
    : "Offline storage is not available in this browser.";
  const tapToAudio = player?.lastTapToAudioMs;
  const scrobbling = await scrobblingSection({ redraw });

  return h(
    "section.settings",
    null,
    h("h1", null, "Settings"),
    password,
    h("div.card-form", null, h("h2", null, "Appearance"), appearance),
    h(
      "div.card-form",
      null,
      h("h2", null, "Playback"),
      field("Crossfade", h("span.range", null, crossfade, crossfadeValue), "0 s: gapless playback between consecutive songs."),
      field("Loudness normalisation (ReplayGain)", replaygain),
      field("Pre-amp (dB)", preamp),
    ),
    h(
      "div.card-form",
      null,
      h("h2", null, "Quality and data"),
      field("Data saver", dataSaver, "Low quality on cellular networks."),
      field("Never stream above", maxQuality),
      field("Quality on Wi-Fi", wifiQuality),
      field("Quality on cellular", cellularQuality),
      field("This connection is metered", metered, "No prefetch and no background caching while set."),
      h("p.meta", null, `Network: ${network.type || "unknown"}${network.downlinkKbps ? `, ~${(network.downlinkKbps / 1000).toFixed(1)} Mbps` : ""}; measured ${source?.meter.kbps ? `${Math.round(source.meter.kbps)} kbps` : "—"}.`),
    ),
    h(
      "div.card-form",
      null,
      h("h2", null, "Offline"),
      h("p", { id: "cache-usage" }, usageText),
      field("Cache size limit (MiB)", cacheMb, "The least played songs go first when it is full."),
      h("button.secondary", { type: "button", onclick: async () => {
        // Downloads stay (they are removed on the Downloads screen).
        for (const entry of (await cache?.list()) || []) if (!entry.pinned) await cache.remove(entry.songId);
        announce("Offline cache emptied (downloads kept)");
        redraw();
      } }, "Empty the cache"),
      field("Download quality", downloadQuality, "The default for songs, albums and playlists you download."),
      field("Pause downloads on cellular", pauseOnCellular),
      h("p", null, h("a", { href: "#/downloads" }, "Downloads")),
    ),
    scrobbling,
    h(
      "div.card-form",
      null,
      h("h2", null, "About"),
      h("p", null, `Web player version ${document.body.dataset.version}.`),
      tapToAudio == null ? null : h("p", null, `Last tap-to-audio: ${Math.round(tapToAudio)} ms.`),
      h("p", null, "Shortcuts: Space play/pause · ←/→ seek 5 s · Shift+←/→ previous/next · ↑/↓ volume · M mute · L like · S shuffle · R repeat · Q queue · / search."),
    ),
  );
}
