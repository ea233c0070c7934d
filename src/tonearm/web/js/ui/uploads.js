/**
 * Uploading songs: files or whole folders dropped anywhere on the page (folders are walked
 * with DataTransferItem.webkitGetAsEntry), or picked in the Upload view.
 *
 * Each file is its own `POST /api/songs` (an XMLHttpRequest, for its upload progress), two
 * at a time; the import job it answers with is then polled at `GET /api/ingest/{job_id}`
 * until it is done or failed. The uploads panel shows every file's progress, state and, for
 * a bad file, the server's reason. When a song was added, the library view on screen is
 * drawn again and the offline catalogue catches up, so new songs appear without a reload.
 */

import { api, csrfToken } from "../api.js";
import { h } from "../dom.js";
import { count } from "../lib/format.js";
import { filesFromDrop, wanted } from "../lib/file-drop.js";

const PARALLEL_UPLOADS = 2;
const POLL_EVERY_MS = 600;
const REFRESH_AFTER_MS = 400;
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

let nextId = 1;

/**
 * The uploads of this page: a queue, the panel that shows it, and the page-wide drop zone.
 */
export class Uploads extends EventTarget {
  constructor(app) {
    super();
    this.app = app;
    this.items = [];
    this.active = 0;
    this.refreshTimer = null;
    this.panel = h("section.uploads-panel", { id: "uploads-panel", "aria-label": "Uploads", hidden: true });
    this.list = h("ol.upload-list");
    this.summary = h("p.meta.upload-summary");
    this.panel.append(
      h(
        "div.panel-head",
        null,
        h("h2", null, "Uploads"),
        h(
          "span",
          null,
          h("button.secondary", { type: "button", onclick: () => this.clearFinished() }, "Clear finished"),
          h("button.icon", { type: "button", "aria-label": "Hide uploads", onclick: () => (this.panel.hidden = true) }, "×"),
        ),
      ),
      this.summary,
      this.list,
    );
    this.overlay = h("div.drop-overlay", { hidden: true, "aria-hidden": "true" }, h("p", null, "Drop files or folders to add them to the library"));
    document.body.append(this.panel, this.overlay);
    this.bindDrop();
  }

