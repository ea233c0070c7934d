/**
 * Admin screens (admins only; the API answers 403 to anyone else): users and their API keys
 * for Subsonic apps, music folders and scans, import failures, background jobs, and the
 * server's health. Routes: #/admin/users, #/admin/library, #/admin/failures, #/admin/jobs,
 * #/admin/health.
 *
 * Screens that show work under way (a scan, a job run) ask again every second while it
 * lasts and while the screen is on the page.
 */

import { api, query } from "../api.js";
import { h } from "../dom.js";
import { libraryScreen } from "./admin-library.js";
import { bytes, duration, pollWhile, table, when } from "./admin-parts.js";

const SECTIONS = [
  ["users", "Users"],
  ["library", "Folders and scans"],
  ["failures", "Import failures"],
  ["jobs", "Jobs"],
  ["health", "Server health"],
];

/** The admin screen named by the route (#/admin/<section>). */
export async function admin(app, section = "users") {
  const name = SECTIONS.some(([key]) => key === section) ? section : "users";
  const tabs = h(
    "nav.admin-tabs",
    { "aria-label": "Admin" },
    SECTIONS.map(([key, title]) => h("a", { href: `#/admin/${key}`, "aria-current": key === name ? "page" : null }, title)),
  );
  const body = await SCREENS[name](app);
  return h("section.admin", { dataset: { admin: name } }, h("h1", null, "Admin"), tabs, body);
}

// --- users ----------------------------------------------------------------------------

async function usersScreen(app) {
  const box = h("div.admin-users");
  const draw = async () => {
    const users = await api("api/admin/users");
    box.replaceChildren(
      addUserForm(app, draw),
      table(
        "Users",
        ["User", "Role", "State", "Created", ""],
        users.map((user) => userRow(app, user, draw)),
      ),
    );
  };
  await draw();
  return box;
}

function addUserForm(app, redraw) {
  const username = h("input", { name: "new-username", required: true, maxlength: 64, autocomplete: "off", placeholder: "username", "aria-label": "New user's name" });
  const password = h("input", { name: "new-password", type: "password", required: true, autocomplete: "new-password", placeholder: "password", "aria-label": "New user's password" });
  const isAdmin = h("input", { type: "checkbox", name: "new-admin" });
  return h(
    "form.inline.card-form",
    {
      "aria-label": "Add a user",
      onsubmit: async (event) => {
        event.preventDefault();
        const made = await app.guard(api("api/admin/users", { method: "POST", body: { username: username.value, password: password.value, admin: isAdmin.checked } }));
        if (made) {
          app.announce(`${made.username} can sign in now`);
          await redraw();
        }
      },
    },
    h("h2", null, "Add a user"),
    username,
    password,
    h("label", null, isAdmin, " admin"),
    h("button.primary", { type: "submit" }, "Add user"),
  );
}

function userRow(app, user, redraw) {
  const details = h("td.user-details", { colspan: 5, hidden: true });
  const toggleActive = async () => {
    const changed = await app.guard(api(`api/admin/users/${encodeURIComponent(user.username)}`, { method: "PATCH", body: { active: !user.active } }));
    if (changed) {
      app.announce(`${user.username} ${changed.active ? "enabled" : "disabled"}`);
      await redraw();
    }
  };
  const open = (content) => {
    details.replaceChildren(content);
    details.hidden = false;
  };
  const row = h(
    "tr",
    { dataset: { username: user.username, active: String(user.active) } },
    h("th", { scope: "row" }, user.username),
    h("td", null, user.role),
    h("td", null, user.active ? "active" : "disabled"),
    h("td", null, when(user.created_at)),
    h(
      "td.row-actions",
      null,
      h("button.secondary", { type: "button", onclick: toggleActive }, user.active ? "Disable" : "Enable"),
      h("button.secondary", { type: "button", onclick: () => open(passwordForm(app, user, () => (details.hidden = true))) }, "Reset password"),
      h("button.secondary", { type: "button", onclick: async () => open(await apiKeys(app, user)) }, "API keys"),
    ),
  );
  return [row, h("tr.details-row", null, details)];
}

function passwordForm(app, user, close) {
  const password = h("input", { type: "password", name: "reset-password", required: true, autocomplete: "new-password", "aria-label": `New password for ${user.username}` });
  const form = h(
    "form.inline",
    {
      "aria-label": `Reset ${user.username}'s password`,
      onsubmit: async (event) => {
        event.preventDefault();
        const done = await app.guard(api(`api/admin/users/${encodeURIComponent(user.username)}/password`, { method: "POST", body: { password: password.value } }), true);
        if (done !== undefined) {
          app.announce(`${user.username}'s password was reset; their sign-ins ended`);
          close();
        }
      },
    },
    password,
    h("button.primary", { type: "submit" }, "Set password"),
    h("button.secondary", { type: "button", onclick: close }, "Cancel"),
  );
  setTimeout(() => password.focus());
  return form;
}

