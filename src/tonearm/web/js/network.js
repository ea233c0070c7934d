/**
 * The connection as the player sees it: the browser's Network Information API (absent in
 * Safari, Firefox and headless Chromium, where tests stub `navigator.connection`), plus
 * the user's own "this connection is metered" switch.
 */

import { networkInfo } from "./lib/quality.js";
import { localSettings } from "./settings.js";

/**
 * @returns {{type: string|null, effectiveType: string|null, downlinkKbps: number|null,
 *   saveData: boolean, metered: boolean}}
 */
export function currentNetwork() {
  return networkInfo(navigator, { markedMetered: localSettings().metered });
}

/** Whether the browser plays Opus in WebM through Media Source Extensions. */
export function opusPlayable() {
  return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported('audio/webm; codecs="opus"');
}

/** Whether the connection is Wi-Fi or wired (where background caching is allowed). */
export function onUnmeteredWifi() {
  const network = currentNetwork();
  return (network.type === "wifi" || network.type === "ethernet") && !network.metered;
}
