/**
 * What the admin screens share: dates, sizes and durations for people, a table, and asking
 * again every second while work is under way.
 */

import { h } from "../dom.js";

export const POLL_EVERY_MS = 1000;

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function bytes(count) {
  if (!count) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  const power = Math.min(units.length - 1, Math.floor(Math.log(count) / Math.log(1000)));
  return `${(count / 1000 ** power).toFixed(power ? 1 : 0)} ${units[power]}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

export function table(label, headers, rows) {
  return h(
    "table.admin-table",
    { "aria-label": label },
    h("thead", null, h("tr", null, headers.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", null, rows),
  );
}

/** Calls `tick` every second while `element` is on the page and `tick` answers true. */
export function pollWhile(element, tick) {
  const step = async () => {
    if (!element.isConnected) return;
    let again = false;
    try {
      again = await tick();
    } catch {
      again = true; // a hiccup: ask again
    }
    if (again && element.isConnected) setTimeout(step, POLL_EVERY_MS);
  };
  setTimeout(step, POLL_EVERY_MS);
}