  bindDrop() {
    let depth = 0;
    const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).includes("Files");
    window.addEventListener("dragenter", (event) => {
      if (!carriesFiles(event)) return;
      depth += 1;
      this.overlay.hidden = false;
    });
    window.addEventListener("dragleave", (event) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) this.overlay.hidden = true;
    });
    window.addEventListener("dragover", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "copy";
    });
    window.addEventListener("drop", (event) => {
      depth = 0;
      this.overlay.hidden = true;
      if (!carriesFiles(event)) return;
      event.preventDefault();
      filesFromDrop(event.dataTransfer)
        .then((files) => this.add(files))
        .catch((error) => this.app.announce(`Cannot read the dropped files: ${error.message}`, { error: true }));
    });
  }

  /**
   * Queues files for upload.
   * @param {Array<File|{file: File, path: string}>} files
   * @returns {Array<any>} the queued items
   */
  add(files) {
    const added = [];
    for (const entry of files) {
      const picked = entry instanceof File ? { file: entry, path: entry.webkitRelativePath || entry.name } : entry;
      if (!wanted(picked)) continue;
      const item = { id: nextId++, file: picked.file, path: picked.path, state: "waiting", sent: 0, total: picked.file.size, reason: "", songId: null };
      item.row = this.row(item);
      this.items.push(item);
      this.list.append(item.row.element);
      added.push(item);
    }
    if (added.length) {
      this.panel.hidden = false;
      this.app.announce(`Uploading ${count(added.length, "file")}`);
    }
    this.update();
    this.pump();
    return added;
  }

  row(item) {
    const progress = h("progress", { max: 1, value: 0, "aria-label": `Progress of ${item.path}` });
    const state = h("span.upload-state");
    const reason = h("span.upload-reason.error");
    const element = h("li.upload", { dataset: { state: item.state } }, h("span.upload-name", { title: item.path }, item.path), progress, state, reason);
    return { element, progress, state, reason };
  }

  draw(item) {
    const { element, progress, state, reason } = item.row;
    element.dataset.state = item.state;
    if (item.state === "uploading") progress.value = item.total ? item.sent / item.total : 0;
    else if (item.state === "waiting") progress.removeAttribute("value");
    else progress.value = 1;
    if (item.state === "queued" || item.state === "processing") progress.removeAttribute("value"); // importing: indeterminate
    const percent = item.total ? Math.round((100 * item.sent) / item.total) : 0;
    state.textContent = item.state === "uploading" ? `Uploading ${percent}%` : STATE_TEXT[item.state];
    reason.textContent = item.reason;
    this.update();
  }

  update() {
    const count = (states) => this.items.filter((item) => states.includes(item.state)).length;
    const pending = count(["waiting", "uploading", "queued", "processing"]);
    this.summary.textContent = `${count(["done"])} added · ${count(["duplicate"])} already there · ${count(["failed"])} failed · ${pending} in progress`;
    this.dispatchEvent(new Event("change"));
  }

  clearFinished() {
    this.items = this.items.filter((item) => {
      const finished = ["done", "duplicate", "failed"].includes(item.state);
      if (finished) item.row.element.remove();
      return !finished;
    });
    this.update();
    if (!this.items.length) this.panel.hidden = true;
  }

  pump() {
    while (this.active < PARALLEL_UPLOADS) {
      const item = this.items.find((candidate) => candidate.state === "waiting");
      if (!item) return;
      this.active += 1;
      item.state = "uploading";
      this.draw(item);
      this.run(item)
        .catch((error) => {
          item.state = "failed";
          item.reason = error.message;
        })
        .finally(() => {
          this.active -= 1;
          this.draw(item);
          this.pump();
        });
    }
  }

  async run(item) {
    const accepted = await this.send(item);
    item.state = "queued";
    this.draw(item);
    for (;;) {
      const status = await api(`api/ingest/${accepted.job_id}`);
      if (status.state === "done") {
        item.songId = status.song_id;
        item.state = status.outcome === "duplicate" ? "duplicate" : "done";
        if (item.state === "duplicate") item.reason = "";
        if (item.state === "done") this.libraryChanged();
        return;
      }
      if (status.state === "failed") {
        item.state = "failed";
        item.reason = status.reason || "the import failed";
        return;
      }
      if (item.state !== status.state) {
        item.state = status.state;
        this.draw(item);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  }

  /** One file in one multipart request, with upload progress; resolves to its job. */
  send(item) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", "api/songs");
      request.setRequestHeader("X-CSRF-Token", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      request.responseType = "json";
      request.upload.addEventListener("progress", (event) => {
        item.sent = event.loaded;
        if (event.lengthComputable) item.total = event.total;
        this.draw(item);
      });
      request.addEventListener("load", () => {
        const body = request.response;
        if (request.status === 202 && body?.uploads?.length) {
          item.sent = item.total;
          resolve(body.uploads[0]);
        } else {
          reject(new Error(body?.error?.message || `the server answered ${request.status}`));
        }
      });
      request.addEventListener("error", () => reject(new Error("the server cannot be reached")));
      request.addEventListener("abort", () => reject(new Error("cancelled")));
      const form = new FormData();
      form.append("file", item.file, item.path.split("/").pop() || item.file.name);
      request.send(form);
    });
  }

  /** A song was added: the library on screen is drawn again, the offline catalogue syncs. */
  libraryChanged() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.app.catalog?.sync((path) => api(path.replace(/^\//, ""))).catch(() => {});
      const name = location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
      if (LIBRARY_VIEWS.has(name)) this.app.route();
      this.dispatchEvent(new Event("library"));
    }, REFRESH_AFTER_MS);
  }
}

/** Whether the signed-in user may upload (asked from /api/auth/me when not known yet). */
export async function mayUpload(app) {
  if (app.user?.can_upload !== undefined) return app.user.can_upload;
  try {
    const me = await api("api/auth/me");
    app.user = { ...app.user, ...me };
    return Boolean(me.can_upload);
  } catch {
    return app.user?.role === "admin";
  }
}

/** Sets uploads up for this page when the user may upload; returns them (or null). */
export async function initUploads(app) {
  if (!(await mayUpload(app))) return null;
  app.uploads = new Uploads(app);
  document.getElementById("nav-upload")?.removeAttribute("hidden");
  return app.uploads;
}
