/**
 * The admin screen of music folders and scans (#/admin/library): the folders kept on the
 * server (each with its songs, last scan and whether it is there), adding one (under the
 * server's TONEARM_FOLDER_ROOTS), removing one (its songs are tombstoned, history kept),
 * rescanning one or all, and the scan under way and the last one.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { count } from "../lib/format.js";
import { duration, pollWhile, table, when } from "./admin-parts.js";

function scanCounts(summary) {
  if (!summary) return null;
  if (summary.skipped) return h("p.meta", null, `Skipped: ${summary.skipped}`);
  const facts = [
    ["added", summary.added],
    ["updated", summary.updated],
    ["moved", summary.moved],
    ["removed", summary.removed],
    ["failed", summary.failed],
    ["duplicates", summary.duplicates],
    ["unchanged", summary.unchanged],
  ];
  return h(
    "div",
    null,
    h("dl.facts.scan-counts", null, facts.map(([label, value]) => [h("dt", null, label), h("dd", { dataset: { count: label } }, String(value))])),
    summary.failures.length
      ? h("ul.failure-list", null, summary.failures.map((failure) => h("li", null, h("code", null, failure.path), " — ", h("span.error", null, failure.reason))))
      : null,
  );
}

function scanBlock(title, run) {
  if (!run) return h("div.scan", null, h("h2", null, title), h("p.empty", null, title === "Scan under way" ? "No scan is running." : "No scan has finished yet."));
  return h(
    "div.scan",
    { dataset: { state: run.state } },
    h("h2", null, title),
    h(
      "p",
      null,
      h("strong.scan-state", null, run.state),
      ` · queued ${when(run.enqueued_at)} · started ${when(run.started_at)}`,
      run.finished_at ? ` · finished ${when(run.finished_at)} (${duration(run.duration_seconds)})` : "",
    ),
    run.error ? h("p.error", null, run.error) : null,
    scanCounts(run.summary),
  );
}

function lastScan(folder) {
  if (!folder.last_scan_at) return "never";
  const summary = folder.last_scan;
  if (!summary) return when(folder.last_scan_at);
  const parts = [`+${summary.added}`, `−${summary.removed}`];
  if (summary.failed) parts.push(`${summary.failed} failed`);
  return `${when(folder.last_scan_at)} (${parts.join(", ")})`;
}

function folderRow(folder, { rescan, remove, scanning }) {
  return h(
    "tr.music-folder",
    { dataset: { path: folder.path, folderId: String(folder.id) } },
    h("th", { scope: "row" }, h("code", null, folder.path), h("br"), h("small.meta", null, `folder ${folder.id}`)),
    h("td.folder-songs", { dataset: { label: "Songs" } }, String(folder.song_count)),
    h("td.folder-last-scan", { dataset: { label: "Last scan" } }, lastScan(folder)),
    h("td", { class: folder.exists ? "folder-exists" : "folder-exists error", dataset: { label: "Exists" } }, folder.exists ? "yes" : "missing"),
    h(
      "td.row-actions",
      null,
      h("button.secondary", { type: "button", disabled: scanning, "aria-label": `Rescan ${folder.path}`, onclick: () => rescan(folder) }, "Rescan"),
      h("button.secondary", { type: "button", "aria-label": `Remove ${folder.path}`, onclick: () => remove(folder) }, "Remove"),
    ),
  );
}

function addFolderForm(added) {
  const path = h("input", { name: "folder-path", required: true, autocomplete: "off", spellcheck: false, placeholder: "/srv/music", "aria-label": "Folder on the server" });
  return h(
    "form.inline.card-form.add-folder",
    {
      "aria-label": "Add a music folder",
      onsubmit: async (event) => {
        event.preventDefault();
        const folder = await guard(api("api/admin/folders", { method: "POST", body: { path: path.value.trim() } }));
        if (folder) {
          path.value = "";
          await added(folder);
        }
      },
    },
    h("h2", null, "Add a music folder"),
    h("p.meta", null, "A folder on the server, read in place. It must lie under the server's ", h("code", null, "TONEARM_FOLDER_ROOTS"), "; ", h("code", null, "tonearm folders add PATH"), " on the server can add any folder."),
    path,
    h("button.primary", { type: "submit" }, "Add folder"),
  );
}

// Phase 2 of scanning: songs are listed at once and decoded in the background.
function enrichmentText(counts) {
  const parts = [`${counts.pending} waiting`, `${counts.running} running`, `${counts.failed} failed`, `${counts.done} done`];
  const eta = counts.pending + counts.running > 0 && counts.eta_seconds != null ? `, about ${Math.max(1, Math.round(counts.eta_seconds / 60))} min left` : "";
  return `Enrichment (waveform, loudness, preview, art): ${parts.join(", ")}${eta}.`;
}

// Audio analysis runs after enrichment (or by `tonearm analyse`), when the extra is installed.
function analysisText(counts) {
  if (!counts.available) return `Audio analysis: off (${counts.reason}).`;
  return `Audio analysis (tempo, key, energy): ${counts.pending} waiting, ${counts.failed} failed, ${counts.done} done.`;
}

export async function libraryScreen() {
  const box = h("div.admin-library");
  const draw = async () => {
    const [library, enrichment, analysis] = await Promise.all([api("api/admin/library"), api("api/admin/enrichment"), api("api/admin/analysis")]);
    const scanning = Boolean(library.active_scan);
    const enriching = enrichment.pending + enrichment.running > 0;
    const actions = { rescan, remove, scanning };
    box.replaceChildren(
      h(
        "div.inline",
        null,
        h("button.primary", { type: "button", id: "start-scan", disabled: scanning, onclick: start }, scanning ? "Scanning…" : "Scan now"),
        h("span.meta", null, `${count(library.song_count, "song")} (${library.imported_songs} imported or uploaded). Scheduled: ${library.scan_schedule || "never"} (cron, UTC).`),
      ),
      h("p.meta", { id: "enrichment" }, enrichmentText(enrichment)),
      h("p.meta", { id: "analysis" }, analysisText(analysis)),
      library.folders.length
        ? table(
            "Music folders",
            ["Folder", "Songs", "Last scan", "Exists", ""],
            library.folders.map((folder) => folderRow(folder, actions)),
          )
        : h("p.empty", null, "No music folders yet: add one below. Uploads and `tonearm import` work without any."),
      addFolderForm(added),
      scanBlock("Scan under way", library.active_scan),
      scanBlock("Last scan", library.last_scan),
    );
    return scanning || enriching;
  };
  const follow = async (run, what) => {
    if (!run) return;
    announce(run.started ? `${what} started` : "A scan is already under way");
    if (await draw()) pollWhile(box, draw);
  };
  const start = async () => follow(await guard(api("api/admin/scans", { method: "POST" })), "Scan");
  const rescan = async (folder) => follow(await guard(api(`api/admin/folders/${folder.id}/scan`, { method: "POST" })), `Scan of ${folder.path}`);
  const added = async (folder) => {
    announce(`Added ${folder.path}`);
    await rescan(folder); // its songs come with its first scan
    await draw();
  };
  const remove = async (folder) => {
    if (!confirm(`Remove the music folder ${folder.path}? Its ${count(folder.song_count, "song")} leave the library (plays, likes and playlists are kept, and they come back if you add the folder again).`)) return;
    const done = await guard(api(`api/admin/folders/${folder.id}`, { method: "DELETE" }));
    if (!done) return;
    const left = done.songs_tombstoned;
    announce(`Removed ${folder.path}; ${count(left, "song")} left the library`);
    await draw();
  };
  if (await draw()) pollWhile(box, draw);
  return box;
}
