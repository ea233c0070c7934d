/**
 * Admin: background jobs — schedule, last run and failure, next run, each one's recent runs,
 * and "Run now" for the jobs that need no arguments. Asks again every second while a run is
 * queued or running. Route #/admin/jobs.
 */

import { api } from "../api.js";
import { h } from "../dom.js";
import { announce, guard } from "../notices.js";
import { duration, pollWhile, table, when } from "./admin-parts.js";

function runSummary(run) {
  if (!run) return "never";
  const parts = [run.state, when(run.finished_at || run.started_at || run.enqueued_at)];
  if (run.duration_seconds !== null) parts.push(duration(run.duration_seconds));
  if (run.attempts > 1) parts.push(`${run.attempts} attempts`);
  return parts.join(" · ");
}

function resultText(run) {
  if (!run) return null;
  if (run.error) return h("span.error", null, run.error);
  if (!run.result) return null;
  const text = Object.entries(run.result)
    .filter(([, value]) => value !== null && typeof value !== "object")
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
  return text ? h("span.meta", null, text) : null;
}

export async function jobsScreen() {
  const box = h("div.admin-jobs");
  const draw = async () => {
    const jobs = await api("api/admin/jobs");
    const busy = jobs.some((job) => job.last_run && ["queued", "running"].includes(job.last_run.state));
    box.replaceChildren(
      table(
        "Jobs",
        ["Job", "Schedule", "Last run", "Last failure", "Next run", ""],
        jobs.map((job) =>
          h(
            "tr.job",
            { dataset: { job: job.name, state: job.last_run?.state || "never" } },
            h("th", { scope: "row" }, h("strong", null, job.name), h("br"), h("small.meta", null, job.description)),
            h("td", null, job.schedule ? h("code", null, job.schedule) : "on demand"),
            h("td.last-run", null, runSummary(job.last_run), h("br"), resultText(job.last_run)),
            h("td.last-failure", null, job.last_failure ? [when(job.last_failure.finished_at), h("br"), h("span.error", null, job.last_failure.error || "failed")] : "—"),
            h("td", null, when(job.next_run)),
            h(
              "td.row-actions",
              null,
              job.runnable
                ? h("button.secondary", { type: "button", "aria-label": `Run now: ${job.name}`, onclick: async () => {
                    const run = await guard(api(`api/admin/jobs/${encodeURIComponent(job.name)}/run`, { method: "POST", body: { payload: {} } }));
                    if (run) {
                      announce(`${job.name} queued`);
                      if (await draw()) pollWhile(box, draw);
                    }
                  } }, "Run now")
                : h("small.meta.not-runnable", null, "Queued by tonearm when needed"),
              h("button.secondary", { type: "button", "aria-label": `History of ${job.name}`, onclick: (event) => showRuns(event.currentTarget.closest("tr"), job) }, "History"),
            ),
          ),
        ),
      ),
    );
    return busy;
  };
  if (await draw()) pollWhile(box, draw);
  return box;
}

async function showRuns(row, job) {
  const next = row.nextElementSibling;
  if (next?.classList.contains("runs-row")) {
    next.remove();
    return;
  }
  const runs = await api(`api/admin/jobs/${encodeURIComponent(job.name)}/runs?limit=10`);
  row.after(
    h(
      "tr.runs-row",
      null,
      h(
        "td",
        { colspan: 6 },
        runs.length
          ? h("ol.runs", null, runs.map((run) => h("li", { dataset: { state: run.state } }, runSummary(run), " ", resultText(run))))
          : h("p.empty", null, "No runs yet."),
      ),
    ),
  );
}
