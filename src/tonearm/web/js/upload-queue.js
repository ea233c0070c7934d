/**
 * The upload manager: files queued for the library, each its own `POST /api/songs` (an
 * XMLHttpRequest, for its upload progress), two at a time; the import job it answers with is
 * then polled at `GET /api/ingest/{job_id}` until it is done or failed. Holds no page: it says
 * what happens with events — "item" (detail: the item) when a file's state or progress
 * changes, "change" after any change, "library" (a little after the last song added) when the
 * library has new songs. ui/uploads.js draws it.
 */

import { api, csrfToken } from "./api.js";
import { wanted } from "./lib/file-drop.js";

const PARALLEL_UPLOADS = 2;
const POLL_EVERY_MS = 600;
const LIBRARY_CHANGED_AFTER_MS = 400;

let nextId = 1;

export class UploadQueue extends EventTarget {
  constructor() {
    super();
    /** @type {Array<{id: number, file: File, path: string, state: string, sent: number, total: number, reason: string, songId: string|null}>} */
    this.items = [];
    this.active = 0;
    this.libraryTimer = 0;
  }

  /**
   * Queues files for upload (the ones the library takes: lib/file-drop.js `wanted`).
   * @param {Array<File|{file: File, path: string}>} files
   * @returns {Array<any>} the queued items
   */
  add(files) {
    const added = [];
    for (const entry of files) {
      const picked = entry instanceof File ? { file: entry, path: entry.webkitRelativePath || entry.name } : entry;
      if (!wanted(picked)) continue;
      const item = { id: nextId++, file: picked.file, path: picked.path, state: "waiting", sent: 0, total: picked.file.size, reason: "", songId: null };
      this.items.push(item);
      added.push(item);
    }
    if (added.length) this.dispatchEvent(new CustomEvent("added", { detail: { items: added } }));
    this.changed();
    this.pump();
    return added;
  }

  /** How many items are in each state. */
  counts() {
    const counts = { waiting: 0, uploading: 0, queued: 0, processing: 0, done: 0, duplicate: 0, failed: 0 };
    for (const item of this.items) counts[item.state] = (counts[item.state] || 0) + 1;
    return counts;
  }

  /** Forgets the items that are done, duplicates or failed; returns them. */
  clearFinished() {
    const finished = this.items.filter((item) => ["done", "duplicate", "failed"].includes(item.state));
    this.items = this.items.filter((item) => !finished.includes(item));
    this.changed();
    return finished;
  }

  changed(item) {
    if (item) this.dispatchEvent(new CustomEvent("item", { detail: item }));
    this.dispatchEvent(new Event("change"));
  }

  pump() {
    while (this.active < PARALLEL_UPLOADS) {
      const item = this.items.find((candidate) => candidate.state === "waiting");
      if (!item) return;
      this.active += 1;
      item.state = "uploading";
      this.changed(item);
      this.run(item)
        .catch((error) => {
          item.state = "failed";
          item.reason = error.message;
        })
        .finally(() => {
          this.active -= 1;
          this.changed(item);
          this.pump();
        });
    }
  }

  async run(item) {
    const accepted = await this.send(item);
    item.state = "queued";
    this.changed(item);
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
        this.changed(item);
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
        this.changed(item);
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

  /** A song was added: one "library" event for songs added close together. */
  libraryChanged() {
    clearTimeout(this.libraryTimer);
    this.libraryTimer = setTimeout(() => this.dispatchEvent(new Event("library")), LIBRARY_CHANGED_AFTER_MS);
  }
}
