/**
 * Admin: internet radio stations (add, edit, remove). Route #/admin/radio. The player page
 * may play media only from the origins of the stations listed here (its
 * Content-Security-Policy), so a station added here plays once the page is loaded again.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { table, when } from "./admin-parts.js";

export async function radioScreen() {
  const box = h("div.admin-radio");
  const draw = async () => {
    const stations = await api("api/radio/stations");
    box.replaceChildren(
      stationForm(null, draw),
      stations.length
        ? table(
            "Radio stations",
            ["Station", "Stream", "Homepage", "Changed", ""],
            stations.map((station) => stationRow(station, draw)),
          )
        : h("p.empty", null, "No stations yet."),
    );
  };
  await draw();
  return box;
}

/** The form that adds a station, or edits `station`. */
function stationForm(station, done, cancel) {
  const editing = Boolean(station);
  const prefix = editing ? `edit-${station.id}` : "new";
  const field = (name, label, attrs) => {
    const input = h("input", { id: `${prefix}-${name}`, name, autocomplete: "off", ...attrs });
    return [input, h("label", { for: input.id }, label), input];
  };
  const [name, nameLabel] = field("station-name", "Name", { required: true, maxlength: 200, value: station?.name || "", placeholder: "Night Owl FM" });
  const [stream, streamLabel] = field("station-stream", "Stream URL", { type: "url", required: true, maxlength: 2000, value: station?.stream_url || "", placeholder: "the stream's http(s) address", pattern: "https?://.+" });
  const [homepage, homepageLabel] = field("station-homepage", "Homepage (optional)", { type: "url", maxlength: 2000, value: station?.homepage_url || "", placeholder: "the station's web page", pattern: "https?://.+" });
  return h(
    "form.card-form.station-form",
    {
      "aria-label": editing ? `Edit ${station.name}` : "Add a station",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = { name: name.value, stream_url: stream.value, homepage_url: homepage.value || null };
        const saved = await guard(
          editing
            ? api(`api/radio/stations/${encodeURIComponent(station.id)}`, { method: "PATCH", body })
            : api("api/radio/stations", { method: "POST", body }),
        );
        if (saved) {
          announce(editing ? `${saved.name} saved` : `${saved.name} added: listeners hear it after reloading the page`);
          await done();
        }
      },
    },
    h("h2", null, editing ? `Edit ${station.name}` : "Add a station"),
    h("div.station-fields", null, nameLabel, name, streamLabel, stream, homepageLabel, homepage),
    h(
      "div.form-actions",
      null,
      h("button.primary", { type: "submit" }, editing ? "Save" : "Add station"),
      cancel ? h("button.secondary", { type: "button", onclick: cancel }, "Cancel") : null,
    ),
  );
}

function stationRow(station, redraw) {
  const details = h("td.station-details", { colspan: 5, hidden: true });
  const remove = async () => {
    if (!confirm(`Remove ${station.name}?`)) return;
    const gone = await guard(api(`api/radio/stations/${encodeURIComponent(station.id)}`, { method: "DELETE" }), true);
    if (gone !== undefined) {
      announce(`${station.name} removed`);
      await redraw();
    }
  };
  const edit = () => {
    details.replaceChildren(stationForm(station, redraw, () => (details.hidden = true)));
    details.hidden = false;
    details.querySelector("input")?.focus();
  };
  const row = h(
    "tr",
    { dataset: { station: station.id } },
    h("th", { scope: "row" }, station.name),
    h("td.url", null, station.stream_url),
    h("td.url", null, station.homepage_url || "—"),
    h("td", null, when(station.updated_at)),
    h(
      "td.row-actions",
      null,
      h("button.secondary", { type: "button", onclick: edit, "aria-label": `Edit ${station.name}` }, "Edit"),
      h("button.secondary", { type: "button", onclick: remove, "aria-label": `Remove ${station.name}` }, "Remove"),
    ),
  );
  return [row, h("tr.details-row", null, details)];
}
