/**
 * The "Download" dialog for a song, an album or a playlist: quality (default: the
 * download quality in Settings), priority, and whether to get only the first ~30 s now
 * (the rest when the song is played). Queues the songs in the app's download manager.
 */

import { h } from "../dom.js";
import { announce } from "../notices.js";
import { localSettings, updateLocalSettings } from "../settings.js";

/** Qualities a download can be made in, best first. */
export const DOWNLOAD_QUALITIES = [
  ["high", "High (320k MP3)"],
  ["medium", "Medium (128k MP3, or Opus where it plays)"],
  ["efficient", "Efficient (Opus ~96k)"],
  ["low", "Low (64k MP3)"],
];
const PRIORITY_CHOICES = [
  ["high", "High"],
  ["medium", "Medium"],
  ["low", "Low"],
];

/** A <select> of download qualities with `value` chosen. */
export function qualitySelect(value, attrs = {}) {
  return h("select", { name: "quality", ...attrs }, DOWNLOAD_QUALITIES.map(([q, text]) => h("option", { value: q, selected: q === value }, text)));
}

/**
 * Opens the dialog for `songs` (`what` names them: "Album First Light").
 * @param {any} downloads the download manager (null when this browser offers no storage)
 * @param {Array<any>} songs
 * @param {string} what
 */
export function pickDownload(downloads, songs, what) {
  if (!downloads) {
    announce("Downloads need offline storage, which this browser does not offer.", { error: true });
    return;
  }
  const playable = songs.filter(Boolean);
  const quality = qualitySelect(localSettings().downloadQuality, { id: "download-quality" });
  const priority = h("select", { name: "priority", id: "download-priority" }, PRIORITY_CHOICES.map(([p, text]) => h("option", { value: p, selected: p === "medium" }, text)));
  const prefetch = h("input", { type: "checkbox", name: "prefetch", id: "download-prefetch" });
  const dialog = h("dialog.picker.download-picker", { "aria-label": `Download ${what}` });
  dialog.append(
    h(
      "form",
      {
        method: "dialog",
        onsubmit: async (event) => {
          event.preventDefault();
          updateLocalSettings({ downloadQuality: quality.value });
          try {
            await downloads.add(playable, {
              quality: quality.value,
              priority: priority.value,
              mode: prefetch.checked ? "prefetch" : "full",
            });
            announce(`${playable.length === 1 ? playable[0].title : `${playable.length} songs`} queued for download`);
          } catch (error) {
            announce(error.message, { error: true });
          }
          dialog.close();
        },
      },
      h("h2", null, `Download ${what}`),
      h("p.meta", null, `${playable.length} song${playable.length === 1 ? "" : "s"}, kept for offline listening.`),
      h("div.field", null, h("label", { for: "download-quality" }, "Quality"), quality),
      h("div.field", null, h("label", { for: "download-priority" }, "Priority"), priority),
      h("div.field", null, h("label", { for: "download-prefetch" }, "First 30 s only"), prefetch, h("small", null, "The rest is fetched when the song is played.")),
      h("div.inline", null, h("button.primary", { type: "submit" }, "Download"), h("button.secondary", { type: "button", onclick: () => dialog.close() }, "Cancel")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
