/**
 * Downloads: the download queue (lib/downloads.js) with each song's progress, the total,
 * pause/resume (all or one), retry, remove (which deletes the offline copy), the
 * "pause on cellular" switch and the default download quality. Updates live.
 */

import { h } from "../dom.js";
import { announce } from "../notices.js";
import { localSettings, updateLocalSettings } from "../settings.js";
import { qualitySelect } from "../ui/download-picker.js";
import { MAX_ATTEMPTS } from "../lib/downloads.js";
import { count, formatBytes } from "../lib/format.js";

const STATE_TEXT = {
  queued: "Waiting",
  downloading: "Downloading",
  paused: "Paused",
  partial: "First 30 s saved; the rest when played",
  done: "Available offline",
  failed: "Failed",
};

function describe(item) {
  if (item.state === "queued" && item.attempts > 0) {
    const wait = Math.max(0, Math.ceil(((item.retryAt ?? Date.now()) - Date.now()) / 1000));
    return `Retrying in ${wait} s (attempt ${item.attempts + 1} of ${MAX_ATTEMPTS}): ${item.error}`;
  }
  if (item.state === "failed") return `Failed after ${item.attempts} attempts: ${item.error}`;
  return STATE_TEXT[item.state] || item.state;
}

function sizeText(item) {
  return item.total ? `${formatBytes(item.bytes)} of ${formatBytes(item.total)}` : item.bytes ? formatBytes(item.bytes) : "";
}

export async function downloads({ downloads: manager, offlineCopies }) {
  const section = h("section.downloads");
  if (!manager) {
    section.append(h("h1", null, "Downloads"), h("p.empty", null, "Downloads need offline storage, which this browser does not offer."));
    return section;
  }
  const totalBar = h("progress", { id: "downloads-total-progress", max: 1000, value: 0, "aria-label": "Total download progress" });
  const totalText = h("p.meta", { id: "downloads-total" });
  const list = h("ol.download-list", { "aria-label": "Downloads" });
  const pauseAll = h("button.secondary", { type: "button", id: "downloads-pause-all" });
  pauseAll.addEventListener("click", async () => {
    if (manager.pausedAll) await manager.resume();
    else await manager.pause();
  });
  const cellular = h("input", { type: "checkbox", id: "downloads-pause-cellular", checked: manager.pauseOnCellular });
  cellular.addEventListener("change", () => manager.setPauseOnCellular(cellular.checked));
  const quality = qualitySelect(localSettings().downloadQuality, { id: "downloads-quality" });
  quality.addEventListener("change", () => updateLocalSettings({ downloadQuality: quality.value }));

  const paintTotal = () => {
    const total = manager.progress();
    totalBar.max = 1000;
    totalBar.value = Math.round(total.fraction * 1000);
    const sizes = total.totalBytes ? ` · ${formatBytes(total.bytes)} of ${formatBytes(total.totalBytes)}${total.unknown ? " (so far)" : ""}` : "";
    const failed = total.failed ? ` · ${total.failed} failed` : "";
    totalText.textContent = `${total.done} of ${count(total.count, "song")} downloaded${sizes}${failed}${manager.pausedAll ? " · paused" : manager.blocked ? " · waiting for a non-cellular connection" : ""}`;
    pauseAll.textContent = manager.pausedAll ? "Resume all" : "Pause all";
  };

  const row = (item) => {
    const label = item.title || item.songId;
    const bar = h("progress", { max: Math.max(1, item.total || 1), value: item.total ? Math.min(item.bytes, item.total) : 0, "aria-label": `Progress of ${label}` });
    const buttons = [];
    if (["queued", "downloading"].includes(item.state)) buttons.push(h("button.secondary", { type: "button", onclick: () => manager.pause(item.songId) }, "Pause"));
    if (item.state === "paused") buttons.push(h("button.secondary", { type: "button", onclick: () => manager.resume(item.songId) }, "Resume"));
    if (item.state === "failed") buttons.push(h("button.primary", { type: "button", onclick: () => manager.retry(item.songId) }, "Retry"));
    buttons.push(
      h("button.danger", {
        type: "button",
        "aria-label": `Remove ${label}`,
        onclick: async () => {
          await manager.remove(item.songId);
          offlineCopies.changed();
          announce(`${label} removed from this device`);
        },
      }, "Remove"),
    );
    return h(
      "li.download",
      { dataset: { songId: item.songId, state: item.state } },
      h("div.download-title", null, h("strong", null, label), h("span.meta", null, [item.artist, item.album, item.rendition || item.quality, `${item.priority} priority`].filter(Boolean).join(" · "))),
      bar,
      h("span.download-state", { class: item.state === "failed" || item.attempts > 0 ? "error" : "" }, describe(item)),
      h("span.download-size", null, sizeText(item)),
      h("span.download-actions", null, buttons),
    );
  };

  const paintList = () => {
    const items = manager.list();
    list.replaceChildren(...(items.length ? items.map(row) : [h("li.empty", null, "Nothing downloaded yet: use Download on a song, an album or a playlist.")]));
    paintTotal();
  };

  const onProgress = (event) => {
    if (!section.isConnected) return detach();
    const { songId, bytes, total } = event.detail;
    const item = list.querySelector(`li.download[data-song-id="${CSS.escape(songId)}"]`);
    if (item) {
      const bar = item.querySelector("progress");
      bar.max = Math.max(1, total || 1);
      bar.value = total ? Math.min(bytes, total) : 0;
      item.querySelector(".download-size").textContent = sizeText({ bytes, total });
    }
    paintTotal();
  };
  const onChange = () => {
    if (!section.isConnected) return detach();
    paintList();
  };
  const detach = () => {
    manager.removeEventListener("progress", onProgress);
    manager.removeEventListener("change", onChange);
  };
  manager.addEventListener("progress", onProgress);
  manager.addEventListener("change", onChange);
  paintList();

  section.append(
    h("div.view-head", null, h("h1", null, "Downloads"), pauseAll),
    totalText,
    totalBar,
    h(
      "div.download-options",
      null,
      h("div.field", null, h("label", { for: "downloads-pause-cellular" }, "Pause on cellular"), cellular, h("small", null, "Downloads wait while the connection is cellular.")),
      h("div.field", null, h("label", { for: "downloads-quality" }, "Download quality"), quality, h("small", null, "The default for new downloads.")),
    ),
    list,
  );
  return section;
}
