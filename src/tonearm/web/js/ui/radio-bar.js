/**
 * The radio bar: shown instead of the player bar while a station is chosen. The station's
 * name, what it plays now (its ICY title, when it sends one), play/stop and a close button.
 */

import { h } from "../dom.js";
import { hue, initials } from "./cards.js";
import { icon } from "./icons.js";

/**
 * Renders the bar into `root` and keeps it current.
 * @param {HTMLElement} root
 * @param {import("../player/radio.js").RadioPlayer} radio
 */
export function mountRadioBar(root, radio) {
  const badge = h("span.radio-badge", { "aria-hidden": "true" });
  const name = h("span.radio-name");
  const title = h("span.radio-title", { id: "radio-now-playing", "aria-live": "polite" });
  const toggle = h("button.icon.play", { type: "button", id: "radio-toggle", onclick: () => (radio.playing ? radio.audio.pause() : radio.play(radio.station)) });
  const close = h("button.icon", { type: "button", "aria-label": "Stop the radio", title: "Stop the radio", onclick: () => radio.stop() }, icon("close"));
  root.replaceChildren(
    h("div.radio-now", null, badge, h("div.radio-text", null, h("span.radio-label", null, "Radio"), name, title)),
    h("div.radio-controls", null, toggle, close),
    // Never shown (no controls): in the document so that what plays can be found there.
    Object.assign(radio.audio, { id: "radio-audio" }),
  );
  const paint = () => {
    const station = radio.station;
    root.hidden = !station;
    document.body.classList.toggle("has-radio", Boolean(station));
    if (!station) return;
    name.textContent = station.name;
    badge.textContent = initials(station.name);
    badge.style.setProperty("--hue", String(hue(station.name)));
    title.textContent = radio.error || radio.title || "";
    title.classList.toggle("error", Boolean(radio.error));
    toggle.replaceChildren(icon(radio.playing ? "pause" : "play"));
    toggle.setAttribute("aria-label", radio.playing ? `Pause ${station.name}` : `Play ${station.name}`);
    document.title = `${station.name} · tonearm`;
  };
  radio.addEventListener("change", paint);
  paint();
}
