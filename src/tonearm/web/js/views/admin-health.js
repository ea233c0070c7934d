/**
 * Admin: the server's health — version, uptime, counts, storage used, failed jobs and each
 * component's state. Route #/admin/health.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { count } from "../lib/format.js";
import { bytes, duration, table } from "./admin-parts.js";

export async function healthScreen() {
  const report = await api("api/admin/health");
  const figure = (label, value, key) => [h("dt", null, label), h("dd", { dataset: { figure: key } }, value)];
  return h(
    "div.admin-health",
    null,
    h("p", null, h("strong", { class: report.status === "ok" ? "ok" : "error", dataset: { status: report.status } }, report.status === "ok" ? "Everything is working" : "Something is wrong")),
    h(
      "dl.facts.health-figures",
      null,
      figure("Version", report.version, "version"),
      figure("Up for", duration(report.uptime_seconds), "uptime"),
      figure("Songs", String(report.songs), "songs"),
      figure("Users", `${report.users.total} (${report.users.active} active, ${count(report.users.admins, "admin")})`, "users"),
      figure("Storage used", `${bytes(report.storage.total_bytes)} (renditions ${bytes(report.storage.renditions_bytes)}, originals ${bytes(report.storage.originals_bytes)})`, "storage"),
      figure("Import failures", String(report.import_failures), "failures"),
      figure("Music folders", String(report.music_folders), "folders"),
      figure("Jobs whose last run failed", report.failed_jobs.length ? report.failed_jobs.join(", ") : "none", "failed-jobs"),
    ),
    table(
      "Components",
      ["Component", "State", "Detail", "Answered in"],
      Object.entries(report.components).map(([name, component]) =>
        h(
          "tr",
          { dataset: { component: name, ok: String(component.ok) } },
          h("th", { scope: "row" }, name),
          h("td", { class: component.ok ? "ok" : "error" }, component.ok ? "ok" : "down"),
          h("td", null, component.detail),
          h("td", null, `${component.latency_ms} ms`),
        ),
      ),
    ),
  );
}
