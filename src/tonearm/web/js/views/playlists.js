/**
 * Playlists: yours, newest first; create, rename, delete; reorder by drag (or ↑/↓), remove an
 * entry, play. Import an M3U/M3U8/XSPF file (the entries no song matched are listed) and export
 * one. Playlists read from files in the music folders are read-only: editing is hidden.
 */

import { api, ApiError, csrfToken } from "../api.js";
import { h, formatDuration } from "../dom.js";
import { guard } from "../notices.js";
import { songList } from "../ui/song-list.js";
import { heading } from "./library.js";
import { pickDownload } from "../ui/download-picker.js";
import { shareButton } from "../ui/share-dialog.js";

const PLAYLIST_FILES = ".m3u,.m3u8,.xspf,audio/x-mpegurl,application/xspf+xml";

/**
 * Sends a playlist file to the import endpoint as the request body.
 * @param {File} file The chosen .m3u, .m3u8 or .xspf file.
 * @returns {Promise<{playlist: any, unmatched: {line: number, text: string, reason: string}[]}>}
 * @throws {ApiError}
 */
export async function importPlaylistFile(file) {
  let response;
  try {
    response = await fetch(`api/playlists/import?filename=${encodeURIComponent(file.name)}`, {
      method: "POST",
      // The raw file, not multipart: the name travels in the query, the bytes stay as they are.
      headers: { Accept: "application/json", "Content-Type": "application/octet-stream", "X-CSRF-Token": csrfToken() },
      body: file,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached");
  }
  const decoded = await response.json().catch(() => null);
  if (!response.ok) {
    const error = decoded && decoded.error ? decoded.error : {};
    throw new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
  }
  return decoded;
}

function importReport(result) {
  const { playlist, unmatched } = result;
  return h(
    "div.import-report",
    { role: "status" },
    h("p", null, `Imported ${playlist.song_count} songs into `, h("a", { href: `#/playlist/${playlist.id}` }, playlist.name), "."),
    unmatched.length
      ? [
          h("p", null, `${unmatched.length} ${unmatched.length === 1 ? "entry" : "entries"} not found in the library:`),
          h(
            "ul.unmatched",
            null,
            unmatched.map((entry) => h("li", null, h("span.line", null, `Line ${entry.line}: `), h("code", null, entry.text), h("span.reason", null, ` — ${entry.reason}`))),
          ),
        ]
      : h("p", null, "Every entry was found."),
  );
}

function importButton(report, imported) {
  const input = h("input.visually-hidden", {
    type: "file",
    accept: PLAYLIST_FILES,
    "aria-label": "Import a playlist file",
    onchange: async () => {
      const [file] = input.files;
      if (!file) return;
      const result = await guard(importPlaylistFile(file));
      input.value = "";
      if (result) {
        report.replaceChildren(importReport(result));
        imported(result.playlist);
      }
    },
  });
  return h("label.button-like.import-playlist", null, "Import file…", input);
}

function exportMenu(detail) {
  const link = (format, label) =>
    h("a.menu-item", { href: `api/playlists/${encodeURIComponent(detail.id)}/export?format=${format}&paths=relative`, download: `${detail.name}.${format}` }, label);
  return h(
    "details.export-menu",
    null,
    h("summary.button-like", null, "Export"),
    h("div.menu", null, link("m3u8", "M3U8 playlist"), link("xspf", "XSPF playlist"), link("m3u", "M3U playlist")),
  );
}

function playlistCards(all) {
  return all.length
    ? h(
        "ul.cards",
        null,
        all.map((playlist) =>
          h(
            "li",
            null,
            h(
              "a.card",
              { href: `#/playlist/${playlist.id}` },
              h("strong", null, playlist.name),
              h("span", null, `${playlist.song_count} songs · ${formatDuration(playlist.duration_ms)}`),
              playlist.read_only ? h("span.badge.read-only", null, "From a file") : null,
            ),
          ),
        ),
      )
    : h("p.empty", null, "No playlists yet.");
}

export async function playlists() {
  const { playlists: all } = await api("api/playlists?sort=newest");
  const list = h("div.playlist-cards", null, playlistCards(all));
  const report = h("div.import-area");
  // An imported playlist joins the list at the top (newest first).
  const imported = (playlist) => {
    all.unshift(playlist);
    list.replaceChildren(playlistCards(all));
  };
  const name = h("input", { name: "name", required: true, maxlength: 200, placeholder: "New playlist name", "aria-label": "New playlist name" });
  const form = h(
    "form.inline",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const created = await guard(api("api/playlists", { method: "POST", body: { name: name.value } }));
        if (created) location.hash = `#/playlist/${created.id}`;
      },
    },
    name,
    h("button.primary", { type: "submit" }, "Create"),
    importButton(report, imported),
  );
  return h(
    "section",
    null,
    heading("Playlists"),
    form,
    report,
    list,
  );
}

export async function playlist({ player, downloads, songActions }, id) {
  const section = h("section.playlist");
  const render = (detail) => {
    const songs = detail.entries.map((entry) => entry.song);
    const save = async (promise) => {
      const updated = await guard(promise);
      if (updated && updated.entries) render(updated);
    };
    const nameInput = h("input", { value: detail.name, maxlength: 200, required: true, "aria-label": "Playlist name" });
    section.replaceChildren(
      heading(detail.name, songs.filter((_, i) => detail.entries[i].available), player),
      h("p.meta", null, `${detail.song_count} songs · ${formatDuration(detail.duration_ms)}`),
      h(
        "div.inline.playlist-actions",
        null,
        h("button.secondary.download-all", { type: "button", onclick: () => pickDownload(downloads, songs.filter((_, i) => detail.entries[i].available), `playlist ${detail.name}`) }, "Download playlist"),
        shareButton({ kind: "playlist", id: detail.id, name: detail.name }),
        exportMenu(detail),
      ),
      detail.read_only
        ? h("p.read-only-note", null, "Read from a playlist file in a music folder: change the file and rescan to change this playlist.")
        : h(
        "form.inline",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            const renamed = await guard(api(`api/playlists/${id}`, { method: "PATCH", body: { name: nameInput.value } }));
            if (renamed) render({ ...detail, name: renamed.name });
          },
        },
        nameInput,
        h("button", { type: "submit" }, "Rename"),
        h(
          "button.danger",
          {
            type: "button",
            onclick: async () => {
              if (!confirm(`Delete the playlist “${detail.name}”? The songs stay in the library.`)) return;
              const done = await guard(api(`api/playlists/${id}`, { method: "DELETE" }), true);
              if (done !== undefined) location.hash = "#/playlists";
            },
          },
          "Delete playlist",
        ),
      ),
      songList(songs, {
        actions: songActions,
        label: `Songs of ${detail.name}`,
        available: (index) => detail.entries[index].available,
        reorder: detail.read_only ? undefined : (from, to) => save(api(`api/playlists/${id}/move`, { method: "POST", body: { from, to } })),
        remove: detail.read_only ? undefined : (index) => save(api(`api/playlists/${id}/songs/${index}`, { method: "DELETE" })),
      }),
    );
  };
  render(await api(`api/playlists/${encodeURIComponent(id)}`));
  return section;
}