async function apiKeys(app, user) {
  const base = `api/admin/users/${encodeURIComponent(user.username)}/api-keys`;
  const box = h("div.api-keys", { "aria-label": `API keys of ${user.username}` });
  const draw = async (fresh) => {
    const keys = await api(base);
    const name = h("input", { name: "key-name", required: true, maxlength: 100, placeholder: "e.g. Symfonium on the phone", "aria-label": "What the key is for" });
    box.replaceChildren(
      h("h3", null, `API keys of ${user.username} (Subsonic apps)`),
      fresh
        ? h(
            "div.new-key",
            { role: "status" },
            h("p", null, `New key “${fresh.name}” — shown this once; enter it in the app as the API key (apiKey=…):`),
            h("code.api-key", null, fresh.key),
            h("button.secondary", { type: "button", onclick: () => navigator.clipboard?.writeText(fresh.key).then(() => app.announce("Key copied"), () => {}) }, "Copy"),
          )
        : null,
      keys.length
        ? h(
            "ul.key-list",
            null,
            keys.map((key) =>
              h(
                "li",
                { dataset: { keyId: key.id } },
                h("strong", null, key.name),
                h("span.meta", null, ` ${key.prefix}… · made ${when(key.created_at)} · last used ${when(key.last_used_at)} `),
                h("button.danger", { type: "button", onclick: async () => {
                  if ((await app.guard(api(`${base}/${key.id}`, { method: "DELETE" }), true)) !== undefined) {
                    app.announce(`Key “${key.name}” revoked`);
                    await draw();
                  }
                } }, "Revoke"),
              ),
            ),
          )
        : h("p.empty", null, "No API keys."),
      h(
        "form.inline",
        {
          "aria-label": "Make an API key",
          onsubmit: async (event) => {
            event.preventDefault();
            const made = await app.guard(api(base, { method: "POST", body: { name: name.value } }));
            if (made) await draw(made);
          },
        },
        name,
        h("button.primary", { type: "submit" }, "Make a key"),
      ),
    );
  };
  await draw();
  return box;
}

// --- import failures ------------------------------------------------------------------

async function failuresScreen() {
  const PAGE = 100;
  const rows = h("tbody");
  const more = h("button.secondary.more", { type: "button", hidden: true }, "More");
  const total = h("p.meta");
  let offset = 0;
  const load = async () => {
    const page = await api("api/admin/ingest/failures" + query({ limit: PAGE, offset }));
    offset += page.items.length;
    total.textContent = `${page.total} file${page.total === 1 ? "" : "s"} did not import (scans, imports and uploads), newest first.`;
    rows.append(
      ...page.items.map((failure) =>
        h(
          "tr.failure",
          null,
          h("th", { scope: "row" }, h("code", null, failure.path)),
          h("td.error", null, failure.reason),
          h("td", null, failure.source),
          h("td", null, failure.size_bytes === null ? "—" : bytes(failure.size_bytes)),
          h("td", null, when(failure.failed_at)),
        ),
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
    h("table.admin-table", { "aria-label": "Import failures" }, h("thead", null, h("tr", null, ["File", "Reason", "From", "Size", "When"].map((title) => h("th", { scope: "col" }, title)))), rows),
    more,
  );
}

// --- jobs -----------------------------------------------------------------------------

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

async function jobsScreen(app) {
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
              h("button.secondary", { type: "button", "aria-label": `Run ${job.name} now`, onclick: async () => {
                const run = await app.guard(api(`api/admin/jobs/${encodeURIComponent(job.name)}/run`, { method: "POST", body: { payload: {} } }));
                if (run) {
                  app.announce(`${job.name} queued`);
                  if (await draw()) pollWhile(box, draw);
                }
              } }, "Run now"),
              h("button.secondary", { type: "button", "aria-label": `Runs of ${job.name}`, onclick: (event) => showRuns(event.currentTarget.closest("tr"), job) }, "History"),
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

// --- server health --------------------------------------------------------------------

async function healthScreen() {
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
      figure("Users", `${report.users.total} (${report.users.active} active, ${report.users.admins} admin${report.users.admins === 1 ? "" : "s"})`, "users"),
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

const SCREENS = {
  users: usersScreen,
  library: libraryScreen,
  failures: failuresScreen,
  jobs: jobsScreen,
  health: healthScreen,
};
