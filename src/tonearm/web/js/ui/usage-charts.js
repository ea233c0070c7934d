/**
 * The usage dashboard's charts, drawn as inline SVG (no chart library, nothing fetched):
 * data used per day stacked by network kind, and tap-to-audio p50/p95 per day. Colours come
 * from css/app.css (classes), so the page's CSP needs no inline styles.
 */

import { formatBytes, bytesUnit, KIB } from "../lib/format.js";
import { NETWORK_KINDS } from "../lib/usage-ledger.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

export const NETWORK_LABELS = Object.freeze({ wifi: "Wi-Fi / wired", cellular: "Cellular", unknown: "Unknown network" });

/** "Mar 10" for "2026-03-10", in the reader's language. */
export function dayLabel(day) {
  return new Date(`${day}T12:00:00`).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/** A round upper bound for an axis: 1, 2 or 5 × 10ⁿ at or above `max`. */
export function niceCeiling(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((step) => step * power).find((value) => value >= max);
}

/**
 * niceCeiling in the unit formatBytes will show, so the axis reads "500 KiB", not "488.3 KiB";
 * below 1 KiB an even number of bytes, so the middle tick is whole (never "0.5 B").
 */
export function niceBytesCeiling(max) {
  const power = bytesUnit(max);
  const unit = KIB ** power;
  const top = niceCeiling(max / unit);
  return (power === 0 && top % 2 ? Math.max(2, top * 2) : top) * unit;
}

function frame(label, className, top, format) {
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label, class: `chart ${className}` });
  chart.append(svg("title", {}, label));
  for (const fraction of [0, 0.5, 1]) {
    const y = MARGIN.top + PLOT_H * (1 - fraction);
    chart.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y, class: "grid" }),
      svg("text", { x: MARGIN.left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, format(top * fraction)),
    );
  }
  return chart;
}

function xLabels(chart, days, slot) {
  days.forEach((row, index) => {
    // Every other day (and always today), so labels never overlap.
    if ((days.length - 1 - index) % 2) return;
    chart.append(svg("text", { x: MARGIN.left + slot * (index + 0.5), y: HEIGHT - 8, class: "axis", "text-anchor": "middle" }, dayLabel(row.day)));
  });
}

/**
 * Bars of bytes received per day, stacked Wi-Fi / cellular / unknown from the bottom.
 * @param {ReturnType<import("../lib/usage-ledger.js").summarizeDays>} days oldest first
 */
export function dataPerDayChart(days) {
  const top = niceBytesCeiling(Math.max(...days.map((row) => row.totalReceivedBytes)));
  const chart = frame(`Audio data used per day, last ${days.length} days`, "data-chart", top, (value) => formatBytes(value, bytesUnit(top)));
  const slot = PLOT_W / days.length;
  days.forEach((row, index) => {
    let y = MARGIN.top + PLOT_H;
    const group = svg("g", { class: "day", "data-day": row.day, "data-bytes": row.totalReceivedBytes });
    for (const kind of NETWORK_KINDS) {
      const bytes = row.receivedBytes[kind];
      if (!bytes) continue;
      const height = Math.max(1, (bytes / top) * PLOT_H);
      y -= height;
      group.append(
        svg(
          "rect",
          { x: MARGIN.left + slot * index + slot * 0.15, y, width: slot * 0.7, height, class: `bar bar-${kind}`, "data-kind": kind, "data-bytes": bytes },
          svg("title", {}, `${dayLabel(row.day)}: ${formatBytes(bytes)} on ${NETWORK_LABELS[kind]}`),
        ),
      );
    }
    chart.append(group);
  });
  xLabels(chart, days, slot);
  return chart;
}

/**
 * Lines of the daily tap-to-audio median (p50) and 95th percentile; days without a play
 * have no point.
 */
export function tapToAudioChart(days) {
  const measured = days.map((row, index) => ({ row, index })).filter(({ row }) => row.tapToAudio.count > 0);
  const top = niceCeiling(Math.max(0, ...measured.map(({ row }) => row.tapToAudio.p95)));
  const chart = frame(`Tap to audio per day (p50 and p95), last ${days.length} days`, "tap-chart", top, (ms) => `${Math.round(ms)} ms`);
  const slot = PLOT_W / days.length;
  const x = (index) => MARGIN.left + slot * (index + 0.5);
  const y = (ms) => MARGIN.top + PLOT_H * (1 - ms / top);
  for (const key of ["p95", "p50"]) {
    const points = measured.map(({ row, index }) => `${x(index).toFixed(1)},${y(row.tapToAudio[key]).toFixed(1)}`);
    if (points.length) chart.append(svg("polyline", { points: points.join(" "), class: `line line-${key}`, "data-points": points.length }));
    for (const { row, index } of measured) {
      chart.append(
        svg(
          "circle",
          { cx: x(index), cy: y(row.tapToAudio[key]), r: 4, class: `dot dot-${key}`, "data-day": row.day, "data-ms": row.tapToAudio[key] },
          svg("title", {}, `${dayLabel(row.day)}: ${key} ${row.tapToAudio[key]} ms over ${row.tapToAudio.count} plays`),
        ),
      );
    }
  }
  if (!measured.length) {
    chart.append(svg("text", { x: MARGIN.left + PLOT_W / 2, y: MARGIN.top + PLOT_H / 2, class: "axis", "text-anchor": "middle" }, "No plays measured yet"));
  }
  xLabels(chart, days, slot);
  return chart;
}
