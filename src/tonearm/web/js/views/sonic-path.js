/**
 * Sonic path: pick a first and a last song, and get a queue that walks from one to the
 * other in small sonic steps (GET /api/sonic-path). Route #/sonic-path, with ?from=<song id>
 * when opened from a song's menu.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { announce } from "../notices.js";
import { songList } from "../ui/song-list.js";
import { sonicFailure } from "../ui/sonic.js";

const LENGTHS = [10, 25, 50];
const PICKS = 6; // search results offered per picker

/** The page: two song pickers, the path's length, and the path once made. */
export async function sonicPath({ player, songActions }, _, params) {
  const chosen = { from: null, to: null };
  const fromId = params.get("from");
  if (fromId) chosen.from = await api(`api/songs/${encodeURIComponent(fromId)}`).catch(() => null);
  const result = h("div.sonic-result");
  const length = h("select", { id: "sonic-length", name: "count" }, LENGTHS.map((n) => h("option", { value: String(n), selected: n === 25 ? "selected" : null }, `${n} songs`)));
  const go = h("button.primary", { type: "button", disabled: true }, "Play the path");
  const ready = () => (go.disabled = !(chosen.from && chosen.to));
  const pickers = [picker("from", "First song", chosen, ready), picker("to", "Last song", chosen, ready)];
  ready();
  go.addEventListener("click", async (event) => {
    go.disabled = true;
    try {
      const path = await api("api/sonic-path" + query({ from: chosen.from.id, to: chosen.to.id, count: length.value }));
      result.replaceChildren(h("h2", null, `${path.items.length} songs from ${chosen.from.title} to ${chosen.to.title}`), songList(path.items, { actions: songActions, label: "Sonic path" }));
      await player.playList(path.items, 0, { tapAt: event.timeStamp });
    } catch (error) {
      announce(sonicFailure(error), { error: true });
    } finally {
      ready();
    }
  });
  return h(
    "section.sonic-path",
    null,
    h("h1", null, "Sonic path"),
    h("p.meta", null, "From one song to another in small steps: each song in between is the one that sounds closest to a point on the way."),
    h("div.sonic-pickers", null, pickers),
    h("div.actions", null, h("label", { for: "sonic-length" }, "Length "), length, go),
    result,
  );
}

/** A search box that picks one song into `chosen[key]`. */
function picker(key, label, chosen, changed) {
  const id = `sonic-${key}`;
  const box = h("input", { id, type: "search", autocomplete: "off", placeholder: "Search a song", "aria-describedby": `${id}-chosen` });
  const shown = h("p.sonic-chosen", { id: `${id}-chosen` });
  const results = h("ul.sonic-picks", { "aria-label": `${label}: matches` });
  const show = () => {
    const song = chosen[key];
    shown.textContent = song ? `${song.title} — ${(song.artists || []).join(", ")}` : "None chosen";
    shown.classList.toggle("empty", !song);
  };
  let typed = 0;
  box.addEventListener("input", async () => {
    const turn = ++typed;
    const words = box.value.trim();
    if (!words) return results.replaceChildren();
    const found = await api("api/songs/search" + query({ q: words.slice(0, 200), limit: PICKS })).catch(() => null);
    if (turn !== typed || !found) return;
    results.replaceChildren(
      ...found.items.map((song) =>
        h(
          "li",
          null,
          h(
            "button.link",
            {
              type: "button",
              onclick: () => {
                chosen[key] = song;
                results.replaceChildren();
                box.value = "";
                show();
                changed();
              },
            },
            `${song.title} — ${song.artists.join(", ")}`,
          ),
        ),
      ),
    );
  });
  show();
  return h("div.sonic-picker", null, h("label", { for: id }, label), box, shown, results);
}
