/**
 * Admin: files that did not import (scans, imports and uploads), newest first, a hundred at
 * a time. Route #/admin/failures.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { count } from "../lib/format.js";
import { bytes, labelRow, when } from "./admin-parts.js";

const HEADERS = ["File", "Reason", "From", "Size", "When"];

export async function failuresScreen() {
  const PAGE = 100;
  const rows = h("tbody");
  const more = h("button.secondary.more", { type: "button", hidden: true }, "More");
  const total = h("p.meta");
  let offset = 0;
  const load = async () => {
    const page = await api("api/admin/ingest/failures" + query({ limit: PAGE, offset }));
    offset += page.items.length;
    total.textContent = `${count(page.total, "file")} did not import (scans, imports and uploads), newest first.`;
    rows.append(
      ...page.items.map((failure) =>
        labelRow(HEADERS, h(
          "tr.failure",
          null,
          h("th", { scope: "row" }, h("code", null, failure.path)),
          h("td.error", null, failure.reason),
          h("td", null, failure.source),
          h("td", null, failure.size_bytes === null ? "—" : bytes(failure.size_bytes)),
          h("td", null, when(failure.failed_at)),
        )),
      ),
    );
    more.hidden = offset >= page.total;
  };
  more.addEventListener("click", load);
  await load();
  return h(
    "div.admin-failures",
    null,
    total,
    h("table.admin-table", { "aria-label": "Import failures" }, h("thead", null, h("tr", null, HEADERS.map((title) => h("th", { scope: "col" }, title)))), rows),
    more,
  );
}
