/**
 * Playlists: yours, newest first; create, rename, delete; reorder by drag (or ↑/↓), remove an
 * entry, play.
 */

import { api } from "../api.js";
import { h, formatDuration } from "../dom.js";
import { guard } from "../notices.js";
import { songList } from "../ui/song-list.js";
import { heading } from "./library.js";
import { pickDownload } from "../ui/download-picker.js";
import { shareButton } from "../ui/share-dialog.js";

export async function playlists() {
  const { playlists: all } = await api("api/playlists?sort=newest");
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
  );
  return h(
    "section",
    null,
    heading("Playlists"),
    form,
    all.length
      ? h(
          "ul.cards",
          null,
          all.map((playlist) =>
            h("li", null, h("a.card", { href: `#/playlist/${playlist.id}` }, h("strong", null, playlist.name), h("span", null, `${playlist.song_count} songs · ${formatDuration(playlist.duration_ms)}`))),
          ),
        )
      : h("p.empty", null, "No playlists yet."),
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
      ),
      h(
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
        reorder: (from, to) => save(api(`api/playlists/${id}/move`, { method: "POST", body: { from, to } })),
        remove: (index) => save(api(`api/playlists/${id}/songs/${index}`, { method: "DELETE" })),
      }),
    );
  };
  render(await api(`api/playlists/${encodeURIComponent(id)}`));
  return section;
}
