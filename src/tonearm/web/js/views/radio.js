/**
 * Radio: the internet radio stations the admins added, as cards; a tap plays one in the
 * radio bar (player/radio.js). Route #/radio.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { hue, initials } from "../ui/cards.js";
import { icon } from "../ui/icons.js";

/** The stations, or a word on how to get some. */
export async function radio({ radio: player, session }) {
  const stations = await api("api/radio/stations");
  const admin = session?.user?.role === "admin";
  const body = stations.length
    ? h("ul.station-cards", { "aria-label": "Stations" }, stations.map((station) => stationCard(station, player)))
    : h("p.empty", null, admin ? h("span", null, "No stations yet: add one in ", h("a", { href: "#/admin/radio" }, "Admin → Radio stations"), ".") : "No stations yet: an admin adds them.");
  return h("section.radio", null, h("h1", null, "Radio"), body);
}

function stationCard(station, player) {
  const art = h("span.station-art", { "aria-hidden": "true" }, initials(station.name));
  art.style.setProperty("--hue", String(hue(station.name)));
  const playing = () => player.station?.id === station.id;
  const state = h("span.station-state", { "aria-hidden": "true" });
  // Named by what it shows, the verb for screen readers only (axe: label-content-name-mismatch).
  const verb = h("span.visually-hidden");
  const button = h(
    "button.station-play",
    { type: "button", dataset: { station: station.id }, onclick: () => (playing() ? player.stop() : player.play(station)) },
    art,
    h("span.station-name", null, verb, station.name),
    state,
  );
  let painted = false;
  const paint = () => {
    // The card left the page (another screen): it no longer follows the player.
    if (painted && !button.isConnected) return player.removeEventListener("change", paint);
    painted = true;
    button.classList.toggle("playing", playing());
    state.replaceChildren(icon(playing() ? "close" : "play"));
    verb.textContent = playing() ? "Stop " : "Play ";
  };
  player.addEventListener("change", paint);
  paint();
  let host = "";
  try {
    host = new URL(station.homepage_url || station.stream_url).host;
  } catch {
    host = "";
  }
  const homepage = station.homepage_url
    ? h("a.station-home", { href: station.homepage_url, target: "_blank", rel: "noopener noreferrer" }, host)
    : h("span.station-home", null, host);
  return h("li.station", null, button, homepage);
}
