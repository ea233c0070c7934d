/**
 * Shares: the links you made (GET /api/shares), newest first — what each shares, its link
 * with a Copy button, when it expires (changeable), how often it was opened — and Revoke.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { count } from "../lib/format.js";
import { EXPIRY_CHOICES, linkField } from "../ui/share-dialog.js";
import { heading } from "./library.js";

const KIND_NAMES = { song: "Song", album: "Album", playlist: "Playlist", songs: "Songs" };

function itemLink(share) {
  const label = share.description || `${KIND_NAMES[share.kind] || share.kind} shared`;
  const route = share.item_id && { song: "song", album: "album", playlist: "playlist" }[share.kind];
  return route ? h("a", { href: `#/${route}/${share.item_id}` }, label) : label;
}

function expiry(share) {
  if (share.expired) return h("span.expired", null, `Expired ${new Date(share.expires_at).toLocaleString()}`);
  return share.expires_at ? `Until ${new Date(share.expires_at).toLocaleString()}` : "Never expires";
}

export async function shares() {
  const section = h("section.shares");
  const render = (all) => {
    const change = async (share, value) => {
      const body = value === "never" ? { expires_at: null } : value === "now" ? { expires_at: new Date().toISOString() } : { expires_in_days: Number(value) };
      const updated = await guard(api(`api/shares/${share.id}`, { method: "PATCH", body }));
      if (updated) render(all.map((s) => (s.id === share.id ? updated : s)));
    };
    const revoke = async (share) => {
      if (!confirm(`Revoke the link to “${share.description || KIND_NAMES[share.kind]}”? It stops playing at once.`)) return;
      const done = await guard(api(`api/shares/${share.id}`, { method: "DELETE" }), true);
      if (done === undefined) return;
      announce("Share revoked");
      render(all.filter((s) => s.id !== share.id));
    };
    section.replaceChildren(
      heading("Shares"),
      h("p.meta", null, "Links that play without an account. Make one with Share on a song, an album or a playlist."),
      all.length
        ? h(
            "ul.share-list",
            { "aria-label": "Your shares" },
            all.map((share) =>
              h(
                "li.share-item",
                { dataset: { shareId: share.id }, class: share.expired ? "expired" : "" },
                h(
                  "div.share-what",
                  null,
                  h("strong", null, itemLink(share)),
                  h("span.meta", null, ` ${KIND_NAMES[share.kind] || share.kind} · ${count(share.song_count, "song")}`),
                ),
                linkField(share.url, `Link to ${share.description || KIND_NAMES[share.kind]}`),
                h(
                  "div.share-facts",
                  null,
                  h("span.share-expiry", null, expiry(share)),
                  h("span.share-visits", { dataset: { visits: String(share.visit_count) } }, count(share.visit_count, "visit"), share.last_visited_at ? `, last ${new Date(share.last_visited_at).toLocaleString()}` : ""),
                  h(
                    "select.share-expiry-change",
                    { "aria-label": "Change the expiry", onchange: (event) => change(share, event.target.value) },
                    h("option", { value: "", selected: true, disabled: true }, "Change expiry…"),
                    EXPIRY_CHOICES.map((choice) => h("option", { value: choice.days === null ? "never" : String(choice.days) }, choice.days === null ? "Never expire" : `${choice.label} from now`)),
                    h("option", { value: "now" }, "Expire now"),
                  ),
                  h("button.danger", { type: "button", onclick: () => revoke(share) }, "Revoke"),
                ),
              ),
            ),
          )
        : h("p.empty", null, "You have not shared anything yet."),
    );
  };
  render(await api("api/shares"));
  return section;
}
