/**
 * What the admin screens share: dates, sizes and durations for people, a table that turns
 * into labelled cards on a phone, and asking again every second while work is under way.
 */

import { h } from "../dom.js";
import { formatBytes } from "../lib/format.js";

export const POLL_EVERY_MS = 1000;

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** Sizes in the app's one unit system (lib/format.js). */
export const bytes = formatBytes;

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

/**
 * A table with column headers; on a phone (css/admin.css) each row becomes a card whose
 * cells carry their column's name (`data-label`).
 */
export function table(label, headers, rows) {
  const body = h("tbody", null, rows);
  for (const row of body.rows) labelRow(headers, row);
  return h("table.admin-table", { "aria-label": label }, h("thead", null, h("tr", null, headers.map((title) => h("th", { scope: "col" }, title)))), body);
}

/** Gives each cell of `row` its column's header as `data-label` (cells spanning columns and
 * unnamed columns get none). */
export function labelRow(headers, row) {
  if ([...row.cells].some((cell) => cell.colSpan > 1)) return row;
  [...row.cells].forEach((cell, index) => {
    if (headers[index] && !cell.dataset.label) cell.dataset.label = headers[index];
    // One box for the value, so a card's cell is "label | value" however many nodes it has.
    if (cell.dataset.label && cell.childNodes.length > 1) cell.replaceChildren(h("div.cell-value", null, ...cell.childNodes));
  });
  return row;
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
