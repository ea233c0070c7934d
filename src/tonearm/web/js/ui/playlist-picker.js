/**
 * The "add to playlist" dialog: pick one of your playlists or name a new one.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce } from "../notices.js";

/**
 * Opens the dialog for `songs`; adds them where the user chooses (with an add_to_playlist
 * listening event each, through `tracker` when there is one).
 * @param {any} tracker
 * @param {Array<any>} songs
 */
export async function pickPlaylist(tracker, songs) {
  let playlists = [];
  try {
    playlists = (await api("api/playlists?sort=updated")).playlists;
  } catch (error) {
    announce(error.message, { error: true });
    return;
  }
  const dialog = h("dialog.picker", { "aria-label": "Add to playlist" });
  const add = async (playlist) => {
    try {
      await api(`api/playlists/${playlist.id}/songs`, { method: "POST", body: { song_ids: songs.map((s) => s.id) } });
      for (const song of songs) tracker?.action("add_to_playlist", song, { playlist_id: playlist.id }).catch(() => {});
      announce(`Added to ${playlist.name}`);
      dialog.close();
    } catch (error) {
      announce(error.message, { error: true });
    }
  };
  const nameInput = h("input", { name: "name", required: true, maxlength: 200, placeholder: "New playlist", "aria-label": "New playlist name" });
  dialog.append(
    h("h2", null, "Add to playlist"),
    h(
      "ul.picker-list",
      null,
      playlists.map((playlist) => h("li", null, h("button", { type: "button", onclick: () => add(playlist) }, playlist.name))),
    ),
    h(
      "form.inline",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            const created = await api("api/playlists", { method: "POST", body: { name: nameInput.value } });
            await add(created);
          } catch (error) {
            announce(error.message, { error: true });
          }
        },
      },
      nameInput,
      h("button", { type: "submit" }, "Create and add"),
    ),
    h("button.secondary", { type: "button", onclick: () => dialog.close() }, "Cancel"),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
