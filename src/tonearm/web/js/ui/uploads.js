/**
 * Uploading songs on the page: files or whole folders dropped anywhere on it (folders are
 * walked with DataTransferItem.webkitGetAsEntry), or picked in the Upload view, go to the
 * upload manager (upload-queue.js). The uploads panel shows every file's progress, state and,
 * for a bad file, the server's reason. When a song was added, the library view on screen is
 * drawn again and the offline catalogue catches up, so new songs appear without a reload.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { count } from "../lib/format.js";
import { filesFromDrop } from "../lib/file-drop.js";
import { announce } from "../notices.js";

// Views that list songs, drawn again when an upload adds one.
const LIBRARY_VIEWS = new Set(["", "songs", "artists", "artist", "albums", "album", "genres", "genre", "folders", "search"]);

const STATE_TEXT = {
  waiting: "Waiting",
  uploading: "Uploading",
  queued: "Queued for import",
  processing: "Importing",
  done: "Added",
  duplicate: "Already in the library",
  failed: "Failed",
};

/**
 * Shows `queue` on the page: the uploads panel, the page-wide drop zone and the Upload link.
 * @param {any} queue the UploadQueue
 * @param {{catalog: any, redraw: () => void}} pieces the offline catalogue (synced when songs
 *   were added) and the router's redraw of the view on screen
 */
export function mountUploads(queue, { catalog, redraw }) {
  const list = h("ol.upload-list");
  const summary = h("p.meta.upload-summary");
  const panel = h("section.uploads-panel", { id: "uploads-panel", "aria-label": "Uploads", hidden: true });
  const rows = new Map();
  const clearFinished = () => {
    for (const item of queue.clearFinished()) {
      rows.get(item.id)?.element.remove();
      rows.delete(item.id);
    }
    if (!queue.items.length) panel.hidden = true;
  };
  panel.append(
    h(
      "div.panel-head",
      null,
      h("h2", null, "Uploads"),
      h(
        "span",
        null,
        h("button.secondary", { type: "button", onclick: clearFinished }, "Clear finished"),
        h("button.icon", { type: "button", "aria-label": "Hide uploads", onclick: () => (panel.hidden = true) }, "×"),
      ),
    ),
    summary,
    list,
  );
  const overlay = h("div.drop-overlay", { hidden: true, "aria-hidden": "true" }, h("p", null, "Drop files or folders to add them to the library"));
  document.body.append(panel, overlay);
  bindDrop(overlay, queue);

  queue.addEventListener("added", (event) => {
    for (const item of event.detail.items) {
      const row = itemRow(item);
      rows.set(item.id, row);
      list.append(row.element);
    }
    panel.hidden = false;
    announce(`Uploading ${count(event.detail.items.length, "file")}`);
  });
  queue.addEventListener("item", (event) => {
    const row = rows.get(event.detail.id);
    if (row) drawItem(row, event.detail);
  });
  queue.addEventListener("change", () => {
    const counts = queue.counts();
    const pending = counts.waiting + counts.uploading + counts.queued + counts.processing;
    summary.textContent = `${counts.done} added · ${counts.duplicate} already there · ${counts.failed} failed · ${pending} in progress`;
  });
  queue.addEventListener("library", () => {
    catalog?.sync((path) => api(path.replace(/^\//, ""))).catch(() => {});
    const name = location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
    if (LIBRARY_VIEWS.has(name)) redraw();
  });
  document.getElementById("nav-upload")?.removeAttribute("hidden");
}

/** Shows the uploads panel again (the Upload view does, when there are uploads to show). */
export function showUploadsPanel() {
  const panel = document.getElementById("uploads-panel");
  if (panel) panel.hidden = false;
}

function bindDrop(overlay, queue) {
  let depth = 0;
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).includes("Files");
  window.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    depth += 1;
    overlay.hidden = false;
  });
  window.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  window.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "copy";
  });
  window.addEventListener("drop", (event) => {
    depth = 0;
    overlay.hidden = true;
    if (!carriesFiles(event)) return;
    event.preventDefault();
    filesFromDrop(event.dataTransfer)
      .then((files) => queue.add(files))
      .catch((error) => announce(`Cannot read the dropped files: ${error.message}`, { error: true }));
  });
}

function itemRow(item) {
  const progress = h("progress", { max: 1, value: 0, "aria-label": `Progress of ${item.path}` });
  const state = h("span.upload-state");
  const reason = h("span.upload-reason.error");
  const element = h("li.upload", { dataset: { state: item.state } }, h("span.upload-name", { title: item.path }, item.path), progress, state, reason);
  return { element, progress, state, reason };
}

function drawItem({ element, progress, state, reason }, item) {
  element.dataset.state = item.state;
  if (item.state === "uploading") progress.value = item.total ? item.sent / item.total : 0;
  else if (item.state === "waiting") progress.removeAttribute("value");
  else progress.value = 1;
  if (item.state === "queued" || item.state === "processing") progress.removeAttribute("value"); // importing: indeterminate
  const percent = item.total ? Math.round((100 * item.sent) / item.total) : 0;
  state.textContent = item.state === "uploading" ? `Uploading ${percent}%` : STATE_TEXT[item.state];
  reason.textContent = item.reason;
}
